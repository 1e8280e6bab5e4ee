#pragma once
// Layout geometry: integer points, boxes and polygons as layouts store them, and the rule that
// turns a set of polygons into a region.
//
// Coordinates are integers in database units; a PolygonSet carries the size of one unit in nm
// (1 for ICCAD .glp clips, the GDSII library's database unit otherwise: 0.1 nm for gcd_45nm.gds), so nothing is rounded on the
// way in. A polygon is a closed ring given without repeating its first point.
//
// Region rule: the region of a PolygonSet is the set of points of non-zero winding number once every
// polygon is oriented counter-clockwise (normalise_orientation). That makes a layer the union of its
// polygons, overlapping or abutting, and resolves the keyhole holes GDSII uses (the hole is traced
// the other way round through the cut, so its winding is zero).
//
// Zero-area polygons (every vertex on one line, or a sliver traced out and back along its own
// edges; encloses_area in predicates.hpp tells them apart) have no interior. The .glp reader
// refuses them with the shape's line, as it refuses a zero-width RECT: no designer draws one on
// purpose in a clip. The GDSII reader keeps them, and zero-width PATHs (lines, which annotation
// layers carry), aside as degenerate shapes and refuses them, naming the record, when a
// selection reaches one (gdsii_library.hpp), so flatten passes none on from the file. A
// PolygonSet built in code may still hold one (rounding a thin polygon through an off-lattice
// placement can flatten it), and the rasterisers take it as it is rather than refuse a set that
// a valid layout produced: rasterize_area gives it no coverage, and rasterize_binary sets the
// pixels whose centres lie on its edges, which are exactly the pixels that every polygon
// containing it sets, however thin, so the binary raster does not jump as a width shrinks to
// zero.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <ostream>
#include <vector>

#include "fabtwin/core/check.hpp"

namespace fabtwin::layout {

using coord_t = std::int64_t;

/// Largest coordinate magnitude a layout may hold: GDSII stores signed 32-bit integers, and keeping
/// every product of two coordinates inside 64 bits makes areas and orientation tests exact.
inline constexpr coord_t max_coordinate = std::numeric_limits<std::int32_t>::max();

struct Point {
  coord_t x = 0, y = 0;
  friend bool operator==(const Point&, const Point&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Point& p) {
    return out << '(' << p.x << ", " << p.y << ')';
  }
};

/// Closed box [x0, x1] x [y0, y1]; empty when x0 > x1 or y0 > y1.
struct Box {
  coord_t x0 = std::numeric_limits<coord_t>::max(), y0 = std::numeric_limits<coord_t>::max();
  coord_t x1 = std::numeric_limits<coord_t>::min(), y1 = std::numeric_limits<coord_t>::min();

  bool empty() const { return x0 > x1 || y0 > y1; }
  void include(const Point& p) {
    x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
  }
  void include(const Box& b) {
    if (b.empty()) return;
    include(Point{b.x0, b.y0});
    include(Point{b.x1, b.y1});
  }
  /// True when the closed boxes share at least one point.
  bool intersects(const Box& b) const {
    return !empty() && !b.empty() && x0 <= b.x1 && b.x0 <= x1 && y0 <= b.y1 && b.y0 <= y1;
  }
  friend bool operator==(const Box&, const Box&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Box& b) {
    return out << '[' << b.x0 << ", " << b.x1 << "] x [" << b.y0 << ", " << b.y1 << ']';
  }
};

struct Polygon {
  std::vector<Point> points;  // ring, first point not repeated at the end
};

/// Polygons of one layer in database units of `unit_nm` nanometres each.
struct PolygonSet {
  std::vector<Polygon> polygons;
  double unit_nm = 1.0;
};

/// Twice the signed area (positive when counter-clockwise), exact: the shoelace sum in 128 bits.
__extension__ inline __int128 twice_signed_area(const Polygon& polygon) {
  __extension__ __int128 sum = 0;
  const std::size_t n = polygon.points.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point& a = polygon.points[i];
    const Point& b = polygon.points[(i + 1) % n];
    sum += __int128(a.x) * b.y - __int128(b.x) * a.y;
  }
  return sum;
}

/// Area in square database units (negative when the ring runs clockwise).
inline double signed_area(const Polygon& polygon) { return double(twice_signed_area(polygon)) / 2; }

inline Box bounds(const Polygon& polygon) {
  Box box;
  for (const Point& p : polygon.points) box.include(p);
  return box;
}

inline Box bounds(const PolygonSet& set) {
  Box box;
  for (const Polygon& polygon : set.polygons) box.include(bounds(polygon));
  return box;
}

/// Reverses clockwise rings so that every polygon runs counter-clockwise (see the region rule).
inline void normalise_orientation(PolygonSet& set) {
  for (Polygon& polygon : set.polygons)
    if (twice_signed_area(polygon) < 0) std::reverse(polygon.points.begin(), polygon.points.end());
}

/// Throws invalid_argument naming `where` unless every coordinate is within ±max_coordinate.
inline void require_coordinates_in_range(const Polygon& polygon, std::string_view where) {
  for (const Point& p : polygon.points)
    require(p.x >= -max_coordinate && p.x <= max_coordinate && p.y >= -max_coordinate &&
                p.y <= max_coordinate,
            where, "point", p, "coordinates within the signed 32-bit range of GDSII");
}

}  // namespace fabtwin::layout
