// Dill exposure: 2D and 3D acid against the closed form 1 - exp(-C E I exp(-alpha z)), argument
// validation, and Taylor tests of the adjoint w.r.t. the image, the dose, C and alpha.

#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/resist/exposure.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::DillParameters;

namespace {

/// Relative intensities in [0.1, 1.2) from a seed (a Taylor step of 0.06 keeps them positive).
std::vector<double> intensities(index_t n, std::uint64_t seed) {
  auto values = test::random_values<double>(n, seed);
  for (auto& v : values) v = 0.1 + 0.55 * (v + 1);
  return values;
}

template <class T>
std::vector<T> as(const std::vector<double>& values) {
  return std::vector<T>(values.begin(), values.end());
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("2D and 3D Dill acid match 1 - exp(-C E I exp(-alpha z))",
                        "[resist][exposure]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 12, ny = 10, nz = 6, batch = 2;
  const Grid plane(nx, ny, 4.0);
  // ArF example of physics.md: C = 0.043 cm^2/mJ, B = 1.1 /um; dose 30 mJ/cm^2.
  const DillParameters dill{30.0, 0.043, DillParameters::alpha_from_dill_b(1.1)};
  CHECK(dill.alpha_per_nm == 0.0011);
  const auto values = intensities(plane.size() * batch, 7);
  const auto image = test::field_with<S>(plane, as<T>(values), batch);
  const double tolerance = std::is_same_v<T, float> ? 1e-6 : 1e-15;

  Field<T, S> acid2(plane, batch);
  resist::expose(ctx, image, dill, acid2);
  const auto a2 = to_vector(acid2);
  double worst = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    worst = std::max(
        worst, std::abs(double(a2[i]) - (1 - std::exp(-30.0 * 0.043 * double(T(values[i]))))));
  INFO("2D max error " << worst);
  CHECK(worst <= tolerance);

  // Layers at depths 3, 13, 23, ... nm below the top surface.
  const Grid volume = Grid::volume(nx, ny, nz, {4.0, 4.0, 10.0}, {0.0, 0.0, 3.0});
  Field<T, S> acid3(volume, batch);
  resist::expose(ctx, image, dill, acid3);
  const auto a3 = to_vector(acid3);
  worst = 0;
  for (index_t b = 0; b < batch; ++b)
    for (index_t k = 0; k < nz; ++k)
      for (index_t i = 0; i < plane.size(); ++i) {
        const double intensity = double(T(values[std::size_t(b * plane.size() + i)]));
        const double exact =
            1 - std::exp(-30.0 * 0.043 * intensity * std::exp(-0.0011 * (3.0 + 10.0 * k)));
        worst = std::max(
            worst, std::abs(double(a3[std::size_t((b * nz + k) * plane.size() + i)]) - exact));
      }
  INFO("3D max error " << worst);
  CHECK(worst <= tolerance);
}

TEST_CASE("Exposure refuses bad doses, C, intensities and shapes, naming them",
          "[resist][exposure]") {
  Context<Host> ctx;
  const Grid plane(4, 4, 2.0);
  auto image = test::field_with<Host>(plane, std::vector<double>(16, 0.5));
  Field<double, Host> acid(plane);
  using Catch::Matchers::Contains;
  CHECK_THROWS_AS(resist::expose(ctx, image, DillParameters{-1.0, 0.04}, acid), invalid_argument);
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{-1.0, 0.04}, acid),
                    Contains("'dose_mj_cm2' = -1") && Contains("non-negative"));
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{std::nan(""), 0.04}, acid),
                    Contains("'dose_mj_cm2'"));
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{20.0, 0.0}, acid),
                    Contains("'c' = 0") && Contains("positive"));
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{20.0, 0.04, -1e-3}, acid),
                    Contains("'alpha_per_nm'"));
  CHECK_THROWS_WITH(DillParameters::alpha_from_extinction(0.1, 0.0),
                    Contains("'wavelength_nm' = 0"));
  CHECK(DillParameters::alpha_from_extinction(0.02, 193.0) == Approx(4 * M_PI * 0.02 / 193.0));
  image.data()[5] = std::nan("");
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{20.0, 0.04}, acid),
                    Contains("'min(image)' = nan"));
  image.data()[5] = -0.25;
  CHECK_THROWS_WITH(resist::expose(ctx, image, DillParameters{20.0, 0.04}, acid),
                    Contains("'min(image)' = -0.25"));
  image.data()[5] = 0.5;
  Field<double, Host> wrong(Grid(4, 5, 2.0));
  CHECK_THROWS_AS(resist::expose(ctx, image, DillParameters{20.0, 0.04}, wrong), shape_mismatch);
}

