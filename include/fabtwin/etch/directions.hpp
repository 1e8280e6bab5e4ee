#pragma once
// Source directions for the visible-sky (direct) flux, by deterministic quadrature instead of
// Monte Carlo: a source whose flux through a horizontal plane has the power-cosine angular density
// q(w) ~ cos^n(theta) (n = 1 for neutrals, 100-1000 for ions) delivers to a surface element of
// unit normal m, at a point from which the sky is visible in the set V of directions,
//   Gamma = Gamma_0 * integral over V of q(w) (m . u) / cos(theta) dw,   u the direction to the sky
// (flat ground, m = z, sees Gamma_0). Nodes sit at the midpoints of equal-probability bins of q and
// weigh 1 / (count cos theta), so an unshadowed flat surface gets exactly Gamma_0 and the error of
// a shadowed one falls as 1 / count at shadow edges (no noise).
//
// 3D: theta from the inverse of q's cumulative distribution, 1 - cos^(n+1) theta, times evenly
// spaced azimuths (each ring turned by the golden angle so rings do not line up).
// 2D, a cross-section of a feature infinite along y: only the direction's projection psi on the xz
// plane decides visibility, and integrating q over the out-of-plane angle leaves a density in psi
// proportional to cos^n psi (the Wallis integrals of cos^(n+1) cancel the normalisation), so nodes
// are quantiles of cos^n psi, found numerically. The yield's incidence angle is then taken in the
// plane, which for ions (n >= 100: out-of-plane spread of a few degrees) changes cos by < 0.5 %.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

/// Quadrature directions toward the source (unit, z > 0) and their weights.
template <class Space>
struct SourceDirections {
  index_t count = 0;
  Field<Point3, Space> direction;
  Field<double, Space> weight;
};

/// `count` (2D) or rings x 2 rings (3D, count = rings^2 * 2 rounded) directions of cos^n.
inline void source_quadrature(double exponent, int dimension, index_t count,
                              std::vector<Point3>& direction, std::vector<double>& weight) {
  require(exponent >= 1 && std::isfinite(exponent), "etch::source_quadrature", "exponent", exponent,
          "a power-cosine exponent >= 1");
  require(count >= 2, "etch::source_quadrature", "count", count, "at least 2 directions");
  direction.clear();
  weight.clear();
  if (dimension == 3) {
    const index_t rings = std::max<index_t>(1, index_t(std::lround(std::sqrt(double(count) / 2))));
    const index_t per_ring = std::max<index_t>(2, count / rings);
    const double golden = std::numbers::pi * (3 - std::sqrt(5.0));
    for (index_t r = 0; r < rings; ++r) {
      const double u = (double(r) + 0.5) / double(rings);
      const double c = std::pow(1 - u, 1 / (exponent + 1));
      const double s = std::sqrt(std::max(0.0, 1 - c * c));
      for (index_t a = 0; a < per_ring; ++a) {
        const double phi =
            2 * std::numbers::pi * (double(a) + 0.5) / double(per_ring) + golden * double(r);
        direction.push_back({s * std::cos(phi), s * std::sin(phi), c});
        weight.push_back(1 / (double(rings * per_ring) * c));
      }
    }
    return;
  }
  // Cumulative distribution of cos^n psi on (-pi/2, pi/2) by the trapezoid rule, then inverted.
  const int samples = 1 << 16;
  std::vector<double> cumulative(samples + 1, 0.0);
  auto density = [&](double psi) { return std::pow(std::max(0.0, std::cos(psi)), exponent); };
  const double step = std::numbers::pi / samples;
  for (int i = 0; i < samples; ++i) {
    const double a = -0.5 * std::numbers::pi + i * step;
    cumulative[i + 1] = cumulative[i] + 0.5 * step * (density(a) + density(a + step));
  }
  const double total = cumulative.back();
  for (index_t k = 0; k < count; ++k) {
    const double target = (double(k) + 0.5) / double(count) * total;
    const auto it = std::lower_bound(cumulative.begin(), cumulative.end(), target);
    const int i = std::clamp(int(it - cumulative.begin()) - 1, 0, samples - 1);
    const double span = cumulative[i + 1] - cumulative[i];
    const double f = span > 0 ? (target - cumulative[i]) / span : 0.5;
    const double psi = -0.5 * std::numbers::pi + (i + f) * step;
    direction.push_back({std::sin(psi), 0, std::cos(psi)});
    weight.push_back(1 / (double(count) * std::cos(psi)));
  }
}

template <class Space>
SourceDirections<Space> make_source_directions(double exponent, int dimension, index_t count) {
  std::vector<Point3> direction;
  std::vector<double> weight;
  source_quadrature(exponent, dimension, count, direction, weight);
  const index_t n = index_t(direction.size());
  SourceDirections<Space> set{n, Field<Point3, Space>(Grid(n, 1, 1.0)),
                              Field<double, Space>(Grid(n, 1, 1.0))};
  copy(View<const Point3, Host>(direction.data(), n, 1), set.direction.view());
  copy(View<const double, Host>(weight.data(), n, 1), set.weight.view());
  return set;
}

}  // namespace fabtwin::etch
