#pragma once
// Contours (contour.hpp: doubles in nm, outer boundaries CCW, holes CW) as a PolygonSet in integer
// database units, e.g. for the GDSII writer, whose region (geometry.hpp) is the contoured region.
//
// - Each point is rounded to the nearest database unit. Rounding can make neighbours coincide or
//   line up: repeated points and points collinear with both neighbours are removed (exact integer
//   test), and a ring left without area is dropped.
// - The region rule orients every polygon CCW before the union, so a hole cannot be a polygon of its
//   own. Each hole is joined to the smallest outer ring around it by a keyhole cut, as GDSII
//   boundaries carry holes: from the hole's rightmost vertex M along the ray to the right to the
//   first ring edge it meets, then to a ring vertex visible from M (the nearer end of that edge, or
//   the ring vertex inside the triangle so formed at the smallest angle to the ray: D. Eberly,
//   "Triangulation by Ear Clipping", Geometric Tools, 2002, section 3). Holes are joined rightmost
//   first, so the ray of each meets the ring, or holes already joined to it, before any other hole.
//   The crossing of the ray is found exactly; the triangle test uses long double, which can only
//   err for vertices within ~1e-19 relative of the triangle's sides.
// - A hole that no outer ring contains once rounded (impossible for contours of one field unless
//   rounding merges them) has no region to cut from and is dropped.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout {
namespace detail {

__extension__ typedef __int128 contour_int128;  // exact products of coordinate differences

inline bool collinear_points(const Point& a, const Point& b, const Point& c) {
  return contour_int128(b.x - a.x) * (c.y - a.y) == contour_int128(b.y - a.y) * (c.x - a.x);
}

/// Drops repeated points and points collinear with their neighbours, around the seam too.
inline void remove_redundant_points(std::vector<Point>& ring) {
  std::vector<Point> out;
  for (const Point& p : ring)
    while (out.empty() || !(out.back() == p)) {
      if (out.size() >= 2 && collinear_points(out[out.size() - 2], out.back(), p))
        out.pop_back();
      else
        out.push_back(p);
    }
  for (bool changed = true; changed && out.size() >= 3;) {
    const std::size_t n = out.size();
    changed = true;
    if (out[n - 1] == out[0] || collinear_points(out[n - 2], out[n - 1], out[0]))
      out.pop_back();
    else if (collinear_points(out[n - 1], out[0], out[1]))
      out.erase(out.begin());
    else
      changed = false;
  }
  ring = std::move(out);
}

/// The contour rounded to database units (see the header comment).
inline std::vector<Point> rounded_ring(const Contour& contour, double unit_nm, std::size_t index) {
  std::vector<Point> ring;
  for (const ContourPoint& q : contour.points) {
    const double x = std::round(q.x / unit_nm), y = std::round(q.y / unit_nm);
    require(
        std::fabs(x) <= double(max_coordinate) && std::fabs(y) <= double(max_coordinate),
        "to_polygon_set", [&] { return "contours[" + std::to_string(index) + "] point"; },
        [&] { return "(" + std::to_string(q.x) + ", " + std::to_string(q.y) + ") nm"; },
        "coordinates within the signed 32-bit range of GDSII in units of unit_nm");
    ring.push_back({coord_t(x), coord_t(y)});
  }
  remove_redundant_points(ring);
  return ring;
}

/// Whether q lies inside the simple ring or on its boundary: exact crossing number.
inline bool ring_covers(const std::vector<Point>& ring, const Point& q) {
  bool odd = false;
  for (std::size_t i = 0; i < ring.size(); ++i) {
    const Point& a = ring[i];
    const Point& b = ring[(i + 1) % ring.size()];
    const auto cross =
        contour_int128(b.x - a.x) * (q.y - a.y) - contour_int128(b.y - a.y) * (q.x - a.x);
    if (cross == 0 && std::min(a.x, b.x) <= q.x && q.x <= std::max(a.x, b.x) &&
        std::min(a.y, b.y) <= q.y && q.y <= std::max(a.y, b.y))
      return true;
    if ((a.y > q.y) != (b.y > q.y) && ((b.y > a.y) ? cross > 0 : cross < 0)) odd = !odd;
  }
  return odd;
}

/// Joins `hole` (clockwise, inside `ring`) to the counter-clockwise `ring` by a keyhole cut from the
/// hole's rightmost vertex M to a ring vertex visible from it. False when the ray from M meets no
/// ring edge (the hole is not inside).
inline bool splice_hole(std::vector<Point>& ring, const std::vector<Point>& hole) {
  const std::size_t m = static_cast<std::size_t>(
      std::max_element(hole.begin(), hole.end(),
                       [](const Point& a, const Point& b) { return a.x < b.x; }) -
      hole.begin());
  const Point M = hole[m];
  const std::size_t n = ring.size();

  // Nearest point of the ring on the ray y = M.y, x >= M.x, as x = num / den (den > 0), exact.
  struct Hit {
    contour_int128 num;
    coord_t den;
    std::size_t index;  // the vertex hit, or the first vertex of the edge crossed
    bool vertex;
  };
  std::optional<Hit> best;
  const auto consider = [&](const Hit& hit) {
    if (hit.num < contour_int128(M.x) * hit.den) return;
    if (!best || hit.num * best->den < best->num * hit.den ||
        (hit.num * best->den == best->num * hit.den && hit.vertex && !best->vertex))
      best = hit;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Point& a = ring[i];
    const Point& b = ring[(i + 1) % n];
    if (a.y == M.y) consider({a.x, 1, i, true});
    if ((a.y < M.y && b.y > M.y) || (a.y > M.y && b.y < M.y)) {
      const auto num = contour_int128(a.x) * (b.y - a.y) + contour_int128(M.y - a.y) * (b.x - a.x);
      consider(b.y > a.y ? Hit{num, b.y - a.y, i, false} : Hit{-num, a.y - b.y, i, false});
    }
  }
  if (!best) return false;

  std::size_t v = best->index;
  if (!best->vertex) {
    // The end of the crossed edge with the larger x is visible from M unless ring vertices lie in
    // the triangle (M, I, P); then the one at the smallest angle to the ray (the nearest on ties) is.
    const std::size_t i = best->index, j = (i + 1) % n;
    v = ring[j].x > ring[i].x ? j : i;
    using real = long double;
    const real ix = real(best->num) / real(best->den), iy = real(M.y);
    const Point& P = ring[v];
    const auto cross = [](real ax, real ay, real bx, real by, real cx, real cy) {
      return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    };
    const auto angle_and_distance = [&](const Point& r) {
      return std::pair{std::atan2(std::fabs(real(r.y - M.y)), real(r.x - M.x)),
                       std::hypot(real(r.x - M.x), real(r.y - M.y))};
    };
    auto chosen = angle_and_distance(P);
    for (std::size_t r = 0; r < n; ++r) {
      const Point& R = ring[r];
      const real s1 = cross(M.x, M.y, ix, iy, R.x, R.y), s2 = cross(ix, iy, P.x, P.y, R.x, R.y),
                 s3 = cross(P.x, P.y, M.x, M.y, R.x, R.y);
      const bool inside = (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
      if (!inside || r == v) continue;
      const auto candidate = angle_and_distance(R);
      if (candidate < chosen) chosen = candidate, v = r;
    }
  }

  // ring[0..v], the hole from M round to M, back to ring[v], the rest of the ring.
  std::vector<Point> joined(ring.begin(), ring.begin() + std::ptrdiff_t(v) + 1);
  for (std::size_t k = 0; k <= hole.size(); ++k) joined.push_back(hole[(m + k) % hole.size()]);
  joined.insert(joined.end(), ring.begin() + std::ptrdiff_t(v), ring.end());
  ring = std::move(joined);
  // A hole touching the ring at v leaves a zero-length cut: drop the repeated points.
  ring.erase(std::unique(ring.begin(), ring.end()), ring.end());
  while (ring.size() > 1 && ring.back() == ring.front()) ring.pop_back();
  return true;
}

}  // namespace detail

/// `contours` (nm) as polygons in database units of `unit_nm`: outer rings counter-clockwise, each
/// hole joined to the outer ring around it by a keyhole cut, so that the PolygonSet's region
/// (geometry.hpp) is the contoured region up to rounding. Throws invalid_argument for a
/// non-positive or non-finite unit, or a point outside the GDSII coordinate range.
inline PolygonSet to_polygon_set(const std::vector<Contour>& contours, double unit_nm) {
  require(std::isfinite(unit_nm) && unit_nm > 0, "to_polygon_set", "unit_nm", unit_nm,
          "a positive, finite database unit in nm");
  std::vector<std::vector<Point>> outers, holes;
  std::vector<detail::contour_int128> outer_areas;
  for (std::size_t k = 0; k < contours.size(); ++k) {
    Polygon polygon{detail::rounded_ring(contours[k], unit_nm, k)};
    if (polygon.points.size() < 3) continue;
    const auto area = twice_signed_area(polygon);
    if (area > 0) outers.push_back(std::move(polygon.points)), outer_areas.push_back(area);
    if (area < 0) holes.push_back(std::move(polygon.points));
  }

  // Each hole goes to the smallest outer ring around it (decided before any ring is cut).
  std::vector<std::vector<std::size_t>> holes_of(outers.size());
  for (std::size_t h = 0; h < holes.size(); ++h) {
    std::optional<std::size_t> parent;
    for (std::size_t o = 0; o < outers.size(); ++o)
      if ((!parent || outer_areas[o] < outer_areas[*parent]) &&
          detail::ring_covers(outers[o], holes[h][0]))
        parent = o;
    if (parent) holes_of[*parent].push_back(h);
  }

  PolygonSet set;
  set.unit_nm = unit_nm;
  for (std::size_t o = 0; o < outers.size(); ++o) {
    const auto rightmost = [&](std::size_t h) {
      return std::max_element(holes[h].begin(), holes[h].end(),
                              [](const Point& a, const Point& b) { return a.x < b.x; })
          ->x;
    };
    std::sort(holes_of[o].begin(), holes_of[o].end(),
              [&](std::size_t a, std::size_t b) { return rightmost(a) > rightmost(b); });
    for (std::size_t h : holes_of[o]) detail::splice_hole(outers[o], holes[h]);
    set.polygons.push_back(Polygon{std::move(outers[o])});
  }
  return set;
}

}  // namespace fabtwin::layout
