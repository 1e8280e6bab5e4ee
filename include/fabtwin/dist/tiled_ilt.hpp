#pragma once
// Inverse lithography over tiles: each tile's core optimised by twin::pixel_ilt with its halo held
// at the neighbours' masks, passes repeated until the seams agree (block Jacobi domain
// decomposition, as full-chip ILT farms run it).
//
// Why passes. A tile's print in its core depends on the mask in its halo, which belongs to the
// neighbouring tiles' cores. Optimised alone, a tile assumes a halo that its neighbours then
// change, and where the cores are stitched the print differs from what each tile optimised for:
// the seam error. Pass k optimises every core with the halo held at the stitched mask of pass
// k - 1 (the target itself before the first pass, and outside the window), so the mask each tile
// assumed differs from the final one only by what its neighbours changed in pass k; that change
// shrinks from pass to pass, and so does the seam error.
//
// Each tile's objective is the squared error of its core's print only (a probe term over the core
// pixels, twin::ProbeTerm): the halo's print is its neighbour's business. The halo's mask enters
// through a FrozenHalo stage ahead of the chain, out = w m + (1 - w) m_fixed with w = 1 on the core,
// so the optimiser's gradient vanishes on the halo and its values stay put.
//
// Overlap (restricted additive Schwarz). With `overlap_px` > 0 each tile optimises, and scores,
// its core grown by that many pixels into its halo, and stitches only its core. Once the overlap
// reaches the chain's range, a core's print depends on no frozen pixel, only on values that the
// neighbours optimise for nearly the same objective, and the seams nearly vanish: on a gcd_45nm
// window in 4 tiles (tests/dist/test_tiling.cpp) the first pass left 0.79 without overlap and
// 4.5e-4 with it, at a tile window wider by twice the overlap (240 against 144 pixels a side).
//
// Measured by tiled_ilt after every pass: the seam error, max over the window of |print of the
// stitched mask - print each tile predicted for its core|, and the stitched print's squared error
// against the target.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::dist {

namespace detail {

/// out = w m + (1 - w) fixed.
template <class T, class Space>
struct BlendMask {
  View<const T, Space> m, weight, fixed;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const {
    out[i] = weight[i] * m[i] + (T(1) - weight[i]) * fixed[i];
  }
};

/// out = w g.
template <class T, class Space>
struct WeighCotangent {
  View<const T, Space> g, weight;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const { out[i] = weight[i] * g[i]; }
};

}  // namespace detail

/// The stage that holds a mask fixed where `weight` is 0 (see the header comment): affine in m,
/// its backward the transpose of the linear part, w g.
template <class T, class Space>
class FrozenHalo {
 public:
  using value_type = T;
  using space = Space;

  FrozenHalo(Field<T, Space> weight, Field<T, Space> fixed)
      : weight_(std::move(weight)), fixed_(std::move(fixed)) {
    require_same_shape(weight_.grid(), fixed_.grid(), "dist::FrozenHalo", "fixed.grid");
  }

  Grid input_grid() const { return weight_.grid(); }
  Grid output_grid() const { return weight_.grid(); }
  index_t output_batch(index_t batch) const { return batch; }
  double interaction_range_nm(double) const { return 0; }
  std::vector<twin::Parameter> parameters() { return {}; }
  void zero_gradient() {}

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& m) {
    constexpr const char* where = "dist::FrozenHalo::forward";
    twin::detail::require_input(m, weight_.grid(), where, "m");
    require<shape_mismatch>(m.batch() == 1, where, "m.batch()", m.batch(), "one mask");
    input_ = &m;
    Field<T, Space>& out = twin::detail::reuse(output_, weight_.grid(), 1);
    for_each(ctx, Range1{m.size()},
             detail::BlendMask<T, Space>{m.cview(), weight_.cview(), fixed_.cview(), out.view()});
    return out;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& g) {
    twin::detail::require_cotangent(input_, output_, g, "dist::FrozenHalo::backward");
    Field<T, Space>& out = twin::detail::reuse(grad_input_, weight_.grid(), 1);
    for_each(ctx, Range1{g.size()},
             detail::WeighCotangent<T, Space>{g.cview(), weight_.cview(), out.view()});
    return out;
  }

 private:
  Field<T, Space> weight_, fixed_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> output_, grad_input_;
};

