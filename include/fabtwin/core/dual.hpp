#pragma once
// Dual numbers for forward-mode differentiation: a value and its derivatives along N directions,
// carried through arithmetic by the chain rule. A kernel templated over its scalar computes, with
// Dual<N>, its result and the result's derivatives with respect to N seeded inputs in the same
// pass (the etch's parameter sensitivities: etch/sensitivity.hpp). Comparisons look at the value
// only, so branches (an upwind choice, a minimum) pick the same side as in double and the
// derivative is that side's. explicit operator double() gives the value to code that needs a
// plain number (geometry: which cell, which ray hits).

#include <array>
#include <cmath>

#include "fabtwin/core/config.hpp"

namespace fabtwin {

template <int N>
struct Dual {
  double value = 0;
  std::array<double, N> d{};  ///< derivatives

  Dual() = default;
  FABTWIN_HD Dual(double v) : value(v) {}  // NOLINT: a constant is a dual with zero derivatives
  /// The variable `v` whose derivative along direction `k` is 1.
  FABTWIN_HD static Dual variable(double v, int k) {
    Dual x(v);
    x.d[k] = 1;
    return x;
  }
  FABTWIN_HD explicit operator double() const { return value; }

  FABTWIN_HD Dual operator-() const {
    Dual r(-value);
    for (int k = 0; k < N; ++k) r.d[k] = -d[k];
    return r;
  }
  FABTWIN_HD Dual& operator+=(const Dual& o) {
    value += o.value;
    for (int k = 0; k < N; ++k) d[k] += o.d[k];
    return *this;
  }
  FABTWIN_HD Dual& operator-=(const Dual& o) {
    value -= o.value;
    for (int k = 0; k < N; ++k) d[k] -= o.d[k];
    return *this;
  }
  FABTWIN_HD Dual& operator*=(const Dual& o) {
    for (int k = 0; k < N; ++k) d[k] = d[k] * o.value + value * o.d[k];
    value *= o.value;
    return *this;
  }
  FABTWIN_HD Dual& operator/=(const Dual& o) {
    const double inverse = 1 / o.value;
    for (int k = 0; k < N; ++k) d[k] = (d[k] - value * inverse * o.d[k]) * inverse;
    value *= inverse;
    return *this;
  }
  friend FABTWIN_HD Dual operator+(Dual a, const Dual& b) { return a += b; }
  friend FABTWIN_HD Dual operator-(Dual a, const Dual& b) { return a -= b; }
  friend FABTWIN_HD Dual operator*(Dual a, const Dual& b) { return a *= b; }
  friend FABTWIN_HD Dual operator/(Dual a, const Dual& b) { return a /= b; }
  friend FABTWIN_HD bool operator<(const Dual& a, const Dual& b) { return a.value < b.value; }
  friend FABTWIN_HD bool operator>(const Dual& a, const Dual& b) { return a.value > b.value; }
  friend FABTWIN_HD bool operator<=(const Dual& a, const Dual& b) { return a.value <= b.value; }
  friend FABTWIN_HD bool operator>=(const Dual& a, const Dual& b) { return a.value >= b.value; }
  friend FABTWIN_HD bool operator==(const Dual& a, const Dual& b) { return a.value == b.value; }
  friend FABTWIN_HD bool operator!=(const Dual& a, const Dual& b) { return a.value != b.value; }

  /// f(x) with f(value) = fx and f'(value) = slope.
  FABTWIN_HD Dual chain(double fx, double slope) const {
    Dual r(fx);
    for (int k = 0; k < N; ++k) r.d[k] = slope * d[k];
    return r;
  }

  // The functions the etch kernels use, as hidden friends: found for duals by argument-dependent
  // lookup, and never hiding ::sqrt and the others from code in namespace fabtwin.
  friend FABTWIN_HD Dual sqrt(const Dual& x) {
    const double s = ::sqrt(x.value);
    return x.chain(s, s > 0 ? 0.5 / s : 0.0);
  }
  friend FABTWIN_HD Dual exp(const Dual& x) {
    const double e = ::exp(x.value);
    return x.chain(e, e);
  }
  friend FABTWIN_HD Dual fabs(const Dual& x) { return x.value < 0 ? -x : x; }
  friend FABTWIN_HD Dual fmin(const Dual& a, const Dual& b) { return b.value < a.value ? b : a; }
  friend FABTWIN_HD Dual fmax(const Dual& a, const Dual& b) { return a.value < b.value ? b : a; }
  friend FABTWIN_HD Dual atan2(const Dual& y, const Dual& x) {
    Dual r(::atan2(y.value, x.value));
    const double r2 = x.value * x.value + y.value * y.value;
    for (int k = 0; k < N; ++k) r.d[k] = r2 > 0 ? (x.value * y.d[k] - y.value * x.d[k]) / r2 : 0.0;
    return r;
  }
};

/// The value of a double or a dual.
FABTWIN_HD inline double value_of(double x) { return x; }
template <int N>
FABTWIN_HD double value_of(const Dual<N>& x) {
  return x.value;
}

}  // namespace fabtwin
