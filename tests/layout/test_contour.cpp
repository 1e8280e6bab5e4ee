#include "support/test_cases.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <sstream>
#include <vector>

#include "fabtwin/layout/contour.hpp"
#include "fabtwin/layout/contour_polygons.hpp"
#include "fabtwin/layout/rasterize.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

namespace {

/// A host field of `grid` sampling f(x, y) at the sample positions (nm).
template <class T>
Field<T, Host> sampled(const Grid& grid, const std::function<double(double, double)>& f) {
  Field<T, Host> field(grid);
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i) {
      const Vec3 p = grid.position(i, j);
      field.view()(i, j) = T(f(p.x, p.y));
    }
  return field;
}

/// A host field from rows listed top (largest j) first, as they read on the page.
Field<double, Host> from_rows(const std::vector<std::vector<double>>& rows_top_first) {
  const index_t ny = index_t(rows_top_first.size()), nx = index_t(rows_top_first[0].size());
  Field<double, Host> field(Grid(nx, ny, 1.0));
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i)
      field.view()(i, j) = rows_top_first[std::size_t(ny - 1 - j)][std::size_t(i)];
  return field;
}

/// True when `actual` is `expected` up to where the ring starts (same direction), within `tol`.
bool same_ring(const Contour& actual, const std::vector<ContourPoint>& expected, double tol) {
  const std::size_t n = expected.size();
  if (actual.points.size() != n) return false;
  for (std::size_t shift = 0; shift < n; ++shift) {
    bool all = true;
    for (std::size_t k = 0; all && k < n; ++k) {
      const ContourPoint a = actual.points[(k + shift) % n], b = expected[k];
      all = std::fabs(a.x - b.x) <= tol && std::fabs(a.y - b.y) <= tol;
    }
    if (all) return true;
  }
  return false;
}

