#pragma once
// Critical dimension along a cut line (physics.md §4): where the image crosses a threshold along a
// segment, and the width of the feature that holds the segment's midpoint.
//
// The image is read through its bilinear interpolant (sampling.hpp). Along a straight line the
// interpolant is, inside each pixel cell, a quadratic in the distance s (the product of two linear
// terms), so the line is cut at every grid line it crosses and each piece is read exactly as a
// quadratic from three values. The threshold crossings are then the exact roots of those quadratics:
// no sampling step to choose, and linear images (ramps, trapezoid flanks) give analytic answers on
// any line, diagonal ones included.
//
// "Above" means value >= threshold (the ICCAD-2013 print rule, I >= 0.225 prints). A crossing is a
// point where the line passes from below to above (direction +1, rising) or back (-1). A line that
// only touches the threshold (a tangent, or a flat stretch at exactly the threshold that it leaves
// the way it came) has no crossing there.
//
// The slope dI/ds reported at a crossing is the central difference of the interpolant over ± one
// pitch along the line (BilinearSampler::slope): second-order accurate, where the interpolant's own
// derivative (the cell's secant) is only first-order. A crossing closer than a pitch to a kink of
// the true profile (the corner of a trapezoid) mixes both sides' slopes.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/metrology/sampling.hpp"

namespace fabtwin::metrology {

/// Which side of the threshold the measured feature is: a line (resist or print, value >= threshold)
/// or a space (value < threshold).
enum class Tone { line, space };

/// A measurement segment from `start` to `end`, in nm; s runs from 0 at start to length() at end.
struct CutLine {
  Point2 start, end;

  double length() const { return norm(end - start); }
  /// Unit vector from start to end.
  Point2 direction() const { return (1.0 / length()) * (end - start); }
  Point2 at(double s) const { return start + s * direction(); }
};

/// Where the image crosses the threshold along a cut line.
struct EdgeCrossing {
  double s_nm = 0;       ///< distance from the line's start
  Point2 point;          ///< the crossing in nm
  int direction = 0;     ///< +1 below -> above, -1 above -> below (walking from start to end)
  double slope = 0;      ///< dI/ds at the crossing, per nm, along the line (sign as walked)
  double intensity = 0;  ///< the image there: the threshold
};

/// Every crossing of one threshold along one line, in order of s.
struct LineCrossings {
  CutLine line;
  double threshold = 0;
  bool starts_above = false;  ///< the image at (just after) the start is >= threshold
  std::vector<EdgeCrossing> edges;
};

namespace detail {

/// Real roots of a t^2 + b t + c in the open interval (0, 1), ascending; `scale` is the size of the
/// values behind the coefficients, to tell a vanishing a from rounding.
inline std::vector<double> unit_roots(double a, double b, double c, double scale) {
  std::vector<double> roots;
  auto keep = [&](double t) {
    if (t > 1e-12 && t < 1 - 1e-12) roots.push_back(t);
  };
  if (std::fabs(a) <= 1e-13 * scale) {
    if (b != 0) keep(-c / b);
  } else {
    const double disc = b * b - 4 * a * c;
    if (disc > 0) {
      // The cancellation-free pair: q = -(b + sign(b) sqrt(disc)) / 2, roots q / a and c / q.
      const double q = -0.5 * (b + std::copysign(std::sqrt(disc), b));
      keep(q / a);
      if (q != 0) keep(c / q);
    }
  }
  std::sort(roots.begin(), roots.end());
  return roots;
}

/// Parameters t in [0, 1] along the line where it crosses a grid line (sample coordinate integer),
/// with 0 and 1, sorted.
inline std::vector<double> cell_breaks(double a0, double a1, double b0, double b1) {
  std::vector<double> t = {0.0, 1.0};
  auto add_axis = [&](double c0, double c1) {
    if (c0 == c1) return;
    const double lo = std::fmin(c0, c1), hi = std::fmax(c0, c1);
    for (double k = std::floor(lo) + 1; k < hi; k += 1) t.push_back((k - c0) / (c1 - c0));
  };
  add_axis(a0, a1);
  add_axis(b0, b1);
  std::sort(t.begin(), t.end());
  return t;
}

inline void require_line(const CutLine& line, std::string_view where) {
  require(std::isfinite(line.start.x) && std::isfinite(line.start.y), where, "line.start",
          line.start, "finite coordinates in nm");
  require(std::isfinite(line.end.x) && std::isfinite(line.end.y), where, "line.end", line.end,
          "finite coordinates in nm");
  require(line.length() > 0, where, "line.end", line.end,
          "a point other than line.start (a cut line of positive length)");
}

}  // namespace detail

/// Threshold crossings of `image` (on `grid`, layer z) along `line`. The whole line must lie in the
/// samples' hull (sampling.hpp); throws invalid_argument otherwise, shape_mismatch when the image
/// does not have the grid's shape.
template <class T>
LineCrossings find_crossings(View<T, Host> image, const Grid& grid, const CutLine& line,
                             double threshold, index_t z = 0) {
  constexpr const char* where = "metrology::find_crossings";
  detail::require_line(line, where);
  require(std::isfinite(threshold), where, "threshold", threshold, "a finite image level");
  using U = std::remove_cv_t<T>;
  const BilinearSampler<U> sampler(View<const U, Host>(image), grid, z, where);
  require(sampler.contains(line.start), where, "line.start", line.start,
          "a point inside the image's sample hull");
  require(sampler.contains(line.end), where, "line.end", line.end,
          "a point inside the image's sample hull");

  const double length = line.length();
  const Point2 dir = line.direction();
  const double a0 = sampler.u(line.start.x), a1 = sampler.u(line.end.x);
  const double b0 = sampler.v(line.start.y), b1 = sampler.v(line.end.y);
  auto a_at = [&](double t) { return a0 + t * (a1 - a0); };
  auto b_at = [&](double t) { return b0 + t * (b1 - b0); };

  // Walk the pieces; split each at its threshold roots into runs of one class (above or below),
  // and record a crossing wherever two consecutive runs differ.
  LineCrossings result{line, threshold, false, {}};
  const std::vector<double> breaks = detail::cell_breaks(a0, a1, b0, b1);
  bool have_class = false, above = false;
  for (std::size_t k = 0; k + 1 < breaks.size(); ++k) {
    const double ta = breaks[k], tb = breaks[k + 1];
    if (tb - ta <= 1e-12) continue;
    const double tm = 0.5 * (ta + tb);
    const index_t i = sampler.cell(a_at(tm), grid.nx()), j = sampler.cell(b_at(tm), grid.ny());
    const double v0 = sampler.in_cell(i, j, a_at(ta), b_at(ta));
    const double vm = sampler.in_cell(i, j, a_at(tm), b_at(tm));
    const double v1 = sampler.in_cell(i, j, a_at(tb), b_at(tb));
    // q(tau) = v0 + B tau + A tau^2 on tau in [0, 1] through the three values.
    const double A = 2 * (v0 - 2 * vm + v1), B = v1 - v0 - A;
    const double scale = std::fabs(v0) + std::fabs(vm) + std::fabs(v1) + std::fabs(threshold);
    std::vector<double> cuts = {0.0};
    for (double r : detail::unit_roots(A, B, v0 - threshold, scale)) cuts.push_back(r);
    cuts.push_back(1.0);
    for (std::size_t r = 0; r + 1 < cuts.size(); ++r) {
      const double mid = 0.5 * (cuts[r] + cuts[r + 1]);
      const bool run_above = v0 + mid * (B + mid * A) >= threshold;
      if (!have_class) {
        have_class = true;
        above = run_above;
        result.starts_above = run_above;
        continue;
      }
      if (run_above == above) continue;
      above = run_above;
      const double s = length * (ta + cuts[r] * (tb - ta));
      EdgeCrossing edge;
      edge.s_nm = s;
      edge.point = line.at(s);
      edge.direction = run_above ? +1 : -1;
      edge.slope = sampler.slope(edge.point, dir);
      edge.intensity = threshold;
      result.edges.push_back(edge);
    }
  }
  return result;
}

/// Why a CD could not be measured.
enum class CdStatus {
  ok,
  midpoint_not_in_feature,  ///< the line's midpoint lies on the other side of the threshold
  feature_not_closed,       ///< the feature holding the midpoint runs past an end of the line
};

inline const char* describe(CdStatus status) {
  switch (status) {
    case CdStatus::ok:
      return "ok";
    case CdStatus::midpoint_not_in_feature:
      return "the cut line's midpoint is not inside a feature of the requested tone";
    case CdStatus::feature_not_closed:
      return "the feature at the cut line's midpoint reaches an end of the line";
  }
  return "unknown status";
}

/// The width of the feature holding the cut line's midpoint, with its two edges (first at lower s).
/// cd_nm is NaN and the edges are empty unless status is ok.
struct CdResult {
  CdStatus status = CdStatus::midpoint_not_in_feature;
  double cd_nm = std::numeric_limits<double>::quiet_NaN();
  EdgeCrossing first, second;

