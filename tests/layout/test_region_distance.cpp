// The signed distance to a layout's region in a repeating window, against hand-computed values and
// against the definition itself: the disk of radius |d| about a point stays on the point's side of
// the region's boundary (tested by ray casting, not by the pieces the distance is computed from),
// and a disk a little larger does not. The same for a segment through the region: its intervals
// and the distance along it (a cut line's cross-section).

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "fabtwin/layout/region_distance.hpp"
#include "fabtwin/layout/region_on_segment.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/trapezoids.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

namespace {

/// Whether (x, y) lies in one of the polygons (even-odd ray casting per polygon; each polygon here
/// is simple, so that is its interior), the window's content repeated across its sides.
bool in_region(const PolygonSet& set, const std::array<double, 4>& w, WindowSides sides, double x,
               double y) {
  const auto fold = [&](double u, double lo, double hi) {
    const double period = hi - lo;
    if (sides == WindowSides::periodic)
      return lo + (u - lo) - period * std::floor((u - lo) / period);
    double t = std::fmod(u - lo, 2 * period);
    if (t < 0) t += 2 * period;
    return lo + (t <= period ? t : 2 * period - t);
  };
  x = fold(x, w[0], w[2]);
  y = fold(y, w[1], w[3]);
  for (const Polygon& polygon : set.polygons) {
    bool in = false;
    const auto& p = polygon.points;
    for (std::size_t i = 0, j = p.size() - 1; i < p.size(); j = i++) {
      const double xi = double(p[i].x) * set.unit_nm, yi = double(p[i].y) * set.unit_nm;
      const double xj = double(p[j].x) * set.unit_nm, yj = double(p[j].y) * set.unit_nm;
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
    }
    if (in) return true;
  }
  return false;
}

/// Slanted and Manhattan polygons, overlapping, some crossing the sides of the window [0, 100]^2.
PolygonSet few_polygons() {
  PolygonSet few;
  few.polygons = {box_polygon({10, 10, 60, 30}), box_polygon({40, 20, 55, 90}),
                  Polygon{{{70, 50}, {115, 60}, {90, 95}}},          // crosses x = 100
                  Polygon{{{-5, 60}, {20, 55}, {25, 75}, {0, 85}}},  // crosses x = 0
                  box_polygon({62, -8, 80, 5})};                     // crosses y = 0
  return few;
}

/// 60 small rectangles over that window, some overlapping: hundreds of pieces, filed in bins.
PolygonSet many_rectangles(std::mt19937_64& random) {
  PolygonSet many;
  std::uniform_int_distribution<coord_t> corner(-4, 100), side(2, 9);
  for (int r = 0; r < 60; ++r) {
    const coord_t x = corner(random), y = corner(random), w = side(random), h = side(random);
    many.polygons.push_back(box_polygon({x, y, x + w, y + h}));
  }
  return many;
}

}  // namespace

TEST_CASE("The distance to a rectangle in a window, by hand, mirrored and periodic") {
  PolygonSet set;
  set.polygons = {box_polygon({0, 40, 10, 60})};  // against the window's left side
  const std::array<double, 4> window{0, 0, 100, 100};
  const RegionDistance mirrored(set, window, WindowSides::mirrored);
  const RegionDistance periodic(set, window, WindowSides::periodic);
  // Mirrored, the rectangle continues across x = 0 as [-10, 10]; periodic, its copy stands at
  // [100, 110] and the window's right edge (complement) at [-10, 0].
  CHECK(mirrored(95, 50) == Approx(85));
  CHECK(periodic(95, 50) == Approx(5));
  CHECK(mirrored(2, 50) == Approx(-8));  // 8 to x = 10, 10 to y = 40 or 60
  CHECK(periodic(2, 50) == Approx(-2));  // 2 to the copy of the window's right side
  CHECK(mirrored(5, 30) == Approx(10));
  CHECK(mirrored(20, 70) == Approx(std::hypot(10, 10)));  // the corner (10, 60)
  CHECK(mirrored(7, 58) == Approx(-2));
  // A set unit of 0.5 nm halves every coordinate.
  set.unit_nm = 0.5;
  CHECK(RegionDistance(set, window, WindowSides::mirrored)(20, 70) == Approx(std::hypot(15, 40)));
}

