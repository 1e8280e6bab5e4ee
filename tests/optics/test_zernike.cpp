// Fringe Zernike polynomials (optics/zernike.hpp) against their explicit polynomials written out by
// hand (Born & Wolf §9.2 radial polynomials, Fringe ordering of the 37-term set), orthogonality
// over the unit disc by exact quadrature, the unit edge value, and refusal of bad term numbers.

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <functional>
#include <numbers>
#include <vector>

#include "fabtwin/optics/zernike.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

using std::numbers::pi;

/// Gauss-Legendre nodes and weights on [0, 1] (Newton on P_n from the Chebyshev guess): exact for
/// polynomials of degree < 2n, which the radial products Z_i Z_j rho (degree <= 25) are for n = 16.
void gauss_legendre_01(int n, std::vector<double>& nodes, std::vector<double>& weights) {
  nodes.assign(std::size_t(n), 0);
  weights.assign(std::size_t(n), 0);
  for (int i = 0; i < n; ++i) {
    double x = std::cos(pi * (i + 0.75) / (n + 0.5));
    double derivative = 0;
    for (int iteration = 0; iteration < 100; ++iteration) {
      double p0 = 1, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      derivative = n * (x * p1 - p0) / (x * x - 1);
      const double step = p1 / derivative;
      x -= step;
      if (std::fabs(step) < 1e-16) break;
    }
    nodes[std::size_t(i)] = 0.5 * (x + 1);
    weights[std::size_t(i)] =
        1 / ((1 - x * x) * derivative * derivative);  // 2/(...) halved for [0, 1]
  }
}

struct Explicit {
  int j;
  std::function<double(double, double)> z;
};

/// The Fringe terms written out by hand: radial polynomial times the azimuthal factor.
const std::vector<Explicit>& explicit_terms() {
  static const std::vector<Explicit> terms = {
      {1, [](double, double) { return 1.0; }},
      {2, [](double r, double t) { return r * std::cos(t); }},
      {3, [](double r, double t) { return r * std::sin(t); }},
      {4, [](double r, double) { return 2 * r * r - 1; }},
      {5, [](double r, double t) { return r * r * std::cos(2 * t); }},
      {6, [](double r, double t) { return r * r * std::sin(2 * t); }},
      {7, [](double r, double t) { return (3 * std::pow(r, 3) - 2 * r) * std::cos(t); }},
      {8, [](double r, double t) { return (3 * std::pow(r, 3) - 2 * r) * std::sin(t); }},
      {9, [](double r, double) { return 6 * std::pow(r, 4) - 6 * r * r + 1; }},
      {10, [](double r, double t) { return std::pow(r, 3) * std::cos(3 * t); }},
      {12, [](double r, double t) { return (4 * std::pow(r, 4) - 3 * r * r) * std::cos(2 * t); }},
      {14,
       [](double r, double t) {
         return (10 * std::pow(r, 5) - 12 * std::pow(r, 3) + 3 * r) * std::cos(t);
       }},
      {16,
       [](double r, double) { return 20 * std::pow(r, 6) - 30 * std::pow(r, 4) + 12 * r * r - 1; }},
      {17, [](double r, double t) { return std::pow(r, 4) * std::cos(4 * t); }},
      {20, [](double r,
              double t) { return (5 * std::pow(r, 5) - 4 * std::pow(r, 3)) * std::sin(3 * t); }},
      {21,
       [](double r, double t) {
         return (15 * std::pow(r, 6) - 20 * std::pow(r, 4) + 6 * r * r) * std::cos(2 * t);
       }},
      {24,
       [](double r, double t) {
         return (35 * std::pow(r, 7) - 60 * std::pow(r, 5) + 30 * std::pow(r, 3) - 4 * r) *
                std::sin(t);
       }},
      {25,
       [](double r, double) {
         return 70 * std::pow(r, 8) - 140 * std::pow(r, 6) + 90 * std::pow(r, 4) - 20 * r * r + 1;
       }},
      {27, [](double r, double t) { return std::pow(r, 5) * std::sin(5 * t); }},
      {28, [](double r,
              double t) { return (6 * std::pow(r, 6) - 5 * std::pow(r, 4)) * std::cos(4 * t); }},
      {30,
       [](double r, double t) {
         return (21 * std::pow(r, 7) - 30 * std::pow(r, 5) + 10 * std::pow(r, 3)) * std::cos(3 * t);
       }},
      {33,
       [](double r, double t) {
         return (56 * std::pow(r, 8) - 105 * std::pow(r, 6) + 60 * std::pow(r, 4) - 10 * r * r) *
                std::sin(2 * t);
       }},
      {34,
       [](double r, double t) {
         return (126 * std::pow(r, 9) - 280 * std::pow(r, 7) + 210 * std::pow(r, 5) -
                 60 * std::pow(r, 3) + 5 * r) *
                std::cos(t);
       }},
      {36,
       [](double r, double) {
         return 252 * std::pow(r, 10) - 630 * std::pow(r, 8) + 560 * std::pow(r, 6) -
                210 * std::pow(r, 4) + 30 * r * r - 1;
       }},
      {37,
       [](double r, double) {
         return 924 * std::pow(r, 12) - 2772 * std::pow(r, 10) + 3150 * std::pow(r, 8) -
                1680 * std::pow(r, 6) + 420 * std::pow(r, 4) - 42 * r * r + 1;
       }},
  };
  return terms;
}

}  // namespace

