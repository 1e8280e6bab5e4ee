#include "support/test_cases.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/metrology/meef.hpp"
#include "fabtwin/metrology/nils.hpp"

using namespace fabtwin;
using namespace fabtwin::metrology;
using Catch::Contains;

namespace {

/// Samples f(x, y) at every grid position.
template <class T, class F>
std::vector<T> sampled(const Grid& grid, F f) {
  std::vector<T> values(static_cast<std::size_t>(grid.size()));
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i) {
      const Vec3 p = grid.position(i, j);
      values[std::size_t(i + grid.nx() * j)] = T(f(p.x, p.y));
    }
  return values;
}

/// A trapezoid line profile in x: 0 up to x0, rising to 1 at x1, flat to x2, falling to 0 at x3.
double trapezoid(double x, double x0, double x1, double x2, double x3) {
  if (x <= x0 || x >= x3) return 0;
  if (x < x1) return (x - x0) / (x1 - x0);
  if (x <= x2) return 1;
  return (x3 - x) / (x3 - x2);
}

template <class T>
double tol() {
  return std::is_same_v<T, float> ? 2e-4 : 1e-9;
}

}  // namespace

TEMPLATE_TEST_CASE("Crossings of a linear ramp are exact along any cut line", "[metrology][cd]",
                   float, double) {
  using T = TestType;
  // I = 0.01 x - 0.004 y + 0.2 on a grid with an offset origin and a pitch of 2 nm: bilinear
  // interpolation reproduces it exactly, so the crossing of I = t along p(s) = start + s u sits at
  // s = (t - I(start)) / (0.01 ux - 0.004 uy) with that slope.
  const Grid grid(60, 50, 2.0, {-20, 10, 0});
  auto ramp = [](double x, double y) { return 0.01 * x - 0.004 * y + 0.2; };
  const std::vector<T> values = sampled<T>(grid, ramp);
  const auto image = image_view(values, grid);
  const double t = 0.5;
  const CutLine lines[] = {{{-20, 50}, {98, 50}},            // along +x
                           {{90, 30}, {-10, 30}},            // along -x
                           {{40, 10}, {40, 100}},            // along +y (I falls)
                           {{-15, 12}, {95, 105}},           // diagonal
                           {{97.3, 11.1}, {-19.5, 107.9}}};  // diagonal, off-sample ends
  for (const CutLine& line : lines) {
    const Point2 u = line.direction();
    const double rate = 0.01 * u.x - 0.004 * u.y;
    const double s = (t - ramp(line.start.x, line.start.y)) / rate;
    const LineCrossings found = find_crossings(image, grid, line, t);
    if (s < 0 || s > line.length()) {
      CHECK(found.edges.empty());
      continue;
    }
    INFO("line " << line.start << " -> " << line.end);
    REQUIRE(found.edges.size() == 1);
    const EdgeCrossing& edge = found.edges[0];
    CHECK(edge.s_nm == Approx(s).margin(tol<T>() * 100));
    CHECK(edge.point.x == Approx(line.start.x + s * u.x).margin(tol<T>() * 100));
    CHECK(edge.point.y == Approx(line.start.y + s * u.y).margin(tol<T>() * 100));
    CHECK(edge.slope == Approx(rate).epsilon(tol<T>() * 10));
    CHECK(edge.direction == (rate > 0 ? +1 : -1));
    CHECK(found.starts_above == (rate < 0));
    CHECK(edge.intensity == t);
  }
}

