#include "support/test_cases.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <type_traits>
#include <vector>

#include "fabtwin/layout/rasterize.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

namespace {

Polygon box(coord_t x0, coord_t y0, coord_t x1, coord_t y1) {
  return Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}};
}

PolygonSet set_of(std::vector<Polygon> polygons, double unit_nm = 1.0) {
  return PolygonSet{std::move(polygons), unit_nm};
}

template <class T>
double tolerance() {
  return std::is_same_v<T, float> ? 1e-6 : 1e-12;
}

template <class T, class S>
std::vector<double> area_image(const PolygonSet& set, const Grid& grid) {
  Context<S> ctx;
  const auto values = to_vector(rasterize_area<T>(ctx, set, grid));
  return std::vector<double>(values.begin(), values.end());
}

template <class T, class S>
std::vector<double> binary_image(const PolygonSet& set, const Grid& grid) {
  Context<S> ctx;
  const auto values = to_vector(rasterize_binary<T>(ctx, set, grid));
  return std::vector<double>(values.begin(), values.end());
}

/// Pixels (i, j) of 1 nm centred at (i + 0.5, j + 0.5) nm: pixel (i, j) is the square [i, i+1] x [j, j+1].
Grid unit_squares(index_t nx, index_t ny) { return Grid(nx, ny, 1.0, {0.5, 0.5, 0}); }

void check_image(const std::vector<double>& actual, const std::vector<double>& expected, index_t nx,
                 double tol) {
  REQUIRE(actual.size() == expected.size());
  for (std::size_t k = 0; k < actual.size(); ++k) {
    INFO("pixel (" << index_t(k) % nx << ", " << index_t(k) / nx << ")");
    REQUIRE(actual[k] == Approx(expected[k]).epsilon(0).margin(tol));
  }
}

// ---- Independent references --------------------------------------------------------------------

struct XY {
  double x, y;
};

/// Area of a simple polygon inside the box [x0, x1] x [y0, y1]: Sutherland-Hodgman clipping against
/// the four half-planes, then the shoelace formula (bridges the clipping leaves along the box edges
/// have zero area).
double clipped_area(std::vector<XY> poly, double x0, double y0, double x1, double y1) {
  const auto clip = [&](auto inside, auto cut) {
    std::vector<XY> out;
    for (std::size_t i = 0; i < poly.size(); ++i) {
      const XY a = poly[i], b = poly[(i + 1) % poly.size()];
      if (inside(a)) out.push_back(a);
      if (inside(a) != inside(b)) out.push_back(cut(a, b));
    }
    poly = out;
  };
  const auto at_x = [](double c) {
    return [c](XY a, XY b) { return XY{c, a.y + (c - a.x) / (b.x - a.x) * (b.y - a.y)}; };
  };
  const auto at_y = [](double c) {
    return [c](XY a, XY b) { return XY{a.x + (c - a.y) / (b.y - a.y) * (b.x - a.x), c}; };
  };
  clip([&](XY p) { return p.x >= x0; }, at_x(x0));
  clip([&](XY p) { return p.x <= x1; }, at_x(x1));
  clip([&](XY p) { return p.y >= y0; }, at_y(y0));
  clip([&](XY p) { return p.y <= y1; }, at_y(y1));
  double twice = 0;
  for (std::size_t i = 0; i < poly.size(); ++i) {
    const XY a = poly[i], b = poly[(i + 1) % poly.size()];
    twice += a.x * b.y - b.x * a.y;
  }
  return std::fabs(twice) / 2;
}

/// Per-pixel coverage of one simple polygon by clipping it to every pixel square.
std::vector<double> clipped_coverage(const Polygon& polygon, double unit_nm, const Grid& grid) {
  std::vector<XY> poly;
  for (const Point& p : polygon.points)
    poly.push_back({double(p.x) * unit_nm, double(p.y) * unit_nm});
  const double h = grid.pitch().x / 2;
  std::vector<double> coverage;
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i) {
      const Vec3 c = grid.position(i, j);
      coverage.push_back(clipped_area(poly, c.x - h, c.y - h, c.x + h, c.y + h) /
                         (grid.pitch().x * grid.pitch().x));
    }
  return coverage;
}

