#pragma once
// GDSII stream reader: a Library of structures (cells), flattened for chosen layers into a
// PolygonSet, whole or through a window. Reference: Calma GDSII Stream Format Manual, release 6.0.
//
// What is read: BOUNDARY, PATH (PATHTYPE 0, 1, 2, 4 with WIDTH, BGNEXTN, ENDEXTN), BOX (its BOXTYPE
// taken as the datatype, as layout editors do), SREF and AREF with STRANS/MAG/ANGLE. TEXT and NODE
// elements, properties (PROPATTR/PROPVALUE), ELFLAGS, PLEX and the optional library header records
// are checked and skipped. Paths become polygons at read time (shapes.hpp), in the structure's own
// coordinates, so that a magnified placement scales the width too, as the format defines.
// Not supported, and refused with an io_error rather than drawn wrongly: absolute magnification or
// angle (STRANS bits 13, 14) and absolute path widths (negative WIDTH).
//
// Checked at read time, each as an io_error naming the byte offset and the record: truncation,
// record lengths, unknown records, data types, value counts, XY point counts and closure, self-
// crossing boundaries, references to undefined structures and reference cycles. So a Library that
// exists is well formed: flattening it can only fail when a placement moves a coordinate beyond
// ±max_coordinate (io_error naming the reference) or when it exceeds FlattenLimits.

#include <algorithm>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/layout/gdsii_records.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/predicates.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/transform.hpp"

namespace fabtwin::layout::gdsii {

/// A layer and datatype pair (0..65535 each: read as unsigned, as most tools do).
struct LayerKey {
  std::uint16_t layer = 0, datatype = 0;
  // == spelled out: nvcc 13 does not define the == that a defaulted <=> implies ("used but never
  // defined" from its host pass).
  friend bool operator==(const LayerKey&, const LayerKey&) = default;
  friend auto operator<=>(const LayerKey&, const LayerKey&) = default;
  friend std::ostream& operator<<(std::ostream& out, const LayerKey& key) {
    return out << key.layer << '/' << key.datatype;
  }
};

/// UNITS: the database unit in metres and the user unit in metres.
struct Units {
  double user_unit_m = 1e-6;
  double database_unit_m = 1e-9;
  double unit_nm() const { return database_unit_m * 1e9; }
};

struct Shape {
  LayerKey key;
  Polygon polygon;         // ring without the closing point, as stored (any orientation)
  std::size_t offset = 0;  // byte offset of the element's first record
};

struct Reference {
  std::size_t structure = 0;  // index into Library::structures()
  Transform transform;        // STRANS/MAG/ANGLE, translated to the (first) reference point
  std::int32_t columns = 1, rows = 1;  // AREF COLROW; 1 x 1 for an SREF
  Point column_span{}, row_span{};      // AREF: P2 − P1 and P3 − P1, the whole array's extent
  std::size_t offset = 0;               // byte offset of the SREF/AREF record
  bool array = false;                   // AREF

  /// Placement of instance (column c, row r): the array points are already in the parent's
  /// coordinates, so the lattice offset P1 + c·(P2 − P1)/columns + r·(P3 − P1)/rows is added after
  /// the reflection, magnification and rotation. An offset that is not a whole number of units is
  /// rounded to the nearest unit (halves away from zero).
  Transform instance(std::int64_t c, std::int64_t r) const {
    auto step = [](std::int64_t span, std::int64_t k, std::int64_t n) {
      const std::int64_t num = span * k;  // |span| < 2^33, k < 2^15
      const std::int64_t q = num / n, rem = num % n;
      return double(q + (2 * (rem < 0 ? -rem : rem) >= n ? (num < 0 ? -1 : 1) : 0));
    };
    const auto [tx, ty] = transform.offset();
    return Transform(transform.mirror_x(), transform.magnification(), transform.angle_degrees(),
                     {tx + step(column_span.x, c, columns) + step(row_span.x, r, rows),
                      ty + step(column_span.y, c, columns) + step(row_span.y, r, rows)});
  }
};

struct Structure {
  std::string name;
  std::vector<Shape> shapes;
  std::vector<Reference> references;
  std::size_t offset = 0;  // byte offset of BGNSTR
};

/// Guards flattening against hierarchies that expand beyond memory (deeply nested arrays).
struct FlattenLimits {
  /// The most instances entered plus polygons emitted; exceeding it throws invalid_argument.
  std::size_t max_visits = std::size_t(1) << 26;
};

namespace detail {

/// Bounding box of `box` under `t`, never throwing: corners are mapped in floating point and the
/// box is widened outward and saturated at ±2^62, so that it can only over-approximate.
inline Box transformed_bounds(const Transform& t, const Box& box) {
  Box out;
  if (box.empty()) return out;
  constexpr double limit = 4611686018427387904.0;  // 2^62
  auto clamp = [&](double v) { return coord_t(v < -limit ? -limit : v > limit ? limit : v); };
  for (const Point& corner : {Point{box.x0, box.y0}, Point{box.x1, box.y0}, Point{box.x0, box.y1},
                              Point{box.x1, box.y1}}) {
    const auto [x, y] = t.apply_unrounded(corner);
    out.include(Point{clamp(std::floor(x)), clamp(std::floor(y))});
    out.include(Point{clamp(std::ceil(x)), clamp(std::ceil(y))});
  }
  return out;
}

/// Bounds of every instance of `ref` of a child whose bounds are `child` (the corner instances of
/// an array span all the others, the lattice offsets being monotone in c and r).
inline Box reference_bounds(const Reference& ref, const Box& child) {
  Box out;
  if (child.empty()) return out;
  for (std::int64_t c : {std::int64_t(0), std::int64_t(ref.columns - 1)})
    for (std::int64_t r : {std::int64_t(0), std::int64_t(ref.rows - 1)})
      out.include(transformed_bounds(ref.instance(c, r), child));
  return out;
}

}  // namespace detail

class Library {
 public:
  const std::string& name() const { return name_; }
  const Units& units() const { return units_; }
  /// Size of one database unit in nm: the unit of every coordinate read.
  double unit_nm() const { return units_.unit_nm(); }
  const std::vector<Structure>& structures() const { return structures_; }

