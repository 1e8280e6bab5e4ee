#pragma once
// The parts of a straight segment that lie in the region of a PolygonSet (geometry.hpp's rule), as
// intervals of arc length from the segment's start, and the signed distance along the segment to
// the region's boundary: what a cross-section along a cut line through a layout sees of it (the
// features taken as extruded across the cut).
//
// Method: the region is cut into trapezoids (trapezoids.hpp), each convex, so the segment meets
// each in one interval (the parametric clip against its four sides, Liang and Barsky's); the
// intervals of all of them, merged where they touch, are the region's. The region is taken closed:
// a segment along a polygon's side sees the polygon there (a cut exactly along an edge is the
// limit of cuts just inside it); one through a corner alone sees nothing.

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/region_distance.hpp"
#include "fabtwin/layout/trapezoids.hpp"

namespace fabtwin::layout {

/// Arc lengths (nm) from a segment's start: from < to.
struct SegmentInterval {
  double from, to;
};

namespace detail {

/// `intervals` sorted and merged where they overlap or lie within `touch` of each other.
inline std::vector<SegmentInterval> merged(std::vector<SegmentInterval> intervals, double touch) {
  std::sort(intervals.begin(), intervals.end(),
            [](const SegmentInterval& a, const SegmentInterval& b) { return a.from < b.from; });
  std::vector<SegmentInterval> out;
  for (const SegmentInterval& p : intervals) {
    if (!out.empty() && p.from <= out.back().to + touch)
      out.back().to = std::max(out.back().to, p.to);
    else
      out.push_back(p);
  }
  return out;
}

}  // namespace detail

/// The intervals of the segment `segment_nm` = {x0, y0, x1, y1} (nm) inside the region of `set`,
/// sorted and disjoint (a gap of a billionth of the segment's length or less is closed). Throws
/// naming `where` for a segment that is not finite or has no length, and for a set the rasterisers
/// refuse.
inline std::vector<SegmentInterval> region_on_segment(
    const PolygonSet& set, std::array<double, 4> segment_nm,
    std::string_view where = "layout::region_on_segment") {
  const auto [ax, ay, bx, by] = segment_nm;
  const double length = std::hypot(bx - ax, by - ay);
  require(
      std::isfinite(ax) && std::isfinite(ay) && std::isfinite(bx) && std::isfinite(by) &&
          length > 0,
      where, "segment",
      [&] {
        return ::fabtwin::describe(ax) + "," + ::fabtwin::describe(ay) + "," +
               ::fabtwin::describe(bx) + "," + ::fabtwin::describe(by);
      },
      "two distinct finite points x0,y0,x1,y1 in nm");
  const double dx = bx - ax, dy = by - ay;
  std::vector<SegmentInterval> pieces;
  for (Trapezoid t : detail::region_trapezoids(set, where)) {
    for (double* v : {&t.y0, &t.y1, &t.x_left0, &t.x_left1, &t.x_right0, &t.x_right1})
      *v *= set.unit_nm;
    // Inside is where each side's g(p) = (p - a_side) x (its direction) is >= 0; along the
    // segment, p = a + s (b - a), g is c + s d. Left side from (x_left0, y0) to (x_left1, y1): the
    // inside lies to its right; the right side the other way round.
    const double rise = t.y1 - t.y0;
    const double sides[4][2] = {{ay - t.y0, dy},   // above the bottom
                                {t.y1 - ay, -dy},  // below the top
                                {(ax - t.x_left0) * rise - (ay - t.y0) * (t.x_left1 - t.x_left0),
                                 dx * rise - dy * (t.x_left1 - t.x_left0)},
                                {(t.x_right0 - ax) * rise + (ay - t.y0) * (t.x_right1 - t.x_right0),
                                 -dx * rise + dy * (t.x_right1 - t.x_right0)}};
    double lo = 0, hi = 1;
    for (const auto& [c, d] : sides) {
      if (d == 0) {
        if (c < 0) hi = -1;  // parallel to the side and outside it
      } else if (d > 0) {
        lo = std::max(lo, -c / d);
      } else {
        hi = std::min(hi, -c / d);
      }
    }
    if (hi > lo) pieces.push_back({lo * length, hi * length});
  }
  const double touch = 1e-9 * length;
  std::vector<SegmentInterval> merged = detail::merged(std::move(pieces), touch);
  // A piece of a billionth of the segment is a corner grazed, not a crossing.
  std::erase_if(merged, [&](const SegmentInterval& p) { return p.to - p.from <= touch; });
  return merged;
}

/// The signed distance (nm) along a segment to the boundary of a region's part on it, negative
/// inside, the segment repeating across its ends (mirrored through them or periodic) as a 2D
/// cross-section's sides see it: exact up to the segment's length, RegionDistance::none where the
/// line meets no boundary.
class SegmentDistance {
 public:
  static constexpr double none = RegionDistance::none;

  SegmentDistance(const PolygonSet& set, std::array<double, 4> segment_nm, WindowSides sides,
                  std::string_view where = "layout::SegmentDistance")
      : inside_(region_on_segment(set, segment_nm, where)),
        length_(std::hypot(segment_nm[2] - segment_nm[0], segment_nm[3] - segment_nm[1])) {
    // The segment and its two neighbours, [-L, 2L]: their intervals merged, so that one running
    // across an end of a mirrored segment is one interval with no boundary there.
    const double L = length_;
    std::vector<SegmentInterval> images;
    for (const SegmentInterval& p : inside_) {
      images.push_back(p);
      if (sides == WindowSides::mirrored) {
        images.push_back({-p.to, -p.from});
        images.push_back({2 * L - p.to, 2 * L - p.from});
      } else {
        images.push_back({p.from - L, p.to - L});
        images.push_back({p.from + L, p.to + L});
      }
    }
    const double touch = 1e-9 * L;
    extended_ = detail::merged(std::move(images), touch);
    // Where the neighbours end is no boundary of the region.
    for (const SegmentInterval& p : extended_)
      for (const double s : {p.from, p.to})
        if (s > -L + touch && s < 2 * L - touch) boundaries_.push_back(s);
  }

  /// The signed distance at arc length s (nm) of the segment, 0 <= s <= length().
  double operator()(double s) const {
    const auto after = std::lower_bound(boundaries_.begin(), boundaries_.end(), s);
    double nearest = none;
    if (after != boundaries_.end()) nearest = *after - s;
    if (after != boundaries_.begin()) nearest = std::min(nearest, s - *(after - 1));
    const auto next =
        std::upper_bound(extended_.begin(), extended_.end(), s,
                         [](double v, const SegmentInterval& p) { return v < p.from; });
    const bool in = next != extended_.begin() && s <= (next - 1)->to;
    return in ? -nearest : nearest;
  }

  double length() const { return length_; }
  /// The region's intervals on the segment itself.
  const std::vector<SegmentInterval>& inside() const { return inside_; }

 private:
  std::vector<SegmentInterval> inside_, extended_;
  std::vector<double> boundaries_;  ///< sorted: the ends of the region's intervals over [-L, 2L]
  double length_;
};

}  // namespace fabtwin::layout
