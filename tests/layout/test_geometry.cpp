// Transforms, box/path outlines and polygon predicates, against hand-computed points and areas.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "fabtwin/layout/predicates.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/transform.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

namespace {

// Area of the union of `polygons` in unit cells, by testing each cell centre (half-integer, so never
// on an integer Manhattan edge) with an even-odd ray cast per polygon: an independent count.
long covered_cells(const std::vector<Polygon>& polygons, const Box& box) {
  auto inside = [](const Polygon& polygon, double x, double y) {
    bool in = false;
    const auto& p = polygon.points;
    for (std::size_t i = 0, j = p.size() - 1; i < p.size(); j = i++) {
      const double xi = double(p[i].x), yi = double(p[i].y), xj = double(p[j].x),
                   yj = double(p[j].y);
      if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
    }
    return in;
  };
  long count = 0;
  for (coord_t y = box.y0; y < box.y1; ++y)
    for (coord_t x = box.x0; x < box.x1; ++x)
      for (const Polygon& polygon : polygons)
        if (inside(polygon, double(x) + 0.5, double(y) + 0.5)) {
          ++count;
          break;
        }
  return count;
}

bool has_point(const std::vector<Polygon>& polygons, Point q) {
  for (const Polygon& polygon : polygons)
    if (std::find(polygon.points.begin(), polygon.points.end(), q) != polygon.points.end())
      return true;
  return false;
}

}  // namespace

TEST_CASE("Transforms reflect, magnify, rotate and translate in the GDSII order",
          "[layout][transform]") {
  CHECK(Transform().apply(Point{3, -4}) == Point{3, -4});
  CHECK(Transform(false, 1, 90).apply(Point{1, 2}) == Point{-2, 1});
  CHECK(Transform(false, 1, 180).apply(Point{1, 2}) == Point{-1, -2});
  CHECK(Transform(false, 1, 270).apply(Point{1, 2}) == Point{2, -1});
  CHECK(Transform(false, 1, -90).apply(Point{1, 2}) == Point{2, -1});
  CHECK(Transform(false, 1, 450).apply(Point{1, 2}) == Point{-2, 1});
  CHECK(Transform(true, 1, 0).apply(Point{1, 2}) == Point{1, -2});
  // Reflection comes first: (1, 2) -> (1, -2) -> rotated 90° -> (2, 1). Rotating first would give
  // (-2, 1) -> (-2, -1).
  CHECK(Transform(true, 1, 90).apply(Point{1, 2}) == Point{2, 1});
  CHECK(Transform(true, 3, 90, {10, 20}).apply(Point{1, 2}) == Point{16, 23});
  CHECK(Transform::translation({5, -7}).apply(Point{1, 1}) == Point{6, -6});
  CHECK(Transform(false, 2, 90).exact());
  CHECK_FALSE(Transform(false, 1, 45).exact());
  CHECK_FALSE(Transform(false, 0.5, 0).exact());
  // Rotated box: the bounds of the image.
  CHECK(Transform(false, 1, 90).apply(Box{0, 0, 10, 20}) == Box{-20, 0, 0, 10});
}

TEST_CASE("Off-lattice transforms round to the nearest unit, halves away from zero",
          "[layout][transform]") {
  // 10·(cos 45°, sin 45°) = (7.07, 7.07).
  CHECK(Transform(false, 1, 45).apply(Point{10, 0}) == Point{7, 7});
  CHECK(Transform(false, 0.5, 0).apply(Point{3, 3}) == Point{2, 2});
  CHECK(Transform(false, 0.5, 0).apply(Point{-3, -3}) == Point{-2, -2});
  CHECK(Transform(false, 0.5, 0).apply(Point{4, -6}) == Point{2, -3});
}

TEST_CASE("Composition equals applying the inner transform, then the outer",
          "[layout][transform]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> quarter(0, 3), coin(0, 1), mag(1, 4), offset(-1000, 1000);
  auto random_transform = [&] {
    return Transform(coin(rng) == 1, mag(rng), 90.0 * quarter(rng),
                     {double(offset(rng)), double(offset(rng))});
  };
  for (int trial = 0; trial < 200; ++trial) {
    const Transform outer = random_transform(), inner = random_transform();
    const Transform both = compose(outer, inner);
    CHECK(both.exact());
    for (int k = 0; k < 5; ++k) {
      const Point p{offset(rng), offset(rng)};
      REQUIRE(both.apply(p) == outer.apply(inner.apply(p)));
    }
  }
  // Mirrored parent: the child's rotation turns the other way.
  const Transform mirrored = compose(Transform(true, 1, 0), Transform(false, 1, 90));
  CHECK(mirrored.mirror_x());
  CHECK(mirrored.angle_degrees() == 270);
}