  std::optional<std::size_t> find(std::string_view name) const {
    const auto it = index_.find(std::string(name));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  const Structure& structure(std::string_view name) const {
    return structures_[require_structure(name, "layout::gdsii::Library::structure")];
  }

  /// Structures no other structure references, in file order.
  std::vector<std::string> top_cells() const {
    std::vector<bool> referenced(structures_.size(), false);
    for (const Structure& s : structures_)
      for (const Reference& r : s.references) referenced[r.structure] = true;
    std::vector<std::string> tops;
    for (std::size_t i = 0; i < structures_.size(); ++i)
      if (!referenced[i]) tops.push_back(structures_[i].name);
    return tops;
  }

  /// The unique top cell; invalid_argument when there are none or several (name one instead).
  std::string top_cell() const {
    const std::vector<std::string> tops = top_cells();
    if (tops.size() != 1) {
      std::string list;
      for (const std::string& t : tops) list += (list.empty() ? "" : ", ") + t;
      throw invalid_argument(::fabtwin::detail::argument_message(
          "layout::gdsii::Library::top_cell", "top cells", "{" + list + "}",
          "exactly one structure that no other references (pass the top cell's name)"));
    }
    return tops.front();
  }

  /// Every layer/datatype pair that holds a shape in some structure, sorted.
  std::vector<LayerKey> layers() const {
    std::set<LayerKey> keys;
    for (const Structure& s : structures_)
      for (const Shape& shape : s.shapes) keys.insert(shape.key);
    return {keys.begin(), keys.end()};
  }

  /// Bounds of structure `name` flattened for `layers` (empty when nothing is on them).
  Box bounding_box(std::string_view name, const std::vector<LayerKey>& layers) const {
    const std::size_t s = require_structure(name, "layout::gdsii::Library::bounding_box");
    return (*structure_bounds(selection(layers, "layout::gdsii::Library::bounding_box")))[s];
  }

  /// Every polygon on `layers` in `top` (default: the unique top cell) with all placements applied,
  /// in units of unit_nm(), oriented counter-clockwise.
  PolygonSet flatten(const std::vector<LayerKey>& layers, std::string_view top = {},
                     const FlattenLimits& limits = {}) const {
    return collect(layers, top, std::nullopt, limits, "layout::gdsii::Library::flatten");
  }

  /// The polygons of flatten() that share a point with the closed `window` (database units).
  /// Each structure's bounds are computed once per layer selection and kept, so instances wholly
  /// outside the window are never expanded and many windows over one library stay cheap.
  /// Polygons are kept whole, not clipped: callers rasterising the window crop them anyway. An empty
  /// result is not an error; a window of zero area is.
  PolygonSet read_window(const Box& window, const std::vector<LayerKey>& layers,
                         std::string_view top = {}, const FlattenLimits& limits = {}) const {
    ::fabtwin::detail::require(!window.empty() && window.x0 < window.x1 && window.y0 < window.y1,
                               "layout::gdsii::Library::read_window", "window", window,
                               "a box of positive area");
    return collect(layers, top, window, limits, "layout::gdsii::Library::read_window");
  }

 private:
  friend class Parser;

  std::size_t require_structure(std::string_view name, std::string_view where) const {
    const std::optional<std::size_t> s = find(name);
    if (!s)
      throw invalid_argument(::fabtwin::detail::argument_message(
          where, "structure", std::string(name), "the name of a structure in the library"));
    return *s;
  }

  static std::set<LayerKey> selection(const std::vector<LayerKey>& layers, std::string_view where) {
    ::fabtwin::detail::require(!layers.empty(), where, "layers", "{}",
                               "at least one layer/datatype (Library::layers() lists them)");
    return {layers.begin(), layers.end()};
  }

  /// Bounds of every structure for the selected layers, computed once per selection (children
  /// first, in topological order) and kept, so that reading many windows costs only the instances
  /// near each window.
  std::shared_ptr<const std::vector<Box>> structure_bounds(const std::set<LayerKey>& keys) const {
    {
      const std::lock_guard<std::mutex> lock(cache_->mutex);
      const auto it = cache_->boxes.find(keys);
      if (it != cache_->boxes.end()) return it->second;
    }
    auto computed = std::make_shared<std::vector<Box>>(structures_.size());
    std::vector<Box>& boxes = *computed;
    for (const std::size_t s : children_first_) {
      Box& box = boxes[s];
      for (const Shape& shape : structures_[s].shapes)
        if (keys.count(shape.key)) box.include(bounds(shape.polygon));
      for (const Reference& ref : structures_[s].references)
        box.include(detail::reference_bounds(ref, boxes[ref.structure]));
    }
    const std::lock_guard<std::mutex> lock(cache_->mutex);
    return cache_->boxes.emplace(keys, std::move(computed)).first->second;
  }

  PolygonSet collect(const std::vector<LayerKey>& layers, std::string_view top_name,
                     const std::optional<Box>& window, const FlattenLimits& limits,
                     std::string_view where) const {
    const std::set<LayerKey> keys = selection(layers, where);
    const std::size_t top =
        top_name.empty() ? require_structure(top_cell(), where) : require_structure(top_name, where);
    const std::shared_ptr<const std::vector<Box>> cached = structure_bounds(keys);
    const std::vector<Box>& boxes = *cached;
    PolygonSet out;
    out.unit_nm = unit_nm();
    std::size_t visits = 0;
    auto visit = [&] {
      if (++visits > limits.max_visits)
        throw invalid_argument(::fabtwin::detail::argument_message(
            where, "limits.max_visits", limits.max_visits,
            "a limit above the instances plus polygons this hierarchy expands to"));
    };
    auto emit = [&](std::size_t s, const Transform& t) {
      for (const Shape& shape : structures_[s].shapes) {
        if (!keys.count(shape.key)) continue;
        Polygon placed;
        placed.points.reserve(shape.polygon.points.size());
        for (const Point& p : shape.polygon.points) {
          const std::optional<Point> q = t.try_apply(p);
          if (!q) {
            std::ostringstream out_of_range;
            out_of_range << "fabtwin::layout::gdsii: byte offset " << shape.offset
                         << ", element of structure '" << structures_[s].name << "': point " << p
                         << " placed by " << t << " into '" << structures_[top].name
                         << "'; expected coordinates within ±2^31 - 1 after the transforms";
            throw io_error(out_of_range.str());
          }
          placed.points.push_back(*q);
        }
        if (window && !intersects(placed, *window)) continue;
        visit();
        out.polygons.push_back(std::move(placed));
      }
    };
    // Depth-first with an explicit stack of frames (the recursion depth of a file is not bounded by
    // anything a caller controls), expanding array instances one at a time.
    struct Frame {
      std::size_t structure;
      Transform transform;
      std::size_t reference = 0;
      std::int64_t instance = 0;
    };
    if (boxes[top].empty() || (window && !boxes[top].intersects(*window))) return out;
    emit(top, Transform());
    std::vector<Frame> stack{{top, Transform()}};
    while (!stack.empty()) {
      Frame& frame = stack.back();
      const Structure& parent = structures_[frame.structure];
      if (frame.reference == parent.references.size()) {
        stack.pop_back();
        continue;
      }
      const Reference& ref = parent.references[frame.reference];
      const std::int64_t count = std::int64_t(ref.columns) * ref.rows;
      const Box& child_box = boxes[ref.structure];
      bool skip = frame.instance == count || child_box.empty();
      if (!skip && frame.instance == 0 && window)
        skip = !detail::transformed_bounds(frame.transform, detail::reference_bounds(ref, child_box))
                    .intersects(*window);
      if (skip) {
        ++frame.reference;
        frame.instance = 0;
        continue;
      }
      const std::int64_t k = frame.instance++;
      Transform placement;
      try {
        placement = compose(frame.transform, ref.instance(k % ref.columns, k / ref.columns));
      } catch (const invalid_argument& e) {
        std::ostringstream message;
        message << "fabtwin::layout::gdsii: byte offset " << ref.offset << ", reference to '"
                << structures_[ref.structure].name << "' in '" << parent.name
                << "': placement beyond the coordinate range (" << e.what() << ")";
        throw io_error(message.str());
      }
      if (window && !detail::transformed_bounds(placement, child_box).intersects(*window)) continue;
      visit();
      const std::size_t child = ref.structure;  // `frame` dies at the push below
      emit(child, placement);
      stack.push_back({child, placement});
    }
    normalise_orientation(out);
    return out;
  }

  std::string name_;
  Units units_;
  std::vector<Structure> structures_;
  std::map<std::string, std::size_t> index_;
  std::vector<std::size_t> children_first_;  // structures in an order where children come first
  struct BoundsCache {
    std::mutex mutex;
    std::map<std::set<LayerKey>, std::shared_ptr<const std::vector<Box>>> boxes;
  };
  // Shared by copies of the Library, whose structures never change after parsing.
  std::shared_ptr<BoundsCache> cache_ = std::make_shared<BoundsCache>();
};

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
      case boundary: allowed = {layer, datatype, xy}; break;
      case path: allowed = {layer, datatype, pathtype, width, bgnextn, endextn, xy}; break;
      case sref: allowed = {sname, strans, mag, angle, xy}; break;
      case aref: allowed = {sname, strans, mag, angle, colrow, xy}; break;
      case text:
        allowed = {layer, texttype, presentation, pathtype, width, strans, mag, angle, xy, string};
        break;
      case node: allowed = {layer, nodetype, xy}; break;
      case box: allowed = {layer, boxtype, xy}; break;
      default:
        start.fail("record", start.name(),
                   "an element (BOUNDARY, PATH, SREF, AREF, TEXT, NODE, BOX) or ENDSTR");
    }
    Fields f;
    auto slot = [&](std::uint8_t type) -> std::optional<Record>& {
      switch (type) {
        case layer: return f.layer;
        case datatype: return f.datatype;
        case pathtype: return f.pathtype;
        case width: return f.width;
        case bgnextn: return f.bgnextn;
        case endextn: return f.endextn;
        case sname: return f.sname;
        case strans: return f.strans;
        case mag: return f.mag;
        case angle: return f.angle;
        case colrow: return f.colrow;
        case xy: return f.xy;
        case texttype: return f.texttype;
        case presentation: return f.presentation;
        case string: return f.string;
        case nodetype: return f.nodetype;
        default: return f.boxtype;
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
      if (!field) end.fail("element " + start.name() + " without", record_name(type), "it before ENDEL");
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
      points.fail("last point", p.back(), "the first point " + ::fabtwin::detail::describe(p.front()) +
                                              " repeated (a closed ring)");
    p.pop_back();
    Polygon polygon{std::move(p)};
    if (const std::optional<Crossing> crossing = find_self_intersection(polygon))
      points.fail("polygon in structure '" + s.name + "'", describe(*crossing),
                  "a ring whose edges do not cross");
    s.shapes.push_back(Shape{key, std::move(polygon), start.offset});
  }

  void path_element(const Record& start, const Fields& f, const Record& points,
                    std::vector<Point> p, LayerKey key, Structure& s) {
    if (p.size() < 2) points.fail("point count", p.size(), "at least 2 for a PATH");
    Path path;
    path.points = std::move(p);
    if (f.pathtype) {
      const int type = f.pathtype->int16(0);
      if (type != 0 && type != 1 && type != 2 && type != 4)
        f.pathtype->fail("path type", type, "0 (flush), 1 (round), 2 (half-width extension) or 4 "
                                            "(custom extensions)");
      path.end = PathEnd(type);
    }
    if (f.width) {
      path.width = f.width->int32(0);
      if (path.width < 0)
        f.width->fail("width", path.width,
                      "a non-negative width (absolute widths are not supported by this reader)");
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
    for (Polygon& polygon : polygons) s.shapes.push_back(Shape{key, std::move(polygon), start.offset});
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
        f.strans->fail("flags", bits, "no absolute magnification or angle (bits 13, 14 unsupported)");
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
    }
    if (!f.sname) start.fail("element " + start.name() + " without", "SNAME", "it before ENDEL");
    const Record& name = *f.sname;
    pending_.push_back({lib_.structures_.size(), s.references.size(), name.ascii(), name});
    s.references.push_back(ref);
  }

  /// Binds reference names to structures, then orders structures children first, refusing cycles.
  void resolve() {
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
                  << (ref.array ? "AREF" : "SREF")
                  << ": reference cycle = " << cycle << "; expected an acyclic hierarchy";
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
