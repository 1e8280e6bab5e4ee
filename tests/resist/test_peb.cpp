// The PEB integrator (peb.hpp): pure diffusion through a ramp-hold-cool bake against one Gaussian
// of the whole bake's diffusion length, a uniform film against the neutralisation closed form,
// conservation of total(A - Q), and the splitting's second-order convergence in the time step.

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "fabtwin/resist/peb.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Contains;
using resist::PebModel;
using thermal::TemperatureHistory;

namespace {

/// An exposed acid pattern: a bright line (x in [n/3, 2n/3)) decaying with depth in 3D.
template <class T, class S>
Field<T, S> line_acid(const Grid& grid) {
  std::vector<T> values(std::size_t(grid.size()));
  for (index_t z = 0; z < grid.nz(); ++z)
    for (index_t y = 0; y < grid.ny(); ++y)
      for (index_t x = 0; x < grid.nx(); ++x)
        values[std::size_t(x + grid.nx() * (y + grid.ny() * z))] =
            T((3 * x >= grid.nx() && 3 * x < 2 * grid.nx() ? 0.6 : 0.05) *
              std::exp(-0.01 * double(z)) * (1 + 0.2 * std::sin(0.3 * double(y))));
  return test::field_with<S>(grid, values);
}

template <class T>
double sum(const std::vector<T>& values) {
  double total = 0;
  for (T v : values) total += double(v);
  return total;
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Without reactions a bake is one Gaussian of the whole bake's length",
                        "[resist][peb]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  PebModel model;
  model.acid = {3.0, 12.0, 15.0};  // nm^2/s at 110 C, 15 kcal/mol
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 10, 40, 10);
  for (const Grid& grid : {Grid(48, 40, 2.0), Grid::volume(32, 24, 16, Vec3{2.0, 2.0, 4.0})}) {
    INFO("grid " << grid);
    const auto acid0 = line_acid<T, S>(grid);
    const auto state = resist::bake(ctx, acid0, model, history, 7.0);
    // Reference: sigma^2 = 2 integral D dt over the whole history, one spectral call.
    const auto law = thermal::Arrhenius::from_reference(1.0, 383.15, 15.0);
    const double scale = law.integral(history);  // integral of D(T)/D(383.15 K) dt
    Field<T, S> reference = to<S>(to<Host>(acid0));
    thermal::diffuse_spectral(
        ctx, reference,
        Vec3{std::sqrt(2 * 3.0 * scale), std::sqrt(2 * 3.0 * scale), std::sqrt(2 * 12.0 * scale)});
    CHECK(test::relative_error(to_vector(state.acid), to_vector(reference)) <=
          (sizeof(T) == 4 ? 2e-6 : 1e-13));
    CHECK(sum(to_vector(state.deprotection)) == 0);
  }
}

