// The ICCAD-2013 kernel reader and writer (optics/iccad2013_kernels.hpp): the shipped folders
// against their raw bytes decoded independently here in both layouts (contest: samples from byte
// 20, float32 weights, as IBM lithosim's agsReadKernel reads them; header24: samples from byte 24),
// writer round trips, and the refusals of malformed folders made by hand in a temporary folder.

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "support/data.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// A fresh, empty folder under the system's temporary folder.
fs::path fresh_iccad_folder(const std::string& name) {
  const fs::path folder = fs::temp_directory_path() / ("fabtwin_test_iccad_" + name);
  fs::remove_all(folder);
  fs::create_directories(folder);
  return folder;
}

// Big-endian decoding and encoding written out by hand, independently of the header's helpers.
std::int32_t be_int(const std::string& bytes, std::size_t at) {
  const auto b = [&](std::size_t k) { return std::uint32_t(std::uint8_t(bytes[at + k])); };
  return std::int32_t((b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3));
}
float be_float(const std::string& bytes, std::size_t at) {
  const std::uint32_t bits = std::uint32_t(be_int(bytes, at));
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
std::string be_word(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}
std::string be_sample(float re, float im) {
  std::uint32_t a, b;
  std::memcpy(&a, &re, 4);
  std::memcpy(&b, &im, 4);
  return be_word(a) + be_word(b);
}

/// An fh<k>.bin of the given header and `samples` samples, sample e = (e, -e) / 64.
std::string kernel_file(std::int32_t nx, std::int32_t ny, std::int32_t type, std::size_t samples) {
  std::string bytes = be_word(std::uint32_t(nx)) + be_word(std::uint32_t(ny)) +
                      be_word(std::uint32_t(type)) + be_word(0) + be_word(0) + be_word(0);
  for (std::size_t e = 0; e < samples; ++e) bytes += be_sample(float(e) / 64, -float(e) / 64);
  return bytes;
}

/// A well-formed folder of two 5 x 5 kernels.
fs::path good_folder(const std::string& name) {
  const fs::path folder = fresh_iccad_folder(name);
  write_bytes(folder / "scales.txt", "2\n3.5\n0.25\n");
  write_bytes(folder / "fh0.bin", kernel_file(5, 5, 2, 25));
  write_bytes(folder / "fh1.bin", kernel_file(5, 5, 2, 25));
  return folder;
}

using Layout = optics::IccadKernelLayout;

/// The io_error message of reading `folder`.
std::string read_error(const fs::path& folder, Layout layout = Layout::contest) {
  try {
    optics::read_iccad_kernels(folder.string(), 2048, layout);
  } catch (const io_error& e) {
    return e.what();
  }
  FAIL("read_iccad_kernels accepted a malformed folder " << folder);
  return "";
}

}  // namespace

