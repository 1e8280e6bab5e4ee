// Illumination sources (optics/source.hpp): sample counts against points counted by hand on a coarse
// step, the symmetries of the sampled point sets, normalised weights, pole placement against the
// rotation, freeform map lookup, sigma_max and the refused arguments.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <set>
#include <utility>
#include <vector>

#include "fabtwin/optics/source.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

using std::numbers::pi;

/// The sample as integer lattice coordinates (i, j) = (sx, sy) / step.
std::set<std::pair<long, long>> lattice(const std::vector<SourcePoint>& points, double step) {
  std::set<std::pair<long, long>> cells;
  for (const auto& p : points) {
    const long i = std::lround(p.sx / step), j = std::lround(p.sy / step);
    REQUIRE(std::fabs(p.sx - i * step) < 1e-12);  // points sit exactly on the lattice
    REQUIRE(std::fabs(p.sy - j * step) < 1e-12);
    cells.insert({i, j});
  }
  REQUIRE(cells.size() == points.size());  // no point twice
  return cells;
}

double weight_sum(const std::vector<SourcePoint>& points) {
  double total = 0;
  for (const auto& p : points) total += p.weight;
  return total;
}

template <class Map>
std::set<std::pair<long, long>> mapped(const std::set<std::pair<long, long>>& cells, Map map) {
  std::set<std::pair<long, long>> out;
  for (const auto& c : cells) out.insert(map(c));
  return out;
}

std::pair<long, long> flip_x(std::pair<long, long> c) { return {-c.first, c.second}; }
std::pair<long, long> flip_y(std::pair<long, long> c) { return {c.first, -c.second}; }
std::pair<long, long> swap_xy(std::pair<long, long> c) { return {c.second, c.first}; }

}  // namespace

TEST_CASE("Parametric sources sample to the points counted by hand", "[optics][source]") {
  SECTION("disc sigma 0 is the single on-axis point") {
    const auto points = Source::disc(0).sample(0.1);
    REQUIRE(points.size() == 1);
    CHECK(points[0].sx == 0);
    CHECK(points[0].sy == 0);
    CHECK(points[0].weight == 1);
  }
  SECTION("disc sigma 0.5, step 0.25: i^2 + j^2 <= 4") {
    // (0,0); (+-1,0), (0,+-1); (+-1,+-1); (+-2,0), (0,+-2) on the boundary, which counts: 13.
    const auto points = Source::disc(0.5).sample(0.25);
    CHECK(points.size() == 13);
    CHECK(lattice(points, 0.25).count({2, 0}) == 1);
    CHECK(lattice(points, 0.25).count({2, 1}) == 0);
  }
  SECTION("disc sigma 1, step 0.5: the 3x3 block plus the four axis points at radius 1") {
    CHECK(Source::disc(1).sample(0.5).size() == 13);
  }
  SECTION("annular 0.5-0.75, step 0.25: 4 <= i^2 + j^2 <= 9") {
    // (+-2,0),(0,+-2): 4; (+-2,+-1),(+-1,+-2): 8; (+-2,+-2): 4; (+-3,0),(0,+-3): 4 -> 20.
    const auto cells = lattice(Source::annular(0.5, 0.75).sample(0.25), 0.25);
    CHECK(cells.size() == 20);
    CHECK(cells.count({1, 1}) == 0);
    CHECK(cells.count({0, 0}) == 0);
    CHECK(cells.count({3, 0}) == 1);
  }
  SECTION("dipole 0.5-1 opening 60 rotation 0, step 0.25") {
    // Right pole: 4 <= i^2 + j^2 <= 16 and |j| <= i tan 30: i = 2, 3: j in {-1, 0, 1}; i = 4: j = 0.
    // 7 per pole, 14 in all.
    const auto cells = lattice(Source::dipole(0.5, 1, 60, 0).sample(0.25), 0.25);
    CHECK(cells.size() == 14);
    for (auto c : {std::pair<long, long>{2, 1}, {3, -1}, {4, 0}, {-2, -1}, {-4, 0}})
      CHECK(cells.count(c) == 1);
    CHECK(cells.count({0, 2}) == 0);
    CHECK(cells.count({2, 2}) == 0);
  }
  SECTION("quasar 0.5-1 opening 60 rotation 45, step 0.25") {
    // First quadrant, azimuth within [15, 75] degrees and 4 <= i^2 + j^2 <= 16:
    // (1,2) (2,1) (2,2) (1,3) (3,1) (2,3) (3,2) -> 7 per pole, 28 in all.
    const auto cells = lattice(Source::quasar(0.5, 1, 60, 45).sample(0.25), 0.25);
    CHECK(cells.size() == 28);
    CHECK(cells.count({1, 3}) == 1);
    CHECK(cells.count({-3, -1}) == 1);
    CHECK(cells.count({3, 3}) == 0);
    CHECK(cells.count({2, 0}) == 0);
  }
  SECTION("quasar rotation 0 puts the poles on the axes: four copies of the dipole's right pole") {
    CHECK(Source::quasar(0.5, 1, 60, 0).sample(0.25).size() == 28);
  }
}

