// Implicit diffusion: point sources in 2D and 3D against the exact semi-discrete heat kernel and the
// Gaussian, a step against the error function, agreement with the spectral solver for constant D,
// mass conservation for varying D, axis scales (anisotropy) against the kernel, refused arguments.

#include <cmath>
#include <limits>
#include <vector>

#include "fabtwin/thermal/implicit_diffusion.hpp"
#include "thermal/thermal_support.hpp"

using namespace fabtwin;
using Catch::Contains;
using thermal::Boundary;
using thermal::diffuse_implicit;
using thermal::ImplicitDiffusionOptions;
using thermal::TimeScheme;

namespace {

template <class T, class S>
Field<T, S> constant_field(const Grid& grid, double value) {
  return test::field_with<S>(grid, std::vector<T>(std::size_t(grid.size()), T(value)));
}

/// Rounding of many line solves: a few hundred ulps of the peak.
template <class T>
constexpr double implicit_rounding = 256 * std::numeric_limits<T>::epsilon();

/// Mass drift of `sweeps` line solves: each rounds the total by a few ulps.
template <class T>
double mass_rounding(index_t sweeps) {
  return 4.0 * double(sweeps) * std::numeric_limits<T>::epsilon();
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("A 2D point source follows the discrete heat kernel and the Gaussian",
                        "[thermal][implicit]", test::Cases) {
  // D = 1.5 nm^2/s, h = 1 nm, 16 s: mu = D t / h^2 = 24 per axis, sigma = sqrt(2 mu) = 6.9 cells.
  // Time error at the peak of a Gaussian of variance sigma^2 = 2 D t per axis (cell units):
  // backward Euler's per-mode error lambda^2 dt t / 2 gives (dt t / 2) D^2 dx^4 G = (3/8)(dt/t) G(0)
  // per axis; Crank-Nicolson's -lambda^3 dt^2 t / 12 gives (dt^2 t / 12) D^3 |dx^6 G| =
  // (15/96)(dt/t)^2 G(0) per axis. Against the continuous Gaussian the semi-discrete kernel
  // differs by its excess kurtosis, 3 * 2 mu / (24 sigma^4) = 1 / (8 sigma^2) at the peak per axis.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 40, ny = 36;
  const double d = 1.5, t = 16, x0 = 4, y0 = 20;  // x0 near a wall: its image matters
  const Grid grid(nx, ny, 1.0);
  std::vector<T> values(std::size_t(grid.size()), T(0));
  values[std::size_t(x0 + nx * y0)] = T(1);
  const double mu = d * t, sigma = std::sqrt(2 * mu);
  std::vector<double> kx(nx), ky(ny), gx(nx), gy(ny);
  for (index_t x = 0; x < nx; ++x) {
    kx[std::size_t(x)] = test::discrete_kernel_sample(x, x0, mu, nx, Boundary::mirror);
    gx[std::size_t(x)] = test::gaussian_sample(x, x0, sigma, nx, Boundary::mirror);
  }
  for (index_t y = 0; y < ny; ++y) {
    ky[std::size_t(y)] = test::discrete_kernel_sample(y, y0, mu, ny, Boundary::mirror);
    gy[std::size_t(y)] = test::gaussian_sample(y, y0, sigma, ny, Boundary::mirror);
  }
  std::vector<double> kernel(values.size()), gaussian(values.size());
  for (index_t y = 0; y < ny; ++y)
    for (index_t x = 0; x < nx; ++x) {
      kernel[std::size_t(x + nx * y)] = kx[std::size_t(x)] * ky[std::size_t(y)];
      gaussian[std::size_t(x + nx * y)] = gx[std::size_t(x)] * gy[std::size_t(y)];
    }
  for (const auto scheme : {TimeScheme::crank_nicolson, TimeScheme::backward_euler}) {
    const bool cn = scheme == TimeScheme::crank_nicolson;
    INFO((cn ? "Crank-Nicolson" : "backward Euler"));
    auto field = test::field_with<S>(grid, values);
    const index_t steps = cn ? 64 : 256;
    const double dt = t / double(steps);
    diffuse_implicit(ctx, field, constant_field<T, S>(grid, d), dt, steps, {scheme});
    const auto result = to_vector(field);
    const double kernel_error = test::relative_to_peak(result, kernel);
    const double gaussian_error = test::relative_to_peak(result, gaussian);
    INFO("vs discrete kernel " << kernel_error << ", vs Gaussian " << gaussian_error);
    CHECK(kernel_error <
          2 * (cn ? 15.0 / 96 * (dt / t) * (dt / t) : 3.0 / 8 * (dt / t)) + implicit_rounding<T>);
    CHECK(gaussian_error <
          2.0 / (8 * sigma * sigma) + kernel_error);  // 2D: two axes' kurtosis terms
    CHECK(std::abs(test::total(result) - 1) < mass_rounding<T>(3 * steps));
  }
}

TEMPLATE_LIST_TEST_CASE("A 3D point source with unequal pitches follows the discrete heat kernel",
                        "[thermal][implicit]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 24, ny = 20, nz = 16;
  const Vec3 pitch{1.0, 1.5, 2.0};
  const Grid grid = Grid::volume(nx, ny, nz, pitch);
  const double d = 2, t = 10;
  const index_t src[3] = {12, 3, 14};
  std::vector<T> values(std::size_t(grid.size()), T(0));
  values[std::size_t(src[0] + nx * (src[1] + ny * src[2]))] = T(1);
  auto field = test::field_with<S>(grid, values);
  diffuse_implicit(ctx, field, constant_field<T, S>(grid, d), t / 64, 64);
  const double mu[3] = {d * t / (pitch.x * pitch.x), d * t / (pitch.y * pitch.y),
                        d * t / (pitch.z * pitch.z)};
  const index_t extents[3] = {nx, ny, nz};
  std::vector<double> axis[3];
  for (int a = 0; a < 3; ++a)
    for (index_t i = 0; i < extents[a]; ++i)
      axis[a].push_back(
          test::discrete_kernel_sample(i, src[a], mu[a], extents[a], Boundary::mirror));
  std::vector<double> expected(values.size());
  for (index_t z = 0; z < nz; ++z)
    for (index_t y = 0; y < ny; ++y)
      for (index_t x = 0; x < nx; ++x)
        expected[std::size_t(x + nx * (y + ny * z))] =
            axis[0][std::size_t(x)] * axis[1][std::size_t(y)] * axis[2][std::size_t(z)];
  const auto result = to_vector(field);
  const double error = test::relative_to_peak(result, expected);
  INFO("vs discrete kernel " << error);
  CHECK(error <
        3 * 15.0 / 96 / (64 * 64) + implicit_rounding<T>);  // Crank-Nicolson's term, as in 2D
  CHECK(std::abs(test::total(result) - 1) < mass_rounding<T>(5 * 64));
}

TEMPLATE_LIST_TEST_CASE("Axis scales make one diffusivity field anisotropic", "[thermal][implicit]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 20, ny = 18, nz = 14;
  const Grid grid = Grid::volume(nx, ny, nz, Vec3{1.0, 1.0, 1.0});
  const double d = 2, t = 6, scale[3] = {0.5, 1.0, 3.0};
  const index_t src[3] = {9, 4, 7};
  std::vector<T> values(std::size_t(grid.size()), T(0));
  values[std::size_t(src[0] + nx * (src[1] + ny * src[2]))] = T(1);
  auto field = test::field_with<S>(grid, values);
  ImplicitDiffusionOptions options;
  options.axis_scale = Vec3{scale[0], scale[1], scale[2]};
  diffuse_implicit(ctx, field, constant_field<T, S>(grid, d), t / 64, 64, options);
  // The closed form: the product of the axes' semi-discrete kernels with mu_a = s_a D t / h^2.
  const index_t extents[3] = {nx, ny, nz};
  std::vector<double> axis[3];
  for (int a = 0; a < 3; ++a)
    for (index_t i = 0; i < extents[a]; ++i)
      axis[a].push_back(
          test::discrete_kernel_sample(i, src[a], scale[a] * d * t, extents[a], Boundary::mirror));
  std::vector<double> expected(values.size());
  for (index_t z = 0; z < nz; ++z)
    for (index_t y = 0; y < ny; ++y)
      for (index_t x = 0; x < nx; ++x)
        expected[std::size_t(x + nx * (y + ny * z))] =
            axis[0][std::size_t(x)] * axis[1][std::size_t(y)] * axis[2][std::size_t(z)];
  const double error = test::relative_to_peak(to_vector(field), expected);
  INFO("vs discrete kernel " << error);
  CHECK(error < 3 * 15.0 / 96 / (64 * 64) +
                    implicit_rounding<T>);  // Crank-Nicolson's term, whatever the scale

  // With evaporation at the top, scaling z by s is the same as s times the diffusivity.
  const Grid column = Grid::volume(1, 1, 12, Vec3{1.0, 1.0, 2.0});
  auto scaled = constant_field<T, S>(column, 1), plain = constant_field<T, S>(column, 1);
  ImplicitDiffusionOptions robin{TimeScheme::crank_nicolson, 0.8, Vec3{1, 1, 2.5}};
  diffuse_implicit(ctx, scaled, constant_field<T, S>(column, 1.2), 0.5, 8, robin);
  robin.axis_scale = Vec3{1, 1, 1};
  diffuse_implicit(ctx, plain, constant_field<T, S>(column, 2.5 * 1.2), 0.5, 8, robin);
  const auto a = to_vector(scaled), b = to_vector(plain);
  CHECK(test::relative_to_peak(a, std::vector<double>(b.begin(), b.end())) < implicit_rounding<T>);
  CHECK(test::total(a) < 12 - 0.5);  // the top did evaporate (about 0.9 of the 12 units)
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, constant_field<T, S>(grid, d), 0.1, 1,
                                     {TimeScheme::crank_nicolson, 0.0, Vec3{1, -1, 1}}),
                    Contains("options.axis_scale.y"));
}