TEMPLATE_TEST_CASE("CD of a trapezoid line and of its inverse space", "[metrology][cd]", float,
                   double) {
  using T = TestType;
  // Kinks on samples (pitch 1 nm), so the interpolant is the exact profile: at threshold t the
  // edges sit at x0 + t (x1 - x0) and x3 - t (x3 - x2).
  const Grid grid(121, 61, 1.0);
  auto line_profile = [](double x, double) { return trapezoid(x, 20, 40, 70, 100); };
  const std::vector<T> line_values = sampled<T>(grid, line_profile);
  const std::vector<T> space_values =
      sampled<T>(grid, [&](double x, double y) { return 1 - line_profile(x, y); });
  const double t = 0.3;
  const double left = 20 + t * 20, right = 100 - t * 30;  // 26, 91
  const CutLine across{{5, 30}, {115, 30}};               // midpoint x = 60, inside the line

  const CdResult line_cd = measure_cd(image_view(line_values, grid), grid, across, t, Tone::line);
  REQUIRE(line_cd.ok());
  CHECK(line_cd.cd_nm == Approx(right - left).margin(tol<T>()));
  CHECK(line_cd.first.point.x == Approx(left).margin(tol<T>()));
  CHECK(line_cd.second.point.x == Approx(right).margin(tol<T>()));
  CHECK(line_cd.first.slope == Approx(1.0 / 20).epsilon(tol<T>()));
  CHECK(line_cd.second.slope == Approx(-1.0 / 30).epsilon(tol<T>()));

  // The complementary image holds a space of the same width at the same place.
  const CdResult space_cd =
      measure_cd(image_view(space_values, grid), grid, across, 1 - t, Tone::space);
  REQUIRE(space_cd.ok());
  CHECK(space_cd.cd_nm == Approx(right - left).margin(tol<T>()));
  CHECK(measure_cd(image_view(space_values, grid), grid, across, 1 - t, Tone::line).status ==
        CdStatus::midpoint_not_in_feature);

  // A diagonal line at 30 degrees to x meets the same edges; its CD is the x width / cos 30.
  const double c = std::cos(std::numbers::pi / 6), s = std::sin(std::numbers::pi / 6);
  const CutLine diagonal{{60 - 45 * c, 30 - 45 * s}, {60 + 45 * c, 30 + 45 * s}};
  const CdResult diagonal_cd =
      measure_cd(image_view(line_values, grid), grid, diagonal, t, Tone::line);
  REQUIRE(diagonal_cd.ok());
  CHECK(diagonal_cd.cd_nm == Approx((right - left) / c).margin(tol<T>()));
  CHECK(diagonal_cd.first.slope == Approx(c / 20).epsilon(tol<T>() * 10));

  // Walking the other way swaps the edges and the slope signs, not the CD.
  const CdResult reversed = measure_cd(image_view(line_values, grid), grid,
                                       CutLine{across.end, across.start}, t, Tone::line);
  REQUIRE(reversed.ok());
  CHECK(reversed.cd_nm == Approx(right - left).margin(tol<T>()));
  CHECK(reversed.first.point.x == Approx(right).margin(tol<T>()));
  CHECK(reversed.first.direction == +1);
  CHECK(reversed.first.slope == Approx(1.0 / 30).epsilon(tol<T>()));
}

TEMPLATE_TEST_CASE("Cosine grating: CD and NILS match the arccos closed form",
                   "[metrology][cd][nils]", float, double) {
  using T = TestType;
  // I = a + b cos(2 pi (x - xc) / p): I >= t where |x - xc| <= (p / 2 pi) arccos((t - a) / b), so
  // CD = (p / pi) arccos((t - a) / b); |dI/dx| there = b (2 pi / p) sin(arccos(...)).
  const double a = 0.5, b = 0.4, p = 80, xc = 80, t = 0.3;
  const double theta = std::acos((t - a) / b);
  const double cd = p / std::numbers::pi * theta;
  const double slope = b * 2 * std::numbers::pi / p * std::sin(theta);
  const double width = p / 2;  // nominal line width of a 1:1 grating

  SECTION("grating along x, cut along x") {
    const Grid grid(241, 9, 1.0);
    const std::vector<T> values = sampled<T>(grid, [&](double x, double) {
      return a + b * std::cos(2 * std::numbers::pi * (x - xc) / p);
    });
    const CutLine line{{40, 4}, {120, 4}};
    const CdResult result = measure_cd(image_view(values, grid), grid, line, t, Tone::line);
    REQUIRE(result.ok());
    CHECK(result.cd_nm == Approx(cd).margin(0.02));
    CHECK(result.first.slope == Approx(slope).epsilon(3e-3));
    CHECK(result.second.slope == Approx(-slope).epsilon(3e-3));
    const FeatureNils n = nils(result, width);
    const double expected = width * slope / t;
    CHECK(n.first == Approx(expected).epsilon(3e-3));
    CHECK(n.second == Approx(expected).epsilon(3e-3));
    CHECK(n.mean == Approx(expected).epsilon(3e-3));
    CHECK(image_log_slope(result.first) == Approx(slope / t).epsilon(3e-3));

    // Across three periods (peaks at x = 0, 80, 160, 240): starting next to a peak, six
    // crossings alternate falling and rising, lines one CD wide and spaces p - CD.
    const LineCrossings all =
        find_crossings(image_view(values, grid), grid, CutLine{{1, 4}, {239, 4}}, t);
    REQUIRE(all.edges.size() == 6);
    CHECK(all.starts_above);
    for (std::size_t k = 0; k < all.edges.size(); ++k) {
      CHECK(all.edges[k].direction == (k % 2 == 0 ? -1 : +1));
      CHECK(all.edges[k].s_nm + 1 ==
            Approx(80.0 * double((k + 1) / 2) + (k % 2 == 0 ? 1 : -1) * cd / 2).margin(0.02));
    }
    // The space between two lines, measured with the space tone at a midpoint in the space.
    const CdResult space =
        measure_cd(image_view(values, grid), grid, CutLine{{80, 4}, {160, 4}}, t, Tone::space);
    REQUIRE(space.ok());
    CHECK(space.cd_nm == Approx(p - cd).margin(0.02));
  }

  SECTION("grating rotated by 35 degrees, cut along its normal") {
    const double phi = 35 * std::numbers::pi / 180, c = std::cos(phi), s = std::sin(phi);
    const Grid grid(201, 201, 1.0, {-100, -100, 0});
    const std::vector<T> values = sampled<T>(grid, [&](double x, double y) {
      return a + b * std::cos(2 * std::numbers::pi * (x * c + y * s) / p);
    });
    const CutLine line{{-40 * c, -40 * s}, {40 * c, 40 * s}};
    const CdResult result = measure_cd(image_view(values, grid), grid, line, t, Tone::line);
    REQUIRE(result.ok());
    CHECK(result.cd_nm == Approx(cd).margin(0.05));
    CHECK(nils(result, width).mean == Approx(width * slope / t).epsilon(1e-2));
    // Slanted 20 degrees off the normal: the CD grows as 1 / cos 20.
    const double off = 20 * std::numbers::pi / 180;
    const Point2 u{std::cos(phi + off), std::sin(phi + off)};
    const CdResult slanted =
        measure_cd(image_view(values, grid), grid, CutLine{-50.0 * u, 50.0 * u}, t, Tone::line);
    REQUIRE(slanted.ok());
    CHECK(slanted.cd_nm == Approx(cd / std::cos(off)).margin(0.06));
  }
}

