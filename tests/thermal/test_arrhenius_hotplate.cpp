// Arrhenius rates and their bake integrals, and the hotplate's wafer temperature: against values
// computed independently (mpmath at 30 digits, hand-derived closed forms), and refused arguments.

#include <catch2/catch.hpp>

#include <cmath>

#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/hotplate.hpp"

using namespace fabtwin;
using namespace fabtwin::thermal;
using Catch::Contains;

namespace {

// ArF AR165J (physics.md section 2), the prefactor in nm^2/s.
const Arrhenius ar165j(27.12, 19.65);

double relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

}  // namespace

TEST_CASE("AR165J gives sigma = 21 nm for 60 s at 110 C and +0.7 nm per kelvin",
          "[thermal][arrhenius]") {
  // mpmath, 30 digits: D(383.15 K) = 3.714285247194628 nm^2/s, sigma = 21.11194518900036 nm,
  // sigma(110.5 C) - sigma(109.5 C) = 0.7110372617624863 nm.
  CHECK(relative(ar165j.rate(celsius_to_kelvin(110)), 3.714285247194628) < 1e-14);
  const double sigma =
      diffusion_length(ar165j, TemperatureHistory::constant(celsius_to_kelvin(110), 60));
  CHECK(relative(sigma, 21.11194518900036) < 1e-14);
  CHECK(std::abs(sigma - 21) < 0.5);
  const double slope =
      diffusion_length(ar165j, TemperatureHistory::constant(celsius_to_kelvin(110.5), 60)) -
      diffusion_length(ar165j, TemperatureHistory::constant(celsius_to_kelvin(109.5), 60));
  CHECK(relative(slope, 0.7110372617624863) < 1e-12);
}

TEST_CASE("The integral over a ramp equals the exponential-integral closed form",
          "[thermal][arrhenius]") {
  // integral exp(ln A - b / T) dT = A [T e^{-b/T} + b Ei(-b/T)], b = Ea / R; a ramp 20 -> 110 C in
  // 15 s gives 8.548468639349691 nm^2 (mpmath ei, 30 digits).
  const TemperatureHistory ramp({{0, 293.15}, {15, 383.15}});
  CHECK(relative(ar165j.integral(ramp), 8.548468639349691) < 1e-13);
  // Ramp, hold and cool: the ramp, 60 s at 383.15 K and the ramp's mirror image, which has the same
  // integral; shifted in time and with a zero-length cool left out.
  const double hold = 60 * 3.714285247194628;
  CHECK(relative(ar165j.integral(TemperatureHistory::bake(293.15, 383.15, 15, 60, 15)),
                 2 * 8.548468639349691 + hold) < 1e-13);
  CHECK(relative(ar165j.integral(TemperatureHistory::bake(293.15, 383.15, 15, 60, 0)),
                 8.548468639349691 + hold) < 1e-13);
  const TemperatureHistory shifted({{100, 383.15}, {115, 293.15}});
  CHECK(relative(ar165j.integral(shifted), 8.548468639349691) < 1e-13);
  CHECK(ramp.at(7.5) == Approx(338.15).epsilon(1e-15));
  CHECK(ramp.at(-1) == 293.15);
  CHECK(ramp.at(20) == 383.15);
}

TEST_CASE("Windows of a history split its integral; a law through a reference rate",
          "[thermal][arrhenius]") {
  // The ramp-hold-cool bake cut at 7.5 s (mid-ramp, an interpolated end), 15 s (a knot) and 80 s
  // (in the hold): the pieces add up to the whole.
  const TemperatureHistory bake = TemperatureHistory::bake(293.15, 383.15, 15, 60, 15);
  const double cuts[] = {0, 7.5, 15, 80, 90};
  double pieces = 0;
  for (int i = 0; i < 4; ++i) pieces += ar165j.integral(bake.window(cuts[i], cuts[i + 1]));
  CHECK(relative(pieces, ar165j.integral(bake)) < 1e-13);
  CHECK(bake.window(0, 7.5).knots().size() == 2);
  CHECK(bake.window(7.5, 80).knots().size() == 4);  // t0, the knots at 15 s and 75 s, t1
  CHECK(bake.window(7.5, 80).at(7.5) == Approx(338.15).epsilon(1e-15));
  // Through a reference rate: rate(T_ref) = the given rate, and the activation energy unchanged.
  const Arrhenius law = Arrhenius::from_reference(8.7, 383.15, 25);
  CHECK(law.rate(383.15) == Approx(8.7).epsilon(1e-14));
  CHECK(
      law.rate(393.15) / law.rate(383.15) ==
      Approx(std::exp(25 / thermal::gas_constant_kcal * (1 / 383.15 - 1 / 393.15))).epsilon(1e-13));
  CHECK_THROWS_WITH(bake.window(80, 80), Contains("t1") && Contains("80"));
  CHECK_THROWS_WITH(bake.window(-1, 5), Contains("t0"));
  CHECK_THROWS_WITH(Arrhenius::from_reference(0, 383.15, 25), Contains("rate_at_reference"));
}

