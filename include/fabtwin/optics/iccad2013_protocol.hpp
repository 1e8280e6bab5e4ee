#pragma once
// The imaging half of the ICCAD-2013 mask-optimisation evaluation (physics.md §1), on any Space;
// metrology::score_iccad2013 (in the metrology layer, above this one) scores the prints.
//
// A mask is imaged under three process corners with the contest's SOCS kernels (kernel set 0 the
// focus set M1OPC, kernel set 1 the defocus set M1OPC_def, both read by iccad2013_kernels.hpp in
// its contest layout, as the contest and the published figures read them):
//   nominal: dose 1.00, focus set;  outer: dose 1.02, focus set;  inner: dose 0.98, defocus set,
// the dose multiplying the mask AMPLITUDE (the contest's convention: intensities scale as dose^2).
// The canvas is 2048 x 2048 pixels of 1 nm; a clip is placed at (+512, +512)
// (layout::place_on_iccad2013_canvas). The mask is imaged as given: the contest scores binary
// masks, so a relaxed (continuous) ILT mask is to be binarised by the caller first.

#include <array>
#include <span>
#include <string>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/condition.hpp"

namespace fabtwin::optics {

/// The contest's canvas: 2048 x 2048 pixels of 1 nm, pixel (i, j) at the point (i, j) nm.
inline Grid iccad2013_grid() {
  return Grid(layout::iccad2013_canvas_size, layout::iccad2013_canvas_size, 1.0);
}

/// The three corners, in the order nominal, outer, inner (focus 0 = focus set, 1 = defocus set).
inline std::array<Condition, 3> iccad2013_conditions() {
  return {Condition{1.00, 0}, Condition{1.02, 0}, Condition{0.98, 1}};
}

/// The intensities of `mask` (a pattern in [0, 1], 1 clear, on the imager's grid) under the three
/// corners, in iccad2013_conditions()' order (batch 3), imaged in one call on the default
/// (band-limited) path: `imager` holds the focus kernels as set 0 and the defocus kernels as set 1.
template <class T, class Space>
Field<T, Space> image_iccad2013(Context<Space>& ctx, SocsImager<T, Space>& imager,
                                const Field<T, Space>& mask) {
  constexpr const char* where = "optics::image_iccad2013";
  require(imager.kernel_sets().size() >= 2, where, "imager.kernel_sets().size()",
          imager.kernel_sets().size(), "2: the focus set (0) and the defocus set (1)");
  require<shape_mismatch>(
      mask.grid().same_shape(imager.grid()) && mask.batch() == 1, where, "mask",
      [&] { return ::fabtwin::describe(mask.grid()) + " batch " + std::to_string(mask.batch()); },
      [&] { return "one image of the imager's grid, " + ::fabtwin::describe(imager.grid()); });
  const std::array<Condition, 3> corners = iccad2013_conditions();
  return imager.image(ctx, mask, std::span<const Condition>(corners));
}

}  // namespace fabtwin::optics