/// Whether the integer point q lies in the closed polygon: on an edge, or inside by the crossing
/// number (even-odd; the test polygons are simple).
bool in_closed_polygon(const Polygon& polygon, coord_t qx, coord_t qy) {
  const std::size_t n = polygon.points.size();
  bool odd = false;
  for (std::size_t i = 0; i < n; ++i) {
    const Point a = polygon.points[i], b = polygon.points[(i + 1) % n];
    const auto cross = __int128(b.x - a.x) * (qy - a.y) - __int128(b.y - a.y) * (qx - a.x);
    if (cross == 0 && std::min(a.x, b.x) <= qx && qx <= std::max(a.x, b.x) &&
        std::min(a.y, b.y) <= qy && qy <= std::max(a.y, b.y))
      return true;
    if ((a.y > qy) != (b.y > qy)) {
      // x of the edge at qy > qx, decided exactly: sign of cross relative to the edge's direction.
      const bool right = (b.y > a.y) ? cross > 0 : cross < 0;
      if (right) odd = !odd;
    }
  }
  return odd;
}

/// A random simple polygon: integer points sorted by angle around an integer centre inside them.
Polygon random_star(test::Sequence& random, coord_t cx, coord_t cy, double r_min, double r_max,
                    int n) {
  for (;;) {
    std::vector<std::pair<double, Point>> points;
    for (int k = 0; k < n; ++k) {
      const double angle = std::numbers::pi * (random.next() + 1),
                   r = r_min + (r_max - r_min) * 0.5 * (random.next() + 1);
      const Point p{cx + coord_t(std::lround(r * std::cos(angle))),
                    cy + coord_t(std::lround(r * std::sin(angle)))};
      if (p.x == cx && p.y == cy) continue;
      points.push_back({std::atan2(double(p.y - cy), double(p.x - cx)), p});
    }
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    bool ok = points.size() >= 3;
    for (std::size_t k = 0; ok && k < points.size(); ++k) {
      const double next =
          k + 1 < points.size() ? points[k + 1].first : points[0].first + 2 * std::numbers::pi;
      ok = next - points[k].first > 1e-9 && next - points[k].first < std::numbers::pi - 1e-6;
    }
    if (!ok) continue;
    Polygon polygon;
    for (const auto& [angle, p] : points) polygon.points.push_back(p);
    return polygon;
  }
}

}  // namespace

// ---- Area coverage ------------------------------------------------------------------------------

TEMPLATE_LIST_TEST_CASE(
    "Area coverage of a box at sub-pixel offsets is the product of its overlaps",
    "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // Units of 0.25 nm, 1 nm pixels centred on integers: pixel i spans [i - 0.5, i + 0.5] nm.
  // The box [0.25, 2.75] x [0.25, 1.25] nm.
  const PolygonSet set = set_of({box(1, 1, 11, 5)}, 0.25);
  const Grid grid(5, 3, 1.0);
  const double fx[] = {0.25, 1, 1, 0.25, 0}, fy[] = {0.25, 0.75, 0};
  std::vector<double> expected;
  for (double y : fy)
    for (double x : fx) expected.push_back(x * y);
  check_image(area_image<T, S>(set, grid), expected, 5, tolerance<T>());
}

TEMPLATE_LIST_TEST_CASE("Area coverage of a right triangle follows its diagonal through the pixels",
                        "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // Triangle (0,0), (4,0), (0,2): hypotenuse y = 2 - x/2. Row 0 (y in [0,1]) is full up to x = 2,
  // then the trapezoids under the line: means 0.75 and 0.25. Row 1: the line minus 1, from 1 to 0 over
  // x in [0, 2]: means 0.75 and 0.25.
  const Grid grid = unit_squares(5, 3);
  const std::vector<double> expected = {1,    1,    0.75, 0.25, 0,  //
                                        0.75, 0.25, 0,    0,    0,  //
                                        0,    0,    0,    0,    0};
  const Polygon triangle{{{0, 0}, {4, 0}, {0, 2}}};
  check_image(area_image<T, S>(set_of({triangle}), grid), expected, 5, tolerance<T>());

  // Clockwise input describes the same region.
  const Polygon clockwise{{{0, 0}, {0, 2}, {4, 0}}};
  check_image(area_image<T, S>(set_of({clockwise}), grid), expected, 5, tolerance<T>());
}

