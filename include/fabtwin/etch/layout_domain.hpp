#pragma once
// Etch domains whose mask is a layout extruded: the polygons of one layer (the mask's openings, as
// for trenches and contacts, or the mask itself, as for lines) over a flat substrate, optionally
// above a stop layer. Two cuts of it:
// - a window, in 3D (make_layout_domain): the window and a halo of the layout around it are one
//   period of the array the halo's outer sides repeat (mirrored through them or periodic);
// - a cross-section along a cut line, in 2D (make_layout_section): the features the line crosses
//   taken as extruded across it (right for wires the cut crosses square), the cut and its halo one
//   period of the cross-section's sides.
// The halo is there so that what the sides repeat is not what is measured: a mirrored side through
// an opening doubles it, and the layout's real neighbours shadow and load the window's features.
//
// The mask's foot is the layout's region (or its complement), and a taper of a degrees moves its
// sides in by z tan a at height z (out for a < 0): at z the mask is where the lateral signed
// distance u to the foot is at most -z tan a, an erosion (a dilation) of the drawn shape. The level
// sets are those of etch/shapes.hpp's section in the plane of u and z (detail::MaskSection), u
// exact (layout/region_distance.hpp in a window, layout/region_on_segment.hpp along a cut). With
// vertical sides that is exact everywhere: the mask is a prism, the product of the region and the
// slab between the substrate's top and the thickness. Tapered, it is exact along the polygons'
// edges and has the exact zero set everywhere, but around their corners it is not a distance: phi
// is then left to the etch's first redistancing.

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
#include "fabtwin/layout/region_on_segment.hpp"

namespace fabtwin::etch {

/// What a layout's polygons are in the mask.
enum class LayoutTone {
  openings,  ///< where the mask is open: trenches, contacts (a dark-field mask)
  mask,      ///< where the mask stays: lines (a clear-field mask)
};

/// The stack a layout is extruded into, and the grid: what a window and a cut share.
struct LayoutStack {
  LayoutTone tone = LayoutTone::openings;
  double mask_thickness_nm = 100;
  double mask_taper_deg = 0;  ///< > 0 widens openings (narrows lines) by 2 H tan a at the top
  double grid_nm = 4;
  Boundary boundary = Boundary::reflective;  ///< the outer sides: mirrored or periodic
  double substrate_depth_nm = 100;           ///< substrate simulated below its top
  double gas_above_nm = 30;                  ///< gas kept above the mask's top
  double stop_depth_nm = -1;  ///< > 0: a stop layer from this depth down to the bottom
};

/// A window of a layout, in 3D.
struct LayoutDomainSpec : LayoutStack {
  std::array<double, 4> window_nm{0, 0, 1000, 1000};  ///< x0, y0, x1, y1: whole cells each way
  double halo_nm = 0;  ///< the layout simulated around the window, each way: whole cells
  /// The window with its halo: the period across the domain's sides.
  std::array<double, 4> simulated_nm() const {
    return {window_nm[0] - halo_nm, window_nm[1] - halo_nm, window_nm[2] + halo_nm,
            window_nm[3] + halo_nm};
  }
};

/// A cross-section of a layout along a cut line, in 2D: x is the arc length from the cut's start.
struct LayoutSectionSpec : LayoutStack {
  std::array<double, 4> cut_nm{0, 0, 1000, 0};  ///< from x0, y0 to x1, y1
  double halo_nm = 0;  ///< the line simulated beyond each end of the cut, as near as whole cells
};

namespace detail {

inline void check_stack(const LayoutStack& spec, const char* where) {
  const double h = spec.grid_nm;
  require(h > 0 && std::isfinite(h), where, "grid_nm", h, "a positive cell size in nm");
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
}

/// The lattice's heights for `spec`, cell h: from the substrate's depth to the gas above the mask.
inline void stack_heights(const LayoutStack& spec, double h, Lattice& l) {
  l.nz = index_t(std::ceil((spec.substrate_depth_nm + spec.mask_thickness_nm + spec.gas_above_nm) /
                           h)) +
         1;
  l.z0 = -spec.substrate_depth_nm;
}

inline layout::WindowSides window_sides(Boundary boundary) {
  return boundary == Boundary::periodic ? layout::WindowSides::periodic
                                        : layout::WindowSides::mirrored;
}

/// Writes the level sets of the stack at every sample from `lateral`, the lateral signed distance
/// to the mask's foot of each column (x fastest), within +-reach.
template <class T>
void write_layout_levels(Domain<T, Host>& domain, const LayoutStack& spec,
                         const std::vector<double>& lateral, double reach) {
  const Lattice& l = domain.lattice;
  domain.substrate_top_nm = 0;
  domain.mask_top_nm = spec.mask_thickness_nm;
  detail::MaskSection section;
  section.thickness = spec.mask_thickness_nm;
  section.slope = std::tan(spec.mask_taper_deg * std::numbers::pi / 180);
  section.stop_depth = spec.stop_depth_nm;
  section.seam = 0.01 * l.h;
  section.far = 10 * reach + 10 * spec.mask_thickness_nm;
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
}

/// The open point farthest from the mask's foot among the columns `measured` accepts, `u(x, y)` the
/// lateral distance anywhere: the columns within a millionth of a cell of the farthest, their mean
/// where that is as far (as on a rectangle's axis), else the nearest of them to it (as on a bent
/// wire's centre line). `fallback` where nothing measured is open.
template <class Measured, class Lateral>
std::array<double, 2> farthest_open_point(const Lattice& l, const std::vector<double>& lateral,
                                          Measured measured, Lateral u,
                                          std::array<double, 2> fallback) {
  double farthest = 0;
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i)
      if (measured(i, j)) farthest = std::max(farthest, lateral[std::size_t(i + l.nx * j)]);
  if (!(farthest > 0)) return fallback;
  const auto plateau = [&](index_t i, index_t j) {
    return measured(i, j) && lateral[std::size_t(i + l.nx * j)] >= farthest - 1e-6 * l.h;
  };
  double sx = 0, sy = 0, count = 0;
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i)
      if (plateau(i, j)) sx += l.x0 + double(i) * l.h, sy += l.y0 + double(j) * l.h, count += 1;
  const double mx = sx / count, my = sy / count;
  if (u(mx, my) >= farthest - 1e-6 * l.h) return {mx, my};
  std::array<double, 2> best = fallback;
  double nearest = 1e300;
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i) {
      const double x = l.x0 + double(i) * l.h, y = l.y0 + double(j) * l.h;
      const double r = std::hypot(x - mx, y - my);
      if (plateau(i, j) && r < nearest) nearest = r, best = {x, y};
    }
  return best;
}

}  // namespace detail