  bool ok() const { return status == CdStatus::ok; }
};

/// The CD from crossings already found. The feature is the run between consecutive crossings that
/// holds the midpoint (a midpoint exactly on a crossing belongs to the run after it); a line tone
/// measures a run above the threshold, a space tone a run below.
inline CdResult cd_from_crossings(const LineCrossings& crossings, Tone tone) {
  const double mid = 0.5 * crossings.line.length();
  const std::vector<EdgeCrossing>& edges = crossings.edges;
  // Runs: [start, e0), [e0, e1), ..., [e_last, end]; the run after crossing k is above when that
  // crossing rises.
  const std::size_t after =
      std::size_t(std::upper_bound(edges.begin(), edges.end(), mid,
                                   [](double s, const EdgeCrossing& e) { return s < e.s_nm; }) -
                  edges.begin());  // crossings at or before the midpoint
  const bool run_above = after == 0 ? crossings.starts_above : edges[after - 1].direction > 0;
  CdResult result;
  if (run_above != (tone == Tone::line)) return result;
  if (after == 0 || after == edges.size()) {
    result.status = CdStatus::feature_not_closed;
    return result;
  }
  result.status = CdStatus::ok;
  result.first = edges[after - 1];
  result.second = edges[after];
  result.cd_nm = result.second.s_nm - result.first.s_nm;
  return result;
}

/// CD along `line`: the width of the feature of `tone` at the line's midpoint, at `threshold`.
template <class T>
CdResult measure_cd(View<T, Host> image, const Grid& grid, const CutLine& line, double threshold,
                    Tone tone, index_t z = 0) {
  return cd_from_crossings(find_crossings(image, grid, line, threshold, z), tone);
}

}  // namespace fabtwin::metrology