TEMPLATE_LIST_TEST_CASE("A uniform film neutralises and deprotects as the closed form",
                        "[resist][peb]", test::Cases) {
  // Quencher in excess, d = Q0 - A0: A(t) = d A0 e^{-d k t} / (Q0 - A0 e^{-d k t}) and
  // integral of k_c A dt = (k_c / k) ln((Q0 - A0 e^{-d k t}) / d) (the logistic solution written
  // for this sign of d, independently of peb_reaction.hpp's form).
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  PebModel model = resist::sentaurus_peb_model();
  model.initial_quencher = 0.5;
  const double a0 = 0.3, q0 = 0.5, d = q0 - a0, k = 8.7, kc = 0.9;
  const Grid grid(16, 12, 2.0);
  const auto acid0 = test::field_with<S>(grid, std::vector<T>(std::size_t(grid.size()), T(a0)));
  for (double seconds : {0.2, 1.0, 90.0}) {
    const auto state =
        resist::bake(ctx, acid0, model, TemperatureHistory::constant(383.15, seconds), 0.1);
    const double decay = std::exp(-d * k * seconds);
    const double acid = d * a0 * decay / (q0 - a0 * decay);
    const double exponent = kc / k * std::log((q0 - a0 * decay) / d);
    const auto a = to_vector(state.acid), e = to_vector(state.deprotection);
    const double tol = sizeof(T) == 4 ? 2e-5 : 1e-11;
    INFO("t = " << seconds << " s");
    for (std::size_t i = 0; i < a.size(); i += 37) {
      CHECK(std::abs(double(a[i]) - acid) <= tol * (acid + 1e-3));
      CHECK(std::abs(double(e[i]) - exponent) <= tol * exponent);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("total(A - Q) is conserved through the bake", "[resist][peb]",
                        test::Cases) {
  // Neutralisation removes acid and quencher in equal amounts; diffusion moves each without loss.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(24, 20, 12, Vec3{2.0, 2.0, 2.0});
  const auto acid0 = line_acid<T, S>(grid);
  const auto state = resist::bake(ctx, acid0, resist::sentaurus_peb_model(),
                                  TemperatureHistory::constant(383.15, 20), 1.0);
  const double before = sum(to_vector(acid0)) - 0.4 * double(grid.size());
  const double after = sum(to_vector(state.acid)) - sum(to_vector(state.quencher));
  CHECK(std::abs(after - before) <= (sizeof(T) == 4 ? 1e-5 : 1e-12) * double(grid.size()));
}

TEST_CASE("The Strang-split bake converges at second order in the time step", "[resist][peb]") {
  // Fast diffusion and reaction on a 2D pattern so that splitting errors are large enough to
  // measure; the reference is the same bake at a 32 times smaller step than the smallest.
  Context<Host> ctx;
  PebModel model;
  model.acid = {40.0, 0.0, 0.0};
  model.quencher = {10.0, 0.0, 0.0};
  model.quench = {2.0, 0.0};
  model.deprotect = {0.5, 0.0};
  model.initial_quencher = 0.3;
  // Smooth data: with a sharp edge the first steps' splitting error is of lower order (the
  // commutator of diffusion and reaction acts on the unsmoothed edge), a known order reduction.
  const Grid grid(64, 16, 2.0);
  std::vector<double> smooth(std::size_t(grid.size()));
  for (index_t y = 0; y < 16; ++y)
    for (index_t x = 0; x < 64; ++x)
      smooth[std::size_t(x + 64 * y)] = 0.35 +
                                        0.3 * std::cos(2 * std::numbers::pi * double(x) / 64) +
                                        0.05 * std::sin(2 * std::numbers::pi * double(y) / 16);
  const auto acid0 = test::field_with<Host>(grid, smooth);
  const auto history = TemperatureHistory::constant(383.15, 8);
  // Periodic: the data are periodic, whereas mirror walls would put a kink in their extension.
  const thermal::Boundaries periodic{thermal::Boundary::periodic, thermal::Boundary::periodic};
  const auto run = [&](double step) {
    const auto state = resist::bake(ctx, acid0, model, history, step, periodic);
    return to_vector(resist::inhibitor(ctx, state));
  };
  const auto reference = run(8.0 / 2048);
  std::vector<double> errors;
  for (double step : {0.5, 0.25, 0.125})
    errors.push_back(test::relative_error(run(step), reference));
  INFO("errors " << errors[0] << ", " << errors[1] << ", " << errors[2]);
  for (std::size_t i = 0; i + 1 < errors.size(); ++i) {
    const double order = std::log2(errors[i] / errors[i + 1]);
    CHECK(order > 1.9);
    CHECK(order < 2.1);
  }
}

TEST_CASE("bake refuses bad models and steps, and reports progress", "[resist][peb][errors]") {
  Context<Host> ctx;
  const Field<float, Host> acid(Grid(8, 8, 1.0));
  const auto history = TemperatureHistory::constant(383.15, 10);
  PebModel model = resist::sentaurus_peb_model();
  model.quench.per_s = -1;
  CHECK_THROWS_WITH(resist::bake(ctx, acid, model, history, 1.0),
                    Contains("model.quench.per_s") && Contains("-1"));
  CHECK_THROWS_WITH(resist::bake(ctx, acid, resist::sentaurus_peb_model(), history, 0.0),
                    Contains("max_step_s"));
  index_t calls = 0, last = 0;
  resist::bake(ctx, acid, resist::sentaurus_peb_model(), history, 3.0, {},
               [&](index_t done, index_t all) {
                 ++calls;
                 last = done;
                 CHECK(all == 4);  // 10 s in steps of at most 3 s
               });
  CHECK(calls == 4);
  CHECK(last == 4);
}
