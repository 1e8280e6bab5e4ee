#pragma once
// VTK XML PolyData (.vtp) files: points with named point-data arrays, as vertices and optionally
// joined by polylines (VTK File Formats, "XML File Formats" / PolyData). ASCII data: surfaces of
// a few thousand points, which a text file holds in well under a megabyte.

#include <cstdint>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/io/vtk.hpp"

namespace fabtwin::io {

class VtpFile {
 public:
  /// The points (nm); every one is also a vertex cell.
  explicit VtpFile(std::vector<Vec3> points) : points_(std::move(points)) {}

  /// Adds a point-data array of one value per point.
  VtpFile& add(const std::string& name, const std::vector<double>& values) {
    require(values.size() == points_.size(), "io::VtpFile::add", "values.size()", values.size(),
            [&] { return "one value per point (" + std::to_string(points_.size()) + ")"; });
    require(!name.empty(), "io::VtpFile::add", "name", "\"\"", "a non-empty name");
    arrays_.push_back({name, values});
    return *this;
  }

  /// Adds a polyline through the points of the given indices, in order.
  VtpFile& add_line(const std::vector<std::int64_t>& indices) {
    for (const std::int64_t i : indices)
      require(i >= 0 && i < std::int64_t(points_.size()), "io::VtpFile::add_line", "index", i,
              [&] { return "a point index in [0, " + std::to_string(points_.size()) + ")"; });
    if (indices.size() >= 2) lines_.push_back(indices);
    return *this;
  }

  std::string encode() const {
    using detail::vtk_number;
    std::string out =
        "<?xml version=\"1.0\"?>\n<VTKFile type=\"PolyData\" version=\"1.0\" "
        "byte_order=\"LittleEndian\" header_type=\"UInt64\">\n  <PolyData>\n";
    out += "    <Piece NumberOfPoints=\"" + std::to_string(points_.size()) + "\" NumberOfVerts=\"" +
           std::to_string(points_.size()) + "\" NumberOfLines=\"" + std::to_string(lines_.size()) +
           "\" NumberOfStrips=\"0\" NumberOfPolys=\"0\">\n";
    out += "      <PointData>\n";
    for (const auto& [name, values] : arrays_) {
      out += "        <DataArray type=\"Float64\" Name=\"" + detail::xml_escape(name) +
             "\" format=\"ascii\">";
      for (const double v : values) out += " " + vtk_number(v);
      out += " </DataArray>\n";
    }
    out +=
        "      </PointData>\n      <Points>\n        <DataArray type=\"Float64\" "
        "NumberOfComponents=\"3\" format=\"ascii\">";
    for (const Vec3& p : points_)
      out += " " + vtk_number(p.x) + " " + vtk_number(p.y) + " " + vtk_number(p.z);
    out += " </DataArray>\n      </Points>\n";
    std::string vertices;  // one vertex cell per point: connectivity and offsets both count up
    for (std::size_t i = 0; i < points_.size(); ++i) vertices += " " + std::to_string(i);
    std::string vertex_ends;
    for (std::size_t i = 1; i <= points_.size(); ++i) vertex_ends += " " + std::to_string(i);
    out +=
        "      <Verts>\n        <DataArray type=\"Int64\" Name=\"connectivity\" "
        "format=\"ascii\">" +
        vertices +
        " </DataArray>\n        <DataArray type=\"Int64\" "
        "Name=\"offsets\" format=\"ascii\">" +
        vertex_ends + " </DataArray>\n      </Verts>\n";
    std::string connectivity, offsets;
    std::int64_t offset = 0;
    for (const auto& line : lines_) {
      for (const std::int64_t i : line) connectivity += " " + std::to_string(i);
      offset += std::int64_t(line.size());
      offsets += " " + std::to_string(offset);
    }
    out +=
        "      <Lines>\n        <DataArray type=\"Int64\" Name=\"connectivity\" "
        "format=\"ascii\">" +
        connectivity +
        " </DataArray>\n        <DataArray type=\"Int64\" "
        "Name=\"offsets\" format=\"ascii\">" +
        offsets + " </DataArray>\n      </Lines>\n";
    out += "    </Piece>\n  </PolyData>\n</VTKFile>\n";
    return out;
  }

  void write(const std::string& path) const {
    detail::write_file(path, encode(), "io::VtpFile::write");
  }

 private:
  std::vector<Vec3> points_;
  std::vector<std::pair<std::string, std::vector<double>>> arrays_;
  std::vector<std::vector<std::int64_t>> lines_;
};

}  // namespace fabtwin::io
