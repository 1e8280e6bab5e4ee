#pragma once
// Image log-slope and normalised image log-slope (physics.md §4): ILS = |dI/dx| / I at a feature
// edge, NILS = w · ILS with w the nominal feature width. The edge is where the image crosses the
// print threshold along a cut line (cut_line.hpp), so I there is the threshold and dI/dx the
// crossing's slope along the line; a cut line normal to the edge gives the usual dI/dx.

#include <cmath>
#include <type_traits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/sampling.hpp"

namespace fabtwin::metrology {

/// |slope| / intensity, per nm. The intensity must be positive and finite.
inline double image_log_slope(double slope, double intensity) {
  constexpr const char* where = "metrology::image_log_slope";
  require(std::isfinite(slope), where, "slope", slope, "a finite image slope");
  require(std::isfinite(intensity) && intensity > 0, where, "intensity", intensity,
          "a positive, finite image intensity at the edge");
  return std::fabs(slope) / intensity;
}

/// ILS at a threshold crossing.
inline double image_log_slope(const EdgeCrossing& edge) {
  return image_log_slope(edge.slope, edge.intensity);
}

/// NILS = width · ILS at a threshold crossing; `width_nm` is the nominal (drawn) feature width.
inline double nils(const EdgeCrossing& edge, double width_nm) {
  require(std::isfinite(width_nm) && width_nm > 0, "metrology::nils", "width_nm", width_nm,
          "a positive nominal feature width in nm");
  return width_nm * image_log_slope(edge);
}

/// NILS at both edges of a measured feature and their mean.
struct FeatureNils {
  double first = 0, second = 0, mean = 0;
};

/// NILS at the two edges of a CD measurement, which must have succeeded (cd.ok()).
inline FeatureNils nils(const CdResult& cd, double width_nm) {
  require(
      cd.ok(), "metrology::nils", "cd.status", [&] { return describe(cd.status); },
      "a successful CD measurement");
  FeatureNils result;
  result.first = nils(cd.first, width_nm);
  result.second = nils(cd.second, width_nm);
  result.mean = 0.5 * (result.first + result.second);
  return result;
}

/// ILS of `image` at point `p` along the direction `direction` (any non-zero length), per nm:
/// for the log-slope at a nominal edge rather than at the printed one.
template <class T>
double image_log_slope_at(View<T, Host> image, const Grid& grid, Point2 p, Point2 direction,
                          index_t z = 0) {
  constexpr const char* where = "metrology::image_log_slope_at";
  using U = std::remove_cv_t<T>;
  const BilinearSampler<U> sampler(View<const U, Host>(image), grid, z, where);
  require(std::isfinite(p.x) && std::isfinite(p.y) && sampler.contains(p), where, "p", p,
          "a point inside the image's sample hull");
  const double length = norm(direction);
  require(std::isfinite(length) && length > 0, where, "direction", direction,
          "a finite, non-zero direction");
  return image_log_slope(sampler.slope(p, (1.0 / length) * direction), sampler(p));
}

}  // namespace fabtwin::metrology
