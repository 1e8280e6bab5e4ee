#pragma once
// Moving masks between the grids of a resolution schedule (examples/support/iccad_ilt.hpp,
// examples/ilt_window.cpp): an optimisation on coarse pixels, a binary mask on 1 nm pixels, and
// that mask's area coverage on the pixels a model is evaluated on.

#include <cmath>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"

namespace examples {

/// `coarse` (pixel (i, j) at (i, j) * pitch nm) interpolated bilinearly onto the finer grid `fine`
/// of the same period (periodic in x and y, as the imaging is).
inline void interpolate_onto(const fabtwin::Field<double, fabtwin::Host>& coarse,
                             fabtwin::Field<double, fabtwin::Host>& fine) {
  using fabtwin::index_t;
  const index_t n = coarse.grid().nx(), big = fine.grid().nx();
  const double ratio = coarse.grid().pitch().x / fine.grid().pitch().x;
  const auto c = coarse.view();
  auto f = fine.view();
  for (index_t y = 0; y < big; ++y) {
    const double v = double(y) / ratio;
    const index_t j0 = index_t(v);
    const double wy = v - double(j0);
    const index_t j1 = (j0 + 1) % n;
    for (index_t x = 0; x < big; ++x) {
      const double u = double(x) / ratio;
      const index_t i0 = index_t(u);
      const double wx = u - double(i0);
      const index_t i1 = (i0 + 1) % n;
      f[x + big * y] = (1 - wy) * ((1 - wx) * c[i0 + n * j0] + wx * c[i1 + n * j0]) +
                       wy * ((1 - wx) * c[i0 + n * j1] + wx * c[i1 + n * j1]);
    }
  }
}

/// A relaxed mask (values in [0, 1]) on a coarse grid as a binary mask on `fine`: interpolated
/// bilinearly, then cut at 1/2.
inline fabtwin::Field<double, fabtwin::Host> binary_onto(
    const fabtwin::Field<double, fabtwin::Host>& relaxed, const fabtwin::Grid& fine) {
  fabtwin::Field<double, fabtwin::Host> mask(fine);
  interpolate_onto(relaxed, mask);
  for (fabtwin::index_t i = 0; i < fine.size(); ++i)
    mask.view()[i] = mask.view()[i] >= 0.5 ? 1.0 : 0.0;
  return mask;
}

/// The area coverage of `fine` on the pixels of `coarse`, both with pixel (i, j) centred at
/// (i, j) * pitch and the same period: each coarse pixel, the pitch x pitch square centred on its
/// point, averages the fine pixels by the area of each that it covers (a fine pixel on its border
/// counts by the part inside), periodic in x and y.
inline fabtwin::Field<double, fabtwin::Host> area_average(
    const fabtwin::Field<double, fabtwin::Host>& fine, const fabtwin::Grid& coarse) {
  using fabtwin::index_t;
  const index_t big = fine.grid().nx();
  const double ratio = coarse.pitch().x / fine.grid().pitch().x;
  fabtwin::require(
      fine.grid().ny() == big && coarse.ny() == coarse.nx() &&
          std::fabs(ratio - std::round(ratio)) < 1e-9 &&
          std::fabs(ratio * double(coarse.nx()) - double(big)) < 1e-9 * double(big),
      "examples::area_average", "coarse", fabtwin::describe(coarse),
      "a square grid of the fine grid's period, its pitch a whole number of fine pixels");
  // The fine pixels k (offsets from the coarse point, in fine pixels) that the square
  // [-ratio / 2, ratio / 2] overlaps, and by how much of each.
  std::vector<std::pair<index_t, double>> weights;
  const index_t reach = index_t(std::ceil(ratio / 2 + 0.5));
  for (index_t k = -reach; k <= reach; ++k) {
    const double overlap =
        std::fmin(double(k) + 0.5, ratio / 2) - std::fmax(double(k) - 0.5, -ratio / 2);
    if (overlap > 0) weights.emplace_back(k, overlap / ratio);
  }
  const auto f = fine.view();
  fabtwin::Field<double, fabtwin::Host> out(coarse);
  const index_t n = coarse.nx();
  for (index_t j = 0; j < n; ++j)
    for (index_t i = 0; i < n; ++i) {
      const index_t cx = i * index_t(std::llround(ratio)), cy = j * index_t(std::llround(ratio));
      double sum = 0;
      for (const auto& [ky, wy] : weights) {
        const index_t y = ((cy + ky) % big + big) % big;
        for (const auto& [kx, wx] : weights) {
          const index_t x = ((cx + kx) % big + big) % big;
          sum += wx * wy * f[x + big * y];
        }
      }
      out.view()[i + n * j] = sum;
    }
  return out;
}

}  // namespace examples
