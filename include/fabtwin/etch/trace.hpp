#pragma once
// Rays through the distance field: sphere tracing (Hart, The Visual Computer 12, 1996). phi is a
// signed distance (etch/redistance.hpp), so a ray at p may advance by phi(p) without crossing the
// surface; it advances by 0.9 phi (trilinear interpolation slightly overestimates distance near
// corners) and at least a quarter cell, and a hit is the first sample inside the solid, refined by
// linear interpolation with the last one outside. Lateral sides are handled by folding positions
// (etch/lattice.hpp): a ray crossing a reflective side continues in the mirror image, which is the
// same as reflecting it. Rays of a cross-section stay in the xz plane.
// A ray also reports its clearance: its closest approach to the surface, the least distance it
// sampled beyond its first 1.5 cells once phi has stopped rising from the surface it leaves, and
// where: what a derivative of the visibility needs (etch/visibility.hpp). A ray that enters the
// solid reports, where asked (`through`), how far inside it passes: the least phi along its way
// on through the solid, until phi falls below -half a cell or the ray leaves the solid again (a
// ray that clips a corner). Three ways to get it wrong, each measured:
// - a blocked ray's clearance taken at its first sample inside (a fraction of a cell in whatever
//   way it passed) left out the blocked half of the rays about an obstacle's edge: at the bottom
//   of a 40 x 60 nm trench the direct flux's derivative in the depth read 0.58 of the view
//   factor's, at every cell size;
// - a clearance taken while the ray still recedes from the surface beside its origin (a point on
//   a rounded corner under a wall, whose rays up along the wall start within half a cell of it)
//   put rays that no edge is near in the soft shadow: on the upper half of a trench's rounded
//   bottom corner the ion flux's derivative read 1.2 to 1.5 of its finite difference;
// - the march through the solid stopped after 16 cells: a ray that meets a wall at 1.7 degrees
//   is still within half a cell of its face after 16 cells, though it passes the wall's top
//   corner a cell inside, and counted as grazing (1.3 of the finite difference at 0.5 nm
//   cells; the SF6/O2 trench's bottom CD read 55 % off the exact derivative there, 18 % now). It
//   goes on as far as the ray may, in steps no longer than keep it above half a cell deep.

#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

enum class RayEnd : int { sky, surface, lost };

struct RayResult {
  RayEnd end = RayEnd::lost;
  Point3 hit;                ///< where it met the surface (unfolded: it may lie beyond a side)
  int segments = 0;          ///< distance-field samples taken: the unit of tracing throughput
  double clearance = 1e300;  ///< the closest approach (nm; rays traced `through` alone)
  Point3 closest;            ///< where (unfolded)
};

/// Traces from `origin` (on the surface) along the unit direction `dir` until the ray reaches the
/// source plane z = z_source (sky), enters the solid (surface), or travels `max_length` nm (lost:
/// nearly horizontal rays between periodic sides). `through`: the ray reports its clearance
/// (above), inside the solid where it enters it; only a dual's visibility asks, so other rays
/// keep no account of it.
template <class T, class Space>
FABTWIN_HD RayResult trace_ray(const Lattice& l, View<const T, Space> phi, Point3 origin,
                               Point3 dir, double z_source, double max_length,
                               bool through = false) {
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
  bool receding = true;  // phi has only risen since the start
  double highest = 0;
  const auto phi_at = [&](double at) {  // in cells, at `at` cells along the ray
    return l.sample_value_cells(phi, start.x + dir.x * at, start.y + dir.y * at,
                                start.z + dir.z * at) *
           inverse_h;
  };
  const auto finish = [&](RayEnd end) {
    result.end = end;
    if (clearance < 1e300) {
      result.clearance = clearance * l.h;
      result.closest = origin + dir * (t_closest * l.h);
    }
    return result;
  };
  while (t < length) {
    if (start.z + dir.z * t >= w_source) return finish(RayEnd::sky);
    const double d = phi_at(t);
    ++result.segments;
    if (through) {
      if (d < highest) receding = false;
      highest = fmax(highest, d);
      if (!receding && t > 1.5 && d < clearance) {  // in cells; the point is made once, at the end
        clearance = d;
        t_closest = t;
      }
    }
    if (d < 0) {
      result.hit = origin + dir * ((t_out + (t - t_out) * phi_out / (phi_out - d)) * l.h);
      // On through the solid until half a cell deep: a step of 0.9 (phi + 1/2) cannot pass the
      // level -1/2 (phi is a distance), and at least a quarter cell.
      double deepest = d, u = t, e = d;
      while (through && t > 1.5 && deepest > -0.5 && u < length) {
        u += fmax(min_step, 0.9 * (e + 0.5));
        if (start.z + dir.z * u >= w_source) break;
        e = phi_at(u);
        ++result.segments;
        if (e > 0) break;  // out of the solid again: it clipped a corner
        deepest = fmin(deepest, e);
        if (e < clearance) {
          clearance = e;
          t_closest = u;
        }
      }
      return finish(RayEnd::surface);
    }
    t_out = t;
    phi_out = d;
    t += 0.9 * d > min_step ? 0.9 * d : min_step;
  }
  return finish(RayEnd::lost);
}

}  // namespace fabtwin::etch
