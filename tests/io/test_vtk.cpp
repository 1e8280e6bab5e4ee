// The .vti writer, read back here: the XML attributes VTK's ImageData reader needs (VTK File
// Formats, XML ImageData) and the appended raw blocks (UInt64 byte count, then little-endian data).

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "fabtwin/io/vtk.hpp"
#include "support/files.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

using Attributes = std::map<std::string, std::string>;

/// The attributes of every element `<tag ...>` in the XML part of `file` (before the appended
/// data).
std::vector<Attributes> elements(const std::string& file, const std::string& tag) {
  const std::string xml = file.substr(0, file.find("<AppendedData"));
  std::vector<Attributes> found;
  for (std::size_t at = xml.find("<" + tag + " "); at != std::string::npos;
       at = xml.find("<" + tag + " ", at + 1)) {
    const std::size_t end = xml.find('>', at);
    REQUIRE(end != std::string::npos);
    Attributes attributes;
    std::size_t pos = at + tag.size() + 1;
    while (true) {
      const std::size_t eq = xml.find("=\"", pos);
      if (eq == std::string::npos || eq > end) break;
      std::size_t name_start = xml.rfind(' ', eq) + 1;
      const std::size_t close = xml.find('"', eq + 2);
      attributes[xml.substr(name_start, eq - name_start)] = xml.substr(eq + 2, close - eq - 2);
      pos = close + 1;
    }
    found.push_back(attributes);
  }
  return found;
}

/// The raw block at `offset` bytes after the '_' marker: its UInt64 byte count, then the bytes.
std::string appended_block(const std::string& file, std::uint64_t offset) {
  const std::size_t marker = file.find("<AppendedData encoding=\"raw\">");
  REQUIRE(marker != std::string::npos);
  const std::size_t base = file.find('_', marker) + 1;
  std::uint64_t bytes = 0;
  REQUIRE(base + offset + 8 <= file.size());
  std::memcpy(&bytes, file.data() + base + offset, 8);
  REQUIRE(base + offset + 8 + bytes <= file.size());
  return file.substr(base + offset + 8, bytes);
}

