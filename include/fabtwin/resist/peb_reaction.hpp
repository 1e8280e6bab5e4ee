#pragma once
// The reaction half of the post-exposure bake (physics.md §2), solved exactly per sample, for the
// operator-split PEB integrator: over a sub-step of length h,
//   dA/dt = -k_r(t) A Q,   dQ/dt = -k_r(t) A Q,   dM/dt = -k_c(t) A M,
// acid A, quencher Q (both relative to the initial PAG concentration) and protected sites M.
//
// Neutralisation. With s = integral of k_r over the step (the only way the rate enters) and the
// conserved difference c = A - Q, the logistic solution is
//   c >= 0:  A = A0 / (1 + Q0 phi(c, s)),            integral of A ds = c s + log1p(Q0 phi(c, s)),
//   c <  0:  A = A0 e^{-d s} / (1 + A0 phi(d, s)),   integral of A ds = log1p(A0 phi(d, s)),  d = -c,
//   Q = A - c,   phi(c, s) = -expm1(-c s) / c  (= s at c = 0),
// the two branches being the same function written so that nothing overflows for large |c| s
// (a 90 s bake has k_r t ~ 800) and nothing cancels for small |c|: c = 0 (equal concentrations)
// gives A = A0 / (1 + A0 s). The time integral of A is (integral of A ds) / k_r with k_r the step's
// mean rate (exact when the rate is constant over the step).
//
// Negative samples. A spectral diffusion step (exact for the band-limited interpolant) leaves
// small negative lobes next to sharp fronts, such as the edge of a neutralised region. The step
// takes the samples as they are and stays exact and conservative: with one of A0, Q0 negative and
// the other positive the denominators stay positive (1 + Q0 phi(c, s) >= A0 / c when Q0 < 0 <= c,
// and 1 + A0 phi(d, s) >= Q0 / d when A0 < 0 < d), so nothing blows up; a sample with neither
// species positive does not react. Clamping instead would create mass at every step.
//
// Deprotection. M = M0 exp(-integral of k_c A dt), so the state carries the exponent
//   deprotection = integral of k_c A dt,
// advanced by k_c (the step's mean) times the integral of A dt; M never needs stepping. With rates
// constant over the step the update is exact; with a varying bake temperature it is the midpoint
// rule of k_c, second order like the splitting around it.
//
// Reverse mode (ReactAcidQuencherReverse, for the bake's adjoint in peb_adjoint.hpp). With
// x = c s, den = 1 + Q0 phi, I = integral of A ds, and the two integrals of the exponential
//   psi = integral_0^s u e^{-c u} du = s^2 F(x),        F(x) = (1 - e^{-x} (1 + x)) / x^2,
//   s phi - psi = integral_0^s (s - u) e^{-c u} du = s^2 G(x),  G(x) = (x - 1 + e^{-x}) / x^2,
// (dphi/dc = -psi), the c >= 0 branch differentiates to
//   dA/dA0 = (1 + A Q0 psi) / den,      dA/dQ0 = -A (phi + Q0 psi) / den,
//   dI/dA0 = (s + Q0 s^2 G) / den,      dI/dQ0 = -A s^2 G,
// and the c < 0 branch, the same with A and Q exchanged (Q = Q0 / den, den = 1 + A0 phi(d, s),
// I = log(den), the exchanged branch's integral of Q ds), to
//   dQ/dQ0 = (1 + Q A0 psi) / den,      dQ/dA0 = -Q (phi + A0 psi) / den,
//   dI/dA0 = (phi + A0 psi) / den,      dI/dQ0 = -A0 psi / den,
// with Q = A - c giving the other two entries (dQ/dA0 = dA/dA0 - 1, dQ/dQ0 = dA/dQ0 + 1). F and G
// are positive, bounded by 1/2 and summed as series for x < 1 (the closed forms cancel there), so
// nothing cancels at or near c = 0 (where F = G = 1/2 gives the c = 0 solution's derivatives).
// The reverse takes e^{-x}, phi, F and G from one exponential per sample (LogisticMoments); the
// forward keeps its own arithmetic, which the adjoint's recomputed states repeat to the bit.
// In s, dA/ds = dQ/ds = -A Q and dI/ds = A (the ODE itself). The deprotection exponent grows by
// (k / s) I with k = integral of k_c dt, so d/dk = I / s and d/ds = (k / s) (A - I / s); without
// neutralisation (s = 0) it grows by k A0 and the s-derivatives are their limits as s -> 0:
// dA/ds = dQ/ds = -A0 Q0, d/ds of the growth = -k A0 Q0 / 2.

