#pragma once
// Focus as a continuous parameter over kernel sets made at a few focus values (knots).
//
// SOCS kernels are eigenvectors of the TCC at one focus, and their derivative with respect to focus
// has no closed form, so the imaging stage interpolates the IMAGE between the knots:
//   I(z) = sum_j L_j(z) I_j,   dI/dz = sum_j L_j'(z) I_j,
// with I_j the image under the kernels of knot z_j and L_j Lagrange weights: linear between two
// knots, quadratic through three (the knot nearest z and its neighbours, the lower one on a tie)
// when there are more. Near best focus an aberration-free image is even in z, I = a + b z^2 + O(z^4),
// which three knots -h, 0, +h interpolate exactly up to the quartic term: the error falls as h^4
// (measured in tests/twin/test_chain.cpp: 2.2e-3 at h = 60 nm, 1.5e-4 at h = 30 nm, for an image
// that defocus by h / 2 changes by 2.8e-2 and 7.9e-3, at NA 1.35 with every kernel kept). Truncated
// kernel sets add their own truncation error, which differs from knot to knot (about 1e-3 with 10
// kernels there). At a knot the weights are
// exactly (1, 0, 0), so a condition at a knot images with that knot's kernels alone, bit for bit.
// Focus outside [first knot, last knot] is refused rather than extrapolated.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"

namespace fabtwin::twin {

struct FocusWeight {
  index_t knot = 0;   ///< index into the sorted knots
  double weight = 0;  ///< L_j(z)
  double slope = 0;   ///< dL_j/dz, per nm
};

/// The Lagrange weights of `focus_nm` over `knots` (sorted, distinct); see the header comment.
inline std::vector<FocusWeight> focus_weights(const std::vector<double>& knots, double focus_nm,
                                              std::string_view where, std::string_view argument) {
  const index_t m = index_t(knots.size());
  require(m >= 1, where, "knots.size()", m, "at least one focus knot");
  if (m == 1) {
    require(focus_nm == knots[0], where, argument, focus_nm, [&] {
      return "the focus of the only kernel set, " + ::fabtwin::describe(knots[0]) +
             " nm (kernels at two or more focus values make focus continuous)";
    });
    return {{0, 1.0, 0.0}};
  }
  require(std::isfinite(focus_nm) && focus_nm >= knots.front() && focus_nm <= knots.back(), where,
          argument, focus_nm, [&] {
            return "a focus within the kernel sets' range [" + ::fabtwin::describe(knots.front()) +
                   ", " + ::fabtwin::describe(knots.back()) + "] nm (no extrapolation)";
          });
  if (m == 2) {
    const double span = knots[1] - knots[0], t = (focus_nm - knots[0]) / span;
    return {{0, 1 - t, -1 / span}, {1, t, 1 / span}};
  }
  index_t centre = 1;
  for (index_t c = 2; c + 1 < m; ++c)
    if (std::fabs(focus_nm - knots[std::size_t(c)]) <
        std::fabs(focus_nm - knots[std::size_t(centre)]))
      centre = c;
  std::vector<FocusWeight> weights;
  for (index_t j = centre - 1; j <= centre + 1; ++j) {
    // L_j(z) = prod_{i != j} (z - z_i) / (z_j - z_i); L_j' = sum_{i != j} prod_{l != i, j} ... / denominator.
    const double zj = knots[std::size_t(j)];
    double numerator = 1, denominator = 1, slope_numerator = 0;
    for (index_t i = centre - 1; i <= centre + 1; ++i) {
      if (i == j) continue;
      denominator *= zj - knots[std::size_t(i)];
    }
    for (index_t i = centre - 1; i <= centre + 1; ++i) {
      if (i == j) continue;
      numerator *= focus_nm - knots[std::size_t(i)];
      double other = 1;
      for (index_t l = centre - 1; l <= centre + 1; ++l)
        if (l != i && l != j) other *= focus_nm - knots[std::size_t(l)];
      slope_numerator += other;
    }
    weights.push_back({j, numerator / denominator, slope_numerator / denominator});
  }
  return weights;
}

}  // namespace fabtwin::twin
