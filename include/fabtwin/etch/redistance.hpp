#pragma once
// Redistancing: phi replaced by the signed Euclidean distance to its own zero level set within a
// band of `band` nm (farther samples get +-band, which keeps sphere tracing safe: it only ever
// steps less than the true distance).
//
// Samples next to a sign change keep their value where phi is a distance already and are rescaled
// where it is not (crossing_distance below); with the normal that gives each such sample its
// closest point on the surface. The other samples take the nearest of the closest points
// their neighbours know, passed on one cell per Jacobi iteration (a vector distance transform,
// Danielsson, CGIP 14, 1980, run as one parallel kernel per iteration). The result is the true
// Euclidean distance to the surface points found, with no preferred direction: the first-order
// Godunov eikonal solution that fast marching and fast sweeping compute overestimates distances
// along diagonals by a few per cent, which made spheres etch faster along their diagonals.

#include <cmath>
#include <limits>
#include <utility>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/exec/compact.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::etch {
namespace detail {

/// Whether sample (i, j, k) is 0 or a sample of its 3 x 3 (x 3) cube has the other sign: it then
/// shapes the trilinear surface in a cell it touches. Reads values alone.
template <class T, class Space>
FABTWIN_HD bool touches_surface(const Lattice& l, View<T, Space> phi, index_t i, index_t j,
                                index_t k) {
  const double p = l.value_at(phi, i, j, k);
  bool near = p == 0;
  const int reach_y = l.planar() ? 0 : 1;
  for (int dk = -1; dk <= 1 && !near; ++dk)
    for (int dj = -reach_y; dj <= reach_y && !near; ++dj)
      for (int di = -1; di <= 1 && !near; ++di)
        near = (p < 0) != (l.value_at(phi, i + di, j + dj, k + dk) < 0);
  return near;
}

/// Distance from sample (i, j, k) to the zero level set when a sample of its 3 x 3 (x 3) cube has
/// the other sign (it then shapes the trilinear surface in a cell it touches), or -1. A field
/// known to be a distance (`keep`: the etch loop's, moved by less than a cell since its last
/// redistancing) keeps its value there, so redistancing never moves the surface; so does any field
/// where |grad phi| is within 10 % of 1. Elsewhere the value is the nearer of phi / |grad phi|
/// (Chopp, JCP 106, 1993) and the distance to the plane through the crossings along the axes
/// (Russo and Smereka, JCP 163, 2000). Re-estimating a distance step after step would be wrong at
/// a kink, where central differences give |grad phi| < 1 for ever and the value would grow by that
/// factor every time.
template <class T, class Space>
FABTWIN_HD double crossing_distance(const Lattice& l, View<const T, Space> phi, index_t i,
                                    index_t j, index_t k, bool keep = false) {
  if (!touches_surface(l, phi, i, j, k)) return -1.0;
  const double p = l.value_at(phi, i, j, k);
  if (keep) return fabs(p);
  const double g = l.gradient(phi, i, j, k).norm();
  if (g > 0.9 && g < 1.1) return fabs(p);
  double inverse_squares = 0;
  const int axes = l.planar() ? 2 : 3;
  for (int a = 0; a < axes; ++a) {
    double nearest = 1e300;
    for (int side = -1; side <= 1; side += 2) {
      const index_t di = a == 0 ? side : 0, dk = a == 1 ? side : 0, dj = a == 2 ? side : 0;
      const double q = double(l.at(phi, i + di, j + dj, k + dk));
      if ((p < 0) != (q < 0) || p == 0) {
        const double gap = p - q;
        nearest = fmin(nearest, fabs(gap != 0 ? p / gap : 0.0) * l.h);
      }
    }
    if (nearest < 1e-12 * l.h) return 0;
    if (nearest < 1e300) inverse_squares += 1.0 / (nearest * nearest);
  }
  // The nearer of the two estimates: phi / |grad phi| overestimates where phi saturates next to
  // the surface (an occupancy ramp: central differences see half its slope), the plane through
  // the axis crossings where the surface turns a corner between them.
  const double plane = inverse_squares > 0 ? 1.0 / sqrt(inverse_squares) : 1e300;
  const double scaled = g > 1e-12 ? fabs(p) / g : 1e300;
  return fmin(plane, scaled) < 1e300 ? fmin(plane, scaled) : 0.0;
}

/// A sample's closest point on the surface as the offset to it, and the sample next to the surface
/// that found it (whose value carries the derivatives a dual-valued phi has there).
struct ClosestPoint {
  Point3 offset;
  index_t source = -1;  ///< -1: no closest point known yet
  double distance = 0;  ///< of a sample next to the surface: exactly its estimate (|offset| rounds)
};

/// What a sample does in the iterations: keeps its closest point (next to the surface), looks for
/// one among its neighbours', or nothing (no surface sample lies within the iterations' reach, or,
/// in the narrow-band mode, it sits at the cap among samples at the cap).
enum SampleRole : int { far_away = 0, searching = 1, next_to_surface = 2 };

/// Calls visit(di, dj, dk, ii, jj, neighbour) for each of sample (i, j, k)'s 8 (26) neighbours:
/// lateral indices folded (ii and jj as they were before folding, to tell a mirror image), those
/// beyond the top and bottom left out.
template <class Visit>
FABTWIN_HD void for_each_neighbour(const Lattice& l, index_t i, index_t j, index_t k,
                                   Visit&& visit) {
  const int reach_y = l.planar() ? 0 : 1;
  for (int dk = -1; dk <= 1; ++dk) {
    const index_t kk = k + dk;
    if (kk < 0 || kk >= l.nz) continue;
    for (int dj = -reach_y; dj <= reach_y; ++dj)
      for (int di = -1; di <= 1; ++di) {
        if (di == 0 && dj == 0 && dk == 0) continue;
        const index_t ii = i + di, jj = j + dj;
        visit(di, dj, dk, ii, jj, l.index(l.fold(ii, l.nx), l.planar() ? 0 : l.fold(jj, l.ny), kk));
      }
  }
}

/// Every sample's role. In the narrow-band mode (phi a distance capped at `band` already) a
/// sample at the cap whose neighbours are all at the cap is far from the surface.
template <class T, class Space>
struct ClassifySamples {
  Lattice l;
  View<const T, Space> phi;
  View<int, Space> role;
  double band;
  bool narrow;
  FABTWIN_HD bool at_cap(index_t i, index_t j, index_t k) const {
    return fabs(double(l.at(phi, i, j, k))) >= band;
  }
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    const index_t at = l.index(i, j, k);
    if (touches_surface(l, phi, i, j, k)) {
      role[at] = next_to_surface;
      return;
    }
    role[at] = searching;
    if (narrow && at_cap(i, j, k)) {
      bool all = true;
      const int reach_y = l.planar() ? 0 : 1;
      for (int dk = -1; dk <= 1 && all; ++dk)
        for (int dj = -reach_y; dj <= reach_y && all; ++dj)
          for (int di = -1; di <= 1 && all; ++di) all = at_cap(i + di, j + dj, k + dk);
      if (all) role[at] = far_away;
    }
  }
};