/// The lateral signed distance (nm) to the mask of `spec` drawn by `shapes` over the window and its
/// halo: < 0 under the mask.
inline layout::RegionDistance layout_region(const layout::PolygonSet& shapes,
                                            const LayoutDomainSpec& spec,
                                            std::string_view where = "etch::layout_region") {
  return layout::RegionDistance(shapes, spec.simulated_nm(), detail::window_sides(spec.boundary),
                                where);
}

/// The lattice make_layout_domain builds for `spec` (checked, the window's sides and the halo in
/// whole cells): what a caller sizes memory by.
inline Lattice layout_lattice(const LayoutDomainSpec& spec) {
  const char* where = "etch::make_layout_domain";
  detail::check_stack(spec, where);
  const double h = spec.grid_nm;
  const auto cells = [&](double extent, const char* name, index_t least) {
    const double count = extent / h;
    require(std::isfinite(count) && std::abs(count - std::round(count)) <= 1e-9 * count &&
                std::round(count) >= double(least),
            where, name, extent, [&] {
              return "a whole number of cells of grid_nm = " + ::fabtwin::describe(h) +
                     " nm, at least " + std::to_string(least);
            });
    return index_t(std::llround(count));
  };
  const auto [wx0, wy0, wx1, wy1] = spec.window_nm;
  require(spec.halo_nm >= 0, where, "halo_nm", spec.halo_nm, "a halo >= 0 nm");
  const index_t halo = spec.halo_nm > 0 ? cells(spec.halo_nm, "halo_nm", 1) : 0;
  Lattice l;
  l.h = h;
  l.boundary = spec.boundary;
  l.nx = cells(wx1 - wx0, "window width (nm)", 4) + 2 * halo;
  l.ny = cells(wy1 - wy0, "window height (nm)", 4) + 2 * halo;
  detail::stack_heights(spec, h, l);
  l.x0 = wx0 - double(halo) * h + 0.5 * h;
  l.y0 = wy0 - double(halo) * h + 0.5 * h;
  return l;
}

/// The domain of `spec` with the mask `shapes` draws (database units of shapes.unit_nm, any
/// number of polygons, overlapping or not, those in the halo included): substrate top at z = 0,
/// the samples at the cells' centres, the halo's too. The opening measured (Domain::centre_x_nm,
/// centre_y_nm) is the widest at the mask's foot inside the window (not the halo), at its point
/// farthest from the mask (or the window's centre if nothing there is open).
template <class T>
Domain<T, Host> make_layout_domain(const layout::PolygonSet& shapes, const LayoutDomainSpec& spec) {
  // The window (finite, x0 < x1, y0 < y1) and the polygons first, then the rest.
  const layout::RegionDistance region = layout_region(shapes, spec, "etch::make_layout_domain");
  const Lattice l = layout_lattice(spec);
  const auto [wx0, wy0, wx1, wy1] = spec.window_nm;
  const auto [sx0, sy0, sx1, sy1] = spec.simulated_nm();
  Domain<T, Host> domain(l);

  // The lateral distance to the mask's foot at every column, within the diagonal: where nothing
  // (or everything) is open it is none, and the section wants its mask's far side beyond.
  const double sign = spec.tone == LayoutTone::mask ? 1.0 : -1.0;
  const double reach = std::hypot(sx1 - sx0, sy1 - sy0);
  std::vector<double> lateral(std::size_t(l.nx * l.ny));
  for (index_t j = 0; j < l.ny; ++j)
    for (index_t i = 0; i < l.nx; ++i) {
      const Point3 p = l.position(i, j, 0);
      lateral[std::size_t(i + l.nx * j)] = std::clamp(sign * region(p.x, p.y), -reach, reach);
    }
  detail::write_layout_levels(domain, spec, lateral, reach);

  const auto in_window = [&](index_t i, index_t j) {
    const Point3 p = l.position(i, j, 0);
    return p.x > wx0 && p.x < wx1 && p.y > wy0 && p.y < wy1;
  };
  const auto [cx, cy] = detail::farthest_open_point(
      l, lateral, in_window, [&](double x, double y) { return sign * region(x, y); },
      {0.5 * (wx0 + wx1), 0.5 * (wy0 + wy1)});
  domain.centre_x_nm = cx;
  domain.centre_y_nm = cy;
  return domain;
}