TEST_CASE("read_iccad_kernels: the shipped focus set against its raw bytes, header24",
          "[optics][iccad]") {
  const auto dir = test::data_file("iccad2013/kernels/M1OPC");
  if (!dir) return;
  const optics::KernelSet set = optics::read_iccad_kernels(dir->string(), 2048, Layout::header24);
  CHECK(set.count() == 24);
  CHECK(set.radius == 17);
  CHECK(set.period_nm == 2048);
  CHECK(set.energy == 1);
  // scales.txt: "24", then 86.943428, 35.417973, ... 0.448742 (the decimal text, parsed exactly).
  CHECK(set.weights[0] == 86.943428);
  CHECK(set.weights[1] == 35.417973);
  CHECK(set.weights[2] == 35.407127);
  CHECK(set.weights[3] == 14.170837);
  CHECK(set.weights[23] == 0.448742);

  const std::string raw = read_bytes(*dir / "fh0.bin");
  REQUIRE(raw.size() == 9824);
  CHECK(be_int(raw, 0) == 35);
  CHECK(be_int(raw, 4) == 35);
  CHECK(be_int(raw, 8) == 2);
  // The zero frequency, file element (17, 17) from byte 24: kernel 0's largest sample.
  const std::size_t centre = 24 + 8 * (17 * 35 + 17);
  CHECK(set.at(0, 0, 0) == std::complex<double>(be_float(raw, centre), be_float(raw, centre + 4)));
  CHECK(set.at(0, 0, 0) == std::complex<double>(-0.1018666923046112, -0.02201439067721367));
  for (index_t b = 0; b < set.bins(); ++b)
    CHECK(std::abs(set.spectra[std::size_t(b)]) <= std::abs(set.at(0, 0, 0)));

  // x-major: file element (x, y) at x * 35 + y is bin (i = x, j = y), for every kernel and bin.
  // Kernel 1 is far from symmetric under x <-> y, so a missed transpose would show.
  for (int k : {0, 1, 2, 23}) {
    const std::string bytes = read_bytes(*dir / ("fh" + std::to_string(k) + ".bin"));
    bool all_equal = true;
    double transpose_gap = 0;
    for (index_t x = 0; x < 35; ++x)
      for (index_t y = 0; y < 35; ++y) {
        const std::size_t at = 24 + 8 * std::size_t(x * 35 + y);
        const std::complex<double> file(be_float(bytes, at), be_float(bytes, at + 4));
        all_equal = all_equal && set.at(k, x - 17, y - 17) == file;
        transpose_gap = std::max(transpose_gap, std::abs(set.at(k, y - 17, x - 17) - file));
      }
    CHECK(all_equal);
    if (k == 1) CHECK(transpose_gap > 0.1);
  }

  // Each kernel is even or odd about the centre and has unit norm (sum |h|^2 = 1 to float
  // rounding): what lines up only with a 24-byte header.
  for (index_t k = 0; k < set.count(); ++k) {
    double even = 0, odd = 0, norm = 0;
    for (index_t q = -17; q <= 17; ++q)
      for (index_t p = -17; p <= 17; ++p) {
        even = std::max(even, std::abs(set.at(k, p, q) - set.at(k, -p, -q)));
        odd = std::max(odd, std::abs(set.at(k, p, q) + set.at(k, -p, -q)));
        norm += std::norm(set.at(k, p, q));
      }
    INFO("kernel " << k);
    CHECK(std::min(even, odd) < 1e-7);
    CHECK(std::abs(norm - 1) < 1e-7);
  }
  CHECK_NOTHROW(set.validate());
}

