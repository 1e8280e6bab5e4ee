#pragma once
// Rays through the distance field: sphere tracing (Hart, The Visual Computer 12, 1996). phi is a
// signed distance (etch/redistance.hpp), so a ray at p may advance by phi(p) without crossing the
// surface; it advances by 0.9 phi (trilinear interpolation slightly overestimates distance near
// corners) and at least a quarter cell, and a hit is the first sample inside the solid, refined by
// linear interpolation with the last one outside. Lateral sides are handled by folding positions
// (etch/lattice.hpp): a ray crossing a reflective side continues in the mirror image, which is the
// same as reflecting it. Rays of a cross-section stay in the xz plane.
// A ray also reports its clearance: the least distance to the surface it sampled beyond its first
// 1.5 cells (negative where it entered the solid), and where: what a derivative of the visibility
// needs (etch/flux.hpp, soft_visibility).

#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

enum class RayEnd : int { sky, surface, lost };

struct RayResult {
  RayEnd end = RayEnd::lost;
  Point3 hit;                ///< where it met the surface (unfolded: it may lie beyond a side)
  int segments = 0;          ///< distance-field samples taken: the unit of tracing throughput
  double clearance = 1e300;  ///< least phi sampled beyond the first 1.5 cells (nm)
  Point3 closest;            ///< where (unfolded)
};

/// Traces from `origin` (on the surface) along the unit direction `dir` until the ray reaches the
/// source plane z = z_source (sky), enters the solid (surface), or travels `max_length` nm (lost:
/// nearly horizontal rays between periodic sides).
template <class T, class Space>
FABTWIN_HD RayResult trace_ray(const Lattice& l, View<const T, Space> phi, Point3 origin,
                               Point3 dir, double z_source, double max_length) {
  RayResult result;
  // March in cells: the start and the source plane in sample coordinates, lengths in cells.
  const double inverse_h = 1.0 / l.h;
  const Point3 start{(origin.x - l.x0) * inverse_h, (origin.y - l.y0) * inverse_h,
                     (origin.z - l.z0) * inverse_h};
  const double w_source = (z_source - l.z0) * inverse_h, length = max_length * inverse_h;
  const double min_step = 0.25;
  double t_out = 0, phi_out = 0;  // the last sample outside the solid
  double t = 0.5;                 // the first step leaves the surface point
  double clearance = 1e300, t_closest = 0;
  const auto finish = [&](RayEnd end) {
    result.end = end;
    if (clearance < 1e300) {
      result.clearance = clearance * l.h;
      result.closest = origin + dir * (t_closest * l.h);
    }
    return result;
  };
  while (t < length) {
    const double w = start.z + dir.z * t;
    if (w >= w_source) return finish(RayEnd::sky);
    const double d =
        l.sample_value_cells(phi, start.x + dir.x * t, start.y + dir.y * t, w) * inverse_h;
    ++result.segments;
    if (t > 1.5 && d < clearance) {  // in cells; the point is made once, at the end
      clearance = d;
      t_closest = t;
    }
    if (d < 0) {
      result.hit = origin + dir * ((t_out + (t - t_out) * phi_out / (phi_out - d)) * l.h);
      return finish(RayEnd::surface);
    }
    t_out = t;
    phi_out = d;
    t += 0.9 * d > min_step ? 0.9 * d : min_step;
  }
  return finish(RayEnd::lost);
}

}  // namespace fabtwin::etch
