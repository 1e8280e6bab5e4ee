#pragma once
// Reading a sampled image at arbitrary points, for the metrology routines (cut lines, NILS, EPE).
//
// Pixel convention (core/grid.hpp): sample (i, j) sits at grid.position(i, j) = origin + (i, j) * pitch
// nm. Between samples the image is the bilinear interpolant of its four neighbours; it is defined on
// the samples' hull [origin.x, origin.x + (nx - 1) dx] x [origin.y, origin.y + (ny - 1) dy] and
// nowhere else (no extrapolation: a measurement outside the simulated area is refused, not guessed).
// Bilinear interpolation reproduces every linear field exactly, so a ramp image gives analytic
// crossings along any cut line, diagonal ones included.
//
// Host-only: metrology samples a few hundred points of an image, far too few to pay for a kernel
// launch; a device image is copied to the host first (to<Host>).

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin::metrology {

/// A point or a direction in the plane, in nm.
struct Point2 {
  double x = 0, y = 0;

  friend Point2 operator+(Point2 a, Point2 b) { return {a.x + b.x, a.y + b.y}; }
  friend Point2 operator-(Point2 a, Point2 b) { return {a.x - b.x, a.y - b.y}; }
  friend Point2 operator*(double s, Point2 a) { return {s * a.x, s * a.y}; }
  friend bool operator==(const Point2&, const Point2&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Point2& p) {
    return out << '(' << p.x << ", " << p.y << ')';
  }
};

inline double norm(Point2 a) { return std::hypot(a.x, a.y); }

/// A view of `values` laid out on `grid` (x fastest), for callers holding plain host vectors.
template <class T>
View<const T, Host> image_view(const std::vector<T>& values, const Grid& grid) {
  if (static_cast<index_t>(values.size()) != grid.size())
    throw shape_mismatch(argument_message("metrology::image_view", "values.size()", values.size(),
                                          "grid.size() = " + std::to_string(grid.size())));
  return View<const T, Host>(values.data(), grid.nx(), grid.ny(), grid.nz());
}

/// Bilinear reading of one z-layer of a host image. Values are read in double whatever T is.
template <class T>
class BilinearSampler {
  static_assert(Real<std::remove_cv_t<T>>, "metrology samples real images (float or double)");

 public:
  /// `where` names the calling routine in error messages.
  BilinearSampler(View<const T, Host> image, const Grid& grid, index_t z, std::string_view where)
      : grid_(grid) {
    if (image.nx() != grid.nx() || image.ny() != grid.ny() || image.nz() != grid.nz() ||
        image.batch() != 1)
      throw shape_mismatch(
          argument_message(where, "image", ::fabtwin::detail::describe_extents(image),
                           "one field of the grid's shape, " + ::fabtwin::describe(grid)));
    require(z >= 0 && z < grid.nz(), where, "z", z,
            [&] { return "a layer index in [0, " + std::to_string(grid.nz()) + ")"; });
    data_ = image.data() + z * grid.nx() * grid.ny();
  }

  const Grid& grid() const { return grid_; }

  /// Position in sample units: (i, j) of a point, fractional between samples.
  double u(double x) const { return (x - grid_.origin().x) / grid_.pitch().x; }
  double v(double y) const { return (y - grid_.origin().y) / grid_.pitch().y; }

  /// True when `p` lies in the samples' hull (a rounding error of 1e-9 sample outside is allowed).
  bool contains(Point2 p) const {
    const double a = u(p.x), b = v(p.y);
    return a >= -slack && a <= double(grid_.nx() - 1) + slack && b >= -slack &&
           b <= double(grid_.ny() - 1) + slack;
  }

  /// The interpolated image at `p`, which must lie in the hull (see contains).
  double operator()(Point2 p) const {
    const double a = u(p.x), b = v(p.y);
    return in_cell(cell(a, grid_.nx()), cell(b, grid_.ny()), a, b);
  }

  /// The lower-left sample index of the cell holding sample coordinate `a` along an axis of n
  /// samples (the last cell holds the far edge).
  static index_t cell(double a, index_t n) {
    if (n < 2) return 0;
    const double f = std::floor(a);
    return f < 0 ? 0 : (f > double(n - 2) ? n - 2 : index_t(f));
  }

  /// The bilinear polynomial of cell (i, j) at sample coordinates (a, b); the same polynomial
  /// slightly outside the cell, so that a piece of a cut line is read from one polynomial.
  double in_cell(index_t i, index_t j, double a, double b) const {
    const index_t i1 = grid_.nx() > 1 ? i + 1 : i, j1 = grid_.ny() > 1 ? j + 1 : j;
    const double fx = grid_.nx() > 1 ? a - double(i) : 0.0,
                 fy = grid_.ny() > 1 ? b - double(j) : 0.0;
    const index_t nx = grid_.nx();
    const double v00 = double(data_[i + nx * j]), v10 = double(data_[i1 + nx * j]);
    const double v01 = double(data_[i + nx * j1]), v11 = double(data_[i1 + nx * j1]);
    return (1 - fy) * ((1 - fx) * v00 + fx * v10) + fy * ((1 - fx) * v01 + fx * v11);
  }

  /// How far (nm, ≥ 0) one can go from `p` along the unit vector `dir` and stay in the hull.
  double reach(Point2 p, Point2 dir) const {
    double t = std::numeric_limits<double>::infinity();
    const double a = u(p.x), b = v(p.y);
    const double da = dir.x / grid_.pitch().x, db = dir.y / grid_.pitch().y;
    const double hi_a = double(grid_.nx() - 1), hi_b = double(grid_.ny() - 1);
    if (da > 0) t = std::fmin(t, (hi_a - a) / da);
    if (da < 0) t = std::fmin(t, -a / da);
    if (db > 0) t = std::fmin(t, (hi_b - b) / db);
    if (db < 0) t = std::fmin(t, -b / db);
    return t > 0 ? t : 0.0;
  }

  /// Derivative of the image along the unit vector `dir` at `p`, by a central difference of the
  /// interpolant over ± one pitch (shortened to stay in the hull). The interpolant's own slope is
  /// only first-order accurate (it is the secant of the cell); the central difference of it is the
  /// interpolated central difference of the samples, second-order accurate for smooth images and
  /// exact for linear ones.
  double slope(Point2 p, Point2 dir) const {
    const double h = std::fmin(grid_.pitch().x, grid_.pitch().y);
    const double ahead = std::fmin(h, reach(p, dir)), behind = std::fmin(h, reach(p, -1.0 * dir));
    if (ahead + behind <= 0) return 0.0;  // a single-sample grid has no slope
    return ((*this)(p + ahead * dir) - (*this)(p - behind * dir)) / (ahead + behind);
  }

  static constexpr double slack = 1e-9;

 private:
  Grid grid_;
  const T* data_ = nullptr;
};

}  // namespace fabtwin::metrology