TEMPLATE_LIST_TEST_CASE("Area coverage of a 45-degree square", "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // |x - 2| + |y - 2| <= 2: the four middle pixels are full, the eight beside them half covered
  // (cut corner to corner), the corners empty.
  const Grid grid = unit_squares(4, 4);
  const std::vector<double> expected = {0,   0.5, 0.5, 0,    //
                                        0.5, 1,   1,   0.5,  //
                                        0.5, 1,   1,   0.5,  //
                                        0,   0.5, 0.5, 0};
  const Polygon diamond{{{2, 0}, {4, 2}, {2, 4}, {0, 2}}};
  check_image(area_image<T, S>(set_of({diamond}), grid), expected, 4, tolerance<T>());

  // Shifted by half a pixel (centre (2.5, 2.5) nm): the tips poke half a pixel into the middle
  // pixels of the outer rows and columns (two triangles of legs 1/2: 1/4), the edges cut the pixels
  // diagonal to the centre corner to corner (1/2), and the row beside the tip holds x in
  // [3 - y, 2 + y]: full in the middle.
  const Polygon shifted{{{5, 1}, {9, 5}, {5, 9}, {1, 5}}};          // units of 0.5 nm
  const std::vector<double> by_hand = {0,    0,   0.25, 0,   0,     //
                                       0,    0.5, 1,    0.5, 0,     //
                                       0.25, 1,   1,    1,   0.25,  //
                                       0,    0.5, 1,    0.5, 0,     //
                                       0,    0,   0.25, 0,   0};
  check_image(clipped_coverage(shifted, 0.5, unit_squares(5, 5)), by_hand, 5,
              1e-15);  // the reference
  check_image(area_image<T, S>(set_of({shifted}, 0.5), unit_squares(5, 5)), by_hand, 5,
              tolerance<T>());
}

TEMPLATE_LIST_TEST_CASE("Overlapping polygons cover their union once; abutting ones leave no seam",
                        "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Grid grid = unit_squares(5, 3);
  // [0, 3] x [0, 2] and [1, 4] x [0, 2]: the union [0, 4] x [0, 2], not a sum of 2 where they overlap.
  std::vector<double> expected(15, 0.0);
  for (index_t j = 0; j < 2; ++j)
    for (index_t i = 0; i < 4; ++i) expected[i + 5 * j] = 1;
  check_image(area_image<T, S>(set_of({box(0, 0, 3, 2), box(1, 0, 4, 2)}), grid), expected, 5,
              tolerance<T>());
  // The same box three times, once clockwise: still covered once.
  Polygon reversed = box(0, 0, 4, 2);
  std::reverse(reversed.points.begin(), reversed.points.end());
  check_image(area_image<T, S>(set_of({box(0, 0, 4, 2), box(0, 0, 4, 2), reversed}), grid),
              expected, 5, tolerance<T>());

  // Diagonal edges crossing: triangles (0,0),(8,0),(4,6) and (0,6),(4,0),(8,6), 24 nm^2 each, overlap
  // in the rhombus (4,0), (6,3), (4,6), (2,3) of diagonals 6 and 4, i.e. 12 nm^2.
  const PolygonSet triangles =
      set_of({Polygon{{{0, 0}, {8, 0}, {4, 6}}}, Polygon{{{0, 6}, {4, 0}, {8, 6}}}});
  const double union_area = 24 + 24 - 12;
  const Grid coarse = unit_squares(9, 7);
  const auto image = area_image<T, S>(triangles, coarse);
  CHECK(std::accumulate(image.begin(), image.end(), 0.0) ==
        Approx(union_area).margin(100 * tolerance<T>()));
  CHECK(region_area(triangles) == Approx(union_area));
  for (double v : image) REQUIRE((v >= 0 && v <= 1));

  // Abutting at x = 2.5 nm (units of 0.5 nm), inside pixel 2 = [2, 3] nm: exactly 1 across the join.
  const PolygonSet abutting = set_of({box(0, 0, 5, 4), box(5, 0, 10, 4)}, 0.5);
  const auto joined = area_image<T, S>(abutting, grid);
  for (index_t j = 0; j < 2; ++j)
    for (index_t i = 0; i < 5; ++i) REQUIRE(joined[i + 5 * j] == 1.0);
}

