// The NPY writer against the byte layout NumPy documents (numpy.lib.format, version 1.0).

#include <fstream>
#include <cstring>
#include <filesystem>
#include <iterator>

#include "support/test_cases.hpp"

#include "fabtwin/io/npy.hpp"

using namespace fabtwin;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fabtwin_test_" + name)).string();
}

}  // namespace

TEST_CASE("NPY files carry the magic, a header padded to 64 bytes and raw samples", "[io][npy]") {
  const std::string path = temp_path("shape.npy");
  const float samples[6] = {1, 2, 3, 4, 5, 6};
  io::write_npy(path, samples, {2, 3});
  const std::string bytes = read_file(path);

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
  const std::string path = temp_path("field.npy");
  const Field<complex<T>, S> field(Grid::volume(4, 3, 2, {1, 1, 1}), 5);
  io::write_npy(path, field);
  const std::string bytes = read_file(path);
  CHECK(bytes.find(std::is_same_v<T, float> ? "'descr': '<c8'" : "'descr': '<c16'") !=
        std::string::npos);
  CHECK(bytes.find("'shape': (5, 2, 3, 4), }") != std::string::npos);
  const std::size_t header_end = bytes.find('\n') + 1;
  CHECK(header_end % 64 == 0);
  CHECK(bytes.size() == header_end + field.bytes());

  const double one[1] = {7};
  io::write_npy(path, one, {1});
  CHECK(read_file(path).find("'shape': (1,), }") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("NPY writing to an impossible path is an io_error naming the path", "[io][npy][errors]") {
  const float sample = 0;
  REQUIRE_THROWS_AS(io::write_npy("/nonexistent-dir/x.npy", &sample, {1}), io_error);
  REQUIRE_THROWS_WITH(io::write_npy("/nonexistent-dir/x.npy", &sample, {1}),
                      Catch::Contains("'/nonexistent-dir/x.npy'"));
}
