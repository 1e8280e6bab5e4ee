// Native kernel storage (optics/kernel_io.hpp): lossless round trips, the files' layout read back
// with the NPY reader, and the refusals of damaged folders.

#include <cmath>
#include <complex>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fabtwin/io/npy.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/kernel_io.hpp"
#include "support/data.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

fs::path fresh_kernel_io_folder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("fabtwin_test_kernel_io_" + name);
  fs::remove_all(folder);
  return folder;
}

/// Four kernels of radius 3 with values no float can hold, odd weights, period and energy.
optics::KernelSet sample_set() {
  optics::KernelSet set;
  set.radius = 3;
  set.period_nm = 2048.0 / 3.0;
  set.energy = 0.9876543210987654;
  set.weights = {86.943428, 1.0 / 3.0, 1e-300, 0.1};
  test::Sequence sequence(7);
  for (int e = 0; e < 4 * 49; ++e) {
    const double re = sequence.next();
    set.spectra.emplace_back(re, sequence.next() / 3.0);
  }
  return set;
}

std::string load_error(const fs::path& folder) {
  try {
    optics::load_kernels(folder.string());
  } catch (const io_error& e) {
    return e.what();
  }
  FAIL("load_kernels accepted a damaged folder " << folder);
  return "";
}

}  // namespace

TEST_CASE("save_kernels / load_kernels: a lossless round trip", "[optics][kernel_io]") {
  const optics::KernelSet set = sample_set();
  const fs::path folder =
      fresh_kernel_io_folder("roundtrip") / "nested";  // created, parents included
  optics::save_kernels(folder.string(), set, "test set: \"quoted\", tab\t, newline\n, µm, 𝜎");
  const optics::KernelSet back = optics::load_kernels(folder.string());
  CHECK(back.radius == set.radius);
  CHECK(back.period_nm == set.period_nm);
  CHECK(back.energy == set.energy);
  CHECK(back.weights == set.weights);
  CHECK(back.spectra == set.spectra);
  CHECK(back.support_nm == 0);  // periodic kernels: none written, none read

  // An ambit-limited set keeps its range (optics/ambit.hpp).
  optics::KernelSet limited = set;
  limited.support_nm = 640.125;
  optics::save_kernels((folder / "limited").string(), limited);
  CHECK(optics::load_kernels((folder / "limited").string()).support_nm == 640.125);

  // The arrays as NumPy sees them: kernels (K, S, S) with [k][j][i] = at(k, i - R, j - R).
  const auto kernels = io::read_npy<complex<double>>((folder / "kernels.npy").string());
  CHECK(kernels.shape == std::vector<index_t>{4, 7, 7});
  CHECK(kernels.data[std::size_t(2 * 49 + 5 * 7 + 1)] ==
        complex<double>(set.at(2, 1 - 3, 5 - 3).real(), set.at(2, 1 - 3, 5 - 3).imag()));
  const auto weights = io::read_npy<double>((folder / "weights.npy").string());
  CHECK(weights.shape == std::vector<index_t>{4});
  CHECK(weights.data == set.weights);
  const std::string json = read_text(folder / "kernels.json");
  CHECK_THAT(json, Contains("\"format\": \"fabtwin.kernels\"") && Contains("\"version\": 1") &&
                       Contains("\"radius\": 3") && Contains("\"count\": 4") &&
                       Contains("\"description\": \"test set: \\\"quoted\\\", tab\\t, newline\\n"));

  // Saving again over the folder replaces it.
  optics::KernelSet smaller = set;
  smaller.weights.resize(1);
  smaller.spectra.resize(49);
  optics::save_kernels(folder.string(), smaller);
  CHECK(optics::load_kernels(folder.string()).count() == 1);
  fs::remove_all(folder.parent_path());
}