template <class T>
std::vector<T> samples_of(const std::string& block) {
  REQUIRE(block.size() % sizeof(T) == 0);
  std::vector<T> values(block.size() / sizeof(T));
  std::memcpy(values.data(), block.data(), block.size());
  return values;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("A 2D field becomes ImageData with the grid's origin and spacing",
                        "[io][vtk]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Grid grid(4, 3, 2.5, {10, -5, 0});
  const std::vector<T> values = test::random_values<T>(12, 7);
  const std::string path = test::temp_path("field2d.vti");
  io::write_vti(path, test::field_with<S>(grid, values), "density");
  const std::string file = test::read_file(path);

  CHECK(file.starts_with("<?xml version=\"1.0\"?>\n"));
  const auto vtk = elements(file, "VTKFile");
  REQUIRE(vtk.size() == 1);
  CHECK(vtk[0].at("type") == "ImageData");
  CHECK(vtk[0].at("version") == "1.0");
  CHECK(vtk[0].at("byte_order") == "LittleEndian");
  CHECK(vtk[0].at("header_type") == "UInt64");
  const auto image = elements(file, "ImageData");
  REQUIRE(image.size() == 1);
  CHECK(image[0].at("WholeExtent") == "0 3 0 2 0 0");
  CHECK(image[0].at("Origin") == "10 -5 0");
  CHECK(image[0].at("Spacing") == "2.5 2.5 1");
  const auto piece = elements(file, "Piece");
  REQUIRE(piece.size() == 1);
  CHECK(piece[0].at("Extent") == "0 3 0 2 0 0");
  const auto point_data = elements(file, "PointData");
  REQUIRE(point_data.size() == 1);
  CHECK(point_data[0].at("Scalars") == "density");
  const auto arrays = elements(file, "DataArray");
  REQUIRE(arrays.size() == 1);
  CHECK(arrays[0].at("type") == (std::is_same_v<T, float> ? "Float32" : "Float64"));
  CHECK(arrays[0].at("Name") == "density");
  CHECK(arrays[0].at("NumberOfComponents") == "1");
  CHECK(arrays[0].at("format") == "appended");
  CHECK(arrays[0].at("offset") == "0");

  const std::string block = appended_block(file, 0);
  CHECK(block.size() == 12 * sizeof(T));
  CHECK(samples_of<T>(block) == values);
  CHECK(file.ends_with(block + "\n  </AppendedData>\n</VTKFile>\n"));
  std::filesystem::remove(path);
}

TEST_CASE("Several named arrays share a 3D grid; complex fields have two components", "[io][vtk]") {
  const Grid grid = Grid::volume(3, 2, 2, {1.5, 2, 0.25}, {0.1, 0, -3});
  const std::vector<double> density = test::random_values<double>(12, 1);
  const std::vector<complex<float>> amplitude = test::random_values<complex<float>>(12, 2);
  io::VtiFile vti(grid);
  vti.add("density", make_host_field(grid, density))
      .add("amplitude <E&M>", make_host_field(grid, amplitude));
  const std::string file = vti.encode();

  const auto image = elements(file, "ImageData");
  CHECK(image[0].at("WholeExtent") == "0 2 0 1 0 1");
  CHECK(image[0].at("Origin") == "0.1 0 -3");  // shortest round-trip form
  CHECK(image[0].at("Spacing") == "1.5 2 0.25");
  CHECK(elements(file, "PointData")[0].at("Scalars") == "density");
  const auto arrays = elements(file, "DataArray");
  REQUIRE(arrays.size() == 2);
  CHECK(arrays[0].at("type") == "Float64");
  CHECK(arrays[0].at("offset") == "0");
  CHECK(arrays[1].at("type") == "Float32");
  CHECK(arrays[1].at("Name") == "amplitude &lt;E&amp;M&gt;");
  CHECK(arrays[1].at("NumberOfComponents") == "2");
  CHECK(arrays[1].at("offset") == std::to_string(8 + 12 * 8));

  CHECK(samples_of<double>(appended_block(file, 0)) == density);
  const auto interleaved =
      samples_of<float>(appended_block(file, std::stoull(arrays[1].at("offset"))));
  REQUIRE(interleaved.size() == 24);
  for (std::size_t k = 0; k < 12; ++k) {
    CHECK(interleaved[2 * k] == amplitude[k].real());
    CHECK(interleaved[2 * k + 1] == amplitude[k].imag());
  }
  // write() sends the head, each array's count and samples and the tail to the file one after
  // another, never as one string: the file is encode()'s bytes.
  const std::string path = test::temp_path("arrays3d.vti");
  vti.write(path);
  CHECK(test::read_file(path) == file);
  std::filesystem::remove(path);
}

TEST_CASE("VTK errors: another grid, a batch, repeated or empty names, no arrays, bad path",
          "[io][vtk][errors]") {
  const Grid grid(4, 3, 1.0);
  io::VtiFile vti(grid);
  CHECK_THROWS_WITH(vti.encode(), Catch::Contains("at least one array"));
  CHECK_THROWS_WITH(vti.write(test::temp_path("empty.vti")),
                    Catch::Contains("io::VtiFile::write") && Catch::Contains("at least one array"));
  CHECK_FALSE(std::filesystem::exists(test::temp_path("empty.vti")));
  CHECK_THROWS_AS(vti.add("a", Field<float, Host>(Grid(3, 4, 1.0))), shape_mismatch);
  CHECK_THROWS_AS(vti.add("a", Field<float, Host>(Grid(4, 3, 2.0))), shape_mismatch);
  CHECK_THROWS_WITH(vti.add("a", Field<float, Host>(Grid(4, 3, 1.0, {1, 0, 0}))),
                    Catch::Contains("field.grid") && Catch::Contains("origin"));
  CHECK_THROWS_WITH(vti.add("a", Field<float, Host>(grid, 2)), Catch::Contains("field.batch"));
  CHECK_THROWS_WITH(vti.add("", Field<float, Host>(grid)), Catch::Contains("non-empty name"));
  vti.add("a", Field<float, Host>(grid));
  CHECK_THROWS_WITH(vti.add("a", Field<double, Host>(grid)),
                    Catch::Contains("not already in the file"));
  CHECK_THROWS_AS(vti.write("/nonexistent-dir/x.vti"), io_error);
  CHECK_THROWS_WITH(vti.write("/nonexistent-dir/x.vti"),
                    Catch::Contains("'/nonexistent-dir/x.vti'"));
}
