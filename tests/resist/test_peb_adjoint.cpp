// Adjoint of the PEB bake (peb_adjoint.hpp): Taylor tests of L = sum g M w.r.t. the exposed acid and
// every model parameter through a ramp-hold-cool bake with nonzero activation energies (2D, 3D, a
// film with A0 = Q0, where the reaction sits on its c = 0 branch point, and k_r = 0, where it only
// deprotects), the same gradient for any number of checkpoints, and the chain
// image -> expose -> bake -> inhibitor -> blurred threshold.

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "fabtwin/resist/compact_models.hpp"
#include "fabtwin/resist/exposure.hpp"
#include "fabtwin/resist/peb_adjoint.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::PebGradient;
using resist::PebModel;
using thermal::TemperatureHistory;

namespace {

PebModel test_model() {
  PebModel model;
  model.acid = {3.0, 5.0, 15.0};
  model.quencher = {1.0, 2.0, 10.0};
  model.quench = {5.0, 8.0};
  model.deprotect = {0.6, 20.0};
  model.initial_quencher = 0.3;
  return model;
}

/// Ramp 353 -> 383 K in 3 s, hold 5 s, cool in 2 s; `offset` kelvin added to every knot.
TemperatureHistory test_history(double offset = 0) {
  return TemperatureHistory::bake(353.15 + offset, 383.15 + offset, 3, 5, 2);
}
constexpr double step_s = 1.0;  // 10 steps

/// A smooth acid pattern in [0.05, 0.65], so that A0 - Q0 takes both signs.
std::vector<double> pattern(const Grid& grid, index_t batch) {
  const auto noise = test::random_values<double>(grid.size() * batch, 71);
  std::vector<double> values(noise.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const index_t x = index_t(i) % grid.nx();
    values[i] = 0.35 + 0.25 * std::sin(0.5 * double(x)) + 0.05 * noise[i];
  }
  return values;
}

template <class S>
std::vector<double> inhibitor_of(Context<S>& ctx, const Field<double, S>& acid,
                                 const PebModel& model, const TemperatureHistory& history,
                                 thermal::Boundaries boundaries) {
  return to_vector(
      resist::inhibitor(ctx, resist::bake(ctx, acid, model, history, step_s, boundaries)));
}

/// A perturbation of the bake's inputs: J(eps) evaluates it, slope is the adjoint's dJ/deps at 0.
struct Direction {
  std::string name;
  std::function<void(PebModel&, std::vector<double>&, double&, double)>
      shift;  // model, acid, offset, eps
  std::function<double(const PebGradient&, const std::vector<double>&)> slope;  // gradient, dL/dA0
  bool diffusion = false;  // no first-order effect on a uniform film
};

std::vector<Direction> directions(const std::vector<double>& da, bool three_d) {
  using M = PebModel;
  std::vector<Direction> all{
      {"exposed acid",
       [da](M&, std::vector<double>& a, double&, double e) {
         for (std::size_t i = 0; i < a.size(); ++i) a[i] += e * da[i];
       },
       [da](const PebGradient&, const std::vector<double>& g) { return test::real_dot(g, da); }},
      {"acid.lateral", [](M& m, auto&, double&, double e) { m.acid.lateral_nm2_per_s += e; },
       [](const PebGradient& g, auto&) { return g.acid.lateral_nm2_per_s; }, true},
      {"acid.activation",
       [](M& m, auto&, double&, double e) { m.acid.activation_kcal_per_mol += 3 * e; },
       [](const PebGradient& g, auto&) { return 3 * g.acid.activation_kcal_per_mol; }, true},
      {"quencher.lateral",
       [](M& m, auto&, double&, double e) { m.quencher.lateral_nm2_per_s += e; },
       [](const PebGradient& g, auto&) { return g.quencher.lateral_nm2_per_s; }, true},
      {"quencher.activation",
       [](M& m, auto&, double&, double e) { m.quencher.activation_kcal_per_mol += 3 * e; },
       [](const PebGradient& g, auto&) { return 3 * g.quencher.activation_kcal_per_mol; }, true},
      {"quench.per_s", [](M& m, auto&, double&, double e) { m.quench.per_s += 2 * e; },
       [](const PebGradient& g, auto&) { return 2 * g.quench.per_s; }},
      {"quench.activation",
       [](M& m, auto&, double&, double e) { m.quench.activation_kcal_per_mol += 3 * e; },
       [](const PebGradient& g, auto&) { return 3 * g.quench.activation_kcal_per_mol; }},
      {"deprotect.per_s", [](M& m, auto&, double&, double e) { m.deprotect.per_s += 0.3 * e; },
       [](const PebGradient& g, auto&) { return 0.3 * g.deprotect.per_s; }},
      {"deprotect.activation",
       [](M& m, auto&, double&, double e) { m.deprotect.activation_kcal_per_mol += 3 * e; },
       [](const PebGradient& g, auto&) { return 3 * g.deprotect.activation_kcal_per_mol; }},
      {"initial_quencher", [](M& m, auto&, double&, double e) { m.initial_quencher += 0.1 * e; },
       [](const PebGradient& g, auto&) { return 0.1 * g.initial_quencher; }},
      {"temperature offset", [](M&, auto&, double& t, double e) { t += 5 * e; },
       [](const PebGradient& g, auto&) { return 5 * g.temperature_offset_kelvin; }}};
  if (three_d) {
    all.push_back({"acid.vertical",
                   [](M& m, auto&, double&, double e) { m.acid.vertical_nm2_per_s += 2 * e; },
                   [](const PebGradient& g, auto&) { return 2 * g.acid.vertical_nm2_per_s; },
                   true});
    all.push_back({"quencher.vertical",
                   [](M& m, auto&, double&, double e) { m.quencher.vertical_nm2_per_s += e; },
                   [](const PebGradient& g, auto&) { return g.quencher.vertical_nm2_per_s; },
                   true});
  }
  return all;
}

void check_orders(const std::vector<double>& orders, const std::string& name) {
  for (const double order : orders) {
    INFO(name << ": observed order " << order);
    CHECK(order >= 1.9);
    CHECK(order <= 2.1);
  }
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Taylor tests of the bake's adjoint w.r.t. the acid and every parameter",
                        "[resist][peb][adjoint]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  struct Setup {
    const char* name;
    Grid grid;
    index_t batch;
    thermal::Boundaries boundaries;
    bool uniform;      // A0 = Q0 everywhere: c = 0 at every step
    bool neutralises;  // false: k_r = 0, the reaction's s = 0 path (its k_r-derivative one-sided)
  };
  const Setup setups[] = {{"2D",
                           Grid(16, 12, 2.0),
                           2,
                           {thermal::Boundary::periodic, thermal::Boundary::mirror},
                           false,
                           true},
                          {"3D", Grid::volume(12, 10, 6, Vec3{2.0, 2.0, 4.0}), 1, {}, false, true},
                          {"2D film with A0 = Q0", Grid(8, 6, 2.0), 1, {}, true, true},
                          {"2D without neutralisation", Grid(12, 8, 2.0), 1, {}, false, false}};
  for (const Setup& setup : setups) {
    INFO(setup.name);
    const index_t n = setup.grid.size() * setup.batch;
    PebModel m0 = test_model();
    if (!setup.neutralises) m0.quench.per_s = 0;
    const auto a0 = setup.uniform ? std::vector<double>(std::size_t(n), m0.initial_quencher)
                                  : pattern(setup.grid, setup.batch);
    const auto g = test::random_values<double>(n, 72);
    const auto da = test::random_values<double>(n, 73);
    Field<double, S> grad_acid(setup.grid, setup.batch);
    const PebGradient gradient = resist::bake_backward(
        ctx, test::field_with<S>(setup.grid, a0, setup.batch), m0, test_history(), step_s,
        setup.boundaries, test::field_with<S>(setup.grid, g, setup.batch), grad_acid);
    const auto ga = to_vector(grad_acid);
    for (const Direction& d : directions(da, setup.grid.rank() == 3)) {
      // A uniform film does not feel diffusion; without neutralisation M does not see the quencher.
      const bool quencher = d.name.find("quench") != std::string::npos && d.name != "quench.per_s";
      if ((setup.uniform && d.diffusion) || (!setup.neutralises && quencher)) continue;
      const auto j = [&](double eps) {
        PebModel m = m0;
        std::vector<double> a = a0;
        double offset = 0;
        d.shift(m, a, offset, eps);
        return test::real_dot(g, inhibitor_of(ctx, test::field_with<S>(setup.grid, a, setup.batch),
                                              m, test_history(offset), setup.boundaries));
      };
      check_orders(test::taylor_orders(j, d.slope(gradient, ga), 0.05, 5), d.name);
    }
  }
}