struct TiledIltOptions {
  int passes = 3;
  /// Pixels by which each tile's optimised region reaches past its core into its halo (clipped to
  /// the window): optimised and scored with the core, but only the core is stitched. Give the plan
  /// a halo of the chain's range plus this overlap.
  index_t overlap_px = 0;
  /// Per tile and pass. Its condition weights and probe term are set by tiled_ilt (the core's
  /// squared error); its iterations, steps, steepness and progress are the caller's.
  twin::PixelIltOptions ilt;
};

struct TiledIltPass {
  double seam_error = 0;  ///< max |stitched print - each tile's predicted core print|
  double error = 0;       ///< sum over the window of (stitched print - target)^2
  double seconds = 0;
};

template <class T>
struct TiledIltResult {
  Field<T, Host> values;  ///< the free values p over the window (mask = sigmoid(a p))
  std::vector<TiledIltPass> passes;
};

namespace detail {
/// `box` grown by `by` pixels on each side, clipped to [0, nx) x [0, ny).
inline PixelBox grown_within(const PixelBox& box, index_t by, index_t nx, index_t ny) {
  const index_t x0 = std::max<index_t>(box.x0 - by, 0), y0 = std::max<index_t>(box.y0 - by, 0);
  const index_t x1 = std::min(box.x0 + box.nx + by, nx), y1 = std::min(box.y0 + box.ny + by, ny);
  return {x0, y0, x1 - x0, y1 - y0};
}
}  // namespace detail

