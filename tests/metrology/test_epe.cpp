#include "support/test_cases.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/metrology/epe.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"

using namespace fabtwin;
using namespace fabtwin::metrology;
using Catch::Contains;
using layout::coord_t;
using layout::Polygon;
using layout::PolygonSet;

namespace {

Polygon box(coord_t x0, coord_t y0, coord_t x1, coord_t y1) {
  return Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}};
}

std::size_t count_sites(const std::vector<EpeSite>& sites, Point2 normal) {
  return std::size_t(std::count_if(sites.begin(), sites.end(),
                                   [&](const EpeSite& s) { return s.normal == normal; }));
}

std::vector<double> coordinates(const std::vector<EpeSite>& sites, Point2 normal, bool along_x) {
  std::vector<double> out;
  for (const EpeSite& s : sites)
    if (s.normal == normal) out.push_back(along_x ? s.position.x : s.position.y);
  std::sort(out.begin(), out.end());
  return out;
}

/// A print of `grid` with `on` inside the closed box [x0, x1] x [y0, y1] (pixel centres) and `off`
/// elsewhere.
template <class T>
std::vector<T> box_print(const Grid& grid, double x0, double y0, double x1, double y1, T on = T(1),
                         T off = T(0)) {
  std::vector<T> values(std::size_t(grid.size()), off);
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i) {
      const Vec3 p = grid.position(i, j);
      if (p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1)
        values[std::size_t(i + grid.nx() * j)] = on;
    }
  return values;
}

}  // namespace

TEST_CASE("EPE sites follow the ICCAD-2013 evaluator's placement", "[metrology][epe]") {
  SECTION("a 200 x 100 box") {
    // Long edges (200 > 80): 40 and 80 nm from the first end (<= half of 200) and 40 and 80 from
    // the second end: 4 sites. Short edges (100 > 80): 40 from the first end, 40 from the second
    // (60 > 50): 2 sites. 2 * 4 + 2 * 2 = 12.
    const std::vector<EpeSite> sites = epe_sites(PolygonSet{{box(100, 100, 300, 200)}, 1.0});
    CHECK(sites.size() == 12);
    CHECK(coordinates(sites, {0, -1}, true) == std::vector<double>{140, 180, 220, 260});
    CHECK(coordinates(sites, {0, 1}, true) == std::vector<double>{140, 180, 220, 260});
    CHECK(coordinates(sites, {-1, 0}, false) == std::vector<double>{140, 160});
    CHECK(coordinates(sites, {1, 0}, false) == std::vector<double>{140, 160});
    for (const EpeSite& s : sites) {
      if (s.normal.y == -1) CHECK(s.position.y == 100);
      if (s.normal.y == 1) CHECK(s.position.y == 200);
      if (s.normal.x == -1) CHECK(s.position.x == 100);
      if (s.normal.x == 1) CHECK(s.position.x == 300);
      CHECK(s.polygon == 0);
    }
  }
  SECTION("short edges get one site at their midpoint, whatever the ring's orientation") {
    // 80 x 60, given clockwise: every edge is <= 80 nm, so 4 sites at the midpoints.
    const Polygon clockwise{{{0, 0}, {0, 60}, {80, 60}, {80, 0}}};
    const std::vector<EpeSite> sites = epe_sites(PolygonSet{{clockwise}, 1.0});
    REQUIRE(sites.size() == 4);
    CHECK(coordinates(sites, {0, -1}, true) == std::vector<double>{40});
    CHECK(coordinates(sites, {0, 1}, true) == std::vector<double>{40});
    CHECK(coordinates(sites, {-1, 0}, false) == std::vector<double>{30});
    CHECK(coordinates(sites, {1, 0}, false) == std::vector<double>{30});
  }
  SECTION("160 x 120: the midpoint site of a 160 nm edge is shared by both ends' runs") {
    // 160: 40, 80 (= half, kept) from the first end; 40 from the second (120 > 80); 80 from the
    // second is the midpoint again, not beyond it: 3 sites. 120: 40 and 80 (= 120 - 40): 2 sites.
    const std::vector<EpeSite> sites = epe_sites(PolygonSet{{box(0, 0, 160, 120)}, 1.0});
    CHECK(sites.size() == 10);
    CHECK(coordinates(sites, {0, -1}, true) == std::vector<double>{40, 80, 120});
    CHECK(coordinates(sites, {1, 0}, false) == std::vector<double>{40, 80});
  }
  SECTION("database units of 2 nm") {
    // 50 x 40 units = 100 x 80 nm: 2 sites on the 100 nm edges, 1 on the 80 nm ones.
    const std::vector<EpeSite> sites = epe_sites(PolygonSet{{box(10, 10, 60, 50)}, 2.0});
    CHECK(sites.size() == 6);
    CHECK(coordinates(sites, {0, 1}, true) == std::vector<double>{60, 80});
    CHECK(coordinates(sites, {1, 0}, false) == std::vector<double>{60});
  }
  SECTION("collinear vertices do not split an edge") {
    const Polygon split{{{100, 100}, {180, 100}, {300, 100}, {300, 200}, {100, 200}, {100, 150}}};
    CHECK(epe_sites(PolygonSet{{split}, 1.0}).size() == 12);
  }
  SECTION("an L shape") {
    // Edges 200, 80, 120, 120, 80, 200 (counter-clockwise from the origin): 4 + 1 + 2 + 2 + 1 + 4.
    const Polygon ell{{{0, 0}, {200, 0}, {200, 80}, {80, 80}, {80, 200}, {0, 200}}};
    const std::vector<EpeSite> sites = epe_sites(PolygonSet{{ell}, 1.0});
    CHECK(sites.size() == 14);
    // The inner corner's edges face outward (+y for the edge at y = 80, +x for the one at x = 80).
    CHECK(coordinates(sites, {0, 1}, true) == std::vector<double>{40, 120, 160});
    CHECK(coordinates(sites, {1, 0}, false) == std::vector<double>{40, 120, 160});
  }
  SECTION("edges inside the union of overlapping polygons get no site") {
    const std::vector<EpeSite> sites =
        epe_sites(PolygonSet{{box(0, 0, 200, 100), box(100, 0, 300, 100)}, 1.0});
    for (const EpeSite& s : sites) {
      const bool interior = s.normal.y == 0 && (s.position.x == 100 || s.position.x == 200);
      CHECK_FALSE(interior);
    }
    CHECK(count_sites(sites, {-1, 0}) == 2);
    CHECK(count_sites(sites, {1, 0}) == 2);
    // The same box twice gives its sites once.
    CHECK(epe_sites(PolygonSet{{box(0, 0, 200, 100), box(0, 0, 200, 100)}, 1.0}).size() == 12);
  }
}

