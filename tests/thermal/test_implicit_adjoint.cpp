// The adjoint of one implicit diffusion step (implicit_diffusion_adjoint.hpp): a dot-product test
// for the field (the step is linear in u for a fixed D), and a Taylor test for the cell
// diffusivities, in 2D and 3D, with Crank-Nicolson and backward Euler, on a varying D shared by a
// batch of two fields.

#include <cmath>
#include <vector>

#include "fabtwin/thermal/implicit_diffusion.hpp"
#include "fabtwin/thermal/implicit_diffusion_adjoint.hpp"
#include "support/gradient_checks.hpp"
#include "support/stage_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using thermal::ImplicitDiffusionOptions;
using thermal::TimeScheme;

namespace {

/// A diffusivity from 0.5 to 1.5 times `mean`, varying over the grid.
Field<double, Host> varying_diffusivity(const Grid& grid, double mean, std::uint64_t seed) {
  std::vector<double> values = test::random_values<double>(grid.size(), seed);
  for (double& v : values) v = mean * (1 + 0.5 * v);
  return test::field_with<Host>(grid, values);
}

Field<double, Host> stepped(Context<Host>& ctx, const Field<double, Host>& u,
                            const Field<double, Host>& d, double dt,
                            const ImplicitDiffusionOptions& options) {
  Field<double, Host> out(u.grid(), u.batch());
  copy(u, out);
  thermal::diffuse_implicit(ctx, out, d, dt, 1, options);
  return out;
}

}  // namespace

TEST_CASE("The implicit step's adjoint passes the dot-product and Taylor tests",
          "[thermal][implicit][adjoint]") {
  Context<Host> ctx;
  for (const bool three_d : {false, true}) {
    for (const TimeScheme scheme : {TimeScheme::crank_nicolson, TimeScheme::backward_euler}) {
      const Grid grid = three_d ? Grid::volume(12, 10, 8, Vec3{2, 2, 3}) : Grid(24, 20, 2.0);
      INFO((three_d ? "3D" : "2D")
           << (scheme == TimeScheme::crank_nicolson ? ", Crank-Nicolson" : ", backward Euler"));
      // D dt / h^2 near 2: the implicit solves are far from the identity.
      const double dt = 1.0;
      ImplicitDiffusionOptions options{scheme, 0, Vec3{1, 0.8, three_d ? 0.6 : 1}};
      const Field<double, Host> d = varying_diffusivity(grid, 8.0, 11);
      const Field<double, Host> u = test::random_field<Host>(grid, 2, 12);
      const Field<double, Host> g = test::random_field<Host>(grid, 2, 13);

      Field<double, Host> grad(grid, 2), grad_d(grid, 2);
      copy(g, grad);
      thermal::diffuse_implicit_backward(ctx, u, d, dt, options, grad, grad_d);

      // <g, S u> = <S^T g, u>.
      const double left = test::field_dot(g, stepped(ctx, u, d, dt, options));
      const double right = test::field_dot(grad, u);
      INFO("<g, S u> " << left << ", <S^T g, u> " << right);
      CHECK(std::abs(left - right) <= 1e-12 * std::abs(left));

      // J(D + eps delta) = <g, S_D u>: second-order remainders with the slope from grad_d summed
      // over the batch.
      const Field<double, Host> delta = test::random_field<Host>(grid, 1, 14, 2.0);
      const std::vector<double> per_sample = to_vector(grad_d), step = to_vector(delta);
      double slope = 0;
      for (std::size_t i = 0; i < per_sample.size(); ++i)
        slope += per_sample[i] * step[i % step.size()];
      const auto j = [&](double eps) {
        return test::field_dot(g, stepped(ctx, u, test::shifted(d, delta, eps), dt, options));
      };
      CHECK(slope != 0);
      for (const double order : test::taylor_orders(j, slope, 0.1, 4)) {
        INFO("observed order " << order);
        CHECK(order > 1.9);
        CHECK(order < 2.1);
      }
    }
  }
}

TEST_CASE("The implicit step's adjoint refuses what it does not differentiate",
          "[thermal][implicit][adjoint]") {
  Context<Host> ctx;
  const Grid grid = Grid::volume(8, 8, 4, Vec3{1, 1, 1});
  Field<double, Host> u(grid), d(grid), grad(grid), grad_d(grid),
      wrong(Grid::volume(8, 8, 2, Vec3{1, 1, 1}));
  fill(ctx, d.view(), 1.0);
  CHECK_THROWS_WITH(thermal::diffuse_implicit_backward(
                        ctx, u, d, 1.0, {TimeScheme::crank_nicolson, 2.0}, grad, grad_d),
                    Catch::Contains("top_transfer_nm_per_s' = 2"));
  CHECK_THROWS_AS(thermal::diffuse_implicit_backward(ctx, u, d, 1.0, {}, wrong, grad_d),
                  shape_mismatch);
}
