#pragma once
// CD sites on a clip: cut lines across its line-like rectangles, for the examples that measure
// printed CDs (twin_chain's loss, ilt_window's process windows).

#include <algorithm>
#include <cstddef>
#include <vector>

#include "fabtwin/core/grid.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/metrology/cut_line.hpp"

namespace examples {

/// A cut line across a drawn line, and the line's drawn width.
struct CdSite {
  fabtwin::metrology::CutLine line;
  double target_nm = 0;
};

/// Up to `wanted` of the rectangles whose narrow side is 30 to 200 nm and at most half the long one
/// (lines), spread over the clip (sorted by y, then x, and taken at even steps through that list),
/// each cut across its narrow side through its centre, one width beyond each edge and inside the
/// sampled area of `grid`.
inline std::vector<CdSite> choose_cd_sites(const fabtwin::layout::PolygonSet& placed,
                                           const fabtwin::Grid& grid, fabtwin::index_t wanted) {
  using fabtwin::layout::Box;
  const double low = grid.origin().x,
               high = grid.origin().x + double(grid.nx() - 1) * grid.pitch().x;
  std::vector<Box> lines;
  for (const fabtwin::layout::Polygon& polygon : placed.polygons) {
    if (polygon.points.size() != 4) continue;
    const Box b = fabtwin::layout::bounds(polygon);
    const double w = double(b.x1 - b.x0), h = double(b.y1 - b.y0), narrow = std::min(w, h);
    if (narrow >= 30 && narrow <= 200 && std::max(w, h) >= 2 * narrow) lines.push_back(b);
  }
  std::sort(lines.begin(), lines.end(),
            [](const Box& a, const Box& b) { return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0; });
  std::vector<CdSite> sites;
  const std::size_t count = std::min<std::size_t>(lines.size(), std::size_t(wanted));
  for (std::size_t k = 0; k < count; ++k) {
    const Box& b = lines[k * lines.size() / count];
    const double w = double(b.x1 - b.x0), h = double(b.y1 - b.y0), cx = 0.5 * double(b.x0 + b.x1),
                 cy = 0.5 * double(b.y0 + b.y1);
    CdSite site;
    if (w < h) {
      site.target_nm = w;
      site.line = {{std::max(low, double(b.x0) - w), cy}, {std::min(high, double(b.x1) + w), cy}};
    } else {
      site.target_nm = h;
      site.line = {{cx, std::max(low, double(b.y0) - h)}, {cx, std::min(high, double(b.y1) + h)}};
    }
    sites.push_back(site);
  }
  return sites;
}

}  // namespace examples