TEST_CASE("EPE sites refuse what they cannot probe", "[metrology][epe][errors]") {
  const Polygon slanted{{{0, 0}, {100, 0}, {50, 80}}};
  REQUIRE_THROWS_AS(epe_sites(PolygonSet{{box(0, 0, 10, 10), slanted}, 1.0}), invalid_argument);
  REQUIRE_THROWS_WITH(
      epe_sites(PolygonSet{{box(0, 0, 10, 10), slanted}, 1.0}),
      Contains("target.polygons[1]") && Contains("Manhattan") && Contains("(100, 0) to (50, 80)"));
  EpeRule rule;
  rule.spacing_nm = 0;
  REQUIRE_THROWS_WITH(epe_sites(PolygonSet{{box(0, 0, 10, 10)}, 1.0}, rule),
                      Contains("rule.spacing_nm"));
  REQUIRE_THROWS_WITH(epe_sites(PolygonSet{{box(0, 0, 10, 10)}, 0.0}), Contains("target.unit_nm"));
  // Degenerate rings have no edges to probe.
  CHECK(epe_sites(PolygonSet{{Polygon{{{0, 0}, {100, 0}}}}, 1.0}).empty());
}

TEMPLATE_LIST_TEST_CASE("EPE check of shifted prints", "[metrology][epe]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  // Target: closed box [100, 300] x [100, 200] on a 1 nm grid (the ICCAD pixel rule: pixel (x, y)
  // is the point (x, y)). 12 sites: 4 on each horizontal edge, 2 on each vertical one.
  const Grid grid(400, 300, 1.0);
  const PolygonSet target{{box(100, 100, 300, 200)}, 1.0};
  auto check_shift = [&](double dx, index_t inner, index_t outer) {
    INFO("shift " << dx << " nm in x");
    const Field<T, S> print =
        test::field_with<S>(grid, box_print<T>(grid, 100 + dx, 100, 300 + dx, 200));
    const EpeReport report = epe_check(ctx, target, print.view(), grid);
    REQUIRE(report.sites.size() == 12);
    CHECK(report.inner_violations == inner);
    CHECK(report.outer_violations == outer);
    CHECK(report.violations() == inner + outer);
    CHECK(report.violating_sites() == inner + outer);  // one failed probe per site here
    for (const EpeSiteCheck& c : report.sites) {
      // Only the vertical edges move: horizontal edges never fail.
      if (c.site.normal.x == 0) CHECK_FALSE(c.violation());
      // Moving right, the left edge's inner probe and the right edge's outer probe fail.
      const bool leading = (c.site.normal.x > 0) == (dx > 0);
      if (c.site.normal.x != 0 && std::fabs(dx) >= 15) {
        CHECK(c.inner_violation == (!leading && std::fabs(dx) > 15));
        CHECK(c.outer_violation == leading);
      }
    }
  };
  check_shift(0, 0, 0);
  check_shift(10, 0, 0);
  check_shift(-14, 0, 0);
  // At exactly 15 nm the outer probe pixel is the print's last pixel: the evaluator's test fails it
  // (the print covers the probe), while the inner probe 15 nm in still prints.
  check_shift(15, 0, 2);
  check_shift(-15, 0, 2);
  check_shift(16, 2, 2);
  check_shift(20, 2, 2);
  check_shift(-20, 2, 2);

  // A print that grows 20 nm on every side fails every outer probe; one that shrinks 20 nm every
  // inner probe. Raw intensities binarised at 0.225, as the contest does.
  EpeRule rule;
  rule.print_threshold = 0.225;
  const Field<T, S> grown =
      test::field_with<S>(grid, box_print<T>(grid, 80, 80, 320, 220, T(0.3), T(0.1)));
  const EpeReport big = epe_check(ctx, target, grown.view(), grid, rule);
  CHECK(big.outer_violations == 12);
  CHECK(big.inner_violations == 0);
  const Field<T, S> shrunk =
      test::field_with<S>(grid, box_print<T>(grid, 120, 120, 280, 180, T(0.3), T(0.1)));
  const EpeReport small = epe_check(ctx, target, shrunk.view(), grid, rule);
  CHECK(small.inner_violations == 12);
  CHECK(small.outer_violations == 0);
  // Nothing printed: every inner probe fails.
  const Field<T, S> empty(grid);
  CHECK(epe_check(ctx, target, empty.view(), grid).violations() == 12);

  const Field<T, S> wrong(Grid(400, 299, 1.0));
  REQUIRE_THROWS_AS(epe_check(ctx, target, wrong.view(), grid), shape_mismatch);
  REQUIRE_THROWS_WITH(epe_check(ctx, target, wrong.view(), grid),
                      Contains("'print'") && Contains("400x299"));
}