TEST_CASE("read_iccad_kernels: the shipped focus set against its raw bytes, contest",
          "[optics][iccad]") {
  const auto dir = test::data_file("iccad2013/kernels/M1OPC");
  if (!dir) return;
  const optics::KernelSet set = optics::read_iccad_kernels(dir->string());  // contest: the default
  const optics::KernelSet h24 = optics::read_iccad_kernels(dir->string(), 2048, Layout::header24);
  CHECK(set.count() == 24);
  CHECK(set.radius == 17);
  CHECK(set.period_nm == 2048);
  // fscanf("%f") into a float: the float32 nearest to the decimal text (the compiler rounds a float
  // literal once, from the decimal).
  CHECK(set.weights[0] == double(86.943428f));
  CHECK(set.weights[0] != 86.943428);
  CHECK(set.weights[1] == double(35.417973f));
  CHECK(set.weights[23] == double(0.448742f));
  for (std::size_t k = 0; k < 24; ++k) CHECK(set.weights[k] == double(float(h24.weights[k])));

  // agsReadKernel: five int32, then 35 * 35 * 2 floats, so element e = x * 35 + y is the pair of
  // floats at bytes 20 + 8 e and 24 + 8 e, for every kernel and bin (x-major, as in header24).
  for (int k = 0; k < 24; ++k) {
    const std::string bytes = read_bytes(*dir / ("fh" + std::to_string(k) + ".bin"));
    REQUIRE(bytes.size() == 9824);
    bool all_equal = true;
    for (index_t x = 0; x < 35; ++x)
      for (index_t y = 0; y < 35; ++y) {
        const std::size_t at = 20 + 8 * std::size_t(x * 35 + y);
        all_equal =
            all_equal && set.at(k, x - 17, y - 17) ==
                             std::complex<double>(be_float(bytes, at), be_float(bytes, at + 4));
      }
    INFO("kernel " << k);
    CHECK(all_equal);
    // The sixth header word (0) is the first sample's real part; the file's last float is unread.
    CHECK(be_int(bytes, 20) == 0);
    CHECK(set.at(k, -17, -17).real() == 0);
  }
  // Each contest sample pairs the imaginary part of one header24 sample with the real part of the
  // next: the reading is shifted by one float.
  bool shifted = true;
  for (index_t k = 0; k < 24; ++k)
    for (index_t e = 1; e < set.bins(); ++e) {  // file element e = (x, y) = (e / 35, e % 35)
      const std::complex<double> previous = h24.at(k, (e - 1) / 35 - 17, (e - 1) % 35 - 17);
      const std::complex<double> current = h24.at(k, e / 35 - 17, e % 35 - 17);
      shifted = shifted && set.at(k, e / 35 - 17, e % 35 - 17) ==
                               std::complex<double>(previous.imag(), current.real());
    }
  CHECK(shifted);
  // So the contest's kernels are neither even nor odd (fh0 by about 1e-3; 1.2e-8 in header24).
  double even = 0, odd = 0;
  for (index_t q = -17; q <= 17; ++q)
    for (index_t p = -17; p <= 17; ++p) {
      even = std::max(even, std::abs(set.at(0, p, q) - set.at(0, -p, -q)));
      odd = std::max(odd, std::abs(set.at(0, p, q) + set.at(0, -p, -q)));
    }
  CHECK(std::min(even, odd) > 1e-4);
  CHECK_NOTHROW(set.validate());
}

TEST_CASE("read_iccad_kernels: the shipped defocus set and the period", "[optics][iccad]") {
  const auto dir = test::data_file("iccad2013/kernels/M1OPC_def");
  if (!dir) return;
  const optics::KernelSet set = optics::read_iccad_kernels(dir->string(), 1024.0, Layout::header24);
  CHECK(set.count() == 24);
  CHECK(set.radius == 17);
  CHECK(set.period_nm == 1024);
  CHECK(set.weights[0] == 83.156715);
  CHECK(set.weights[1] == 34.974804);
  const std::string raw = read_bytes(*dir / "fh0.bin");
  const std::size_t centre = 24 + 8 * (17 * 35 + 17);
  CHECK(set.at(0, 0, 0) == std::complex<double>(be_float(raw, centre), be_float(raw, centre + 4)));
  const optics::KernelSet contest = optics::read_iccad_kernels(dir->string(), 1024.0);
  CHECK(contest.period_nm == 1024);
  CHECK(contest.weights[0] == double(83.156715f));
  CHECK(contest.at(0, 0, 0) ==
        std::complex<double>(be_float(raw, centre - 4), be_float(raw, centre)));
  CHECK_THROWS_AS(optics::read_iccad_kernels(dir->string(), 0.0), invalid_argument);
  CHECK_THROWS_AS(optics::read_iccad_kernels(dir->string(), std::nan("")), invalid_argument);
  CHECK_THROWS_WITH(optics::read_iccad_kernels(dir->string(), 2048, Layout(7)),
                    Contains("'layout' = 7") && Contains("contest"));
}