TEST_CASE("Sampled sources keep the symmetries of their shape", "[optics][source]") {
  const double step = 0.05;
  struct Shape {
    Source source;
    bool swap_symmetric;
  };
  const std::vector<Shape> shapes = {{Source::disc(0.73), true},
                                     {Source::annular(0.4, 0.9), true},
                                     {Source::quasar(0.6, 0.95, 30, 45), true},
                                     {Source::quasar(0.6, 0.95, 40, 0), true},
                                     {Source::dipole(0.5, 0.8, 35, 0), false},
                                     {Source::dipole(0.5, 0.8, 35, 90), false}};
  for (const auto& shape : shapes) {
    INFO(shape.source.describe());
    const auto points = shape.source.sample(step);
    const auto cells = lattice(points, step);
    CHECK(weight_sum(points) == Approx(1).epsilon(1e-14));
    // Parametric shapes are uniform: every point carries the same weight.
    for (const auto& p : points)
      CHECK(p.weight == Approx(1.0 / double(points.size())).epsilon(1e-14));
    CHECK(mapped(cells, flip_x) == cells);
    CHECK(mapped(cells, flip_y) == cells);
    if (shape.swap_symmetric)
      CHECK(mapped(cells, swap_xy) == cells);
    else
      CHECK(mapped(cells, swap_xy) != cells);
  }
  // x <-> y maps the x dipole onto the y dipole.
  const auto x_dipole = lattice(Source::dipole(0.5, 0.8, 35, 0).sample(step), step);
  const auto y_dipole = lattice(Source::dipole(0.5, 0.8, 35, 90).sample(step), step);
  CHECK(mapped(x_dipole, swap_xy) == y_dipole);
}

TEST_CASE("Poles sit where the rotation puts them", "[optics][source]") {
  const auto at = [](const Source& s, double radius, double degrees) {
    return s.intensity(radius * std::cos(degrees * pi / 180),
                       radius * std::sin(degrees * pi / 180));
  };
  const Source dipole = Source::dipole(0.5, 0.9, 40, 30);
  for (double centre : {30.0, 210.0}) {
    CHECK(at(dipole, 0.7, centre) == 1);
    CHECK(at(dipole, 0.7, centre + 19.9) == 1);
    CHECK(at(dipole, 0.7, centre - 19.9) == 1);
    CHECK(at(dipole, 0.7, centre + 20.1) == 0);
    CHECK(at(dipole, 0.4, centre) == 0);   // inside sigma_in
    CHECK(at(dipole, 0.95, centre) == 0);  // beyond sigma_out
  }
  CHECK(at(dipole, 0.7, 120) == 0);
  CHECK(at(dipole, 0.7, 0) == 0);

  const Source quasar = Source::quasar(0.5, 0.9, 30, 10);
  for (double centre : {10.0, 100.0, 190.0, 280.0, -80.0}) {
    CHECK(at(quasar, 0.8, centre) == 1);
    CHECK(at(quasar, 0.8, centre + 14.9) == 1);
    CHECK(at(quasar, 0.8, centre - 15.1) == 0);
  }
  CHECK(at(quasar, 0.8, 55) == 0);

  // Rotating by the pole period gives the same source; the centre of mass of the x > 0 half of a
  // dipole lies along its rotation.
  const double step = 0.02;
  CHECK(lattice(Source::dipole(0.3, 0.9, 50, 180).sample(step), step) ==
        lattice(Source::dipole(0.3, 0.9, 50, 0).sample(step), step));
  CHECK(lattice(Source::quasar(0.3, 0.9, 50, 90).sample(step), step) ==
        lattice(Source::quasar(0.3, 0.9, 50, 0).sample(step), step));
  double mx = 0, my = 0;
  for (const auto& p : Source::dipole(0.3, 0.9, 50, 30).sample(step))
    if (p.sx > 0) mx += p.sx, my += p.sy;
  CHECK(std::atan2(my, mx) * 180 / pi == Approx(30).margin(0.5));
}

