#pragma once
// Exact geometric predicates on integer polygons: self-intersection, winding number, and whether a
// polygon meets a box. Every orientation test is a 2x2 determinant of coordinate differences
// (below 2^32 each) evaluated in 128-bit integers, so no answer depends on rounding.

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout {
namespace detail {

/// Sign of the cross product (b - a) x (c - a): +1 when a, b, c turn counter-clockwise.
inline int orientation(const Point& a, const Point& b, const Point& c) {
  const auto cross = __int128(b.x - a.x) * (c.y - a.y) - __int128(b.y - a.y) * (c.x - a.x);
  return (cross > 0) - (cross < 0);
}

/// True when segments ab and cd cross at a single point interior to both (a proper crossing).
/// Touching at an end point and collinear overlap are not proper crossings.
inline bool cross_properly(const Point& a, const Point& b, const Point& c, const Point& d) {
  const int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
  const int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
  return o1 * o2 < 0 && o3 * o4 < 0;
}

/// True when the closed segments ab and cd share at least one point.
inline bool segments_meet(const Point& a, const Point& b, const Point& c, const Point& d) {
  auto on_segment = [](const Point& p, const Point& q, const Point& r) {  // r on pq, collinear
    return std::min(p.x, q.x) <= r.x && r.x <= std::max(p.x, q.x) && std::min(p.y, q.y) <= r.y &&
           r.y <= std::max(p.y, q.y);
  };
  const int o1 = orientation(a, b, c), o2 = orientation(a, b, d);
  const int o3 = orientation(c, d, a), o4 = orientation(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  return (o1 == 0 && on_segment(a, b, c)) || (o2 == 0 && on_segment(a, b, d)) ||
         (o3 == 0 && on_segment(c, d, a)) || (o4 == 0 && on_segment(c, d, b));
}

}  // namespace detail

/// A proper crossing of two edges of one polygon: edge i runs from vertex i to vertex i + 1.
struct Crossing {
  std::size_t first_edge = 0, second_edge = 0;
  double x = 0, y = 0;  // where the edges cross, in database units
};

/// The first proper crossing between two non-adjacent edges, if any. Edges that only touch, or
/// overlap along a line (the doubled cut of a GDSII keyhole polygon), are allowed. A sweep over
/// edges sorted by their left end keeps the usual cost near n log n.
inline std::optional<Crossing> find_self_intersection(const Polygon& polygon) {
  const std::vector<Point>& p = polygon.points;
  const std::size_t n = p.size();
  if (n < 4) return std::nullopt;  // a triangle's edges are all adjacent
  auto lo = [&](std::size_t e) { return std::min(p[e].x, p[(e + 1) % n].x); };
  auto hi = [&](std::size_t e) { return std::max(p[e].x, p[(e + 1) % n].x); };
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return lo(a) < lo(b); });
  std::optional<Crossing> found;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t e = order[i];
    for (std::size_t j = i + 1; j < n && lo(order[j]) <= hi(e); ++j) {
      const std::size_t f = order[j];
      const std::size_t a = std::min(e, f), b = std::max(e, f);
      if (b == a + 1 || (a == 0 && b == n - 1)) continue;  // adjacent edges share a vertex
      const Point &p0 = p[a], &p1 = p[(a + 1) % n], &q0 = p[b], &q1 = p[(b + 1) % n];
      if (!detail::cross_properly(p0, p1, q0, q1)) continue;
      // Report the crossing with the lowest edge pair so that the answer does not depend on the
      // sweep order.
      if (found && (found->first_edge < a || (found->first_edge == a && found->second_edge < b)))
        continue;
      const double dx = double(p1.x - p0.x), dy = double(p1.y - p0.y);
      const double ex = double(q1.x - q0.x), ey = double(q1.y - q0.y);
      const double t = (double(q0.x - p0.x) * ey - double(q0.y - p0.y) * ex) / (dx * ey - dy * ex);
      found = Crossing{a, b, double(p0.x) + t * dx, double(p0.y) + t * dy};
    }
  }
  return found;
}

/// Describes a crossing for error messages: "edges 1 and 3 cross at (2, 0.5)".
inline std::string describe(const Crossing& crossing) {
  std::ostringstream out;
  out.precision(15);
  out << "edges " << crossing.first_edge << " and " << crossing.second_edge << " cross at ("
      << crossing.x << ", " << crossing.y << ')';
  return out.str();
}

/// Throws invalid_argument naming `where` and `polygon_name` when two edges cross properly: the
/// region rule (non-zero winding after orienting rings counter-clockwise) has no clear meaning for a
/// self-crossing ring, whose "orientation" mixes both senses.
inline void require_simple(const Polygon& polygon, std::string_view where,
                           std::string_view polygon_name) {
  if (const std::optional<Crossing> crossing = find_self_intersection(polygon))
    throw invalid_argument(argument_message(where, polygon_name, describe(*crossing),
                                            "a polygon whose edges do not cross"));
}

