#pragma once
// Simple etch geometries: a trench, a hole or a line opened in a mask (resist or hard mask) on a
// substrate, optionally over a stop layer, one pitch wide between reflective (or periodic) sides.
// The mask's sidewalls may be tapered: the opening is given at the mask's bottom, and a taper of
// a degrees widens a trench or hole (narrows a line) by 2 H tan(a) at the mask's top. Level sets
// are exact signed distances to each material's cross-section, in the plane of z and the lateral
// distance to the mask's foot (detail::MaskSection; from |x| for trenches and lines, the radius for
// holes); etch/layout_domain.hpp builds layouts' masks on the same section.

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/redistance.hpp"
#include "fabtwin/exec/context.hpp"

namespace fabtwin::etch {

enum class Feature { trench, hole, line };

struct FeatureSpec {
  Feature feature = Feature::trench;
  double opening_nm = 100;  ///< width (trench, hole diameter, line width) at the mask's bottom
  double pitch_nm = 300;    ///< the period across the sides
  double mask_thickness_nm = 100;
  double mask_taper_deg = 0;
  int dimension = 2;  ///< 2: an xz cross-section; 3: a volume (a hole needs 3)
  double grid_nm = 3;
  Boundary boundary = Boundary::reflective;
  double substrate_depth_nm = 600;  ///< substrate simulated below its top
  double gas_above_nm = 30;         ///< gas kept above the mask's top (the source plane's margin)
  double stop_depth_nm = -1;        ///< > 0: a stop layer from this depth down to the bottom
  /// Simulate the part on the positive side of the feature's axis (x > 0; in 3D also y > 0) with a
  /// reflective side on the axis: the feature is mirror-symmetric about it, so that is the same
  /// periodic array with the same samples, and half (a quarter of) the surface points and rays.
  /// Needs reflective sides and an even number of cells across the pitch (the axis then falls on
  /// a face between samples). whole_pitch() unfolds the result.
  bool mirrored = false;
};

namespace detail {

/// Distance (nm) from (s, z) to the polyline through `corners`, back to the first when `closed`.
template <std::size_t N>
double polyline_distance(double s, double z, const double (&corners)[N][2], bool closed) {
  double nearest = 1e300;
  for (std::size_t e = 0; e + (closed ? 0 : 1) < N; ++e) {
    const double ax = corners[e][0], az = corners[e][1];
    const double ex = corners[(e + 1) % N][0] - ax, ez = corners[(e + 1) % N][1] - az;
    const double px = s - ax, pz = z - az;
    const double t = std::clamp((px * ex + pz * ez) / (ex * ex + ez * ez), 0.0, 1.0);
    nearest = std::min(nearest, std::hypot(px - t * ex, pz - t * ez));
  }
  return nearest;
}

/// Whether (s, z) lies inside the convex polygon `corners` (counter-clockwise): left of every edge.
template <std::size_t N>
bool inside_convex(double s, double z, const double (&corners)[N][2]) {
  for (std::size_t e = 0; e < N; ++e) {
    const double ax = corners[e][0], az = corners[e][1];
    const double ex = corners[(e + 1) % N][0] - ax, ez = corners[(e + 1) % N][1] - az;
    if (ex * (z - az) - ez * (s - ax) < 0) return false;
  }
  return true;
}

/// A mask standing on the substrate's top (z = 0) to `thickness`, in the plane of u, the lateral
/// signed distance to the mask's foot (< 0 under it), and z: its side runs from (0, 0) to
/// (-thickness x slope, thickness), slope the tangent of its taper. In that plane the 3D level sets
/// are exact wherever the lateral distance is measured to a straight side (a trench's, a line's,
/// a layout polygon's edge) or about an axis (a hole's): the nearest point lies in the plane.
struct MaskSection {
  double thickness = 0, slope = 0;
  double stop_depth = -1;  ///< > 0: a stop layer from this depth down
  double seam = 0;         ///< how far the mask reaches into the substrate (a hundredth of a cell)
  double far = 1e6;        ///< beyond every sample: where the mask's far side stands in u

  /// What a level set reads where there is no such material.
  static constexpr double none = 1e30;

  struct Levels {
    double surface, substrate, mask, stop;
  };