TEST_CASE("write_iccad_kernels: the shipped sets read back bit for bit in each layout",
          "[optics][iccad]") {
  for (const char* name : {"M1OPC", "M1OPC_def"}) {
    const auto dir = test::data_file(std::string("iccad2013/kernels/") + name);
    if (!dir) return;
    for (const Layout layout : {Layout::contest, Layout::header24}) {
      INFO(name << ", layout " << optics::describe(layout));
      const optics::KernelSet set = optics::read_iccad_kernels(dir->string(), 2048, layout);
      const fs::path out = fresh_iccad_folder("roundtrip");
      optics::write_iccad_kernels(out.string(), set, layout);
      const optics::KernelSet back = optics::read_iccad_kernels(out.string(), 2048, layout);
      CHECK(back.radius == set.radius);
      CHECK(back.weights == set.weights);
      CHECK(back.spectra == set.spectra);
      // The files equal the originals but for the header's 4th word (the kernel index, which
      // M1OPC holds as 105565448) and, in contest, the unread last 4 bytes (written as zeros).
      const std::size_t end = layout == Layout::contest ? 9820 : 9824;
      for (int k = 0; k < 24; ++k) {
        const std::string file = "fh" + std::to_string(k) + ".bin";
        const std::string original = read_bytes(*dir / file), written = read_bytes(out / file);
        REQUIRE(written.size() == original.size());
        CHECK(written.compare(0, 12, original, 0, 12) == 0);
        CHECK(be_int(written, 12) == k);
        CHECK(written.compare(16, end - 16, original, 16, end - 16) == 0);
        CHECK(written.compare(end, std::string::npos, std::string(9824 - end, '\0')) == 0);
      }
      fs::remove_all(out);
    }
  }
}

TEST_CASE("write_iccad_kernels: layout, float rounding and stale files", "[optics][iccad]") {
  optics::KernelSet set;
  set.radius = 1;
  set.period_nm = 300;
  set.weights = {2.0, 1.0 / 3.0};
  for (int e = 0; e < 18; ++e) set.spectra.emplace_back(0.1 * e + 1.0 / 3.0, -e);
  const fs::path out = fresh_iccad_folder("layout");
  for (const Layout layout : {Layout::header24, Layout::contest}) {
    INFO("layout " << optics::describe(layout));
    const bool contest = layout == Layout::contest;
    write_bytes(out / "fh7.bin", "left over from a larger set");
    optics::write_iccad_kernels(out.string(), set, layout);
    CHECK_FALSE(fs::exists(out / "fh7.bin"));
    // Weights: the shortest decimal of the double (header24) or of the float32 (contest).
    CHECK(read_bytes(out / "scales.txt") ==
          (contest ? "2\n2\n0.33333334\n" : "2\n2\n0.3333333333333333\n"));

    // fh1.bin by hand: header (3, 3, 2, 1, 0[, 0]), then element (x, y) = bin (i = x, j = y) from
    // byte 20 (contest, then 4 zero bytes) or 24.
    const std::string bytes = read_bytes(out / "fh1.bin");
    REQUIRE(bytes.size() == 24 + 8 * 9);
    CHECK(be_int(bytes, 0) == 3);
    CHECK(be_int(bytes, 4) == 3);
    CHECK(be_int(bytes, 8) == 2);
    CHECK(be_int(bytes, 12) == 1);
    CHECK(be_int(bytes, 16) == 0);
    const std::size_t start = contest ? 20 : 24;
    if (contest)
      CHECK(be_int(bytes, 92) == 0);
    else
      CHECK(be_int(bytes, 20) == 0);
    for (int x = 0; x < 3; ++x)
      for (int y = 0; y < 3; ++y) {
        const std::complex<double> v = set.at(1, x - 1, y - 1);
        CHECK(be_float(bytes, start + std::size_t(8 * (3 * x + y))) == float(v.real()));
        CHECK(be_float(bytes, start + std::size_t(4 + 8 * (3 * x + y))) == float(v.imag()));
      }
    const optics::KernelSet back = optics::read_iccad_kernels(out.string(), 300, layout);
    CHECK(back.weights[0] == 2.0);
    CHECK(back.weights[1] == (contest ? double(float(1.0 / 3.0)) : 1.0 / 3.0));
    for (std::size_t e = 0; e < set.spectra.size(); ++e) {
      CHECK(back.spectra[e].real() == double(float(set.spectra[e].real())));
      CHECK(back.spectra[e].imag() == double(float(set.spectra[e].imag())));
    }
    // The other layout reads the same bytes shifted by one float.
    const optics::KernelSet other =
        optics::read_iccad_kernels(out.string(), 300, contest ? Layout::header24 : Layout::contest);
    CHECK(other.at(1, -1, -1).real() == (contest ? double(float(set.at(1, -1, -1).imag())) : 0.0));
  }
  // A weight float32 cannot hold (it would read back as 0) is refused in contest, fine in header24.
  set.weights = {2.0, 1e-50};
  CHECK_THROWS_WITH(optics::write_iccad_kernels(out.string(), set),
                    Contains("set.weights[1]") && Contains("1e-50") && Contains("float32"));
  CHECK_NOTHROW(optics::write_iccad_kernels(out.string(), set, Layout::header24));
  CHECK(optics::read_iccad_kernels(out.string(), 300, Layout::header24).weights == set.weights);
  CHECK_THROWS_WITH(optics::write_iccad_kernels(out.string(), set, Layout(-1)),
                    Contains("'layout' = -1"));
  set.weights = {2.0, 0.1};

  // A smaller set written over a larger one leaves only its own files.
  set.weights = {2.0};
  set.spectra.resize(9);
  optics::write_iccad_kernels(out.string(), set);
  CHECK_FALSE(fs::exists(out / "fh1.bin"));
  CHECK(optics::read_iccad_kernels(out.string(), 300).count() == 1);

  // A sample beyond float32 range (and so beyond the 2^64 bound on a kernel's power that every
  // validated set keeps) is refused before anything is written.
  set.spectra[4] = {1e39, 0};
  CHECK_THROWS_WITH(optics::write_iccad_kernels(out.string(), set),
                    Contains("spectrum 0|^2") && Contains("1e+78") && Contains("2^64"));
  set.spectra[4] = {0, 0};
  set.weights = {std::nan("")};
  CHECK_THROWS_AS(optics::write_iccad_kernels(out.string(), set), invalid_argument);
  write_bytes(out / "a_file", "x");
  set.weights = {1.0};
  CHECK_THROWS_AS(optics::write_iccad_kernels((out / "a_file").string(), set), io_error);
  fs::remove_all(out);
}

