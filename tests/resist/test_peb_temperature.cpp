// Every parameter of the bake must act. The Sentaurus set (peb.hpp) baked at its reference 110 C
// and 10 K either side against the closed forms with each rate moved by Arrhenius here: a uniform
// film (no diffusion) for k_r and k_c, a cosine in A - Q for the diffusivities. Then each field of
// PebModel perturbed by 1 %, in the uniform and the mapped bake away from the reference
// temperature, must move the inhibitor by far more than rounding.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::PebModel;
using thermal::TemperatureHistory;

TEMPLATE_LIST_TEST_CASE(
    "The bake temperature moves every rate of the Sentaurus set by Arrhenius from 110 C",
    "[resist][peb][temperature]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const PebModel model = resist::sentaurus_peb_model();
  REQUIRE(model.reference_kelvin == 383.15);
  // r(T) = r(T_ref) exp((Ea / R)(1 / T_ref - 1 / T)), the activation energies the set's data.
  const auto at = [](double at_reference, double activation, double kelvin) {
    REQUIRE(activation > 0);
    return at_reference *
           std::exp(activation / thermal::gas_constant_kcal * (1 / 383.15 - 1 / kelvin));
  };
  const double tol = sizeof(T) == 4 ? 2e-5 : 1e-11;
  const std::vector<double> temperatures{373.15, 383.15, 393.15};
  SECTION(
      "a uniform film, acid in excess: A = c A0 / (A0 - Q0 e^{-c k_r t}) with c = A0 - Q0, and "
      "integral of A dt = c t + ln((A0 - Q0 e^{-c k_r t}) / c) / k_r") {
    const double a0 = 0.5, q0 = model.initial_quencher, c = a0 - q0;
    const Grid grid(8, 4, 2.0);
    const auto acid0 = test::field_with<S>(grid, std::vector<T>(std::size_t(grid.size()), T(a0)));
    double previous_exponent = 0;
    for (double kelvin : temperatures) {
      const double k = at(model.quench.per_s, model.quench.activation_kcal_per_mol, kelvin);
      const double kc = at(model.deprotect.per_s, model.deprotect.activation_kcal_per_mol, kelvin);
      for (double seconds : {1.0, 20.0}) {
        INFO(kelvin << " K, t = " << seconds << " s");
        const auto state =
            resist::bake(ctx, acid0, model, TemperatureHistory::constant(kelvin, seconds), 0.1);
        const double decay = std::exp(-c * k * seconds);
        const double acid = c * a0 / (a0 - q0 * decay);
        const double exponent = kc * (c * seconds + std::log((a0 - q0 * decay) / c) / k);
        const auto a = to_vector(state.acid), e = to_vector(state.deprotection);
        CHECK(std::abs(double(a[5]) - acid) <= tol * acid);
        CHECK(std::abs(double(e[5]) - exponent) <= tol * exponent);
        if (seconds == 20.0) {
          // A hotter bake deprotects more: the exponent about doubles per 10 K (k_c's 7 %/K).
          CHECK(double(e[5]) > 1.8 * previous_exponent);
          previous_exponent = double(e[5]);
        }
      }
    }
  }
  SECTION(
      "a 2D film: the set's acid and quencher share D_lateral, so A - Q diffuses as if alone "
      "(the reaction removes both alike), its cosine decaying by exp(-q^2 D(T) t)") {
    REQUIRE(model.quencher.lateral_nm2_per_s == model.acid.lateral_nm2_per_s);
    REQUIRE(model.quencher.activation_kcal_per_mol == model.acid.activation_kcal_per_mol);
    const index_t n = 32;
    const double pitch = 1.5, seconds = 90, q = 2 * std::numbers::pi / (double(n) * pitch);
    const Grid grid(n, 4, pitch);
    std::vector<T> values(std::size_t(grid.size()));
    for (index_t i = 0; i < grid.size(); ++i)
      values[std::size_t(i)] = T(0.45 + 0.25 * std::cos(q * pitch * double(i % n)));
    const auto acid0 = test::field_with<S>(grid, values);
    const thermal::Boundaries periodic{thermal::Boundary::periodic, thermal::Boundary::periodic};
    for (double kelvin : temperatures) {
      INFO(kelvin << " K");
      const double d = at(10.0 * 10.0 / (2 * 90), model.acid.activation_kcal_per_mol,
                          kelvin);  // L = 10 nm in 90 s
      const auto state = resist::bake(ctx, acid0, model,
                                      TemperatureHistory::constant(kelvin, seconds), 1.0, periodic);
      const auto a = to_vector(state.acid), qn = to_vector(state.quencher);
      const double amplitude =
          0.25 * std::exp(-q * q * d * seconds);  // 0.11 at 110 C, 0.05 at 120 C
      double worst = 0;
      for (index_t i = 0; i < grid.size(); ++i)
        worst = std::max(worst, std::abs(double(a[std::size_t(i)]) - double(qn[std::size_t(i)]) -
                                         (0.05 + amplitude * std::cos(q * pitch * double(i % n)))));
      CHECK(worst <= (sizeof(T) == 4 ? 2e-6 : 1e-13));
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Every field of the PEB model moves the inhibitor",
                        "[resist][peb][temperature]", test::Cases) {
  // A 3D film whose acid varies across x and in depth (every diffusivity acts), with quencher (k_r
  // and D_Q act), baked 5 K above the reference (every activation energy and the reference act).
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(16, 4, 8, Vec3{2.0, 2.0, 2.0});
  std::vector<T> values(std::size_t(grid.size()));
  for (index_t i = 0; i < grid.size(); ++i) {
    const index_t x = i % 16, z = i / 64;
    values[std::size_t(i)] = T((x >= 5 && x < 11 ? 0.7 : 0.1) * std::exp(-0.1 * double(z)));
  }
  const auto acid0 = test::field_with<S>(grid, values);
  const auto history = TemperatureHistory::constant(388.15, 20);
  const Field<T, S> offsets(
      Grid(16, 4, 2.0));  // zero: the mapped bake at the history's temperature
  const auto inhibitor = [&](const PebModel& model, bool mapped) {
    const auto state = mapped ? resist::bake(ctx, acid0, model, history,
                                             resist::TemperatureMap<T, S>{offsets}, 2.0)
                              : resist::bake(ctx, acid0, model, history, 2.0);
    return to_vector(resist::inhibitor(ctx, state));
  };
  using Member = double& (*)(PebModel&);
  const std::vector<std::pair<const char*, Member>> fields{
      {"reference_kelvin", [](PebModel& m) -> double& { return m.reference_kelvin; }},
      {"acid.lateral", [](PebModel& m) -> double& { return m.acid.lateral_nm2_per_s; }},
      {"acid.vertical", [](PebModel& m) -> double& { return m.acid.vertical_nm2_per_s; }},
      {"acid.activation", [](PebModel& m) -> double& { return m.acid.activation_kcal_per_mol; }},
      {"quencher.lateral", [](PebModel& m) -> double& { return m.quencher.lateral_nm2_per_s; }},
      {"quencher.vertical", [](PebModel& m) -> double& { return m.quencher.vertical_nm2_per_s; }},
      {"quencher.activation",
       [](PebModel& m) -> double& { return m.quencher.activation_kcal_per_mol; }},
      {"quench.per_s", [](PebModel& m) -> double& { return m.quench.per_s; }},
      {"quench.activation",
       [](PebModel& m) -> double& { return m.quench.activation_kcal_per_mol; }},
      {"deprotect.per_s", [](PebModel& m) -> double& { return m.deprotect.per_s; }},
      {"deprotect.activation",
       [](PebModel& m) -> double& { return m.deprotect.activation_kcal_per_mol; }},
      {"initial_quencher", [](PebModel& m) -> double& { return m.initial_quencher; }},
  };
  // The inhibitor is at most 1: rounding moves it by a few units of T's epsilon.
  const double rounding = 100 * double(std::numeric_limits<T>::epsilon());
  for (bool mapped : {false, true}) {
    const PebModel nominal = resist::sentaurus_peb_model();
    const auto base = inhibitor(nominal, mapped);
    for (const auto& [name, member] : fields) {
      INFO((mapped ? "mapped bake, " : "uniform bake, ") << name << " * 1.01");
      PebModel model = nominal;
      member(model) *= 1.01;
      const auto moved = inhibitor(model, mapped);
      double change = 0;
      for (std::size_t i = 0; i < base.size(); ++i)
        change = std::max(change, std::abs(double(moved[i]) - double(base[i])));
      UNSCOPED_INFO("largest change " << change);
      CHECK(change > rounding);
    }
  }
}
