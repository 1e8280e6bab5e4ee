// The resist profile's measures (host only): CD at a depth and sidewall angle on an arrival field
// whose walls are known in closed form.

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "fabtwin/metrology/profile.hpp"

using namespace fabtwin;

TEST_CASE("Profile CD at a depth and sidewall angle from walls of known slope",
          "[metrology][profile]") {
  // t = t_dev + s c (h(z) - |x - 40|) with h(z) = 15 + z tan(10 deg): linear in x on each side and in
  // z, so the trilinear reading is exact. s = +1: a resist line (t >= t_dev) of CD 2 h(z) whose foot
  // widens downward, walls at 90 - 10 = 80 degrees. s = -1: an opening of width 2 h(z) widening
  // downward, an undercut: the resist walls stand at 100 degrees.
  const Grid grid = Grid::volume(41, 3, 11, {2.0, 2.0, 5.0});
  const double t_dev = 60, slope = std::tan(10 * std::numbers::pi / 180);
  const metrology::CutLine line{{2, 2}, {78, 2}};
  for (const double s : {1.0, -1.0}) {
    Field<double, Host> arrival(grid);
    for (index_t k = 0; k < 11; ++k)
      for (index_t i = 0; i < 41 * 3; ++i) {
        const Vec3 p = grid.position(i % 41, i / 41, k);
        arrival.data()[k * 41 * 3 + i] = t_dev + s * 0.8 * (15 + p.z * slope - std::abs(p.x - 40));
      }
    const auto tone = s > 0 ? metrology::Tone::line : metrology::Tone::space;
    for (const double depth : {0.0, 12.5, 27.0, 50.0}) {
      const auto cd = metrology::profile_cd(arrival, t_dev, line, depth, tone);
      REQUIRE(cd.ok());
      CHECK(cd.cd_nm == Approx(2 * (15 + depth * slope)).epsilon(1e-12));
    }
    const auto angle = metrology::sidewall_angle(arrival, t_dev, line, 10.0, 40.0, tone);
    REQUIRE(angle.ok());
    const double expected = s > 0 ? 80.0 : 100.0;
    CHECK(angle.first_degrees == Approx(expected).epsilon(1e-12));
    CHECK(angle.second_degrees == Approx(expected).epsilon(1e-12));
    CHECK(angle.degrees == Approx(expected).epsilon(1e-12));
  }
  // Depths outside the layers, development times that are not positive and a sidewall's depths
  // in the wrong order are refused, each naming the function and the argument.
  using Catch::Matchers::Contains;
  const Field<double, Host> arrival(grid);
  CHECK_THROWS_WITH(metrology::profile_cd(arrival, t_dev, line, 51.0), Contains("'depth_nm' = 51"));
  CHECK_THROWS_WITH(metrology::profile_cd(arrival, 0.0, line, 10.0),
                    Contains("metrology::profile_cd") && Contains("'t_dev' = 0"));
  CHECK_THROWS_WITH(metrology::sidewall_angle(arrival, t_dev, line, 40.0, 10.0),
                    Contains("metrology::sidewall_angle") && Contains("'lower_nm' = 10"));
}