/// ILT over `plan`'s tiles on one context (see the header comment): `make_model(ctx, tile_grid)`
/// gives a stage from mask to print (batch 1, one condition); `target(tile_grid, field)` fills the
/// target over a tile's window (and beyond the window, where the mask stays at the target).
template <class T, class Space, class MakeModel>
TiledIltResult<T> tiled_ilt(Context<Space>& ctx, const TilePlan& plan, MakeModel&& make_model,
                            const TileSource<T>& target, const TiledIltOptions& options) {
  constexpr const char* where = "dist::tiled_ilt";
  require(options.passes >= 1, where, "options.passes", options.passes, "one pass or more");
  require(bool(target), where, "target", "empty", "a function that fills a tile's target");
  require(options.overlap_px >= 0 && options.overlap_px <= plan.halo_px(), where,
          "options.overlap_px", options.overlap_px,
          "zero or more pixels, within the plan's halo of " + std::to_string(plan.halo_px()));
  const double a = options.ilt.mask_steepness;
  const Grid& window = plan.window();
  const index_t nx = window.nx(), ny = window.ny();
  const Grid tile_grid = plan.tile_grid(plan.tiles().front());
  auto made = make_model(ctx, tile_grid);
  auto& model = stage_of(made);

  // p over the window, starting from the target (p = 2 t - 1: a mask near the target); the mask
  // beyond the window is the target's and never changes.
  const auto start_value = [](T t) { return T(2) * t - T(1); };
  TiledIltResult<T> result{Field<T, Host>(window), {}};
  Field<T, Host> window_target(window);
  target(window, window_target);
  for (index_t i = 0; i < window_target.size(); ++i)
    result.values.data()[i] = start_value(window_target.data()[i]);
  const auto sigmoid = [a](T p) { return T(1 / (1 + std::exp(-a * double(p)))); };
  // `mask`, holding the target over a box of the window's pixels, becomes the mask there: from the
  // current values inside the window, from the target beyond it.
  const auto target_to_mask = [&](Field<T, Host>& mask) {
    const Grid& grid = mask.grid();
    const index_t x0 =
        index_t(std::llround((grid.origin().x - window.origin().x) / window.pitch().x));
    const index_t y0 =
        index_t(std::llround((grid.origin().y - window.origin().y) / window.pitch().y));
    for (index_t j = 0; j < grid.ny(); ++j)
      for (index_t i = 0; i < grid.nx(); ++i) {
        const index_t x = x0 + i, y = y0 + j;
        const bool inside = x >= 0 && y >= 0 && x < nx && y < ny;
        const T p =
            inside ? result.values.data()[y * nx + x] : start_value(mask.data()[j * grid.nx() + i]);
        mask.data()[j * grid.nx() + i] = sigmoid(p);
      }
  };

  for (int pass = 0; pass < options.passes; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    Field<T, Host> next(window), predicted(window);
    for (const Tile& tile : plan.tiles()) {
      const Grid grid = plan.tile_grid(tile);
      twin::place_stage(model, grid);
      Field<T, Host> fixed(grid), weight(grid), t(grid), p(grid);
      target(grid, t);
      std::copy_n(t.data(), t.size(), fixed.data());
      target_to_mask(fixed);
      twin::PixelIltOptions ilt = options.ilt;
      ilt.condition_weights = {0.0};
      ilt.probes = {1.0, 0, {}};
      const index_t side = tile.window.nx;
      const PixelBox free = detail::grown_within(tile.core, options.overlap_px, nx, ny);
      for (index_t j = 0; j < side; ++j)
        for (index_t i = 0; i < side; ++i) {
          const index_t x = tile.window.x0 + i, y = tile.window.y0 + j;
          const bool optimised =
              x >= free.x0 && x < free.x0 + free.nx && y >= free.y0 && y < free.y0 + free.ny;
          weight.data()[j * side + i] = optimised ? T(1) : T(0);
          if (optimised) ilt.probes.samples.push_back(j * side + i);
          // p where the mask is held: its logit, so that the whole field reads as one mask.
          const double m = std::min(std::max(double(fixed.data()[j * side + i]), 1e-12), 1 - 1e-12);
          p.data()[j * side + i] = T(std::log(m / (1 - m)) / a);
        }
      FrozenHalo<T, Space> frozen(to<Space>(weight), to<Space>(fixed));
      auto chain = twin::chain(frozen, model);
      Field<T, Space> values = to<Space>(p);
      twin::pixel_ilt(ctx, chain, to<Space>(t), values, ilt);
      // The print this tile expects for its core, with the halo it assumed.
      const Field<T, Host> p_host = to<Host>(values);
      Field<T, Host> m(grid);
      for (index_t i = 0; i < m.size(); ++i) m.data()[i] = sigmoid(p_host.data()[i]);
      const Field<T, Host> print = to<Host>(chain.forward(ctx, to<Space>(m)));
      stitch_core(tile, p_host, next);
      stitch_core(tile, print, predicted);
    }
    result.values = std::move(next);

    // The stitched mask's own print, tile by tile with the plan's halos.
    Context<Space>* const contexts[] = {&ctx};
    const auto source = [&](const Grid& grid, Field<T, Host>& mask) {
      target(grid, mask);
      target_to_mask(mask);
    };
    const Field<T, Host> actual = run_tiles<T>(std::span<Context<Space>* const>(contexts), plan,
                                               make_model, TileSource<T>(source));
    TiledIltPass report;
    for (index_t i = 0; i < actual.size(); ++i) {
      report.seam_error = std::max(
          report.seam_error, std::fabs(double(actual.data()[i]) - double(predicted.data()[i])));
      const double e = double(actual.data()[i]) - double(window_target.data()[i]);
      report.error += e * e;
    }
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.passes.push_back(report);
  }
  return result;
}

}  // namespace fabtwin::dist