  /// The level sets at (u, z). The mask's reaches `seam` into the substrate, so that a sample on
  /// the interface is inside the mask (process.hpp, ClampToMaterials) and labelled mask. The
  /// surface is the exact signed distance to the boundary of the solid's union (the exposed
  /// substrate top, the mask's side and top), not a min of the materials' level sets, which is 0
  /// along a face two materials share and is not a distance inside.
  Levels at(double u, double z) const {
    const double H = thickness, tilt = H * slope;
    Levels out{z, z, none, none};
    if (H > 0) {
      const double mask[4][2] = {{-far, -seam}, {0, -seam}, {-tilt, H}, {-far, H}};
      const double to_mask = polyline_distance(u, z, mask, true);
      const bool in_mask = inside_convex(u, z, mask);
      out.mask = in_mask ? -to_mask : to_mask;
      const double boundary[4][2] = {{far, 0}, {0, 0}, {-tilt, H}, {-far, H}};
      const double to_surface = polyline_distance(u, z, boundary, false);
      out.surface = z < 0 || out.mask < 0 ? -to_surface : to_surface;
    }
    if (stop_depth > 0) {
      out.stop = z + stop_depth;
      out.substrate = std::max(z, -stop_depth - z);
    }
    return out;
  }
};

}  // namespace detail

/// Whether `spec` can be simulated mirrored (FeatureSpec::mirrored): reflective sides and an even
/// number of cells across the pitch.
inline bool mirrorable(const FeatureSpec& spec) {
  const auto cells = std::max<index_t>(4, index_t(std::lround(spec.pitch_nm / spec.grid_nm)));
  return spec.boundary == Boundary::reflective && cells % 2 == 0;
}

inline void check(const FeatureSpec& spec) {
  const char* where = "etch::make_feature_domain";
  require(spec.grid_nm > 0 && std::isfinite(spec.grid_nm), where, "grid_nm", spec.grid_nm,
          "a positive cell size in nm");
  require(spec.pitch_nm >= 4 * spec.grid_nm && std::isfinite(spec.pitch_nm), where, "pitch_nm",
          spec.pitch_nm,
          [&] { return "at least 4 cells (" + ::fabtwin::describe(4 * spec.grid_nm) + " nm)"; });
  require(spec.opening_nm > 0 && spec.opening_nm < spec.pitch_nm, where, "opening_nm",
          spec.opening_nm,
          [&] { return "in (0, pitch_nm = " + ::fabtwin::describe(spec.pitch_nm) + ") nm"; });
  require(spec.mask_thickness_nm >= 0 && std::isfinite(spec.mask_thickness_nm), where,
          "mask_thickness_nm", spec.mask_thickness_nm, "a thickness >= 0 nm");
  require(spec.mask_taper_deg > -45 && spec.mask_taper_deg < 45, where, "mask_taper_deg",
          spec.mask_taper_deg, "a taper in (-45, 45) degrees");
  require(spec.dimension == 2 || spec.dimension == 3, where, "dimension", spec.dimension, "2 or 3");
  require(spec.feature != Feature::hole || spec.dimension == 3, where, "dimension", spec.dimension,
          "3 for a hole (a 2D hole is a trench)");
  require(spec.substrate_depth_nm >= 2 * spec.grid_nm, where, "substrate_depth_nm",
          spec.substrate_depth_nm, "at least two cells");
  require(spec.gas_above_nm >= 2 * spec.grid_nm, where, "gas_above_nm", spec.gas_above_nm,
          "at least two cells");
  const double narrowest =
      spec.opening_nm + 2 * spec.mask_thickness_nm *
                            std::tan(spec.mask_taper_deg * std::numbers::pi / 180) *
                            (spec.feature == Feature::line ? -1 : 1);
  require(narrowest > 0 && narrowest < spec.pitch_nm, where, "mask_taper_deg", spec.mask_taper_deg,
          "a taper that leaves the opening inside (0, pitch) at the mask's top");
  if (spec.mirrored) {
    require(spec.boundary == Boundary::reflective, where, "boundary", "periodic",
            "reflective sides for a mirrored domain (its axis is a mirror)");
    require(mirrorable(spec), where, "pitch_nm / grid_nm", spec.pitch_nm / spec.grid_nm,
            "an even number of cells for a mirrored domain (the axis between two samples)");
  }
}

/// The lattice make_feature_domain(spec) builds (spec checked): what a caller sizes memory by.
inline Lattice feature_lattice(const FeatureSpec& spec) {
  check(spec);
  const double h = spec.grid_nm;
  Lattice l;
  l.h = h;
  l.boundary = spec.boundary;
  l.nx = std::max<index_t>(4, index_t(std::lround(spec.pitch_nm / h)));
  l.ny = spec.dimension == 3 ? l.nx : 1;
  const double height = spec.substrate_depth_nm + spec.mask_thickness_nm + spec.gas_above_nm;
  l.nz = index_t(std::ceil(height / h)) + 1;
  // Lateral samples at cell centres, symmetric about 0: the sides fall on the outer faces.
  l.x0 = -0.5 * double(l.nx - 1) * h;
  l.y0 = spec.dimension == 3 ? -0.5 * double(l.ny - 1) * h : 0;
  if (spec.mirrored) {  // the samples with x (y) > 0 of the same grid: the axis is a face
    l.nx /= 2;
    l.x0 = 0.5 * h;
    if (spec.dimension == 3) {
      l.ny /= 2;
      l.y0 = 0.5 * h;
    }
  }
  l.z0 = -spec.substrate_depth_nm;
  return l;
}

/// The domain of `spec`: substrate top at z = 0, the feature's axis at x = y = 0, the mask from
/// z = 0 to its thickness, every level set the exact signed distance.
template <class T>
Domain<T, Host> make_feature_domain(const FeatureSpec& spec) {
  const Lattice l = feature_lattice(spec);
  const double h = spec.grid_nm;
  Domain<T, Host> domain(l);
  domain.substrate_top_nm = 0;
  domain.mask_top_nm = spec.mask_thickness_nm;
  domain.phi_is_distance = true;
  domain.mirrored = spec.mirrored;

  detail::MaskSection section;
  section.thickness = spec.mask_thickness_nm;
  section.slope = std::tan(spec.mask_taper_deg * std::numbers::pi / 180);
  section.stop_depth = spec.stop_depth_nm;
  section.seam = 0.01 * h;
  section.far = 10 * spec.pitch_nm + 10 * spec.mask_thickness_nm;
  const double a0 = 0.5 * spec.opening_nm;
  auto psi = domain.materials.view();
  auto phi = domain.phi.view();
  const index_t n = l.size();
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t j = 0; j < l.ny; ++j)
      for (index_t i = 0; i < l.nx; ++i) {
        const Point3 p = l.position(i, j, k);
        const index_t at = l.index(i, j, k);
        // The lateral distance to the mask's foot: beyond the opening's edge for a trench (the
        // nearer of its two) and a hole (about its axis), inside the line's edge for a line.
        const double u = spec.feature == Feature::hole   ? a0 - std::hypot(p.x, p.y)
                         : spec.feature == Feature::line ? std::abs(p.x) - a0
                                                         : a0 - std::abs(p.x);
        const detail::MaskSection::Levels levels = section.at(u, p.z);
        psi[at + int(Material::substrate) * n] = T(levels.substrate);
        psi[at + int(Material::mask) * n] = T(levels.mask);
        psi[at + int(Material::stop) * n] = T(levels.stop);
        phi[at] = T(levels.surface);
      }
  return domain;
}

