#pragma once
// What an etch acts on: the surface as the zero level set of phi (a signed distance in nm, negative
// inside solid), and one level set per material (negative inside that material). The surface
// moves; the material level sets only say which material a point of the surface belongs to, and
// are cut back to the solid after every step (psi_m = max(psi_m, phi)), so a material cannot
// reappear where the surface has passed.

#include <string>
#include <utility>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

/// The materials of a stack, in the order of Domain::materials' batch members.
enum class Material : int { substrate = 0, mask = 1, stop = 2 };
inline constexpr int material_count = 3;

inline const char* material_name(Material m) {
  switch (m) {
    case Material::substrate:
      return "substrate";
    case Material::mask:
      return "mask";
    case Material::stop:
      return "stop";
  }
  return "?";
}

/// The material whose level set is lowest at sample i: the one a point belongs to when inside
/// solid, the nearest one when in the gas just above. Ties (a sample on an interface) go to the
/// later material (mask, stop): an interface sample is not substrate that would etch sideways
/// under the mask.
template <class T, class Space>
FABTWIN_HD int material_at(View<const T, Space> materials, index_t i) {
  const index_t n = materials.member_size();
  int best = 0;
  T lowest = materials[i];
  for (int m = 1; m < material_count; ++m)
    if (materials[i + m * n] <= lowest) {
      lowest = materials[i + m * n];
      best = m;
    }
  return best;
}

/// The material a front reaches next at sample i, whose phi is `phi`: the one whose level set is
/// the lowest above phi there (the cut keeps every level set >= phi, the front's own equal to it;
/// in the gas phi, the distance to the solid, is at most each material's distance), or -1. Ties
/// to the later material, as in material_at.
template <class T, class Space>
FABTWIN_HD int next_material(View<const T, Space> materials, index_t i, double phi) {
  const index_t n = materials.member_size();
  int best = -1;
  double lowest = 0;
  for (int m = 0; m < material_count; ++m) {
    const double psi = value_of(materials[i + m * n]);
    if (psi > phi && (best < 0 || psi <= lowest)) {
      best = m;
      lowest = psi;
    }
  }
  return best;
}

/// The material at the surface point that sample (i, j, k) projects to, `depth` = -phi > 0 along the
/// unit normal `n` from a sample inside the solid. The sample's own material is not always it: a
/// sample just inside a stop layer is the nearest sample to a front still in the substrate above,
/// and labelling that front "stop" halted it half a cell short of the layer. Each level set is
/// extrapolated along n with its gradient taken on the side away from the gas (the side towards
/// the gas is cut back to phi, CutMaterials, and no longer the material's own distance); the lowest
/// wins, ties to the later material as in material_at, and a tie is within a twentieth of a cell:
/// the builders let a mask reach a hundredth of a cell into the substrate (etch/shapes.hpp), so a
/// cavity's ceiling under the mask sits on that seam, which is the mask's.
template <class T, class Space>
FABTWIN_HD int material_at_surface(const Lattice& l, View<const T, Space> materials, index_t i,
                                   index_t j, index_t k, Point3 n, double depth) {
  const index_t member = materials.member_size();
  const int axes = l.planar() ? 2 : 3;
  int best = 0;
  double lowest = 0;
  for (int m = 0; m < material_count; ++m) {
    const View<const T, Space> psi(materials.data() + m * member, l.nx, l.ny, l.nz);
    const double here = value_of(psi[l.index(i, j, k)]);
    double along = 0;  // n . grad psi
    for (int a = 0; a < axes; ++a) {
      const double component = a == 0 ? n.x : (a == 1 ? n.z : n.y);
      if (component == 0) continue;
      const int away = component > 0 ? -1 : 1;  // the neighbour away from the gas along this axis
      const index_t di = a == 0 ? away : 0, dk = a == 1 ? away : 0, dj = a == 2 ? away : 0;
      const double behind = value_of(l.at(psi, i + di, j + dj, k + dk));
      along += component * (here - behind) / (l.h * double(-away));
    }
    const double at_point = here + depth * along;
    if (m == 0 || at_point <= lowest + 0.05 * l.h) {
      lowest = at_point;
      best = m;
    }
  }
  return best;
}

template <class T, class Space>
struct Domain {
  Lattice lattice;
  Field<T, Space> phi;          ///< the surface: signed distance, < 0 in solid
  Field<T, Space> materials;    ///< material_count level sets, < 0 inside each material
  double substrate_top_nm = 0;  ///< z of the substrate's original top (depths are measured from it)
  double mask_top_nm = 0;       ///< z of the mask's original top
  double centre_x_nm = 0, centre_y_nm = 0;  ///< the opening's axis
  /// phi is the exact signed distance already (the builders compute it): the first redistancing
  /// keeps its values next to the surface instead of re-estimating them from the samples, which
  /// would round the corners of the mask by a fraction of a cell.
  bool phi_is_distance = false;
  /// The lattice holds the part on the positive side of the opening's axis (x > 0; y > 0 in 3D),
  /// which is a reflective side (etch::FeatureSpec::mirrored); whole_pitch() unfolds it.
  bool mirrored = false;