TEMPLATE_LIST_TEST_CASE("An implicit step blurs to the error function", "[thermal][implicit]",
                        test::Cases) {
  // u = 1 on x < 32 of 64 cells. The semi-discrete solution is the sum over cells of the lattice
  // walk's distribution (variance sigma^2, fourth cumulant sigma^2, in cells). Against erf its
  // leading error is the Edgeworth term -He3(z) phi(z) / (24 sigma^2) plus the midpoint rule's
  // z phi(z) / (24 sigma^2) (Euler-Maclaurin): (4z - z^3) phi(z) / (24 sigma^2), at most
  // 0.7786 / (24 sigma^2).
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 64, ny = 4, nz = 3;
  const Grid grid = Grid::volume(nx, ny, nz, {1.0, 1.0, 1.0});
  std::vector<T> values(std::size_t(grid.size()));
  for (index_t i = 0; i < grid.size(); ++i) values[std::size_t(i)] = i % nx < nx / 2 ? T(1) : T(0);
  auto field = test::field_with<S>(grid, values);
  const double d = 1, t = 8, sigma = std::sqrt(2 * d * t);  // 4 cells
  diffuse_implicit(ctx, field, constant_field<T, S>(grid, d), t / 64, 64);
  const auto result = to_vector(field);
  double peak = 0;
  for (double z = 0; z < 3; z += 1e-4)
    peak = std::max(peak,
                    (4 * z - z * z * z) * std::exp(-z * z / 2) / std::sqrt(2 * std::numbers::pi));
  const double bound = peak / (24 * sigma * sigma);
  double worst = 0;
  for (index_t i = 0; i < grid.size(); ++i)
    worst = std::max(worst, std::abs(double(result[std::size_t(i)]) -
                                     test::erf_step(double(i % nx), nx / 2 - 0.5, sigma)));
  INFO("max |u - erf| = " << worst << ", Edgeworth term " << bound);
  CHECK(worst < 1.02 * bound + implicit_rounding<T>);
  CHECK(worst > 0.95 * bound);
}

