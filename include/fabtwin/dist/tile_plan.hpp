#pragma once
// A layout window cut into tiles with halos (the way OPC farms run a full chip: IBM's ICCAD-2013
// simulator images 1024 nm cores in 2048 nm windows; curvyILT 1024-pixel cores in 2048-pixel
// tiles). The window's pixels are split into cores of at most `core_px` each way, as evenly as
// whole pixels allow; every tile is computed over one square S x S window around its core, S the
// same for all tiles (so one chain, one set of kernels and one FFT plan serve every tile), with at
// least `halo_px` pixels of halo on each side. The cores partition the window: stitching copies
// each core into place, and every pixel is written by exactly one tile.
//
// S = max core + 2 halo, rounded up to a size whose only prime factors are 2, 3, 5 and 7 (FFTs of
// such sizes are fast on both backends) when `smooth` is set; the extra pixels widen the halos,
// which never hurts. A core smaller than the largest sits in the middle of its window.

#include <algorithm>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/grid.hpp"

namespace fabtwin::dist {

/// Pixels [x0, x0 + nx) x [y0, y0 + ny) of a window's pixel grid; a tile's window may reach
/// outside the window (negative or past its end): the layout around the window is its halo.
struct PixelBox {
  index_t x0 = 0, y0 = 0, nx = 0, ny = 0;
  index_t size() const { return nx * ny; }
  friend bool operator==(const PixelBox&, const PixelBox&) = default;
};

struct Tile {
  index_t index = 0;  ///< row-major over the tiles, x fastest
  PixelBox core;      ///< the pixels this tile writes into the stitched result
  PixelBox window;    ///< the pixels it is computed over: core plus halos, S x S
};

/// The smallest n' >= n whose only prime factors are 2, 3, 5 and 7.
inline index_t smooth_size(index_t n) {
  require(n >= 1 && n <= (index_t(1) << 40), "dist::smooth_size", "n", n, "a size from 1 to 2^40");
  for (index_t m = n;; ++m) {
    index_t r = m;
    for (const index_t p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

class TilePlan {
 public:
  /// `window`: the pixel grid of the region to compute (2D; sample (0, 0) the first pixel's
  /// centre). Cores of at most `core_px` pixels each way, halos of at least `halo_px`.
  TilePlan(const Grid& window, index_t core_px, index_t halo_px, bool smooth = true)
      : window_(window), halo_px_(halo_px) {
    constexpr const char* where = "dist::TilePlan";
    require<shape_mismatch>(window.rank() == 2, where, "window", window, "a 2D pixel grid");
    require(window.pitch().x == window.pitch().y, where, "window.pitch", window.pitch(),
            "square pixels (the tiles' optics is periodic over one square period)");
    require(core_px >= 1, where, "core_px", core_px, "a core of at least one pixel");
    require(halo_px >= 0, where, "halo_px", halo_px, "a halo of zero or more pixels");
    const auto split = [&](index_t n, std::vector<index_t>& starts, std::vector<index_t>& sizes) {
      const index_t count = (n + core_px - 1) / core_px;
      for (index_t t = 0; t < count; ++t) {
        starts.push_back(n * t / count);
        sizes.push_back(n * (t + 1) / count - n * t / count);
      }
    };
    std::vector<index_t> x0, nx, y0, ny;
    split(window.nx(), x0, nx);
    split(window.ny(), y0, ny);
    const index_t largest =
        std::max(*std::max_element(nx.begin(), nx.end()), *std::max_element(ny.begin(), ny.end()));
    side_ = largest + 2 * halo_px;
    if (smooth) side_ = smooth_size(side_);
    tiles_x_ = index_t(x0.size());
    tiles_y_ = index_t(y0.size());
    for (std::size_t j = 0; j < y0.size(); ++j)
      for (std::size_t i = 0; i < x0.size(); ++i) {
        Tile tile;
        tile.index = index_t(tiles_.size());
        tile.core = {x0[i], y0[j], nx[i], ny[j]};
        // The spare pixels of the square window split between the two sides (the left or lower
        // one gets the odd pixel's half less).
        tile.window = {x0[i] - (side_ - nx[i]) / 2, y0[j] - (side_ - ny[j]) / 2, side_, side_};
        tiles_.push_back(tile);
      }
  }

  const Grid& window() const { return window_; }
  const std::vector<Tile>& tiles() const { return tiles_; }
  index_t tiles_x() const { return tiles_x_; }
  index_t tiles_y() const { return tiles_y_; }
  /// S: every tile's window is S x S pixels.
  index_t tile_side_px() const { return side_; }
  /// The halo asked for; each tile has at least this much on every side.
  index_t halo_px() const { return halo_px_; }
  /// The narrowest halo a tile actually has (>= halo_px(): the rounding of S adds to it).
  index_t min_halo_px() const {
    index_t least = side_;
    for (const Tile& t : tiles_)
      least = std::min({least, t.core.x0 - t.window.x0, t.core.y0 - t.window.y0,
                        t.window.x0 + t.window.nx - t.core.x0 - t.core.nx,
                        t.window.y0 + t.window.ny - t.core.y0 - t.core.ny});
    return least;
  }

  /// The grid of a box of the window's pixels: the window's pitch, its first pixel's centre.
  Grid grid(const PixelBox& box) const {
    const Vec3& o = window_.origin();
    const double p = window_.pitch().x;
    return Grid(box.nx, box.ny, p, {o.x + double(box.x0) * p, o.y + double(box.y0) * p, o.z});
  }
  /// The grid a tile is computed on.
  Grid tile_grid(const Tile& tile) const { return grid(tile.window); }

  /// Pixels computed over all tiles per pixel of the window: the halos' cost.
  double work_ratio() const {
    return double(tiles_.size()) * double(side_) * double(side_) /
           (double(window_.nx()) * double(window_.ny()));
  }

 private:
  Grid window_;
  index_t halo_px_;
  index_t side_ = 0;
  index_t tiles_x_ = 0, tiles_y_ = 0;
  std::vector<Tile> tiles_;
};

/// Pixels of pitch `pitch_nm` that cover `range_nm`, plus `margin_px` (the halo a chain of that
/// range needs: interaction_range.hpp). An unbounded range is refused: band-limited periodic optics
/// has none; make the kernels ambit-limited (optics/ambit.hpp) or choose a halo and measure its
/// error (halo_error.hpp).
inline index_t halo_for_range(double range_nm, double pitch_nm, index_t margin_px = 1) {
  constexpr const char* where = "dist::halo_for_range";
  require(std::isfinite(pitch_nm) && pitch_nm > 0, where, "pitch_nm", pitch_nm,
          "a positive pixel pitch");
  require(std::isfinite(range_nm) && range_nm >= 0, where, "range_nm", range_nm,
          "a finite interaction range (a chain whose optics has band-limited periodic kernels "
          "reaches without bound: use ambit-limited kernels, optics/ambit.hpp, or give a halo)");
  require(margin_px >= 0, where, "margin_px", margin_px, "zero or more pixels");
  return index_t(std::ceil(range_nm / pitch_nm - 1e-9)) + margin_px;
}

/// The tiles rank `rank` of `ranks` runs (dist/mpi.hpp, dist/nccl.hpp): a contiguous share of
/// 0 .. tiles - 1, as even as whole tiles allow (neighbouring tiles share layout, so a rank's tiles
/// read nearby data).
inline std::vector<index_t> tiles_of_rank(index_t tiles, int rank, int ranks) {
  require(ranks >= 1 && rank >= 0 && rank < ranks, "dist::tiles_of_rank", "rank", rank,
          [&] { return "a rank from 0 to " + std::to_string(ranks - 1); });
  std::vector<index_t> mine;
  for (index_t t = tiles * rank / ranks; t < tiles * (rank + 1) / ranks; ++t) mine.push_back(t);
  return mine;
}

}  // namespace fabtwin::dist