/// A developed resist film as an etch mask: what the resist stage left (resist/development_front.hpp's
/// arrival times against the development time), 1 where resist is left and 0 where it cleared,
/// either an x-z cross-section (ny = 1) or the whole film (ny > 1).
struct ResistProfile {
  std::vector<double> resist;  ///< rows x ny x nx, x fastest, row 0 the film's bottom
  index_t nx = 0, rows = 0;
  double pitch_nm = 1;  ///< the lateral pixel pitch
  index_t ny = 1;       ///< 1: a cross-section (a feature infinite along y)
  double layer_nm = 0;  ///< the rows' pitch; 0: pitch_nm
  double layer() const { return layer_nm > 0 ? layer_nm : pitch_nm; }
};

namespace detail {

/// The centre of the largest 4-connected region of cleared pixels (below 1/2) of the film's bottom
/// row, in pixels from the first pixel's centre, for the opening a 3D profile is measured at.
inline std::pair<double, double> largest_cleared_centre(const ResistProfile& profile) {
  const index_t nx = profile.nx, ny = profile.ny;
  std::vector<int> seen(std::size_t(nx * ny), 0);
  std::pair<double, double> best{0.5 * double(nx - 1), 0.5 * double(ny - 1)};
  std::size_t best_size = 0;
  std::vector<index_t> stack;
  for (index_t start = 0; start < nx * ny; ++start) {
    if (seen[std::size_t(start)] || profile.resist[std::size_t(start)] >= 0.5) continue;
    double sx = 0, sy = 0;
    std::size_t size = 0;
    stack.assign(1, start);
    seen[std::size_t(start)] = 1;
    while (!stack.empty()) {
      const index_t at = stack.back();
      stack.pop_back();
      const index_t x = at % nx, y = at / nx;
      sx += double(x);
      sy += double(y);
      ++size;
      const index_t neighbours[4] = {x > 0 ? at - 1 : -1, x + 1 < nx ? at + 1 : -1,
                                     y > 0 ? at - nx : -1, y + 1 < ny ? at + nx : -1};
      for (const index_t next : neighbours)
        if (next >= 0 && !seen[std::size_t(next)] && profile.resist[std::size_t(next)] < 0.5) {
          seen[std::size_t(next)] = 1;
          stack.push_back(next);
        }
    }
    if (size > best_size) {
      best_size = size;
      best = {sx / double(size), sy / double(size)};
    }
  }
  return best;
}

}  // namespace detail