TEST_CASE("Fringe Zernike terms equal their explicit polynomials", "[optics][zernike]") {
  for (const auto& term : explicit_terms()) {
    for (double rho : {0.0, 0.13, 0.5, 0.71, 0.9, 0.999, 1.0})
      for (double theta : {0.0, 0.4, 1.3, 2.9, -2.2, 5.5}) {
        INFO("Z" << term.j << " at rho " << rho << " theta " << theta);
        CHECK(fringe_zernike(term.j, rho, theta) == Approx(term.z(rho, theta)).margin(1e-12));
      }
  }
}

TEST_CASE("Fringe term table: the classic named aberrations", "[optics][zernike]") {
  // Z4 defocus, Z5/6 astigmatism, Z7/8 coma, Z9 spherical, Z10/11 trefoil, Z37 12th-order spherical.
  CHECK(fringe_index(4).n == 2);
  CHECK(fringe_index(4).m == 0);
  CHECK(fringe_index(7).n == 3);
  CHECK(fringe_index(7).m == 1);
  CHECK(fringe_index(7).trig == 1);
  CHECK(fringe_index(8).trig == -1);
  CHECK(fringe_index(11).m == 3);
  CHECK(fringe_index(37).n == 12);
  CHECK(fringe_index(37).m == 0);
  // Every term has n - m even and >= 0, and each m > 0 comes as a cos/sin pair with equal (n, m).
  for (int j = 1; j <= zernike_terms; ++j) {
    const auto z = fringe_index(j);
    INFO("Z" << j);
    CHECK(z.m >= 0);
    CHECK(z.n >= z.m);
    CHECK((z.n - z.m) % 2 == 0);
    CHECK((z.m == 0) == (z.trig == 0));
    if (z.trig > 0) {
      const auto pair = fringe_index(j + 1);
      CHECK(pair.n == z.n);
      CHECK(pair.m == z.m);
      CHECK(pair.trig == -1);
    }
  }
}

TEST_CASE("Fringe Zernike terms are orthogonal over the unit disc", "[optics][zernike]") {
  // Exact quadrature: Gauss-Legendre in rho (16 nodes, degree <= 31) times the uniform rule in
  // theta with 64 points (exact for trigonometric polynomials of degree < 64; products reach 10).
  std::vector<double> nodes, weights;
  gauss_legendre_01(16, nodes, weights);
  constexpr int angles = 64;
  std::array<std::array<double, zernike_terms>, zernike_terms> gram{};
  std::vector<double> values(zernike_terms);
  for (std::size_t r = 0; r < nodes.size(); ++r)
    for (int a = 0; a < angles; ++a) {
      const double theta = 2 * pi * a / angles;
      const double measure = weights[r] * nodes[r] * (2 * pi / angles);  // rho drho dtheta
      for (int j = 1; j <= zernike_terms; ++j)
        values[std::size_t(j - 1)] = fringe_zernike(j, nodes[r], theta);
      for (int i = 0; i < zernike_terms; ++i)
        for (int j = 0; j < zernike_terms; ++j) gram[i][j] += measure * values[i] * values[j];
    }
  for (int i = 0; i < zernike_terms; ++i)
    for (int j = 0; j < zernike_terms; ++j) {
      INFO("<Z" << i + 1 << ", Z" << j + 1 << ">");
      if (i != j) {
        CHECK(gram[i][j] == Approx(0).margin(1e-12));
      } else {
        // Fringe terms are unnormalised: the norm is pi / (n + 1), halved when m > 0.
        const auto z = fringe_index(i + 1);
        const double norm = pi / (z.n + 1) / (z.m > 0 ? 2 : 1);
        CHECK(gram[i][j] == Approx(norm).epsilon(1e-12));
      }
    }
}

TEST_CASE("Every Fringe term peaks at magnitude 1 on the pupil edge", "[optics][zernike]") {
  // 720 angles include theta = pi / (2m) for m = 1..5, where sin(m theta) reaches 1.
  for (int j = 1; j <= zernike_terms; ++j) {
    double largest = 0;
    for (int a = 0; a < 720; ++a)
      largest = std::max(largest, std::fabs(fringe_zernike(j, 1.0, 2 * pi * a / 720)));
    INFO("Z" << j);
    CHECK(largest == Approx(1).epsilon(1e-12));
  }
}

TEST_CASE("The wavefront sums coefficient times term", "[optics][zernike]") {
  std::array<double, zernike_terms> waves{};
  waves[3] = 0.05;   // Z4
  waves[6] = -0.02;  // Z7
  waves[36] = 0.01;  // Z37
  for (double rho : {0.0, 0.3, 0.8, 1.0})
    for (double theta : {0.0, 1.0, 3.0}) {
      const double r2 = rho * rho;
      const double expected =
          0.05 * (2 * r2 - 1) - 0.02 * (3 * rho * r2 - 2 * rho) * std::cos(theta) +
          0.01 * (924 * std::pow(rho, 12) - 2772 * std::pow(rho, 10) + 3150 * std::pow(rho, 8) -
                  1680 * std::pow(rho, 6) + 420 * std::pow(rho, 4) - 42 * r2 + 1);
      CHECK(wavefront_waves(waves, rho, theta) == Approx(expected).margin(1e-14));
    }
  CHECK(wavefront_waves(std::array<double, zernike_terms>{}, 0.7, 1.0) == 0.0);
}

TEST_CASE("Bad Fringe term numbers are refused", "[optics][zernike][errors]") {
  for (int j : {0, -1, 38, 100}) {
    REQUIRE_THROWS_AS(fringe_zernike(j, 0.5, 0.0), invalid_argument);
    REQUIRE_THROWS_WITH(fringe_index(j), Contains("fringe_index") &&
                                             Contains("'j' = " + std::to_string(j)) &&
                                             Contains("1..37"));
  }
}
