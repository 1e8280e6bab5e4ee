#pragma once
// Host preprocessing of the binary "pixel centre in the closed region" rule (rasterize_binary in
// rasterize.hpp): for each pixel row, the runs of pixels whose centre lies in the region of a
// PolygonSet or on any edge of its polygons. The device side only looks pixels up in these runs.
//
// Exactness: sample positions are taken in fixed point, 2^-20 of a database unit, so every grid
// whose origin and pitch are multiples of that in database units (integral grids, binary
// fractions, and decimal ones such as a 0.3 nm pitch on 0.1 nm units once their quotient is rounded)
// is decided exactly; any other grid moves each sample by under 2^-21 units before the test. All
// tests are then integer: a sample is compared with an edge by the sign of a 2x2 determinant of
// coordinate differences below 2^53, evaluated in 128 bits. The ICCAD-2013 grids (1 nm pixels on
// 1 nm units) are integral.
//
// Zero-area features (collinear rings, slivers traced out and back) have no interior, but a pixel
// whose centre lies on one of their edges is set, as the evaluators' per-polygon "inside or on the
// boundary" test sets it.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fabtwin/core/grid.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/scan_edges.hpp"

namespace fabtwin::layout::detail {

/// Fraction bits of the fixed-point sample positions (see the header comment).
inline constexpr int centre_fraction_bits = 20;

/// Pixels [begin, end) of one row.
struct PixelRun {
  index_t begin, end;
};

/// Per row j, runs[offsets[j] .. offsets[j + 1]) sorted and disjoint.
struct CentreRuns {
  std::vector<index_t> offsets;
  std::vector<PixelRun> runs;
};

/// Fixed-point database-unit coordinate of (origin + i * pitch) nm. Clamped to +-2^52: polygons stay
/// within +-2^51 in this scale, so a clamped sample is outside all of them either way, and every
/// coordinate difference stays below 2^53.
inline std::int64_t fixed_sample(double origin_nm, double pitch_nm, index_t i, double unit_nm) {
  constexpr double limit = 0x1p52;
  const double v = std::ldexp((origin_nm + double(i) * pitch_nm) / unit_nm, centre_fraction_bits);
  return std::llround(v < -limit ? -limit : (v > limit ? limit : v));
}

/// Sign of the cross product (upper - lower) x (p - lower) with p = (x, y): positive when p is left
/// of the edge directed upwards.
inline int side_of(const ScanEdge& e, std::int64_t x, std::int64_t y) {
  const auto cross = __int128(e.upper.x - e.lower.x) * (y - e.lower.y) -
                     __int128(e.upper.y - e.lower.y) * (x - e.lower.x);
  return (cross > 0) - (cross < 0);
}

inline CentreRuns centre_runs(const PolygonSet& set, const Grid& grid, std::string_view where) {
  std::vector<ScanEdge> edges = scan_edges(set, where);
  for (ScanEdge& e : edges)
    for (Point* p : {&e.lower, &e.upper})
      p->x = p->x * (coord_t(1) << centre_fraction_bits),
      p->y = p->y * (coord_t(1) << centre_fraction_bits);
  std::sort(edges.begin(), edges.end(),
            [](const ScanEdge& a, const ScanEdge& b) { return a.lower.y < b.lower.y; });

  const index_t nx = grid.nx(), ny = grid.ny();
  // Non-decreasing in i: every step of the computation is monotonic.
  std::vector<std::int64_t> xs(static_cast<std::size_t>(nx));
  for (index_t i = 0; i < nx; ++i)
    xs[i] = fixed_sample(grid.origin().x, grid.pitch().x, i, set.unit_nm);

  CentreRuns result;
  result.offsets.reserve(static_cast<std::size_t>(ny) + 1);
  result.offsets.push_back(0);
  std::vector<std::size_t> active;
  std::size_t next_edge = 0;
  struct Event {
    index_t at;
    int winding, boundary;
  };
  std::vector<Event> events;
  for (index_t j = 0; j < ny; ++j) {
    const std::int64_t y = fixed_sample(grid.origin().y, grid.pitch().y, j, set.unit_nm);
    std::erase_if(active, [&](std::size_t e) { return edges[e].upper.y < y; });
    while (next_edge < edges.size() && edges[next_edge].lower.y <= y) {
      if (edges[next_edge].upper.y >= y) active.push_back(next_edge);
      ++next_edge;
    }

    events.clear();
    for (std::size_t k : active) {
      const ScanEdge& e = edges[k];
      if (e.direction == 0) {  // horizontal, at this row's height: only its points count
        const auto begin = std::lower_bound(xs.begin(), xs.end(), e.lower.x) - xs.begin();
        const auto end = std::upper_bound(xs.begin(), xs.end(), e.upper.x) - xs.begin();
        events.push_back({begin, 0, +1});
        events.push_back({end, 0, -1});
        continue;
      }
      // side_of falls as x grows: samples left of the crossing, then on it, then right of it.
      const index_t on =
          std::partition_point(xs.begin(), xs.end(),
                               [&](std::int64_t x) { return side_of(e, x, y) > 0; }) -
          xs.begin();
      const index_t right =
          std::partition_point(xs.begin() + on, xs.end(),
                               [&](std::int64_t x) { return side_of(e, x, y) == 0; }) -
          xs.begin();
      events.push_back({on, 0, +1});
      events.push_back({right, 0, -1});
      // The edge is on the ray to the right of the samples left of it; half-open in y (lower end
      // in, upper end out) so that a vertex shared by two edges is counted once.
      if (y < e.upper.y) {
        events.push_back({0, e.direction, 0});
        events.push_back({on, -e.direction, 0});
      }
    }

    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.at < b.at; });
    int winding = 0, boundary = 0;
    bool open = false;
    for (std::size_t k = 0; k < events.size();) {
      const index_t at = events[k].at;
      for (; k < events.size() && events[k].at == at; ++k)
        winding += events[k].winding, boundary += events[k].boundary;
      const bool inside = winding != 0 || boundary > 0;
      if (inside && !open && at < nx) result.runs.push_back({at, nx}), open = true;
      if (!inside && open) result.runs.back().end = at, open = false;
    }
    result.offsets.push_back(static_cast<index_t>(result.runs.size()));
  }
  return result;
}

}  // namespace fabtwin::layout::detail
