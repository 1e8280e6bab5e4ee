// Development front (host only): fast-marching arrival times against closed forms (uniform rate,
// two layers, an oblique plane front, a point source with its first-order error), and a developed
// opening end to end (its CD measured by metrology/profile.hpp, tested in test_profile.cpp).

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "fabtwin/metrology/profile.hpp"
#include "fabtwin/resist/development_front.hpp"

using namespace fabtwin;

namespace {

Field<double, Host> uniform(const Grid& grid, double value) {
  Field<double, Host> field(grid);
  std::fill(field.data(), field.data() + field.size(), value);
  return field;
}

/// Largest |arrival - exact(position)| over the grid.
template <class Exact>
double max_error(const Field<double, Host>& arrival, Exact exact) {
  const Grid& grid = arrival.grid();
  double worst = 0;
  for (index_t k = 0; k < grid.nz(); ++k)
    for (index_t j = 0; j < grid.ny(); ++j)
      for (index_t i = 0; i < grid.nx(); ++i)
        worst = std::max(worst, std::abs(arrival.data()[i + grid.nx() * (j + grid.ny() * k)] -
                                         exact(grid.position(i, j, k))));
  return worst;
}

}  // namespace

TEST_CASE("Uniform rate: a plane front from the top, t = z / R", "[resist][front]") {
  // Layers at depths 1, 3, 5, ... nm; R = 2.5 nm/s, so t = z / 2.5 exactly up to rounding.
  const Grid grid = Grid::volume(10, 8, 20, {3.0, 4.0, 2.0}, {0.0, 0.0, 1.0});
  const auto arrival = resist::arrival_time_from_top(uniform(grid, 2.5));
  const double error = max_error(arrival, [](Vec3 p) { return p.z / 2.5; });
  INFO("max error " << error << " s of t up to " << 39 / 2.5 << " s");
  CHECK(error <= 1e-13);
  // float rates are read in double: the same front.
  Field<float, Host> single(grid);
  std::fill(single.data(), single.data() + single.size(), 2.5f);
  CHECK(max_error(resist::arrival_time_from_top(single), [](Vec3 p) { return p.z / 2.5; }) <=
        1e-13);
  // After 5.9 s the front is at 14.75 nm: layers at 1, 3, ..., 13 nm (k < 7) are developed.
  const auto region = resist::developed(arrival, 5.9);
  for (index_t k = 0; k < 20; ++k) CHECK(region.data()[k * 80 + 37] == (k < 7 ? 1.0 : 0.0));
}

TEST_CASE("Two layers: t = z / R1 above z1, z1 / R1 + (z - z1) / R2 below", "[resist][front]") {
  // Layers k = 0..7 (z <= z1 = 14 nm) dissolve at R1 = 10 nm/s, the rest at R2 = 0.5 nm/s; the rate
  // of a voxel governs the step reaching it, so the interface sits at layer 7.
  const Grid grid = Grid::volume(6, 5, 16, {2.0, 2.0, 2.0});
  auto rate = uniform(grid, 0.5);
  std::fill(rate.data(), rate.data() + 8 * 30, 10.0);
  const auto arrival = resist::arrival_time_from_top(rate);
  const double error =
      max_error(arrival, [](Vec3 p) { return p.z <= 14 ? p.z / 10 : 1.4 + (p.z - 14) / 0.5; });
  INFO("max error " << error);
  CHECK(error <= 1e-13);
}

TEST_CASE("Oblique plane front seeded on its inflow faces is exact", "[resist][front]") {
  // t = (a x + b y + c z) / R with (a, b, c) a unit vector: the one-sided differences of a linear t
  // are exact, so the one-, two- and three-axis quadratic updates all reproduce it.
  const double a = 0.48, b = 0.6, c = 0.64, r = 1.7;  // 0.48^2 + 0.6^2 + 0.64^2 = 1
  const Grid grid = Grid::volume(14, 12, 10, {2.0, 3.0, 2.5});
  const auto exact = [&](Vec3 p) { return (a * p.x + b * p.y + c * p.z) / r; };
  Field<double, Host> seed(grid);
  std::fill(seed.data(), seed.data() + seed.size(), std::numeric_limits<double>::infinity());
  for (index_t k = 0; k < grid.nz(); ++k)
    for (index_t j = 0; j < grid.ny(); ++j)
      for (index_t i = 0; i < grid.nx(); ++i)
        if (i == 0 || j == 0 || k == 0)
          seed.data()[i + 14 * (j + 12 * k)] = exact(grid.position(i, j, k));
  const auto arrival = resist::arrival_time(uniform(grid, r), seed);
  const double error = max_error(arrival, exact);
  INFO("max error " << error);
  CHECK(error <= 1e-12);
}