std::string describe(const Contour& contour) {
  std::ostringstream out;
  for (const ContourPoint& p : contour.points) out << '(' << p.x << ", " << p.y << ") ";
  return out.str();
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("The contour of a paraboloid is its circular level set",
                        "[layout][contour]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // f = R^2 - |p - c|^2 >= 0 inside the circle of radius R about c. Linear interpolation along an
  // edge misplaces the zero by at most |f''| h^2 / 8 / |grad f| = 2 * 1 / 8 / (2R) nm radially.
  const double R = 20.3, cx = 31.4, cy = 29.7;
  const Grid grid(64, 60, 1.0);
  const Field<T, S> field = to<S>(sampled<T>(grid, [&](double x, double y) {
    return R * R - ((x - cx) * (x - cx) + (y - cy) * (y - cy));
  }));
  const auto contours = extract_contours(field, 0.0);
  REQUIRE(contours.size() == 1);
  const double bound = 0.25 / (2 * R) * 1.05;  // plus float rounding of f near 400
  for (const ContourPoint& p : contours[0].points)
    REQUIRE(std::fabs(std::hypot(p.x - cx, p.y - cy) - R) < bound);
  // Counter-clockwise, and the area of the inscribed polygon within its chord error of pi R^2.
  const double area = signed_area(contours[0]);
  CHECK(area > 0);
  CHECK(area == Approx(std::numbers::pi * R * R).epsilon(1e-3));
}

TEST_CASE("A linear ramp gives its exact straight level line, closed along the border",
          "[layout][contour]") {
  const Grid grid(8, 6, 1.0);
  const auto field = sampled<double>(grid, [](double x, double) { return x - 3.3; });
  const auto contours = extract_contours(field, 0.0);
  REQUIRE(contours.size() == 1);
  const Contour& c = contours[0];
  int on_line = 0;
  for (const ContourPoint& p : c.points) {
    INFO(describe(c));
    const bool line = std::fabs(p.x - 3.3) < 1e-12 && p.y >= 0 && p.y <= 5;
    const bool border = std::fabs(p.x - 7.5) < 1e-15 || std::fabs(p.y + 0.5) < 1e-15 ||
                        std::fabs(p.y - 5.5) < 1e-15;
    REQUIRE((line || border));
    on_line += line;
  }
  CHECK(on_line == 6);
  // x >= 3.3 closed half a pitch beyond the samples: [3.3, 7.5] x [-0.5, 5.5] less the corner
  // triangles the marching squares cut: two of legs 0.7 and 0.5, two of legs 0.5 and 0.5.
  CHECK(signed_area(c) == Approx(4.2 * 6 - 2 * 0.175 - 2 * 0.125).epsilon(1e-12));
}

TEST_CASE("A box of ones gives the square contour through the edge midpoints",
          "[layout][contour]") {
  // Ones at samples i in [2, 4], j in [1, 3] of an 8 x 6 grid of 1 nm.
  Field<double, Host> field(Grid(8, 6, 1.0));
  for (index_t j = 1; j <= 3; ++j)
    for (index_t i = 2; i <= 4; ++i) field.view()(i, j) = 1;
  auto contours = extract_contours(field, 0.5);
  REQUIRE(contours.size() == 1);
  INFO(describe(contours[0]));
  CHECK(same_ring(contours[0],
                  {{2, 0.5},
                   {3, 0.5},
                   {4, 0.5},
                   {4.5, 1},
                   {4.5, 2},
                   {4.5, 3},
                   {4, 3.5},
                   {3, 3.5},
                   {2, 3.5},
                   {1.5, 3},
                   {1.5, 2},
                   {1.5, 1}},
                  0));
  CHECK(signed_area(contours[0]) == 3 * 3 - 4 * 0.125);

  // At threshold 0.25 the crossings sit a quarter of the way from the outer sample.
  contours = extract_contours(field, 0.25);
  REQUIRE(contours.size() == 1);
  CHECK(same_ring(contours[0],
                  {{2, 0.25},
                   {3, 0.25},
                   {4, 0.25},
                   {4.75, 1},
                   {4.75, 2},
                   {4.75, 3},
                   {4, 3.75},
                   {3, 3.75},
                   {2, 3.75},
                   {1.25, 3},
                   {1.25, 2},
                   {1.25, 1}},
                  1e-15));

  // Rounded to 0.5 nm units the collinear points go: an octagon in integer units.
  const PolygonSet set = to_polygon_set(extract_contours(field, 0.5), 0.5);
  CHECK(set.unit_nm == 0.5);
  REQUIRE(set.polygons.size() == 1);
  const std::vector<Point> octagon = {{4, 1}, {8, 1}, {9, 2}, {9, 6},
                                      {8, 7}, {4, 7}, {3, 6}, {3, 2}};
  const auto& points = set.polygons[0].points;
  REQUIRE(points.size() == 8);
  const auto start = std::find(points.begin(), points.end(), octagon[0]);
  REQUIRE(start != points.end());
  std::vector<Point> rotated(start, points.end());
  rotated.insert(rotated.end(), points.begin(), start);
  CHECK(rotated == octagon);
}

TEST_CASE("Saddle cells follow the centre value", "[layout][contour]") {
  // Inside corners (0,0) and (1,1); the centre mean is 0.5.
  const auto field = from_rows({{0, 1}, {1, 0}});
  auto joined = extract_contours(field, 0.5);  // centre 0.5 >= 0.5: one region
  REQUIRE(joined.size() == 1);
  INFO(describe(joined[0]));
  CHECK(same_ring(
      joined[0], {{0, -0.5}, {0.5, 0}, {1, 0.5}, {1.5, 1}, {1, 1.5}, {0.5, 1}, {0, 0.5}, {-0.5, 0}},
      1e-15));
  CHECK(signed_area(joined[0]) == Approx(1.5).epsilon(1e-14));

  auto separate = extract_contours(field, 0.6);  // centre 0.5 < 0.6: two corners on their own
  REQUIRE(separate.size() == 2);
  for (const Contour& c : separate) CHECK(signed_area(c) == Approx(0.5 * 0.9 * 0.9).epsilon(1e-14));
  CHECK((same_ring(separate[0], {{0, -0.5}, {0.4, 0}, {0, 0.4}, {-0.5, 0}}, 1e-15) ||
         same_ring(separate[1], {{0, -0.5}, {0.4, 0}, {0, 0.4}, {-0.5, 0}}, 1e-15)));

  // The other diagonal, and a saddle in the middle of a larger field.
  CHECK(extract_contours(from_rows({{1, 0}, {0, 1}}), 0.5).size() == 1);
  CHECK(extract_contours(from_rows({{1, 0}, {0, 1}}), 0.51).size() == 2);
  const auto middle = from_rows({{0, 0, 0, 0}, {0, 0, 0.9, 0}, {0, 0.9, 0, 0}, {0, 0, 0, 0}});
  CHECK(extract_contours(middle, 0.4).size() == 1);  // centre mean 0.45 >= 0.4: joined
  CHECK(extract_contours(middle, 0.5).size() == 2);  // 0.45 < 0.5: separate
}

TEST_CASE("Separate blobs give separate contours; a ring gives an outer and a hole",
          "[layout][contour]") {
  const Grid grid(80, 60, 0.5);
  const auto blobs = sampled<float>(grid, [](double x, double y) {
    return std::max(9 - (x - 10) * (x - 10) - (y - 15) * (y - 15),
                    16 - (x - 28) * (x - 28) - (y - 14) * (y - 14));
  });
  const auto two = extract_contours(blobs, 0.0);
  REQUIRE(two.size() == 2);
  for (const Contour& c : two) CHECK(signed_area(c) > 0);
  const double a = signed_area(two[0]), b = signed_area(two[1]);
  CHECK(std::min(a, b) == Approx(std::numbers::pi * 9).epsilon(0.02));
  CHECK(std::max(a, b) == Approx(std::numbers::pi * 16).epsilon(0.02));

  // 2.25 - (r - 4.5)^2 >= 0 for r in [3, 6].
  const auto ring = sampled<double>(Grid(32, 32, 0.5, {-8, -8, 0}), [](double x, double y) {
    const double r = std::hypot(x - 0.1, y + 0.2);
    return 2.25 - (r - 4.5) * (r - 4.5);
  });
  const auto annulus = extract_contours(ring, 0.0);
  REQUIRE(annulus.size() == 2);
  const double outer = std::max(signed_area(annulus[0]), signed_area(annulus[1]));
  const double inner = std::min(signed_area(annulus[0]), signed_area(annulus[1]));
  CHECK(outer == Approx(std::numbers::pi * 36).epsilon(0.01));  // counter-clockwise
  CHECK(inner == Approx(-std::numbers::pi * 9).epsilon(0.01));  // clockwise hole
}

TEMPLATE_LIST_TEST_CASE("Rasterising a polygon and contouring at 0.5 recovers its straight edges",
                        "[layout][contour][rasterize]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // A box with edges at sub-pixel positions (units of 0.1 nm): [3.23, 14.71] x [2.58, 9.94] nm.
  const double x0 = 3.23, x1 = 14.71, y0 = 2.58, y1 = 9.94;
  const PolygonSet set{{Polygon{{{323, 258}, {1471, 258}, {1471, 994}, {323, 994}}}}, 0.01};
  const Grid grid(20, 14, 1.0);
  const auto contours = extract_contours(rasterize_area<T>(ctx, set, grid), 0.5);
  REQUIRE(contours.size() == 1);
  // Across a straight edge the coverage is a linear ramp inside the edge pixel and 1 or 0 beside
  // it; interpolating the 0.5 crossing between such samples misplaces the edge by
  // 1.5 - f - 1/(2f) <= 1.5 - sqrt(2) < 0.086 pixel (f the edge pixel's coverage).
  for (const ContourPoint& p : contours[0].points) {
    const double to_edge = std::min(
        {std::fabs(p.x - x0), std::fabs(p.x - x1), std::fabs(p.y - y0), std::fabs(p.y - y1)});
    const bool near_corner = (std::fabs(p.x - x0) < 1.5 || std::fabs(p.x - x1) < 1.5) &&
                             (std::fabs(p.y - y0) < 1.5 || std::fabs(p.y - y1) < 1.5);
    if (!near_corner) REQUIRE(to_edge < 0.086);
  }
  // The area: edges within that bound, and each corner cut by no more than a triangle of legs of
  // about one pixel.
  const double perimeter = 2 * ((x1 - x0) + (y1 - y0));
  CHECK(std::fabs(signed_area(contours[0]) - (x1 - x0) * (y1 - y0)) < 0.086 * perimeter + 4 * 0.5);
}

TEST_CASE("Contours become polygons whose region is the contoured region, holes by keyhole cuts",
          "[layout][contour][polygons]") {
  // The annulus: one polygon, the hole cut into the outer ring; its region's area (trapezoids) is
  // the outer area less the hole's, up to rounding to 0.001 nm units.
  const auto ring = sampled<double>(Grid(32, 32, 0.5, {-8, -8, 0}), [](double x, double y) {
    const double r = std::hypot(x - 0.1, y + 0.2);
    return 2.25 - (r - 4.5) * (r - 4.5);
  });
  const auto annulus = extract_contours(ring, 0.0);
  REQUIRE(annulus.size() == 2);
  const PolygonSet set = to_polygon_set(annulus, 0.001);
  REQUIRE(set.polygons.size() == 1);
  CHECK(signed_area(set.polygons[0]) > 0);
  const double contoured = signed_area(annulus[0]) + signed_area(annulus[1]);
  CHECK(region_area(set) * 1e-6 == Approx(contoured).epsilon(1e-4));

  // Random 0/1 fields: islands, holes, islands in holes, diagonal (saddle) contacts. Contours at 0.5
  // pass through midpoints between samples, exact in 0.5 nm units, so rasterising the polygons by
  // the centre rule must give the field back, which holds only if every hole is cut into the right
  // ring without its cut crossing anything.
  test::Sequence random(5);
  for (int trial = 0; trial < 20; ++trial) {
    const Grid grid(23, 17, 1.0, {-4, 3, 0});
    Field<double, Host> field(grid);
    const double fill = 0.35 + 0.015 * trial;
    for (index_t k = 0; k < grid.size(); ++k)
      field.data()[k] = 0.5 * (random.next() + 1) < fill ? 1.0 : 0.0;
    const auto contours = extract_contours(field, 0.5);
    const PolygonSet polygons = to_polygon_set(contours, 0.5);
    for (const Polygon& p : polygons.polygons) REQUIRE(signed_area(p) > 0);
    Context<Host> ctx;
    const auto back = to_vector(rasterize_binary<double>(ctx, polygons, grid));
    INFO("trial " << trial << ": " << contours.size() << " contours, " << polygons.polygons.size()
                  << " polygons");
    for (index_t k = 0; k < grid.size(); ++k) REQUIRE(back[std::size_t(k)] == field.data()[k]);
    double traced = 0;
    for (const Contour& c : contours) traced += signed_area(c);
    CHECK(region_area(polygons) * 0.25 == Approx(traced).epsilon(1e-12));
  }
}

TEST_CASE("Contour arguments are checked", "[layout][contour][errors]") {
  Field<double, Host> field(Grid(4, 4, 1.0));
  REQUIRE_THROWS_WITH(extract_contours(field, std::nan("")),
                      Contains("extract_contours") && Contains("threshold"));
  field.view()(1, 2) = std::numeric_limits<double>::infinity();
  REQUIRE_THROWS_WITH(extract_contours(field, 0.5), Contains("values(1, 2)") && Contains("finite"));
  const Field<double, Host> other(Grid(4, 3, 1.0));
  REQUIRE_THROWS_AS(extract_contours(other.view(), Grid(4, 4, 1.0), 0.5), shape_mismatch);
  const Field<double, Host> volume(Grid::volume(4, 4, 2, {1, 1, 1}));
  REQUIRE_THROWS_WITH(extract_contours(volume, 0.5), Contains("rank 2"));
  REQUIRE_THROWS_WITH(to_polygon_set({}, 0.0), Contains("unit_nm"));
  REQUIRE_THROWS_WITH(to_polygon_set({Contour{{{0, 0}, {1e12, 0}, {0, 1}}}}, 1.0),
                      Contains("32-bit"));
  field.view()(1, 2) = 0;
  CHECK(extract_contours(field.view(), field.grid(), 1e300).empty());
  CHECK(to_polygon_set({}, 1.0).polygons.empty());
}