TEMPLATE_LIST_TEST_CASE("A keyhole polygon leaves its hole empty", "[layout][rasterize]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // Outer [0, 6]^2 counter-clockwise, cut along y = 3 to the hole [2, 4]^2 traced clockwise, and back.
  const Polygon keyhole{{{0, 0},
                         {6, 0},
                         {6, 6},
                         {0, 6},
                         {0, 3},
                         {2, 3},
                         {2, 4},
                         {4, 4},
                         {4, 2},
                         {2, 2},
                         {2, 3},
                         {0, 3}}};
  const Grid grid = unit_squares(7, 7);
  std::vector<double> expected(49, 0.0);
  for (index_t j = 0; j < 6; ++j)
    for (index_t i = 0; i < 6; ++i)
      expected[i + 7 * j] = (i >= 2 && i < 4 && j >= 2 && j < 4) ? 0 : 1;
  check_image(area_image<T, S>(set_of({keyhole}), grid), expected, 7, tolerance<T>());
  CHECK(region_area(set_of({keyhole})) == 32);

  // Half a pixel off the grid lines (units of 0.5 nm): hole and outer edges split their pixels.
  Polygon scaled = keyhole;
  for (Point& p : scaled.points) p = {2 * p.x + 1, 2 * p.y + 1};
  check_image(
      area_image<T, S>(set_of({scaled}, 0.5), grid),
      [&] {
        const auto outer =
            clipped_coverage(Polygon{{{1, 1}, {13, 1}, {13, 13}, {1, 13}}}, 0.5, grid);
        const auto hole = clipped_coverage(Polygon{{{5, 5}, {9, 5}, {9, 9}, {5, 9}}}, 0.5, grid);
        std::vector<double> difference(outer.size());
        for (std::size_t k = 0; k < outer.size(); ++k) difference[k] = outer[k] - hole[k];
        return difference;
      }(),
      7, tolerance<T>());
}

TEMPLATE_LIST_TEST_CASE("Area coverage of random polygons matches clipping and sums to their area",
                        "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  test::Sequence random(2024);
  struct Setting {
    double pitch, unit;
    Vec3 origin;
  };
  // Unit pitch, and a coarse pitch on 0.5 nm units with an origin off every grid line.
  const Setting settings[] = {{1.0, 1.0, {0, 0, 0}}, {2.5, 0.5, {-3.2, 7.1, 0}}};
  for (const Setting& s : settings) {
    const Grid grid(24, 20, s.pitch, s.origin);
    for (int trial = 0; trial < 6; ++trial) {
      // Centre in database units, well inside the grid so the whole polygon is rasterised.
      const double cx = (s.origin.x + 12 * s.pitch) / s.unit,
                   cy = (s.origin.y + 10 * s.pitch) / s.unit;
      const double r = 8 * s.pitch / s.unit;
      const Polygon polygon =
          random_star(random, coord_t(cx), coord_t(cy), 0.3 * r, r, 5 + 4 * trial);
      INFO("pitch " << s.pitch << ", trial " << trial);
      const auto image = area_image<T, S>(set_of({polygon}, s.unit), grid);
      check_image(image, clipped_coverage(polygon, s.unit, grid), grid.nx(), 10 * tolerance<T>());
      const double pixel_area = s.pitch * s.pitch;
      const double shoelace = std::fabs(signed_area(polygon)) * s.unit * s.unit;
      CHECK(std::accumulate(image.begin(), image.end(), 0.0) * pixel_area ==
            Approx(shoelace).epsilon(std::is_same_v<T, float> ? 1e-6 : 1e-12));
    }
  }
}

