#pragma once
// How far a stage's output at a point depends on its input: the distance beyond which changing
// the input moves the output by less than `tolerance` of the change (the stage's own weighting of
// that input). A tiler (dist/) takes a chain's range as the halo a tile needs: a tile computed with
// halos of at least that range gives, in its core, what one large domain gives.
//
// Each stage offers `double interaction_range_nm(double tolerance) const`:
//   pointwise maps (exposure, a layer of a film): 0;
//   a Gaussian of standard deviation s (a blur, a bake's diffusion): s sqrt(2 ln(1 / tolerance)),
//     where exp(-r^2 / 2 s^2) falls to tolerance;
//   kernels with a finite support (ambit-limited optics): the support, at any tolerance;
//   band-limited periodic optics: unbounded (infinity).
// A chain's range is the sum of its members' (the input of each member gathers from its
// predecessor's range around the point).

#include <cmath>
#include <concepts>
#include <limits>

#include "fabtwin/core/check.hpp"

namespace fabtwin::twin {

/// The range of a stage that reaches arbitrarily far.
inline constexpr double unbounded_range = std::numeric_limits<double>::infinity();

template <class S>
concept RangedStage = requires(const S& stage, double tolerance) {
  { stage.interaction_range_nm(tolerance) } -> std::convertible_to<double>;
};

/// Refuses a tolerance outside (0, 1).
inline void require_range_tolerance(double tolerance, const char* where) {
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, where, "tolerance", tolerance,
          "a share in (0, 1) of a stage's weighting of its input");
}

/// Where a Gaussian of standard deviation `sigma_nm` falls to `tolerance` of its peak.
inline double gaussian_range_nm(double sigma_nm, double tolerance) {
  return sigma_nm * std::sqrt(2 * std::log(1 / tolerance));
}

}  // namespace fabtwin::twin
