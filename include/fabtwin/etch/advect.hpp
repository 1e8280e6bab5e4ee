#pragma once
// Level-set advection: phi_t + F |grad phi| = 0 with F the normal speed along grad phi (out of the
// solid), so an etch rate r moves the surface with F = -r. Osher and Sethian's upwind scheme
// (JCP 79, 1988; the Engquist-Osher flux for this convex Hamiltonian):
//   phi <- phi - dt [ max(F, 0) grad+ + min(F, 0) grad- ],
//   grad+ = sqrt(sum max(D-, 0)^2 + min(D+, 0)^2),  grad- = sqrt(sum min(D-, 0)^2 + max(D+, 0)^2),
// with one-sided differences D-/D+ of first order, or of second order by ENO (the smoother of the
// two second differences, Osher and Fedkiw, "Level Set Methods", 2003, 3.3), in time by the TVD
// Runge-Kutta of second order (Shu and Osher, JCP 77, 1988). A step moves no sample more than
// cfl cells (cfl <= 0.5 is the caller's choice of dt).

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::etch {

enum class Scheme { engquist_osher, eno2 };

namespace detail {

/// The smaller in magnitude of a and b when they agree in sign, else 0.
FABTWIN_HD inline double minmod(double a, double b) {
  if (!(a * b > 0)) return 0;
  return fabs(a) < fabs(b) ? a : b;
}

/// The one-sided difference at c towards +x (`forward`) or -x of second order by ENO, from the
/// samples m2, m1, c, p1, p2 a cell apart: the first difference corrected by the smaller of the
/// two second differences about it (Osher and Fedkiw 3.3).
FABTWIN_HD inline double eno_difference(double m2, double m1, double c, double p1, double p2,
                                        bool forward, double inverse_h) {
  const double centre = p1 - 2 * c + m1;
  return forward ? (p1 - c) * inverse_h - 0.5 * inverse_h * minmod(centre, p2 - 2 * p1 + c)
                 : (c - m1) * inverse_h + 0.5 * inverse_h * minmod(c - 2 * m1 + m2, centre);
}

/// One Euler step of phi_t + F |grad phi| = 0 at every sample. The upwind gradient is the values'
/// alone: a dual phi (etch/sensitivity.hpp) holds in its derivatives d phi / d p = -u, u the
/// surface's normal displacement per unit parameter, extended along the normals by redistancing;
/// for a distance (|grad phi| = 1) with such an extension the linearised equation is
/// d/dt (d phi / d p) = -dF / dp, with no transport term (n . grad(d phi / d p) = 0). The dual of
/// the scheme itself transported the derivatives upwind as well, which at a mask's corner drew the
/// undercut's derivatives from samples beside the mask that do not move: the wall under a hard mask
/// got 1.21 nm per nm/s where a circle about the corner moves by its time, 1.5 s (docs/etch.md).
template <class T, class Space>
struct UpwindStep {
  Lattice l;
  View<const T, Space> phi;
  View<const T, Space> speed;  // F at every sample (0 away from the surface)
  View<T, Space> out;
  double dt;
  Scheme scheme;
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    const index_t at = l.index(i, j, k);
    const T f = speed[at];
    const double fv = value_of(f);
    if (f == T(0)) {
      out[at] = phi[at];
      return;
    }
    const double inverse_h = 1 / l.h;
    const double c = value_of(phi[at]);
    double grad_plus = 0, grad_minus = 0;
    const int axes = l.planar() ? 2 : 3;
    for (int a = 0; a < axes; ++a) {
      const index_t di = a == 0 ? 1 : 0, dk = a == 1 ? 1 : 0, dj = a == 2 ? 1 : 0;
      auto v = [&](int s) { return value_of(l.at(phi, i + s * di, j + s * dj, k + s * dk)); };
      const double m1 = v(-1), p1 = v(1);
      double dm = (c - m1) * inverse_h, dp = (p1 - c) * inverse_h;
      if (scheme == Scheme::eno2) {
        const double m2 = v(-2), p2 = v(2);
        dm = eno_difference(m2, m1, c, p1, p2, false, inverse_h);
        dp = eno_difference(m2, m1, c, p1, p2, true, inverse_h);
      }
      const double dm_pos = fmax(dm, 0.0), dm_neg = fmin(dm, 0.0);
      const double dp_pos = fmax(dp, 0.0), dp_neg = fmin(dp, 0.0);
      grad_plus += dm_pos * dm_pos + dp_neg * dp_neg;
      grad_minus += dm_neg * dm_neg + dp_pos * dp_pos;
    }
    const double rate = fv * sqrt(fv > 0 ? grad_plus : grad_minus);
    // The value moves by the scheme; the derivatives by the speed's (T(fv) - f has value 0).
    out[at] = phi[at] - dt * (T(rate) + (f - T(fv)));
  }
};

template <class T, class Space>
struct Average {
  View<const T, Space> a;
  View<T, Space> b;
  FABTWIN_HD void operator()(index_t i) const { b[i] = 0.5 * (a[i] + b[i]); }
};

/// A front reaching a slower material at a sample: the step moved the sample at the front's speed
/// (`approach`); the share tau of it until phi reached the level set psi of the material the front
/// meets next there (etch/domain.hpp, next_material: the sample's own inside the solid) stands,
/// the rest is scaled to that material's speed (`speed`): exact for a flat front meeting a flat
/// layer. Without it the slower material's samples stand still while the front nears them, and
/// the interpolated front stops half a cell short of the interface. The split is of the whole step
/// (both Runge-Kutta stages), not of each stage: a stage capped at psi would halve the last step
/// before the interface.
template <class T, class Space>
struct SplitAtMaterials {
  View<const T, Space> before;  // phi at the start of the step
  View<const T, Space> speed;
  View<const T, Space> approach;
  View<const T, Space> materials;
  View<T, Space> phi;  // phi after the step at the approach speed, split in place
  FABTWIN_HD void operator()(index_t at) const {
    const T front = approach[at], own = speed[at];
    if (front == own) return;
    const int next = next_material(materials, at, value_of(before[at]));
    if (next < 0) return;
    const T psi = materials[at + next * phi.size()];
    const double gap = value_of(psi) - value_of(before[at]);
    if (!(value_of(phi[at]) - value_of(before[at]) > gap)) return;  // not reached in this step
    // The overshoot past psi, (1 - tau) of the move, at the material's speed; written without tau
    // so that a dual also carries how the time of arrival moves (a front that arrives earlier
    // etches the slower material longer: d depth / d rate = (own speed) t_arrival / rate).
    phi[at] = gap > 0 ? psi + (phi[at] - psi) * (own / front)
                      : before[at] + (phi[at] - before[at]) * (own / front);
  }
};

}  // namespace detail