TEMPLATE_LIST_TEST_CASE("Area coverage of a union of random polygons sums to the trapezoid area",
                        "[layout][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  test::Sequence random(77);
  const Grid grid = unit_squares(40, 40);
  PolygonSet set = set_of({});
  for (int k = 0; k < 5; ++k)
    set.polygons.push_back(random_star(random, 14 + 3 * k, 16 + 2 * k, 4, 12, 9));
  const auto image = area_image<T, S>(set, grid);
  const double total = std::accumulate(image.begin(), image.end(), 0.0);
  double sum_of_areas = 0;
  for (const Polygon& p : set.polygons) sum_of_areas += std::fabs(signed_area(p));
  const double union_area = region_area(set);
  CHECK(union_area < sum_of_areas);  // they overlap
  CHECK(total == Approx(union_area).epsilon(1e-6));
  // Independent estimate of the union: 16 x 16 sample points per pixel, a point counted when it lies
  // in any polygon. The estimate's error is bounded by the boundary length times the spacing.
  // Points at odd multiples of 1/32 nm, i.e. odd integers once the polygons are scaled by 32.
  double hits = 0;
  const int sub = 16;
  std::vector<Polygon> scaled = set.polygons;
  for (Polygon& p : scaled)
    for (Point& q : p.points) q = {q.x * 2 * sub, q.y * 2 * sub};
  for (int y = 0; y < 40 * sub; ++y)
    for (int x = 0; x < 40 * sub; ++x)
      hits += std::any_of(scaled.begin(), scaled.end(), [&](const Polygon& p) {
        return in_closed_polygon(p, 2 * x + 1, 2 * y + 1);
      });
  CHECK(std::fabs(hits / (sub * sub) - union_area) < 0.02 * union_area);
  for (double v : image) REQUIRE((v >= 0 && v <= 1));
}

TEMPLATE_LIST_TEST_CASE("Rasterising an empty set writes zeros; bad arguments are refused",
                        "[layout][rasterize][errors]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(6, 4, 1.0);
  Field<T, S> out = test::field_with<S>(grid, std::vector<T>(24, T(7)));
  rasterize_area(ctx, PolygonSet{}, out.view(), grid);
  for (T v : to_vector(out)) REQUIRE(v == T(0));
  out = test::field_with<S>(grid, std::vector<T>(24, T(7)));
  rasterize_binary(ctx, PolygonSet{}, out.view(), grid);
  for (T v : to_vector(out)) REQUIRE(v == T(0));

  const PolygonSet good = set_of({box(0, 0, 2, 2)});
  const Grid volume = Grid::volume(6, 4, 2, {1, 1, 1});
  REQUIRE_THROWS_AS(rasterize_area<T>(ctx, good, volume), invalid_argument);
  REQUIRE_THROWS_WITH(rasterize_area<T>(ctx, good, volume),
                      Contains("rasterize_area") && Contains("rank 2"));
  REQUIRE_THROWS_WITH(rasterize_binary<T>(ctx, good, volume),
                      Contains("rasterize_binary") && Contains("rank 2"));

  const PolygonSet two_points = set_of({box(0, 0, 2, 2), Polygon{{{0, 0}, {1, 1}}}});
  REQUIRE_THROWS_WITH(rasterize_area<T>(ctx, two_points, grid),
                      Contains("rasterize_area") && Contains("set.polygons[1].points.size()") &&
                          Contains("at least 3 points"));
  REQUIRE_THROWS_WITH(rasterize_binary<T>(ctx, two_points, grid), Contains("set.polygons[1]"));
  REQUIRE_THROWS_WITH(rasterize_area<T>(ctx, set_of({box(0, 0, 2, 2)}, 0.0), grid),
                      Contains("unit_nm") && Contains("positive"));
  REQUIRE_THROWS_WITH(rasterize_binary<T>(ctx, set_of({box(0, 0, 2, 2)}, std::nan("")), grid),
                      Contains("unit_nm"));
  REQUIRE_THROWS_WITH(rasterize_area<T>(ctx, set_of({box(0, 0, coord_t(1) << 40, 2)}), grid),
                      Contains("32-bit"));

  Field<T, S> wrong(Grid(6, 5, 1.0));
  REQUIRE_THROWS_AS(rasterize_area(ctx, good, wrong.view(), grid), shape_mismatch);
  REQUIRE_THROWS_WITH(rasterize_binary(ctx, good, wrong.view(), grid),
                      Contains("'out' = 6x5x1") && Contains("6x4"));
  // Zero-sized or non-finite grids cannot be built in the first place.
  REQUIRE_THROWS_AS(Grid(0, 4, 1.0), invalid_argument);
  REQUIRE_THROWS_AS(Grid(4, 4, std::nan("")), invalid_argument);
}

