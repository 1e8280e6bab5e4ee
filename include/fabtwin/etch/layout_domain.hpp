#pragma once
// An etch domain whose mask is a layout window extruded: the polygons of one layer (the mask's
// openings, as for trenches and contacts, or the mask itself, as for lines) over a flat substrate,
// optionally above a stop layer, the window one period of the array its sides repeat (mirrored
// through them or periodic). A 3D domain; a feature infinite along y is etch/shapes.hpp's trench.
//
// The mask's foot is the layout's region (or its complement), and a taper of a degrees moves its
// sides in by z tan a at height z (out for a < 0): at z the mask is where the lateral signed
// distance u to the foot is at most -z tan a, an erosion (a dilation) of the drawn shape. The level
// sets are those of etch/shapes.hpp's section in the plane of u and z (detail::MaskSection), u
// exact (layout/region_distance.hpp). With vertical sides that is exact everywhere: the mask is a
// prism, the product of the region and the slab between the substrate's top and the thickness.
// Tapered, it is exact along the polygons' edges and has the exact zero set everywhere, but around
// their corners it is not a distance: phi is then left to the etch's first redistancing.

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/shapes.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/region_distance.hpp"

namespace fabtwin::etch {

/// What a layout's polygons are in the mask.
enum class LayoutTone {
  openings,  ///< where the mask is open: trenches, contacts (a dark-field mask)
  mask,      ///< where the mask stays: lines (a clear-field mask)
};

struct LayoutDomainSpec {
  std::array<double, 4> window_nm{0, 0, 1000, 1000};  ///< x0, y0, x1, y1: whole cells each way
  LayoutTone tone = LayoutTone::openings;
  double mask_thickness_nm = 100;
  double mask_taper_deg = 0;  ///< > 0 widens openings (narrows lines) by 2 H tan a at the top
  double grid_nm = 4;
  Boundary boundary = Boundary::reflective;
  double substrate_depth_nm = 100;  ///< substrate simulated below its top
  double gas_above_nm = 30;         ///< gas kept above the mask's top
  double stop_depth_nm = -1;        ///< > 0: a stop layer from this depth down to the bottom
};

/// The lateral signed distance (nm) to the mask of `spec` drawn by `shapes`: < 0 under the mask.
inline layout::RegionDistance layout_region(const layout::PolygonSet& shapes,
                                            const LayoutDomainSpec& spec,
                                            std::string_view where = "etch::layout_region") {
  return layout::RegionDistance(shapes, spec.window_nm,
                                spec.boundary == Boundary::periodic ? layout::WindowSides::periodic
                                                                    : layout::WindowSides::mirrored,
                                where);
}

/// The lattice make_layout_domain builds for `spec` (checked, the window's sides in whole cells):
/// what a caller sizes memory by.
inline Lattice layout_lattice(const LayoutDomainSpec& spec) {
  const char* where = "etch::make_layout_domain";
  const double h = spec.grid_nm;
  require(h > 0 && std::isfinite(h), where, "grid_nm", h, "a positive cell size in nm");
  const auto [wx0, wy0, wx1, wy1] = spec.window_nm;
  const auto cells = [&](double extent, const char* name) {
    const double count = extent / h;
    require(std::abs(count - std::round(count)) <= 1e-9 * count && std::round(count) >= 4, where,
            name, extent, [&] {
              return "a whole number of cells of grid_nm = " + ::fabtwin::describe(h) +
                     " nm, at least 4";
            });
    return index_t(std::llround(count));
  };
  Lattice l;
  l.h = h;
  l.boundary = spec.boundary;
  l.nx = cells(wx1 - wx0, "window width (nm)");
  l.ny = cells(wy1 - wy0, "window height (nm)");
  const double H = spec.mask_thickness_nm;
  require(H >= 0 && std::isfinite(H), where, "mask_thickness_nm", H, "a thickness >= 0 nm");
  require(spec.mask_taper_deg > -45 && spec.mask_taper_deg < 45, where, "mask_taper_deg",
          spec.mask_taper_deg, "a taper in (-45, 45) degrees");
  require(spec.substrate_depth_nm >= 2 * h && std::isfinite(spec.substrate_depth_nm), where,
          "substrate_depth_nm", spec.substrate_depth_nm, "at least two cells");
  require(spec.gas_above_nm >= 2 * h && std::isfinite(spec.gas_above_nm), where, "gas_above_nm",
          spec.gas_above_nm, "at least two cells");
  require(!(spec.stop_depth_nm > spec.substrate_depth_nm), where, "stop_depth_nm",
          spec.stop_depth_nm, "a depth within substrate_depth_nm, or <= 0 for none");
  l.nz = index_t(std::ceil((spec.substrate_depth_nm + H + spec.gas_above_nm) / h)) + 1;
  l.x0 = wx0 + 0.5 * h;
  l.y0 = wy0 + 0.5 * h;
  l.z0 = -spec.substrate_depth_nm;
  return l;
}

/// The domain of `spec` with the mask `shapes` draws (database units of shapes.unit_nm, any
/// number of polygons, overlapping or not): substrate top at z = 0, the window's samples at its
/// cells' centres. The opening measured (Domain::centre_x_nm, centre_y_nm) is the widest at the
/// mask's foot, at its point farthest from the mask (or the window's centre if nothing is open).
template <class T>
Domain<T, Host> make_layout_domain(const layout::PolygonSet& shapes, const LayoutDomainSpec& spec) {
  // The window (finite, x0 < x1, y0 < y1) and the polygons first, then the rest.
  const layout::RegionDistance region = layout_region(shapes, spec, "etch::make_layout_domain");
  const Lattice l = layout_lattice(spec);
  const double h = l.h, H = spec.mask_thickness_nm;
  const auto [wx0, wy0, wx1, wy1] = spec.window_nm;
  Domain<T, Host> domain(l);
  domain.substrate_top_nm = 0;
  domain.mask_top_nm = H;

  // The lateral distance to the mask's foot at every column, within the window's diagonal: where
  // nothing (or everything) is open it is none, and the section wants its mask's far side beyond.
  const double sign = spec.tone == LayoutTone::mask ? 1.0 : -1.0;
  const double reach = std::hypot(wx1 - wx0, wy1 - wy0);
  std::vector<double> lateral(std::size_t(l.nx * l.ny));
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i) {
      const Point3 p = l.position(i, j, 0);
      lateral[std::size_t(i + l.nx * j)] = std::clamp(sign * region(p.x, p.y), -reach, reach);
    }

