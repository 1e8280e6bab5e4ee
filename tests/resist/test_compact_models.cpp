// Compact resist models: constant and sigmoid thresholds against their definitions, the Gaussian
// blur against the closed form for Fourier modes, the blur's dot-product test, Taylor tests of the
// sigmoid and blurred-sigmoid adjoints, and argument validation.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "fabtwin/resist/compact_models.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::SigmoidThreshold;

TEMPLATE_LIST_TEST_CASE("Constant and sigmoid thresholds follow their definitions",
                        "[resist][compact]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(3, 2, 1.0);
  const std::vector<T> values{T(0.1), T(0.225), T(0.3), T(0.2249), T(-5), T(7)};
  const auto image = test::field_with<S>(grid, values);
  Field<T, S> printed(grid);
  resist::constant_threshold(ctx, image, 0.225, printed);  // prints where I >= 0.225 (ICCAD-2013)
  CHECK(to_vector(printed) == std::vector<T>{0, 1, 1, 0, 0, 1});

  const SigmoidThreshold model{0.225, 80.0};
  resist::sigmoid_threshold(ctx, image, model, printed);
  const auto p = to_vector(printed);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double exact = 1 / (1 + std::exp(-80.0 * (double(values[i]) - 0.225)));
    INFO("I = " << values[i]);
    CHECK(std::abs(double(p[i]) - exact) <= (std::is_same_v<T, float> ? 1e-6 : 1e-15));
  }
  CHECK(p[1] == T(0.5));
  CHECK(p[4] >= T(0));  // exp(418) would overflow a naive float sigmoid into NaN
  CHECK(p[4] < T(1e-30));
}

TEMPLATE_LIST_TEST_CASE("Gaussian blur scales Fourier modes by exp(-2 pi^2 sigma^2 |f|^2)",
                        "[resist][compact]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // 48 x 40 samples of 2 nm: periods Lx = 96 nm, Ly = 80 nm; sigma = 7 nm.
  const Grid grid(48, 40, 2.0);
  const double sigma = 7, pi = std::numbers::pi;
  const auto mode = [&](index_t x, index_t y, double fx, double fy, double phase) {
    return std::cos(2 * pi * (fx * 2.0 * double(x) + fy * 2.0 * double(y)) + phase);
  };
  // I = 0.4 + 0.3 cos(mode (3/96, -2/80)) + 0.2 cos(mode (24/96, 0)): the Nyquist mode along x too.
  const double f1x = 3 / 96.0, f1y = -2 / 80.0, f2x = 24 / 96.0;
  const double g1 = std::exp(-2 * pi * pi * sigma * sigma * (f1x * f1x + f1y * f1y));
  const double g2 = std::exp(-2 * pi * pi * sigma * sigma * f2x * f2x);
  std::vector<T> image(std::size_t(grid.size()));
  std::vector<double> expected(image.size());
  for (index_t y = 0; y < 40; ++y)
    for (index_t x = 0; x < 48; ++x) {
      const std::size_t i = std::size_t(x + 48 * y);
      image[i] = T(0.4 + 0.3 * mode(x, y, f1x, f1y, 0.7) + 0.2 * mode(x, y, f2x, 0, 0));
      expected[i] = 0.4 + 0.3 * g1 * mode(x, y, f1x, f1y, 0.7) + 0.2 * g2 * mode(x, y, f2x, 0, 0);
    }
  const auto in = test::field_with<S>(grid, image);
  Field<T, S> out(grid);
  resist::gaussian_blur(ctx, in, sigma, out);
  const double error = test::relative_error(to_vector(out), expected);
  INFO("relative error " << error << " (mode gains " << g1 << ", " << g2 << ")");
  CHECK(error <= (std::is_same_v<T, float> ? 1e-6 : 1e-14));
  resist::gaussian_blur(ctx, in, 0.0, out);  // sigma 0: the identity
  CHECK(test::relative_error(to_vector(out), image) <= (std::is_same_v<T, float> ? 1e-6 : 1e-15));
}

