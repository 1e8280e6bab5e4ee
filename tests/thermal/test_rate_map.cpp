// Hotplate non-uniformity: a plate offset reaches the wafer by superposition of lags, and rate maps
// equal Arrhenius rates evaluated at each local temperature on the host.

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