TEST_CASE("read_iccad_kernels: a hand-made folder", "[optics][iccad]") {
  const fs::path folder = good_folder("good");
  const optics::KernelSet set = optics::read_iccad_kernels(folder.string(), 640, Layout::header24);
  CHECK(set.count() == 2);
  CHECK(set.radius == 2);
  CHECK(set.weights == std::vector<double>{3.5, 0.25});
  // File element e = x * 5 + y holds (e, -e) / 64 from byte 24; bin (p, q) = (x - 2, y - 2).
  CHECK(set.at(1, -2, 1) == std::complex<double>(3.0 / 64, -3.0 / 64));
  CHECK(set.at(0, 1, -2) == std::complex<double>(15.0 / 64, -15.0 / 64));
  // From byte 20: element e = (-(e - 1), e) / 64, the first one (the 6th header word 0, 0).
  const optics::KernelSet contest = optics::read_iccad_kernels(folder.string(), 640);
  CHECK(contest.weights == std::vector<double>{3.5, 0.25});
  CHECK(contest.at(1, -2, 1) == std::complex<double>(-2.0 / 64, 3.0 / 64));
  CHECK(contest.at(0, 1, -2) == std::complex<double>(-14.0 / 64, 15.0 / 64));
  CHECK(contest.at(0, -2, -2) == std::complex<double>(0, 0));
  fs::remove_all(folder);
}

