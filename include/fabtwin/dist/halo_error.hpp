#pragma once
// The error a halo leaves, measured: one tile computed over its own window and over a window with
// a wider halo (one that covers the chain's range, or any wider one), compared in the core. With
// halos that cover the range the two agree to the FFTs' rounding; a halo too small shows its error
// here, on the tile chosen (the run reports it for the tile at the window's centre, or the
// densest, as the caller picks).

#include <algorithm>
#include <cmath>
#include <span>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"

namespace fabtwin::dist {

/// The largest |difference| over `tile`'s core (every output member) between the tile computed
/// with `plan`'s halo and with a halo of `reference_halo_px`.
template <class T, class Space, class MakeModel>
double halo_error(Context<Space>& ctx, const TilePlan& plan, const Tile& tile,
                  index_t reference_halo_px, MakeModel&& make_model, const TileSource<T>& source) {
  require(reference_halo_px > plan.min_halo_px(), "dist::halo_error", "reference_halo_px",
          reference_halo_px, [&] {
            return "a halo wider than the plan's narrowest, " + std::to_string(plan.min_halo_px()) +
                   " pixels";
          });
  Context<Space>* const contexts[] = {&ctx};
  const index_t which[] = {tile.index};
  const Field<T, Host> tiled = run_tiles<T>(std::span<Context<Space>* const>(contexts), plan,
                                            make_model, source, std::span<const index_t>(which));
  // The core alone as a window, cut as one tile with the reference halo.
  const TilePlan wide(plan.grid(tile.core), std::max(tile.core.nx, tile.core.ny),
                      reference_halo_px);
  const Field<T, Host> reference =
      run_tiles<T>(std::span<Context<Space>* const>(contexts), wide, make_model, source);
  double largest = 0;
  const index_t nx = plan.window().nx(), ny = plan.window().ny();
  for (index_t b = 0; b < reference.batch(); ++b)
    for (index_t j = 0; j < tile.core.ny; ++j)
      for (index_t i = 0; i < tile.core.nx; ++i) {
        const double a = tiled.data()[b * nx * ny + (tile.core.y0 + j) * nx + tile.core.x0 + i];
        const double r = reference.data()[(b * tile.core.ny + j) * tile.core.nx + i];
        largest = std::max(largest, std::fabs(a - r));
      }
  return largest;
}

}  // namespace fabtwin::dist
