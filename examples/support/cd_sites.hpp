#pragma once
// CD sites on a clip: cut lines across its line-like rectangles, for the examples that measure
// printed CDs (twin_chain's loss, ilt_window's process windows).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "fabtwin/core/field.hpp"
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

/// Up to `wanted` sites found on the area coverage of a layout (for shapes that are not
/// rectangles, such as a standard cell's metal): straight stretches of line 30 to 200 nm wide whose
/// two edges stay straight for at least the width above and below the cut (to the pixel), one every
/// 64 nm of scan, vertical lines cut across x and horizontal ones across y, at least 100 nm from
/// the field's border and 200 nm from each other, taken at even steps through the candidates. The
/// width is the sum of the coverage across the line, which is the drawn width for axis-parallel
/// edges whatever the pixel.
inline std::vector<CdSite> find_cd_sites(const fabtwin::Field<double, fabtwin::Host>& coverage,
                                         fabtwin::index_t wanted) {
  using fabtwin::index_t;
  const fabtwin::Grid& grid = coverage.grid();
  const index_t nx = grid.nx(), ny = grid.ny();
  const double pitch = grid.pitch().x;
  const auto c = coverage.view();
  const auto inside = [&](index_t i, index_t j) { return c[i + nx * j] > 0.5; };
  const index_t stride = std::max<index_t>(1, index_t(64 / pitch));
  const index_t border = index_t(std::ceil(100 / pitch));
  std::vector<CdSite> candidates;
  // across = 0: runs along x in row j (a vertical line); 1: runs along y in column i.
  for (int across = 0; across < 2; ++across) {
    const index_t lines = across == 0 ? ny : nx, length = across == 0 ? nx : ny;
    const auto at = [&](index_t along, index_t line) {
      return across == 0 ? inside(along, line) : inside(line, along);
    };
    const auto value = [&](index_t along, index_t line) {
      return across == 0 ? c[along + nx * line] : c[line + nx * along];
    };
    for (index_t line = border; line < lines - border; line += stride) {
      for (index_t a = border; a < length - border;) {
        if (!at(a, line)) {
          ++a;
          continue;
        }
        index_t b = a;
        while (b < length - border && at(b, line)) ++b;
        if ((a == border && at(a - 1, line)) || b == length - border) {  // cut by the scan's edge
          a = b + 1;
          continue;
        }
        // The run [a, b) with partial pixels at both ends: its width is the summed coverage.
        double width = 0;
        for (index_t k = a - 1; k <= b; ++k) width += value(k, line);
        width *= pitch;
        const index_t reach = index_t(std::ceil(width / pitch));
        bool straight = width >= 30 && width <= 200 && line - reach >= 0 && line + reach < lines;
        for (index_t l = line - reach; straight && l <= line + reach; ++l)
          for (index_t k = a - 1; straight && k <= b; ++k)
            straight = std::fabs(value(k, l) - value(k, line)) < 1e-9;
        if (straight) {
          const double middle = 0.5 * double(a + b - 1),
                       lo = std::max(double(border), middle - 1.5 * width / pitch),
                       hi = std::min(double(length - 1 - border), middle + 1.5 * width / pitch);
          CdSite site;
          site.target_nm = width;
          const double fixed = double(line);
          const auto point = [&](double along) {
            return across == 0 ? fabtwin::metrology::Point2{grid.origin().x + along * pitch,
                                                            grid.origin().y + fixed * pitch}
                               : fabtwin::metrology::Point2{grid.origin().x + fixed * pitch,
                                                            grid.origin().y + along * pitch};
          };
          site.line = {point(lo), point(hi)};
          bool apart = true;
          for (const CdSite& other : candidates) {
            const double dx = 0.5 * (other.line.start.x + other.line.end.x - site.line.start.x -
                                     site.line.end.x),
                         dy = 0.5 * (other.line.start.y + other.line.end.y - site.line.start.y -
                                     site.line.end.y);
            apart = apart && dx * dx + dy * dy >= 200.0 * 200.0;
          }
          if (apart) candidates.push_back(site);
        }
        a = b;
      }
    }
  }
  std::vector<CdSite> sites;
  const std::size_t count = std::min<std::size_t>(candidates.size(), std::size_t(wanted));
  for (std::size_t k = 0; k < count; ++k)
    sites.push_back(candidates[k * candidates.size() / count]);
  return sites;
}

}  // namespace examples
