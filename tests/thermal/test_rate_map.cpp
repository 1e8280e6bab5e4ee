// Hotplate non-uniformity: a plate offset reaches the wafer by superposition of lags, rate maps
// equal Arrhenius rates evaluated at each local temperature on the host, and the mapped bake's rate
// integrals over a window, with their derivatives in the offset, equal closed forms and Simpson
// sums of the local rate.

#include <cmath>
#include <limits>
#include <vector>

#include "fabtwin/thermal/rate_map.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using namespace fabtwin::thermal;
using Catch::Contains;

TEST_CASE("A plate offset reaches the wafer as offset * (1 - exp(-t / tau))",
          "[thermal][hotplate]") {
  // The same bake with every plate knot raised by 0.3 K, solved from the same initial wafer
  // temperature, differs from the nominal one by 0.3 g(t).
  const auto plate = TemperatureHistory::bake(293.15, 383.15, 5, 60, 10);
  std::vector<Knot> raised = plate.knots();
  for (auto& k : raised) k.kelvin += 0.3;
  const WaferResponse nominal(plate, 3.5, 293.15), hot(TemperatureHistory(raised), 3.5, 293.15);
  for (const double t : {0.0, 1.0, 5.0, 30.0, 75.0, 90.0})
    CHECK(std::abs(hot.at(t) - nominal.at(t) - 0.3 * offset_gain(nominal, t)) < 1e-12);
  CHECK(offset_gain(nominal, 3.5) == Approx(1 - std::exp(-1.0)).epsilon(1e-15));
  CHECK_THROWS_WITH(offset_gain(nominal, -1), Contains("t_s"));
}

TEMPLATE_LIST_TEST_CASE("Rate maps equal Arrhenius rates at the local wafer temperature",
                        "[thermal][hotplate]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Arrhenius law(27.12, 19.65);
  const index_t nx = 12, ny = 9, nz = 4;
  const auto offsets = test::random_values<T>(nx * ny, 8);  // within +-1 K
  const auto offset = test::field_with<S>(Grid(nx, ny, 2.0), offsets);
  Field<T, S> rates(Grid::volume(nx, ny, nz, {2.0, 2.0, 1.0}), 2);
  const double kelvin = 383.15, gain = 0.8;
  arrhenius_rate_map(ctx, law, kelvin, gain, offset, rates);
  const auto result = to_vector(rates);
  // exp(a - b) with a, b ~ 27 amplifies the rounding of either by 27.
  const double tolerance = 64 * 27 * std::numeric_limits<T>::epsilon();
  double worst = 0;
  for (index_t i = 0; i < rates.size(); ++i) {
    const double expected = law.rate(kelvin + gain * double(offsets[std::size_t(i % (nx * ny))]));
    worst = std::max(worst, std::abs(double(result[std::size_t(i)]) - expected) / expected);
  }
  INFO("worst relative error " << worst);
  CHECK(worst < tolerance);
  CHECK_THROWS_WITH(arrhenius_rate_map(ctx, law, kelvin, 1.5, offset, rates),
                    Contains("'gain' = 1.5"));
  CHECK_THROWS_WITH(
      arrhenius_rate_map(
          ctx, law, kelvin, gain,
          test::field_with<S>(Grid(nx, ny + 1, 2.0), std::vector<T>(std::size_t(nx * (ny + 1)))),
          rates),
      Contains("offset_k.grid") && Contains("12x9"));
}

TEMPLATE_LIST_TEST_CASE(
    "Rate integrals over a window and their offset derivatives equal the "
    "integrals of the local rate",
    "[thermal][hotplate]", test::DoubleCases) {
  // The mapped bake's integrals int r(T(t) + g(t) dP) dt and d/d(dP) int = int r(T) b g / T^2 dt
  // (b = Ea / R), against a hold's closed forms and, on a ramp with a lagging gain, against
  // composite Simpson sums on 20000 intervals (no shared quadrature).
  using S = typename TestType::space;
  Context<S> ctx;
  const Arrhenius law(27.12, 19.65);
  const double b = law.activation_kcal_per_mol() / gas_constant_kcal;
  const index_t nx = 5, ny = 4;
  const auto offsets = test::random_values<double>(nx * ny, 9);  // within +-1 K
  const auto offset = test::field_with<S>(Grid(nx, ny, 2.0), offsets);
  Field<double, S> integrals(Grid(nx, ny, 2.0)), slopes(Grid(nx, ny, 2.0)),
      alone(Grid(nx, ny, 2.0));
  const auto relative = [](double a, double e) { return std::abs(a - e) / std::abs(e); };

  SECTION("a hold at 383.15 K for 3 s, the whole offset on the wafer: closed forms") {
    const auto hold = TemperatureHistory::constant(383.15, 3.0);
    const OffsetGain steady = [](double) { return 1.0; };
    arrhenius_integral_and_offset_derivative_map(ctx, law, hold, offset, steady, integrals, slopes);
    const auto value = to_vector(integrals), slope = to_vector(slopes);
    double worst = 0;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      const double kelvin = 383.15 + offsets[i];
      worst = std::max({worst, relative(value[i], 3.0 * law.rate(kelvin)),
                        relative(slope[i], 3.0 * law.rate(kelvin) * b / (kelvin * kelvin))});
    }
    INFO("worst relative error " << worst);
    CHECK(worst < 1e-13);
  }

  SECTION("a ramp from 353.15 to 383.15 K and a hold, the offset taken on with a 2.5 s lag") {
    const auto history = TemperatureHistory::bake(353.15, 383.15, 3, 8, 3).window(1.0, 6.0);
    const OffsetGain lag = [](double t) { return -std::expm1(-t / 2.5); };
    arrhenius_integral_and_offset_derivative_map(ctx, law, history, offset, lag, integrals, slopes);
    arrhenius_integral_map(ctx, law, history, offset, lag, alone);
    const auto value = to_vector(integrals), slope = to_vector(slopes), single = to_vector(alone);
    double worst = 0;
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      // Simpson on each linear piece of the history (the ramp's end is a kink).
      double v = 0, d = 0;
      const auto& knots = history.knots();
      for (std::size_t p = 0; p + 1 < knots.size(); ++p) {
        const int intervals = 2000;
        const double h = (knots[p + 1].t_s - knots[p].t_s) / intervals;
        for (int k = 0; k <= intervals; ++k) {
          const double t = knots[p].t_s + h * k;
          const double w = (k == 0 || k == intervals ? 1.0 : k % 2 ? 4.0 : 2.0) * h / 3;
          const double kelvin = history.at(t) + lag(t) * offsets[i];
          v += w * law.rate(kelvin);
          d += w * law.rate(kelvin) * b * lag(t) / (kelvin * kelvin);
        }
      }
      worst = std::max({worst, relative(value[i], v), relative(slope[i], d)});
      CHECK(value[i] == single[i]);  // the same exponentials as the integrals alone, to the bit
    }
    INFO("worst relative error " << worst);
    CHECK(worst < 1e-12);
  }

  Field<double, S> wrong(Grid(nx + 1, ny, 2.0));
  CHECK_THROWS_WITH(arrhenius_integral_and_offset_derivative_map(
                        ctx, law, TemperatureHistory::constant(383.15, 3.0), offset,
                        [](double) { return 1.0; }, integrals, wrong),
                    Contains("offset_derivative.grid"));
}
