#pragma once
// GDSII stream writer for one flat structure: every polygon of a PolygonSet as a BOUNDARY on one
// layer/datatype (contours, masks). Reference: Calma GDSII Stream Format Manual, release 6.0.
//
// The database unit written to UNITS is the set's unit_nm, so coordinates are written unchanged.
// An XY record holds at most 8191 points (its length field is 16 bits), i.e. 8190 vertices plus the
// closing point; a polygon with more vertices is refused with invalid_argument rather than split,
// since cutting an arbitrary ring into pieces with the same union is a job for the caller.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "fabtwin/core/check.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/layout/gdsii_library.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout::gdsii {

/// Vertices a BOUNDARY can carry (8191 XY points with the closing one).
inline constexpr std::size_t max_boundary_vertices = 8190;

struct WriteOptions {
  std::string library_name = "FABTWIN";
  std::string structure_name = "TOP";
  LayerKey layer{0, 0};
  double user_unit_m = 1e-6;  // the unit a layout editor shows; the database unit is set.unit_nm
  /// BGNLIB/BGNSTR modification and access time (year, month, day, hour, minute, second), fixed
  /// by default so that the same polygons always give the same bytes.
  std::array<std::int16_t, 6> timestamp = {1970, 1, 1, 0, 0, 0};
};

namespace detail {

class RecordWriter {
 public:
  void begin(std::uint8_t type, DataType data_type, std::size_t body_bytes) {
    const std::size_t length = 4 + body_bytes;
    put(std::uint16_t(length));
    bytes_ += char(type);
    bytes_ += char(data_type);
  }
  void empty(std::uint8_t type) { begin(type, DataType::none, 0); }
  void int16s(std::uint8_t type, std::initializer_list<std::int16_t> values) {
    begin(type, DataType::int16, 2 * values.size());
    for (std::int16_t v : values) put(std::uint16_t(v));
  }
  void ascii(std::uint8_t type, std::string_view text) {
    const std::size_t padded = text.size() + text.size() % 2;  // bodies have even length
    begin(type, DataType::ascii, padded);
    bytes_.append(text);
    bytes_.append(padded - text.size(), '\0');
  }
  void real8s(std::uint8_t type, std::initializer_list<double> values) {
    begin(type, DataType::real8, 8 * values.size());
    for (double v : values)
      for (unsigned char b : encode_real8(v)) bytes_ += char(b);
  }
  void int32(std::int32_t v) {
    const auto u = std::uint32_t(v);
    put(std::uint16_t(u >> 16));
    put(std::uint16_t(u & 0xffff));
  }
  std::string& bytes() { return bytes_; }

 private:
  void put(std::uint16_t v) {
    bytes_ += char(v >> 8);
    bytes_ += char(v & 0xff);
  }
  std::string bytes_;
};

inline void require_name(std::string_view name, std::string_view argument) {
  bool ok = !name.empty() && name.size() <= 32;
  for (char c : name) ok = ok && c > ' ' && c < 127;
  require(
      ok, "layout::gdsii::serialize", argument, [&] { return std::string(name); },
      "1 to 32 printable ASCII characters without spaces");
}

}  // namespace detail

/// The bytes of a GDSII stream holding `set` as one structure.
inline std::string serialize(const PolygonSet& set, const WriteOptions& options = {}) {
  constexpr std::string_view where = "layout::gdsii::serialize";
  detail::require_name(options.library_name, "options.library_name");
  detail::require_name(options.structure_name, "options.structure_name");
  require(std::isfinite(set.unit_nm) && set.unit_nm > 0, where, "set.unit_nm", set.unit_nm,
          "a positive finite unit");
  require(std::isfinite(options.user_unit_m) && options.user_unit_m > 0, where,
          "options.user_unit_m", options.user_unit_m, "a positive finite unit");
  for (std::size_t i = 0; i < set.polygons.size(); ++i) {
    const std::size_t n = set.polygons[i].points.size();
    require(
        n >= 3 && n <= max_boundary_vertices, where,
        [&] { return "vertex count of polygon " + std::to_string(i); }, n,
        "3 to 8190 vertices (a GDSII XY record holds 8191 points; split "
        "larger polygons first)");
    require_coordinates_in_range(set.polygons[i], where);
  }
  detail::RecordWriter w;
  const auto& t = options.timestamp;
  w.int16s(record::header, {600});  // stream format release 6.0
  w.int16s(record::bgnlib,
           {t[0], t[1], t[2], t[3], t[4], t[5], t[0], t[1], t[2], t[3], t[4], t[5]});
  w.ascii(record::libname, options.library_name);
  const double database_unit_m =
      set.unit_nm / 1e9;  // 0.1 / 1e9 gives the double nearest 1e-10; 0.1 * 1e-9 does not
  w.real8s(record::units, {database_unit_m / options.user_unit_m, database_unit_m});
  w.int16s(record::bgnstr,
           {t[0], t[1], t[2], t[3], t[4], t[5], t[0], t[1], t[2], t[3], t[4], t[5]});
  w.ascii(record::strname, options.structure_name);
  for (const Polygon& polygon : set.polygons) {
    w.empty(record::boundary);
    w.int16s(record::layer, {std::int16_t(options.layer.layer)});
    w.int16s(record::datatype, {std::int16_t(options.layer.datatype)});
    w.begin(record::xy, DataType::int32, 8 * (polygon.points.size() + 1));
    for (const Point& p : polygon.points) {
      w.int32(std::int32_t(p.x));
      w.int32(std::int32_t(p.y));
    }
    w.int32(std::int32_t(polygon.points.front().x));  // the ring is closed in the stream
    w.int32(std::int32_t(polygon.points.front().y));
    w.empty(record::endel);
  }
  w.empty(record::endstr);
  w.empty(record::endlib);
  return std::move(w.bytes());
}

/// Writes `set` to `file` as a GDSII stream (see serialize).
inline void write_file(const std::filesystem::path& file, const PolygonSet& set,
                       const WriteOptions& options = {}) {
  io::detail::write_file(file, serialize(set, options), "layout::gdsii::write_file");
}

}  // namespace fabtwin::layout::gdsii
