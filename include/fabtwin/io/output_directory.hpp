#pragma once
// Making sure a folder can take a run's outputs before the run starts, so that a bad --out fails
// in a second with a message naming it instead of after minutes of work (a parent that is a file,
// /dev/null, an empty path, a folder on a read-only mount).

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "fabtwin/core/error.hpp"

namespace fabtwin::io {

/// Creates the folder `path` (and its parents) when missing and proves that files can be created
/// in it by creating and removing a probe file. Throws io_error naming `where`, the path and the
/// reason for an empty path, a path that exists and is not a folder, a folder that cannot be
/// created, or one that refuses a new file. Never throws std::filesystem::filesystem_error.
inline void prepare_output_directory(const std::string& path,
                                     std::string_view where = "io::prepare_output_directory") {
  const auto fail = [&](const std::string& reason) {
    return io_error("fabtwin::" + std::string(where) + ": cannot use '" + path +
                    "' as an output folder: " + reason);
  };
  if (path.empty()) throw fail("the path is empty; expected a folder name");

  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) throw fail("it exists and is not a folder");
  } else {
    // A status error other than "not found" (a parent that is a file, a loop of links, no search
    // permission) is the reason creating it would fail too.
    if (ec == std::errc::not_a_directory)
      throw fail("a part of the path above it is a file, not a folder");
    if (ec && ec != std::errc::no_such_file_or_directory) throw fail(ec.message());
    fs::create_directories(path, ec);
    if (ec) throw fail("it cannot be created: " + ec.message());
    if (!fs::is_directory(path, ec)) throw fail("it was created but is not a folder");
  }

  // Permission bits do not tell (root ignores them, a read-only mount does not show in them): only
  // creating a file does. "x" creates exclusively, so a probe of another run sharing the folder is
  // never opened or removed here: its name is taken and the next one is tried.
  static std::atomic<unsigned> serial{0};
  std::string probe;
  std::FILE* file = nullptr;
  for (int attempt = 0; attempt < 100 && !file; ++attempt) {
    probe = (fs::path(path) / (".fabtwin-probe-" + std::to_string(serial.fetch_add(1)))).string();
    file = std::fopen(probe.c_str(), "wx");
    if (!file && errno != EEXIST) break;
  }
  if (!file) throw fail(std::string("no file can be created in it: ") + std::strerror(errno));
  const bool closed = std::fclose(file) == 0;
  const int close_errno = errno;
  fs::remove(probe, ec);
  if (!closed)
    throw fail(std::string("closing a new file in it failed: ") + std::strerror(close_errno));
  if (ec) throw fail("a new file in it cannot be removed: " + ec.message());
}

}  // namespace fabtwin::io
