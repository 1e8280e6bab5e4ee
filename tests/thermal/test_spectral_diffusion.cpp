// Spectral diffusion: point sources in 2D and 3D against Gaussians summed over their periodic or
// mirror images, a step against the error function, mass conservation, refused arguments.

#include <cmath>
#include <limits>
#include <vector>

#include "thermal/thermal_support.hpp"

using namespace fabtwin;
using Catch::Contains;
using thermal::Boundaries;
using thermal::Boundary;
using thermal::diffuse_spectral;

namespace {

/// FFT rounding: a few ulps times the log of the size, relative to the peak.
template <class T>
constexpr double spectral_rounding = 64 * std::numeric_limits<T>::epsilon();

}  // namespace

TEMPLATE_LIST_TEST_CASE("A 2D point source spreads to the Gaussian with its images",
                        "[thermal][spectral]", test::Cases) {
  // The spectral blur of a unit sample is the band-limited periodic Gaussian; with sigma >= 2.5
  // cells its spectrum beyond Nyquist is below exp(-pi^2 sigma^2 / 2) = 4e-14, so the samples equal
  // the Gaussian summed over images to rounding.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 48, ny = 40;
  const Grid grid(nx, ny, 1.0);
  const double x0 = 3, y0 = 30, sigma_x = 5.0, sigma_y = 3.0;  // near walls: images matter
  for (const auto b : {Boundary::periodic, Boundary::mirror}) {
    INFO((b == Boundary::mirror ? "mirror" : "periodic"));
    std::vector<T> values(std::size_t(nx * ny), T(0));
    values[std::size_t(x0 + nx * y0)] = T(1);
    auto field = test::field_with<S>(grid, values);
    diffuse_spectral(ctx, field, {sigma_x, sigma_y, 0}, Boundaries{b, b, b});
    std::vector<double> expected(values.size());
    for (index_t y = 0; y < ny; ++y)
      for (index_t x = 0; x < nx; ++x)
        expected[std::size_t(x + nx * y)] = test::gaussian_sample(x, x0, sigma_x, nx, b) *
                                            test::gaussian_sample(y, y0, sigma_y, ny, b);
    const auto result = to_vector(field);
    CHECK(test::relative_to_peak(result, expected) < spectral_rounding<T>);
    CHECK(std::abs(test::total(result) - 1) < spectral_rounding<T>);
  }
}

TEMPLATE_LIST_TEST_CASE("A 3D point source with anisotropic lengths, mixed boundaries and a batch",
                        "[thermal][spectral]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 32, ny = 24, nz = 20;
  const Vec3 pitch{2.0, 1.0, 1.5};
  const Grid grid = Grid::volume(nx, ny, nz, pitch);
  const Vec3 sigma{7.0, 4.0, 6.0};  // nm: 3.5, 4 and 4 cells
  const Boundaries boundaries{Boundary::periodic, Boundary::mirror, Boundary::mirror};
  // Member 0: unit source at (30, 5, 2); member 1: mass 2 at (4, 20, 17).
  const index_t sources[2][3] = {{30, 5, 2}, {4, 20, 17}};
  std::vector<T> values(std::size_t(2 * grid.size()), T(0));
  for (int b = 0; b < 2; ++b)
    values[std::size_t(sources[b][0] + nx * (sources[b][1] + ny * (sources[b][2] + nz * b)))] =
        T(b + 1);
  auto field = test::field_with<S>(grid, values, 2);
  diffuse_spectral(ctx, field, sigma, boundaries);
  std::vector<double> expected(values.size());
  for (int b = 0; b < 2; ++b)
    for (index_t z = 0; z < nz; ++z)
      for (index_t y = 0; y < ny; ++y)
        for (index_t x = 0; x < nx; ++x)
          expected[std::size_t(x + nx * (y + ny * (z + nz * b)))] =
              (b + 1) *
              test::gaussian_sample(x, sources[b][0], sigma.x / pitch.x, nx, boundaries.x) *
              test::gaussian_sample(y, sources[b][1], sigma.y / pitch.y, ny, boundaries.y) *
              test::gaussian_sample(z, sources[b][2], sigma.z / pitch.z, nz, boundaries.z);
  const auto result = to_vector(field);
  CHECK(test::relative_to_peak(result, expected) < spectral_rounding<T>);
  const std::size_t member = std::size_t(grid.size());
  CHECK(std::abs(test::total(std::vector<T>(result.begin(), result.begin() + member)) - 1) <
        spectral_rounding<T>);
  CHECK(std::abs(test::total(std::vector<T>(result.begin() + member, result.end())) - 2) <
        2 * spectral_rounding<T>);
}

TEMPLATE_LIST_TEST_CASE("A step blurs to the error function", "[thermal][spectral]", test::Cases) {
  // u = 1 on cells x < 32 of 64 (mirror walls far from the step: their images add < 1e-30). The
  // spectral result is the midpoint sum of the Gaussian over the cells, whose Euler-Maclaurin
  // error against the integral (the erf) is h^2/24 |G'| <= 1 / (24 sigma^2 sqrt(2 pi e)) with sigma
  // in cells: 6.3e-4 for sigma = 4 cells; the O(h^4) remainder is below 1 % of it.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t nx = 64, ny = 8;
  const double pitch = 2.0, sigma = 8.0;  // nm: 4 cells
  const Grid grid(nx, ny, pitch);
  std::vector<T> values(std::size_t(nx * ny));
  for (index_t y = 0; y < ny; ++y)
    for (index_t x = 0; x < nx; ++x) values[std::size_t(x + nx * y)] = x < nx / 2 ? T(1) : T(0);
  auto field = test::field_with<S>(grid, values);
  diffuse_spectral(ctx, field, {sigma, sigma, 0});
  const auto result = to_vector(field);
  const double s = sigma / pitch;
  const double bound = 1.01 / (24 * s * s * std::sqrt(2 * std::numbers::pi * std::exp(1.0)));
  double worst = 0;
  for (index_t y = 0; y < ny; ++y)
    for (index_t x = 0; x < nx; ++x)
      worst = std::max(worst, std::abs(double(result[std::size_t(x + nx * y)]) -
                                       test::erf_step(x, nx / 2 - 0.5, s)));
  INFO("max |u - erf| = " << worst << ", bound " << bound);
  CHECK(worst < bound + spectral_rounding<T>);
  CHECK(worst > 0.95 * bound);  // the bound is the leading error term, not slack
}

