#include "support/test_cases.hpp"

using namespace fabtwin;
using Catch::Contains;

TEST_CASE("A 2D grid reports its shape, pitch and sample positions", "[core][grid]") {
  const Grid grid(64, 32, 2.5, {100, -50, 0});
  CHECK(grid.rank() == 2);
  CHECK(grid.nx() == 64);
  CHECK(grid.ny() == 32);
  CHECK(grid.nz() == 1);
  CHECK(grid.size() == 64 * 32);
  CHECK(grid.extent().x == 160.0);
  CHECK(grid.extent().y == 80.0);
  const Vec3 p = grid.position(4, 2);
  CHECK(p.x == 110.0);
  CHECK(p.y == -45.0);
}

TEST_CASE("A 3D grid keeps a pitch per axis", "[core][grid]") {
  const Grid grid = Grid::volume(8, 6, 4, {1, 2, 5});
  CHECK(grid.rank() == 3);
  CHECK(grid.size() == 8 * 6 * 4);
  CHECK(grid.position(1, 1, 3).z == 15.0);
  CHECK(grid.same_shape(Grid::volume(8, 6, 4, {9, 9, 9})));
  CHECK_FALSE(grid.same_shape(Grid::volume(8, 6, 3, {1, 2, 5})));
  CHECK_FALSE(Grid(8, 6, 1.0).same_shape(Grid::volume(8, 6, 1, {1, 1, 1})));
}

TEST_CASE("Bad grid arguments are refused with the argument, its value and what was expected",
          "[core][grid][errors]") {
  REQUIRE_THROWS_AS(Grid(0, 4, 1.0), invalid_argument);
  REQUIRE_THROWS_WITH(Grid(0, 4, 1.0), Contains("'nx' = 0") && Contains("positive"));
  REQUIRE_THROWS_WITH(Grid(4, -3, 1.0), Contains("'ny' = -3"));
  REQUIRE_THROWS_WITH(Grid::volume(4, 4, 0, {1, 1, 1}), Contains("'nz' = 0"));
  REQUIRE_THROWS_WITH(Grid(4, 4, -1.0), Contains("'pitch.x' = -1"));
  REQUIRE_THROWS_WITH(Grid(4, 4, std::nan("")), Contains("'pitch.x' = nan") && Contains("finite"));
  REQUIRE_THROWS_WITH(Grid(4, 4, 1.0, {std::numeric_limits<double>::infinity(), 0, 0}),
                      Contains("'origin'"));
}

TEST_CASE("require_same_shape names the argument and both shapes", "[core][grid][errors]") {
  const Grid a(16, 16, 1.0), b(16, 8, 1.0);
  REQUIRE_NOTHROW(require_same_shape(a, Grid(16, 16, 4.0), "test", "mask"));
  REQUIRE_THROWS_AS(require_same_shape(a, b, "test", "mask"), shape_mismatch);
  REQUIRE_THROWS_WITH(require_same_shape(a, b, "test", "mask"),
                      Contains("'mask' = 16x8") && Contains("a grid of 16x16"));
}