TEST_CASE("read_iccad_kernels: malformed scales.txt", "[optics][iccad]") {
  const fs::path folder = good_folder("scales");
  const auto with_scales = [&](const std::string& text) {
    write_bytes(folder / "scales.txt", text);
    return read_error(folder);
  };
  CHECK_THAT(with_scales(""), Contains("scales.txt") && Contains("kernel count"));
  CHECK_THAT(with_scales("two\n1\n2\n"), Contains("line 1 'two'") && Contains("positive integer"));
  CHECK_THAT(with_scales("0\n"), Contains("line 1 '0'"));
  CHECK_THAT(with_scales("2\n1.5\n"),
             Contains("1 weights") && Contains("K = 2") && Contains("truncated"));
  CHECK_THAT(with_scales("2\n1.5\n2.5\n3.5\n"), Contains("line 4 '3.5'") && Contains("only K = 2"));
  CHECK_THAT(with_scales("2\n1.5\n0.5x\n"), Contains("line 3 '0.5x'") && Contains("weight 1"));
  CHECK_THAT(with_scales("2\n\n1.5\ninf\n"), Contains("line 4 'inf'") && Contains("finite"));
  // Weights are eigenvalues of a positive semidefinite TCC: none negative, not all zero, and none
  // so large that a clear mask's intensity would overflow float.
  CHECK_THAT(with_scales("2\n1.5\n-0.25\n"),
             Contains("line 3 '-0.25'") && Contains("weight 1") && Contains("non-negative"));
  CHECK_THAT(with_scales("2\n0\n0.0\n"), Contains("all 0") && Contains("positive weight"));
  CHECK_THAT(with_scales("2\n1e300\n1\n"),
             Contains("line 2 '1e300'") && Contains("weight 0") && Contains("2^64"));
  CHECK_THAT(with_scales("2\n18446744073709555712\n1\n"), Contains("line 2") && Contains("2^64"));
  CHECK_THAT(read_error(folder, Layout::header24), Contains("line 2") && Contains("2^64"));
  // The contest reads float32 weights, rounded once from the decimal; header24 reads doubles.
  write_bytes(folder / "scales.txt", "2\n0.1\n1.0000000596046447753906250001\n");
  CHECK(optics::read_iccad_kernels(folder.string(), 2048, Layout::header24).weights ==
        std::vector<double>{0.1, 1.0000000596046448});
  // Just above 1 + 2^-24: a float32 tie only for its nearest double; the decimal rounds up.
  CHECK(optics::read_iccad_kernels(folder.string()).weights ==
        std::vector<double>{double(0.1f), 1 + 0x1p-23});
  // A weight below float32's smallest subnormal reads as 0 in contest (as strtof gives it).
  write_bytes(folder / "scales.txt", "2\n1\n1e-50\n");
  CHECK(optics::read_iccad_kernels(folder.string()).weights == std::vector<double>{1.0, 0.0});
  write_bytes(folder / "scales.txt", "2\n1e-50\n0\n");
  CHECK_THAT(read_error(folder), Contains("all 0"));
  CHECK(optics::read_iccad_kernels(folder.string(), 2048, Layout::header24).weights[0] == 1e-50);
  write_bytes(folder / "scales.txt", "2\n18446744073709551616\n0\n");  // 2^64 itself, and one zero
  const optics::KernelSet limit = optics::read_iccad_kernels(folder.string());
  CHECK(limit.weights == std::vector<double>{18446744073709551616.0, 0.0});
  // These kernels are not unit-norm: fh0's power is sum_e 2 (e / 64)^2 = 9800 / 4096 for e = 0..24,
  // so the whole set's bound 2^64 * 9800 / 4096 is past 2^64, which KernelSet::validate (run by
  // every SocsImager) refuses, naming the weight.
  CHECK_THROWS_WITH(limit.validate(), Contains("kernels.weights[0]") && Contains("2^64"));
  // Blank lines and CR LF ends are fine.
  write_bytes(folder / "scales.txt", "\r\n2\r\n  1.5 \r\n\r\n2.5e-1\r\n\r\n");
  CHECK(optics::read_iccad_kernels(folder.string()).weights == std::vector<double>{1.5, 0.25});
  fs::remove(folder / "scales.txt");
  CHECK_THAT(read_error(folder), Contains("scales.txt' is missing"));
  CHECK_THAT(read_error(folder / "nowhere"), Contains("nowhere") && Contains("a folder"));
  fs::remove_all(folder);
}

