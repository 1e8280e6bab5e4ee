#pragma once
// VTK XML ImageData (.vti) files that ParaView and VisIt open: one or several named point-data
// arrays on a Grid, for 2D and 3D fields.
//
// Layout (VTK File Formats, "XML File Formats" / ImageData): a VTKFile of type ImageData, version
// 1.0, byte_order LittleEndian and header_type UInt64; WholeExtent and the single Piece's Extent
// "0 nx-1 0 ny-1 0 nz-1" (nz = 1 for 2D), Origin and Spacing in nm from the Grid (the z spacing of
// a 2D grid is 1); one DataArray per field in PointData, format "appended". The data follow in
// <AppendedData encoding="raw">: after a '_' marker, each array is a UInt64 byte count followed by
// its raw little-endian samples, and a DataArray's offset counts bytes from just after the '_'.
// VTK point data run x fastest, then y, then z, which is the Grid's own order, so samples are
// written as they are stored. Complex fields are written as two components (real, imaginary).

#include <bit>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/io/detail/file.hpp"

namespace fabtwin::io {
namespace detail {

/// Shortest text that reads back to `value` (std::to_chars).
inline std::string vtk_number(double value) {
  char buffer[64];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

/// `text` with the five XML special characters replaced by entities (XML 1.0, section 2.4).
inline std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace detail

/// Named point-data arrays on one grid, encoded as a .vti file.
class VtiFile {
 public:
  explicit VtiFile(const Grid& grid) : grid_(grid) {}

  /// Adds `field` (any space, copied to the host now) as the array `name`. The field must be on
  /// this file's grid (shape, pitch and origin) and hold a single batch member.
  template <class T, class Space>
  VtiFile& add(const std::string& name, const Field<T, Space>& field) {
    static_assert(Scalar<T>, "fabtwin::io::VtiFile writes float, double and their complex types");
    static_assert(std::endian::native == std::endian::little,
                  "fabtwin::io::VtiFile writes the host's bytes as little-endian samples");
    if (!(field.grid() == grid_))
      throw shape_mismatch(argument_message("io::VtiFile::add", "field.grid", field.grid(),
                                            "the file's grid, " + ::fabtwin::describe(grid_) +
                                                " at origin " +
                                                ::fabtwin::describe(grid_.origin())));
    require(field.batch() == 1, "io::VtiFile::add", "field.batch", field.batch(),
            "a single field (write batch members as separate arrays)");
    require(!name.empty(), "io::VtiFile::add", "name", "\"\"", "a non-empty name");
    for (const Array& array : arrays_)
      require(array.name != name, "io::VtiFile::add", "name", name,
              "a name not already in the file");
    // One copy, straight from the field's space into the bytes the file is written from.
    std::string bytes(static_cast<std::size_t>(field.bytes()), '\0');
    ::fabtwin::detail::copy_bytes<Host, Space>(bytes.data(), field.data(), bytes.size());
    const std::uint64_t count = bytes.size();
    arrays_.push_back({name, std::is_same_v<real_type_t<T>, float> ? "Float32" : "Float64",
                       is_complex_v<T> ? 2 : 1,
                       std::string(reinterpret_cast<const char*>(&count), sizeof count),
                       std::move(bytes)});
    return *this;
  }

  /// The whole file.
  std::string encode() const {
    const std::string xml = head("io::VtiFile::encode");
    std::string out;
    for (const std::string_view part : parts(xml)) out += part;
    return out;
  }

  /// Writes the file all or nothing (io/detail/file.hpp), its arrays straight from the copies
  /// add() made: a field of N bytes needs N more at the peak, not 3 N.
  void write(const std::string& path) const {
    const std::string xml = head("io::VtiFile::write");
    detail::write_file(path, parts(xml), "io::VtiFile::write");
  }

 private:
  struct Array {
    std::string name;
    const char* type;  // VTK type name of one component
    int components;
    std::string count;  // the UInt64 byte count before the samples, as its little-endian bytes
    std::string bytes;  // raw little-endian samples
  };

  /// The XML up to the appended data's '_' marker.
  std::string head(const char* where) const {
    require(!arrays_.empty(), where, "arrays", 0, "at least one array (call add first)");
    const std::string extent = "0 " + std::to_string(grid_.nx() - 1) + " 0 " +
                               std::to_string(grid_.ny() - 1) + " 0 " +
                               std::to_string(grid_.nz() - 1);
    const auto triple = [](const Vec3& v) {
      return detail::vtk_number(v.x) + " " + detail::vtk_number(v.y) + " " +
             detail::vtk_number(v.z);
    };
    std::string xml =
        "<?xml version=\"1.0\"?>\n"
        "<VTKFile type=\"ImageData\" version=\"1.0\" byte_order=\"LittleEndian\" "
        "header_type=\"UInt64\">\n";
    xml += "  <ImageData WholeExtent=\"" + extent + "\" Origin=\"" + triple(grid_.origin()) +
           "\" Spacing=\"" + triple(grid_.pitch()) + "\">\n";
    xml += "    <Piece Extent=\"" + extent + "\">\n";
    xml += "      <PointData Scalars=\"" + detail::xml_escape(arrays_.front().name) + "\">\n";
    std::uint64_t offset = 0;
    for (const Array& array : arrays_) {
      xml += "        <DataArray type=\"" + std::string(array.type) + "\" Name=\"" +
             detail::xml_escape(array.name) + "\" NumberOfComponents=\"" +
             std::to_string(array.components) + "\" format=\"appended\" offset=\"" +
             std::to_string(offset) + "\"/>\n";
      offset += array.count.size() + array.bytes.size();
    }
    xml +=
        "      </PointData>\n    </Piece>\n  </ImageData>\n  <AppendedData encoding=\"raw\">\n   _";
    return xml;
  }

  /// The file as the parts it is written in: `xml` (head()), each array's count and samples, the
  /// tail; views into `xml` and this object.
  std::vector<std::string_view> parts(const std::string& xml) const {
    std::vector<std::string_view> out{xml};
    for (const Array& array : arrays_) {
      out.push_back(array.count);
      out.push_back(array.bytes);
    }
    out.push_back("\n  </AppendedData>\n</VTKFile>\n");
    return out;
  }

  Grid grid_;
  std::vector<Array> arrays_;
};

/// Writes `field` as a .vti file with one point-data array called `name`.
template <class T, class Space>
void write_vti(const std::string& path, const Field<T, Space>& field,
               const std::string& name = "value") {
  VtiFile(field.grid()).add(name, field).write(path);
}

}  // namespace fabtwin::io