#include <cmath>
#include <string_view>
#include <utility>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"

namespace fabtwin::resist {

/// Rates integrated over one reaction sub-step of length `seconds`: quench = integral of k_r dt
/// (k_r in 1/s per unit relative concentration), deprotect = integral of k_c dt.
struct ReactionStep {
  double seconds = 0;
  double quench = 0;
  double deprotect = 0;

  void validate(std::string_view where) const {
    require(std::isfinite(seconds) && seconds > 0, where, "step.seconds", seconds,
            "a positive, finite time in s");
    require(std::isfinite(quench) && quench >= 0, where, "step.quench", quench,
            "a finite, non-negative integral of k_r over the step");
    require(std::isfinite(deprotect) && deprotect >= 0, where, "step.deprotect", deprotect,
            "a finite, non-negative integral of k_c over the step");
  }
};

namespace detail {

/// phi(c, s) = (1 - e^{-c s}) / c for c >= 0, s at c = 0.
template <class T>
FABTWIN_HD T logistic_phi(T c, T s) {
  return c > T(0) ? -cuda::std::expm1(-c * s) / c : s;
}

/// The rates of one sub-step shared by every sample: s = integral k_r dt, the ratio of the mean
/// rates k_c / k_r and k = integral k_c dt (used when there is no quencher reaction).
template <class T>
struct UniformReactionRates {
  T quench, deprotect_per_quench, deprotect;
  FABTWIN_HD T quench_at(index_t) const { return quench; }
  FABTWIN_HD T deprotect_per_quench_at(index_t) const { return deprotect_per_quench; }
  FABTWIN_HD T deprotect_at(index_t) const { return deprotect; }
};

/// Rates that differ from sample to sample (a bake with a temperature map): the integrals of k_r
/// and k_c over the sub-step at every sample of one batch member, shared by the batch.
template <class T, class Space>
struct MappedReactionRates {
  View<const T, Space> quench, deprotect;
  FABTWIN_HD T quench_at(index_t i) const { return quench[i % quench.size()]; }
  FABTWIN_HD T deprotect_per_quench_at(index_t i) const {
    const T s = quench_at(i);
    return s > T(0) ? deprotect_at(i) / s : T(0);
  }
  FABTWIN_HD T deprotect_at(index_t i) const { return deprotect[i % deprotect.size()]; }
};

/// Advances (acid, quencher, deprotection exponent) of every sample by one exact reaction step
/// with the sample's rates; with an empty deprotection view, acid and quencher alone (the same
/// bits, without the integral of A: a log1p per sample). Run over the fields' total sample count.
template <class T, class Space, class Rates = UniformReactionRates<T>>
struct ReactAcidQuencher {
  View<T, Space> acid, quencher, deprotection;
  Rates rates;