TEMPLATE_LIST_TEST_CASE(
    "The bake's gradient does not depend on the number of checkpoints, and "
    "one sweep serves any number of backwards",
    "[resist][peb][adjoint]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(10, 8, 4, Vec3{2.0, 2.0, 4.0});
  std::vector<T> a0, g;
  for (const double v : pattern(grid, 1)) a0.push_back(T(v));
  for (const double v : test::random_values<double>(grid.size(), 74)) g.push_back(T(v));
  const auto acid = test::field_with<S>(grid, a0), grad_m = test::field_with<S>(grid, g);
  const auto run = [&](index_t checkpoints, std::vector<T>& grad_acid) {
    Field<T, S> out(grid);
    const auto gradient = resist::bake_backward(ctx, acid, test_model(), test_history(), step_s, {},
                                                grad_m, out, checkpoints);
    grad_acid = to_vector(out);
    return std::vector<double>{gradient.acid.lateral_nm2_per_s,
                               gradient.acid.vertical_nm2_per_s,
                               gradient.acid.activation_kcal_per_mol,
                               gradient.quencher.lateral_nm2_per_s,
                               gradient.quencher.vertical_nm2_per_s,
                               gradient.quencher.activation_kcal_per_mol,
                               gradient.quench.per_s,
                               gradient.quench.activation_kcal_per_mol,
                               gradient.deprotect.per_s,
                               gradient.deprotect.activation_kcal_per_mol,
                               gradient.initial_quencher,
                               gradient.temperature_offset_kelvin};
  };
  std::vector<T> reference_acid, grad_acid;
  const auto reference = run(0, reference_acid);  // 10 steps: 4 checkpoints, segments of 3
  const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-14;
  for (const index_t checkpoints : {1, 2, 3, 10}) {
    INFO(checkpoints << " checkpoints");
    const auto parameters = run(checkpoints, grad_acid);
    CHECK(test::relative_error(grad_acid, reference_acid) <= tolerance);
    for (std::size_t k = 0; k < parameters.size(); ++k) {
      INFO("parameter " << k << ": " << parameters[k] << " vs " << reference[k]);
      CHECK(std::abs(parameters[k] - reference[k]) <= tolerance * std::abs(reference[k]));
    }
  }

  // The sweep alone (what BakeStage keeps from forward to backward): bake()'s print to the bit.
  const auto sweep =
      resist::bake_sweep(ctx, acid, test_model(), test_history(), step_s, {}, index_t(3));
  CHECK(to_vector(resist::inhibitor(ctx, sweep.deprotection.front())) ==
        to_vector(
            resist::inhibitor(ctx, resist::bake(ctx, acid, test_model(), test_history(), step_s))));
  // Two reverses from one sweep, and one from a sweep of its own, agree to the bit.
  Field<T, S> first(grid), second(grid), fresh(grid);
  const auto g1 =
      resist::bake_backward(ctx, sweep, test_model(), test_history(), step_s, {}, grad_m, first);
  const auto g2 =
      resist::bake_backward(ctx, sweep, test_model(), test_history(), step_s, {}, grad_m, second);
  const auto g3 = resist::bake_backward(ctx, acid, test_model(), test_history(), step_s, {}, grad_m,
                                        fresh, index_t(3));
  CHECK(to_vector(first) == to_vector(second));
  CHECK(to_vector(first) == to_vector(fresh));
  CHECK(g1.acid.lateral_nm2_per_s == g2.acid.lateral_nm2_per_s);
  CHECK(g1.temperature_offset_kelvin == g3.temperature_offset_kelvin);
  // The sweep of another bake (half the step: twice the steps) is refused with the steps named.
  CHECK_THROWS_WITH(resist::bake_backward(ctx, sweep, test_model(), test_history(), step_s / 2, {},
                                          grad_m, first),
                    Catch::Contains("sweep.steps") && Catch::Contains("steps"));
}