TEST_CASE("Transforms refuse bad factors and results beyond the coordinate range",
          "[layout][transform]") {
  CHECK_THROWS_AS(Transform(false, 0, 0), invalid_argument);
  CHECK_THROWS_WITH(Transform(false, -2, 0), Contains("magnification") && Contains("-2"));
  CHECK_THROWS_AS(Transform(false, 1, std::nan("")), invalid_argument);
  const Transform far = Transform::translation({max_coordinate, 0});
  CHECK(far.apply(Point{0, 5}) == Point{max_coordinate, 5});
  CHECK_THROWS_WITH(far.apply(Point{1, 0}), Contains("Transform::apply") && Contains("(1, 0)") &&
                                                Contains("max_coordinate"));
  CHECK_FALSE(Transform(false, 4, 0).try_apply(Point{max_coordinate / 2, 0}).has_value());
}

TEST_CASE("A box becomes a counter-clockwise rectangle", "[layout][shapes]") {
  const Polygon p = box_polygon(Box{-1, 2, 5, 7});
  CHECK(p.points == std::vector<Point>{{-1, 2}, {5, 2}, {5, 7}, {-1, 7}});
  CHECK(twice_signed_area(p) == 2 * 6 * 5);
  CHECK_THROWS_AS(box_polygon(Box{}), invalid_argument);
}

TEST_CASE("Straight paths: flush, half-width, custom and round ends", "[layout][shapes]") {
  Path path{{{0, 0}, {100, 0}}, 10};
  auto only = [](const std::vector<Polygon>& polygons) {
    REQUIRE(polygons.size() == 1);
    return bounds(polygons[0]);
  };
  CHECK(only(path_polygons(path)) == Box{0, -5, 100, 5});
  path.end = PathEnd::half_width;
  CHECK(only(path_polygons(path)) == Box{-5, -5, 105, 5});
  path.end = PathEnd::custom;
  path.begin_extension = 3;
  path.end_extension = 7;
  CHECK(only(path_polygons(path)) == Box{-3, -5, 107, 5});
  path.begin_extension = -20;  // shortened at the start
  CHECK(only(path_polygons(path)) == Box{20, -5, 107, 5});
  path.begin_extension = -101;
  CHECK_THROWS_WITH(path_polygons(path), Contains("extensions") && Contains("-101"));

  path = Path{{{0, 0}, {100, 0}}, 10, PathEnd::round};
  const std::vector<Polygon> round = path_polygons(path);
  REQUIRE(round.size() == 3);  // the rectangle and one disc per end
  CHECK(bounds(round[0]) == Box{0, -5, 100, 5});
  for (int end = 1; end <= 2; ++end) {
    const Point centre = end == 1 ? Point{0, 0} : Point{100, 0};
    CHECK(round[end].points.size() == std::size_t(default_round_segments));
    CHECK(twice_signed_area(round[end]) > 0);
    for (const Point& v : round[end].points) {
      const double r = std::hypot(double(v.x - centre.x), double(v.y - centre.y));
      CHECK(std::fabs(r - 5) <= std::sqrt(0.5) + 1e-9);  // on the circle up to rounding
    }
    // Vertices on the axes are exact: the disc meets the rectangle's corners.
    CHECK(has_point({round[end]}, Point{centre.x, 5}));
    CHECK(has_point({round[end]}, Point{centre.x, -5}));
  }
  CHECK(bounds(round[1]) == Box{-5, -5, 5, 5});
  CHECK(bounds(round[2]) == Box{95, -5, 105, 5});
  // A disc of radius 5 on the unit grid: within a cell ring of π·25.
  CHECK(std::abs(covered_cells({round[1]}, Box{-5, -5, 5, 5}) - 78.5) < 10);
}

TEST_CASE("Bent paths get a miter on the outer side", "[layout][shapes]") {
  // Left turn at (100, 0): the outline is the L with outer corner (110, -10).
  const std::vector<Polygon> left = path_polygons(Path{{{0, 0}, {100, 0}, {100, 100}}, 20});
  CHECK(left.size() == 3);
  CHECK(has_point(left, Point{110, -10}));
  // Hand count: [0, 110] x [-10, 100] less [0, 90] x [10, 100] = 12100 − 8100.
  CHECK(covered_cells(left, Box{-20, -20, 120, 120}) == 4000);
  // The mirror image turns right; same area, corner (110, 10).
  const std::vector<Polygon> right = path_polygons(Path{{{0, 0}, {100, 0}, {100, -100}}, 20});
  CHECK(has_point(right, Point{110, 10}));
  CHECK(covered_cells(right, Box{-20, -120, 120, 20}) == 4000);
  // Flush-ended U turn with square ends: width 10, legs 50 long, 30 apart.
  const std::vector<Polygon> u =
      path_polygons(Path{{{0, 0}, {50, 0}, {50, 30}, {0, 30}}, 10, PathEnd::half_width});
  // [-5, 55] x [-5, 35] less the slot [-5, 45] x [5, 25].
  CHECK(covered_cells(u, Box{-10, -10, 60, 40}) == 60 * 40 - 50 * 20);
  for (const Polygon& p : u) CHECK(twice_signed_area(p) > 0);
}

