#pragma once
// Boxes and paths as polygons.
//
// A path is a centre line with a width and an end style (GDSII PATHTYPE: 0 flush, 1 round,
// 2 extended by half the width, 4 extended by BGNEXTN/ENDEXTN). Because a region is the union of its
// polygons (geometry.hpp), a path becomes one rectangle per segment, a miter piece at each bend and,
// for round ends, a disc polygon at each end, all counter-clockwise and overlapping; that is simpler
// than tracing one outline and gives the same region.
//
// Rounding: corners lie at centre points offset by half the width along a unit normal. For
// Manhattan segments with an even width they are integers and nothing is rounded; otherwise (odd
// widths, 45° and other directions, miter points, disc vertices) each corner is rounded to the
// nearest database unit, halves away from zero. Corners shared by neighbouring pieces are computed
// by the same expression, so the pieces still meet exactly.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout {

/// The polygon of a closed box, counter-clockwise from (x0, y0).
inline Polygon box_polygon(const Box& box) {
  require(!box.empty(), "layout::box_polygon", "box", box, "a non-empty box");
  return Polygon{{{box.x0, box.y0}, {box.x1, box.y0}, {box.x1, box.y1}, {box.x0, box.y1}}};
}

/// GDSII PATHTYPE values.
enum class PathEnd : int { flush = 0, round = 1, half_width = 2, custom = 4 };

struct Path {
  std::vector<Point> points;  // centre line, at least two distinct points
  coord_t width = 0;          // full width, > 0 (path_polygons refuses 0: see there)
  PathEnd end = PathEnd::flush;
  coord_t begin_extension = 0, end_extension = 0;  // PathEnd::custom only (BGNEXTN, ENDEXTN)
};

/// Number of vertices of the disc drawn at a round end: the inscribed 64-gon stays within
/// r·(1 − cos(π/64)) ≈ 0.0012·r of the true circle (before rounding vertices to the unit grid).
inline constexpr int default_round_segments = 64;

namespace detail {

/// Bends up to this much (135°, the sharpest bend of a 45° path) get a miter; sharper ones a
/// bevel, since a miter's spike grows without bound as the bend approaches 180°.
inline constexpr double min_miter_cosine = -0.70710678118654757 - 1e-12;

struct PathBuilder {
  std::vector<Polygon> polygons;

  Point corner(double x, double y) const {
    const double limit = double(max_coordinate) + 0.5;
    if (!(std::fabs(x) < limit && std::fabs(y) < limit)) {
      std::ostringstream value;
      value << '(' << x << ", " << y << ')';
      throw invalid_argument(argument_message("layout::path_polygons", "path", value.str(),
                                              "an outline within ±max_coordinate (2^31 - 1)"));
    }
    return Point{coord_t(std::round(x)), coord_t(std::round(y))};
  }
  // p + h·u, the single expression every shared corner goes through.
  Point offset(const Point& p, double ux, double uy, double h) const {
    return corner(double(p.x) + h * ux, double(p.y) + h * uy);
  }
  void add(Polygon polygon) {
    if (twice_signed_area(polygon) < 0) std::reverse(polygon.points.begin(), polygon.points.end());
    polygons.push_back(std::move(polygon));
  }
};

}  // namespace detail