/// The cut of `spec` with its halo, end to end (nm): the segment the section's samples lie on.
inline std::array<double, 4> simulated_cut(const LayoutSectionSpec& spec, double halo_nm) {
  const auto [ax, ay, bx, by] = spec.cut_nm;
  const double length = std::hypot(bx - ax, by - ay);
  const double ex = (bx - ax) / length, ey = (by - ay) / length;
  return {ax - halo_nm * ex, ay - halo_nm * ey, bx + halo_nm * ex, by + halo_nm * ey};
}

/// The lattice make_layout_section builds for `spec` (checked): the cut in whole cells as near
/// grid_nm as that allows (Lattice::h), the halo in whole cells of that; x = 0 at the cut's start.
inline Lattice layout_section_lattice(const LayoutSectionSpec& spec) {
  const char* where = "etch::make_layout_section";
  detail::check_stack(spec, where);
  const auto [ax, ay, bx, by] = spec.cut_nm;
  const double length = std::hypot(bx - ax, by - ay);
  require(std::isfinite(length) && length >= 4 * spec.grid_nm, where, "cut length (nm)", length,
          [&] { return "at least 4 cells of grid_nm = " + ::fabtwin::describe(spec.grid_nm); });
  require(spec.halo_nm >= 0 && std::isfinite(spec.halo_nm), where, "halo_nm", spec.halo_nm,
          "a halo >= 0 nm");
  Lattice l;
  const index_t cells = index_t(std::llround(length / spec.grid_nm));
  l.h = length / double(cells);
  const index_t halo = index_t(std::llround(spec.halo_nm / l.h));
  l.boundary = spec.boundary;
  l.nx = cells + 2 * halo;
  l.ny = 1;
  l.x0 = -double(halo) * l.h + 0.5 * l.h;
  l.y0 = 0;
  detail::stack_heights(spec, l.h, l);
  return l;
}

/// The halo make_layout_section simulates (nm), from its lattice: the spec's in whole cells of it.
inline double section_halo(const Lattice& l) { return 0.5 * l.h - l.x0; }

/// The signed distance along the cut (with its halo) to the mask's foot of `spec`, < 0 under the
/// mask, at arc length s from the halo's start: what make_layout_section's columns read.
inline layout::SegmentDistance layout_section_lateral(
    const layout::PolygonSet& shapes, const LayoutSectionSpec& spec,
    std::string_view where = "etch::layout_section_lateral") {
  const Lattice l = layout_section_lattice(spec);
  return layout::SegmentDistance(shapes, simulated_cut(spec, section_halo(l)),
                                 detail::window_sides(spec.boundary), where);
}

/// The 2D cross-section of `spec` along its cut through the mask `shapes` draws (database units of
/// shapes.unit_nm): x the arc length from the cut's start (the halo at x < 0 and beyond the cut's
/// length), substrate top at z = 0. The opening measured (Domain::centre_x_nm) is the widest the
/// cut crosses (not its halo), at its middle (the cut's middle if it crosses none).
template <class T>
Domain<T, Host> make_layout_section(const layout::PolygonSet& shapes,
                                    const LayoutSectionSpec& spec) {
  const Lattice l = layout_section_lattice(spec);
  const double halo = section_halo(l);
  const layout::SegmentDistance along =
      layout_section_lateral(shapes, spec, "etch::make_layout_section");
  const double length = along.length() - 2 * halo;
  Domain<T, Host> domain(l);
  const double sign = spec.tone == LayoutTone::mask ? 1.0 : -1.0;
  const double reach = along.length();
  std::vector<double> lateral(std::size_t(l.nx));
  for (index_t i = 0; i < l.nx; ++i)
    lateral[std::size_t(i)] = std::clamp(sign * along(l.position(i, 0, 0).x + halo), -reach, reach);
  detail::write_layout_levels(domain, spec, lateral, reach);
  const auto on_cut = [&](index_t i, index_t) {
    const double x = l.position(i, 0, 0).x;
    return x > 0 && x < length;
  };
  domain.centre_x_nm = detail::farthest_open_point(
      l, lateral, on_cut, [&](double x, double) { return sign * along(x + halo); },
      {0.5 * length, 0})[0];
  domain.centre_y_nm = 0;
  return domain;
}

}  // namespace fabtwin::etch