TEMPLATE_LIST_TEST_CASE("Taylor test of image -> expose -> bake -> inhibitor -> blurred threshold",
                        "[resist][peb][adjoint]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(16, 16, 2.0);
  const index_t n = grid.size();
  auto image = test::random_values<double>(n, 75);
  for (std::size_t i = 0; i < image.size(); ++i)
    image[i] = 0.5 + 0.3 * std::cos(0.4 * double(i % 16)) + 0.1 * image[i];
  const auto di = test::random_values<double>(n, 76);
  const auto w = test::random_values<double>(n, 77);
  const resist::DillParameters dill0{30.0, 0.043, 0};
  const resist::SigmoidThreshold threshold{0.6, 15.0};
  const double blur_nm = 4.0;
  const thermal::Boundaries boundaries{thermal::Boundary::periodic, thermal::Boundary::periodic};
  // L = sum w P with P = blurred_threshold(M): where the inhibitor is left, a positive resist stays.
  const auto loss = [&](const std::vector<double>& values, const resist::DillParameters& dill) {
    Field<double, S> acid(grid), printed(grid);
    resist::expose(ctx, test::field_with<S>(grid, values), dill, acid);
    const auto m = resist::inhibitor(
        ctx, resist::bake(ctx, acid, test_model(), test_history(), step_s, boundaries));
    resist::blurred_threshold(ctx, m, blur_nm, threshold, printed);
    return test::real_dot(w, to_vector(printed));
  };
  const auto in = test::field_with<S>(grid, image);
  Field<double, S> acid(grid), grad_m(grid), grad_acid(grid), grad_image(grid);
  resist::expose(ctx, in, dill0, acid);
  const auto m = resist::inhibitor(
      ctx, resist::bake(ctx, acid, test_model(), test_history(), step_s, boundaries));
  resist::blurred_threshold_backward(ctx, m, blur_nm, threshold, test::field_with<S>(grid, w),
                                     grad_m);
  resist::bake_backward(ctx, acid, test_model(), test_history(), step_s, boundaries, grad_m,
                        grad_acid);
  const auto dill_gradient = resist::expose_backward(ctx, in, dill0, grad_acid, grad_image);

  const auto along_image = [&](double eps) {
    auto values = image;
    for (std::size_t i = 0; i < values.size(); ++i) values[i] += 0.1 * eps * di[i];
    return loss(values, dill0);
  };
  check_orders(
      test::taylor_orders(along_image, 0.1 * test::real_dot(to_vector(grad_image), di), 0.2, 5),
      "image");
  const auto along_dose = [&](double eps) {
    auto dill = dill0;
    dill.dose_mj_cm2 += eps;
    return loss(image, dill);
  };
  check_orders(test::taylor_orders(along_dose, dill_gradient.dose_mj_cm2, 0.2, 5), "dose");
}