TEMPLATE_TEST_CASE("Signed EPE from a continuous image", "[metrology][epe]", float, double) {
  using T = TestType;
  // A tent in x, linear on each side of x = 200 (a sample, so the interpolant is exact):
  // I = 0.225 + 0.01 (min(x - x_left, x_right - x)); it prints (I >= 0.225) on [x_left, x_right].
  const Grid grid(400, 300, 1.0);
  const PolygonSet target{{box(100, 100, 300, 200)}, 1.0};
  const std::vector<EpeSite> sites = epe_sites(target);
  auto tent = [&](double x_left, double x_right) {
    std::vector<T> values(std::size_t(grid.size()));
    for (index_t j = 0; j < grid.ny(); ++j)
      for (index_t i = 0; i < grid.nx(); ++i)
        values[std::size_t(i + 400 * j)] =
            T(0.225 + 0.01 * std::fmin(double(i) - x_left, x_right - double(i)));
    return values;
  };
  const double margin = std::is_same_v<T, float> ? 1e-4 : 1e-9;
  const std::vector<T> grown = tent(96.5, 303.5);  // 3.5 nm beyond each vertical edge
  const std::vector<T> shrunk = tent(104, 296);    // 4 nm inside each vertical edge
  const auto epe_grown = measure_epe(image_view(grown, grid), grid, sites, 0.225, 20);
  const auto epe_shrunk = measure_epe(image_view(shrunk, grid), grid, sites, 0.225, 20);
  REQUIRE(epe_grown.size() == sites.size());
  for (std::size_t k = 0; k < sites.size(); ++k) {
    if (sites[k].normal.x != 0) {
      REQUIRE(epe_grown[k].has_value());
      CHECK(*epe_grown[k] == Approx(3.5).margin(margin));
      REQUIRE(epe_shrunk[k].has_value());
      CHECK(*epe_shrunk[k] == Approx(-4.0).margin(margin));
    } else {
      CHECK_FALSE(epe_grown[k].has_value());  // the image does not vary along y: no edge there
    }
  }
  // Out of range: an edge 3.5 nm away is not found when searching 3 nm.
  const EpeSite right_site =
      *std::find_if(sites.begin(), sites.end(), [](const EpeSite& s) { return s.normal.x == 1; });
  CHECK_FALSE(measure_epe(image_view(grown, grid), grid, right_site, 0.225, 3.0).has_value());
  // A dark-printing (space) tone sees the same edge as entering the print walking outward.
  CHECK_FALSE(
      measure_epe(image_view(grown, grid), grid, right_site, 0.225, 20, Tone::space).has_value());
  REQUIRE_THROWS_WITH(measure_epe(image_view(grown, grid), grid, right_site, 0.225, 0),
                      Contains("search_range_nm"));
  EpeSite outside = right_site;
  outside.position = {500, 150};
  REQUIRE_THROWS_WITH(measure_epe(image_view(grown, grid), grid, outside, 0.225, 20),
                      Contains("site.position"));
}

