// Every file the library reads or writes fails as an io_error naming the path and the reason, and a
// write that fails leaves nothing behind (io/detail/file.hpp). Each reader is given a folder, a
// missing path and a device; each writer a name in a missing folder, a folder, a name under a
// plain file, and a disk that fills up part way. The tests run as root in CI, where permission bits
// do not stop anything: a full disk is made with RLIMIT_FSIZE (a write past it fails with EFBIG),
// which binds root too.

#include <algorithm>
#include <complex>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fabtwin/io/json.hpp"
#include "fabtwin/io/json_read.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/io/png.hpp"
#include "fabtwin/io/vtk.hpp"
#include "fabtwin/layout/gdsii_reader.hpp"
#include "fabtwin/layout/gdsii_writer.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/kernel_io.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

fs::path fresh_folder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("fabtwin_test_file_errors_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// Every name in `folder` (not recursive), sorted: what a failed write must leave unchanged.
std::vector<std::string> listing(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// The name and path plus file contents of everything in `folder`.
std::vector<std::pair<std::string, std::string>> snapshot(const fs::path& folder) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& name : listing(folder))
    files.emplace_back(name,
                       fs::is_regular_file(folder / name) ? read_bytes(folder / name) : "<folder>");
  return files;
}

/// The io_error message of `call`, or a failed test when it throws nothing or something else.
std::string io_error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const io_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("expected an io_error, got another exception: " << e.what());
  }
  FAIL("expected an io_error, nothing was thrown");
  return "";
}

/// While alive, no file of this process can grow beyond `bytes`: a write past it fails with EFBIG
/// (SIGXFSZ, which would end the process, is ignored), as on a disk that is full.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_) == 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_;
    limit.rlim_cur = bytes;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

/// The message of `call` run with files limited to `bytes` (the limit lifted before any check).
std::string io_error_on_full_disk(rlim_t bytes, const std::function<void()>& call) {
  std::string message = "<nothing thrown>";
  {
    FileSizeLimit limit(bytes);
    try {
      call();
    } catch (const io_error& e) {
      message = e.what();
    } catch (const std::exception& e) {
      message = std::string("<another exception> ") + e.what();
    }
  }
  return message;
}

struct Writer {
  const char* name;
  std::function<void(const fs::path&)> write;  // a small, valid output at the path
};

std::vector<Writer> writers() {
  return {
      {"io::write_npy",
       [](const fs::path& path) {
         const std::vector<double> samples{1, 2, 3, 4, 5, 6};
         io::write_npy(path.string(), samples.data(), {2, 3});
       }},
      {"io::write_png",
       [](const fs::path& path) {
         const std::vector<std::uint8_t> levels(64, 200);
         io::write_png_grey(path.string(), levels.data(), 8, 8);
       }},
      {"io::VtiFile::write",
       [](const fs::path& path) {
         const Grid grid(4, 3, 1.0);
         io::VtiFile(grid)
             .add("dose", make_host_field(grid, std::vector<float>(12, 0.5f)))
             .write(path.string());
       }},
      {"io::write_json",
       [](const fs::path& path) {
         io::json::Value value = io::json::Value::object();
         value["name"] = "a value long enough to pass the size limit of the full-disk case";
         io::write_json(path.string(), value);
       }},
      {"layout::gdsii::write_file",
       [](const fs::path& path) {
         layout::PolygonSet set;
         set.polygons.push_back({{{0, 0}, {10, 0}, {10, 10}, {0, 10}}});
         layout::gdsii::write_file(path, set);
       }},
  };
}

}  // namespace

