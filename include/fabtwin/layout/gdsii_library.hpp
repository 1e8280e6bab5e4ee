#pragma once
// The GDSII Library as read (gdsii_reader.hpp parses it): structures (cells) with their shapes and
// references, the layers they hold, and the shapes that cover no area; flattened for chosen layers
// into a PolygonSet, whole (flatten) or through a window (read_window), or bounded without
// flattening (bounding_box). Reference: Calma GDSII Stream Format Manual, release 6.0.
//
// Degenerate shapes are kept, not refused: well-formed elements that cover no area. A BOUNDARY of
// zero area (points on one line, a sliver traced out and back; encloses_area in predicates.hpp),
// a BOX whose points all lie on one axis-parallel line (zero area under either reading the reader
// weighs) and a PATH of width 0 (WIDTH 0, or no WIDTH, whose default is 0: a line, as annotation,
// guide and text layers draw them). Real layouts carry them on layers nobody simulates, so they are
// listed in Library::degenerate_shapes() (their layers in layers()) and refused only when they
// matter: by flatten, read_window and bounding_box, with an io_error naming the shape, when a
// selected layer holds one in a structure the chosen top cell reaches. Flattening it would drop
// it without a word. A selection of other layers reads as if they were not there.
//
// A Library is made only by the parser, which refuses everything that makes a file unreadable or
// its geometry ambiguous (gdsii_reader.hpp lists it). So a Library that exists is well formed:
// flattening it can only fail on a degenerate shape in the selection (io_error), when a placement
// moves a coordinate beyond ±max_coordinate (io_error naming the reference), when it exceeds
// FlattenLimits, or when the selection asks for nothing there is (invalid_argument: a layer no
// structure holds, a top cell with nothing on the layers, a window off the top cell's bounds).

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
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

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/predicates.hpp"
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

/// A well-formed BOUNDARY, BOX or PATH that covers no area (see the file comment): kept by the
/// parser, refused by flatten, read_window and bounding_box when the selection reaches it.
struct DegenerateShape {
  enum class Kind {
    zero_area_boundary,  // a ring that encloses no area
    zero_area_box,       // points all on one axis-parallel line
    zero_width_path,     // WIDTH 0 or no WIDTH: a line
  };
  LayerKey key;
  Kind kind = Kind::zero_area_boundary;
  std::size_t structure = 0;  // index into Library::structures()
  std::size_t offset = 0;     // byte offset of the element's first record (BOUNDARY, BOX, PATH)
  std::vector<Point> points;  // the ring without its closing point, or the path's centre line

  /// The element's record name: "BOUNDARY", "BOX" or "PATH".
  std::string element() const {
    switch (kind) {
      case Kind::zero_area_boundary:
        return "BOUNDARY";
      case Kind::zero_area_box:
        return "BOX";
      default:
        return "PATH";
    }
  }
  /// What is wrong, with the vertices: "width 0 along (0, 0) (5, 0)".
  std::string problem() const {
    const std::string vertices = describe_vertices(Polygon{points});
    switch (kind) {
      case Kind::zero_area_boundary:
        return "zero area, vertices " + vertices;
      case Kind::zero_area_box:
        return "zero area, corners " + vertices;
      default:
        return "width 0 along " + vertices;
    }
  }
  /// What a shape of this element must be to cover something.
  std::string expected() const {
    switch (kind) {
      case Kind::zero_area_boundary:
        return "a ring that encloses some area, not points all on one line or a sliver traced out "
               "and back";
      case Kind::zero_area_box:
        return "the corners of an axis-parallel rectangle of positive area";
      default:
        return "a positive width (a path of width 0 is a line, which covers nothing)";
    }
  }
};

