#pragma once
// The visibility of the sky along a traced ray (etch/trace.hpp), 1 or 0, and, where the level set
// is a dual number, its derivative as the surface moves: what the direct fluxes' derivatives are
// made of (etch/flux.hpp). A hard 0 or 1 has none, so the derivative is that of a visibility
// smoothed over the ray's clearance c (the least phi along it; how far inside the solid a blocked
// ray passes): V(c) = clamp(1/2 + c / h), dV = dc / h for the rays within half a cell of an
// obstacle, on both sides of it. Summed over the quadrature's directions that is the motion of
// the shadow's edge: the rays in the window span h / |dc/dpsi| of angle, so their sum is
// dc / |dc/dpsi|, the edge's turn.
//
// dc is what moves the clearance: the obstacle, and the ray's origin, which the surface carries
// along its normal n_p by -dphi(p). On a smooth obstacle the field's own derivative at the closest
// point does: dc = dphi(closest) - (grad phi . n_p) dphi(p), with grad phi the interpolated field's
// (differenced over a hundredth of a cell), whose slope is the clearance's.
// At a convex edge it does not. The interpolated field's corner is a chamfer about a cell wide,
// whose samples carry one face's motion or the other's: when a wall moves the chamfer stretches,
// where the continuous corner translates with both faces. A ray that passes the edge at a grazing
// angle (a wall point looking over the far top corner) reaches its least clearance over the face
// beyond the chamfer, where phi moves with that face alone (not at all as the wall moves); at 10 nm
// below the top of a 40 x 60 nm trench the wall's direct flux took 0.47 of the view factor's
// derivative in the width, at 2 and 1 nm cells. So where the ray's two sides face apart (the
// field's normals a cell before and after its closest point more than 13 degrees apart) the edge
// is solved for instead: its displacement D from the two faces' motions, n_a . D = v_a and
// n_b . D = v_b (v = -dphi / |grad phi| on each side), and the clearance moves by
// (D_p - D) . m, m the ray's normal towards the gas in the plane of the ray and grad phi, D_p the
// origin's displacement. That is a distance; the window counts rays by the field's clearance,
// which about a chamfer grows at a rate r other than 1 as a ray moves along m (about 0.5 to 1
// over a grazing window), so dc = r (D_p - D) . m, r measured (the least phi over +-1 cell about the
// closest point, the ray moved by +-a tenth of a cell): the rays' sum of r over the window is then
// the clearance's own change across it, and the sum stays the edge's turn.
// Measured against the view factor (sin a1 + sin a2) / 2 of the trench's bottom and
// (1 - cos a) / 2 of its walls (tests/etch/test_etch.cpp): see docs/etch.md.

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/surface.hpp"
#include "fabtwin/etch/trace.hpp"

namespace fabtwin::etch::detail {

/// Whether a visibility counts: its value, or (a dual's) its derivative. A blocked ray within
/// half a cell of the obstacle has value 0 and a derivative (soft_visibility), which a test of the
/// value alone dropped: the derivative of the direct fluxes took the lit half of the rays about an
/// edge and not the blocked half.
template <class S>
FABTWIN_HD bool counts(const S& v) {
  if constexpr (std::is_same_v<S, double>) {
    return v != 0;
  } else {
    if (v.value != 0) return true;
    for (std::size_t k = 0; k < v.d.size(); ++k)
      if (v.d[k] != 0) return true;
    return false;
  }
}

/// How fast the field's clearance of a ray grows as the ray moves along m (per nm): the least phi
/// over +-1 cell about its closest point, in eighths of a cell, with the ray moved by +-a tenth of
/// a cell.
template <class T, class Space>
FABTWIN_HD double clearance_rate(const Lattice& l, View<const T, Space> phi, const Point3& closest,
                                 const Point3& u, const Point3& m) {
  const auto least = [&](double shift) {
    double lowest = 1e300;
    for (int i = -8; i <= 8; ++i)
      lowest = fmin(lowest, l.sample_value(phi, closest + u * (0.125 * i * l.h) + m * shift));
    return lowest;
  };
  const double shift = 0.1 * l.h;
  return (least(shift) - least(-shift)) / (2 * shift);
}

/// The visibility of the sky along a traced ray from surface point `p`, 1 or 0, in the scalar S,
/// with the derivative above where phi is a dual.
template <class S, class T, class Space>
FABTWIN_HD S soft_visibility(const Lattice& l, View<const T, Space> phi, const SurfacePoint& p,
                             const RayResult& ray) {
  S visible = S(ray.end == RayEnd::sky ? 1.0 : 0.0);
  if constexpr (!std::is_same_v<std::remove_cv_t<T>, double>) {
    if (ray.end != RayEnd::lost && fabs(ray.clearance) < 0.5 * l.h) {
      using V = std::remove_cv_t<T>;
      const auto moved = [](const V& f) { return S(f) - S(value_of(f)); };  // the derivative
      const S moved_origin = moved(l.sample(phi, p.position));
      const Point3 g = l.gradient_at(phi, ray.closest, 0.01 * l.h);
      // The ray's direction (the closest point is beyond its first 1.5 cells) and its normal m.
      Point3 u = ray.closest - p.position;
      u = u * (1 / u.norm());
      const Point3 across = g - u * g.dot(u);
      const double across_norm = across.norm();
      // The field's normals and motions a cell before and after the closest point.
      const Point3 before = ray.closest - u * l.h, after = ray.closest + u * l.h;
      const Point3 ga = l.gradient_at(phi, before, 0.25 * l.h),
                   gb = l.gradient_at(phi, after, 0.25 * l.h);
      const double la = ga.norm(), lb = gb.norm();
      const double k = la > 0 && lb > 0 ? ga.dot(gb) / (la * lb) : 1;
      if (1 - k * k > 0.05 && across_norm > 1e-9) {  // an edge: sides over 13 degrees apart
        const Point3 na = ga * (1 / la), nb = gb * (1 / lb), m = across * (1 / across_norm);
        // The sides' normal motions v = -dphi / |grad phi|, and D = a na + b nb meeting both.
        const S va = moved(l.sample(phi, before)) * (-1 / la),
                vb = moved(l.sample(phi, after)) * (-1 / lb);
        const double inverse = 1 / (1 - k * k);
        const S a = (va - k * vb) * inverse, b = (vb - k * va) * inverse;
        const S obstacle_along_m = a * na.dot(m) + b * nb.dot(m);
        const S origin_along_m = moved_origin * (-p.normal.dot(m));
        const double rate = clearance_rate(l, phi, ray.closest, u, m);
        visible += (origin_along_m - obstacle_along_m) * (rate / l.h);
      } else {
        const S moved_obstacle = moved(l.sample(phi, ray.closest));
        visible += (moved_obstacle - g.dot(p.normal) * moved_origin) * (1 / l.h);
      }
    }
  }
  return visible;
}

}  // namespace fabtwin::etch::detail