TEMPLATE_LIST_TEST_CASE("Taylor test of the exposure adjoint (image, dose, C, alpha)",
                        "[resist][exposure]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 16, ny = 12, nz = 5, batch = 2;
  const Grid plane(nx, ny, 4.0);
  for (const Grid& acid_grid :
       {plane, Grid::volume(nx, ny, nz, {4.0, 4.0, 20.0}, {0.0, 0.0, 10.0})}) {
    INFO("acid grid " << acid_grid);
    const DillParameters p0{30.0, 0.043, 0.004};
    const auto i0 = intensities(plane.size() * batch, 11);
    const auto di = test::random_values<double>(plane.size() * batch, 12);
    const index_t acid_size = acid_grid.size() * batch;
    const auto w = test::random_values<double>(acid_size, 13);
    const auto target = intensities(acid_size, 14);
    // J = sum w A + sum (A - target)^2: gradient w + 2 (A - target).
    const auto acid_of = [&](const std::vector<double>& image, const DillParameters& p) {
      Field<double, S> acid(acid_grid, batch);
      resist::expose(ctx, test::field_with<S>(plane, image, batch), p, acid);
      return to_vector(acid);
    };
    const auto J = [&](const std::vector<double>& image, const DillParameters& p) {
      const auto a = acid_of(image, p);
      double sum = test::real_dot(w, a);
      for (std::size_t k = 0; k < a.size(); ++k) sum += (a[k] - target[k]) * (a[k] - target[k]);
      return sum;
    };
    const auto a0 = acid_of(i0, p0);
    std::vector<double> g(a0.size());
    for (std::size_t k = 0; k < g.size(); ++k) g[k] = w[k] + 2 * (a0[k] - target[k]);
    Field<double, S> grad_image(plane, batch);
    const auto grad = resist::expose_backward(ctx, test::field_with<S>(plane, i0, batch), p0,
                                              test::field_with<S>(acid_grid, g, batch), grad_image);
    const auto gi = to_vector(grad_image);

    const auto shifted = [&](double eps, int which) {
      std::vector<double> image = i0;
      DillParameters p = p0;
      if (which == 0)
        for (std::size_t k = 0; k < image.size(); ++k) image[k] += 0.3 * eps * di[k];
      if (which == 1) p.dose_mj_cm2 += 4 * eps;
      if (which == 2) p.c += 0.005 * eps;
      if (which == 3) p.alpha_per_nm += 0.002 * eps;
      return J(image, p);
    };
    const double slopes[] = {0.3 * test::real_dot(gi, di), 4 * grad.dose_mj_cm2, 0.005 * grad.c,
                             0.002 * grad.alpha_per_nm};
    const char* names[] = {"image", "dose", "c", "alpha"};
    const int directions = acid_grid.rank() == 3 ? 4 : 3;
    if (acid_grid.rank() == 2) CHECK(grad.alpha_per_nm == 0);
    for (int which = 0; which < directions; ++which) {
      const auto orders = test::taylor_orders([&](double eps) { return shifted(eps, which); },
                                              slopes[which], 0.2, 6);
      for (const double order : orders) {
        INFO(names[which] << ": observed order " << order);
        CHECK(order >= 1.9);
        CHECK(order <= 2.1);
      }
    }
    // dL/dE and dL/dC are one sum scaled by C and E: E dL/dE = C dL/dC.
    CHECK(p0.dose_mj_cm2 * grad.dose_mj_cm2 == Approx(p0.c * grad.c).epsilon(1e-12));
  }
}