/// The lattice make_resist_domain builds for these arguments (checked, the profile's values too):
/// what a caller sizes memory by.
inline Lattice resist_lattice(const ResistProfile& profile, double grid_nm,
                              double substrate_depth_nm, double gas_above_nm = 30) {
  const char* where = "etch::make_resist_domain";
  require(
      profile.nx >= 4 && profile.rows >= 1 && profile.ny >= 1 &&
          (profile.ny == 1 || profile.ny >= 4),
      where, "profile",
      [&] {
        return std::to_string(profile.nx) + " x " + std::to_string(profile.ny) + " x " +
               std::to_string(profile.rows);
      },
      "at least 4 x 1 x 1 pixels (a cross-section) or 4 x 4 x 1 (a film)");
  require(profile.resist.size() == std::size_t(profile.nx * profile.ny * profile.rows), where,
          "profile.resist.size()", profile.resist.size(), "nx x ny x rows samples");
  require(profile.pitch_nm > 0 && std::isfinite(profile.pitch_nm), where, "profile.pitch_nm",
          profile.pitch_nm, "a pixel pitch > 0 nm");
  require(profile.layer_nm >= 0 && std::isfinite(profile.layer_nm), where, "profile.layer_nm",
          profile.layer_nm, "a layer pitch >= 0 nm (0: the pixel pitch)");
  require(grid_nm > 0 && std::isfinite(grid_nm), where, "grid_nm", grid_nm, "a cell > 0 nm");
  require(substrate_depth_nm >= 2 * grid_nm, where, "substrate_depth_nm", substrate_depth_nm,
          "at least two cells");
  for (std::size_t i = 0; i < profile.resist.size(); ++i)
    require(
        profile.resist[i] >= 0 && profile.resist[i] <= 1, where,
        [&] { return "profile.resist[" + std::to_string(i) + "]"; }, profile.resist[i],
        "a resist fraction in [0, 1]");
  const bool film = profile.ny > 1;
  const double width = double(profile.nx) * profile.pitch_nm;
  const double depth_y = film ? double(profile.ny) * profile.pitch_nm : 0.0;
  const double thickness = double(profile.rows) * profile.layer();
  Lattice l;
  l.boundary = Boundary::reflective;
  l.nx = std::max<index_t>(4, index_t(std::lround(width / grid_nm)));
  l.h = width / double(l.nx);  // the period in whole cells, as near grid_nm as that allows
  l.ny = film ? index_t(std::lround(depth_y / l.h)) : 1;
  if (film)
    require(std::abs(double(l.ny) * l.h - depth_y) <= 1e-9 * depth_y, where, "profile.ny",
            profile.ny, [&] {
              return "a y period of whole cells of " + std::to_string(l.h) +
                     " nm (the x period's), as for a square film";
            });
  const index_t below = index_t(std::ceil(substrate_depth_nm / l.h));
  l.nz = below + index_t(std::ceil((thickness + gas_above_nm) / l.h));
  l.x0 = -0.5 * width + 0.5 * l.h;
  l.y0 = film ? -0.5 * depth_y + 0.5 * l.h : 0.0;
  l.z0 = -double(below) * l.h + 0.5 * l.h;
  return l;
}

