#pragma once
// Rasterisation of a PolygonSet's region (geometry.hpp: non-zero winding after CCW orientation,
// i.e. the union of the polygons with keyhole holes resolved) onto a 2D Grid, in any Space.
//
// Pixel convention: sample (i, j) sits at Grid::position(i, j) = origin + (i, j) * pitch nm, and its
// pixel is the pitch x pitch square centred on that point. Polygon coordinates are database units
// of set.unit_nm nm.
//
// rasterize_area   : each pixel gets the exact fraction of its square covered by the region, in
//                    [0, 1] (anti-aliased, exact for diagonal and sub-pixel edges and for overlaps).
//                    Zero-area features cover nothing.
// rasterize_binary : 1 where the pixel's centre lies in the closed region (interior, or on any
//                    polygon edge), else 0: the rule of the ICCAD-2013 evaluators, under which a
//                    0..4 nm box covers 5 x 5 pixels of 1 nm. Zero-area features are drawn where a
//                    centre lies on them (centre_runs.hpp).
//
// Both prepare on the host (the trapezoids of trapezoids.hpp bucketed per pixel row, or the runs of
// centre_runs.hpp) and finish with a functor over the output on the Space.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/layout/centre_runs.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/trapezoids.hpp"

namespace fabtwin::layout {
namespace detail {

/// One side of a trapezoid clipped to a pixel row, in pixel units (u = column, pixel k spanning
/// [k, k + 1]): its abscissae span [u_lo, u_hi] uniformly over its height, and `height` (the
/// row's fraction it spans) carries the sign: + for a left side, - for a right side.
struct RasterSide {
  double u_lo, u_hi, height;
};

/// Fraction of the side's height at which its abscissa is below c.
FABTWIN_HD inline double fraction_below(const RasterSide& s, double c) {
  if (s.u_hi <= c) return 1.0;
  if (s.u_lo >= c) return 0.0;
  return (c - s.u_lo) / (s.u_hi - s.u_lo);
}

/// Area of column k (u in [k, k + 1]) right of the side within its height, signed like the height:
/// the part below k counts whole, the part inside the column by its mean distance to k + 1.
FABTWIN_HD inline double area_right_of(const RasterSide& s, double k) {
  const double below_k = fraction_below(s, k), below_k1 = fraction_below(s, k + 1);
  const double lo = s.u_lo > k ? s.u_lo : k, hi = s.u_hi < k + 1 ? s.u_hi : k + 1;
  return s.height * (below_k + (below_k1 - below_k) * (k + 1 - 0.5 * (lo + hi)));
}

/// Coverage of each pixel row: a trapezoid's area in pixel k is (area right of its left side) -
/// (area right of its right side) in that column. Each side adds that area to the columns it crosses
/// and its whole height to every column beyond, so the row is written as differences into a double
/// accumulator and summed left to right (the cell/cover accumulation of scan-line font rasterisers).
template <class T, class Space>
struct AreaCoverageRows {
  View<const RasterSide, Space> sides;
  View<const index_t, Space> offsets;  // sides of row j: [offsets[j], offsets[j + 1])
  View<double, Space> accumulator;     // may be `out` itself when T is double
  View<T, Space> out;

  FABTWIN_HD void operator()(index_t j) const {
    const index_t nx = out.nx();
    double* row = &accumulator(0, j);
    for (index_t k = 0; k < nx; ++k) row[k] = 0.0;
    for (index_t s = offsets[j]; s < offsets[j + 1]; ++s) deposit(sides[s], row, nx);
    double coverage = 0.0;
    for (index_t k = 0; k < nx; ++k) {
      coverage += row[k];
      // Exactly in [0, 1]; the clamp only removes rounding (a union never covers more than once).
      out(k, j) = T(coverage < 0.0 ? 0.0 : (coverage > 1.0 ? 1.0 : coverage));
    }
  }