TEST_CASE("Freeform maps are looked up by pixel", "[optics][source]") {
  // 4 x 4 map, pixel (i, j) centred at sigma (-1 + (i + 1/2) / 2, -1 + (j + 1/2) / 2), row 0 at sy = -1.
  std::vector<double> map(16);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i) map[std::size_t(j * 4 + i)] = 1 + i + 10 * j;
  const Source source = Source::freeform(map, 4);
  CHECK(source.shape() == Source::Shape::freeform);
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i) {
      const double cx = -1 + (i + 0.5) / 2, cy = -1 + (j + 0.5) / 2;
      INFO("pixel " << i << ", " << j);
      if (cx * cx + cy * cy <= 1)
        CHECK(source.intensity(cx, cy) == 1 + i + 10 * j);
      else
        CHECK(source.intensity(cx, cy) == 0);  // the corners lie outside |sigma| <= 1
    }
  CHECK(source.intensity(0.1, -0.4) == 1 + 2 + 10 * 1);
  CHECK(source.intensity(-0.9, 0.05) == 1 + 0 + 10 * 2);

  // One lit pixel (i = 2, j = 1): sx in [0, 0.5), sy in [-0.5, 0). Step 0.25 puts exactly the
  // points sx in {0, 0.25}, sy in {-0.5, -0.25} in it, each with a quarter of the weight.
  std::vector<double> one(16, 0.0);
  one[1 * 4 + 2] = 3;
  const Source single = Source::freeform(one, 4);
  const auto points = single.sample(0.25);
  const auto cells = lattice(points, 0.25);
  CHECK(cells == std::set<std::pair<long, long>>{{0, -2}, {1, -2}, {0, -1}, {1, -1}});
  for (const auto& p : points) CHECK(p.weight == 0.25);
  // The farthest corner of the lit pixel, (0.5, -0.5), bounds the light.
  CHECK(single.sigma_max() == Approx(std::sqrt(0.5)).epsilon(1e-14));

  // Weights follow the map values.
  std::vector<double> two(16, 0.0);
  two[1 * 4 + 1] = 1;  // sx in [-0.5, 0), sy in [-0.5, 0)
  two[2 * 4 + 2] = 3;  // sx in [0, 0.5), sy in [0, 0.5)
  const auto weighted = Source::freeform(two, 4).sample(0.5);
  REQUIRE(weighted.size() == 2);  // (-0.5, -0.5) and (0, 0)
  for (const auto& p : weighted) {
    if (p.sx < 0)
      CHECK(p.weight == Approx(0.25));
    else
      CHECK(p.weight == Approx(0.75));
  }
  CHECK(weight_sum(weighted) == Approx(1).epsilon(1e-15));
}

TEST_CASE("sigma_max bounds the light", "[optics][source]") {
  CHECK(Source::disc(0.7).sigma_max() == 0.7);
  CHECK(Source::disc(0).sigma_max() == 0);
  CHECK(Source::annular(0.3, 0.85).sigma_max() == 0.85);
  CHECK(Source::dipole(0.3, 0.6, 20, 0).sigma_max() == 0.6);
  CHECK(Source::quasar(0.3, 0.95, 20, 45).sigma_max() == 0.95);
  std::vector<double> edge(64, 0.0);
  // Pixel (1, 0) spans [-0.75, -0.5] x [-1, -0.75]: the circle crosses it, its far corner lies at
  // |sigma| = 1.25, but no light beyond the unit circle reaches the pupil.
  edge[1] = 1;
  CHECK(Source::freeform(edge, 8).sigma_max() == 1);
  for (const auto& source :
       {Source::disc(0.7), Source::annular(0.3, 0.85), Source::quasar(0.3, 0.95, 20, 45)})
    for (const auto& p : source.sample(0.03))
      CHECK(std::hypot(p.sx, p.sy) <= source.sigma_max() + 1e-9);
}

