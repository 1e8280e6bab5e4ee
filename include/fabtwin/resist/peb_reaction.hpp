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

#include <cmath>
#include <string_view>
#include <utility>

#include <cuda/std/cmath>

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
    using ::fabtwin::detail::require;
    require(std::isfinite(seconds) && seconds > 0, where, "step.seconds", seconds, "a positive, finite time in s");
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

/// Advances (acid, quencher, deprotection exponent) of every sample by one exact reaction step.
/// Run over the fields' total sample count.
template <class T, class Space>
struct ReactAcidQuencher {
  View<T, Space> acid, quencher, deprotection;
  T quench, deprotect_rate_per_quench;  // s = integral k_r dt; kc_mean / kr_mean
  T deprotect_time;                     // integral k_c dt, used when there is no quencher reaction

  FABTWIN_HD void operator()(index_t i) const {
    const T a0 = acid[i], q0 = quencher[i];
    if (a0 <= T(0) && q0 <= T(0)) return;  // nothing to react (see "Negative samples" above)
    const T c = a0 - q0;
    T a, acid_integral_s;  // A at the end of the step and the integral of A ds over it
    if (c >= T(0)) {
      const T phi = logistic_phi(c, quench);
      a = a0 / (T(1) + q0 * phi);
      acid_integral_s = c * quench + cuda::std::log1p(q0 * phi);
    } else {
      const T d = -c, phi = logistic_phi(d, quench);
      a = a0 * cuda::std::exp(-d * quench) / (T(1) + a0 * phi);
      acid_integral_s = cuda::std::log1p(a0 * phi);
    }
    acid[i] = a;
    quencher[i] = a - c;  // A - Q is conserved exactly, so no clamp here
    // integral of k_c A dt = (k_c / k_r) integral of A ds; without neutralisation A is constant.
    deprotection[i] += quench > T(0) ? deprotect_rate_per_quench * acid_integral_s : deprotect_time * a0;
  }
};

}  // namespace detail

/// One exact reaction step on fields of any shape (the three views' extents must agree):
/// acid and quencher are replaced by their values after the step, and the deprotection exponent
/// integral of k_c A dt is increased by this step's share.
template <class T, class Space>
void react(Context<Space>& ctx, View<T, Space> acid, View<T, Space> quencher, View<T, Space> deprotection,
           const ReactionStep& step) {
  constexpr const char* where = "resist::react";
  step.validate(where);
  for (const auto& [name, view] : {std::pair{"quencher", quencher}, std::pair{"deprotection", deprotection}})
    if (!view.same_extents(acid))
      throw shape_mismatch(::fabtwin::detail::argument_message(
          where, name, ::fabtwin::detail::describe_extents(view),
          "the extents of acid, " + ::fabtwin::detail::describe_extents(acid)));
  const double ratio = step.quench > 0 ? step.deprotect / step.quench : 0;
  for_each(ctx, Range1{acid.size()},
           detail::ReactAcidQuencher<T, Space>{acid, quencher, deprotection, T(step.quench), T(ratio),
                                               T(step.deprotect)});
}

}  // namespace fabtwin::resist