  explicit Domain(const Lattice& l)
      : lattice(l), phi(grid_of(l)), materials(grid_of(l), material_count) {}

  /// The fields' Grid (3D; ny = 1 for a cross-section).
  static Grid grid_of(const Lattice& l) {
    require(
        l.nx > 0 && l.ny > 0 && l.nz > 1, "etch::Domain", "lattice",
        [&] {
          return std::to_string(l.nx) + "x" + std::to_string(l.ny) + "x" + std::to_string(l.nz);
        },
        "at least 1 x 1 x 2 samples");
    return Grid::volume(l.nx, l.ny, l.nz, {l.h, l.h, l.h}, {l.x0, l.y0, l.z0});
  }
};

/// `domain` copied into the space To: the builders (etch/shapes.hpp) make host domains, a device
/// run etches a copy, and metrology reads a host copy back.
template <class To, class T, class From>
Domain<T, To> to(const Domain<T, From>& domain) {
  Domain<T, To> out(domain.lattice);
  copy(domain.phi, out.phi);
  copy(domain.materials, out.materials);
  out.substrate_top_nm = domain.substrate_top_nm;
  out.mask_top_nm = domain.mask_top_nm;
  out.centre_x_nm = domain.centre_x_nm;
  out.centre_y_nm = domain.centre_y_nm;
  out.phi_is_distance = domain.phi_is_distance;
  out.mirrored = domain.mirrored;
  return out;
}

namespace detail {

/// A domain on `l` whose sample (i, j, k) is sample source(i, j, k) (a flat index) of `domain`, in
/// phi and every material; its heights, opening and whether phi is a distance copied.
template <class T, class Source>
Domain<T, Host> remapped(const Domain<T, Host>& domain, const Lattice& l, Source source) {
  Domain<T, Host> out(l);
  out.substrate_top_nm = domain.substrate_top_nm;
  out.mask_top_nm = domain.mask_top_nm;
  out.centre_x_nm = domain.centre_x_nm;
  out.centre_y_nm = domain.centre_y_nm;
  out.phi_is_distance = domain.phi_is_distance;
  const index_t n_in = domain.lattice.size(), n_out = l.size();
  for (index_t k = 0; k < l.nz; ++k)
    for (index_t j = 0; j < l.ny; ++j)
      for (index_t i = 0; i < l.nx; ++i) {
        const index_t at = l.index(i, j, k), from = source(i, j, k);
        out.phi.data()[at] = domain.phi.data()[from];
        for (int m = 0; m < material_count; ++m)
          out.materials.data()[at + m * n_out] = domain.materials.data()[from + m * n_in];
      }
  return out;
}

}  // namespace detail

/// A mirrored domain (Domain::mirrored) unfolded to the whole pitch about its axis (the samples the
/// full domain of the same spec has); any other domain copied as it is.
template <class T>
Domain<T, Host> whole_pitch(const Domain<T, Host>& domain) {
  const Lattice& half = domain.lattice;
  if (!domain.mirrored) return to<Host>(domain);
  Lattice l = half;
  l.nx = 2 * half.nx;
  l.x0 = -half.x0 - double(half.nx - 1) * half.h;
  if (!half.planar()) {
    l.ny = 2 * half.ny;
    l.y0 = -half.y0 - double(half.ny - 1) * half.h;
  }
  // Sample i of the whole pitch is sample i - nx of the half, or its mirror nx - 1 - i.
  const auto from = [](index_t i, index_t n) { return i < n ? n - 1 - i : i - n; };
  return detail::remapped(domain, l, [&](index_t i, index_t j, index_t k) {
    return half.index(from(i, half.nx), half.planar() ? 0 : from(j, half.ny), k);
  });
}

/// `domain` reflected through the plane x = y: x and y exchanged, samples, fields and the opening's
/// axis alike. Metrology measures across x (an x-z section), so a feature running along x is
/// measured across its width in the reflected copy; the etch, whose model has no preferred lateral
/// direction, is the same there. A mirrored domain is unfolded first.
template <class T>
Domain<T, Host> swapped_xy(const Domain<T, Host>& domain) {
  const Domain<T, Host> whole = whole_pitch(domain);
  const Lattice& in = whole.lattice;
  Lattice l = in;
  std::swap(l.nx, l.ny);
  std::swap(l.x0, l.y0);
  Domain<T, Host> out = detail::remapped(
      whole, l, [&](index_t i, index_t j, index_t k) { return in.index(j, i, k); });
  std::swap(out.centre_x_nm, out.centre_y_nm);
  return out;
}

}  // namespace fabtwin::etch