TEMPLATE_LIST_TEST_CASE("L2, PV band and printed pixel counts", "[metrology][pixels]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid grid(8, 6, 1.0);
  // Target: x 2..5, y 1..3 (12 pixels). Nominal print (intensity, 0.3 on / 0.1 off, threshold
  // 0.225): x 3..6, y 1..3 (12 pixels). They differ on column 2 and column 6, 3 pixels each: L2 = 6.
  const Field<T, S> target = test::field_with<S>(grid, box_print<T>(grid, 2, 1, 5, 3));
  const Field<T, S> nominal =
      test::field_with<S>(grid, box_print<T>(grid, 3, 1, 6, 3, T(0.3), T(0.1)));
  CHECK(l2_pixels(ctx, nominal.view(), target.view(), 0.225) == 6);
  CHECK(l2_pixels(ctx, target.view(), target.view(), 0.5) == 0);
  CHECK(printed_pixels(ctx, nominal.view(), 0.225) == 12);
  CHECK(printed_pixels(ctx, target.view(), 0.5) == 12);
  CHECK(printed_pixels(ctx, nominal.view(), 0.5) == 0);
  // Outer corner x 2..6, y 0..3 (20 pixels) holds the inner x 3..5, y 1..3 (9): PV band 11.
  const Field<T, S> outer =
      test::field_with<S>(grid, box_print<T>(grid, 2, 0, 6, 3, T(0.3), T(0.1)));
  const Field<T, S> inner =
      test::field_with<S>(grid, box_print<T>(grid, 3, 1, 5, 3, T(0.3), T(0.1)));
  CHECK(pv_band_pixels(ctx, outer.view(), inner.view(), 0.225) == 11);
  CHECK(pv_band_pixels(ctx, inner.view(), outer.view(), 0.225) == 11);
  // One-sided: the outer print holds the inner one, so outer-and-not-inner is the whole band, and
  // the other way round nothing. Against the nominal (x 3..6) the inner (x 3..5) leaves column 6
  // (3 pixels) on the nominal's side only, while XOR counts the same 3.
  CHECK(pv_band_outer_not_inner_pixels(ctx, outer.view(), inner.view(), 0.225) == 11);
  CHECK(pv_band_outer_not_inner_pixels(ctx, inner.view(), outer.view(), 0.225) == 0);
  CHECK(pv_band_outer_not_inner_pixels(ctx, nominal.view(), inner.view(), 0.225) == 3);
  // Target x 2..5 against nominal x 3..6: column 2 on the target's side only, column 6 on the
  // nominal's: one-sided 3 each way, XOR 6.
  CHECK(pv_band_outer_not_inner_pixels(ctx, target.view(), nominal.view(), 0.225) == 3);
  CHECK(pv_band_outer_not_inner_pixels(ctx, nominal.view(), target.view(), 0.225) == 3);
  // A sample exactly at the threshold prints.
  CHECK(printed_pixels(ctx, nominal.view(), 0.3) == 12);

  const Field<T, S> small(Grid(8, 5, 1.0));
  REQUIRE_THROWS_AS(l2_pixels(ctx, nominal.view(), small.view(), 0.225), shape_mismatch);
  REQUIRE_THROWS_WITH(l2_pixels(ctx, nominal.view(), small.view(), 0.225),
                      Contains("'target'") && Contains("8x5x1") && Contains("'print', 8x6x1"));
  REQUIRE_THROWS_WITH(pv_band_pixels(ctx, outer.view(), small.view(), 0.225), Contains("'inner'"));
  REQUIRE_THROWS_WITH(pv_band_outer_not_inner_pixels(ctx, outer.view(), small.view(), 0.225),
                      Contains("'inner'"));
  REQUIRE_THROWS_WITH(printed_pixels(ctx, nominal.view(), std::nan("")), Contains("threshold"));
  REQUIRE_THROWS_WITH(l2_pixels(ctx, nominal.view(), target.view(), 0.225, INFINITY),
                      Contains("target_threshold"));
}

TEST_CASE("A NaN pixel never prints", "[metrology][pixels]") {
  Context<Host> ctx;
  const Grid grid(4, 1, 1.0);
  const Field<double, Host> print = make_host_field(grid, std::vector<double>{1, NAN, 0, 1});
  const Field<double, Host> target = make_host_field(grid, std::vector<double>{1, 1, 0, 0});
  CHECK(printed_pixels(ctx, print.view(), 0.5) == 2);
  CHECK(l2_pixels(ctx, print.view(), target.view(), 0.5) == 2);
}