// ---- Binary centre rule -------------------------------------------------------------------------

TEMPLATE_LIST_TEST_CASE("The binary rule counts pixel centres in the closed region",
                        "[layout][rasterize][binary]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  const Grid grid(8, 8, 1.0);  // centres on integer nm
  const auto count = [](const std::vector<double>& image) {
    return std::accumulate(image.begin(), image.end(), 0.0);
  };

  // A 0..4 nm box covers 5 x 5 pixels (ICCAD-2013 evaluators).
  auto image = binary_image<T, S>(set_of({box(0, 0, 4, 4)}), grid);
  CHECK(count(image) == 25);
  for (index_t j = 0; j < 8; ++j)
    for (index_t i = 0; i < 8; ++i) REQUIRE(image[i + 8 * j] == ((i <= 4 && j <= 4) ? 1 : 0));

  // Centres on the diagonal x + y = 4 are on the boundary: all 15 lattice points of the triangle.
  image = binary_image<T, S>(set_of({Polygon{{{0, 0}, {4, 0}, {0, 4}}}}), grid);
  CHECK(count(image) == 15);
  for (index_t j = 0; j < 8; ++j)
    for (index_t i = 0; i < 8; ++i) REQUIRE(image[i + 8 * j] == (i + j <= 4 ? 1 : 0));

  // Units and pixels of 2 nm: the triangle (0,0), (6,0), (0,3) units holds the centres (i, j) units
  // with i + 2j <= 6; its hypotenuse passes through the centres (6,0), (4,1), (2,2), (0,3).
  image = binary_image<T, S>(set_of({Polygon{{{0, 0}, {6, 0}, {0, 3}}}}, 2.0), Grid(8, 8, 2.0));
  for (index_t j = 0; j < 8; ++j)
    for (index_t i = 0; i < 8; ++i) REQUIRE(image[i + 8 * j] == (i + 2 * j <= 6 ? 1 : 0));

  // A triangle's apex exactly on a centre: that pixel only in its row; a vertex on a side too.
  image = binary_image<T, S>(set_of({Polygon{{{1, 1}, {5, 1}, {3, 5}}}}), grid);
  for (index_t i = 0; i < 8; ++i) REQUIRE(image[i + 8 * 5] == (i == 3 ? 1 : 0));
  CHECK(image[1 + 8 * 1] == 1);
  CHECK(image[0 + 8 * 1] == 0);
  // Row 3: the sides pass through (2, 3) and (4, 3).
  for (index_t i = 0; i < 8; ++i) REQUIRE(image[i + 8 * 3] == (i >= 2 && i <= 4 ? 1 : 0));

  // Overlapping and abutting boxes: union of the closed boxes, the shared edge included once.
  image = binary_image<T, S>(set_of({box(0, 0, 2, 1), box(2, 0, 4, 1), box(1, 0, 3, 1)}), grid);
  CHECK(count(image) == 10);

  // A keyhole: the hole's interior is out, its boundary in.
  const Polygon keyhole{{{0, 0},
                         {6, 0},
                         {6, 6},
                         {0, 6},
                         {0, 3},
                         {2, 3},
                         {2, 4},
                         {4, 4},
                         {4, 2},
                         {2, 2},
                         {2, 3},
                         {0, 3}}};
  image = binary_image<T, S>(set_of({keyhole}), grid);
  CHECK(count(image) == 49 - 1);
  CHECK(image[3 + 8 * 3] == 0);

  // Zero-area features: a collinear ring is drawn where centres lie on it, a sliver spike too.
  image = binary_image<T, S>(set_of({Polygon{{{1, 6}, {5, 6}, {3, 6}}}}), grid);
  CHECK(count(image) == 5);
  for (index_t i = 1; i <= 5; ++i) CHECK(image[i + 8 * 6] == 1);
  CHECK(area_image<T, S>(set_of({Polygon{{{1, 6}, {5, 6}, {3, 6}}}}), grid) ==
        std::vector<double>(64, 0.0));
}

