#pragma once
// Contours of a sampled 2D field at a threshold (marching squares), as closed polygons in nm.
// contour_polygons.hpp turns them into an integer PolygonSet (e.g. for the GDSII writer).
//
// Conventions:
// - Sample (i, j) sits at Grid::position(i, j); a sample is inside when its value >= threshold
//   (the ICCAD-2013 print rule "I >= th"). Contour points lie on the segments joining neighbouring
//   samples, where the linear interpolation of the two values equals the threshold.
// - Outside the grid counts as below the threshold: a region that reaches the border is closed
//   through the neighbouring (virtual) sample positions one pitch outside, at the midpoint, i.e.
//   half a pitch beyond the outermost samples, on the outline of the grid's pixel squares (where a
//   coverage image from rasterize_area puts the edge of a shape that fills the grid).
// - Saddle cells (diagonal corners inside, the others outside) are resolved by the mean of the four
//   corners, the value of the bilinear interpolant at the cell centre: inside (>= threshold) joins
//   the two inside corners, below separates them. Every cell is decided on its own values, so the
//   result does not depend on the scan order.
// - Orientation: the inside is on the left of travel, so outer boundaries run counter-clockwise and
//   holes clockwise (x right, y up). The region rule of geometry.hpp orients every polygon CCW
//   before taking the union, so a hole must not travel as a polygon of its own: to_polygon_set
//   (contour_polygons.hpp) joins each hole to its outer boundary by a keyhole cut.
// - A contour is a ring without its first point repeated. Consecutive equal points (a sample exactly
//   at the threshold is met by the contours of two cells) are merged, and a contour left with fewer
//   than 3 points (an isolated sample exactly at the threshold) is dropped.

#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/layout/geometry.hpp"

namespace fabtwin::layout {

struct ContourPoint {
  double x = 0, y = 0;  ///< nm
  friend bool operator==(const ContourPoint&, const ContourPoint&) = default;
};

struct Contour {
  std::vector<ContourPoint> points;  ///< closed ring, first point not repeated
};

/// Area enclosed in nm^2, positive for a counter-clockwise (outer) contour, negative for a hole.
inline double signed_area(const Contour& contour) {
  double twice = 0;
  const std::size_t n = contour.points.size();
  for (std::size_t i = 0; i < n; ++i) {
    const ContourPoint& a = contour.points[i];
    const ContourPoint& b = contour.points[(i + 1) % n];
    twice += a.x * b.y - b.x * a.y;
  }
  return twice / 2;
}

namespace detail {

/// Marching squares on the samples padded by one ring of virtual outside samples: lattice point
/// (I, J) is sample (I - 1, J - 1). Lattice edges are numbered horizontal first, then vertical.
template <class T>
class MarchingSquares {
 public:
  MarchingSquares(View<const T, Host> values, const Grid& grid, double threshold)
      : values_(values),
        grid_(grid),
        threshold_(threshold),
        nx_(grid.nx() + 2),
        ny_(grid.ny() + 2),
        horizontal_edges_((nx_ - 1) * ny_),
        inside_(static_cast<std::size_t>(nx_ * ny_), 0) {
    for (index_t J = 1; J + 1 < ny_; ++J)
      for (index_t I = 1; I + 1 < nx_; ++I)
        inside_[std::size_t(J * nx_ + I)] = value(I, J) >= threshold_;
  }

  std::vector<Contour> trace() {
    // Each crossed lattice edge starts one oriented segment (in the cell where it leads from an
    // inside to an outside corner counter-clockwise) and ends one (in the cell on its other side).
    std::unordered_map<index_t, index_t> next;
    std::vector<index_t> starts;
    for (index_t cj = 0; cj + 1 < ny_; ++cj)
      for (index_t ci = 0; ci + 1 < nx_; ++ci) add_cell(ci, cj, next, starts);

    std::vector<Contour> contours;
    for (index_t start : starts) {
      if (!next.contains(start)) continue;  // already on a traced contour
      Contour contour;
      index_t edge = start;
      do {
        const ContourPoint p = crossing(edge);
        if (contour.points.empty() || !(contour.points.back() == p)) contour.points.push_back(p);
        const auto link = next.find(edge);
        edge = link->second;
        next.erase(link);
      } while (edge != start);
      while (contour.points.size() > 1 && contour.points.back() == contour.points.front())
        contour.points.pop_back();
      if (contour.points.size() >= 3) contours.push_back(std::move(contour));
    }
    return contours;
  }

 private:
  bool real(index_t I, index_t J) const { return I >= 1 && I <= nx_ - 2 && J >= 1 && J <= ny_ - 2; }
  double value(index_t I, index_t J) const { return double(values_(I - 1, J - 1)); }
  bool inside(index_t I, index_t J) const { return inside_[std::size_t(J * nx_ + I)] != 0; }

