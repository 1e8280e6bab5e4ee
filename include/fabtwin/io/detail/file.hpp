#pragma once
// Writing a whole file at once, with errors that name the path and the system's reason.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "fabtwin/core/error.hpp"

namespace fabtwin::io::detail {

/// Replaces the file at `path` by `bytes`; throws io_error naming `where`, the path and strerror.
inline void write_file(const std::string& path, std::string_view bytes, std::string_view where) {
  const auto fail = [&](const char* what) {
    return io_error("fabtwin::" + std::string(where) + ": cannot " + what + " '" + path +
                    "': " + std::strerror(errno));
  };
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) throw fail("open for writing");
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
  const int write_errno = errno;
  if (std::fclose(file) != 0 || !written) {
    if (!written) errno = write_errno;
    throw fail("write");
  }
}

}  // namespace fabtwin::io::detail