TEST_CASE("Arrhenius and TemperatureHistory refuse bad input", "[thermal][arrhenius]") {
  CHECK_THROWS_MATCHES(
      ar165j.rate(-5), invalid_argument,
      Catch::Message(
          "fabtwin::Arrhenius::rate: argument 'kelvin' = -5; expected a positive, finite temperature in K"));
  CHECK_THROWS_AS(ar165j.rate(0), invalid_argument);
  CHECK_THROWS_WITH(Arrhenius(std::nan(""), 1), Contains("ln_prefactor"));
  CHECK_THROWS_WITH(Arrhenius(27, -1), Contains("activation_kcal_per_mol") && Contains("-1"));
  CHECK_THROWS_WITH(TemperatureHistory({{0, 300}}),
                    Contains("knots.size()") && Contains("at least two"));
  CHECK_THROWS_WITH(TemperatureHistory({{0, 300}, {1, 0}}),
                    Contains("knots[1].kelvin") && Contains("positive"));
  CHECK_THROWS_WITH(TemperatureHistory({{0, 300}, {2, 310}, {2, 320}}),
                    Contains("knots[2].t_s") && Contains("= 2;") && Contains("after the previous"));
  CHECK_THROWS_WITH(TemperatureHistory::bake(293, 383, -1, 60, 5), Contains("ramp_s"));
}

TEST_CASE("Wafer time constant of silicon over an air gap", "[thermal][hotplate]") {
  // 2330 kg/m^3 * 700 J/(kg K) * 775 um * 100 um / 0.03 W/(m K) = 4.2079... s, in the 2-8 s range.
  CHECK(relative(wafer_time_constant(2330, 700, 775e-6, 100e-6, 0.03),
                 2330.0 * 700 * 775e-6 * 100e-6 / 0.03) < 1e-15);
  CHECK_THROWS_WITH(wafer_time_constant(2330, 700, 775e-6, 0, 0.03),
                    Contains("gap_m") && Contains("positive"));
}

TEST_CASE("Wafer temperature approaches a plate step exponentially and lags a ramp by s tau",
          "[thermal][hotplate]") {
  const double tau = 4;
  // Step: the wafer at 293.15 K on a plate at 383.15 K, T = P + (W0 - P) exp(-t / tau).
  const WaferResponse step(TemperatureHistory::constant(383.15, 60), tau, 293.15);
  for (const double t : {0.0, 0.5, 4.0, 13.0, 60.0, 75.0})
    CHECK(relative(step.at(t), 383.15 - 90 * std::exp(-t / tau)) < 1e-14);
  // Ramp from equilibrium, P = P0 + s t: T = P0 + s (t - tau (1 - exp(-t / tau))); then a hold at
  // P1 from t1 relaxes the lag s tau (1 - exp(-t1/tau)) exponentially.
  const double s = 6, t1 = 15, p1 = 293.15 + s * t1;
  const WaferResponse ramp(TemperatureHistory({{0, 293.15}, {t1, p1}, {60, p1}}), tau, 293.15);
  const auto on_ramp = [&](double t) { return 293.15 + s * (t - tau * (1 - std::exp(-t / tau))); };
  for (const double t : {1.0, 7.0, 15.0}) CHECK(relative(ramp.at(t), on_ramp(t)) < 1e-14);
  for (const double t : {20.0, 40.0})
    CHECK(relative(ramp.at(t), p1 + (on_ramp(t1) - p1) * std::exp(-(t - t1) / tau)) < 1e-14);
  CHECK_THROWS_WITH(ramp.at(-1), Contains("t_s"));
  CHECK_THROWS_WITH(WaferResponse(TemperatureHistory::constant(383, 60), 0, 293),
                    Contains("tau_s"));
}

TEST_CASE("The sampled wafer history integrates D like the exact wafer temperature",
          "[thermal][hotplate]") {
  const double tau = 4;
  const WaferResponse wafer(TemperatureHistory::bake(293.15, 383.15, 5, 60, 10), tau, 293.15);
  // Reference: composite Simpson on 20000 intervals of D(T_exact(t)) over [0, 75] (error ~1e-12).
  const int n = 20000;
  const double h = 75.0 / n;
  double simpson = 0;
  for (int i = 0; i <= n; ++i)
    simpson += (i == 0 || i == n ? 1 : i % 2 ? 4 : 2) * ar165j.rate(wafer.at(i * h));
  simpson *= h / 3;
  // Linear interpolation between samples 0.05 s apart misplaces T by at most 90 K * 0.05^2 / (8 * 16)
  // = 1.8e-3 K, i.e. D by 0.067/K * 1.8e-3 K = 1.2e-4 relative.
  const auto history = wafer.history(0.05);
  CHECK(history.knots().size() > 1500);
  CHECK(relative(ar165j.integral(history), simpson) < 1.2e-4);
  CHECK(relative(ar165j.integral(wafer.history(0.0125)), simpson) < 1.2e-4 / 16);
}
