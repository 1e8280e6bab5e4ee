// The bake with a temperature map (peb_temperature_map.hpp): without diffusion every sample follows
// the reaction closed forms at its own temperature history (integrals computed here by Simpson's
// rule); a uniform map bakes as the spectral bake at the offset temperature, the difference being
// the finite volumes' and falling at second order in the pitch; total(A - Q) is conserved with a
// varying map; the splitting converges at second order in the time step; bad maps are refused.

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "resist/peb_models.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Contains;
using resist::PebModel;
using thermal::TemperatureHistory;

namespace {

/// integral of r_ref exp(-(Ea/R)(1/T - 1/T_ref)) over a piecewise-linear history with the local
/// temperature T = history(t) + gain(t) offset, by composite Simpson on 4000 panels per segment
/// (independent of the library's Gauss-Legendre quadrature).
double simpson_integral(double at_reference, double activation, double reference_kelvin,
                        const TemperatureHistory& history, double offset,
                        const std::function<double(double)>& gain) {
  const double b = activation / thermal::gas_constant_kcal;
  const auto rate = [&](double t) {
    return at_reference * std::exp(b / reference_kelvin - b / (history.at(t) + gain(t) * offset));
  };
  double total = 0;
  const auto& knots = history.knots();
  for (std::size_t s = 0; s + 1 < knots.size(); ++s) {
    const int panels = 4000;
    const double t0 = knots[s].t_s, h = (knots[s + 1].t_s - t0) / panels;
    double piece = rate(t0) + rate(knots[s + 1].t_s);
    for (int i = 1; i < panels; ++i) piece += (i % 2 ? 4 : 2) * rate(t0 + i * h);
    total += piece * h / 3;
  }
  return total;
}

/// A smooth map of offsets in K over an nx x ny field.
template <class T, class S>
Field<T, S> smooth_offsets(const Grid& grid, double amplitude) {
  const Grid plane(grid.nx(), grid.ny(), grid.pitch().x);
  std::vector<T> values(std::size_t(plane.size()));
  for (index_t y = 0; y < plane.ny(); ++y)
    for (index_t x = 0; x < plane.nx(); ++x)
      values[std::size_t(x + plane.nx() * y)] =
          T(amplitude * std::sin(2.1 * (x + 0.5) / double(plane.nx())) *
            std::cos(1.7 * (y + 0.5) / double(plane.ny())));
  return test::field_with<S>(plane, values);
}

/// A smooth exposed acid over the box: cosines that the mirror walls leave smooth, decaying in z.
template <class T, class S>
Field<T, S> smooth_acid(const Grid& grid) {
  std::vector<T> values(std::size_t(grid.size()));
  const double pi = std::numbers::pi;
  for (index_t z = 0; z < grid.nz(); ++z)
    for (index_t y = 0; y < grid.ny(); ++y)
      for (index_t x = 0; x < grid.nx(); ++x) {
        const double u = (x + 0.5) / double(grid.nx()), v = (y + 0.5) / double(grid.ny()),
                     w = (z + 0.5) / double(grid.nz());
        values[std::size_t(x + grid.nx() * (y + grid.ny() * z))] =
            T((0.45 + 0.3 * std::cos(pi * u) * std::cos(pi * v)) * std::exp(-0.4 * (1 - w)));
      }
  return test::field_with<S>(grid, values);
}

TemperatureHistory shifted(const TemperatureHistory& history, double kelvin) {
  std::vector<thermal::Knot> knots = history.knots();
  for (auto& knot : knots) knot.kelvin += kelvin;
  return TemperatureHistory(knots);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE(
    "Without diffusion every sample reacts as the closed forms at its own temperature",
    "[resist][peb][temperature-map]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(9, 7, 2.0);
  const auto offsets = smooth_offsets<T, S>(grid, 2.5);
  const auto offsets_host = to_vector(offsets);
  const std::function<double(double)> gain = [](double t) {
    return 1 - std::exp(-t / 3.0);
  };  // tau = 3 s
  // Ramp from 20 C in 3 s, hold 10 s at 110 C, cool in 4 s; steps of 0.7 s straddle the knots.
  const TemperatureHistory history = TemperatureHistory::bake(293.15, 383.15, 3, 10, 4);
  const auto acid_values = [&] {
    auto values = test::random_values<double>(grid.size(), 11);
    for (auto& v : values) v = 0.5 + 0.45 * v;
    values[3] = 0.3;  // equal to Q0: the c = 0 branch
    return values;
  }();
  std::vector<T> acid_t(acid_values.begin(), acid_values.end());
  const auto acid0 = test::field_with<S>(grid, acid_t);
  const double tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-11;

  PebModel model = test::activated_model();
  model.acid = {};
  model.quencher = {};
  SECTION("neutralisation: A = A0 / (1 + Q0 phi(c, S)), S the sample's integral of k_r") {
    const auto state =
        resist::bake(ctx, acid0, model, history, resist::TemperatureMap<T, S>{offsets, gain}, 0.7);
    const auto acid = to_vector(state.acid), quencher = to_vector(state.quencher);
    double worst = 0;
    for (std::size_t i = 0; i < acid.size(); ++i) {
      const double s =
          simpson_integral(model.quench.per_s, model.quench.activation_kcal_per_mol,
                           model.reference_kelvin, history, double(offsets_host[i]), gain);
      const double a0 = double(acid_t[i]), q0 = model.initial_quencher, c = a0 - q0;
      const double expected = c == 0  ? a0 / (1 + a0 * s)
                              : c > 0 ? a0 / (1 + q0 * (-std::expm1(-c * s) / c))
                                      : a0 * std::exp(c * s) / (1 + a0 * (-std::expm1(c * s) / -c));
      worst = std::max({worst, std::abs(double(acid[i]) - expected),
                        std::abs(double(quencher[i]) - (expected - c))});
    }
    CHECK(worst < tolerance);
  }
  SECTION("deprotection without quencher: A0 times the sample's integral of k_c") {
    model.initial_quencher = 0;
    const auto state =
        resist::bake(ctx, acid0, model, history, resist::TemperatureMap<T, S>{offsets, gain}, 0.7);
    const auto deprotection = to_vector(state.deprotection);
    double worst = 0, spread_low = 1e300, spread_high = 0;
    for (std::size_t i = 0; i < deprotection.size(); ++i) {
      const double k =
          simpson_integral(model.deprotect.per_s, model.deprotect.activation_kcal_per_mol,
                           model.reference_kelvin, history, double(offsets_host[i]), gain);
      const double expected = double(acid_t[i]) * k;
      worst = std::max(worst, std::abs(double(deprotection[i]) - expected) / expected);
      spread_low = std::min(spread_low, k), spread_high = std::max(spread_high, k);
    }
    CHECK(worst < tolerance);
    CHECK(spread_high / spread_low > 1.2);  // the map matters: +-2.5 K moves k_c by tens of percent
  }
}

TEMPLATE_LIST_TEST_CASE(
    "A uniform map bakes as the spectral bake at the offset temperature, to second order in the pitch",
    "[resist][peb][temperature-map]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const PebModel model = test::activated_model();
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 2, 6, 2);
  const double offset = 1.5;  // K, everywhere
  std::vector<double> errors;
  for (const index_t n : {8, 16, 32}) {
    const Grid grid =
        Grid::volume(n, n, n / 2, Vec3{64.0 / double(n), 64.0 / double(n), 32.0 / double(n / 2)});
    const auto acid0 = smooth_acid<double, S>(grid);
    Field<double, S> uniform(Grid(n, n, grid.pitch().x));
    fill(ctx, uniform.view(), offset);
    const auto mapped =
        resist::bake(ctx, acid0, model, history, resist::TemperatureMap<double, S>{uniform}, 0.5);
    const auto spectral = resist::bake(ctx, acid0, model, shifted(history, offset), 0.5);
    const auto a = to_vector(resist::inhibitor(ctx, mapped)),
               b = to_vector(resist::inhibitor(ctx, spectral));
    errors.push_back(test::relative_error(a, b));
    // The uniform map is not a no-op: the unshifted bake differs by far more.
    const auto nominal =
        to_vector(resist::inhibitor(ctx, resist::bake(ctx, acid0, model, history, 0.5)));
    CHECK(test::relative_error(nominal, b) > 10 * errors.back());
  }
  INFO("relative errors " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  CHECK(errors[2] < 2e-3);
  for (const double order : test::observed_orders(errors)) CHECK(order == Approx(2).margin(0.25));
}

TEMPLATE_LIST_TEST_CASE("A bake with a varying map conserves total(A - Q)",
                        "[resist][peb][temperature-map]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(10, 8, 6, Vec3{2.0, 2.0, 1.0});
  const auto offsets = smooth_offsets<T, S>(grid, 3.0);
  auto values = test::random_values<T>(2 * grid.size(), 5);
  for (auto& v : values) v = T(0.5) + T(0.45) * v;
  const auto acid0 = test::field_with<S>(grid, values, 2);  // a batch of two shares the map
  for (const auto scheme :
       {thermal::TimeScheme::crank_nicolson, thermal::TimeScheme::backward_euler}) {
    const auto state = resist::bake(ctx, acid0, test::activated_model(),
                                    TemperatureHistory::bake(353.15, 383.15, 2, 5, 2),
                                    resist::TemperatureMap<T, S>{offsets}, 0.5, {scheme, {}});
    const auto a = to_vector(state.acid), q = to_vector(state.quencher), a0 = to_vector(acid0);
    double before = 0, after = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      before += double(a0[i]) - test::activated_model().initial_quencher;
      after += double(a[i]) - double(q[i]);
      scale += std::abs(double(a0[i]));
    }
    CHECK(std::abs(after - before) / scale < (std::is_same_v<T, float> ? 2e-6 : 1e-13));
    CHECK(after != Approx(0).margin(1e-3));  // a non-trivial total
  }
}

TEMPLATE_LIST_TEST_CASE("The bake with a varying map converges at second order in the time step",
                        "[resist][peb][temperature-map]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(24, 20, 3.0);
  const auto offsets = smooth_offsets<double, S>(grid, 3.0);
  const std::function<double(double)> gain = [](double t) { return 1 - std::exp(-t / 2.0); };
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 2, 8, 2);
  const auto acid0 = smooth_acid<double, S>(grid);
  const auto inhibitor_at = [&](double step) {
    return to_vector(resist::inhibitor(
        ctx, resist::bake(ctx, acid0, test::activated_model(), history,
                          resist::TemperatureMap<double, S>{offsets, gain}, step)));
  };
  const auto reference = inhibitor_at(1.0 / 64);
  std::vector<double> errors;
  for (const double step : {1.0, 0.5, 0.25, 0.125})
    errors.push_back(test::relative_error(inhibitor_at(step), reference));
  INFO("errors " << errors[0] << ", " << errors[1] << ", " << errors[2] << ", " << errors[3]);
  for (const double order : test::observed_orders(errors)) CHECK(order == Approx(2).margin(0.25));
}