  FABTWIN_HD static void deposit(const RasterSide& s, double* row, index_t nx) {
    if (s.u_hi <= 0.0) {  // left of every column: its whole height everywhere
      row[0] += s.height;
      return;
    }
    if (s.u_lo >= double(nx)) return;  // right of every column
    const index_t first = s.u_lo > 0.0 ? index_t(s.u_lo) : 0;
    const index_t last = s.u_hi < double(nx) ? index_t(s.u_hi) : nx - 1;
    double previous = 0.0;
    for (index_t k = first; k <= last; ++k) {
      const double area = area_right_of(s, double(k));
      row[k] += area - previous;
      previous = area;
    }
    if (last + 1 < nx) row[last + 1] += s.height - previous;
  }
};

/// 1 where pixel (i, j) is in one of row j's runs (sorted, disjoint), else 0.
template <class T, class Space>
struct CentreCoverage {
  View<const PixelRun, Space> runs;
  View<const index_t, Space> offsets;
  View<T, Space> out;

  FABTWIN_HD void operator()(index_t i, index_t j) const {
    index_t lo = offsets[j], hi = offsets[j + 1];
    const index_t first = lo;
    while (lo < hi) {  // first run beginning after i
      const index_t middle = lo + (hi - lo) / 2;
      if (runs[middle].begin <= i)
        lo = middle + 1;
      else
        hi = middle;
    }
    out(i, j) = T(lo > first && i < runs[lo - 1].end ? 1 : 0);
  }
};

/// `values` in a Field of Space (at least one element, so that an empty list still has storage).
template <class Space, class U>
Field<U, Space> upload(const std::vector<U>& values) {
  Field<U, Space> field(Grid(values.empty() ? 1 : static_cast<index_t>(values.size()), 1, 1.0));
  ::fabtwin::detail::copy_bytes<Space, Host>(field.data(), values.data(),
                                             sizeof(U) * values.size());
  return field;
}

template <class T, class Space>
void require_raster_target(const View<T, Space>& out, const Grid& grid, std::string_view where) {
  require(grid.rank() == 2, where, "grid", grid, "a 2D grid (rank 2)");
  if (out.nx() != grid.nx() || out.ny() != grid.ny() || out.nz() != 1 || out.batch() != 1)
    throw shape_mismatch(argument_message(where, "out", ::fabtwin::detail::describe_extents(out),
                                          "one 2D image of the grid's " +
                                              std::to_string(grid.nx()) + "x" +
                                              std::to_string(grid.ny()) + " samples"));
}

/// The rows' clipped trapezoid sides in pixel units, bucketed by row (CSR).
struct RowSides {
  std::vector<index_t> offsets;
  std::vector<RasterSide> sides;
};

inline RowSides bucket_by_row(const std::vector<Trapezoid>& traps, const Grid& grid,
                              double unit_nm) {
  const double nx = double(grid.nx()), ny = double(grid.ny());
  const auto u = [&](double x) { return (x * unit_nm - grid.origin().x) / grid.pitch().x + 0.5; };
  const auto v = [&](double y) { return (y * unit_nm - grid.origin().y) / grid.pitch().y + 0.5; };
  RowSides result;
  result.offsets.assign(static_cast<std::size_t>(grid.ny()) + 1, 0);

  // Calls f(row, side) for the sides of every piece of a trapezoid inside a row of the grid.
  const auto for_each_piece = [&](auto&& f) {
    for (const Trapezoid& t : traps) {
      const double v0 = v(t.y0), v1 = v(t.y1);
      const double ul0 = u(t.x_left0), ul1 = u(t.x_left1), ur0 = u(t.x_right0), ur1 = u(t.x_right1);
      // Wholly left of the grid a trapezoid adds its height then takes it back: nothing.
      if (v1 <= 0 || v0 >= ny || std::max(ur0, ur1) <= 0 || std::min(ul0, ul1) >= nx) continue;
      const index_t row_begin = v0 > 0 ? index_t(v0) : 0;
      const index_t row_end = v1 < ny ? index_t(std::ceil(v1)) : grid.ny();
      for (index_t j = row_begin; j < row_end; ++j) {
        const double va = std::max(v0, double(j)), vb = std::min(v1, double(j + 1));
        if (!(vb > va)) continue;
        const double sa = (va - v0) / (v1 - v0), sb = (vb - v0) / (v1 - v0);
        const double la = ul0 + sa * (ul1 - ul0), lb = ul0 + sb * (ul1 - ul0);
        const double ra = ur0 + sa * (ur1 - ur0), rb = ur0 + sb * (ur1 - ur0);
        f(j, RasterSide{std::min(la, lb), std::max(la, lb), vb - va});
        f(j, RasterSide{std::min(ra, rb), std::max(ra, rb), va - vb});
      }
    }
  };
  for_each_piece([&](index_t j, const RasterSide&) { ++result.offsets[j + 1]; });
  for (std::size_t j = 1; j < result.offsets.size(); ++j)
    result.offsets[j] += result.offsets[j - 1];
  result.sides.resize(static_cast<std::size_t>(result.offsets.back()));
  std::vector<index_t> fill(result.offsets.begin(), result.offsets.end() - 1);
  for_each_piece([&](index_t j, const RasterSide& side) { result.sides[fill[j]++] = side; });
  return result;
}

}  // namespace detail

/// Writes into `out` (an image of `grid`) the exact fraction of each pixel covered by the region of
/// `set`. Throws invalid_argument for a grid that is not 2D or an invalid set (unit, rings of fewer
/// than 3 points, coordinates out of range), shape_mismatch when `out` does not match `grid`. An
/// empty set gives zeros.
template <class T, class Space>
void rasterize_area(Context<Space>& ctx, const PolygonSet& set, View<T, Space> out,
                    const Grid& grid) {
  static_assert(std::is_floating_point_v<T>,
                "rasterize_area writes coverage fractions: T must be float or double");
  detail::require_raster_target(out, grid, "rasterize_area");
  const detail::RowSides rows =
      detail::bucket_by_row(detail::region_trapezoids(set, "rasterize_area"), grid, set.unit_nm);
  const Field<detail::RasterSide, Space> sides = detail::upload<Space>(rows.sides);
  const Field<index_t, Space> offsets = detail::upload<Space>(rows.offsets);
  // Rows are summed in double whatever T is: in float the rounding of every difference would carry
  // into all the pixels right of it.
  std::optional<ScratchBlock<Space>> block;
  View<double, Space> accumulator;
  if constexpr (std::is_same_v<T, double>) {
    accumulator = out;
  } else {
    block.emplace(ctx.scratch().acquire(sizeof(double) * static_cast<std::size_t>(grid.size())));
    accumulator = block->template view<double>(grid.nx(), grid.ny());
  }
  for_each(ctx, Range1{grid.ny()},
           detail::AreaCoverageRows<T, Space>{sides.view(), offsets.view(), accumulator, out});
  ctx.synchronize();  // the uploads and the scratch block are let go when this function returns
}

/// A new field of `grid` holding rasterize_area of `set`.
template <class T, class Space>
Field<T, Space> rasterize_area(Context<Space>& ctx, const PolygonSet& set, const Grid& grid) {
  require(grid.rank() == 2, "rasterize_area", "grid", grid, "a 2D grid (rank 2)");
  Field<T, Space> out(grid);
  rasterize_area(ctx, set, out.view(), grid);
  return out;
}

/// Writes into `out` (an image of `grid`) 1 where the pixel centre lies in the closed region of
/// `set` (interior or on any polygon edge), else 0. Errors as rasterize_area.
template <class T, class Space>
void rasterize_binary(Context<Space>& ctx, const PolygonSet& set, View<T, Space> out,
                      const Grid& grid) {
  static_assert(std::is_arithmetic_v<T>, "rasterize_binary writes 0 and 1: T must be arithmetic");
  detail::require_raster_target(out, grid, "rasterize_binary");
  const detail::CentreRuns rows = detail::centre_runs(set, grid, "rasterize_binary");
  const Field<detail::PixelRun, Space> runs = detail::upload<Space>(rows.runs);
  const Field<index_t, Space> offsets = detail::upload<Space>(rows.offsets);
  for_each(ctx, Range2{grid.nx(), grid.ny()},
           detail::CentreCoverage<T, Space>{runs.view(), offsets.view(), out});
  ctx.synchronize();  // the uploaded runs are freed when this function returns
}

/// A new field of `grid` holding rasterize_binary of `set`.
template <class T, class Space>
Field<T, Space> rasterize_binary(Context<Space>& ctx, const PolygonSet& set, const Grid& grid) {
  require(grid.rank() == 2, "rasterize_binary", "grid", grid, "a 2D grid (rank 2)");
  Field<T, Space> out(grid);
  rasterize_binary(ctx, set, out.view(), grid);
  return out;
}

}  // namespace fabtwin::layout
