#pragma once
// The scoring half of the ICCAD-2013 mask-optimisation evaluation (physics.md §1), on any Space:
// the prints of the three corners that optics/iccad2013_protocol.hpp images, counted.
//
// A pixel prints where I >= 0.225. Scores:
//   l2         pixels where the nominal print differs from the target,
//   pvb        pixels where the outer and inner prints differ (the process-variation band),
//   pvb_outer_not_inner  pixels where the outer corner prints and the inner does not (the
//              contest simulator's and curvyILT's one-sided band; see below),
//   epe        EPE violations of the nominal print: the target edges probed every 40 nm, 15 nm
//              inside and outside (epe.hpp, failed inner plus failed outer probes),
//   target_px  pixels of the target, nominal_px pixels of the nominal print.
// The clip is placed on the canvas (layout::place_on_iccad2013_canvas) and rasterised with the
// centre rule (layout::rasterize_binary), so that `target` and `target_polygons` describe the same
// shapes.
// This is the public evaluators' model (OpenILT, Neural-ILT), with which the published figures were
// computed. The contest's own simulator (IBM lithosim) differs in two details: its mask amplitude is pixel * 0.9771 + 0.0229 + i (pixel * 0.0217 - 0.0217) (clear 1,
// dark 0.0229 - 0.0217i, an attenuated background; myMaskFloat), where the public ports image a
// 0/1 mask (fabtwin follows the public ports); and its PV band counts pixels where the outer corner
// prints and the inner one does not (calculate_pvband_area), where OpenILT counts those where they
// differ (fabtwin reports both: pvb and pvb_outer_not_inner). Both use threshold 0.225
// (>=), the dose on the amplitude, and a forward FFT scaled by 1/N^2.

#include <algorithm>
#include <string>
#include <string_view>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/metrology/epe.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"

namespace fabtwin::metrology {

/// The contest's print threshold on raw intensities.
inline constexpr double iccad2013_print_threshold = 0.225;

/// The contest's EPE rule (EpeRule's defaults) on raw intensities.
inline EpeRule iccad2013_epe_rule() {
  EpeRule rule;
  rule.print_threshold = iccad2013_print_threshold;
  return rule;
}

namespace detail {

/// invalid_argument unless `target_polygons` has a polygon and lies wholly on `grid`'s samples (in
/// nm: [origin, origin + (n - 1) pitch] on each axis): a target partly off the grid is scored on its
/// visible part only, and one wholly off it as a perfect print with every EPE probe failing.
inline void require_target_on_grid(const layout::PolygonSet& target_polygons, const Grid& grid,
                                   std::string_view where) {
  require(!target_polygons.polygons.empty(), where, "target_polygons", "{} (no polygon)",
          "the target's polygons (at least one)");
  const layout::Box box = layout::bounds(target_polygons);
  const double unit = target_polygons.unit_nm;
  const double x0 = double(box.x0) * unit, x1 = double(box.x1) * unit;
  const double y0 = double(box.y0) * unit, y1 = double(box.y1) * unit;
  const Vec3 lo = grid.position(0, 0), hi = grid.position(grid.nx() - 1, grid.ny() - 1);
  // A relative slack for decimal units (0.1 nm units times a coordinate need not be exact).
  const double slack = 1e-9 * std::max(grid.pitch().x, grid.pitch().y);
  if (!(x0 >= lo.x - slack && y0 >= lo.y - slack && x1 <= hi.x + slack && y1 <= hi.y + slack)) {
    const bool overlaps = x1 >= lo.x && x0 <= hi.x && y1 >= lo.y && y0 <= hi.y;
    throw invalid_argument(
        argument_message(where, "target_polygons bounds",
                         ::fabtwin::describe(box) + " units of " + ::fabtwin::describe(unit) +
                             " nm (" + (overlaps ? "partly" : "wholly") + " off the grid)",
                         "polygons inside the grid's samples [" + ::fabtwin::describe(lo.x) + ", " +
                             ::fabtwin::describe(hi.x) + "] x [" + ::fabtwin::describe(lo.y) +
                             ", " + ::fabtwin::describe(hi.y) +
                             "] nm (place a clip with "
                             "layout::place_on_iccad2013_canvas)"));
  }
}

}  // namespace detail

struct Iccad2013Score {
  index_t l2 = 0;                   ///< nominal print != target
  index_t pvb = 0;                  ///< outer print != inner print
  index_t pvb_outer_not_inner = 0;  ///< outer prints, inner does not
  index_t epe = 0;                  ///< EPE violations of the nominal print
  index_t target_px = 0;            ///< target pixels
  index_t nominal_px = 0;           ///< pixels of the nominal print
};

/// The scores of three intensities already computed (`intensities`: batch 3, nominal, outer and
/// inner as optics::iccad2013_conditions() orders them) against the target raster (0/1, printing
/// where >= 0.5) and its polygons, all on `grid`. invalid_argument when the polygons are empty or
/// not wholly on the grid.
template <class T, class Space>
Iccad2013Score score_iccad2013(Context<Space>& ctx, const Field<T, Space>& intensities,
                               const layout::PolygonSet& target_polygons,
                               const Field<T, Space>& target) {
  constexpr const char* where = "metrology::score_iccad2013";
  const Grid& grid = intensities.grid();
  require<shape_mismatch>(
      grid.rank() == 2 && intensities.batch() == 3, where, "intensities",
      [&] { return ::fabtwin::describe(grid) + " batch " + std::to_string(intensities.batch()); },
      "three 2D images: nominal, outer, inner");
  require<shape_mismatch>(
      target.grid().same_shape(grid) && target.batch() == 1, where, "target",
      [&] {
        return ::fabtwin::describe(target.grid()) + " batch " + std::to_string(target.batch());
      },
      [&] { return "one image of the intensities' grid, " + ::fabtwin::describe(grid); });
  detail::require_target_on_grid(target_polygons, grid, where);
  const auto images = intensities.view();
  const auto nominal = images.member(0), outer = images.member(1), inner = images.member(2);
  Iccad2013Score score;
  score.l2 = l2_pixels(ctx, nominal, target.view(), iccad2013_print_threshold, 0.5);
  score.pvb = pv_band_pixels(ctx, outer, inner, iccad2013_print_threshold);
  score.pvb_outer_not_inner =
      pv_band_outer_not_inner_pixels(ctx, outer, inner, iccad2013_print_threshold);
  score.epe = epe_check(ctx, target_polygons, nominal, grid, iccad2013_epe_rule()).violations();
  score.target_px = printed_pixels(ctx, target.view(), 0.5);
  score.nominal_px = printed_pixels(ctx, nominal, iccad2013_print_threshold);
  return score;
}

/// Evaluates `mask` (a pattern in [0, 1], 1 clear, on the imager's grid) with the ICCAD-2013
/// protocol: optics::image_iccad2013 images it (`imager` holds the focus kernels as set 0 and the
/// defocus kernels as set 1), score_iccad2013 scores the prints. `target` is the rasterised clip
/// and `target_polygons` its polygons in the grid's coordinates (nm, already placed on the canvas,
/// and wholly on it: checked before imaging).
template <class T, class Space>
Iccad2013Score evaluate_iccad2013(Context<Space>& ctx, optics::SocsImager<T, Space>& imager,
                                  const layout::PolygonSet& target_polygons,
                                  const Field<T, Space>& target, const Field<T, Space>& mask) {
  detail::require_target_on_grid(target_polygons, imager.grid(), "metrology::evaluate_iccad2013");
  return score_iccad2013(ctx, optics::image_iccad2013(ctx, imager, mask), target_polygons, target);
}

}  // namespace fabtwin::metrology