TEST_CASE("Point source: first-order error that shrinks with the grid", "[resist][front]") {
  // A source at the centre of the top face of a 32 x 32 x 16 nm block (L = 32 nm), R = 2 nm/s:
  // t = |x - x0| / 2. First-order fast marching errs by O(h log(L / h)) around a point source (the
  // front's curvature 1/r is unbounded there; Zhao 2005). Measured max error R / h: 1.05, 1.35, 1.68
  // for h = 4, 2, 1 nm, i.e. 0.44 ln(L / h) + 0.13; checked: max error <= (h / R)(0.5 ln(L / h) + 0.2),
  // and each halving of h cuts the error by at least 1.45x (h ln(L / h) predicts 1.50 and 1.60).
  double previous = 0;
  for (const index_t m : {8, 16, 32}) {
    const double h = 32.0 / double(m);
    const Grid grid = Grid::volume(m + 1, m + 1, m / 2 + 1, {h, h, h});
    Field<double, Host> seed(grid);
    std::fill(seed.data(), seed.data() + seed.size(), std::numeric_limits<double>::infinity());
    seed.data()[m / 2 + (m + 1) * (m / 2)] = 0;
    const auto arrival = resist::arrival_time(uniform(grid, 2.0), seed);
    const double error =
        max_error(arrival, [](Vec3 p) { return std::hypot(p.x - 16, p.y - 16, p.z) / 2; });
    INFO("h = " << h << " nm: max error " << error << " s = " << error * 2 / h << " h / R");
    CHECK(error <= h / 2 * (0.5 * std::log(32 / h) + 0.2));
    CHECK(error > 0);
    if (previous > 0) CHECK(previous / error >= 1.45);
    previous = error;
  }
}

TEST_CASE("Arrival time refuses non-positive rates and NaN seeds", "[resist][front]") {
  using Catch::Matchers::Contains;
  const Grid grid = Grid::volume(3, 3, 3, {1.0, 1.0, 1.0});
  auto rate = uniform(grid, 1.0);
  rate.data()[4] = 0;
  CHECK_THROWS_WITH(resist::arrival_time_from_top(rate),
                    Contains("'rate[4]' = 0") && Contains("positive"));
  rate.data()[4] = 1;
  auto seed = uniform(grid, std::nan(""));
  CHECK_THROWS_WITH(resist::arrival_time(rate, seed), Contains("'seed[0]' = nan"));
  CHECK_THROWS_AS(resist::arrival_time_from_top(uniform(Grid(3, 3, 1.0), 1.0)), shape_mismatch);
}

TEST_CASE("Uniform rate end to end: a developed opening reaches depth R t_dev", "[resist][front]") {
  // Rate 40 nm/s in the exposed column |x - 20| < 8 nm (samples x = 14 ... 26), 0.0003 nm/s outside;
  // after t_dev = 0.5 s the column is developed to 20 nm. Down the column's centre t = z / 40. At
  // 10 nm depth the edge samples x = 14, 26 have t = 0.25 s and their outer neighbours at least
  // 0.25 s + h / (sqrt(3) R_slow) = 0.25 + 3849 s (an update with every axis upwind adds at least
  // h f / sqrt(3)), so each edge crossing lies within 2 * 0.25 / 3849 = 1.3e-4 nm outside the
  // column: 12 nm < CD <= 12.00026 nm.
  const Grid grid = Grid::volume(21, 3, 21, {2.0, 2.0, 2.0});
  Field<double, Host> rate(grid);
  for (index_t k = 0; k < 21; ++k)
    for (index_t j = 0; j < 3; ++j)
      for (index_t i = 0; i < 21; ++i)
        rate.data()[i + 21 * (j + 3 * k)] = std::abs(2.0 * i - 20) < 8 ? 40.0 : 0.0003;
  const auto arrival = resist::arrival_time_from_top(rate);
  for (index_t k = 0; k < 21; ++k)
    CHECK(arrival.data()[10 + 21 * (1 + 3 * k)] == Approx(2.0 * k / 40).epsilon(1e-13));
  const auto cd =
      metrology::profile_cd(arrival, 0.5, {{0, 2}, {40, 2}}, 10.0, metrology::Tone::space);
  REQUIRE(cd.ok());
  CHECK(cd.cd_nm > 12.0);
  CHECK(cd.cd_nm <= 12.00026);
  // Below the developed depth the resist is closed.
  CHECK_FALSE(
      metrology::profile_cd(arrival, 0.5, {{0, 2}, {40, 2}}, 30.0, metrology::Tone::space).ok());
}