TEMPLATE_LIST_TEST_CASE("Dot-product test of the Gaussian blur (its own adjoint)",
                        "[resist][compact]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(36, 30, 3.0);
  const index_t batch = 2;
  const auto x = test::random_values<T>(grid.size() * batch, 41);
  const auto y = test::random_values<T>(grid.size() * batch, 42);
  Field<T, S> bx(grid, batch), by(grid, batch);
  resist::gaussian_blur(ctx, test::field_with<S>(grid, x, batch), 5.0, bx);
  resist::gaussian_blur(ctx, test::field_with<S>(grid, y, batch), 5.0, by);
  const double left = test::real_dot(to_vector(bx), y), right = test::real_dot(x, to_vector(by));
  INFO("<Bx, y> = " << left << ", <x, By> = " << right);
  CHECK(std::abs(left - right) <= (std::is_same_v<T, float> ? 1e-5 : 1e-12) * std::abs(left));
}

TEMPLATE_LIST_TEST_CASE("Taylor tests of the sigmoid and blurred-sigmoid adjoints",
                        "[resist][compact]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(32, 24, 4.0);
  const index_t batch = 2, n = grid.size() * batch;
  auto i0 = test::random_values<double>(n, 51);
  for (auto& v : i0) v = 0.3 + 0.25 * v;  // around the threshold, where the sigmoid bends
  const auto di = test::random_values<double>(n, 52);
  const auto w = test::random_values<double>(n, 53);
  auto target = test::random_values<double>(n, 54);
  for (auto& v : target) v = 0.5 * (v + 1);
  const SigmoidThreshold m0{0.3, 12.0};
  const double sigma0 = 9.0;

  // Mode 0: the plain sigmoid; 1 and 2: blurred with the Gaussian and the lattice kernel.
  for (const int mode : {0, 1, 2}) {
    const bool blurred = mode > 0;
    const auto kernel =
        mode == 2 ? thermal::DiffusionKernel::lattice : thermal::DiffusionKernel::gaussian;
    INFO((blurred ? "blurred sigmoid, kernel " + std::to_string(mode) : "sigmoid"));
    const auto printed = [&](const std::vector<double>& image, const SigmoidThreshold& m,
                             double sigma) {
      Field<double, S> out(grid, batch);
      const auto in = test::field_with<S>(grid, image, batch);
      if (blurred)
        resist::blurred_threshold(ctx, in, sigma, m, out, kernel);
      else
        resist::sigmoid_threshold(ctx, in, m, out);
      return to_vector(out);
    };
    // J = sum w P + sum (P - target)^2, gradient w + 2 (P - target).
    const auto J = [&](const std::vector<double>& image, const SigmoidThreshold& m, double sigma) {
      const auto p = printed(image, m, sigma);
      double sum = test::real_dot(w, p);
      for (std::size_t k = 0; k < p.size(); ++k) sum += (p[k] - target[k]) * (p[k] - target[k]);
      return sum;
    };
    const auto p0 = printed(i0, m0, sigma0);
    std::vector<double> g(p0.size());
    for (std::size_t k = 0; k < g.size(); ++k) g[k] = w[k] + 2 * (p0[k] - target[k]);
    Field<double, S> grad_image(grid, batch);
    const auto in = test::field_with<S>(grid, i0, batch);
    const auto grad_p = test::field_with<S>(grid, g, batch);
    resist::BlurredThresholdGradient grad;
    if (blurred) {
      grad = resist::blurred_threshold_backward(ctx, in, sigma0, m0, grad_p, grad_image, kernel);
    } else {
      const auto sg = resist::sigmoid_threshold_backward(ctx, in, m0, grad_p, grad_image);
      grad = {0, sg.threshold, sg.steepness};
    }
    const auto gi = to_vector(grad_image);
    const double slopes[] = {0.2 * test::real_dot(gi, di), 0.05 * grad.threshold,
                             3 * grad.steepness, 2 * grad.sigma_nm};
    const char* names[] = {"image", "threshold", "steepness", "sigma"};
    const auto shifted = [&](double eps, int which) {
      std::vector<double> image = i0;
      SigmoidThreshold m = m0;
      if (which == 0)
        for (std::size_t k = 0; k < image.size(); ++k) image[k] += 0.2 * eps * di[k];
      if (which == 1) m.threshold += 0.05 * eps;
      if (which == 2) m.steepness += 3 * eps;
      return J(image, m, sigma0 + (which == 3 ? 2 * eps : 0.0));
    };
    for (int which = 0; which < (blurred ? 4 : 3); ++which) {
      const auto orders = test::taylor_orders([&](double eps) { return shifted(eps, which); },
                                              slopes[which], 0.2, 6);
      for (const double order : orders) {
        INFO(names[which] << ": observed order " << order);
        CHECK(order >= 1.9);
        CHECK(order <= 2.1);
      }
    }
  }
}

