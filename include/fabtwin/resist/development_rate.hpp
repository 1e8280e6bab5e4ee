#pragma once
// Development rate of a positive resist as a function of the relative inhibitor (protected-site)
// concentration m in [0, 1] left after the bake (physics.md §2), as FABTWIN_HD functors, and a map
// m -> R over a field in any Space.
//
// Mack (1987):       R(m) = R_max (a + 1) (1 - m)^n / (a + (1 - m)^n) + R_min,
//                    a = (n + 1) / (n - 1) (1 - M_th)^n,
// so R(0) = R_max + R_min, R(1) = R_min, and M_th is the inflection point of the notch.
// Enhanced Mack:     R(m) = R_resin (1 + k_e (1 - m)^n) / (1 + k_i m^l),
//                    k_e = R_max / R_resin - 1,  k_i = R_resin / R_min - 1,
// so R(0) = R_max and R(1) = R_min.
//
// m is clamped to [0, 1] first: a bake model's rounding may leave m a few ulps outside, where
// (1 - m)^n with a non-integer n would be NaN.

#include <cmath>
#include <string>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::resist {

namespace detail {
template <class T>
FABTWIN_HD T clamp_unit(T m) {
  return m < T(0) ? T(0) : (m > T(1) ? T(1) : m);
}
}  // namespace detail

/// The Mack rate as a device functor: R = rate(m), nm/s.
template <class T>
struct MackRate {
  T r_max, r_min, n, a;
  FABTWIN_HD T operator()(T m) const {
    const T power = cuda::std::pow(T(1) - detail::clamp_unit(m), n);
    return r_max * (a + T(1)) * power / (a + power) + r_min;
  }
};

/// The enhanced Mack rate as a device functor: R = rate(m), nm/s.
template <class T>
struct EnhancedMackRate {
  T r_resin, k_e, k_i, n, l;
  FABTWIN_HD T operator()(T m) const {
    const T u = detail::clamp_unit(m);
    return r_resin * (T(1) + k_e * cuda::std::pow(T(1) - u, n)) /
           (T(1) + k_i * cuda::std::pow(u, l));
  }
};

/// Parameters of the Mack model. Sentaurus' published set: R_max 40 nm/s, R_min 0.0003 nm/s,
/// M_th 0.5, n 30.
struct MackParameters {
  double r_max = 0;  ///< nm/s
  double r_min = 0;  ///< nm/s
  double m_th = 0;   ///< threshold inhibitor concentration, in [0, 1)
  double n = 0;      ///< dissolution selectivity, > 1

  void validate(std::string_view where) const {
    require(std::isfinite(r_max) && r_max > 0, where, "r_max", r_max,
            "a positive, finite rate in nm/s");
    require(std::isfinite(r_min) && r_min >= 0 && r_min < r_max, where, "r_min", r_min,
            "a finite rate in nm/s with 0 <= r_min < r_max");
    require(std::isfinite(m_th) && m_th >= 0 && m_th < 1, where, "m_th", m_th,
            "a threshold in [0, 1)");
    require(std::isfinite(n) && n > 1, where, "n", n,
            "a finite selectivity n > 1 (a has n - 1 below)");
  }

  /// a = (n + 1) / (n - 1) (1 - M_th)^n.
  double a() const { return (n + 1) / (n - 1) * std::pow(1 - m_th, n); }

  template <class T>
  MackRate<T> rate() const {
    validate("resist::MackParameters");
    return {T(r_max), T(r_min), T(n), T(a())};
  }
};

/// Parameters of the enhanced Mack model.
struct EnhancedMackParameters {
  double r_max = 0;    ///< rate of fully deprotected resist, nm/s
  double r_resin = 0;  ///< rate of the resin alone, nm/s
  double r_min = 0;    ///< rate of fully protected resist, nm/s
  double n = 0;        ///< order of the enhancement, > 0
  double l = 0;        ///< order of the inhibition, > 0

  void validate(std::string_view where) const {
    require(std::isfinite(r_min) && r_min > 0, where, "r_min", r_min,
            "a positive, finite rate in nm/s");
    require(std::isfinite(r_resin) && r_resin >= r_min, where, "r_resin", r_resin,
            "a finite rate in nm/s with r_resin >= r_min (k_i >= 0)");
    require(std::isfinite(r_max) && r_max >= r_resin, where, "r_max", r_max,
            "a finite rate in nm/s with r_max >= r_resin (k_e >= 0)");
    require(std::isfinite(n) && n > 0, where, "n", n, "a positive, finite order");
    require(std::isfinite(l) && l > 0, where, "l", l, "a positive, finite order");
  }

  double k_e() const { return r_max / r_resin - 1; }
  double k_i() const { return r_resin / r_min - 1; }

  template <class T>
  EnhancedMackRate<T> rate() const {
    validate("resist::EnhancedMackParameters");
    return {T(r_resin), T(k_e()), T(k_i()), T(n), T(l)};
  }
};

/// rate[i] = model(m[i]) for every sample (MackRate or EnhancedMackRate); m and rate may be the
/// same field.
template <class T, class Space, class Model>
void development_rate(Context<Space>& ctx, const Field<T, Space>& m, const Model& model,
                      Field<T, Space>& rate) {
  require_same_shape(m.grid(), rate.grid(), "resist::development_rate", "rate.grid");
  transform(ctx, m.cview(), rate.view(), model);
}

}  // namespace fabtwin::resist
