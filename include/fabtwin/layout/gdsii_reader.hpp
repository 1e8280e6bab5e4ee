#pragma once
// GDSII stream reader: parses the records of a stream into a Library (gdsii_library.hpp, which
// flattens it). Reference: Calma GDSII Stream Format Manual, release 6.0.
//
// What is read: BOUNDARY, PATH (PATHTYPE 0, 1, 2, 4 with WIDTH, BGNEXTN, ENDEXTN), BOX (its BOXTYPE
// taken as the datatype, as layout editors do), SREF and AREF with STRANS/MAG/ANGLE. TEXT and NODE
// elements, properties (PROPATTR/PROPVALUE), ELFLAGS, PLEX and the optional library header records
// are checked and skipped. Paths become polygons at read time (shapes.hpp), in the structure's own
// coordinates, so that a magnified placement scales the width too, as the format defines.
// Not supported, and refused with an io_error rather than drawn wrongly: absolute magnification or
// angle (STRANS bits 13, 14) and absolute path widths (negative WIDTH).
//
// Refused at read time, whatever the layer, each as an io_error naming the byte offset and the
// record: what makes the file unreadable or its geometry ambiguous. Truncation, record lengths,
// unknown records, data types, value counts, XY point counts and closure, self-crossing
// BOUNDARYs (the region rule has no meaning for them, whatever their area), BOXes whose points
// span an area but are not the corners of an axis-parallel rectangle, references to undefined
// structures and reference cycles. Such a BOX is refused rather than kept: the manual defines a
// BOX as a rectangle, and tools that accept other point sets disagree on what they cover (the
// polygon, or the bounds of its points), so there is no reading to keep it under.
//
// Kept, not refused: degenerate shapes, well-formed elements that cover no area (a BOUNDARY or BOX
// of zero area, a PATH of width 0), listed in Library::degenerate_shapes() and refused only when a
// selection reaches them (gdsii_library.hpp says why).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/layout/gdsii_library.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/predicates.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/transform.hpp"

namespace fabtwin::layout::gdsii {

/// The recursive-descent parser over records (grammar of the manual's "Stream syntax" chapter).
class Parser {
 public:
  explicit Parser(std::string_view stream) : in_(stream), stream_(stream) {}

  Library run() {
    expect(record::header).require_count(1);
    expect(record::bgnlib).require_count(12);
    Record r = skip_while({record::libdirsize, record::srfname, record::libsecur});
    if (r.type != record::libname) r.fail("record", r.name(), "LIBNAME");
    lib_.name_ = r.ascii();
    r = skip_while({record::reflibs, record::fonts, record::attrtable, record::generations,
                    record::format, record::mask, record::endmasks});
    if (r.type != record::units) r.fail("record", r.name(), "UNITS");
    r.require_count(2);
    const double db_in_user = r.real8(0), db_m = r.real8(1);
    if (!(std::isfinite(db_in_user) && db_in_user > 0 && std::isfinite(db_m) && db_m > 0))
      r.fail("units", std::to_string(db_in_user) + ", " + std::to_string(db_m),
             "two positive finite sizes of the database unit (in user units, in metres)");
    lib_.units_ = Units{db_m / db_in_user, db_m};
    for (;;) {
      r = in_.next();
      if (r.type == record::endlib) break;
      if (r.type != record::bgnstr) r.fail("record", r.name(), "BGNSTR or ENDLIB");
      structure(r);
    }
    // Tapes and some tools pad the stream with zeros to a block boundary.
    for (std::size_t i = in_.position(); i < stream_.size(); ++i)
      if (stream_[i] != '\0') {
        std::ostringstream message;
        message << "fabtwin::layout::gdsii: byte offset " << i
                << ": data after ENDLIB; expected only zero padding";
        throw io_error(message.str());
      }
    resolve();
    return std::move(lib_);
  }

 private:
  Record expect(std::uint8_t type) {
    Record r = in_.next();
    if (r.type != type) r.fail("record", r.name(), record_name(type));
    return r;
  }
  Record skip_while(std::initializer_list<std::uint8_t> optional) {
    for (;;) {
      Record r = in_.next();
      if (std::find(optional.begin(), optional.end(), r.type) == optional.end()) return r;
    }
  }

  void structure(const Record& begin) {
    begin.require_count(12);
    Structure s;
    s.offset = begin.offset;
    const Record name = expect(record::strname);
    s.name = name.ascii();
    if (s.name.empty()) name.fail("structure name", "\"\"", "a non-empty name");
    if (lib_.index_.count(s.name)) name.fail("structure name", s.name, "a name not defined before");
    Record r = in_.next();
    if (r.type == record::strclass) r = in_.next();
    while (r.type != record::endstr) {
      element(r, s);
      r = in_.next();
    }
    lib_.index_.emplace(s.name, lib_.structures_.size());
    lib_.structures_.push_back(std::move(s));
  }

