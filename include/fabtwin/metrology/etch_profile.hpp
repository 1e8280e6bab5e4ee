#pragma once
// What an etched profile measures (physics.md, section 4): depth at the opening's axis from the
// substrate's original top, the opening's width (CD) near the top, at mid depth and near the
// bottom, the sidewall angle, bowing and the mask left, all read off the level set by linear
// interpolation of its zero crossings along vertical and horizontal lines through the axis (in 3D,
// the plane y = the axis).

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::metrology {

struct EtchProfile {
  double depth_nm = 0;      ///< at the axis, below the substrate's original top
  double top_cd_nm = 0;     ///< width at 10 % of the depth
  double mid_cd_nm = 0;     ///< ... at 50 %
  double bottom_cd_nm = 0;  ///< ... at 90 %
  double sidewall_angle_deg =
      90;                ///< of the wall between 10 % and 90 % (90: vertical; < 90: tapered)
  double bowing_nm = 0;  ///< widest point between 10 % and 90 %, beyond the top CD
  double mask_remaining_nm = 0;  ///< mask above the substrate's original top, at mask_x
};

namespace detail {

/// Height of the surface along the vertical line at (x, y): the topmost zero crossing of phi.
template <class T>
std::optional<double> surface_height(const etch::Lattice& l, View<const T, Host> phi, double x,
                                     double y) {
  double above = l.sample(phi, {x, y, l.z_top()});
  for (index_t k = l.nz - 2; k >= 0; --k) {
    const double z = l.z0 + double(k) * l.h;
    const double v = l.sample(phi, {x, y, z});
    if (v < 0) return z + l.h * v / (v - above);
    above = v;
  }
  return std::nullopt;
}

/// x of the first zero crossing walking from x_start (in gas) by `direction` (+1 or -1) at height z.
template <class T>
std::optional<double> wall_position(const etch::Lattice& l, View<const T, Host> phi, double x_start,
                                    double y, double z, int direction) {
  const double step = 0.25 * l.h;
  double previous = l.sample(phi, {x_start, y, z});
  if (previous < 0) return std::nullopt;
  const double limit = double(l.nx) * l.h;
  for (double t = step; t <= limit; t += step) {
    const double x = x_start + direction * t;
    const double v = l.sample(phi, {x, y, z});
    if (v < 0) return x - direction * step * v / (v - previous);
    previous = v;
  }
  return std::nullopt;
}

}  // namespace detail

/// Measures an etched opening (trench or hole) whose axis is at (centre_x, centre_y); the mask is
/// measured at x = mask_x (between openings).
template <class T>
EtchProfile measure_etch_profile(const etch::Domain<T, Host>& domain, double mask_x) {
  const etch::Lattice& l = domain.lattice;
  const auto phi = domain.phi.cview();
  const double x0 = domain.centre_x_nm, y0 = domain.centre_y_nm, top = domain.substrate_top_nm;
  EtchProfile p;
  if (const auto z = detail::surface_height(l, phi, x0, y0)) p.depth_nm = std::max(0.0, top - *z);
  if (const auto z = detail::surface_height(l, phi, mask_x, y0)) p.mask_remaining_nm = *z - top;
  auto width_at = [&](double fraction) -> std::optional<double> {
    const double z = top - fraction * p.depth_nm;
    const auto right = detail::wall_position(l, phi, x0, y0, z, +1);
    const auto left = detail::wall_position(l, phi, x0, y0, z, -1);
    if (!right || !left) return std::nullopt;
    return *right - *left;
  };
  p.top_cd_nm = width_at(0.1).value_or(0);
  p.mid_cd_nm = width_at(0.5).value_or(0);
  p.bottom_cd_nm = width_at(0.9).value_or(0);
  const double dz = 0.8 * p.depth_nm, dx = 0.5 * (p.top_cd_nm - p.bottom_cd_nm);
  p.sidewall_angle_deg = dz > 0 ? std::atan2(dz, dx) * 180 / std::numbers::pi : 90.0;
  double widest = 0;
  for (double f = 0.1; f <= 0.9 + 1e-9; f += 0.02)
    widest = std::max(widest, width_at(f).value_or(0));
  p.bowing_nm = std::max(0.0, widest - p.top_cd_nm);
  return p;
}

}  // namespace fabtwin::metrology
