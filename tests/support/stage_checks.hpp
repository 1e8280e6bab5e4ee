#pragma once
// Gradient checks of any twin::Stage (physics.md §5), generic over the Stage concept: every stage,
// and every chain of them, is checked the same way.
//
// - Taylor test w.r.t. the input: J(eps) = <g, forward(x + eps d)> for a fixed random cotangent g
//   and direction d; with slope = <backward(g), d> the remainder |J(eps) - J(0) - eps slope| falls
//   as eps^2 when the gradient is right (as eps when it is wrong).
// - Taylor test w.r.t. each named parameter: the value moved by eps * scale (Parameter::scale),
//   slope = gradient * scale.
// - Dot-product test of a linear stage: <A x, y> = <x, A^T y>.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

namespace fabtwin::test {

/// sum a_i b_i of two fields of one shape, in double, on the host.
template <class T, class S>
double field_dot(const Field<T, S>& a, const Field<T, S>& b) {
  return real_dot(to_vector(a), to_vector(b));
}

/// x + eps d, a new field (x's grid and batch).
template <class T, class S>
Field<T, S> shifted(const Field<T, S>& x, const Field<T, S>& d, double eps) {
  std::vector<T> values = to_vector(x);
  const std::vector<T> step = to_vector(d);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] += T(eps) * step[i];
  return field_with<S>(x.grid(), values, x.batch());
}

/// A random field in [-amplitude, amplitude) of the given shape.
template <class S, class T = double>
Field<T, S> random_field(const Grid& grid, index_t batch, std::uint64_t seed,
                         double amplitude = 1) {
  std::vector<T> values = random_values<T>(grid.size() * batch, seed);
  for (T& v : values) v *= T(amplitude);
  return field_with<S>(grid, values, batch);
}

struct ParameterOrders {
  std::string name;
  double slope = 0;
  std::vector<double> orders;
};

/// Observed Taylor orders of `stage` w.r.t. its input at `x` along `direction`, cotangent `g`.
template <twin::Stage St, class T = typename St::value_type, class S = typename St::space>
std::vector<double> input_taylor_orders(Context<S>& ctx, St& stage, const Field<T, S>& x,
                                        const Field<T, S>& direction, const Field<T, S>& g,
                                        double eps0, int count = 4) {
  stage.zero_gradient();
  stage.forward(ctx, x);
  const double slope = field_dot(stage.backward(ctx, g), direction);
  const auto j = [&](double eps) {
    const Field<T, S> moved = shifted(x, direction, eps);
    return field_dot(g, stage.forward(ctx, moved));
  };
  return taylor_orders(j, slope, eps0, count);
}

/// Observed Taylor orders of `stage` w.r.t. each of its named parameters at input `x`, cotangent
/// `g`; each parameter moves by eps * its scale * `step` (towards the inside of its bounds).
template <twin::Stage St, class T = typename St::value_type, class S = typename St::space>
std::vector<ParameterOrders> parameter_taylor_orders(Context<S>& ctx, St& stage,
                                                     const Field<T, S>& x, const Field<T, S>& g,
                                                     double step = 0.1, int count = 4) {
  stage.zero_gradient();
  stage.forward(ctx, x);
  stage.backward(ctx, g);
  std::vector<ParameterOrders> all;
  for (const twin::Parameter& p : stage.parameters()) {
    const double start = *p.value;
    double delta = p.scale * step;
    if (start + delta > p.upper) delta = -delta;
    ParameterOrders result{p.name, *p.gradient * delta, {}};
    const auto j = [&](double eps) {
      *p.value = start + eps * delta;
      const double value = field_dot(g, stage.forward(ctx, x));
      *p.value = start;
      return value;
    };
    result.orders = taylor_orders(j, result.slope, 1.0, count);
    all.push_back(std::move(result));
  }
  return all;
}

/// The two sides <A x, y> and <x, A^T y> of a linear stage's dot-product test.
template <twin::Stage St, class T = typename St::value_type, class S = typename St::space>
std::pair<double, double> dot_product_sides(Context<S>& ctx, St& stage, const Field<T, S>& x,
                                            const Field<T, S>& y) {
  static_assert(twin::is_linear_stage_v<St>, "the dot-product test is for linear stages");
  const double forward_side = field_dot(stage.forward(ctx, x), y);
  const double backward_side = field_dot(x, stage.backward(ctx, y));
  return {forward_side, backward_side};
}

}  // namespace fabtwin::test