TEST_CASE("save_kernels / load_kernels: the ICCAD-2013 set", "[optics][kernel_io]") {
  const auto dir = test::data_file("iccad2013/kernels/M1OPC");
  if (!dir) return;
  const optics::KernelSet set = optics::read_iccad_kernels(dir->string());
  const fs::path folder = fresh_kernel_io_folder("iccad");
  optics::save_kernels(folder.string(), set, "ICCAD-2013 M1OPC");
  const optics::KernelSet back = optics::load_kernels(folder.string());
  CHECK(back.radius == 17);
  CHECK(back.weights == set.weights);
  CHECK(back.spectra == set.spectra);
  CHECK(back.period_nm == 2048);
  fs::remove_all(folder);
}

TEST_CASE("save_kernels: refuses sets that do not validate", "[optics][kernel_io]") {
  const fs::path folder = fresh_kernel_io_folder("refused");
  optics::KernelSet set = sample_set();
  set.energy = std::nan("");
  CHECK_THROWS_WITH(optics::save_kernels(folder.string(), set), Contains("set.energy"));
  set = sample_set();
  set.spectra.pop_back();
  CHECK_THROWS_AS(optics::save_kernels(folder.string(), set), invalid_argument);
  set = sample_set();
  CHECK_THROWS_AS(optics::save_kernels(folder.string(), set, "\xff invalid UTF-8"),
                  invalid_argument);
  CHECK_FALSE(fs::exists(folder));
  fs::create_directories(folder.parent_path());
  write_text(folder, "a file");
  CHECK_THROWS_AS(optics::save_kernels(folder.string(), sample_set()), io_error);
  fs::remove(folder);
}

TEST_CASE("KernelSet::validate: weights of a positive semidefinite TCC, bounded for float images",
          "[optics][kernel_io]") {
  // Two kernels of radius 1: a unit spike at the zero frequency (power 1) and one of power 4.
  optics::KernelSet set;
  set.radius = 1;
  set.period_nm = 100;
  set.weights = {1, 1};
  set.spectra.assign(18, {0, 0});
  set.at(0, 0, 0) = 1;
  set.at(1, 1, -1) = {0, 2};
  CHECK_NOTHROW(set.validate());
  set.weights = {1, -1e-3};
  CHECK_THROWS_WITH(set.validate("here"), Contains("fabtwin::here") &&
                                              Contains("'kernels.weights[1]' = -0.001") &&
                                              Contains("non-negative"));
  set.weights = {0, 0};
  CHECK_THROWS_WITH(set.validate(), Contains("all zero") && Contains("positive weight"));
  // Positive weights on zero spectra image every mask to 0 as well.
  set.weights = {1, 0};
  set.at(0, 0, 0) = 0;
  CHECK_THROWS_WITH(set.validate(), Contains("zero spectra"));
  set.at(0, 0, 0) = 1;
  // The clear-field bound sum_k w_k P_k: 2^64 exactly is allowed; one step beyond is not.
  set.weights = {18446744073709551616.0 - 4 * 4096.0, 4096.0};  // 2^64 - 2^14 + 4 * 2^12
  CHECK_NOTHROW(set.validate());
  set.weights = {18446744073709551616.0 - 4 * 4096.0, 2 * 4096.0};
  CHECK_THROWS_WITH(set.validate(), Contains("'kernels.weights[0]'") && Contains("2^64"));
  set.weights = {1, 1e300};
  CHECK_THROWS_WITH(set.validate(),
                    Contains("'kernels.weights[1]' = 1e+300") && Contains("4e+300"));
  // A kernel whose own power passes 2^64 overflows float fields whatever its weight.
  set.weights = {1, 0};
  set.at(1, 1, -1) = {5e9, 0};
  CHECK_THROWS_WITH(set.validate(), Contains("spectrum 1|^2") && Contains("2.5e+19"));

  // load_kernels refuses such a set as damaged, naming the weight.
  const fs::path folder = fresh_kernel_io_folder("weights");
  optics::save_kernels(folder.string(), sample_set());
  const std::vector<double> negative{86.943428, -1.0 / 3.0, 1e-300, 0.1};
  io::write_npy((folder / "weights.npy").string(), negative.data(), {4});
  CHECK_THAT(load_error(folder),
             Contains("kernels.weights[1]") && Contains("non-negative") && Contains("read from"));
  const std::vector<double> zeros(4, 0.0);
  io::write_npy((folder / "weights.npy").string(), zeros.data(), {4});
  CHECK_THAT(load_error(folder), Contains("all zero"));
  fs::remove_all(folder);
}