TEMPLATE_LIST_TEST_CASE("Implicit and spectral diffusion agree for constant D",
                        "[thermal][implicit]", test::Cases) {
  // A Gaussian bump (sigma0 = 2 cells) diffused by D t = 2 nm^2 (the variance grows by 4 cells^2 on
  // pitch 1). Both solvers conserve mass and add exactly 2 D t to the second moment along x (the
  // discrete Laplacian adds exactly 2 D dt per step, as the spectral blur does; the x walls are 11
  // sigma away, and the y and z solves move no mass between x columns). Pointwise they differ by the
  // semi-discrete kurtosis, 3 * 2 D t / (24 sigma^4) of the peak per axis, sigma^2 = 8.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 64, n = 24;
  const Grid grid = Grid::volume(nx, n, n, {1.0, 1.0, 1.0});
  const double sigma0 = 2, d_t = 2, cx = 31.5, c = 11.5;
  std::vector<T> values(std::size_t(grid.size()));
  for (index_t z = 0; z < n; ++z)
    for (index_t y = 0; y < n; ++y)
      for (index_t x = 0; x < nx; ++x)
        values[std::size_t(x + nx * (y + n * z))] =
            T(std::exp(-((x - cx) * (x - cx) + (y - c) * (y - c) + (z - c) * (z - c)) /
                       (2 * sigma0 * sigma0)));
  auto implicit = test::field_with<S>(grid, values);
  auto spectral = test::field_with<S>(grid, values);
  diffuse_implicit(ctx, implicit, constant_field<T, S>(grid, 1.0), d_t / 32, 32);
  const double s = std::sqrt(2 * d_t);
  thermal::diffuse_spectral(ctx, spectral, {s, s, s});
  const auto a = to_vector(implicit), b = to_vector(spectral);
  const double sigma2 = sigma0 * sigma0 + 2 * d_t;
  const double bound = 3 * 3 * (2 * d_t) / (24 * sigma2 * sigma2);
  const double difference = test::relative_to_peak(a, std::vector<double>(b.begin(), b.end()));
  INFO("max difference / peak " << difference << ", kurtosis term " << bound);
  CHECK(difference < 1.05 * bound);
  CHECK(difference > 0.8 * bound);
  double m0 = 0, ma = 0, mb = 0, va = 0, vb = 0;
  for (index_t i = 0; i < grid.size(); ++i) {
    const double x = double(i % nx) - cx;
    m0 += values[std::size_t(i)], ma += a[std::size_t(i)], mb += b[std::size_t(i)];
    va += x * x * a[std::size_t(i)], vb += x * x * b[std::size_t(i)];
  }
  CHECK(std::abs(ma - m0) / m0 < implicit_rounding<T>);
  CHECK(std::abs(mb - m0) / m0 < implicit_rounding<T>);
  const double expected =
      (sigma0 * sigma0 + 2 * d_t) * m0;  // x variance times mass (sampled: exact to 1e-16)
  CHECK(std::abs(va - expected) / expected < implicit_rounding<T>);
  CHECK(std::abs(vb - expected) / expected < implicit_rounding<T>);
}