TEST_CASE("A region's distance does not depend on how its polygons draw it") {
  // One L drawn as a ring, as two overlapping rectangles and as two abutting ones (one clockwise).
  PolygonSet ring, overlapping, abutting;
  ring.polygons = {Polygon{{{20, 20}, {80, 20}, {80, 40}, {40, 40}, {40, 80}, {20, 80}}}};
  overlapping.polygons = {box_polygon({20, 20, 80, 40}), box_polygon({20, 20, 40, 80})};
  abutting.polygons = {box_polygon({20, 20, 80, 40}), box_polygon({20, 40, 40, 80})};
  std::reverse(abutting.polygons[1].points.begin(), abutting.polygons[1].points.end());
  const std::array<double, 4> window{0, 0, 100, 100};
  const RegionDistance a(ring, window, WindowSides::mirrored);
  const RegionDistance b(overlapping, window, WindowSides::mirrored);
  const RegionDistance c(abutting, window, WindowSides::mirrored);
  double worst = 0;
  for (double y = 0.5; y < 100; y += 1.7)
    for (double x = 0.5; x < 100; x += 1.3) {
      worst = std::max(worst, std::abs(a(x, y) - b(x, y)));
      worst = std::max(worst, std::abs(a(x, y) - c(x, y)));
    }
  CHECK(worst < 1e-12);
  // Inside, by the L's inner corner (40, 40): the nearest outside point is that corner; along
  // the abutting pieces' shared edge y = 40 the distance is to the L's sides, not to the edge.
  CHECK(a(36, 36) == Approx(-std::hypot(4, 4)));
  CHECK(c(30, 40) == Approx(-10));
  CHECK(c(45, 45) == Approx(5));  // above the L's foot
  CHECK(c(43, 44) == Approx(3));  // beside its stem
  // The pieces cover the region and its complement in the window: their areas add up.
  const auto area = [](const std::vector<RegionDistance::Corners>& pieces) {
    double sum = 0;
    for (const auto& p : pieces)
      for (std::size_t i = 0; i < p.size(); ++i)
        sum += 0.5 * (p[i][0] * p[(i + 1) % p.size()][1] - p[(i + 1) % p.size()][0] * p[i][1]);
    return sum;
  };
  CHECK(area(c.region_pieces()) == Approx(region_area(ring)));
  CHECK(area(c.complement_pieces()) == Approx(100 * 100 - region_area(ring)));
}