  FABTWIN_HD void operator()(index_t i) const {
    const T a0 = acid[i], q0 = quencher[i];
    if (a0 <= T(0) && q0 <= T(0)) return;  // nothing to react (see "Negative samples" above)
    const bool deprotects = deprotection.data() != nullptr;
    const T quench = rates.quench_at(i), c = a0 - q0;
    T a, acid_integral_s = T(0);  // A at the end of the step and the integral of A ds over it
    if (c >= T(0)) {
      const T phi = logistic_phi(c, quench);
      a = a0 / (T(1) + q0 * phi);
      if (deprotects) acid_integral_s = c * quench + cuda::std::log1p(q0 * phi);
    } else {
      const T d = -c, phi = logistic_phi(d, quench);
      a = a0 * cuda::std::exp(-d * quench) / (T(1) + a0 * phi);
      if (deprotects) acid_integral_s = cuda::std::log1p(a0 * phi);
    }
    acid[i] = a;
    quencher[i] = a - c;  // A - Q is conserved exactly, so no clamp here
    if (!deprotects) return;
    // integral of k_c A dt = (k_c / k_r) integral of A ds; without neutralisation A is constant.
    deprotection[i] += quench > T(0) ? rates.deprotect_per_quench_at(i) * acid_integral_s
                                     : rates.deprotect_at(i) * a0;
  }
};

/// What the reverse of a step needs of e^{-x} at x = c s (c, s >= 0), from one exponential per
/// sample: e = e^{-x}, phi(c, s) (logistic_phi's value), and F(x) = (1 - e (1 + x)) / x^2 and
/// G(x) = (x - 1 + e) / x^2 (both 1/2 at 0). Below x = 1 phi takes expm1 and F, G their Taylor
/// series, G = sum_{n >= 2} (-x)^{n-2} / n! and F = G + x G'(x) (the closed forms cancel there;
/// 20 terms: the remainder is below 1/20!), by Horner's rule in y = -x with the derivative alongside;
/// from x = 1 on nothing cancels: 1 - e >= 0.63, and x - 1 and e are both >= 0.
template <class T>
struct LogisticMoments {
  T e, phi, f, g;
  FABTWIN_HD LogisticMoments(T c, T s) {
    const T x = c * s;
    if (x < T(1)) {
      const T em1 = cuda::std::expm1(-x);
      e = T(1) + em1;
      phi = c > T(0) ? -em1 / c : s;
      // 1 / n! for n = 2 .. 21.
      constexpr double inverse_factorial[20] = {0.5,
                                                0.16666666666666666,
                                                0.041666666666666664,
                                                0.008333333333333333,
                                                0.001388888888888889,
                                                0.0001984126984126984,
                                                2.48015873015873e-05,
                                                2.7557319223985893e-06,
                                                2.755731922398589e-07,
                                                2.505210838544172e-08,
                                                2.08767569878681e-09,
                                                1.6059043836821613e-10,
                                                1.1470745597729725e-11,
                                                7.647163731819816e-13,
                                                4.779477332387385e-14,
                                                2.8114572543455206e-15,
                                                1.5619206968586225e-16,
                                                8.22063524662433e-18,
                                                4.110317623312165e-19,
                                                1.9572941063391263e-20};
      const T y = -x;
      T p = T(inverse_factorial[19]), dp = T(0);
      for (int k = 18; k >= 0; --k) {
        dp = dp * y + p;
        p = p * y + T(inverse_factorial[k]);
      }
      g = p;
      f = p + y * dp;
    } else {
      e = cuda::std::exp(-x);
      phi = (T(1) - e) / c;
      const T x2 = x * x;
      f = (T(1) - e * (T(1) + x)) / x2;
      g = ((x - T(1)) + e) / x2;
    }
  }
};

/// Reverse mode of ReactAcidQuencher (see "Reverse mode" above): from the state before the step
/// and the cotangents of the step's outputs, overwrites grad_acid and grad_quencher with the
/// cotangents of its inputs and writes each sample's share of dL/ds (s = integral k_r dt) and
/// dL/dk (k = integral k_c dt). The deprotection exponent's cotangent passes through unchanged
/// (the step adds to it), so it is read only. Run over the fields' total sample count.
template <class T, class Space, class Rates = UniformReactionRates<T>>
struct ReactAcidQuencherReverse {
  View<const T, Space> acid, quencher, grad_deprotection;
  View<T, Space> grad_acid, grad_quencher;
  View<double, Space> grad_quench, grad_deprotect;
  Rates rates;  // as ReactAcidQuencher's