TEST_CASE("45-degree paths round their corners to the grid", "[layout][shapes]") {
  // Half-width 10 along (1, 1)/√2: offsets ±(7.07, −7.07) round to ±(7, −7).
  const std::vector<Polygon> diagonal = path_polygons(Path{{{0, 0}, {100, 100}}, 20});
  REQUIRE(diagonal.size() == 1);
  CHECK(has_point(diagonal, Point{7, -7}));
  CHECK(has_point(diagonal, Point{107, 93}));
  CHECK(has_point(diagonal, Point{93, 107}));
  CHECK(has_point(diagonal, Point{-7, 7}));
  // 45° left bend at (100, 0): the miter point lies on y = −10 at x = 100 + 10·tan(22.5°) = 104.14.
  const std::vector<Polygon> bend = path_polygons(Path{{{0, 0}, {100, 0}, {200, 100}}, 20});
  CHECK(bend.size() == 3);
  CHECK(has_point(bend, Point{104, -10}));
  // A 180° reversal adds no join piece; a 150° bend gets a bevel (a triangle).
  CHECK(path_polygons(Path{{{0, 0}, {100, 0}, {50, 0}}, 20}).size() == 2);
  const std::vector<Polygon> sharp = path_polygons(Path{{{0, 0}, {100, 0}, {0, 58}}, 20});
  REQUIRE(sharp.size() == 3);
  CHECK(sharp[2].points.size() == 3);
}

TEST_CASE("Paths reject bad input with the argument in the message", "[layout][shapes]") {
  CHECK_THROWS_WITH(path_polygons(Path{{{0, 0}, {10, 0}}, 0}),
                    Contains("'path.width' = 0") && Contains("no area"));
  CHECK_THROWS_WITH(path_polygons(Path{{{0, 0}, {10, 0}}, -4}),
                    Contains("path.width") && Contains("-4"));
  CHECK_THROWS_WITH(path_polygons(Path{{{3, 3}, {3, 3}}, 4}), Contains("two distinct points"));
  CHECK_THROWS_AS(path_polygons(Path{{{0, 0}, {10, 0}}, 4, PathEnd(3)}), invalid_argument);
  CHECK_THROWS_WITH(path_polygons(Path{{{0, 0}, {max_coordinate, 0}}, 4, PathEnd::half_width}),
                    Contains("max_coordinate"));
  CHECK_THROWS_AS(path_polygons(Path{{{0, 0}, {10, 0}}, 4, PathEnd::round}, 6), invalid_argument);
}

TEST_CASE("Self-intersection: proper crossings are found, keyhole cuts are allowed",
          "[layout][predicates]") {
  const Polygon bowtie{{{0, 0}, {10, 10}, {10, 0}, {0, 10}}};
  const auto crossing = find_self_intersection(bowtie);
  REQUIRE(crossing);
  CHECK(crossing->first_edge == 0);
  CHECK(crossing->second_edge == 2);
  CHECK(crossing->x == Approx(5));
  CHECK(crossing->y == Approx(5));
  CHECK_THROWS_WITH(require_simple(bowtie, "test", "polygon 7"),
                    Contains("polygon 7") && Contains("cross at (5, 5)"));
  // Square 10 x 10 with a 4 x 4 hole reached through a doubled cut along y = 5.
  const Polygon keyhole{{{0, 0},
                         {10, 0},
                         {10, 10},
                         {0, 10},
                         {0, 5},
                         {3, 5},
                         {3, 7},
                         {7, 7},
                         {7, 3},
                         {3, 3},
                         {3, 5},
                         {0, 5}}};
  CHECK_FALSE(find_self_intersection(keyhole));
  CHECK(twice_signed_area(keyhole) == 2 * (100 - 16));
  CHECK_NOTHROW(require_simple(keyhole, "test", "keyhole"));
  // Touching at a vertex is not a crossing; a figure-8 through a shared vertex neither.
  CHECK_FALSE(find_self_intersection(Polygon{{{0, 0}, {4, 0}, {2, 2}, {4, 4}, {0, 4}, {2, 2}}}));
  // A crossing far from the first edges, in a long ring.
  Polygon comb;
  for (coord_t i = 0; i < 50; ++i) comb.points.push_back({2 * i, i % 2});
  comb.points.push_back({100, 10});
  comb.points.push_back(
      {-1, -1});  // the closing edge back to (0, 0) crosses nothing; this one does
  CHECK(find_self_intersection(comb));
}

TEST_CASE("Polygon-box intersection is exact", "[layout][predicates]") {
  const Polygon triangle{{{100, 0}, {110, 0}, {100, 20}}};
  CHECK(intersects(triangle, Box{90, -5, 120, 25}));
  CHECK(intersects(triangle, Box{109, -3, 112, 0}));  // touches the corner (110, 0)
  CHECK_FALSE(
      intersects(triangle, Box{108, 15, 115, 25}));  // bounds overlap, the triangle does not
  CHECK(intersects(triangle, Box{101, 1, 102, 2}));  // box inside
  CHECK(
      intersects(box_polygon(Box{0, 0, 10, 10}), Box{-5, 4, 15, 6}));  // crossing, no vertex inside
  CHECK_FALSE(intersects(triangle, Box{}));
  CHECK(winding_number(box_polygon(Box{0, 0, 10, 10}), Point{5, 5}) == 1);
  CHECK(winding_number(box_polygon(Box{0, 0, 10, 10}), Point{15, 5}) == 0);
}