TEMPLATE_LIST_TEST_CASE("The binary rule is exact on fractional grids",
                        "[layout][rasterize][binary]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // 0.5 nm pixels from -0.5 nm: a 0..2 nm box holds centres -0 ... 2 nm, 5 per axis.
  auto image = binary_image<T, S>(set_of({box(0, 0, 2, 2)}), Grid(8, 8, 0.5, {-0.5, -0.5, 0}));
  CHECK(std::accumulate(image.begin(), image.end(), 0.0) == 25);
  // Decimal units: 0.1 nm units, 0.3 nm pitch. The box 0..9 units = 0..0.9 nm holds centres 0, 0.3,
  // 0.6, 0.9 nm: 4 per axis, although 3 * 0.3 is not 0.9 in binary floating point.
  image = binary_image<T, S>(set_of({box(0, 0, 9, 9)}, 0.1), Grid(8, 8, 0.3));
  CHECK(std::accumulate(image.begin(), image.end(), 0.0) == 16);
}

TEMPLATE_LIST_TEST_CASE("The binary rule agrees with a brute-force point-in-polygon test",
                        "[layout][rasterize][binary]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  test::Sequence random(99);
  struct Setting {
    double pitch, unit;
    Vec3 origin;
    coord_t scale;  // sample (i, j) is at ((ox + i p) / unit) database units = (a + i b) / scale
  };
  // Integral grids of 1 nm, of 2 nm on 0.5 nm units, and a 0.25 nm grid on 1 nm units.
  const Setting settings[] = {
      {1.0, 1.0, {-3, 2, 0}, 1}, {2.0, 0.5, {4, -6, 0}, 1}, {0.25, 1.0, {1.5, 0.75, 0}, 4}};
  for (const Setting& s : settings) {
    const Grid grid(48, 40, s.pitch, s.origin);
    for (int trial = 0; trial < 4; ++trial) {
      PolygonSet set = set_of({}, s.unit);
      const double cx = (s.origin.x + 24 * s.pitch) / s.unit,
                   cy = (s.origin.y + 20 * s.pitch) / s.unit;
      const double r = 16 * s.pitch / s.unit;
      for (int k = 0; k < 3; ++k)
        set.polygons.push_back(random_star(random, coord_t(cx + 0.4 * r * random.next()),
                                           coord_t(cy + 0.4 * r * random.next()), 0.2 * r, r,
                                           6 + 3 * k));
      const auto image = binary_image<T, S>(set, grid);
      std::vector<Polygon> scaled = set.polygons;
      for (Polygon& p : scaled)
        for (Point& q : p.points) q = {q.x * s.scale, q.y * s.scale};
      for (index_t j = 0; j < grid.ny(); ++j)
        for (index_t i = 0; i < grid.nx(); ++i) {
          const Vec3 c = grid.position(i, j);
          const coord_t qx = std::llround(c.x / s.unit * double(s.scale));
          const coord_t qy = std::llround(c.y / s.unit * double(s.scale));
          bool in = false;
          for (const Polygon& p : scaled) in = in || in_closed_polygon(p, qx, qy);
          INFO("setting pitch " << s.pitch << ", trial " << trial << ", pixel (" << i << ", " << j
                                << ")");
          REQUIRE(image[i + grid.nx() * j] == (in ? 1 : 0));
        }
    }
  }
}