/// One step of the reach of the samples next to the surface: a sample is reached when it or a
/// neighbour was. A closest point moves one cell per iteration, so a sample the reach has not met
/// after as many steps as there are iterations never finds one and ends at the cap.
template <class Space>
struct ExtendReach {
  Lattice l;
  View<const unsigned char, Space> in;
  View<unsigned char, Space> out;
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    const index_t at = l.index(i, j, k);
    bool reached = in[at] != 0;
    if (!reached)
      for_each_neighbour(l, i, j, k, [&](int, int, int, index_t, index_t, index_t n) {
        reached = reached || in[n] != 0;
      });
    out[at] = reached ? 1 : 0;
  }
};

template <class Space>
struct IsNextToSurface {
  View<const int, Space> role;
  View<unsigned char, Space> reached;
  FABTWIN_HD void operator()(index_t i) const { reached[i] = role[i] == next_to_surface ? 1 : 0; }
};

template <class Space>
struct FarUnlessReached {
  View<const unsigned char, Space> reached;
  View<int, Space> role;
  FABTWIN_HD void operator()(index_t i) const {
    if (!reached[i]) role[i] = far_away;
  }
};

template <class Space>
struct InBand {
  View<const int, Space> role;
  FABTWIN_HD bool operator()(index_t i) const { return role[i] != far_away; }
};

