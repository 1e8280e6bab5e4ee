#pragma once
// The normal's derivative in a dual etch, as the transport along the surface that it is.
//
// A dual etch (etch/sensitivity.hpp) gives each direct flux the derivative of its cosines through
// the normal's derivative (etch/flux.hpp, NormalIn): n' = P grad(psi) / |grad phi|, psi = d phi /
// d p, P the projection on the surface. A rate F that depends on the normal then moves by
// b . grad(psi), b = P (dF / dn) / |grad phi|, so the linearised level-set equation holds
// psi_t - b . grad(psi): psi is carried along the surface at -b (under a narrow beam, down a wall
// at about the beam's rate). Differenced centrally, as NormalIn does, that advection decouples
// alternate rows: at 0.5 nm cells the samples along a beam-etched wall held psi alternating between
// -1.35 and +2.6 nm per nm/s where central differences of whole etches give 0.02 to 0.3
// (docs/etch.md). UpwindNormal replaces, in every direct flux, the central differences of psi by
// one-sided ones upwind of -b, with ENO's second-order correction (Osher and Fedkiw, "Level Set
// Methods", 2003, 3.3; the level set's own scheme, etch/advect.hpp). b comes from the model: the
// quadratures gather each flux's gradient in the normal (NormalGradients) and the rate is
// differenced in each flux by its value.

#include <cmath>
#include <type_traits>

#include "fabtwin/core/dual.hpp"
#include "fabtwin/etch/advect.hpp"
#include "fabtwin/etch/kinetics.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/surface.hpp"

namespace fabtwin::etch::detail {

/// The gradients in the normal n of a surface point's direct fluxes (values alone), summed over
/// the quadrature's visible directions u of weight w and cosine c = n . u: the ions' moments
/// sum w c, sum w c^2 and sum w c^2 (1 - c^2) give sum w u, sum 2 c w u and sum (2 c - 4 c^3) w u,
/// the neutrals' direct fraction sum w c gives sum w u.
struct NormalGradients {
  Point3 ion_moment[3] = {};
  Point3 neutral = {};
  FABTWIN_HD void add_ion(const Point3& u, double w, double c) {
    ion_moment[0] = ion_moment[0] + u * w;
    ion_moment[1] = ion_moment[1] + u * (2 * c * w);
    ion_moment[2] = ion_moment[2] + u * ((2 * c - 4 * c * c * c) * w);
  }
};

/// The derivatives' parts of the level set's one-sided ENO difference (etch/advect.hpp,
/// eno_difference) towards +axis where `forward`, from the samples m2, m1, c, p1, p2 along the
/// axis; the value part 0.
template <int N>
FABTWIN_HD Dual<N> eno_parts(const Dual<N>& m2, const Dual<N>& m1, const Dual<N>& c,
                             const Dual<N>& p1, const Dual<N>& p2, bool forward, double h) {
  Dual<N> out(0.0);
  for (int q = 0; q < N; ++q)
    out.d[q] = eno_difference(m2.d[q], m1.d[q], c.d[q], p1.d[q], p2.d[q], forward, 1 / h);
  return out;
}

/// After the fluxes of a dual etch: each direct flux's derivative through NormalIn, which took
/// psi's central differences at the point's sample, moves to the ENO differences upwind of -b.
/// NormalIn's part of a flux is n' . g (g its gradient in the normal), so the change is
/// (P g / |grad phi|) . (upwind - central); the rate then moves by b . (upwind - central).
template <class T, class Space, class S, class Model>
struct UpwindNormal {
  Lattice l;
  View<const T, Space> phi;
  View<const SurfacePoint, Space> points;
  View<const NormalGradients, Space> gradients;
  Model model;
  bool ions;
  int species;
  View<SurfaceFluxes<S>, Space> out;

  FABTWIN_HD void operator()(index_t s) const {
    const SurfacePoint p = points[s];
    const auto [i, j, k] = l.indices(p.cell);
    const Point3 g = l.gradient(phi, i, j, k);
    const double norm = g.norm();
    if (!(norm > 1e-12)) return;  // NormalIn gave no derivative either
    const Point3 n = g * (1 / norm);
    const NormalGradients& along = gradients[s];
    const SurfaceFluxes<S> f = out[s];
    // dF / dn: the rate differenced in each flux (by its value; `flux` picks it), times the
    // flux's gradient.
    const double rate = value_of(model.rate(p.material, f, p.normal));
    const auto rate_per_unit = [&](auto&& flux) {
      SurfaceFluxes<S> moved = f;
      S& x = flux(moved);
      const double e = 1e-6 * (fabs(value_of(x)) + 1e-3);
      x += S(e);
      return (value_of(model.rate(p.material, moved, p.normal)) - rate) / e;
    };
    Point3 dfdn{0, 0, 0};
    if (ions)
      for (int m = 0; m < 3; ++m)
        dfdn = dfdn + along.ion_moment[m] *
                          rate_per_unit([m](SurfaceFluxes<S>& x) -> S& { return x.ion_moment[m]; });
    double neutral_scale[2] = {0, 0};  // the stored flux per direct fraction: sticking x source
    for (int q = 0; q < species; ++q) {
      neutral_scale[q] = value_of(model.sticking(q, p.material)) * value_of(model.neutral_flux(q));
      dfdn = dfdn + along.neutral *
                        (neutral_scale[q] *
                         rate_per_unit([q](SurfaceFluxes<S>& x) -> S& { return x.neutral[q]; }));
    }
    const Point3 b = (dfdn - n * n.dot(dfdn)) * (1 / norm);
    using V = std::remove_cv_t<T>;
    V change[3] = {V(0), V(0), V(0)};
    const double b_axis[3] = {b.x, b.y, b.z};
    for (int axis = 0; axis < 3; ++axis) {
      if (axis == 1 && l.planar()) continue;
      const index_t di = axis == 0, dj = axis == 1, dk = axis == 2;
      const auto at = [&](int o) { return V(l.at(phi, i + o * di, j + o * dj, k + o * dk)); };
      const V m1 = at(-1), p1 = at(1);
      const V difference = (p1 - m1) * (0.5 / l.h);
      const V central = difference - V(value_of(difference));
      // psi_t - b . grad(psi): carried towards -b, so the upwind side is +axis where b > 0.
      change[axis] = eno_parts(at(-2), m1, at(0), p1, at(2), b_axis[axis] > 0, l.h) - central;
    }
    const auto moved_by = [&](const Point3& gradient) {
      const Point3 t = (gradient - n * n.dot(gradient)) * (1 / norm);
      const V d = change[0] * t.x + change[1] * t.y + change[2] * t.z;
      return S(d) - S(value_of(d));
    };
    if (ions)
      for (int m = 0; m < 3; ++m) out[s].ion_moment[m] += moved_by(along.ion_moment[m]);
    for (int q = 0; q < species; ++q)
      out[s].neutral[q] += neutral_scale[q] * moved_by(along.neutral);
  }
};

}  // namespace fabtwin::etch::detail