  detail::MaskSection section;
  section.thickness = H;
  section.slope = std::tan(spec.mask_taper_deg * std::numbers::pi / 180);
  section.stop_depth = spec.stop_depth_nm;
  section.seam = 0.01 * h;
  section.far = 10 * reach + 10 * H;
  const index_t n = l.size();
  auto psi = domain.materials.view();
  auto phi = domain.phi.view();
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t j = 0; j < l.ny; ++j)
      for (index_t i = 0; i < l.nx; ++i) {
        const index_t at = l.index(i, j, k);
        const detail::MaskSection::Levels levels =
            section.at(lateral[std::size_t(i + l.nx * j)], l.position(i, j, k).z);
        psi[at + int(Material::substrate) * n] = T(levels.substrate);
        psi[at + int(Material::mask) * n] = T(levels.mask);
        psi[at + int(Material::stop) * n] = T(levels.stop);
        phi[at] = T(levels.surface);
      }
  // Tapered sides leave the plane's distances exact along a polygon's edges but not around its
  // corners: the etch's first redistancing then solves every sample's.
  domain.phi_is_distance = section.slope == 0;

  // The opening to measure: the widest, around the open point farthest from the mask's foot (the
  // columns within a millionth of a cell of the farthest; their mean where that is as far, as
  // on a rectangle's axis, else the nearest of them to it, as on a bent wire's centre line).
  const double farthest = *std::max_element(lateral.begin(), lateral.end());
  domain.centre_x_nm = 0.5 * (wx0 + wx1);
  domain.centre_y_nm = 0.5 * (wy0 + wy1);
  if (farthest > 0) {
    double sx = 0, sy = 0, count = 0;
    for (index_t j = 0; j < l.ny; ++j)
      for (index_t i = 0; i < l.nx; ++i)
        if (lateral[std::size_t(i + l.nx * j)] >= farthest - 1e-6 * h) {
          sx += l.x0 + double(i) * h, sy += l.y0 + double(j) * h, count += 1;
        }
    const double mx = sx / count, my = sy / count;
    if (sign * region(mx, my) >= farthest - 1e-6 * h) {
      domain.centre_x_nm = mx, domain.centre_y_nm = my;
    } else {
      double nearest = 1e300;
      for (index_t j = 0; j < l.ny; ++j)
        for (index_t i = 0; i < l.nx; ++i) {
          const double x = l.x0 + double(i) * h, y = l.y0 + double(j) * h;
          const double r = std::hypot(x - mx, y - my);
          if (lateral[std::size_t(i + l.nx * j)] >= farthest - 1e-6 * h && r < nearest)
            nearest = r, domain.centre_x_nm = x, domain.centre_y_nm = y;
        }
    }
  }
  return domain;
}

}  // namespace fabtwin::etch