/// slot_of[sample] = its place in the band's list + 1 (0, a fresh field's value: not in the band).
template <class Space>
struct NumberSlots {
  View<const index_t, Space> sample;
  View<int, Space> slot_of;
  FABTWIN_HD void operator()(index_t s) const { slot_of[sample[s]] = int(s) + 1; }
};

/// The band's samples next to the surface: their distance, and the offset to their closest point
/// on it; the others start with none.
template <class T, class Space>
struct InitialiseClosest {
  Lattice l;
  View<const T, Space> phi;
  View<const int, Space> role;
  View<const index_t, Space> sample;
  View<ClosestPoint, Space> closest;
  bool keep;
  FABTWIN_HD void operator()(index_t s) const {
    const index_t at = sample[s];
    if (role[at] != next_to_surface) {
      closest[s] = ClosestPoint{};
      return;
    }
    const auto [i, j, k] = l.indices(at);
    const double d = crossing_distance(l, phi, i, j, k, keep);
    const Point3 n = l.unit_normal(phi, i, j, k);
    // The surface lies against the gradient from a sample outside, along it from one inside.
    closest[s] = ClosestPoint{n * (double(phi[at]) < 0 ? d : -d), at, d};
  }
};

/// One iteration: each searching sample takes the nearest closest point among its own and its 8
/// (26) neighbours'. A neighbour across a reflective side is a mirror image: the x (y) part of its
/// offset flips.
template <class Space>
struct PropagateClosest {
  Lattice l;
  View<const int, Space> role;
  View<const index_t, Space> sample;
  View<const int, Space> slot_of;
  View<const ClosestPoint, Space> in;
  View<ClosestPoint, Space> out;
  FABTWIN_HD void operator()(index_t s) const {
    const index_t at = sample[s];
    if (role[at] != searching) return;  // both buffers hold its closest point from the start
    const auto [i, j, k] = l.indices(at);
    ClosestPoint best = in[s];
    double best_distance = best.source < 0 ? 1e300 : best.offset.dot(best.offset);
    const bool mirror = l.boundary == Boundary::reflective;
    for_each_neighbour(l, i, j, k, [&](int di, int dj, int dk, index_t ii, index_t jj, index_t n) {
      const int slot = slot_of[n];
      if (slot == 0) return;
      const ClosestPoint& c = in[slot - 1];
      if (c.source < 0) return;
      Point3 o = c.offset;
      if (mirror && (ii < 0 || ii >= l.nx)) o.x = -o.x;
      if (mirror && !l.planar() && (jj < 0 || jj >= l.ny)) o.y = -o.y;
      const Point3 candidate{double(di) * l.h + o.x, double(dj) * l.h + o.y,
                             double(dk) * l.h + o.z};
      const double distance = candidate.dot(candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = ClosestPoint{candidate, c.source, 0};
      }
    });
    out[s] = best;
  }
};

/// Samples next to the surface: their distance; a dual keeps its derivatives as they were (the
/// surface's motion, which a rescaling by 1 / |grad phi| would amplify at every kink, step after
/// step). Reads and writes each sample's own value alone.
template <class T, class Space>
struct DistanceNextToSurface {
  View<const int, Space> role;
  View<const index_t, Space> sample;
  View<const ClosestPoint, Space> closest;
  View<T, Space> phi;
  FABTWIN_HD void operator()(index_t s) const {
    const index_t at = sample[s];
    if (role[at] != next_to_surface) return;
    const double value = value_of(phi[at]), d = closest[s].distance;
    phi[at] = (phi[at] - T(value)) + T(value < 0 ? -d : d);
  }
};

/// The other samples: their distance to their closest point, capped at the band. Within the band
/// a dual takes the derivatives of the sample next to the surface that found the point: moving the
/// surface by delta along its normal moves every distance along that normal by delta. Writes the
/// samples it reads its own sign from, and reads the final values of samples next to the surface,
/// which it does not write.
template <class T, class Space>
struct DistanceAway {
  View<const int, Space> role;
  View<const int, Space> slot_of;
  View<const ClosestPoint, Space> closest;
  View<T, Space> phi;
  double band;
  FABTWIN_HD void operator()(index_t i) const {
    if (role[i] == next_to_surface) return;
    const double sign = value_of(phi[i]) < 0 ? -1.0 : 1.0;
    const int slot = slot_of[i];
    const ClosestPoint c = slot > 0 ? closest[slot - 1] : ClosestPoint{};
    const double d = c.source < 0 ? band : c.offset.norm();
    if (d >= band) {
      phi[i] = T(sign * band);
      return;
    }
    const T& found = phi[c.source];  // final already: written by DistanceNextToSurface
    phi[i] = found - T(value_of(found)) + T(sign * d);
  }
};

}  // namespace detail