TEST_CASE("Compact models refuse bad parameters and shapes, naming them", "[resist][compact]") {
  using Catch::Matchers::Contains;
  Context<Host> ctx;
  const Grid grid(8, 8, 2.0);
  const Field<double, Host> image(grid);
  Field<double, Host> out(grid);
  CHECK_THROWS_WITH(resist::sigmoid_threshold(ctx, image, {0.3, 0.0}, out),
                    Contains("'steepness' = 0"));
  CHECK_THROWS_WITH(resist::sigmoid_threshold(ctx, image, {std::nan(""), 10.0}, out),
                    Contains("'threshold' = nan"));
  CHECK_THROWS_WITH(resist::constant_threshold(ctx, image, INFINITY, out),
                    Contains("'threshold' = inf"));
  CHECK_THROWS_WITH(resist::gaussian_blur(ctx, image, -1.0, out), Contains("'sigma_nm' = -1"));
  Field<double, Host> other(Grid(8, 6, 2.0));
  CHECK_THROWS_AS(resist::gaussian_blur(ctx, image, 1.0, other), shape_mismatch);
  const Field<double, Host> volume(Grid::volume(8, 8, 2, {2.0, 2.0, 2.0}));
  Field<double, Host> volume_out(volume.grid());
  CHECK_THROWS_AS(resist::gaussian_blur(ctx, volume, 1.0, volume_out), shape_mismatch);
}

TEMPLATE_LIST_TEST_CASE("The lattice blur of a point is the Skellam distribution",
                        "[resist][compact]", test::Cases) {
  // The heat kernel of the nearest-neighbour Laplacian of variance sigma^2: e^(-2a) I_n(2a) per
  // axis, a = sigma^2 / (2 h^2) (Bessel's I from the standard library).
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(40, 32, 4.0);
  std::vector<T> values(std::size_t(grid.size()), T(0));
  values[std::size_t(20 + 40 * 16)] = T(1);
  Field<T, S> out(grid);
  const double sigma = 6;
  resist::gaussian_blur(ctx, test::field_with<S>(grid, values), sigma, out,
                        thermal::DiffusionKernel::lattice);
  const std::vector<T> blurred = to_vector(out);
  const double a = sigma * sigma / (2 * 16.0);
  const auto skellam = [&](index_t m) {
    return std::exp(-2 * a) * std::cyl_bessel_i(double(std::abs(m)), 2 * a);
  };
  double error = 0;
  for (index_t j = 0; j < 32; ++j)
    for (index_t i = 0; i < 40; ++i)
      error = std::max(error, std::fabs(double(blurred[std::size_t(i + 40 * j)]) -
                                        skellam(i - 20) * skellam(j - 16)));
  CHECK(error <= 64 * std::numeric_limits<T>::epsilon());
}