TEST_CASE("The distance to a region is the radius of the largest disk on the point's side") {
  // Slanted and Manhattan polygons, overlapping, some crossing the window's sides (clipped there,
  // then repeated), and many small rectangles: at random points the circle of radius 0.998 |d|
  // holds no point of the other side and the one of radius 1.02 |d| holds one, both found by ray
  // casting around the circle.
  std::mt19937_64 random(7);
  const PolygonSet few = few_polygons(), many = many_rectangles(random);
  const std::array<double, 4> window{0, 0, 100, 100};
  std::uniform_real_distribution<double> coordinate(0.0, 100.0);
  for (const auto& [set, sides] :
       {std::pair{few, WindowSides::mirrored}, std::pair{few, WindowSides::periodic},
        std::pair{many, WindowSides::mirrored}, std::pair{many, WindowSides::periodic}}) {
    const RegionDistance distance(set, window, sides);
    int checked = 0;
    for (int trial = 0; trial < 300; ++trial) {
      const double x = coordinate(random), y = coordinate(random);
      const double d = distance(x, y);
      if (std::abs(d) < 0.05 || std::abs(d) > 50) continue;  // exact up to half the window
      const bool inside = d < 0;
      INFO("sides " << int(sides) << ", (" << x << ", " << y << "): d = " << d);
      REQUIRE(in_region(set, window, sides, x, y) == inside);
      bool within_stays = true, beyond_crosses = false;
      const double r = std::abs(d);
      for (int a = 0; a < 720; ++a) {
        const double t = 2 * std::numbers::pi * a / 720;
        if (in_region(set, window, sides, x + 0.998 * r * std::cos(t),
                      y + 0.998 * r * std::sin(t)) != inside)
          within_stays = false;
      }
      // Past a sharp corner the other side is a thin sliver: 2 % further, at every tenth degree.
      for (int a = 0; a < 3600 && !beyond_crosses; ++a) {
        const double t = 2 * std::numbers::pi * a / 3600;
        if (in_region(set, window, sides, x + 1.02 * r * std::cos(t), y + 1.02 * r * std::sin(t)) !=
            inside)
          beyond_crosses = true;
      }
      CHECK(within_stays);
      CHECK(beyond_crosses);
      ++checked;
    }
    CHECK(checked > 150);
  }
}

TEST_CASE("A region's distance with nothing drawn, everything drawn, or a bad window") {
  const std::array<double, 4> window{0, 0, 50, 50};
  PolygonSet none;
  CHECK(RegionDistance(none, window, WindowSides::mirrored)(10, 10) == RegionDistance::none);
  PolygonSet all;
  all.polygons = {box_polygon({-10, -10, 60, 60})};
  CHECK(RegionDistance(all, window, WindowSides::periodic)(10, 10) == -RegionDistance::none);
  CHECK_THROWS_WITH(RegionDistance(none, {0, 0, 0, 50}, WindowSides::mirrored),
                    Contains("window") && Contains("0,0,0,50") && Contains("x0 < x1"));
  CHECK_THROWS_WITH(RegionDistance(none, {0, 0, std::nan(""), 50}, WindowSides::mirrored),
                    Contains("window") && Contains("finite"));
  PolygonSet thin;
  thin.polygons = {Polygon{{{0, 0}, {10, 0}}}};
  CHECK_THROWS_WITH(RegionDistance(thin, window, WindowSides::mirrored, "my_caller"),
                    Contains("my_caller"));
}

TEST_CASE("A segment's intervals in a region and the distance along it, by hand") {
  PolygonSet set;
  set.polygons = {box_polygon({10, 0, 30, 20}), box_polygon({0, 30, 8, 50})};
  // Across the first rectangle, square and at 45 degrees (through its corner (10, 0) on the way).
  auto in = region_on_segment(set, {0, 10, 40, 10});
  REQUIRE(in.size() == 1);
  CHECK(in[0].from == Approx(10));
  CHECK(in[0].to == Approx(30));
  in = region_on_segment(set, {0, -10, 40, 30});
  REQUIRE(in.size() == 1);
  CHECK(in[0].from == Approx(10 * std::sqrt(2.0)));
  CHECK(in[0].to == Approx(30 * std::sqrt(2.0)));
  // Along a side the region is taken closed: the side counts. Through a corner only: nothing.
  in = region_on_segment(set, {0, 20, 40, 20});
  REQUIRE(in.size() == 1);
  CHECK(in[0].from == Approx(10));
  CHECK(in[0].to == Approx(30));
  CHECK(region_on_segment(set, {0, 10, 20, -10}).empty());
  // One L drawn as two abutting rectangles is one interval across their shared edge.
  PolygonSet abutting;
  abutting.polygons = {box_polygon({20, 20, 80, 40}), box_polygon({20, 40, 40, 80})};
  in = region_on_segment(abutting, {30, 0, 30, 100});
  REQUIRE(in.size() == 1);
  CHECK(in[0].from == Approx(20));
  CHECK(in[0].to == Approx(80));

  // The distance along y = 40 from x = 0 to 40, the second rectangle against its start: mirrored,
  // it continues across x = 0 (no boundary there); periodic, its copy stands at [40, 48].
  const SegmentDistance mirrored(set, {0, 40, 40, 40}, WindowSides::mirrored);
  const SegmentDistance periodic(set, {0, 40, 40, 40}, WindowSides::periodic);
  CHECK(mirrored(2) == Approx(-6));
  CHECK(periodic(2) == Approx(-2));  // 2 to the copy of the segment's end
  CHECK(mirrored(38) == Approx(30));
  CHECK(periodic(38) == Approx(2));
  CHECK(mirrored(8) == Approx(0).margin(1e-12));
  CHECK(mirrored.length() == Approx(40));
  // No boundary on the line at all.
  CHECK(SegmentDistance(set, {0, 60, 40, 60}, WindowSides::mirrored)(5) == SegmentDistance::none);
  CHECK(SegmentDistance(set, {2, 32, 2, 48}, WindowSides::periodic)(5) == -SegmentDistance::none);
  // A segment of no length, or not finite, is refused.
  CHECK_THROWS_WITH(region_on_segment(set, {1, 1, 1, 1}), Contains("segment"));
  CHECK_THROWS_WITH(SegmentDistance(set, {0, std::nan(""), 1, 1}, WindowSides::mirrored),
                    Contains("segment"));
}

