// The NPY writer and reader against the byte layout NumPy documents (numpy.lib.format, NEP 1):
// hand-made files for the reader's refusals, round trips for every dtype and rank.

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fabtwin/io/npy.hpp"
#include "support/files.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

/// An NPY file made by hand: magic, version major.0, the dict padded to 64 bytes, then `data`.
std::string hand_made_npy(int major, std::string dict, const std::string& data) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  dict.append((64 - (prefix + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string bytes = std::string("\x93NUMPY", 6) + char(major) + '\0';
  for (std::size_t k = 0; k < prefix - 8; ++k) bytes += char((dict.size() >> (8 * k)) & 0xFF);
  return bytes + dict + data;
}

std::string float_bytes(std::initializer_list<float> values) {
  return {reinterpret_cast<const char*>(std::data(values)), values.size() * sizeof(float)};
}

/// The io_error message read_npy<T> gives for a file holding `bytes`.
template <class T = float>
std::string npy_error(const std::string& bytes) {
  const std::string path = test::temp_path("bad.npy");
  write_bytes(path, bytes);
  try {
    io::read_npy<T>(path);
  } catch (const io_error& e) {
    std::filesystem::remove(path);
    return e.what();
  }
  std::filesystem::remove(path);
  FAIL("read_npy accepted a malformed file");
  return "";
}

}  // namespace

TEST_CASE("NPY files carry the magic, a header padded to 64 bytes and raw samples", "[io][npy]") {
  const std::string path = test::temp_path("shape.npy");
  const float samples[6] = {1, 2, 3, 4, 5, 6};
  io::write_npy(path, samples, {2, 3});
  const std::string bytes = test::read_file(path);

  // 10 bytes of magic, version and length, this 59-character dict, spaces, '\n': 128 bytes in all.
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  REQUIRE(header.size() == 59);
  REQUIRE(bytes.size() == 128 + sizeof samples);
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(std::uint8_t(bytes[8]) + 256 * std::uint8_t(bytes[9]) == 128 - 10);
  CHECK(bytes.substr(10, 59) == header);
  CHECK(bytes.substr(69, 58) == std::string(58, ' '));
  CHECK(bytes[127] == '\n');
  CHECK(std::memcmp(bytes.data() + 128, samples, sizeof samples) == 0);
  std::filesystem::remove(path);
}

TEMPLATE_LIST_TEST_CASE("NPY shapes follow Python tuple syntax and the field's axes", "[io][npy]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const std::string path = test::temp_path("field.npy");
  const Field<complex<T>, S> field(Grid::volume(4, 3, 2, {1, 1, 1}), 5);
  io::write_npy(path, field);
  const std::string bytes = test::read_file(path);
  CHECK(bytes.find(std::is_same_v<T, float> ? "'descr': '<c8'" : "'descr': '<c16'") !=
        std::string::npos);
  CHECK(bytes.find("'shape': (5, 2, 3, 4), }") != std::string::npos);
  const std::size_t header_end = bytes.find('\n') + 1;
  CHECK(header_end % 64 == 0);
  CHECK(bytes.size() == header_end + field.bytes());

  const double one[1] = {7};
  io::write_npy(path, one, {1});
  CHECK(test::read_file(path).find("'shape': (1,), }") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("NPY writing to an impossible path is an io_error naming the path", "[io][npy][errors]") {
  const float sample = 0;
  REQUIRE_THROWS_AS(io::write_npy("/nonexistent-dir/x.npy", &sample, {1}), io_error);
  REQUIRE_THROWS_WITH(io::write_npy("/nonexistent-dir/x.npy", &sample, {1}),
                      Catch::Contains("'/nonexistent-dir/x.npy'"));
}

TEMPLATE_TEST_CASE("NPY round trips every dtype and rank 0 to 4", "[io][npy]", float, double,
                   complex<float>, complex<double>) {
  using T = TestType;
  const std::string path = test::temp_path("roundtrip.npy");
  const std::vector<std::vector<index_t>> shapes = {{},        {5},          {2, 3},
                                                    {2, 3, 4}, {2, 1, 3, 2}, {3, 0}};
  for (const auto& shape : shapes) {
    index_t count = 1;
    for (const index_t extent : shape) count *= extent;
    const std::vector<T> values = test::random_values<T>(count, std::uint64_t(count) + 3);
    io::write_npy(path, values.data(), shape);
    const io::NpyArray<T> array = io::read_npy<T>(path);
    CHECK(array.shape == shape);
    REQUIRE(array.data.size() == values.size());
    // memcmp must not see the null data() of an empty vector, even with a zero length
    CHECK((values.empty() ||
           std::memcmp(array.data.data(), values.data(), values.size() * sizeof(T)) == 0));
  }
  std::filesystem::remove(path);
}

TEST_CASE("NPY reading takes versions 1.0 to 3.0 and any spacing or quotes NumPy may use",
          "[io][npy]") {
  const std::string path = test::temp_path("hand.npy");
  const std::string data = float_bytes({1, 2, 3, 4, 5, 6});
  for (const int major : {1, 2, 3}) {
    write_bytes(
        path,
        hand_made_npy(major, "{\"shape\":(3,2,),'fortran_order' :False,  'descr':'<f4'}", data));
    const auto array = io::read_npy<float>(path);
    CHECK(array.shape == std::vector<index_t>{3, 2});
    CHECK(array.data == std::vector<float>{1, 2, 3, 4, 5, 6});
  }
  std::filesystem::remove(path);
}

TEST_CASE("NPY reading refuses what it cannot read faithfully, saying what it found",
          "[io][npy][errors]") {
  const std::string data = float_bytes({1, 2, 3, 4, 5, 6});
  const auto dict = [](const std::string& descr, const std::string& order,
                       const std::string& shape) {
    return "{'descr': '" + descr + "', 'fortran_order': " + order + ", 'shape': " + shape + ", }";
  };
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "True", "(2, 3)"), data)),
             Catch::Contains("found 'fortran_order': True") && Catch::Contains("C order"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict(">f4", "False", "(2, 3)"), data)),
             Catch::Contains("dtype '>f4' (big-endian)") && Catch::Contains("expected '<f4'"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("|O", "False", "(2, 3)"), data)),
             Catch::Contains("dtype '|O'"));
  CHECK_THAT(npy_error<double>(hand_made_npy(1, dict("<f4", "False", "(2, 3)"), data)),
             Catch::Contains("dtype '<f4'") && Catch::Contains("expected '<f8'") &&
                 Catch::Contains("no conversion"));
  CHECK_THAT(npy_error<complex<float>>(hand_made_npy(1, dict("<f4", "False", "(2, 3)"), data)),
             Catch::Contains("expected '<c8'"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(2, 3)"), data.substr(0, 20))),
             Catch::Contains("found 20 bytes of data (the file is truncated)") &&
                 Catch::Contains("expected 24 bytes"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(2, 3)"), data + "xy")),
             Catch::Contains("26 bytes of data (trailing bytes)"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(2, 3)"), data).substr(0, 40)),
             Catch::Contains("(the file is truncated)") && Catch::Contains("header of 118 bytes"));
  CHECK_THAT(npy_error("\x93NUMPZ\x01\x00" + std::string(120, ' ')),
             Catch::Contains("no NPY magic"));
  CHECK_THAT(npy_error("\x93NUM"), Catch::Contains("found 4 bytes"));
  CHECK_THAT(npy_error(std::string("\x93NUMPY\x04\x00", 8) + std::string(120, ' ')),
             Catch::Contains("format version 4.0") && Catch::Contains("1.0, 2.0 or 3.0"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(2, x)"), data)),
             Catch::Contains("header has 'x)") && Catch::Contains("a non-negative integer extent"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "Maybe", "(2, 3)"), data)),
             Catch::Contains("True or False"));
  CHECK_THAT(npy_error(hand_made_npy(1, "{'descr': '<f4', 'shape': (2, 3)}", data)),
             Catch::Contains("without 'fortran_order'"));
  CHECK_THAT(npy_error(hand_made_npy(
                 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'x': 1}", data)),
             Catch::Contains("key 'x'"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(2, 3)") + " junk", data)),
             Catch::Contains("'junk' after the dict"));
  CHECK_THAT(npy_error(hand_made_npy(1, "{'descr': '<f4", data)),
             Catch::Contains("unterminated string"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(99999999999999999999,)"), data)),
             Catch::Contains("overflows 64 bits"));
  CHECK_THAT(npy_error(hand_made_npy(1, dict("<f4", "False", "(4294967296, 4294967296)"), data)),
             Catch::Contains("overflows 64 bits"));

  REQUIRE_THROWS_AS(io::read_npy<float>("/nonexistent-dir/x.npy"), io_error);
  REQUIRE_THROWS_WITH(
      io::read_npy<float>("/nonexistent-dir/x.npy"),
      Catch::Contains("'/nonexistent-dir/x.npy'") && Catch::Contains("No such file"));
  const float sample = 0;
  CHECK_THROWS_WITH(
      io::write_npy(test::temp_path("rank.npy"), &sample, std::vector<index_t>(65, 1)),
      Catch::Contains("at most 64 axes"));
}

TEST_CASE("NPY headers read without the data; each defect of a file has its own message",
          "[io][npy][errors]") {
  const std::string path = test::temp_path("header.npy");
  const std::string data = float_bytes({1, 2, 3, 4, 5, 6});
  const auto dict = [](const std::string& order) {
    return "{'descr': '<f4', 'fortran_order': " + order + ", 'shape': (2, 3), }";
  };

  write_bytes(path, hand_made_npy(2, dict("True"), data.substr(0, 20)));
  const io::NpyHeader header = io::read_npy_header(path);
  CHECK(header.major_version == 2);
  CHECK(header.minor_version == 0);
  CHECK(header.descr == "<f4");
  CHECK(header.fortran_order);
  CHECK(header.shape == std::vector<index_t>{2, 3});
  CHECK(header.header_bytes == 128);  // 12 bytes of preamble + the dict padded to 64-byte blocks
  CHECK(header.data_bytes == 20);

  const std::vector<complex<double>> samples{{1, 2}, {3, 4}};
  io::write_npy(path, samples.data(), {2});
  const io::NpyHeader written = io::read_npy_header(path);
  CHECK(written.major_version == 1);
  CHECK(written.descr == "<c16");
  CHECK_FALSE(written.fortran_order);
  CHECK(written.shape == std::vector<index_t>{2});
  CHECK(written.header_bytes == 128);
  CHECK(written.data_bytes == 32);

  // A float32 file that is truncated, or in Fortran order, says so, not that its dtype is wrong.
  const std::string truncated = npy_error(hand_made_npy(1, dict("False"), data.substr(0, 20)));
  CHECK_THAT(truncated, Catch::Contains("truncated") && !Catch::Contains("dtype"));
  const std::string fortran = npy_error(hand_made_npy(1, dict("True"), data));
  CHECK_THAT(fortran, Catch::Contains("'fortran_order': True") && !Catch::Contains("dtype") &&
                          !Catch::Contains("truncated"));
  // The checks run in the order magic, header, dtype, order, size.
  CHECK_THAT(npy_error(hand_made_npy(1, dict("True"), data.substr(0, 20))),
             Catch::Contains("'fortran_order': True") && !Catch::Contains("truncated"));
  CHECK_THAT(npy_error<double>(hand_made_npy(1, dict("True"), data.substr(0, 20))),
             Catch::Contains("dtype '<f4'") && !Catch::Contains("fortran_order"));

  // The header reader refuses a malformed preamble in its own name, and a truncated header as such.
  write_bytes(path, hand_made_npy(1, dict("False"), data).substr(0, 40));
  CHECK_THROWS_WITH(io::read_npy_header(path),
                    Catch::Contains("fabtwin::io::read_npy_header: '" + path) &&
                        Catch::Contains("the file is truncated"));
  write_bytes(path, hand_made_npy(1, "{'descr': '<f4', 'shape': (2, 3)}", data));
  CHECK_THROWS_WITH(io::read_npy_header(path), Catch::Contains("fabtwin::io::read_npy_header") &&
                                                   Catch::Contains("without 'fortran_order'"));
  std::filesystem::remove(path);
  CHECK_THROWS_WITH(io::read_npy_header(path),
                    Catch::Contains("'" + path + "'") && Catch::Contains("does not exist"));

  const float sample = 0;
  CHECK_THROWS_WITH(io::write_npy(path, &sample, {index_t(1) << 62, 4}),
                    Catch::Contains("fits in 64 bits"));
  CHECK_FALSE(std::filesystem::exists(path));
}

TEMPLATE_LIST_TEST_CASE("NPY files load into host fields on a grid of their shape", "[io][npy]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const std::string path = test::temp_path("field_in.npy");
  const Grid plane(4, 3, 1.0), volume = Grid::volume(4, 3, 2, {1, 1, 1});

  const std::vector<T> batch = test::random_values<T>(3 * 12, 5);
  io::write_npy(path, test::field_with<S>(plane, batch, 3));
  const Field<T, Host> loaded = io::read_npy_field<T>(path, plane);
  CHECK(loaded.batch() == 3);
  CHECK(loaded.grid() == plane);
  CHECK(to_vector(loaded) == batch);
  CHECK_THROWS_AS(io::read_npy_field<T>(path, Grid(3, 4, 1.0)), shape_mismatch);
  CHECK_THROWS_WITH(io::read_npy_field<T>(path, volume),
                    Catch::Contains("(3, 3, 4)") && Catch::Contains("expected (2, 3, 4)"));

  const std::vector<complex<T>> waves = test::random_values<complex<T>>(24, 6);
  io::write_npy(path, test::field_with<S>(volume, waves));
  const auto loaded_volume = io::read_npy_field<complex<T>>(path, volume);
  CHECK(loaded_volume.batch() == 1);
  CHECK(to_vector(loaded_volume) == waves);
  // On a 2D grid a leading axis is a batch: the volume reads as two planes.
  CHECK(io::read_npy_field<complex<T>>(path, plane).batch() == 2);
  CHECK_THROWS_AS(io::read_npy_field<complex<T>>(path, Grid(4, 2, 1.0)), shape_mismatch);

  const T one[1] = {1};
  io::write_npy(path, one, {0, 3, 4});
  CHECK_THROWS_AS(io::read_npy_field<T>(path, plane), shape_mismatch);
  std::filesystem::remove(path);
}
