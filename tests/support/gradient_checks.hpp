#pragma once
// What the gradient tests of every stage share (physics.md §5): the real inner product of two
// sample vectors, and the orders a Taylor test observes.

#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

namespace fabtwin::test {

/// sum a_i b_i in double.
template <class A, class B>
double real_dot(const std::vector<A>& a, const std::vector<B>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

/// Observed orders log2(r(eps) / r(eps / 2)) of Taylor remainders taken at halving steps.
inline std::vector<double> observed_orders(const std::vector<double>& remainders) {
  std::vector<double> orders;
  for (std::size_t k = 0; k + 1 < remainders.size(); ++k)
    orders.push_back(std::log2(remainders[k] / remainders[k + 1]));
  return orders;
}

/// Taylor test of a scalar J along a direction: the remainders |J(eps) - J(0) - eps slope| for
/// eps = eps0, eps0/2, ... (count values) and their observed orders (2 for a correct gradient).
inline std::vector<double> taylor_orders(const std::function<double(double)>& j, double slope,
                                         double eps0, int count) {
  const double j0 = j(0);
  std::vector<double> remainders;
  for (int k = 0; k < count; ++k) {
    const double eps = eps0 / double(1 << k);
    remainders.push_back(std::abs(j(eps) - j0 - eps * slope));
  }
  return observed_orders(remainders);
}

}  // namespace fabtwin::test