TEMPLATE_LIST_TEST_CASE("Implicit diffusion conserves mass for varying D without evaporation",
                        "[thermal][implicit]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(16, 14, 10, {1.0, 2.0, 1.5});
  auto values = test::random_values<T>(2 * grid.size(), 3);
  for (auto& v : values) v += T(1.2);
  auto dvalues = test::random_values<T>(grid.size(), 4);
  for (auto& v : dvalues) v = T(3) * (v + T(1));  // D in [0, 6): zero faces included
  dvalues[5] = 0;
  const auto diffusivity = test::field_with<S>(grid, dvalues);  // shared by both members
  const double mass0 = test::total(std::vector<T>(values.begin(), values.begin() + grid.size()));
  const double mass1 = test::total(std::vector<T>(values.begin() + grid.size(), values.end()));
  for (const auto scheme : {TimeScheme::crank_nicolson, TimeScheme::backward_euler}) {
    auto field = test::field_with<S>(grid, values, 2);
    diffuse_implicit(ctx, field, diffusivity, 0.7, 5, {scheme});
    const auto result = to_vector(field);
    CHECK(std::abs(test::total(std::vector<T>(result.begin(), result.begin() + grid.size())) -
                   mass0) /
              mass0 <
          implicit_rounding<T>);
    CHECK(
        std::abs(test::total(std::vector<T>(result.begin() + grid.size(), result.end())) - mass1) /
            mass1 <
        implicit_rounding<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("diffuse_implicit refuses bad arguments", "[thermal][implicit]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(8, 6, 1.0);
  auto field = constant_field<T, S>(grid, 1);
  const auto d = constant_field<T, S>(grid, 1);
  CHECK_THROWS_AS(diffuse_implicit(ctx, field, constant_field<T, S>(Grid(8, 5, 1.0), 1), 0.1, 1),
                  shape_mismatch);
  CHECK_THROWS_MATCHES(
      diffuse_implicit(ctx, field, d, -0.1, 1), invalid_argument,
      Catch::Message("fabtwin::diffuse_implicit: argument 'dt_s' = -0.1; expected a "
                     "positive, finite time step in s"));
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, d, 0.1, -1), Contains("'steps' = -1"));
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, d, 0.1, 1, {TimeScheme::crank_nicolson, 0.5}),
                    Contains("top_transfer_nm_per_s") && Contains("2D field has no top"));
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, Field<T, S>(grid, 2), 0.1, 1),
                    Contains("diffusivity.batch()"));
  std::vector<T> bad(std::size_t(grid.size()), T(1));
  bad[7] = T(-0.5);
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, test::field_with<S>(grid, bad), 0.1, 1),
                    Contains("'min(diffusivity)' = -0.5"));
  bad[7] = std::numeric_limits<T>::quiet_NaN();
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, test::field_with<S>(grid, bad), 0.1, 1),
                    Contains("min(diffusivity)") && Contains("nan"));
  bad[7] = std::numeric_limits<T>::infinity();
  CHECK_THROWS_WITH(diffuse_implicit(ctx, field, test::field_with<S>(grid, bad), 0.1, 1),
                    Contains("'max(diffusivity)' = inf"));
}
