#pragma once
// Shared helpers of the resist tests: the double-precision cases of Taylor tests, and the observed
// orders of a sequence of Taylor remainders.

#include <cmath>
#include <functional>
#include <tuple>
#include <vector>

#include "fabtwin/resist/compact_models.hpp"
#include "fabtwin/resist/development_rate.hpp"
#include "fabtwin/resist/exposure.hpp"
#include "support/test_cases.hpp"

namespace fabtwin::test {

#if FABTWIN_HAS_CUDA
using ResistDoubleCases = std::tuple<Case<double, Host>, Case<double, Cuda>>;
#else
using ResistDoubleCases = std::tuple<Case<double, Host>>;
#endif

template <class A, class B>
double real_dot(const std::vector<A>& a, const std::vector<B>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

/// Taylor test of a scalar J along a direction: the remainders |J(eps) - J(0) - eps slope| for
/// eps = eps0, eps0/2, ... (count values), and the observed orders log2(r(eps) / r(eps/2)).
inline std::vector<double> taylor_orders(const std::function<double(double)>& j, double slope, double eps0,
                                         int count) {
  const double j0 = j(0);
  std::vector<double> remainders, orders;
  for (int k = 0; k < count; ++k) {
    const double eps = eps0 / double(1 << k);
    remainders.push_back(std::abs(j(eps) - j0 - eps * slope));
  }
  for (std::size_t k = 0; k + 1 < remainders.size(); ++k)
    orders.push_back(std::log2(remainders[k] / remainders[k + 1]));
  return orders;
}

}  // namespace fabtwin::test