/// True when the polygon's region has positive area, i.e. some point off its edges has a non-zero
/// winding number. False for rings whose vertices all lie on one line and for slivers traced out and
/// back along their own edges (a spike, a tree of segments). Exact: the winding number jumps across
/// an edge by the net number of times the ring runs along that stretch (counted with direction),
/// so it is zero everywhere off the ring exactly when, on every line, the edges lying on it cancel
/// out. A non-zero signed area settles it at once; only rings of zero signed area (which include
/// figure-of-eight rings touching at a vertex, whose two lobes cancel in the signed area but not in
/// the region) take the per-line count, sorted, O(n log n).
inline bool encloses_area(const Polygon& polygon) {
  if (twice_signed_area(polygon) != 0) return true;
  struct Event {
    __extension__ __int128 ux, uy, offset, at;  // the line u x p = offset (u primitive), u . p
    int delta;                                  // +1 where a run along +u starts, -1 where it ends
  };
  std::vector<Event> events;
  const std::vector<Point>& p = polygon.points;
  const std::size_t n = p.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point& a = p[i];
    const Point& b = p[(i + 1) % n];
    if (a == b) continue;
    coord_t ux = b.x - a.x, uy = b.y - a.y;
    const coord_t g = std::gcd(ux < 0 ? -ux : ux, uy < 0 ? -uy : uy);
    ux /= g, uy /= g;
    int sign = 1;
    if (ux < 0 || (ux == 0 && uy < 0)) ux = -ux, uy = -uy, sign = -1;
    __extension__ const __int128 offset = __int128(ux) * a.y - __int128(uy) * a.x;
    __extension__ const __int128 ta = __int128(ux) * a.x + __int128(uy) * a.y;
    __extension__ const __int128 tb = __int128(ux) * b.x + __int128(uy) * b.y;
    events.push_back({ux, uy, offset, std::min(ta, tb), sign});
    events.push_back({ux, uy, offset, std::max(ta, tb), -sign});
  }
  auto key = [](const Event& e) { return std::tie(e.ux, e.uy, e.offset, e.at); };
  std::sort(events.begin(), events.end(),
            [&](const Event& l, const Event& r) { return key(l) < key(r); });
  long net = 0;  // runs along +u minus runs along -u over the stretch after the current position
  for (std::size_t i = 0; i < events.size();) {
    std::size_t j = i;
    for (; j < events.size() && key(events[j]) == key(events[i]); ++j) net += events[j].delta;
    if (net != 0) return true;
    i = j;
  }
  return false;
}

/// The first `limit` vertices of `polygon` and how many more there are, for error messages:
/// "(0, 0) (4, 0) (2, 0)" or "(0, 0) (1, 0) ... (8 more; 10 vertices)".
inline std::string describe_vertices(const Polygon& polygon, std::size_t limit = 8) {
  std::ostringstream out;
  const std::size_t n = polygon.points.size();
  for (std::size_t i = 0; i < n && i < limit; ++i) out << (i ? " " : "") << polygon.points[i];
  if (n > limit) out << " ... (" << n - limit << " more; " << n << " vertices)";
  return out.str();
}

/// Winding number of `polygon` around `q` (0 for points outside; points on the boundary count as
/// covered by callers that test the boundary first). Sunday's crossing rule, exact.
inline long winding_number(const Polygon& polygon, const Point& q) {
  long winding = 0;
  const std::size_t n = polygon.points.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point& a = polygon.points[i];
    const Point& b = polygon.points[(i + 1) % n];
    if (a.y <= q.y) {
      if (b.y > q.y && detail::orientation(a, b, q) > 0) ++winding;
    } else if (b.y <= q.y && detail::orientation(a, b, q) < 0) {
      --winding;
    }
  }
  return winding;
}

/// True when the polygon's region (its boundary and the points of non-zero winding) shares a point
/// with the closed box.
inline bool intersects(const Polygon& polygon, const Box& box) {
  if (box.empty() || polygon.points.empty() || !bounds(polygon).intersects(box)) return false;
  const Point corners[4] = {{box.x0, box.y0}, {box.x1, box.y0}, {box.x1, box.y1}, {box.x0, box.y1}};
  const std::size_t n = polygon.points.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point& a = polygon.points[i];
    const Point& b = polygon.points[(i + 1) % n];
    if (a.x >= box.x0 && a.x <= box.x1 && a.y >= box.y0 && a.y <= box.y1) return true;
    for (int k = 0; k < 4; ++k)
      if (detail::segments_meet(a, b, corners[k], corners[(k + 1) % 4])) return true;
  }
  // No edge meets the box: the box lies wholly inside or wholly outside the polygon.
  return winding_number(polygon, corners[0]) != 0;
}

}  // namespace fabtwin::layout