/// An etch domain whose mask is `profile` on a flat substrate, the film's bottom at z = 0 and the
/// profile's centre at x = 0 (and y = 0), cells of `grid_nm` (the x period in whole cells, as near
/// grid_nm as that allows; the y period must then be whole cells too), reflective sides (the
/// profile's period). A cross-section (ny = 1) makes a 2D domain, a whole film a 3D one. The
/// resist's occupancy is interpolated (bi- or trilinearly) between pixel centres and its 1/2
/// crossing redistanced into the mask's level set; the union of resist and substrate likewise into
/// phi. Sample rows sit at half cells about z = 0, so the film's bottom falls between them. The
/// opening measured (centre_x_nm, centre_y_nm) is, in 2D, the widest cleared run at the film's
/// bottom and, in 3D, the centre of the largest cleared region there.
template <class T>
Domain<T, Host> make_resist_domain(Context<Host>& ctx, const ResistProfile& profile, double grid_nm,
                                   double substrate_depth_nm, double gas_above_nm = 30) {
  const Lattice l = resist_lattice(profile, grid_nm, substrate_depth_nm, gas_above_nm);
  const bool film = profile.ny > 1;
  const double width = double(profile.nx) * profile.pitch_nm;
  const double depth_y = film ? double(profile.ny) * profile.pitch_nm : 0.0;
  const double thickness = double(profile.rows) * profile.layer();
  Domain<T, Host> domain(l);
  domain.substrate_top_nm = 0;
  domain.mask_top_nm = thickness;
  // Resist occupancy at (x, y, z), linear between pixel centres along each axis the profile has, 0
  // above and below the film.
  const auto axis = [](double u, index_t n, index_t& i) {
    u = std::clamp(u, 0.0, double(n - 1));
    i = std::min<index_t>(index_t(u), std::max<index_t>(0, n - 2));
    return u - double(i);
  };
  const auto occupancy = [&](double x, double y, double z) {
    if (z < 0 || z > thickness) return 0.0;
    index_t i = 0, j = 0, k = 0;
    const double fx = axis((x + 0.5 * width) / profile.pitch_nm - 0.5, profile.nx, i);
    const double fy =
        film ? axis((y + 0.5 * depth_y) / profile.pitch_nm - 0.5, profile.ny, j) : 0.0;
    const double fz = axis(z / profile.layer() - 0.5, profile.rows, k);
    const auto at = [&](index_t a, index_t b, index_t c) {
      return profile.resist[std::size_t(
          std::min(a, profile.nx - 1) +
          profile.nx * (std::min(b, profile.ny - 1) + profile.ny * std::min(c, profile.rows - 1)))];
    };
    double sum = 0;
    for (int dc = 0; dc < 2; ++dc)
      for (int db = 0; db < 2; ++db)
        for (int da = 0; da < 2; ++da)
          sum += (da ? fx : 1 - fx) * (db ? fy : 1 - fy) * (dc ? fz : 1 - fz) *
                 at(i + da, j + db, k + dc);
    return sum;
  };
  Field<T, Host> mask(Domain<T, Host>::grid_of(l));
  const index_t n = l.size();
  auto psi = domain.materials.view();
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t j = 0; j < l.ny; ++j)
      for (index_t i = 0; i < l.nx; ++i) {
        const Point3 p = l.position(i, j, k);
        const double o = occupancy(p.x, p.y, p.z);
        const index_t at = l.index(i, j, k);
        mask.data()[at] = T((0.5 - o) * l.h);
        domain.phi.data()[at] = T((0.5 - (p.z < 0 ? 1.0 : o)) * l.h);
        psi[at + int(Material::substrate) * n] = T(p.z);
        psi[at + int(Material::stop) * n] = T(detail::MaskSection::none);
      }
  redistance(ctx, l, mask, 10 * l.h);
  for (index_t i = 0; i < n; ++i) psi[i + int(Material::mask) * n] = mask.data()[i];
  if (film) {
    const auto [cx, cy] = detail::largest_cleared_centre(profile);
    domain.centre_x_nm = (cx + 0.5) * profile.pitch_nm - 0.5 * width;
    domain.centre_y_nm = (cy + 0.5) * profile.pitch_nm - 0.5 * depth_y;
    return domain;
  }
  // The opening to measure: the widest cleared run at the film's bottom.
  index_t best_start = 0, best_length = 0;
  for (index_t i = 0; i < profile.nx;) {
    if (profile.resist[std::size_t(i)] >= 0.5) {
      ++i;
      continue;
    }
    index_t j = i;
    while (j < profile.nx && profile.resist[std::size_t(j)] < 0.5) ++j;
    if (j - i > best_length) best_length = j - i, best_start = i;
    i = j;
  }
  domain.centre_x_nm =
      (double(best_start) + 0.5 * double(best_length)) * profile.pitch_nm - 0.5 * width;
  return domain;
}

}  // namespace fabtwin::etch