  FABTWIN_HD void operator()(index_t i) const {
    const T a0 = acid[i], q0 = quencher[i], ga = grad_acid[i], gq = grad_quencher[i],
            gd = grad_deprotection[i];
    const T quench = rates.quench_at(i),
            deprotect_rate_per_quench = rates.deprotect_per_quench_at(i),
            deprotect_time = rates.deprotect_at(i);
    if (a0 <= T(0) && q0 <= T(0)) {  // the identity: cotangents pass through
      grad_quench[i] = 0;
      grad_deprotect[i] = 0;
      return;
    }
    if (quench == T(0)) {  // A, Q unchanged, deprotection += k A0
      grad_acid[i] = ga + gd * deprotect_time;
      grad_quench[i] = -double(a0 * q0) * double(ga + gq + gd * deprotect_time / T(2));
      grad_deprotect[i] = double(gd * a0);
      return;
    }
    const T s = quench, c = a0 - q0;
    T a, integral, da_da0, da_dq0, dq_da0, dq_dq0, di_da0, di_dq0;
    if (c >= T(0)) {
      const LogisticMoments<T> m(c, s);
      const T phi = m.phi, den = T(1) + q0 * phi, psi = s * s * m.f, sg = s * s * m.g;
      a = a0 / den;
      integral = c * s + cuda::std::log1p(q0 * phi);
      da_da0 = (T(1) + a * q0 * psi) / den;
      da_dq0 = -a * (phi + q0 * psi) / den;
      dq_da0 = da_da0 - T(1);
      dq_dq0 = da_dq0 + T(1);
      di_da0 = (s + q0 * sg) / den;
      di_dq0 = -a * sg;
    } else {
      const T d = -c;
      const LogisticMoments<T> m(d, s);
      const T phi = m.phi, den = T(1) + a0 * phi, psi = s * s * m.f;
      a = a0 * m.e / den;
      const T q = a - c;
      integral = cuda::std::log1p(a0 * phi);
      dq_dq0 = (T(1) + q * a0 * psi) / den;
      dq_da0 = -q * (phi + a0 * psi) / den;
      da_da0 = dq_da0 + T(1);
      da_dq0 = dq_dq0 - T(1);
      di_da0 = (phi + a0 * psi) / den;
      di_dq0 = -a0 * psi / den;
    }
    const T q = a - c, r = deprotect_rate_per_quench;
    grad_acid[i] = ga * da_da0 + gq * dq_da0 + gd * r * di_da0;
    grad_quencher[i] = ga * da_dq0 + gq * dq_dq0 + gd * r * di_dq0;
    grad_quench[i] = -double(ga + gq) * double(a) * double(q) +
                     double(gd * r) * (double(a) - double(integral / s));
    grad_deprotect[i] = double(gd) * double(integral / s);
  }
};

}  // namespace detail

/// One exact reaction step on fields of any shape (the three views' extents must agree):
/// acid and quencher are replaced by their values after the step, and the deprotection exponent
/// integral of k_c A dt is increased by this step's share.
template <class T, class Space>
void react(Context<Space>& ctx, View<T, Space> acid, View<T, Space> quencher,
           View<T, Space> deprotection, const ReactionStep& step) {
  constexpr const char* where = "resist::react";
  step.validate(where);
  for (const auto& [name, view] :
       {std::pair{"quencher", quencher}, std::pair{"deprotection", deprotection}})
    if (!view.same_extents(acid))
      throw shape_mismatch(
          argument_message(where, name, ::fabtwin::detail::describe_extents(view),
                           "the extents of acid, " + ::fabtwin::detail::describe_extents(acid)));
  const double ratio = step.quench > 0 ? step.deprotect / step.quench : 0;
  for_each(ctx, Range1{acid.size()},
           detail::ReactAcidQuencher<T, Space>{
               acid, quencher, deprotection, {T(step.quench), T(ratio), T(step.deprotect)}});
}

/// react() for acid and quencher alone, to the same bits: without the deprotection's integral of
/// A, which an adjoint recomputing a step's intermediate states does not need.
template <class T, class Space>
void react_states(Context<Space>& ctx, View<T, Space> acid, View<T, Space> quencher,
                  const ReactionStep& step) {
  constexpr const char* where = "resist::react_states";
  step.validate(where);
  if (!quencher.same_extents(acid))
    throw shape_mismatch(
        argument_message(where, "quencher", ::fabtwin::detail::describe_extents(quencher),
                         "the extents of acid, " + ::fabtwin::detail::describe_extents(acid)));
  for_each(ctx, Range1{acid.size()},
           detail::ReactAcidQuencher<T, Space>{acid, quencher, {}, {T(step.quench), T(0), T(0)}});
}

}  // namespace fabtwin::resist
