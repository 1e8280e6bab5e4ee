#pragma once
// Decomposition of a PolygonSet's region (non-zero winding after CCW orientation, see geometry.hpp)
// into non-overlapping trapezoids with horizontal bottom and top: the exact input of the area
// rasteriser (rasterize.hpp), and a way to measure a region's area (union, not sum).
//
// Method: a sweep over y. The distinct y of the vertices cut the plane into slabs in which the same
// edges are present; two of those edges cross inside a slab exactly when their left-to-right order
// at the slab's bottom differs from the order at its top, which is decided in exact 128-bit integer
// arithmetic and enumerated by insertion sort (each swap is one crossing pair). The crossings' y
// (rationals, rounded to double) split the slab further; within each piece the edges keep one order,
// and walking them left to right with the winding count (scan_edges.hpp) picks the covered
// intervals. Adjacent trapezoids evaluate a shared edge at a shared y with the same expression, so
// they meet without gap or overlap; the only rounding is that of the crossing heights and of the
// edge abscissae in double.

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/scan_edges.hpp"

namespace fabtwin::layout {

/// A trapezoid in database units: y0 < y1, left side from (x_left0, y0) to (x_left1, y1), right side
/// from (x_right0, y0) to (x_right1, y1).
struct Trapezoid {
  double y0, y1;
  double x_left0, x_left1;
  double x_right0, x_right1;
  double area() const { return 0.5 * (y1 - y0) * ((x_right0 - x_left0) + (x_right1 - x_left1)); }
};

namespace detail {

/// Abscissa of a non-horizontal edge at height y as the exact rational numerator / (upper.y -
/// lower.y). Coordinates below 2^31 keep the numerator below 2^66.
__extension__ inline __int128 scan_numerator(const ScanEdge& e, coord_t y) {
  return __int128(e.lower.x) * (e.upper.y - e.lower.y) +
         __int128(y - e.lower.y) * (e.upper.x - e.lower.x);
}

/// Sign of x_a(y) - x_b(y), exact: numerators below 2^66 times denominators below 2^32.
inline int compare_at(const ScanEdge& a, const ScanEdge& b, coord_t y) {
  const auto lhs = scan_numerator(a, y) * (b.upper.y - b.lower.y);
  const auto rhs = scan_numerator(b, y) * (a.upper.y - a.lower.y);
  return (lhs > rhs) - (lhs < rhs);
}

/// Abscissa of a non-horizontal edge at height y in double. The parameter form is exact at the end
/// points (t = 0 and t = 1) and gives every caller the same value for the same (edge, y).
inline double abscissa_at(const ScanEdge& e, double y) {
  const double t = (y - double(e.lower.y)) / double(e.upper.y - e.lower.y);
  return double(e.lower.x) + t * double(e.upper.x - e.lower.x);
}

/// Height in (ya, yb) where edges a and b cross, given that a is left of b at ya and right of it at
/// yb. Both differences share the denominator of compare_at, so their ratio needs no division of
/// rationals: the crossing is at the fraction da / (da - db) of the slab.
inline double crossing_height(const ScanEdge& a, const ScanEdge& b, coord_t ya, coord_t yb) {
  const auto da = scan_numerator(b, ya) * (a.upper.y - a.lower.y) -
                  scan_numerator(a, ya) * (b.upper.y - b.lower.y);  // > 0
  const auto db = scan_numerator(b, yb) * (a.upper.y - a.lower.y) -
                  scan_numerator(a, yb) * (b.upper.y - b.lower.y);  // < 0
  const double t = double(da) / double(da - db);
  return double(ya) + t * double(yb - ya);
}

/// Appends the trapezoids of the covered intervals between heights c0 < c1, in which the edges
/// `active` keep one left-to-right order.
inline void emit_trapezoids(const std::vector<ScanEdge>& edges, std::vector<std::size_t>& active,
                            double c0, double c1, std::vector<Trapezoid>& out) {
  const double middle = 0.5 * (c0 + c1);
  std::stable_sort(active.begin(), active.end(), [&](std::size_t a, std::size_t b) {
    return abscissa_at(edges[a], middle) < abscissa_at(edges[b], middle);
  });
  int winding = 0;
  std::size_t left = 0;
  for (std::size_t e : active) {
    const int next = winding - edges[e].direction;
    if (winding == 0 && next != 0) left = e;
    if (winding != 0 && next == 0)
      out.push_back({c0, c1, abscissa_at(edges[left], c0), abscissa_at(edges[left], c1),
                     abscissa_at(edges[e], c0), abscissa_at(edges[e], c1)});
    winding = next;
  }
}

/// trapezoids(set), naming `where` in its errors.
inline std::vector<Trapezoid> region_trapezoids(const PolygonSet& set, std::string_view where) {
  std::vector<ScanEdge> edges;
  for (const ScanEdge& e : scan_edges(set, where))
    if (e.direction != 0) edges.push_back(e);
  std::vector<coord_t> ys;
  for (const ScanEdge& e : edges) ys.insert(ys.end(), {e.lower.y, e.upper.y});
  std::sort(ys.begin(), ys.end());
  ys.erase(std::unique(ys.begin(), ys.end()), ys.end());
  std::sort(edges.begin(), edges.end(),
            [](const ScanEdge& a, const ScanEdge& b) { return a.lower.y < b.lower.y; });

  std::vector<Trapezoid> out;
  std::vector<std::size_t> active;
  std::vector<double> cuts;
  std::size_t next_edge = 0;
  for (std::size_t s = 0; s + 1 < ys.size(); ++s) {
    const coord_t ya = ys[s], yb = ys[s + 1];
    // No vertex lies strictly between ya and yb, so every edge present spans the whole slab.
    std::erase_if(active, [&](std::size_t e) { return edges[e].upper.y <= ya; });
    while (next_edge < edges.size() && edges[next_edge].lower.y <= ya)
      active.push_back(next_edge++);
    if (active.empty()) continue;

    // Exact order at the bottom (ties broken by the order at the top) ...
    std::sort(active.begin(), active.end(), [&](std::size_t a, std::size_t b) {
      const int bottom = compare_at(edges[a], edges[b], ya);
      return bottom != 0 ? bottom < 0 : compare_at(edges[a], edges[b], yb) < 0;
    });
    // ... then insertion sort into the order at the top: each swap exchanges a pair strictly left
    // of each other at ya and strictly right at yb, i.e. one crossing inside the slab.
    cuts.assign({double(ya), double(yb)});
    std::vector<std::size_t> top = active;
    for (std::size_t i = 1; i < top.size(); ++i)
      for (std::size_t k = i; k > 0 && compare_at(edges[top[k - 1]], edges[top[k]], yb) > 0; --k) {
        cuts.push_back(crossing_height(edges[top[k - 1]], edges[top[k]], ya, yb));
        std::swap(top[k - 1], top[k]);
      }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c)
      emit_trapezoids(edges, active, cuts[c], cuts[c + 1], out);
  }
  return out;
}

}  // namespace detail

/// The region of `set` as non-overlapping trapezoids, bottom to top (database units). Throws
/// invalid_argument for a non-positive unit, a ring of fewer than 3 points or coordinates outside the
/// GDSII range. Zero-area parts of the region (slivers, collinear rings) yield no trapezoid.
inline std::vector<Trapezoid> trapezoids(const PolygonSet& set) {
  return detail::region_trapezoids(set, "trapezoids");
}

/// Area of the region of `set` in square database units (overlaps counted once).
inline double region_area(const PolygonSet& set) {
  double area = 0;
  for (const Trapezoid& t : trapezoids(set)) area += t.area();
  return area;
}

}  // namespace fabtwin::layout
