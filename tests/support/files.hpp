#pragma once
// Files the tests write and read back: a whole file as a string, and scratch paths in the system's
// temporary folder.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace fabtwin::test {

/// The bytes of `path` (empty when it cannot be read: the test's own checks say why).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// "<temp>/fabtwin_test_<name>".
inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fabtwin_test_" + name)).string();
}

}  // namespace fabtwin::test