TEMPLATE_LIST_TEST_CASE("Spectral diffusion conserves mass and leaves sigma = 0 unchanged",
                        "[thermal][spectral]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(20, 18, 9, {1.0, 1.0, 2.0});
  auto values = test::random_values<T>(grid.size(), 7);
  for (auto& v : values) v = T(1.5) + v;  // positive, mean 1.5
  const double mass = test::total(values);
  for (const auto b : {Boundary::periodic, Boundary::mirror}) {
    auto field = test::field_with<S>(grid, values);
    diffuse_spectral(ctx, field, {0.0, 0.0, 0.0}, {b, b, b});
    CHECK(test::relative_to_peak(to_vector(field),
                                 std::vector<double>(values.begin(), values.end())) <
          spectral_rounding<T>);
    diffuse_spectral(ctx, field, {3.0, 5.0, 4.0}, {b, b, b});
    CHECK(std::abs(test::total(to_vector(field)) - mass) / mass < spectral_rounding<T>);
  }
  auto field = test::field_with<S>(grid, values);
  CHECK_THROWS_MATCHES(
      diffuse_spectral(ctx, field, {1.0, -2.0, 1.0}), invalid_argument,
      Catch::Message("fabtwin::diffuse_spectral: argument 'sigma_nm.y' = -2; expected a "
                     "finite diffusion length >= 0 nm"));
  CHECK_THROWS_WITH(diffuse_spectral(ctx, field, {1.0, 1.0, std::nan("")}), Contains("sigma_nm.z"));
}

TEMPLATE_LIST_TEST_CASE(
    "The lattice kernel spreads a point source to the Skellam distribution and "
    "stays local",
    "[thermal][spectral]", test::Cases) {
  // The heat kernel of the nearest-neighbour Laplacian over D t = sigma^2 / 2 is, per axis,
  // e^(-2a) I_n(2a) with a = sigma^2 / (2 h^2) (Bessel's I from the standard library: independent
  // of the FFT); its variance is sigma^2, and lattice_range_nm bounds where its weight ends.
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const index_t n = 64;
  const double h = 2.0;
  const Grid grid(n, n, h);
  for (const double sigma : {1.0, 2.0, 5.0}) {  // half a cell to 2.5 cells
    INFO("sigma " << sigma << " nm");
    std::vector<T> values(std::size_t(n * n), T(0));
    values[std::size_t(32 + n * 32)] = T(1);
    auto field = test::field_with<S>(grid, values);
    diffuse_spectral(ctx, field, {sigma, sigma, 0},
                     Boundaries{Boundary::periodic, Boundary::periodic, Boundary::mirror,
                                thermal::DiffusionKernel::lattice});
    const std::vector<T> out = to_vector(field);
    const double a = sigma * sigma / (2 * h * h);
    const auto skellam = [&](index_t m) {
      return std::exp(-2 * a) * std::cyl_bessel_i(double(std::abs(m)), 2 * a);
    };
    double variance = 0, error = 0;
    for (index_t j = 0; j < n; ++j)
      for (index_t i = 0; i < n; ++i) {
        const double expected = skellam(i - 32) * skellam(j - 32);
        error = std::max(error, std::fabs(double(out[std::size_t(i + n * j)]) - expected));
        variance += double(out[std::size_t(i + n * j)]) * double((i - 32) * (i - 32)) * h * h;
      }
    CHECK(error <= spectral_rounding<T>);
    // The variance weighs the far samples' rounding by up to (32 h)^2: checked in double only.
    if constexpr (std::is_same_v<T, double>)
      CHECK(variance == Approx(sigma * sigma).epsilon(1e-12));
    // Beyond lattice_range_nm along x, the field holds at most the tolerance's share.
    const double tolerance = 1e-6;
    const double range = thermal::lattice_range_nm(sigma, h, tolerance);
    double beyond = 0;
    for (index_t j = 0; j < n; ++j)
      for (index_t i = 0; i < n; ++i)
        if (std::fabs(double(i - 32)) * h > range) beyond += double(out[std::size_t(i + n * j)]);
    CHECK(beyond <= tolerance * (1 + 1e-3) + spectral_rounding<T>);
    CHECK(thermal::lattice_range_nm(sigma, h, tolerance) <
          thermal::lattice_range_nm(sigma, h, tolerance / 100));
  }
  // The Gaussian kernel rings where the lattice one does not: one cell, 4 cells out.
  std::vector<T> values(std::size_t(n * n), T(0));
  values[std::size_t(32 + n * 32)] = T(1);
  auto gaussian = test::field_with<S>(grid, values);
  diffuse_spectral(ctx, gaussian, {h, h, 0},
                   Boundaries{Boundary::periodic, Boundary::periodic, Boundary::mirror});
  CHECK(std::fabs(double(to_vector(gaussian)[std::size_t(36 + n * 32)])) > 1e-5);
  CHECK_THROWS_WITH(thermal::lattice_range_nm(1, 0, 0.5), Contains("pitch_nm"));
  CHECK_THROWS_WITH(thermal::lattice_range_nm(1, 1, 1), Contains("tolerance"));
}
