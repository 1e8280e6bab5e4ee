#pragma once
// Tiles scheduled over several contexts of one process: one host thread per context, each with
// its own model (a chain built for the tiles' window, reused for every tile it takes), taking the
// next tile from a shared counter. On GPUs a context is a device and a stream; give a device two or
// more contexts and one tile's uploads and downloads run while another's kernels do. On the host
// each context is a group of OpenMP threads (that is how the scheduler is tested here: two
// contexts of one thread each).
//
// What a tile does: `source(tile_grid, input)` fills the host field of the tile's window (the
// layout rasterised there), the model runs forward on it in the context's space, and the core of
// each output member is copied into the stitched result. Every pixel of the window is written by
// exactly one tile, and a tile's result does not depend on which context ran it (the CPU backend
// is bit-identical at any thread count), so the stitched result is the same for any number of
// contexts, in any order.
//
// The model factory `make_model(ctx, tile_grid)` returns a stage (twin/stage.hpp) over
// `tile_grid`'s shape; it is called once per context, on that context's thread, and placed on each
// tile's grid before its forward (twin::place_stage: a stage that depends on where it lies, a
// hotplate map, moves there).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::dist {

/// What one tile cost, for the progress callback and the timings a run reports.
struct TileTiming {
  index_t tile = 0;     ///< Tile::index
  index_t context = 0;  ///< which context ran it
  double seconds = 0;   ///< fill, upload, forward and download
};

template <class T>
using TileSource = std::function<void(const Grid& tile_grid, Field<T, Host>& input)>;

/// A model as make_model returned it: a stage, or a pointer to one.
template <class Model>
auto& stage_of(Model& model) {
  if constexpr (requires { *model; })
    return *model;
  else
    return model;
}

/// Copies `core` of the window's pixels from a tile's output (all members) into `stitched`.
template <class T>
void stitch_core(const Tile& tile, const Field<T, Host>& tile_output, Field<T, Host>& stitched) {
  const index_t side = tile.window.nx, nx = stitched.grid().nx(), ny = stitched.grid().ny();
  const index_t dx = tile.core.x0 - tile.window.x0, dy = tile.core.y0 - tile.window.y0;
  const T* in = tile_output.data();
  T* out = stitched.data();
  for (index_t b = 0; b < stitched.batch(); ++b)
    for (index_t j = 0; j < tile.core.ny; ++j)
      std::copy_n(in + b * side * side + (j + dy) * side + dx, tile.core.nx,
                  out + b * nx * ny + (tile.core.y0 + j) * nx + tile.core.x0);
}

/// Runs the tiles `which` (indices into plan.tiles()) over `contexts` and stitches their cores
/// into the returned window field (batch: the model's output batch for one input; pixels of other
/// tiles are 0). `on_tile` is called after each tile, from the worker's thread, one call at a
/// time. An exception in any worker stops the others after their current tile and is rethrown
/// here.
template <class T, class Space, class MakeModel>
Field<T, Host> run_tiles(std::span<Context<Space>* const> contexts, const TilePlan& plan,
                         MakeModel&& make_model, const TileSource<T>& source,
                         std::span<const index_t> which,
                         const std::function<void(const TileTiming&)>& on_tile = {}) {
  constexpr const char* where = "dist::run_tiles";
  require(!contexts.empty(), where, "contexts.size()", 0, "at least one context");
  for (std::size_t c = 0; c < contexts.size(); ++c)
    require(
        contexts[c] != nullptr, where, [&] { return "contexts[" + std::to_string(c) + "]"; },
        "null", "a context");
  require(bool(source), where, "source", "empty", "a function that fills a tile's input");
  for (const index_t t : which)
    require(t >= 0 && t < index_t(plan.tiles().size()), where, "which", t,
            [&] { return "tile indices below " + std::to_string(plan.tiles().size()); });

  const Grid tile_grid = plan.tile_grid(plan.tiles().front());
  std::optional<Field<T, Host>> stitched;
  std::mutex mutex;  // guards stitched, on_tile and failure
  std::exception_ptr failure;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};

  const auto work = [&](std::size_t c) {
    try {
      Context<Space>& ctx = *contexts[c];
      if constexpr (requires { ctx.activate(); }) ctx.activate();
      auto made = make_model(ctx, tile_grid);
      auto& model = stage_of(made);
      {
        std::lock_guard lock(mutex);
        if (!stitched) stitched.emplace(plan.window(), model.output_batch(1));
      }
      for (std::size_t k; !stop && (k = next++) < which.size();) {
        const auto start = std::chrono::steady_clock::now();
        const Tile& tile = plan.tiles()[std::size_t(which[k])];
        Field<T, Host> input(plan.tile_grid(tile));
        source(input.grid(), input);
        twin::place_stage(model, input.grid());
        const auto finish = [&](const Field<T, Host>& output) {
          const double seconds =
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::lock_guard lock(mutex);
          stitch_core(tile, output, *stitched);
          if (on_tile) on_tile({tile.index, index_t(c), seconds});
        };
        if constexpr (std::is_same_v<Space, Host>) {
          finish(model.forward(ctx, input));
        } else {
          const Field<T, Space> device_input = to<Space>(input);
          const Field<T, Host> output = to<Host>(model.forward(ctx, device_input));
          ctx.synchronize();
          finish(output);
        }
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!failure) failure = std::current_exception();
      stop = true;
    }
  };
  if (contexts.size() == 1) {
    work(0);
  } else {
    std::vector<std::thread> workers;
    for (std::size_t c = 0; c < contexts.size(); ++c) workers.emplace_back(work, c);
    for (std::thread& w : workers) w.join();
  }
  if (failure) std::rethrow_exception(failure);
  return std::move(*stitched);
}

/// run_tiles over every tile of the plan.
template <class T, class Space, class MakeModel>
Field<T, Host> run_tiles(std::span<Context<Space>* const> contexts, const TilePlan& plan,
                         MakeModel&& make_model, const TileSource<T>& source,
                         const std::function<void(const TileTiming&)>& on_tile = {}) {
  std::vector<index_t> all;
  for (const Tile& t : plan.tiles()) all.push_back(t.index);
  return run_tiles<T>(contexts, plan, std::forward<MakeModel>(make_model), source,
                      std::span<const index_t>(all), on_tile);
}

}  // namespace fabtwin::dist