/// Advances `phi` by dt under the normal speed `speed` (nm/s, along grad phi; an etch rate r is
/// F = -r): Euler with first-order differences, or the second-order Runge-Kutta with ENO2.
/// `approach` and `materials` (optional, together): where a sample's speed until the front reaches
/// the next material differs from `speed` (a slower material ahead of a faster front), the step
/// is split where phi reaches that material's level set (SplitAtMaterials).
template <class T, class Space>
void advect(Context<Space>& ctx, const Lattice& l, Field<T, Space>& phi,
            const Field<T, Space>& speed, double dt, Scheme scheme,
            const Field<T, Space>* approach = nullptr, const Field<T, Space>* materials = nullptr) {
  require((approach == nullptr) == (materials == nullptr), "etch::advect", "materials",
          materials ? "given" : "none", "materials exactly when approach is given");
  const Field<T, Space>& moving = approach ? *approach : speed;
  const Range3 range{l.nx, l.ny, l.nz};
  Field<T, Space> next(phi.grid());
  for_each(ctx, range,
           detail::UpwindStep<T, Space>{l, phi.cview(), moving.cview(), next.view(), dt, scheme});
  if (scheme == Scheme::eno2) {
    Field<T, Space> second(phi.grid());
    for_each(
        ctx, range,
        detail::UpwindStep<T, Space>{l, next.cview(), moving.cview(), second.view(), dt, scheme});
    // (phi + second) / 2: Shu-Osher's second stage.
    for_each(ctx, Range1{phi.size()}, detail::Average<T, Space>{phi.cview(), second.view()});
    std::swap(next, second);
  }
  if (approach)
    for_each(ctx, Range1{phi.size()},
             detail::SplitAtMaterials<T, Space>{phi.cview(), speed.cview(), approach->cview(),
                                                materials->cview(), next.view()});
  std::swap(phi, next);
}

}  // namespace fabtwin::etch
