#pragma once
// Closed forms the diffusion tests compare against: Gaussians and error functions summed over the
// images a periodic or mirror (no-flux) boundary makes.

#include <cmath>
#include <numbers>
#include <vector>

#include "fabtwin/thermal/spectral_diffusion.hpp"
#include "support/test_cases.hpp"

namespace fabtwin::test {

/// Positions (in cells, cell i centred at i) of the sources that reproduce a unit source at x0 on
/// n cells with boundary b: x0 + k P for P = n (periodic), plus -1 - x0 + k P with P = 2n (mirror
/// about the faces at -1/2 and n - 1/2).
inline std::vector<double> images(double x0, index_t n, thermal::Boundary b) {
  std::vector<double> out;
  const double period = b == thermal::Boundary::periodic ? double(n) : 2.0 * double(n);
  for (int k = -3; k <= 3; ++k) {
    out.push_back(x0 + k * period);
    if (b == thermal::Boundary::mirror) out.push_back(-1 - x0 + k * period);
  }
  return out;
}

/// The sample at cell x of a unit-mass source at x0 spread to a Gaussian of standard deviation
/// sigma (cells): sum over images of exp(-d^2 / (2 sigma^2)) / (sigma sqrt(2 pi)).
inline double gaussian_sample(double x, double x0, double sigma, index_t n, thermal::Boundary b) {
  double sum = 0;
  for (const double c : images(x0, n, b)) {
    const double d = x - c;
    sum += std::exp(-d * d / (2 * sigma * sigma)) / (sigma * std::sqrt(2 * std::numbers::pi));
  }
  return sum;
}

/// A unit step on cells [0, face) (face a cell boundary, in cells) blurred by sigma (cells) on an
/// unbounded axis: erfc((x - face) / (sigma sqrt 2)) / 2.
inline double erf_step(double x, double face, double sigma) {
  return 0.5 * std::erfc((x - face) / (sigma * std::sqrt(2.0)));
}

/// max |a - b| over max |b|.
template <class T>
double relative_to_peak(const std::vector<T>& a, const std::vector<double>& b) {
  double worst = 0, peak = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    peak = std::max(peak, std::abs(b[i]));
  }
  return worst / peak;
}

template <class T>
double total(const std::vector<T>& values) {
  double sum = 0;
  for (const auto v : values) sum += double(v);
  return sum;
}

}  // namespace fabtwin::test

namespace fabtwin::test {

/// The exact semi-discrete heat kernel on an unbounded line of cells: a unit sample diffusing
/// under du_i/dt = mu' (u_{i+1} - 2 u_i + u_{i-1}) for a time with mu = integral mu' dt holds
/// e^{-2 mu} I_k(2 mu) at distance k (I_k the modified Bessel function), summed here from its
/// power series in log space.
inline double discrete_kernel(double k, double mu) {
  k = std::abs(k);
  double sum = 0;
  for (int m = 0; m < 600; ++m)
    sum += std::exp(-2 * mu + (2 * m + k) * std::log(mu) - std::lgamma(m + 1.0) -
                    std::lgamma(m + k + 1));
  return sum;
}

/// discrete_kernel summed over the images of a source at x0 on n cells with boundary b.
inline double discrete_kernel_sample(double x, double x0, double mu, index_t n,
                                     thermal::Boundary b) {
  double sum = 0;
  for (const double c : images(x0, n, b))
    if (std::abs(x - c) < 200) sum += discrete_kernel(x - c, mu);
  return sum;
}

}  // namespace fabtwin::test