TEST_CASE("Bad source arguments are refused", "[optics][source][errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(Source::disc(-0.1), invalid_argument);
  REQUIRE_THROWS_WITH(Source::disc(-0.1),
                      Contains("Source::disc") && Contains("'sigma' = -0.1") && Contains("[0, 1]"));
  REQUIRE_THROWS_WITH(Source::disc(1.5), Contains("'sigma' = 1.5"));
  REQUIRE_THROWS_WITH(Source::disc(nan), Contains("'sigma' = nan"));
  REQUIRE_THROWS_WITH(Source::annular(0.8, 0.5), Contains("Source::annular") &&
                                                     Contains("'sigma_out' = 0.5") &&
                                                     Contains("0.8"));
  REQUIRE_THROWS_WITH(Source::annular(0.5, 0.5), Contains("'sigma_out' = 0.5"));
  REQUIRE_THROWS_WITH(Source::annular(-0.2, 0.5), Contains("'sigma_in' = -0.2"));
  REQUIRE_THROWS_WITH(Source::dipole(0.5, 0.9, 180, 0),
                      Contains("Source::dipole") && Contains("'opening_deg' = 180"));
  REQUIRE_THROWS_WITH(Source::dipole(0.5, 0.9, 0, 0), Contains("'opening_deg' = 0"));
  REQUIRE_THROWS_WITH(Source::quasar(0.5, 0.9, 90, 0),
                      Contains("Source::quasar") && Contains("'opening_deg' = 90"));
  REQUIRE_THROWS_WITH(Source::quasar(0.5, 0.9, 30, nan), Contains("'rotation_deg' = nan"));
  REQUIRE_THROWS_WITH(Source::quasar(0.5, 1.2, 30, 0), Contains("'sigma_out' = 1.2"));

  REQUIRE_THROWS_WITH(
      Source::freeform(std::vector<double>(15, 1.0), 4),
      Contains("Source::freeform") && Contains("'map.size()' = 15") && Contains("16"));
  REQUIRE_THROWS_WITH(Source::freeform({}, 0), Contains("'n' = 0"));
  std::vector<double> negative(4, 1.0);
  negative[2] = -1;
  REQUIRE_THROWS_WITH(Source::freeform(negative, 2), Contains("'map[2]' = -1"));
  std::vector<double> not_finite(4, 1.0);
  not_finite[3] = nan;
  REQUIRE_THROWS_WITH(Source::freeform(not_finite, 2), Contains("'map[3]' = nan"));
  REQUIRE_THROWS_WITH(Source::freeform(std::vector<double>(4, 0.0), 2), Contains("'sum(map)' = 0"));
  REQUIRE_THROWS_WITH(Source::freeform({1e308, 1e308, 0, 0}, 2), Contains("'sum(map)' = inf"));

  const Source disc = Source::disc(0.5);
  REQUIRE_THROWS_WITH(disc.sample(0),
                      Contains("Source::sample") && Contains("'step' = 0") && Contains("(0, 1]"));
  REQUIRE_THROWS_WITH(disc.sample(-0.1), Contains("'step' = -0.1"));
  REQUIRE_THROWS_WITH(disc.sample(1.5), Contains("'step' = 1.5"));
  REQUIRE_THROWS_WITH(disc.sample(nan), Contains("'step' = nan"));
  // A thin ring that the lattice 0, +-0.5, +-1 misses entirely.
  REQUIRE_THROWS_WITH(Source::annular(0.3, 0.4).sample(0.5),
                      Contains("'step' = 0.5") && Contains("annular 0.3-0.4"));
}

TEST_CASE("A freeform map with light wholly outside |sigma| <= 1 is refused",
          "[optics][source][errors]") {
  // 8 x 8 pixels of 0.25 sigma: the corner pixel spans [-1, -0.75]^2, its nearest point
  // (-0.75, -0.75) lies at 0.75 sqrt(2) = 1.06066 > 1, so no sample ever takes its light.
  std::vector<double> corner(64, 0.0);
  corner[27] = 1;  // some light inside, so that only the corner is wrong
  corner[0] = 2.5;
  REQUIRE_THROWS_WITH(Source::freeform(corner, 8),
                      Contains("Source::freeform") && Contains("map[0] (pixel i = 0, j = 0") &&
                          Contains("(-0.875, -0.875)") && Contains("= 2.5") && Contains("1.06066"));
  corner[0] = 0;
  corner[63] = 1e-12;  // the opposite corner, however faint
  REQUIRE_THROWS_WITH(Source::freeform(corner, 8), Contains("map[63] (pixel i = 7, j = 7"));
  corner[63] = 0;
  CHECK_NOTHROW(Source::freeform(corner, 8));

  // 16 x 16 pixels of 0.125 sigma along the bottom row (sigma_y in [-1, -0.875]): pixel 3 spans
  // sigma_x in [-0.625, -0.5], nearest point (-0.5, -0.875) at sqrt(1.015625) = 1.00778: refused;
  // pixel 4, nearest point (-0.375, -0.875) at sqrt(0.90625) = 0.952, is crossed by the circle: its
  // light inside |sigma| <= 1 is sampled.
  std::vector<double> row(256, 0.0);
  row[3] = 1;
  REQUIRE_THROWS_WITH(Source::freeform(row, 16),
                      Contains("map[3] (pixel i = 3, j = 0") && Contains("1.00778"));
  row[3] = 0;
  row[4] = 1;
  const std::vector<SourcePoint> points = Source::freeform(row, 16).sample(0.01);
  REQUIRE_FALSE(points.empty());
  for (const SourcePoint& p : points) {
    CHECK(p.sx >= -0.5 - 1e-12);
    CHECK(p.sx <= -0.375 + 1e-12);
    CHECK(p.sy <= -0.875 + 1e-12);
    CHECK(std::hypot(p.sx, p.sy) <= 1 + 1e-9);
  }
}