TEST_CASE("Writers refuse impossible targets with the path and the reason, leaving nothing",
          "[io][files][errors]") {
  const fs::path folder = fresh_folder("writers");
  write_bytes(folder / "plain", "a plain file");
  fs::create_directory(folder / "a_folder");
  REQUIRE(mkfifo((folder / "a_pipe").c_str(), 0600) == 0);
  for (const Writer& writer : writers()) {
    INFO(writer.name);
    const fs::path in_missing = folder / "missing" / "out";
    CHECK_THAT(io_error_of([&] { writer.write(in_missing); }),
               Contains(writer.name) && Contains("'" + in_missing.string() + "'") &&
                   Contains("No such file or directory") &&
                   Contains("the folder '" + (folder / "missing").string() + "' does not exist"));
    CHECK_THAT(io_error_of([&] { writer.write(folder / "a_folder"); }),
               Contains("'" + (folder / "a_folder").string() + "'") && Contains("is a directory"));
    const fs::path under_file = folder / "plain" / "out";
    CHECK_THAT(io_error_of([&] { writer.write(under_file); }),
               Contains("'" + under_file.string() + "'") && Contains("Not a directory"));
    // A special file is refused, not replaced (renaming over /dev/null would replace the device).
    CHECK_THAT(io_error_of([&] { writer.write(folder / "a_pipe"); }),
               Contains("'" + (folder / "a_pipe").string() + "'") && Contains("named pipe"));
    // Nothing was created, and nothing else changed.
    CHECK(listing(folder) == std::vector<std::string>{"a_folder", "a_pipe", "plain"});
    CHECK(fs::is_fifo(folder / "a_pipe"));
    CHECK(fs::is_empty(folder / "a_folder"));
    CHECK(read_bytes(folder / "plain") == "a plain file");
  }
  fs::remove_all(folder);
}