  // Values an element may carry; each at most once.
  struct Fields {
    std::optional<Record> layer, datatype, pathtype, width, bgnextn, endextn, sname, strans, mag,
        angle, colrow, xy, texttype, presentation, string, nodetype, boxtype;
  };

  void element(const Record& start, Structure& s) {
    using namespace record;
    std::vector<std::uint8_t> allowed;
    switch (start.type) {
      case boundary:
        allowed = {layer, datatype, xy};
        break;
      case path:
        allowed = {layer, datatype, pathtype, width, bgnextn, endextn, xy};
        break;
      case sref:
        allowed = {sname, strans, mag, angle, xy};
        break;
      case aref:
        allowed = {sname, strans, mag, angle, colrow, xy};
        break;
      case text:
        allowed = {layer, texttype, presentation, pathtype, width, strans, mag, angle, xy, string};
        break;
      case node:
        allowed = {layer, nodetype, xy};
        break;
      case box:
        allowed = {layer, boxtype, xy};
        break;
      default:
        start.fail("record", start.name(),
                   "an element (BOUNDARY, PATH, SREF, AREF, TEXT, NODE, BOX) or ENDSTR");
    }
    Fields f;
    auto slot = [&](std::uint8_t type) -> std::optional<Record>& {
      switch (type) {
        case layer:
          return f.layer;
        case datatype:
          return f.datatype;
        case pathtype:
          return f.pathtype;
        case width:
          return f.width;
        case bgnextn:
          return f.bgnextn;
        case endextn:
          return f.endextn;
        case sname:
          return f.sname;
        case strans:
          return f.strans;
        case mag:
          return f.mag;
        case angle:
          return f.angle;
        case colrow:
          return f.colrow;
        case xy:
          return f.xy;
        case texttype:
          return f.texttype;
        case presentation:
          return f.presentation;
        case string:
          return f.string;
        case nodetype:
          return f.nodetype;
        default:
          return f.boxtype;
      }
    };
    Record r = in_.next();
    for (; r.type != endel; r = in_.next()) {
      if (r.type == elflags || r.type == plex) {
        r.require_count(1);
        continue;
      }
      if (r.type == propattr) {
        r.require_count(1);
        expect(propvalue);
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), r.type) == allowed.end())
        r.fail("record", r.name(), "a record of " + start.name() + " or ENDEL");
      std::optional<Record>& field = slot(r.type);
      if (field) r.fail("record", r.name(), "at most one per element");
      if (r.type == xy) {
        if (r.count() % 2 != 0) r.fail("integer count", r.count(), "an even count (x, y pairs)");
      } else if (r.type == colrow) {
        r.require_count(2);
      } else if (r.data_type == DataType::ascii) {
        if (r.type == sname && r.ascii().empty()) r.fail("name", "\"\"", "a non-empty name");
      } else {
        r.require_count(1);
      }
      field = r;
    }
    const Record& end = r;
    auto need = [&](const std::optional<Record>& field, std::uint8_t type) -> const Record& {
      if (!field)
        end.fail("element " + start.name() + " without", record_name(type), "it before ENDEL");
      return *field;
    };
    if (start.type == text || start.type == node) {
      need(f.layer, layer);
      need(f.xy, xy);
      return;  // text and nodes are not geometry
    }
    const Record& points = need(f.xy, xy);
    std::vector<Point> p(points.count() / 2);
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] = {points.int32(2 * i), points.int32(2 * i + 1)};
      // -2^31 is a valid int32 but outside the symmetric range geometry.hpp guarantees.
      if (p[i].x < -max_coordinate || p[i].y < -max_coordinate)
        points.fail("point", p[i], "coordinates within ±(2^31 - 1)");
    }
    if (start.type == sref || start.type == aref) {
      reference(start, f, points, p, s);
      return;
    }
    const LayerKey key{std::uint16_t(need(f.layer, layer).int16(0)),
                       std::uint16_t(start.type == box ? need(f.boxtype, boxtype).int16(0)
                                                       : need(f.datatype, datatype).int16(0))};
    if (start.type == path) {
      path_element(start, f, points, std::move(p), key, s);
      return;
    }
    // BOUNDARY and BOX: a closed ring, the last point repeating the first.
    const std::size_t minimum = start.type == box ? 5 : 4;
    if (p.size() < minimum || (start.type == box && p.size() != 5))
      points.fail("point count", p.size(),
                  start.type == box ? "5 (a closed box)" : "at least 4 (a closed triangle)");
    if (!(p.front() == p.back()))
      points.fail(
          "last point", p.back(),
          "the first point " + ::fabtwin::describe(p.front()) + " repeated (a closed ring)");
    p.pop_back();
    Polygon polygon{std::move(p)};
    if (start.type == box) {
      // Points on one axis-parallel line cover nothing under any reading: degenerate. Others must
      // be the corners of a rectangle, in either turning order, each side parallel to an axis
      // (which also rules out crossings).
      const std::vector<Point>& q = polygon.points;
      const Box extent = bounds(polygon);
      if (extent.x0 == extent.x1 || extent.y0 == extent.y1) {
        keep_degenerate(DegenerateShape::Kind::zero_area_box, key, start,
                        std::move(polygon.points));
        return;
      }
      const bool across_first =
          q[0].y == q[1].y && q[1].x == q[2].x && q[2].y == q[3].y && q[3].x == q[0].x;
      const bool up_first =
          q[0].x == q[1].x && q[1].y == q[2].y && q[2].x == q[3].x && q[3].y == q[0].y;
      if (!(across_first || up_first))
        points.fail("box in structure '" + s.name + "'", describe_vertices(polygon),
                    "the corners of an axis-parallel rectangle (or points on one axis-parallel "
                    "line)");
      s.shapes.push_back(Shape{key, std::move(polygon), start.offset});
      return;
    }
    // A crossing is refused before the area is looked at: a sliver can cross itself too.
    if (const std::optional<Crossing> crossing = find_self_intersection(polygon))
      points.fail("polygon in structure '" + s.name + "'", describe(*crossing),
                  "a ring whose edges do not cross");
    if (!encloses_area(polygon)) {
      keep_degenerate(DegenerateShape::Kind::zero_area_boundary, key, start,
                      std::move(polygon.points));
      return;
    }
    s.shapes.push_back(Shape{key, std::move(polygon), start.offset});
  }

  /// Keeps a degenerate shape of the structure being parsed (it takes the next index).
  void keep_degenerate(DegenerateShape::Kind kind, LayerKey key, const Record& start,
                       std::vector<Point> points) {
    lib_.degenerate_.push_back(
        DegenerateShape{key, kind, lib_.structures_.size(), start.offset, std::move(points)});
  }

  void path_element(const Record& start, const Fields& f, const Record& points,
                    std::vector<Point> p, LayerKey key, Structure& s) {
    if (p.size() < 2) points.fail("point count", p.size(), "at least 2 for a PATH");
    Path path;
    path.points = std::move(p);
    if (f.pathtype) {
      const int type = f.pathtype->int16(0);
      if (type != 0 && type != 1 && type != 2 && type != 4)
        f.pathtype->fail("path type", type,
                         "0 (flush), 1 (round), 2 (half-width extension) or 4 "
                         "(custom extensions)");
      path.end = PathEnd(type);
    }
    // Without WIDTH the width is 0, as the manual defines.
    path.width = f.width ? f.width->int32(0) : 0;
    if (path.width < 0)
      f.width->fail("width", path.width,
                    "a positive width (absolute widths are not supported by this reader)");
    if (path.width == 0) {
      keep_degenerate(DegenerateShape::Kind::zero_width_path, key, start, std::move(path.points));
      return;
    }
    // BGNEXTN and ENDEXTN mean something only for path type 4; the manual has others ignore them.
    if (path.end == PathEnd::custom) {
      if (f.bgnextn) path.begin_extension = f.bgnextn->int32(0);
      if (f.endextn) path.end_extension = f.endextn->int32(0);
    }
    std::vector<Polygon> polygons;
    try {
      polygons = path_polygons(path);
    } catch (const invalid_argument& e) {
      start.fail("path in structure '" + s.name + "'", e.what(), "a path that can be outlined");
    }
    for (Polygon& polygon : polygons)
      s.shapes.push_back(Shape{key, std::move(polygon), start.offset});
  }

  void reference(const Record& start, const Fields& f, const Record& points,
                 const std::vector<Point>& p, Structure& s) {
    const bool array = start.type == record::aref;
    if (p.size() != (array ? 3u : 1u))
      points.fail("point count", p.size(), array ? "3 for an AREF" : "1 for an SREF");
    bool mirror = false;
    if (f.strans) {
      const auto bits = std::uint16_t(f.strans->int16(0));
      if (bits & 0x0006)
        f.strans->fail("flags", bits,
                       "no absolute magnification or angle (bits 13, 14 unsupported)");
      mirror = bits & 0x8000;
    }
    double magnification = 1, angle = 0;
    if (f.mag) {
      magnification = f.mag->real8(0);
      if (!(std::isfinite(magnification) && magnification > 0))
        f.mag->fail("magnification", magnification, "a positive finite factor");
    }
    if (f.angle) {
      angle = f.angle->real8(0);
      if (!std::isfinite(angle)) f.angle->fail("angle", angle, "a finite angle in degrees");
    }
    Reference ref;
    ref.offset = start.offset;
    ref.transform = Transform(mirror, magnification, angle, {double(p[0].x), double(p[0].y)});
    ref.array = array;
    if (array) {
      if (!f.colrow) start.fail("element AREF without", "COLROW", "it before ENDEL");
      const Record& colrow = *f.colrow;
      ref.columns = colrow.int16(0);
      ref.rows = colrow.int16(1);
      if (ref.columns < 1 || ref.rows < 1)
        colrow.fail("columns, rows", std::to_string(ref.columns) + ", " + std::to_string(ref.rows),
                    "counts between 1 and 32767");
      ref.column_span = {p[1].x - p[0].x, p[1].y - p[0].y};
      ref.row_span = {p[2].x - p[0].x, p[2].y - p[0].y};
      ref.offset_hull = ref.lattice_hull();
    }
    if (!f.sname) start.fail("element " + start.name() + " without", "SNAME", "it before ENDEL");
    const Record& name = *f.sname;
    pending_.push_back({lib_.structures_.size(), s.references.size(), name.ascii(), name});
    s.references.push_back(ref);
  }

  /// Binds reference names to structures, then orders structures children first, refusing cycles;
  /// collects the layers.
  void resolve() {
    std::set<LayerKey> keys;
    for (const Structure& s : lib_.structures_)
      for (const Shape& shape : s.shapes) keys.insert(shape.key);
    for (const DegenerateShape& d : lib_.degenerate_) keys.insert(d.key);
    lib_.layers_.assign(keys.begin(), keys.end());
    for (const Pending& p : pending_) {
      const std::optional<std::size_t> target = lib_.find(p.name);
      if (!target) p.record.fail("reference to", p.name, "the name of a structure in the library");
      lib_.structures_[p.parent].references[p.index].structure = *target;
    }
    const std::size_t n = lib_.structures_.size();
    enum : char { unseen, open, done };
    std::vector<char> state(n, unseen);
    std::vector<std::pair<std::size_t, std::size_t>> stack;  // structure, next reference
    for (std::size_t root = 0; root < n; ++root) {
      if (state[root] != unseen) continue;
      stack.push_back({root, 0});
      state[root] = open;
      while (!stack.empty()) {
        auto& [s, next] = stack.back();
        const std::vector<Reference>& refs = lib_.structures_[s].references;
        if (next == refs.size()) {
          state[s] = done;
          lib_.children_first_.push_back(s);
          stack.pop_back();
          continue;
        }
        const Reference& ref = refs[next++];
        if (state[ref.structure] == open) {
          std::string cycle;
          bool on = false;
          for (const auto& entry : stack) {
            on = on || entry.first == ref.structure;
            if (on) cycle += lib_.structures_[entry.first].name + " -> ";
          }
          cycle += lib_.structures_[ref.structure].name;
          std::ostringstream message;
          message << "fabtwin::layout::gdsii: byte offset " << ref.offset << ", record "
                  << (ref.array ? "AREF" : "SREF") << ": reference cycle = " << cycle
                  << "; expected an acyclic hierarchy";
          throw io_error(message.str());
        }
        if (state[ref.structure] == unseen) {
          state[ref.structure] = open;
          stack.push_back({ref.structure, 0});
        }
      }
    }
  }

  struct Pending {
    std::size_t parent, index;
    std::string name;
    Record record;
  };

  RecordReader in_;
  std::string_view stream_;
  Library lib_;
  std::vector<Pending> pending_;
};

/// Parses a GDSII stream held in memory.
inline Library parse_library(std::string_view stream) { return Parser(stream).run(); }

/// Reads and parses a GDSII file; io_error naming the path and the reason when it cannot be read,
/// and the parser's io_error with the path added when its content is malformed.
inline Library read_library(const std::filesystem::path& file) {
  const std::string bytes = io::detail::read_file(file, "layout::gdsii::read_library");
  try {
    return parse_library(bytes);
  } catch (const io_error& e) {
    throw io_error(std::string(e.what()) + " (in '" + file.string() + "')");
  }
}

}  // namespace fabtwin::layout::gdsii