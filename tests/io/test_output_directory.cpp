// io::prepare_output_directory against the file system: each way a folder can be unusable is
// produced for real (the tests run as root, where permission bits block nothing, so only failures
// that hold for root are used) and must give an io_error naming the path; a usable folder is created
// or kept, and left without the probe file.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "fabtwin/io/output_directory.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using fabtwin::io::prepare_output_directory;

namespace {

/// A fresh, empty scratch folder for one test case.
fs::path scratch(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("fabtwin_test_output_directory_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

void write_text(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

/// The message of the io_error refusing `path` ("" when it is accepted). Any other exception, a
/// std::filesystem::filesystem_error above all, escapes and fails the test.
std::string refusal(const std::string& path,
                    std::string_view where = "io::prepare_output_directory") {
  try {
    prepare_output_directory(path, where);
  } catch (const fabtwin::io_error& e) {
    return e.what();
  }
  return "";
}

std::size_t entries(const fs::path& folder) {
  return std::size_t(std::distance(fs::directory_iterator(folder), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("An output folder is created with its parents, or kept, and left empty", "[io][output]") {
  const fs::path root = scratch("fresh");
  const fs::path nested = root / "a" / "b" / "c";
  prepare_output_directory(nested.string());
  CHECK(fs::is_directory(nested));
  CHECK(entries(nested) == 0);  // the probe file is gone

  // An existing folder with files in it: kept as it is.
  write_text(nested / "earlier.txt", "kept");
  prepare_output_directory(nested.string());
  CHECK(entries(nested) == 1);
  std::ifstream in(nested / "earlier.txt");
  std::string text;
  in >> text;
  CHECK(text == "kept");
  fs::remove_all(root);
}

TEST_CASE("Unusable output folders are refused with the path and the reason", "[io][output]") {
  const fs::path root = scratch("refused");
  const fs::path file = root / "regular_file";
  write_text(file, "not a folder");

  SECTION("an empty path") {
    CHECK_THAT(refusal(""), Contains("cannot use '' as an output folder: the path is empty"));
  }
  SECTION("an existing regular file") {
    CHECK_THAT(
        refusal(file.string()),
        Contains("'" + file.string() + "' as an output folder: it exists and is not a folder"));
    CHECK(fs::is_regular_file(file));  // untouched
  }
  SECTION("a path under a regular file") {
    const std::string under = (file / "out" / "deeper").string();
    CHECK_THAT(
        refusal(under),
        Contains("'" + under + "' as an output folder: a part of the path above it is a file"));
    CHECK(fs::is_regular_file(file));
  }
  SECTION("a character device") {
    CHECK_THAT(refusal("/dev/null"),
               Contains("'/dev/null' as an output folder: it exists and is not a folder"));
  }
  SECTION("the caller's name leads the message") {
    CHECK_THAT(refusal("", "optics::save_kernels"),
               Contains("fabtwin::optics::save_kernels: cannot use ''"));
  }
  fs::remove_all(root);
}

TEST_CASE("A folder that takes no new file is refused", "[io][output]") {
  // /proc/self is a folder in which not even root can create a file: the probe is what notices.
  if (!fs::is_directory("/proc/self")) {
    WARN("skipped: no /proc/self on this system");
    return;
  }
  CHECK_THAT(refusal("/proc/self"),
             Contains("'/proc/self' as an output folder: no file can be created in it"));
}