TEMPLATE_LIST_TEST_CASE("A bake refuses a map that does not fit or is not finite",
                        "[resist][peb][temperature-map]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(8, 6, 2.0);
  Field<T, S> acid(grid), wrong(Grid(8, 5, 2.0)), bad(grid);
  fill(ctx, acid.view(), T(0.5));
  const auto history = TemperatureHistory::constant(383.15, 4);
  CHECK_THROWS_WITH(resist::bake(ctx, acid, test::activated_model(), history,
                                 resist::TemperatureMap<T, S>{wrong}, 1.0),
                    Contains("map.offset_k.grid") && Contains("8x6"));
  fill(ctx, bad.view(), std::numeric_limits<T>::quiet_NaN());
  CHECK_THROWS_WITH(resist::bake(ctx, acid, test::activated_model(), history,
                                 resist::TemperatureMap<T, S>{bad}, 1.0),
                    Contains("offset_k") && Contains("finite temperature offsets"));
  fill(ctx, bad.view(), T(-400));
  CHECK_THROWS_WITH(resist::bake(ctx, acid, test::activated_model(), history,
                                 resist::TemperatureMap<T, S>{bad}, 1.0),
                    Contains("offset_k") && Contains("above 0 K"));
  fill(ctx, bad.view(), T(0));
  CHECK_THROWS_WITH(resist::bake(ctx, acid, test::activated_model(), history,
                                 resist::TemperatureMap<T, S>{bad}, -1.0),
                    Contains("max_step_s"));
}