TEST_CASE("read_iccad_kernels: missing, stray, truncated and malformed kernel files",
          "[optics][iccad]") {
  const fs::path folder = good_folder("files");
  const auto with_fh1 = [&](const std::string& bytes) {
    write_bytes(folder / "fh1.bin", bytes);
    return read_error(folder);
  };
  // Size: exactly 24 + 8 * 5 * 5 = 224 bytes.
  CHECK_THAT(
      with_fh1(kernel_file(5, 5, 2, 25).substr(0, 223)),
      Contains("fh1.bin") && Contains("223 bytes (truncated)") && Contains("expected 224 bytes"));
  CHECK_THAT(with_fh1(kernel_file(5, 5, 2, 25) + "x"),
             Contains("225 bytes (trailing bytes)") && Contains("expected 224 bytes"));
  // Both layouts expect the shipped files' size: a file cut to a 20-byte header is refused too.
  CHECK_THAT(with_fh1(kernel_file(5, 5, 2, 25).erase(20, 4)),
             Contains("220 bytes") && Contains("224") && Contains("20-byte header") &&
                 Contains("4 unread bytes"));
  write_bytes(folder / "fh1.bin", kernel_file(5, 5, 2, 25).erase(20, 4));
  CHECK_THAT(read_error(folder, Layout::header24),
             Contains("220 bytes") && Contains("a 24-byte header"));
  CHECK_THAT(with_fh1(std::string(10, '\0')),
             Contains("10 bytes") && Contains("at least 24 bytes"));
  CHECK_THAT(with_fh1(kernel_file(4, 4, 2, 16)), Contains("nx = 4, ny = 4") && Contains("odd"));
  CHECK_THAT(with_fh1(kernel_file(5, 3, 2, 15)), Contains("nx = 5, ny = 3"));
  CHECK_THAT(with_fh1(kernel_file(-5, -5, 2, 0)), Contains("nx = -5"));
  CHECK_THAT(with_fh1(kernel_file(3, 3, 1, 9)), Contains("type 1") && Contains("type 2"));
  CHECK_THAT(with_fh1(kernel_file(3, 3, 2, 9)),
             Contains("fh1.bin") && Contains("3 x 3") && Contains("5 x 5 like fh0.bin"));
  CHECK_THAT(with_fh1(kernel_file(2147483647, 2147483647, 2, 0)), Contains("over 2^64"));
  std::string nan_sample = kernel_file(5, 5, 2, 25);
  nan_sample.replace(24 + 8 * 7, 8, be_sample(std::numeric_limits<float>::quiet_NaN(), 0));
  // Bytes 80..83: element 7's real part from byte 24, its imaginary part from byte 20.
  CHECK_THAT(with_fh1(nan_sample), Contains("non-finite") && Contains("(x, y) = (1, 2)"));
  CHECK_THAT(read_error(folder, Layout::header24),
             Contains("non-finite") && Contains("(x, y) = (1, 2)"));

  write_bytes(folder / "fh1.bin", kernel_file(5, 5, 2, 25));
  fs::remove(folder / "fh1.bin");
  CHECK_THAT(read_error(folder), Contains("fh1.bin' is missing") && Contains("fh0.bin .. fh1.bin"));
  write_bytes(folder / "fh1.bin", kernel_file(5, 5, 2, 25));
  write_bytes(folder / "fh2.bin", kernel_file(5, 5, 2, 25));
  CHECK_THAT(read_error(folder), Contains("stray kernel file fh2.bin") && Contains("K = 2"));
  fs::remove(folder / "fh2.bin");
  write_bytes(folder / "fh_notes.bin", "not a kernel");  // not fh<digits>.bin: ignored
  CHECK(optics::read_iccad_kernels(folder.string()).count() == 2);
  fs::remove_all(folder);
}