TEST_CASE("A cut line without a closed feature at its midpoint says why", "[metrology][cd]") {
  const Grid grid(50, 20, 1.0);
  const std::vector<double> flat(std::size_t(grid.size()), 0.2);
  const CutLine line{{5, 10}, {45, 10}};
  const LineCrossings none = find_crossings(image_view(flat, grid), grid, line, 0.5);
  CHECK(none.edges.empty());
  CHECK_FALSE(none.starts_above);
  const CdResult line_cd = measure_cd(image_view(flat, grid), grid, line, 0.5, Tone::line);
  CHECK(line_cd.status == CdStatus::midpoint_not_in_feature);
  CHECK_FALSE(line_cd.ok());
  CHECK(std::isnan(line_cd.cd_nm));
  CHECK(measure_cd(image_view(flat, grid), grid, line, 0.5, Tone::space).status ==
        CdStatus::feature_not_closed);
  CHECK(std::string(describe(CdStatus::feature_not_closed)).find("end of the line") !=
        std::string::npos);

  // One edge only: the feature at the midpoint runs off the line's end.
  std::vector<double> step(std::size_t(grid.size()));
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i) step[std::size_t(i + 50 * j)] = i < 15 ? 0.0 : 1.0;
  const CdResult open = measure_cd(image_view(step, grid), grid, line, 0.5, Tone::line);
  CHECK(open.status == CdStatus::feature_not_closed);

  // A profile that touches the threshold without crossing it has no crossing there.
  std::vector<double> touch(std::size_t(grid.size()));
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i)
      touch[std::size_t(i + 50 * j)] = 0.5 - 0.01 * double((i - 25) * (i - 25));
  CHECK(find_crossings(image_view(touch, grid), grid, line, 0.5).edges.empty());
  CHECK(measure_cd(image_view(touch, grid), grid, line, 0.5, Tone::line).status ==
        CdStatus::midpoint_not_in_feature);  // 0.5 at x = 25 only: a point, not a run
}

