#pragma once
// The surface points of a level set: the samples within half a cell diagonal of the zero level set
// (every point of the surface has one as its nearest sample), each with its projection onto the
// surface (x - phi n), its unit normal n = grad phi / |grad phi| (out of the solid) and its
// material. Fluxes and rates are computed at these points; the velocity of the other samples near
// the surface is the rate of the surface point nearest to their projection (velocity extension
// along the normals, which keeps phi a distance as it moves; Adalsteinsson and Sethian, JCP 148,
// 1999).

#include <cmath>

#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/exec/compact.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::etch {

struct SurfacePoint {
  Point3 position;   ///< on the zero level set (nm)
  Point3 normal;     ///< unit, out of the solid
  index_t cell = 0;  ///< the sample it belongs to
  int material = 0;
};

template <class Space>
struct Surface {
  index_t count = 0;
  Field<SurfacePoint, Space> points;  ///< `count` of them (one placeholder when count is 0)
  Field<int, Space> point_of_cell;    ///< per sample: its surface point, or -1
};

/// Half a cell diagonal, slightly widened: the farthest a sample can be from the surface and still
/// be the nearest sample to a point of it.
inline double surface_band(const Lattice& l) {
  return 0.5 * l.h * std::sqrt(double(l.dimension())) * 1.02;
}

namespace detail {

/// Whether sample i is a surface sample: within `band` of the surface, or beside a zero crossing
/// that no sample within the band marks. The second happens where phi is steeper than a distance:
/// a fast front that stopped at a slow material (a stop layer) leaves the samples on either side of
/// the interface more than the band from it (redistancing keeps the values next to the surface),
/// and without a surface point there nothing would etch on.
template <class T, class Space>
struct NearSurface {
  Lattice l;
  View<const T, Space> phi;
  double band;
  FABTWIN_HD bool operator()(index_t at) const {
    const double v = value_of(phi[at]);
    if (fabs(v) <= band) return true;
    const auto [i, j, k] = l.indices(at);
    const int axes = l.planar() ? 2 : 3;
    for (int a = 0; a < axes; ++a)
      for (int s = -1; s <= 1; s += 2) {
        const index_t di = a == 0 ? s : 0, dk = a == 1 ? s : 0, dj = a == 2 ? s : 0;
        if (k + dk < 0 || k + dk >= l.nz) continue;
        const double w = value_of(l.at(phi, i + di, j + dj, k + dk));
        if ((v < 0) != (w < 0) && fabs(w) > band) return true;
      }
    return false;
  }
};

template <class T, class Space>
struct DescribeSurfacePoint {
  Lattice l;
  View<const T, Space> phi;
  View<const T, Space> materials;
  View<const index_t, Space> cells;  // the surface samples, in order
  View<SurfacePoint, Space> points;
  View<int, Space> point_of_cell;
  double band;
  FABTWIN_HD void operator()(index_t s) const {
    SurfacePoint& p = points[s];
    const index_t cell = cells[s];
    p.cell = cell;
    const auto [i, j, k] = l.indices(cell);
    Point3 g = l.gradient(phi, i, j, k);
    const double norm = g.norm();
    g = norm > 1e-12 ? g * (1.0 / norm) : Point3{0, 0, 1};
    p.normal = g;
    // Within the band phi is the distance; beyond it (NearSurface's second kind) the crossing is
    // phi / |grad phi| away.
    const double d = double(phi[cell]);
    const double offset = fabs(d) <= band || norm <= 1e-12 ? d : d / norm;
    p.position = l.position(i, j, k) - g * offset;
    // From a sample in the gas the nearest material is the point's (its level sets, cut back to
    // phi, say which); from one in the solid the sample's own need not be (domain.hpp).
    p.material = d < 0 ? material_at_surface(l, materials, i, j, k, g, -offset)
                       : material_at(materials, cell);
    point_of_cell[cell] = int(s);
  }
};

}  // namespace detail

/// The surface points of `domain` now.
template <class T, class Space>
Surface<Space> find_surface(Context<Space>& ctx, const Domain<T, Space>& domain) {
  const Lattice& l = domain.lattice;
  const Grid& grid = domain.phi.grid();
  // The surface samples in index order, listed where the level set lives (exec/compact.hpp).
  const detail::NearSurface<T, Space> near{l, domain.phi.cview(), surface_band(l)};
  const KeptIndices<Space> cells = compact_indices(ctx, grid.size(), near);
  const index_t count = cells.count;
  Surface<Space> surface{count, Field<SurfacePoint, Space>(cells.indices.grid()),
                         Field<int, Space>(grid)};
  fill(ctx, surface.point_of_cell.view(), -1);
  if (count == 0) return surface;
  for_each(ctx, Range1{count},
           detail::DescribeSurfacePoint<T, Space>{l, domain.phi.cview(), domain.materials.cview(),
                                                  cells.indices.cview(), surface.points.view(),
                                                  surface.point_of_cell.view(), surface_band(l)});
  return surface;
}

/// The surface point nearest to `p` among those of the 3 x 3 (x 3) samples around it, or -1.
template <class Space>
FABTWIN_HD int nearest_surface_point(const Lattice& l, View<const SurfacePoint, Space> points,
                                     View<const int, Space> point_of_cell, Point3 p) {
  // Fold p into the grid: the surface beyond a side is the image of the surface inside.
  const double u = l.fold((p.x - l.x0) / l.h, l.nx);
  const double v = l.planar() ? 0.0 : l.fold((p.y - l.y0) / l.h, l.ny);
  const Point3 q{l.x0 + u * l.h, l.y0 + v * l.h, p.z};
  const index_t ci = index_t(floor(u + 0.5)), cj = index_t(floor(v + 0.5));
  const index_t ck = index_t(floor((p.z - l.z0) / l.h + 0.5));
  int best = -1;
  double best_distance = 1e300;
  const int reach_y = l.planar() ? 0 : 1;
  for (int dk = -1; dk <= 1; ++dk)
    for (int dj = -reach_y; dj <= reach_y; ++dj)
      for (int di = -1; di <= 1; ++di) {
        const index_t k = ck + dk;
        if (k < 0 || k >= l.nz) continue;
        const index_t cell =
            l.index(l.fold(ci + di, l.nx), l.planar() ? 0 : l.fold(cj + dj, l.ny), k);
        const int s = point_of_cell[cell];
        if (s < 0) continue;
        const Point3 d = points[s].position - q;
        const double distance = d.dot(d);
        if (distance < best_distance) {
          best_distance = distance;
          best = s;
        }
      }
  return best;
}

}  // namespace fabtwin::etch
