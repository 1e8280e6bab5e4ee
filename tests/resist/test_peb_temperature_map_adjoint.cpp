// The adjoint of the bake under a temperature map (peb_temperature_map_adjoint.hpp): Taylor tests
// of L = <G, M> (M the inhibitor after the bake) with respect to the map's offsets and to the
// exposed acid, in 2D (a batch of two) and 3D, on a model whose rates and diffusivities all have
// their own activation energies, through a ramped history and a gain that lags (a plate offset taken
// on through the air gap). And the bake's sensitivity to a uniform map, by the adjoint, against the
// derivative of the uniform bake's own adjoint (peb_adjoint.hpp) at the same offset: different
// discretisations of diffusion (finite volumes, spectral), so they agree to the finite volumes'
// error.

#include <cmath>
#include <numbers>
#include <vector>

#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "fabtwin/resist/peb_temperature_map_adjoint.hpp"
#include "resist/peb_models.hpp"
#include "support/gradient_checks.hpp"
#include "support/stage_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::PebModel;
using thermal::TemperatureHistory;

namespace {

/// A smooth exposed acid with a line in the middle (the bake's fronts move there).
Field<double, Host> line_acid(const Grid& grid, index_t batch) {
  std::vector<double> values(std::size_t(grid.size() * batch));
  for (index_t b = 0; b < batch; ++b)
    for (index_t z = 0; z < grid.nz(); ++z)
      for (index_t y = 0; y < grid.ny(); ++y)
        for (index_t x = 0; x < grid.nx(); ++x) {
          const double u = (x + 0.5) / double(grid.nx()) - 0.5, v = (y + 0.5) / double(grid.ny());
          values[std::size_t(x + grid.nx() * (y + grid.ny() * (z + grid.nz() * b)))] =
              (0.6 + 0.1 * double(b)) * std::exp(-u * u / 0.03) * (1 + 0.2 * std::cos(3 * v)) *
              std::exp(-0.05 * double(z));
        }
  return test::field_with<Host>(grid, values, batch);
}

/// L = <G, inhibitor(bake(acid, map))>.
double loss(Context<Host>& ctx, const Field<double, Host>& acid, const PebModel& model,
            const TemperatureHistory& history, const Field<double, Host>& offset,
            const thermal::OffsetGain& gain, const resist::MappedBakeOptions& options,
            const Field<double, Host>& g) {
  const resist::TemperatureMap<double, Host> map{offset, gain};
  const auto state = resist::bake(ctx, acid, model, history, map, 2.0, options);
  return test::field_dot(g, resist::inhibitor(ctx, state));
}

}  // namespace

TEST_CASE("The mapped bake's adjoint passes Taylor tests for the map and the acid",
          "[resist][peb][map][adjoint]") {
  Context<Host> ctx;
  const PebModel model = test::activated_model();
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 3, 8, 3);
  const thermal::OffsetGain gain = [](double t) { return -std::expm1(-t / 2.5); };
  for (const bool three_d : {false, true}) {
    for (const thermal::TimeScheme scheme :
         {thermal::TimeScheme::crank_nicolson, thermal::TimeScheme::backward_euler}) {
      INFO((three_d ? "3D" : "2D")
           << (scheme == thermal::TimeScheme::crank_nicolson ? ", Crank-Nicolson"
                                                             : ", backward Euler"));
      const Grid grid = three_d ? Grid::volume(14, 10, 6, Vec3{4, 4, 5}) : Grid(24, 18, 4.0);
      const index_t batch = three_d ? 1 : 2;
      const Grid plane(grid.nx(), grid.ny(), grid.pitch().x);
      const resist::MappedBakeOptions options{scheme, {}};
      const Field<double, Host> acid = line_acid(grid, batch);
      const Field<double, Host> offset = test::random_field<Host>(plane, 1, 21, 1.5);
      const Field<double, Host> g = test::random_field<Host>(grid, batch, 22);

      Field<double, Host> grad_acid(grid, batch), grad_offset(plane);
      resist::bake_backward(ctx, acid, model, history, {offset, gain}, 2.0, options, g, grad_acid,
                            grad_offset);

      // Along a random map direction.
      const Field<double, Host> delta = test::random_field<Host>(plane, 1, 23, 1.0);
      const double slope = test::field_dot(grad_offset, delta);
      const auto j_map = [&](double eps) {
        return loss(ctx, acid, model, history, test::shifted(offset, delta, eps), gain, options, g);
      };
      CHECK(slope != 0);
      for (const double order : test::taylor_orders(j_map, slope, 0.2, 4)) {
        INFO("map: observed order " << order);
        CHECK(order > 1.9);
        CHECK(order < 2.1);
      }
      // Along a random acid direction.
      const Field<double, Host> d_acid = test::random_field<Host>(grid, batch, 24, 0.2);
      const double acid_slope = test::field_dot(grad_acid, d_acid);
      const auto j_acid = [&](double eps) {
        return loss(ctx, test::shifted(acid, d_acid, eps), model, history, offset, gain, options,
                    g);
      };
      CHECK(acid_slope != 0);
      for (const double order : test::taylor_orders(j_acid, acid_slope, 0.25, 4)) {
        INFO("acid: observed order " << order);
        CHECK(order > 1.9);
        CHECK(order < 2.1);
      }
    }
  }
}