  index_t horizontal(index_t I, index_t J) const { return J * (nx_ - 1) + I; }
  index_t vertical(index_t I, index_t J) const { return horizontal_edges_ + J * nx_ + I; }

  void add_cell(index_t I, index_t J, std::unordered_map<index_t, index_t>& next,
                std::vector<index_t>& starts) const {
    // Corners and edges counter-clockwise: corner m, then edge m from corner m to corner m + 1.
    const bool in[4] = {inside(I, J), inside(I + 1, J), inside(I + 1, J + 1), inside(I, J + 1)};
    const index_t edge[4] = {horizontal(I, J), vertical(I + 1, J), horizontal(I, J + 1),
                             vertical(I, J)};
    const int count = in[0] + in[1] + in[2] + in[3];
    if (count == 0 || count == 4) return;
    // In a saddle (two diagonal corners inside) the inside corners are joined when the centre is
    // inside: each inside-to-outside edge then leads to the next outside-to-inside edge; otherwise
    // to the previous one, cutting each inside corner off on its own.
    const bool saddle = count == 2 && in[0] == in[2];
    const bool joined =
        !saddle || 0.25 * (value(I, J) + value(I + 1, J) + value(I + 1, J + 1) + value(I, J + 1)) >=
                       threshold_;
    for (int m = 0; m < 4; ++m) {
      if (!(in[m] && !in[(m + 1) % 4])) continue;
      int to = m;
      do to = joined ? (to + 1) % 4 : (to + 3) % 4;
      while (!(!in[to] && in[(to + 1) % 4]));
      next.emplace(edge[m], edge[to]);
      starts.push_back(edge[m]);
    }
  }

  /// Where the threshold crosses lattice edge `id`: interpolated between two samples, the midpoint
  /// when one end is outside the grid.
  ContourPoint crossing(index_t id) const {
    index_t I, J, I2, J2;
    if (id < horizontal_edges_) {
      J = id / (nx_ - 1), I = id % (nx_ - 1), I2 = I + 1, J2 = J;
    } else {
      J = (id - horizontal_edges_) / nx_, I = (id - horizontal_edges_) % nx_, I2 = I, J2 = J + 1;
    }
    double t = 0.5;
    if (real(I, J) && real(I2, J2)) {
      const double a = value(I, J), b = value(I2, J2);
      t = (threshold_ - a) / (b - a);  // a and b lie on either side of the threshold: b != a
    }
    const Vec3 p = grid_.position(I - 1, J - 1);
    return {p.x + t * double(I2 - I) * grid_.pitch().x, p.y + t * double(J2 - J) * grid_.pitch().y};
  }

  View<const T, Host> values_;
  const Grid& grid_;
  double threshold_;
  index_t nx_, ny_;  // lattice points including the virtual ring
  index_t horizontal_edges_;
  std::vector<unsigned char> inside_;  // per lattice point; the virtual ring stays 0
};

}  // namespace detail

/// The closed contours of `values` (an image of `grid`, on the host) at `threshold`, in nm, inside
/// on the left (see the header comment). Throws invalid_argument for a grid that is not 2D, a
/// non-finite threshold or sample, shape_mismatch when `values` does not match `grid`.
template <class T>
std::vector<Contour> extract_contours(View<T, Host> values, const Grid& grid, double threshold) {
  using Value = std::remove_const_t<T>;
  static_assert(std::is_arithmetic_v<Value>, "extract_contours needs real samples");
  require(grid.rank() == 2, "extract_contours", "grid", grid, "a 2D grid (rank 2)");
  require(std::isfinite(threshold), "extract_contours", "threshold", threshold, "a finite level");
  if (values.nx() != grid.nx() || values.ny() != grid.ny() || values.nz() != 1 ||
      values.batch() != 1)
    throw shape_mismatch(
        argument_message("extract_contours", "values", ::fabtwin::detail::describe_extents(values),
                         "one 2D image of the grid's " + std::to_string(grid.nx()) + "x" +
                             std::to_string(grid.ny()) + " samples"));
  for (index_t j = 0; j < grid.ny(); ++j)
    for (index_t i = 0; i < grid.nx(); ++i)
      if (!std::isfinite(double(values(i, j))))  // the message is built only for the culprit
        throw invalid_argument(argument_message(
            "extract_contours", "values(" + std::to_string(i) + ", " + std::to_string(j) + ")",
            values(i, j), "finite samples"));
  return detail::MarchingSquares<Value>(View<const Value, Host>(values), grid, threshold).trace();
}

/// The contours of a field in any space (copied to the host first when it is elsewhere).
template <class T, class Space>
std::vector<Contour> extract_contours(const Field<T, Space>& field, double threshold) {
  if constexpr (std::is_same_v<Space, Host>) {
    return extract_contours(field.view(), field.grid(), threshold);
  } else {
    const Field<T, Host> host = to<Host>(field);
    return extract_contours(host.view(), host.grid(), threshold);
  }
}

}  // namespace fabtwin::layout