TEST_CASE("Cut lines are refused outside the image or with bad arguments",
          "[metrology][cd][errors]") {
  const Grid grid(20, 10, 1.0, {100, 0, 0});
  const std::vector<float> values(std::size_t(grid.size()), 1.0f);
  const auto image = image_view(values, grid);
  REQUIRE_THROWS_AS(find_crossings(image, grid, CutLine{{101, 5}, {125, 5}}, 0.5),
                    invalid_argument);
  REQUIRE_THROWS_WITH(find_crossings(image, grid, CutLine{{101, 5}, {125, 5}}, 0.5),
                      Contains("line.end") && Contains("sample hull"));
  REQUIRE_THROWS_WITH(find_crossings(image, grid, CutLine{{99, 5}, {110, 5}}, 0.5),
                      Contains("line.start"));
  REQUIRE_THROWS_WITH(find_crossings(image, grid, CutLine{{105, 5}, {105, 5}}, 0.5),
                      Contains("positive length"));
  REQUIRE_THROWS_WITH(find_crossings(image, grid, CutLine{{105, 5}, {110, 5}}, std::nan("")),
                      Contains("threshold"));
  REQUIRE_THROWS_WITH(find_crossings(image, grid, CutLine{{105, NAN}, {110, 5}}, 0.5),
                      Contains("line.start") && Contains("finite"));
  const Grid other(20, 11, 1.0, {100, 0, 0});
  REQUIRE_THROWS_AS(find_crossings(image, other, CutLine{{105, 5}, {110, 5}}, 0.5), shape_mismatch);
  REQUIRE_THROWS_WITH(find_crossings(image, other, CutLine{{105, 5}, {110, 5}}, 0.5),
                      Contains("'image'") && Contains("20x10x1"));
  REQUIRE_THROWS_AS(image_view(values, other), shape_mismatch);
  REQUIRE_THROWS_WITH(image_view(values, other), Contains("values.size()") && Contains("220"));
  // The hull's edges themselves are inside.
  CHECK_NOTHROW(find_crossings(image, grid, CutLine{{100, 0}, {119, 9}}, 0.5));
}

TEST_CASE("Image log-slope at a point and NILS errors", "[metrology][nils]") {
  // I = 0.02 x + 0.1: ILS along +x at x = 20 is 0.02 / 0.5 exactly; along a 45 degree direction
  // the slope is 0.02 cos 45.
  const Grid grid(40, 10, 1.0);
  std::vector<double> ramp(std::size_t(grid.size()));
  for (index_t j = 0; j < 10; ++j)
    for (index_t i = 0; i < 40; ++i) ramp[std::size_t(i + 40 * j)] = 0.02 * double(i) + 0.1;
  const auto image = image_view(ramp, grid);
  CHECK(image_log_slope_at(image, grid, {20, 5}, {1, 0}) == Approx(0.04));
  CHECK(image_log_slope_at(image, grid, {20, 5}, {-3, 0}) == Approx(0.04));
  CHECK(image_log_slope_at(image, grid, {20, 5}, {1, 1}) == Approx(0.04 * std::sqrt(0.5)));
  CHECK(image_log_slope_at(image, grid, {39, 5}, {1, 0}) ==
        Approx(0.02 / 0.88));  // one-sided at the edge
  REQUIRE_THROWS_WITH(image_log_slope_at(image, grid, {20, 5}, {0, 0}), Contains("direction"));
  REQUIRE_THROWS_WITH(image_log_slope_at(image, grid, {40.5, 5}, {1, 0}), Contains("'p'"));
  REQUIRE_THROWS_WITH(image_log_slope(0.1, 0.0), Contains("intensity") && Contains("positive"));
  REQUIRE_THROWS_WITH(nils(EdgeCrossing{0, {}, 1, 0.1, 0.5}, -4), Contains("width_nm"));
  CHECK(nils(EdgeCrossing{0, {}, 1, -0.1, 0.5}, 40) == Approx(8.0));
  REQUIRE_THROWS_WITH(nils(CdResult{}, 40), Contains("cd.status"));
}

TEST_CASE("MEEF from two mask biases", "[metrology][meef]") {
  // 4x reticle: mask CDs 400 and 416 nm are 100 and 104 nm at wafer scale; the wafer CD moves by
  // 10 nm, so MEEF = 10 / 4 = 2.5. A linear transfer (1 nm per wafer-scale nm) gives 1.
  CHECK(meef({400, 90}, {416, 100}, 4) == Approx(2.5));
  CHECK(meef({416, 100}, {400, 90}, 4) == Approx(2.5));
  CHECK(meef({100, 98}, {104, 102}, 1) == Approx(1.0));
  CHECK(meef({100, 98}, {104, 97}, 1) == Approx(-0.25));
  REQUIRE_THROWS_AS(meef({400, 90}, {400, 100}, 4), invalid_argument);
  REQUIRE_THROWS_WITH(meef({400, 90}, {400, 100}, 4),
                      Contains("b.mask_cd_nm") && Contains("different from a.mask_cd_nm"));
  REQUIRE_THROWS_WITH(meef({400, 90}, {416, 100}, 0), Contains("magnification"));
  REQUIRE_THROWS_WITH(meef({400, NAN}, {416, 100}, 4), Contains("a.wafer_cd_nm"));
}