/// How much of the grid redistancing visits.
enum class Band {
  whole_grid,  ///< any input: every sample solves for its distance
  /// phi is a distance capped at the band already, moved by less than a cell since (the etch loop):
  /// samples next to the surface keep their values, samples at the cap whose neighbours are all at
  /// the cap stay there, the others are solved. On a 3D feature that leaves the few samples within
  /// the band of the surface (etch_bench measures the saving).
  narrow,
};

/// Replaces `phi` by the signed distance to its zero level set within `band_nm`.
///
/// The closest points live on the band alone: the samples that can find one, listed in order
/// (exec/compact.hpp), each with its place in the list. On a 3D hole at 1 and 0.5 nm cells that is
/// a fifth and a tenth of the grid; the two buffers of closest points (40 bytes a sample each) over
/// the whole grid were half an etch's peak of memory (docs/etch.md, "Sparse storage").
template <class T, class Space>
void redistance(Context<Space>& ctx, const Lattice& l, Field<T, Space>& phi, double band_nm,
                Band band = Band::whole_grid) {
  const Range3 range{l.nx, l.ny, l.nz};
  const index_t size = phi.size();
  // A closest point moves one cell (in any direction) per iteration.
  const int iterations = int(std::ceil(band_nm / l.h)) + 2;
  Field<int, Space> role(phi.grid());
  for_each(ctx, range,
           detail::ClassifySamples<T, Space>{l, phi.cview(), role.view(), band_nm,
                                             band == Band::narrow});
  if (band == Band::whole_grid) {
    // Every sample searches; those the iterations cannot reach end at the cap without a list
    // entry. (In the narrow mode the samples off the cap lie within the band already.)
    Field<unsigned char, Space> reached(phi.grid()), next(phi.grid());
    for_each(ctx, Range1{size}, detail::IsNextToSurface<Space>{role.cview(), reached.view()});
    for (int it = 0; it < iterations; ++it) {
      for_each(ctx, range, detail::ExtendReach<Space>{l, reached.cview(), next.view()});
      std::swap(reached, next);
    }
    for_each(ctx, Range1{size}, detail::FarUnlessReached<Space>{reached.cview(), role.view()});
  }
  const KeptIndices<Space> in_band =
      compact_indices(ctx, size, detail::InBand<Space>{role.cview()});
  require<out_of_memory>(in_band.count < index_t(std::numeric_limits<int>::max()),
                         "etch::redistance", "samples in the band", double(in_band.count),
                         "fewer than 2^31 (each sample's place in the band is an int)");
  Field<int, Space> slot_of(phi.grid());
  const View<const index_t, Space> sample = in_band.indices.cview();
  for_each(ctx, Range1{in_band.count}, detail::NumberSlots<Space>{sample, slot_of.view()});
  const Grid band_grid(in_band.count > 0 ? in_band.count : 1, 1, 1.0);
  Field<detail::ClosestPoint, Space> closest(band_grid), next(band_grid);
  for_each(ctx, Range1{in_band.count},
           detail::InitialiseClosest<T, Space>{l, phi.cview(), role.cview(), sample, closest.view(),
                                               band == Band::narrow});
  copy(closest.cview(), next.view());
  for (int it = 0; it < iterations; ++it) {
    for_each(ctx, Range1{in_band.count},
             detail::PropagateClosest<Space>{l, role.cview(), sample, slot_of.cview(),
                                             closest.cview(), next.view()});
    std::swap(closest, next);
  }
  for_each(
      ctx, Range1{in_band.count},
      detail::DistanceNextToSurface<T, Space>{role.cview(), sample, closest.cview(), phi.view()});
  for_each(ctx, Range1{size},
           detail::DistanceAway<T, Space>{role.cview(), slot_of.cview(), closest.cview(),
                                          phi.view(), band_nm});
}

}  // namespace fabtwin::etch
