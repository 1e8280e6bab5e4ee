#pragma once
// The etch domain's grid as kernels see it: cubic cells of side h, x and y lateral, z up (a 2D
// cross-section has ny = 1 and lives in the xz plane), and what lies beyond the lateral sides.
// Reflective sides are mirrors through the outer cell faces (the domain is one half period of a
// mirror-symmetric pattern, or a whole period of a symmetric one); periodic sides wrap. Along z
// the samples are clamped: the top is open gas, the bottom deep substrate.
//
// Samples sit at (x0 + i h, y0 + j h, z0 + k h), stored x fastest (core/view.hpp).

#include <cmath>
#include <type_traits>

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin::etch {

enum class Boundary { reflective, periodic };

/// A point or a direction in nm (double even for float fields: positions of a few thousand nm
/// must resolve hundredths of a cell).
struct Point3 {
  double x = 0, y = 0, z = 0;
  FABTWIN_HD Point3 operator+(const Point3& o) const { return {x + o.x, y + o.y, z + o.z}; }
  FABTWIN_HD Point3 operator-(const Point3& o) const { return {x - o.x, y - o.y, z - o.z}; }
  FABTWIN_HD Point3 operator*(double s) const { return {x * s, y * s, z * s}; }
  FABTWIN_HD double dot(const Point3& o) const { return x * o.x + y * o.y + z * o.z; }
  FABTWIN_HD double norm() const { return sqrt(dot(*this)); }
  FABTWIN_HD Point3 cross(const Point3& o) const {
    return {y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x};
  }
};

/// A unit vector perpendicular to the unit vector m (from whichever axis is far from m): with m and
/// m.cross(it), a frame about m, for drawing directions around it.
FABTWIN_HD inline Point3 perpendicular(const Point3& m) {
  const Point3 t = fabs(m.z) < 0.9 ? Point3{-m.y, m.x, 0} : Point3{0, -m.z, m.y};
  return t * (1.0 / t.norm());
}

struct Lattice {
  index_t nx = 1, ny = 1, nz = 1;
  double h = 1;                   ///< cell side (nm)
  double x0 = 0, y0 = 0, z0 = 0;  ///< position of sample (0, 0, 0) (nm)
  Boundary boundary = Boundary::reflective;

  /// A cross-section (ny = 1): no y derivatives, rays stay in the xz plane.
  FABTWIN_HD bool planar() const { return ny == 1; }
  FABTWIN_HD int dimension() const { return planar() ? 2 : 3; }
  FABTWIN_HD index_t size() const { return nx * ny * nz; }
  FABTWIN_HD index_t index(index_t i, index_t j, index_t k) const { return i + nx * (j + ny * k); }
  /// The (i, j, k) of the sample stored at `at`: index()'s inverse.
  struct Indices {
    index_t i, j, k;
  };
  FABTWIN_HD Indices indices(index_t at) const { return {at % nx, (at / nx) % ny, at / (nx * ny)}; }
  FABTWIN_HD Point3 position(index_t i, index_t j, index_t k) const {
    return {x0 + double(i) * h, y0 + double(j) * h, z0 + double(k) * h};
  }
  FABTWIN_HD double z_top() const { return z0 + double(nz - 1) * h; }

  /// A lateral sample index outside [0, n) brought back: mirrored through the outer face
  /// (-1 -> 0, n -> n - 1) or wrapped.
  FABTWIN_HD index_t fold(index_t i, index_t n) const {
    if (boundary == Boundary::periodic) {
      i %= n;
      return i < 0 ? i + n : i;
    }
    const index_t period = 2 * n;
    i %= period;
    if (i < 0) i += period;
    return i < n ? i : period - 1 - i;
  }
  /// A continuous lateral index (samples at integers) brought into the grid the same way.
  FABTWIN_HD double fold(double u, index_t n) const {
    if (boundary == Boundary::periodic) {
      u = fmod(u, double(n));
      return u < 0 ? u + double(n) : u;
    }
    const double period = 2.0 * double(n);
    double v = fmod(u + 0.5, period);
    if (v < 0) v += period;
    return (v <= double(n) ? v : period - v) - 0.5;
  }
  /// Which lateral axes the image of the domain that holds position p (nm) mirrors: bit 0 x,
  /// bit 1 y (reflective sides; a periodic image mirrors nothing). A direction at p points the
  /// same way in the grid with those components negated.
  FABTWIN_HD unsigned mirror_bits(const Point3& p) const {
    if (boundary == Boundary::periodic) return 0;
    const auto odd = [](double u, index_t n) {  // u in samples; images [-0.5, n - 0.5) + k n
      return (index_t(floor((u + 0.5) / double(n))) & 1) != 0;
    };
    unsigned bits = odd((p.x - x0) / h, nx) ? 1u : 0u;
    if (!planar() && odd((p.y - y0) / h, ny)) bits |= 2u;
    return bits;
  }
  /// Direction d at a position of mirror_bits `bits`, as it points in the grid.
  FABTWIN_HD static Point3 unmirror(Point3 d, unsigned bits) {
    if (bits & 1u) d.x = -d.x;
    if (bits & 2u) d.y = -d.y;
    return d;
  }
  FABTWIN_HD index_t clamp_z(index_t k) const { return k < 0 ? 0 : (k >= nz ? nz - 1 : k); }

  /// The sample (i, j, k) of `f`, indices outside the grid folded (x, y) or clamped (z).
  template <class T, class Space>
  FABTWIN_HD T at(View<T, Space> f, index_t i, index_t j, index_t k) const {
    return f[index(fold(i, nx), planar() ? 0 : fold(j, ny), clamp_z(k))];
  }
  /// Its value alone (a dual's, read without touching its derivatives, which another thread may
  /// be writing).
  template <class T, class Space>
  FABTWIN_HD double value_at(View<T, Space> f, index_t i, index_t j, index_t k) const {
    return value_of(f[index(fold(i, nx), planar() ? 0 : fold(j, ny), clamp_z(k))]);
  }

  /// Trilinear interpolation of `f` at `p` (nm), with the same folding, in f's own scalar (a dual
  /// number carries its derivatives through).
  template <class T, class Space>
  FABTWIN_HD std::remove_cv_t<T> sample(View<T, Space> f, const Point3& p) const {
    return sample_cells(f, (p.x - x0) / h, (p.y - y0) / h, (p.z - z0) / h);
  }

  /// The same at continuous sample coordinates (u, v, w) = (position - origin) / h. Rays sample
  /// the field millions of times a step: they march in these units (no division per sample), and
  /// cells away from the sides are read directly, without folding.
  template <class T, class Space>
  FABTWIN_HD std::remove_cv_t<T> sample_cells(View<T, Space> f, double u, double v,
                                              double w) const {
    return interpolate_cells<std::remove_cv_t<T>>(f, u, v, w, AsStored{});
  }
  /// The interpolated value alone, by the same arithmetic on the samples' values: what a ray
  /// marching through a dual field reads (its derivatives, interpolated at every step of every
  /// ray, would be thrown away).
  template <class T, class Space>
  FABTWIN_HD double sample_value(View<T, Space> f, const Point3& p) const {
    return sample_value_cells(f, (p.x - x0) / h, (p.y - y0) / h, (p.z - z0) / h);
  }
  template <class T, class Space>
  FABTWIN_HD double sample_value_cells(View<T, Space> f, double u, double v, double w) const {
    return interpolate_cells<double>(f, u, v, w, ValueOnly{});
  }

  struct AsStored {
    template <class T>
    FABTWIN_HD const T& operator()(const T& x) const {
      return x;
    }
  };
  struct ValueOnly {
    template <class T>
    FABTWIN_HD double operator()(const T& x) const {
      return value_of(x);
    }
  };
  /// Trilinear interpolation in the scalar V of what `read` takes from each sample.
  template <class V, class T, class Space, class Read>
  FABTWIN_HD V interpolate_cells(View<T, Space> f, double u, double v, double w, Read read) const {
    if (!(u >= 0 && u < double(nx - 1))) u = fold(u, nx);
    w = w < 0 ? 0 : (w > double(nz - 1) ? double(nz - 1) : w);
    // u >= -0.5 after folding and w >= 0: truncation is floor except on (-0.5, 0).
    index_t i = u >= 0 ? index_t(u) : index_t(floor(u)), k = index_t(w);
    if (k >= nz - 1) k = nz - 2;  // w = nz - 1 exactly: the last cell, at its top
    const double fu = u - double(i), gw = w - double(k);
    if (planar()) {
      if (i >= 0 && i + 1 < nx) {
        const T* row = f.data() + index(i, 0, k);
        const V a = (1 - fu) * read(row[0]) + fu * read(row[1]);
        const V b = (1 - fu) * read(row[nx]) + fu * read(row[nx + 1]);
        return (1 - gw) * a + gw * b;
      }
      const V a = (1 - fu) * read(at(f, i, 0, k)) + fu * read(at(f, i + 1, 0, k));
      const V b = (1 - fu) * read(at(f, i, 0, k + 1)) + fu * read(at(f, i + 1, 0, k + 1));
      return (1 - gw) * a + gw * b;
    }
    if (!(v >= 0 && v < double(ny - 1))) v = fold(v, ny);
    const index_t j = v >= 0 ? index_t(v) : index_t(floor(v));
    const double fv = v - double(j);
    if (i >= 0 && i + 1 < nx && j >= 0 && j + 1 < ny) {
      const T* c = f.data() + index(i, j, k);
      const index_t sy = nx, sz = nx * ny;
      const V c00 = (1 - fu) * read(c[0]) + fu * read(c[1]);
      const V c10 = (1 - fu) * read(c[sy]) + fu * read(c[sy + 1]);
      const V c01 = (1 - fu) * read(c[sz]) + fu * read(c[sz + 1]);
      const V c11 = (1 - fu) * read(c[sz + sy]) + fu * read(c[sz + sy + 1]);
      return (1 - gw) * ((1 - fv) * c00 + fv * c10) + gw * ((1 - fv) * c01 + fv * c11);
    }
    V result = V(0);
    for (int dk = 0; dk < 2; ++dk)
      for (int dj = 0; dj < 2; ++dj)
        for (int di = 0; di < 2; ++di) {
          const double weight = (di ? fu : 1 - fu) * (dj ? fv : 1 - fv) * (dk ? gw : 1 - gw);
          if (weight != 0) result += weight * read(at(f, i + di, j + dj, k + dk));
        }
    return result;
  }

  /// Central-difference gradient of the interpolated values of `f` at point `p`, over +-e nm
  /// (a dual's value only: where a surface faces, not how it moves).
  template <class T, class Space>
  FABTWIN_HD Point3 gradient_at(View<T, Space> f, const Point3& p, double e) const {
    const auto value_at = [&](double dx, double dy, double dz) {
      return sample_value(f, Point3{p.x + dx, p.y + dy, p.z + dz});
    };
    const double s = 0.5 / e;
    return {s * (value_at(e, 0, 0) - value_at(-e, 0, 0)),
            planar() ? 0.0 : s * (value_at(0, e, 0) - value_at(0, -e, 0)),
            s * (value_at(0, 0, e) - value_at(0, 0, -e))};
  }

  /// Central-difference gradient of `f` at sample (i, j, k), per nm, in f's own scalar (a dual
  /// carries its derivatives): g = {d/dx, d/dy, d/dz}.
  template <class T, class Space, class V = std::remove_cv_t<T>>
  FABTWIN_HD void gradient_in(View<T, Space> f, index_t i, index_t j, index_t k, V (&g)[3]) const {
    const double s = 0.5 / h;
    g[0] = s * (at(f, i + 1, j, k) - at(f, i - 1, j, k));
    g[1] = planar() ? V(0) : s * (at(f, i, j + 1, k) - at(f, i, j - 1, k));
    g[2] = s * (at(f, i, j, k + 1) - at(f, i, j, k - 1));
  }
  /// The same of the values alone.
  template <class T, class Space>
  FABTWIN_HD Point3 gradient(View<T, Space> f, index_t i, index_t j, index_t k) const {
    const double s = 0.5 / h;
    return {s * (value_at(f, i + 1, j, k) - value_at(f, i - 1, j, k)),
            planar() ? 0.0 : s * (value_at(f, i, j + 1, k) - value_at(f, i, j - 1, k)),
            s * (value_at(f, i, j, k + 1) - value_at(f, i, j, k - 1))};
  }
  /// The unit normal at sample (i, j, k): the gradient of the values normalised, up where it
  /// vanishes.
  template <class T, class Space>
  FABTWIN_HD Point3 unit_normal(View<T, Space> f, index_t i, index_t j, index_t k) const {
    const Point3 g = gradient(f, i, j, k);
    const double norm = g.norm();
    return norm > 1e-12 ? g * (1.0 / norm) : Point3{0, 0, 1};
  }
};

}  // namespace fabtwin::etch