/// Polygons whose union is the path's region (see the file comment for joins and rounding).
/// A zero width is refused: such a path has no region, so returning no polygons would drop it
/// without a word, and a zero-area polygon along it would be drawn by rasterize_binary
/// (geometry.hpp) though the area raster ignores it.
inline std::vector<Polygon> path_polygons(const Path& path,
                                          int round_segments = default_round_segments) {
  constexpr std::string_view where = "layout::path_polygons";
  require(path.width > 0 && path.width <= 2 * max_coordinate, where, "path.width", path.width,
          "a width in [1, 2^32 - 2] (a path of zero width encloses no area)");
  require(round_segments >= 8 && round_segments % 4 == 0, where, "round_segments", round_segments,
          "a multiple of 4, at least 8");
  const int end = int(path.end);
  require(end == 0 || end == 1 || end == 2 || end == 4, where, "path.end", end,
          "a GDSII path type 0, 1, 2 or 4");
  for (const coord_t e : {path.begin_extension, path.end_extension})
    require(e >= -max_coordinate && e <= max_coordinate, where, "extension", e,
            "an extension within ±max_coordinate");
  Polygon line{path.points};
  require_coordinates_in_range(line, where);
  // Repeated points add zero-length segments, which have no direction: drop them.
  std::vector<Point> p;
  for (const Point& q : path.points)
    if (p.empty() || !(p.back() == q)) p.push_back(q);
  require(p.size() >= 2, where, "path.points", path.points.size(), "at least two distinct points");
  detail::PathBuilder out;
  const double h = double(path.width) / 2;
  const std::size_t m = p.size() - 1;  // segments
  std::vector<double> dx(m), dy(m), length(m);
  for (std::size_t i = 0; i < m; ++i) {
    const double ex = double(p[i + 1].x - p[i].x), ey = double(p[i + 1].y - p[i].y);
    length[i] = std::hypot(ex, ey);
    dx[i] = ex / length[i];
    dy[i] = ey / length[i];
  }
  double begin = 0, finish = 0;  // how far the outline extends beyond the first and last points
  if (path.end == PathEnd::half_width) begin = finish = h;
  if (path.end == PathEnd::custom) {
    begin = double(path.begin_extension);
    finish = double(path.end_extension);
    // A negative extension shortens the end segment; past its other end the outline would turn
    // inside out.
    require(
        -begin <= length[0] && -finish <= length[m - 1], where, "extensions",
        [&] {
          return std::to_string(path.begin_extension) + ", " + std::to_string(path.end_extension);
        },
        "negative extensions no longer than the end segments");
  }
  for (std::size_t i = 0; i < m; ++i) {
    // Left normal (-dy, dx). The extended ends are centre points moved along the segment.
    const double nx = -dy[i], ny = dx[i];
    const double s = i == 0 ? begin : 0, f = i + 1 == m ? finish : 0;
    const double sx = double(p[i].x) - s * dx[i], sy = double(p[i].y) - s * dy[i];
    const double fx = double(p[i + 1].x) + f * dx[i], fy = double(p[i + 1].y) + f * dy[i];
    // With no extension sx == p[i].x exactly, so these equal the join pieces' offset() corners.
    out.add(Polygon{{out.corner(sx - h * nx, sy - h * ny), out.corner(fx - h * nx, fy - h * ny),
                     out.corner(fx + h * nx, fy + h * ny), out.corner(sx + h * nx, sy + h * ny)}});
  }
  for (std::size_t i = 1; i < m; ++i) {
    const Point& v = p[i];
    const auto cross = __int128(p[i].x - p[i - 1].x) * (p[i + 1].y - p[i].y) -
                       __int128(p[i].y - p[i - 1].y) * (p[i + 1].x - p[i].x);
    if (cross == 0) continue;  // straight on (nothing to fill) or a reversal (the bevel is empty)
    // The gap opens on the outer side: the right of a left turn, the left of a right turn.
    const double sign = cross > 0 ? -1.0 : 1.0;
    const double o1x = sign * -dy[i - 1], o1y = sign * dx[i - 1];
    const double o2x = sign * -dy[i], o2y = sign * dx[i];
    const double cosine = dx[i - 1] * dx[i] + dy[i - 1] * dy[i];
    if (cosine >= detail::min_miter_cosine) {
      // The miter point v + h (o1 + o2) / (1 + o1·o2) lies on both offset lines.
      const double scale = h / (1 + o1x * o2x + o1y * o2y);
      out.add(
          Polygon{{v, out.offset(v, o1x, o1y, h),
                   out.corner(double(v.x) + scale * (o1x + o2x), double(v.y) + scale * (o1y + o2y)),
                   out.offset(v, o2x, o2y, h)}});
    } else {
      out.add(Polygon{{v, out.offset(v, o1x, o1y, h), out.offset(v, o2x, o2y, h)}});
    }
  }
  if (path.end == PathEnd::round) {
    // Disc vertices at angles 2πk/N from the segment direction, so that vertices N/4 and 3N/4 are
    // exactly the rectangle's end corners.
    auto disc = [&](const Point& c, double ux, double uy) {
      Polygon ring;
      for (int k = 0; k < round_segments; ++k) {
        double cs = 0, sn = 0;
        if (k % (round_segments / 4) == 0) {
          static constexpr double cosines[4] = {1, 0, -1, 0}, sines[4] = {0, 1, 0, -1};
          cs = cosines[k / (round_segments / 4)];
          sn = sines[k / (round_segments / 4)];
        } else {
          const double a = 2 * 3.14159265358979323846 * k / round_segments;
          cs = std::cos(a);
          sn = std::sin(a);
        }
        ring.points.push_back(out.offset(c, cs * ux - sn * uy, sn * ux + cs * uy, h));
      }
      out.add(std::move(ring));
    };
    disc(p[0], dx[0], dy[0]);
    disc(p[m], dx[m - 1], dy[m - 1]);
  }
  return std::move(out.polygons);
}

}  // namespace fabtwin::layout