TEST_CASE("A segment's distance along it is the half-width of the largest interval on its side") {
  // Random segments through the sets above (inside the window [0, 100]^2, where ray casting needs
  // no images): every interval's inside agrees with ray casting, and at random points the
  // interval of half-width 0.998 |d| about the point stays on its side while 1.02 |d| crosses,
  // the segment repeated across its ends as the sides say.
  std::mt19937_64 random(11);
  const std::array<double, 4> window{0, 0, 100, 100};
  std::uniform_real_distribution<double> coordinate(0.5, 99.5), unit(0.0, 1.0);
  int checked = 0;
  for (const PolygonSet& set : {few_polygons(), many_rectangles(random)})
    for (const WindowSides sides : {WindowSides::mirrored, WindowSides::periodic})
      for (int cut = 0; cut < 10; ++cut) {
        const std::array<double, 4> segment{coordinate(random), coordinate(random),
                                            coordinate(random), coordinate(random)};
        const SegmentDistance along(set, segment, sides);
        const double L = along.length();
        const auto at = [&](double s) {  // the point at arc length s, folded into the segment
          double t = std::fmod(s, 2 * L);
          if (t < 0) t += 2 * L;
          if (sides == WindowSides::periodic)
            t = std::fmod(t, L);
          else if (t > L)
            t = 2 * L - t;
          const double f = t / L;
          return in_region(set, window, sides, segment[0] + f * (segment[2] - segment[0]),
                           segment[1] + f * (segment[3] - segment[1]));
        };
        for (int trial = 0; trial < 30; ++trial) {
          const double s = unit(random) * L, d = along(s);
          if (std::abs(d) < 1e-3 * L || std::abs(d) > 0.5 * L) continue;  // exact up to L
          const bool inside = d < 0;
          INFO("segment " << segment[0] << "," << segment[1] << "," << segment[2] << ","
                          << segment[3] << ", s = " << s << ": d = " << d);
          REQUIRE(at(s) == inside);
          bool within_stays = true, beyond_crosses = false;
          for (int k = -400; k <= 400; ++k)
            if (at(s + 0.998 * std::abs(d) * k / 400) != inside) within_stays = false;
          for (int k = -400; k <= 400; ++k)
            if (at(s + 1.02 * std::abs(d) * k / 400) != inside) beyond_crosses = true;
          CHECK(within_stays);
          CHECK(beyond_crosses);
          ++checked;
        }
      }
  CHECK(checked > 500);
}
