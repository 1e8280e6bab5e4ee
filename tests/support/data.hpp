#pragma once
// Where tests find the shared data (ICCAD-2013 clips and kernels, the GDSII layout): the folder in
// the FABTWIN_DATA environment variable, else ../shared/data beside the project root. The data is
// read in place, never copied into the repository; a test that needs it is skipped, with a
// message saying why, when it is absent.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace fabtwin::test {

inline std::filesystem::path data_root() {
  if (const char* env = std::getenv("FABTWIN_DATA")) return env;
  return FABTWIN_TEST_DATA_DIR;
}

/// The path of `relative` under the data root, or nothing (with a Catch2 warning) when absent.
inline std::optional<std::filesystem::path> data_file(const std::string& relative) {
  const std::filesystem::path path = data_root() / relative;
  if (std::filesystem::exists(path)) return path;
  WARN("skipped: shared test data '" << path.string() << "' not found (set FABTWIN_DATA)");
  return std::nullopt;
}

}  // namespace fabtwin::test