TEST_CASE("The mapped bake's sweep is bake()'s, and reverses as often as asked",
          "[resist][peb][map][adjoint]") {
  // What ZonedBakeStage keeps from forward to backward.
  Context<Host> ctx;
  const PebModel model = test::activated_model();
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 3, 8, 3);
  const Grid grid(20, 16, 4.0), plane = grid;
  const resist::MappedBakeOptions options{};
  const resist::TemperatureMap<double, Host> map{test::random_field<Host>(plane, 1, 31, 1.5)};
  const Field<double, Host> acid = line_acid(grid, 2);
  const Field<double, Host> g = test::random_field<Host>(grid, 2, 32);

  resist::MappedBakeSweep<double, Host> sweep;
  // Swept first from another acid of another shape: the second sweep resizes and overwrites.
  resist::bake_sweep(ctx, line_acid(grid, 1), model, history, map, 2.0, options, sweep);
  resist::bake_sweep(ctx, acid, model, history, map, 2.0, options, sweep);
  CHECK(to_vector(resist::inhibitor(ctx, sweep.deprotection.front())) ==
        to_vector(resist::inhibitor(ctx, resist::bake(ctx, acid, model, history, map, 2.0))));

  Field<double, Host> first(grid, 2), second(grid, 2), fresh(grid, 2);
  Field<double, Host> first_map(plane), second_map(plane), fresh_map(plane);
  resist::bake_backward(ctx, sweep, model, history, map, 2.0, options, g, first, first_map);
  resist::bake_backward(ctx, sweep, model, history, map, 2.0, options, g, second, second_map);
  resist::bake_backward(ctx, acid, model, history, map, 2.0, options, g, fresh, fresh_map);
  CHECK(to_vector(first) == to_vector(second));
  CHECK(to_vector(first) == to_vector(fresh));
  CHECK(to_vector(first_map) == to_vector(second_map));
  CHECK(to_vector(first_map) == to_vector(fresh_map));
  CHECK(test::field_dot(first_map, first_map) > 0);
  // The sweep of another bake (half the step: twice the steps) is refused with the steps named.
  CHECK_THROWS_WITH(
      resist::bake_backward(ctx, sweep, model, history, map, 1.0, options, g, first, first_map),
      Catch::Contains("sweep.starts.size()") && Catch::Contains("steps"));
}

TEST_CASE("A uniform map's summed gradient is the uniform bake's temperature derivative",
          "[resist][peb][map][adjoint]") {
  // Sum over (x, y) of dL/d(dT) is dL/d(uniform offset); the uniform bake's adjoint gives the same
  // derivative for its spectral diffusion. On 2 nm cells against diffusion lengths of 8-10 nm the
  // two discretisations differ by the finite volumes' error (0.07 % here; allowed 0.5 %).
  Context<Host> ctx;
  const PebModel model = test::activated_model();
  const TemperatureHistory history = TemperatureHistory::bake(353.15, 383.15, 3, 8, 3);
  const Grid grid(48, 8, 2.0);
  const Grid plane(grid.nx(), grid.ny(), grid.pitch().x);
  const Field<double, Host> acid = line_acid(grid, 1);
  const Field<double, Host> g = test::random_field<Host>(grid, 1, 31);
  Field<double, Host> offset(plane), grad_acid(grid), grad_offset(plane);
  fill(ctx, offset.view(), 0.0);
  resist::bake_backward(ctx, acid, model, history, {offset, [](double) { return 1.0; }}, 2.0,
                        {thermal::TimeScheme::crank_nicolson, {}}, g, grad_acid, grad_offset);
  double mapped = 0;
  for (const double v : to_vector(grad_offset)) mapped += v;
  Field<double, Host> grad_acid_uniform(grid);
  const resist::PebGradient uniform = resist::bake_backward(
      ctx, acid, model, history, 2.0, thermal::Boundaries{}, g, grad_acid_uniform);
  INFO("mapped " << mapped << ", uniform " << uniform.temperature_offset_kelvin);
  CHECK(uniform.temperature_offset_kelvin != 0);
  CHECK(std::abs(mapped - uniform.temperature_offset_kelvin) <
        0.005 * std::abs(uniform.temperature_offset_kelvin));
}