TEST_CASE("A write that fails part way keeps the old file bit for bit and leaves no temporary",
          "[io][files][errors]") {
  const fs::path folder = fresh_folder("full_disk");
  for (const Writer& writer : writers()) {
    INFO(writer.name);
    // A new name: nothing at all afterwards.
    const fs::path fresh = folder / "fresh";
    CHECK_THAT(io_error_on_full_disk(16, [&] { writer.write(fresh); }),
               Contains(writer.name) && Contains("'" + fresh.string() + "'") &&
                   Contains("File too large"));
    CHECK(listing(folder).empty());

    // An existing good file: unchanged, down to its permissions.
    const fs::path good = folder / "good";
    write_bytes(good, std::string(100, 'g'));
    fs::permissions(good, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    CHECK_THAT(io_error_on_full_disk(16, [&] { writer.write(good); }),
               Contains("'" + good.string() + "'") && Contains("File too large"));
    CHECK(read_bytes(good) == std::string(100, 'g'));
    CHECK(listing(folder) == std::vector<std::string>{"good"});

    // Without the limit the same call replaces it, keeping its permissions.
    writer.write(good);
    CHECK(read_bytes(good) != std::string(100, 'g'));
    CHECK(fs::status(good).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    CHECK(listing(folder) == std::vector<std::string>{"good"});
    fs::remove(good);
  }
  fs::remove_all(folder);
}

TEST_CASE("Permissions: a read-only folder or file refuses a write (not as root)",
          "[io][files][errors]") {
  if (geteuid() == 0) {
    WARN("skipped: root ignores permission bits (the other cases cover the same paths)");
    return;
  }
  const fs::path folder = fresh_folder("permissions");
  fs::create_directory(folder / "locked");
  write_bytes(folder / "read_only", "keep");
  fs::permissions(folder / "read_only", fs::perms::owner_read);
  fs::permissions(folder / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  for (const Writer& writer : writers()) {
    INFO(writer.name);
    CHECK_THAT(io_error_of([&] { writer.write(folder / "locked" / "out"); }),
               Contains("'" + (folder / "locked" / "out").string() + "'") &&
                   Contains("Permission denied"));
    CHECK(fs::is_empty(folder / "locked"));
    CHECK_THAT(
        io_error_of([&] { writer.write(folder / "read_only"); }),
        Contains("'" + (folder / "read_only").string() + "'") && Contains("Permission denied"));
    CHECK(read_bytes(folder / "read_only") == "keep");
  }
  CHECK(listing(folder) == std::vector<std::string>{"locked", "read_only"});
  fs::permissions(folder / "locked", fs::perms::owner_all);
  fs::remove_all(folder);
}

TEST_CASE("A write through a link replaces the file the link names", "[io][files]") {
  const fs::path folder = fresh_folder("link");
  write_bytes(folder / "target.json", "old");
  fs::create_symlink("target.json", folder / "link.json");
  io::write_json((folder / "link.json").string(), io::json::Value(1));
  CHECK(fs::is_symlink(fs::symlink_status(folder / "link.json")));
  CHECK(read_bytes(folder / "target.json") == "1\n");
  CHECK(listing(folder) == std::vector<std::string>{"link.json", "target.json"});
  fs::remove_all(folder);
}

TEST_CASE("Readers name a folder, a missing path or a device given as a file",
          "[io][files][errors]") {
  const fs::path folder = fresh_folder("readers");
  fs::create_directory(folder / "a_folder.npy");
  write_bytes(folder / "plain.npy", "not an NPY file");
  const std::vector<std::pair<const char*, std::function<void(const fs::path&)>>> readers{
      {"io::read_npy", [](const fs::path& p) { io::read_npy<float>(p.string()); }},
      {"io::read_npy_header", [](const fs::path& p) { io::read_npy_header(p.string()); }},
      {"layout::read_glp", [](const fs::path& p) { layout::read_glp(p); }},
      {"layout::gdsii::read_library", [](const fs::path& p) { layout::gdsii::read_library(p); }},
      {"io::read_npy", [](const fs::path& p) { optics::parse_source_spec(p.string()); }},
      {"io::read_json", [](const fs::path& p) { io::read_json(p); }},
  };
  for (const auto& [where, read] : readers) {
    INFO(where);
    const fs::path directory = folder / "a_folder.npy", missing = folder / "missing.npy";
    CHECK_THAT(io_error_of([&] { read(directory); }),
               Contains(where) && Contains("'" + directory.string() + "'") &&
                   Contains("is a directory; expected a file"));
    CHECK_THAT(io_error_of([&] { read(missing); }), Contains("'" + missing.string() + "'") &&
                                                        Contains("does not exist") &&
                                                        Contains("No such file or directory"));
    const fs::path under_file = folder / "plain.npy" / "x.npy";
    CHECK_THAT(io_error_of([&] { read(under_file); }),
               Contains("'" + under_file.string() + "'") && Contains("Not a directory"));
  }
  // Malformed content is reported with the path too.
  write_bytes(folder / "bad.gds", std::string("\x00\x06\x00\x02\x02", 5));
  CHECK_THAT(io_error_of([&] { layout::gdsii::read_library(folder / "bad.gds"); }),
             Contains("'" + (folder / "bad.gds").string() + "'"));
  write_bytes(folder / "bad.json", "{\"a\": 1,\n \"a\": 2}");
  CHECK_THAT(io_error_of([&] { io::read_json(folder / "bad.json"); }),
             Contains((folder / "bad.json").string() + ":2:2"));
  // Devices are refused rather than read (a FIFO or /dev/zero would block or never end).
  CHECK_THAT(io_error_of([] { io::read_npy<float>("/dev/zero"); }),
             Contains("'/dev/zero'") && Contains("character device"));
  CHECK_THAT(io_error_of([] { layout::read_glp("/dev/null"); }), Contains("character device"));
  fs::remove_all(folder);
}

TEST_CASE("Kernel folders: a file of the set that is a folder is named as such",
          "[io][files][errors]") {
  const fs::path folder = fresh_folder("kernel_readers");
  optics::KernelSet set;
  set.radius = 1;
  set.period_nm = 100;
  set.energy = 1;
  set.weights = {1};
  set.spectra.assign(9, std::complex<double>(0.25, -0.5));

  const fs::path native = folder / "native";
  optics::save_kernels(native.string(), set);
  for (const char* name : {"kernels.json", "kernels.npy"}) {
    fs::rename(native / name, native / "saved");
    fs::create_directory(native / name);
    CHECK_THAT(io_error_of([&] { optics::load_kernels(native.string()); }),
               Contains("'" + (native / name).string() + "'") && Contains("is a directory"));
    fs::remove(native / name);
    fs::rename(native / "saved", native / name);
  }
  CHECK(optics::load_kernels(native.string()).weights == set.weights);

  const fs::path iccad = folder / "iccad";
  optics::write_iccad_kernels(iccad.string(), set);
  for (const char* name : {"scales.txt", "fh0.bin"}) {
    fs::rename(iccad / name, folder / "saved");
    fs::create_directory(iccad / name);
    CHECK_THAT(io_error_of([&] { optics::read_iccad_kernels(iccad.string()); }),
               Contains("'" + (iccad / name).string() + "'") && Contains("is a directory"));
    fs::remove(iccad / name);
    fs::rename(folder / "saved", iccad / name);
  }
  CHECK(optics::read_iccad_kernels(iccad.string()).weights == set.weights);
  CHECK_THAT(io_error_of([&] { optics::read_iccad_kernels((iccad / "scales.txt").string()); }),
             Contains("it is a file"));
  CHECK_THAT(io_error_of([&] { optics::read_iccad_kernels((folder / "nowhere").string()); }),
             Contains("it does not exist"));
  fs::remove_all(folder);
}

namespace {

optics::KernelSet kernel_set(index_t radius, index_t count, double scale) {
  optics::KernelSet set;
  set.radius = radius;
  set.period_nm = 512;
  set.energy = 0.5;
  const index_t bins = (2 * radius + 1) * (2 * radius + 1);
  for (index_t k = 0; k < count; ++k) {
    set.weights.push_back(scale / double(k + 1));
    for (index_t b = 0; b < bins; ++b)
      set.spectra.emplace_back(scale * double(b + 1) / double(bins), -double(k) / double(bins));
  }
  return set;
}

}  // namespace

TEST_CASE("Kernel sets are written all or nothing", "[io][files][errors]") {
  const fs::path folder = fresh_folder("kernel_sets");
  const optics::KernelSet small = kernel_set(1, 1, 1.0), large = kernel_set(3, 4, 2.0);

  SECTION("save_kernels on a full disk keeps the earlier set whole") {
    const fs::path dir = folder / "native";
    optics::save_kernels(dir.string(), small);
    const auto before = snapshot(dir);
    // The small set's files are below 1 KiB; the large set's kernels.npy (3264 bytes) is not.
    CHECK_THAT(
        io_error_on_full_disk(1024, [&] { optics::save_kernels(dir.string(), large); }),
        Contains("optics::save_kernels") && Contains("kernels.npy") && Contains("File too large"));
    CHECK(snapshot(dir) == before);
    CHECK(optics::load_kernels(dir.string()).spectra == small.spectra);
    optics::save_kernels(dir.string(), large);
    CHECK(optics::load_kernels(dir.string()).spectra == large.spectra);
    CHECK(listing(dir) == std::vector<std::string>{"kernels.json", "kernels.npy", "weights.npy"});
  }
  SECTION("save_kernels blocked at its last file writes none of them") {
    const fs::path dir = folder / "native_blocked";
    optics::save_kernels(dir.string(), small);
    fs::remove(dir / "kernels.json");
    fs::create_directory(dir / "kernels.json");
    const auto before = snapshot(dir);
    CHECK_THAT(io_error_of([&] { optics::save_kernels(dir.string(), large); }),
               Contains("kernels.json") && Contains("is a directory"));
    CHECK(snapshot(dir) == before);  // the arrays staged before it were removed, not renamed
  }
  SECTION("write_iccad_kernels on a full disk keeps the earlier set whole") {
    const fs::path dir = folder / "iccad";
    optics::write_iccad_kernels(dir.string(), small);
    const auto before = snapshot(dir);
    // fh<k>.bin of the small set: 24 + 8 * 9 = 96 bytes; of the large one 24 + 8 * 49 = 416.
    CHECK_THAT(
        io_error_on_full_disk(256, [&] { optics::write_iccad_kernels(dir.string(), large); }),
        Contains("optics::write_iccad_kernels") && Contains("fh0.bin") &&
            Contains("File too large"));
    CHECK(snapshot(dir) == before);
    CHECK(optics::read_iccad_kernels(dir.string()).weights == small.weights);
  }
  SECTION("write_iccad_kernels blocked at its second kernel writes none of them") {
    const fs::path dir = folder / "iccad_blocked";
    optics::write_iccad_kernels(dir.string(), small);
    fs::create_directory(dir / "fh1.bin");
    const auto before = snapshot(dir);
    CHECK_THAT(io_error_of([&] { optics::write_iccad_kernels(dir.string(), large); }),
               Contains("fh1.bin") && Contains("is a directory"));
    CHECK(snapshot(dir) == before);
  }
  SECTION("a smaller set replaces a larger one, stray kernels included") {
    const fs::path dir = folder / "iccad_shrink";
    optics::write_iccad_kernels(dir.string(), large);
    optics::write_iccad_kernels(dir.string(), small);
    CHECK(listing(dir) == std::vector<std::string>{"fh0.bin", "scales.txt"});
    CHECK(optics::read_iccad_kernels(dir.string()).weights == small.weights);
  }
  SECTION("folders that cannot be made") {
    write_bytes(folder / "plain", "x");
    CHECK_THAT(io_error_of([&] { optics::save_kernels((folder / "plain" / "k").string(), small); }),
               Contains("cannot create the folder") && Contains((folder / "plain" / "k").string()));
    CHECK_THAT(
        io_error_of([&] { optics::write_iccad_kernels((folder / "plain").string(), small); }),
        Contains("cannot create the folder") && Contains((folder / "plain").string()));
    CHECK(read_bytes(folder / "plain") == "x");
  }
  fs::remove_all(folder);
}
