#pragma once
// The edges of a PolygonSet's region as the scan-line rasterisers consume them: validated, with
// every polygon oriented counter-clockwise first (the region rule of geometry.hpp), each edge stored
// bottom-up with the direction it was traversed in.
//
// Winding bookkeeping used by both rasterisers: walking rightwards along a horizontal line, crossing
// an edge traversed upwards lowers the winding number by one and crossing one traversed downwards
// raises it (a CCW polygon's left side runs down, its right side up), starting from 0 far left.

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout::detail {

struct ScanEdge {
  Point lower, upper;  ///< lower.y <= upper.y; for horizontal edges lower.x <= upper.x
  int direction;       ///< +1 traversed upwards, -1 downwards, 0 horizontal
};

/// Throws invalid_argument naming `where` unless `set` can be rasterised: a positive, finite unit,
/// rings of at least 3 points, coordinates within the GDSII range.
inline void require_rasterizable(const PolygonSet& set, std::string_view where) {
  require(std::isfinite(set.unit_nm) && set.unit_nm > 0, where, "set.unit_nm", set.unit_nm,
          "a positive, finite database unit in nm");
  for (std::size_t k = 0; k < set.polygons.size(); ++k) {
    const Polygon& polygon = set.polygons[k];
    if (polygon.points.size() < 3)
      throw invalid_argument(
          argument_message(where, "set.polygons[" + std::to_string(k) + "].points.size()",
                           polygon.points.size(), "a ring of at least 3 points"));
    require_coordinates_in_range(polygon, where);
  }
}

/// Every edge of the validated `set` once its polygons run counter-clockwise. Zero-length edges
/// (repeated points) are dropped: they bound nothing and their end point belongs to its neighbours.
inline std::vector<ScanEdge> scan_edges(const PolygonSet& set, std::string_view where) {
  require_rasterizable(set, where);
  std::vector<ScanEdge> edges;
  for (const Polygon& polygon : set.polygons) {
    const bool reverse = twice_signed_area(polygon) < 0;
    const std::size_t n = polygon.points.size();
    for (std::size_t i = 0; i < n; ++i) {
      Point a = polygon.points[i], b = polygon.points[(i + 1) % n];
      if (reverse) std::swap(a, b);
      if (a == b) continue;
      if (a.y == b.y)
        edges.push_back(a.x < b.x ? ScanEdge{a, b, 0} : ScanEdge{b, a, 0});
      else
        edges.push_back(a.y < b.y ? ScanEdge{a, b, +1} : ScanEdge{b, a, -1});
    }
  }
  return edges;
}

}  // namespace fabtwin::layout::detail