TEST_CASE("load_kernels: damaged folders", "[optics][kernel_io]") {
  const fs::path folder = fresh_kernel_io_folder("damaged");
  optics::save_kernels(folder.string(), sample_set());
  const std::string good_json = read_text(folder / "kernels.json");
  const auto with_json = [&](const std::string& text) {
    write_text(folder / "kernels.json", text);
    return load_error(folder);
  };
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good_json;
    REQUIRE(text.find(from) != std::string::npos);
    return text.replace(text.find(from), from.size(), to);
  };

  CHECK_THAT(with_json(replaced("\"version\": 1", "\"version\": 2")),
             Contains("format version 2") && Contains("expected version 1"));
  CHECK_THAT(with_json(replaced("fabtwin.kernels", "something.else")),
             Contains("\"format\": something.else"));
  CHECK_THAT(with_json(replaced("\"radius\": 3", "\"radius\": \"3\"")),
             Contains("\"radius\": \"3\"") && Contains("non-negative integer"));
  CHECK_THAT(with_json(replaced("\"radius\": 3", "\"radius\": -3")), Contains("\"radius\": -3"));
  CHECK_THAT(with_json(replaced("\"radius\": 3", "\"radius\": 4611686018427387904")),
             Contains("below 2^30"));
  CHECK_THAT(with_json(replaced("\"radius\": 3,", "")), Contains("no \"radius\""));
  CHECK_THAT(with_json(replaced("\"energy\": ", "\"energy\": [1], \"e\": ")),
             Contains("\"energy\": [1]") && Contains("as a finite number"));
  CHECK_THAT(with_json(replaced("\"count\": 4", "\"count\": 4, \"count\": 4")),
             Contains("a member name not given before"));
  CHECK_THAT(with_json(replaced("\"period_nm\": ", "\"period_nm\": 1e999, \"x\": ")),
             Contains("kernels.json:") && Contains("a number within the range of a double"));
  CHECK_THAT(with_json(good_json.substr(0, good_json.size() / 2)),
             Contains("kernels.json:") && Contains("found the end of the text"));
  CHECK_THAT(with_json(good_json + "{}"), Contains("expected the end of the document"));
  CHECK_THAT(with_json("[1, 2]"), Contains("found [1,2]; expected one JSON object"));
  CHECK_THAT(with_json(replaced("\"fabtwin.kernels\"", "\"fabtwin.kernels\\q\"")),
             Contains("found 'q'; expected one of \\\" \\\\ \\/"));

  // Arrays that disagree with the JSON.
  CHECK_THAT(with_json(replaced("\"count\": 4", "\"count\": 3")),
             Contains("kernels.npy") && Contains("found shape (4, 7, 7); expected (3, 7, 7)"));
  CHECK_THAT(with_json(replaced("\"radius\": 3", "\"radius\": 2")), Contains("expected (4, 5, 5)"));
  write_text(folder / "kernels.json", good_json);
  const std::vector<double> three{1, 2, 3};
  io::write_npy((folder / "weights.npy").string(), three.data(), {3});
  CHECK_THAT(load_error(folder),
             Contains("weights.npy") && Contains("found shape (3,); expected (4,)"));
  const std::vector<double> bad{1, std::nan(""), 3, 4};
  io::write_npy((folder / "weights.npy").string(), bad.data(), {4});
  CHECK_THAT(load_error(folder), Contains("finite") && Contains("read from"));
  const std::vector<float> wrong_type{1, 2, 3, 4};
  io::write_npy((folder / "weights.npy").string(), wrong_type.data(), {4});
  CHECK_THAT(load_error(folder), Contains("'<f4'"));

  for (const char* name : {"weights.npy", "kernels.npy", "kernels.json"}) {
    fs::remove(folder / name);
    CHECK_THAT(load_error(folder), Contains(std::string(name) + "' is missing"));
  }
  CHECK_THAT(load_error(folder / "nowhere"), Contains("nowhere"));
  fs::remove_all(folder);
}
