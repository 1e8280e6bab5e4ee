// Development rate: the Mack and enhanced Mack curves at chosen m against values worked out by hand,
// the rate map over fields in every space, and parameter validation.

#include <cmath>
#include <vector>

#include "fabtwin/resist/development_rate.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;
using resist::EnhancedMackParameters;
using resist::MackParameters;

namespace {
// Sentaurus Lithography's published set (physics.md §2).
const MackParameters sentaurus{40.0, 0.0003, 0.5, 30.0};
}  // namespace

TEST_CASE("Mack rate of the Sentaurus set at m = 0, 0.5, 1 and near the notch",
          "[resist][development]") {
  // a = (n + 1) / (n - 1) (1 - M_th)^n = 31/29 * 2^-30 = 31 / (29 * 1073741824) = 9.9553e-10.
  const double a = 31.0 / (29.0 * 1073741824.0);
  CHECK(sentaurus.a() == Approx(a).epsilon(1e-15));
  const auto rate = sentaurus.rate<double>();
  // m = 0: (1 - m)^n = 1, R = R_max (a + 1) / (a + 1) + R_min = 40.0003 nm/s.
  CHECK(rate(0.0) == Approx(40.0003).epsilon(1e-15));
  // m = 1: (1 - m)^n = 0, R = R_min = 0.0003 nm/s.
  CHECK(rate(1.0) == Approx(0.0003).epsilon(1e-15));
  // m = 0.5 = M_th: (1 - m)^n = 2^-30 = b and a = 31/29 b, so
  // R = 40 (a + 1) b / (31/29 b + b) + R_min = 40 (1 + a) 29/60 + 0.0003
  //   = 19.333333333 (1 + 9.9553e-10) + 0.0003 = 19.3336333526.
  CHECK(rate(0.5) == Approx(40.0 * (1 + a) * 29.0 / 60.0 + 0.0003).epsilon(1e-14));
  CHECK(rate(0.5) == Approx(19.3336333526).epsilon(1e-10));
  // m = 0.6: (1 - m)^n = 0.4^30 = 1.15292e-12 << a, so R ~ R_max (a + 1) 0.4^30 / (a + 0.4^30) + R_min
  //   = 40 * 1.15292e-12 / (9.9553e-10 + 1.15292e-12) + 0.0003 = 0.046271 + 0.0003 = 0.046571.
  const double p6 = std::pow(0.4, 30);
  CHECK(rate(0.6) == Approx(40.0 * (1 + a) * p6 / (a + p6) + 0.0003).epsilon(1e-14));
  CHECK(rate(0.6) == Approx(0.046571).epsilon(1e-4));
  // Outside [0, 1] m is clamped: no NaN from (1 - m)^30.5.
  const auto odd = MackParameters{40.0, 0.0003, 0.5, 30.5}.rate<double>();
  CHECK(odd(1.0 + 1e-12) == Approx(0.0003).epsilon(1e-15));
  CHECK(odd(-1e-12) == Approx(40.0003).epsilon(1e-15));
  // Float: the same curve to float rounding.
  const auto single = sentaurus.rate<float>();
  CHECK(single(0.5f) == Approx(19.3336333526).epsilon(1e-6));
}

TEST_CASE("Enhanced Mack rate against its closed form", "[resist][development]") {
  // R_max 100, R_resin 2, R_min 0.01 nm/s, n 5, l 9: k_e = 100/2 - 1 = 49, k_i = 2/0.01 - 1 = 199.
  const EnhancedMackParameters p{100.0, 2.0, 0.01, 5.0, 9.0};
  CHECK(p.k_e() == Approx(49.0).epsilon(1e-15));
  CHECK(p.k_i() == Approx(199.0).epsilon(1e-13));
  const auto rate = p.rate<double>();
  CHECK(rate(0.0) == Approx(100.0).epsilon(1e-15));  // R_resin (1 + k_e) = R_max
  CHECK(rate(1.0) == Approx(0.01).epsilon(1e-13));   // R_resin / (1 + k_i) = R_min
  // m = 0.5: 2 (1 + 49 / 32) / (1 + 199 / 512) = 2 * 2.53125 / 1.388671875 = 3.6455696...
  CHECK(rate(0.5) == Approx(2.0 * (1 + 49.0 / 32.0) / (1 + 199.0 / 512.0)).epsilon(1e-15));
  CHECK(rate(0.5) == Approx(3.6455696).epsilon(1e-7));
}

TEST_CASE("Rate parameters are validated, naming the argument", "[resist][development]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(MackParameters({40.0, 0.0003, 0.5, 1.0}).rate<double>(), Contains("'n' = 1"));
  CHECK_THROWS_WITH(MackParameters({-1.0, 0.0003, 0.5, 30.0}).rate<double>(),
                    Contains("'r_max' = -1"));
  CHECK_THROWS_WITH(MackParameters({40.0, 50.0, 0.5, 30.0}).rate<double>(),
                    Contains("'r_min' = 50"));
  CHECK_THROWS_WITH(MackParameters({40.0, 0.0003, 1.0, 30.0}).rate<double>(),
                    Contains("'m_th' = 1"));
  CHECK_THROWS_WITH(MackParameters({40.0, 0.0003, std::nan(""), 30.0}).rate<double>(),
                    Contains("'m_th'"));
  CHECK_THROWS_AS(EnhancedMackParameters({100.0, 2.0, 0.0, 5.0, 9.0}).rate<double>(),
                  invalid_argument);
  CHECK_THROWS_WITH(EnhancedMackParameters({1.0, 2.0, 0.01, 5.0, 9.0}).rate<double>(),
                    Contains("'r_max' = 1"));
  CHECK_THROWS_WITH(EnhancedMackParameters({100.0, 2.0, 0.01, 5.0, -1.0}).rate<double>(),
                    Contains("'l' = -1"));
}

TEMPLATE_LIST_TEST_CASE("development_rate maps an inhibitor field to rates in every space",
                        "[resist][development]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid = Grid::volume(9, 7, 4, {2.0, 2.0, 2.0});
  auto m = test::random_values<T>(grid.size(), 31);
  for (auto& v : m) v = T(0.5) * (v + T(1));
  const auto inhibitor = test::field_with<S>(grid, m);
  Field<T, S> rate(grid);
  resist::development_rate(ctx, inhibitor, sentaurus.rate<T>(), rate);
  const auto r = to_vector(rate);
  double worst = 0;
  for (std::size_t i = 0; i < m.size(); ++i) {
    // The Mack formula written out again in double.
    const double b = std::pow(1 - double(m[i]), 30.0), a = sentaurus.a();
    const double exact = 40 * (a + 1) * b / (a + b) + 0.0003;
    worst = std::max(worst, std::abs(double(r[i]) - exact) / exact);
  }
  INFO("largest relative error " << worst);
  // float: (1 - m)^30 amplifies the rounding of 1 - m (2^-24 relative) 30x, 1.8e-6, plus a few ulps
  // of pow, the products and the division.
  CHECK(worst <= (std::is_same_v<T, float> ? 4e-6 : 1e-13));
}