namespace detail {

/// A point in floating point: a vertex mapped through placements, not yet rounded.
using RealPoint = std::array<double, 2>;

/// Convex hull of `points`, counter-clockwise, without repeats (Andrew's monotone chain; one or two
/// points when they do not span an area). The orientation tests are in double: a point within
/// rounding of a hull edge (about 2^-52 of the coordinates' span) may be left out, which moves no
/// extreme of the hull by more than that.
inline std::vector<RealPoint> convex_hull(std::vector<RealPoint> points) {
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  if (points.size() < 3) return points;
  auto cross = [](const RealPoint& o, const RealPoint& a, const RealPoint& b) {
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  };
  std::vector<RealPoint> hull(2 * points.size());
  std::size_t k = 0;
  for (const RealPoint& p : points) {  // lower chain, left to right
    while (k >= 2 && cross(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (std::size_t i = points.size() - 1, lower = k + 1; i-- > 0;) {  // upper chain, back
    while (k >= lower && cross(hull[k - 2], hull[k - 1], points[i]) <= 0) --k;
    hull[k++] = points[i];
  }
  hull.resize(k - 1);  // the last point repeats the first
  return hull;
}

}  // namespace detail

struct Reference {
  std::size_t structure = 0;  // index into Library::structures()
  Transform transform;        // STRANS/MAG/ANGLE, translated to the (first) reference point
  std::int32_t columns = 1, rows = 1;  // AREF COLROW; 1 x 1 for an SREF
  Point column_span{}, row_span{};     // AREF: P2 − P1 and P3 − P1, the whole array's extent
  std::size_t offset = 0;              // byte offset of the SREF/AREF record
  bool array = false;                  // AREF
  /// lattice_hull(), kept by the parser for an AREF (empty for an SREF: the one offset (0, 0)).
  std::vector<detail::RealPoint> offset_hull;

  /// Lattice offset of instance (column c, row r) from the first reference point:
  /// c·(P2 − P1)/columns + r·(P3 − P1)/rows, each term rounded to the nearest unit (halves away from
  /// zero) when it is not a whole number of units.
  detail::RealPoint lattice_offset(std::int64_t c, std::int64_t r) const {
    return {step(column_span.x, c, columns) + step(row_span.x, r, rows),
            step(column_span.y, c, columns) + step(row_span.y, r, rows)};
  }

  /// Placement of instance (column c, row r): the array points are already in the parent's
  /// coordinates, so the lattice offset is added after the reflection, magnification and rotation.
  Transform instance(std::int64_t c, std::int64_t r) const {
    const auto [tx, ty] = transform.offset();
    const auto [ox, oy] = lattice_offset(c, r);
    return Transform(transform.mirror_x(), transform.magnification(), transform.angle_degrees(),
                     {tx + ox, ty + oy});
  }

  /// Convex hull of the lattice offsets of all instances ((0, 0) for an SREF). Rounded offsets
  /// need not lie on a parallelogram, so the corners alone do not bound them in every direction;
  /// the set is {column offsets} + {row offsets}, whose hull is the sum of the two hulls.
  std::vector<detail::RealPoint> lattice_hull() const {
    auto line = [](Point span, std::int64_t n) {
      std::vector<detail::RealPoint> points;
      for (std::int64_t k = 0; k < n; ++k)
        points.push_back({step(span.x, k, n), step(span.y, k, n)});
      return detail::convex_hull(std::move(points));
    };
    const std::vector<detail::RealPoint> across = line(column_span, columns),
                                         up = line(row_span, rows);
    std::vector<detail::RealPoint> sums;
    for (const auto& [ax, ay] : across)
      for (const auto& [bx, by] : up) sums.push_back({ax + bx, ay + by});
    return detail::convex_hull(std::move(sums));
  }

 private:
  static double step(std::int64_t span, std::int64_t k, std::int64_t n) {
    const std::int64_t num = span * k;  // |span| < 2^33, k < 2^15
    const std::int64_t q = num / n, rem = num % n;
    return double(q + (2 * (rem < 0 ? -rem : rem) >= n ? (num < 0 ? -1 : 1) : 0));
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

/// Limit of the coordinates a Hull keeps: far beyond what flattening accepts (±2^31 − 1), and small
/// enough that no placement (magnification below 16^63) can overflow a double from it.
inline constexpr double hull_limit = 4611686018427387904.0;  // 2^62

inline coord_t saturate(double v) {
  return coord_t(v < -hull_limit ? -hull_limit : v > hull_limit ? hull_limit : v);
}

/// The convex hull of a structure's vertices on a layer selection, in its own coordinates, with every
/// placement applied and nothing rounded. The hull of a mapped set is the mapped hull, so a parent's
/// hull is built from its own vertices and its children's hulls without flattening (arrays add the
/// hull of their lattice offsets). `saturated`: some hierarchy level reached ±2^62 (nested
/// magnifications far beyond any layout), where the points are clamped and the hull says nothing.
struct Hull {
  std::vector<RealPoint> points;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // extent of `points` (when not empty)
  bool saturated = false;

  bool empty() const { return points.empty(); }
  void add(double x, double y) {
    if (!(std::fabs(x) <= hull_limit && std::fabs(y) <= hull_limit)) {
      saturated = true;
      x = double(saturate(x)), y = double(saturate(y));
    }
    points.push_back({x, y});
  }
  /// Replaces `points` by their hull and records the extent.
  void close() {
    points = convex_hull(std::move(points));
    if (points.empty()) return;
    x0 = x1 = points[0][0], y0 = y1 = points[0][1];
    for (const auto& [x, y] : points)
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
};

/// Appends to `out` the images of `child`'s hull under every instance of `ref`: a vertex mapped by
/// the reference's transform plus each vertex of the hull of the lattice offsets.
inline void add_instances(const Reference& ref, const Hull& child, Hull& out) {
  static const std::vector<RealPoint> single{{0.0, 0.0}};
  const std::vector<RealPoint>& offsets = ref.array ? ref.offset_hull : single;
  for (const RealPoint& v : child.points) {
    const auto [x, y] = ref.transform.apply_unrounded(v);
    for (const auto& [ox, oy] : offsets) out.add(x + ox, y + oy);
  }
  out.saturated = out.saturated || child.saturated;
}

/// The bounds flatten() gives the hull's vertices: each extreme rounded to the nearest unit, halves
/// away from zero, as every flattened vertex is (rounding is monotone, so the extremes of the
/// rounded vertices are the rounded extremes). Everything, [−2^62, 2^62]^2, for a saturated hull.
inline Box rounded_bounds(const Hull& hull) {
  if (hull.empty()) return {};
  if (hull.saturated) {
    const coord_t limit = saturate(hull_limit);
    return Box{-limit, -limit, limit, limit};
  }
  return Box{saturate(std::round(hull.x0)), saturate(std::round(hull.y0)),
             saturate(std::round(hull.x1)), saturate(std::round(hull.y1))};
}

/// A box holding every rounded image under `t` of the hull's points, never throwing: the mapped
/// vertices' floors and ceilings (half a unit to spare for the floating-point routes, which differ
/// by far less), saturated at ±2^62. Under a rotation by a multiple of 90° the image of the hull's
/// extent box bounds the same, from four corners instead of every vertex.
inline Box covering_bounds(const Transform& t, const Hull& hull) {
  Box out;
  if (hull.empty()) return out;
  if (hull.saturated) return rounded_bounds(hull);
  auto include = [&](const RealPoint& v) {
    const auto [x, y] = t.apply_unrounded(v);
    out.include(Point{saturate(std::floor(x)), saturate(std::floor(y))});
    out.include(Point{saturate(std::ceil(x)), saturate(std::ceil(y))});
  };
  if (std::fmod(t.angle_degrees(), 90.0) == 0) {
    for (const RealPoint& corner : {RealPoint{hull.x0, hull.y0}, RealPoint{hull.x1, hull.y0},
                                    RealPoint{hull.x0, hull.y1}, RealPoint{hull.x1, hull.y1}})
      include(corner);
  } else {
    for (const RealPoint& v : hull.points) include(v);
  }
  return out;
}

}  // namespace detail

class Parser;  // gdsii_reader.hpp: the one maker of a Library

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
      throw invalid_argument(argument_message(
          "layout::gdsii::Library::top_cell", "top cells", "{" + list + "}",
          "exactly one structure that no other references (pass the top cell's name)"));
    }
    return tops.front();
  }

  /// Every layer/datatype pair that holds a shape, degenerate or not, in some structure, sorted.
  const std::vector<LayerKey>& layers() const { return layers_; }

  /// The shapes that cover no area (see the file comment), in file order: a tool can report them,
  /// and leave their layers out of the selection when they are not needed.
  const std::vector<DegenerateShape>& degenerate_shapes() const { return degenerate_; }

  /// Bounds of structure `name` flattened for `layers`: the bounds of flatten(layers, name)'s
  /// polygons, under any placement (angle, magnification, reflection, arrays), without flattening;
  /// empty when the structure holds nothing on them. Both round the same unrounded coordinates, but
  /// reach them along different floating-point routes (flatten composes the transforms first; the
  /// hulls here map vertices level by level), so an extreme within about 1e-6 units of a half unit
  /// could round the other way: a tie that exact arithmetic only produces with magnifications off
  /// the integers composed into rotations on the 90° lattice from angles off it. A hierarchy whose
  /// intermediate coordinates pass ±2^62 gets [−2^62, 2^62]^2. invalid_argument for an unknown
  /// structure or a layer no structure holds; io_error, as flatten, when `name` reaches a
  /// degenerate shape on `layers` (bounds that leave it out would be bounds of a layout the file
  /// does not hold).
  Box bounding_box(std::string_view name, const std::vector<LayerKey>& layers) const {
    constexpr std::string_view where = "layout::gdsii::Library::bounding_box";
    const std::size_t s = require_structure(name, where);
    const std::set<LayerKey> keys = selection(layers, where);
    require_no_degenerate(s, keys, where);
    return detail::rounded_bounds((*structure_hulls(keys))[s]);
  }

  /// Every polygon on `layers` in `top` (default: the unique top cell) with all placements applied,
  /// in units of unit_nm(), oriented counter-clockwise. invalid_argument for a layer no structure
  /// holds (the message lists layers()) and for a top cell that holds nothing on `layers` (it lists
  /// the layers the top cell does hold): a selection that can only give nothing is a mistake.
  /// io_error when a structure that `top` reaches holds a degenerate shape on `layers` (the first
  /// in file order is named, with its layer, structure, element and byte offset): it would be
  /// dropped without a word. Degenerate shapes on other layers, or in structures `top` does not
  /// reach, do not matter.
  PolygonSet flatten(const std::vector<LayerKey>& layers, std::string_view top = {},
                     const FlattenLimits& limits = {}) const {
    return collect(layers, top, std::nullopt, limits, "layout::gdsii::Library::flatten");
  }

  /// The polygons of flatten() that share a point with the closed `window` (database units).
  /// Each structure's hull is computed once per layer selection and kept, so instances wholly
  /// outside the window are never expanded and many windows over one library stay cheap.
  /// Polygons are kept whole, not clipped: callers rasterising the window crop them anyway. A window
  /// inside the layout that meets no polygon gives an empty set; invalid_argument, besides flatten's
  /// refusals, for a window of zero area and for one that does not meet the top cell's bounds
  /// (bounding_box) on `layers`, naming both.
  PolygonSet read_window(const Box& window, const std::vector<LayerKey>& layers,
                         std::string_view top = {}, const FlattenLimits& limits = {}) const {
    require(!window.empty() && window.x0 < window.x1 && window.y0 < window.y1,
            "layout::gdsii::Library::read_window", "window", window, "a box of positive area");
    return collect(layers, top, window, limits, "layout::gdsii::Library::read_window");
  }

 private:
  friend class Parser;

  std::size_t require_structure(std::string_view name, std::string_view where) const {
    const std::optional<std::size_t> s = find(name);
    if (!s)
      throw invalid_argument(argument_message(where, "structure", std::string(name),
                                              "the name of a structure in the library"));
    return *s;
  }

  static std::string describe_layers(const std::vector<LayerKey>& keys) {
    std::ostringstream out;
    out << '{';
    for (std::size_t i = 0; i < keys.size(); ++i) out << (i ? ", " : "") << keys[i];
    out << '}';
    return out.str();
  }

  /// The layers as a set; invalid_argument for an empty list or a layer that no structure holds.
  std::set<LayerKey> selection(const std::vector<LayerKey>& layers, std::string_view where) const {
    require(!layers.empty(), where, "layers", "{}",
            "at least one layer/datatype (Library::layers() lists them)");
    for (const LayerKey& key : layers)
      if (!std::binary_search(layers_.begin(), layers_.end(), key))
        throw invalid_argument(
            argument_message(where, "layer", key,
                             "a layer/datatype that some structure holds: the library has " +
                                 describe_layers(layers_)));
    return {layers.begin(), layers.end()};
  }

  /// Hulls of every structure for the selected layers, computed once per selection (children first,
  /// in topological order) and kept, so that reading many windows costs only the instances near
  /// each window.
  std::shared_ptr<const std::vector<detail::Hull>> structure_hulls(
      const std::set<LayerKey>& keys) const {
    {
      const std::lock_guard<std::mutex> lock(cache_->mutex);
      const auto it = cache_->hulls.find(keys);
      if (it != cache_->hulls.end()) return it->second;
    }
    auto computed = std::make_shared<std::vector<detail::Hull>>(structures_.size());
    std::vector<detail::Hull>& hulls = *computed;
    for (const std::size_t s : children_first_) {
      detail::Hull& hull = hulls[s];
      for (const Shape& shape : structures_[s].shapes)
        if (keys.count(shape.key))
          for (const Point& p : shape.polygon.points) hull.add(double(p.x), double(p.y));
      for (const Reference& ref : structures_[s].references)
        detail::add_instances(ref, hulls[ref.structure], hull);
      hull.close();
    }
    const std::lock_guard<std::mutex> lock(cache_->mutex);
    return cache_->hulls.emplace(keys, std::move(computed)).first->second;
  }

  /// io_error naming the first degenerate shape (file order) on `keys` in a structure that `top`
  /// reaches, how many more there are and the selected layers that hold them (all of them, so that
  /// one retry with those layers left out succeeds). Costs nothing unless a selected layer holds
  /// one somewhere; then one walk over the structure graph (references, not instances).
  void require_no_degenerate(std::size_t top, const std::set<LayerKey>& keys,
                             std::string_view where) const {
    if (std::none_of(degenerate_.begin(), degenerate_.end(),
                     [&](const DegenerateShape& d) { return keys.count(d.key) > 0; }))
      return;
    std::vector<bool> reached(structures_.size(), false);
    std::vector<std::size_t> stack{top};
    reached[top] = true;
    while (!stack.empty()) {
      const std::size_t s = stack.back();
      stack.pop_back();
      for (const Reference& ref : structures_[s].references)
        if (!reached[ref.structure]) {
          reached[ref.structure] = true;
          stack.push_back(ref.structure);
        }
    }
    const DegenerateShape* first = nullptr;
    std::size_t more = 0;
    std::set<LayerKey> holding;
    for (const DegenerateShape& d : degenerate_)
      if (keys.count(d.key) && reached[d.structure]) {
        if (first)
          ++more;
        else
          first = &d;
        holding.insert(d.key);
      }
    if (!first) return;
    std::ostringstream message;
    message << "fabtwin::layout::gdsii: byte offset " << first->offset << ", " << first->element()
            << " on layer " << first->key << " in structure '" << structures_[first->structure].name
            << "' (reached from top cell '" << structures_[top].name << "', selected by " << where
            << "): " << first->problem() << "; expected " << first->expected()
            << ", or a selection without "
            << describe_layers(std::vector<LayerKey>(holding.begin(), holding.end()));
    if (more) message << " (" << more << " more such shapes reached on them)";
    throw io_error(message.str());
  }

  /// invalid_argument when `top` holds nothing on `keys` or `window` misses its bounds.
  void require_selected(std::size_t top, const std::set<LayerKey>& keys, const detail::Hull& hull,
                        const std::optional<Box>& window, std::string_view where) const {
    const std::vector<LayerKey> selected(keys.begin(), keys.end());
    if (hull.empty()) {
      std::vector<LayerKey> held;
      for (const LayerKey& key : layers_)
        if (!(*structure_hulls({key}))[top].empty()) held.push_back(key);
      throw invalid_argument(
          argument_message(where, "layers", describe_layers(selected),
                           "layers that top cell '" + structures_[top].name +
                               "' holds once flattened: " + describe_layers(held)));
    }
    const Box box = detail::rounded_bounds(hull);
    if (window && !box.intersects(*window)) {
      std::ostringstream expected;
      expected << "a window that meets the bounds " << box << " of top cell '"
               << structures_[top].name << "' on layers " << describe_layers(selected);
      throw invalid_argument(argument_message(where, "window", *window, expected.str()));
    }
  }

  PolygonSet collect(const std::vector<LayerKey>& layers, std::string_view top_name,
                     const std::optional<Box>& window, const FlattenLimits& limits,
                     std::string_view where) const {
    const std::set<LayerKey> keys = selection(layers, where);
    const std::size_t top = top_name.empty() ? require_structure(top_cell(), where)
                                             : require_structure(top_name, where);
    require_no_degenerate(top, keys, where);
    const std::shared_ptr<const std::vector<detail::Hull>> cached = structure_hulls(keys);
    const std::vector<detail::Hull>& hulls = *cached;
    require_selected(top, keys, hulls[top], window, where);
    PolygonSet out;
    out.unit_nm = unit_nm();
    std::size_t visits = 0;
    auto visit = [&] {
      if (++visits > limits.max_visits)
        throw invalid_argument(argument_message(
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
      const detail::Hull& child_hull = hulls[ref.structure];
      bool skip = frame.instance == count || child_hull.empty();
      if (!skip && frame.instance == 0 && window && count > 1) {
        // The whole array at once: the hull of all its instances, placed by the frame.
        detail::Hull instances;
        detail::add_instances(ref, child_hull, instances);
        instances.close();
        skip = !detail::covering_bounds(frame.transform, instances).intersects(*window);
      }
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
      if (window && !detail::covering_bounds(placement, child_hull).intersects(*window)) continue;
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
  std::vector<LayerKey> layers_;             // layers(), collected once by the parser
  std::vector<DegenerateShape> degenerate_;  // degenerate_shapes(), in file order
  struct HullCache {
    std::mutex mutex;
    std::map<std::set<LayerKey>, std::shared_ptr<const std::vector<detail::Hull>>> hulls;
  };
  // Shared by copies of the Library, whose structures never change after parsing.
  std::shared_ptr<HullCache> cache_ = std::make_shared<HullCache>();
};

}  // namespace fabtwin::layout::gdsii
