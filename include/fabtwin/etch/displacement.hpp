#pragma once
// The surface's displacement under the parameters, carried as a vector beside a dual level set.
//
// A dual phi holds d phi / d p = -u, u the surface's normal displacement per unit parameter
// (etch/advect.hpp). Kept as that one number, u follows a sample through a turn of the surface
// next to it: a sample beside a trench's wall-to-be takes the floor's u while the floor lies above
// it (redistancing extends u along the normals) and keeps it once the corner has passed and its
// closest surface is the wall, whose position the floor's speed hardly moves. On a 48 nm SF6/O2
// trench (2 nm cells, 37 nm deep) the wall's u grew with depth to 0.6 nm per unit of the
// ion-enhanced yield against central differences' +-0.05, and the mid CD read 0.88 against 0.03.
//
// So each sample next to the surface also carries D, its displacement as a vector: every step adds
// the step's normal motion along the sample's normal. Where the normal has turned by more than
// 45 degrees from D, the surface beside the sample is another part of the front than the one that
// moved it, and u becomes n . D: the floor's D points down, so a vertical wall takes none of it
// and keeps what moves it sideways. Below 45 degrees u stays the sum of the motions: the normals
// at a moving front wander by a few degrees from step to step, which n . D would turn into a loss
// (an isotropic undercut's top and bottom CDs read 3.1 and 2.5 % low), and where the normals turn
// gradually under a sample (an isotropic floor rounding into the fan about a mask's corner) every
// part of the front moved by the same u. Away from the surface D is u n, from the u that
// redistancing gives the sample (its closest surface point's).
//
// Memory: a copy of phi and N vectors a sample, kept dense (for Dual<3>, 104 bytes a sample on
// top of phi's 32); a double etch keeps nothing.

#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/redistance.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::etch {
namespace detail {

/// D = u n (u = -d phi / d p) at every sample, or at those away from the surface.
template <int N, class Space>
struct DisplacementFromPhi {
  Lattice l;
  View<const Dual<N>, Space> phi;
  View<Point3, Space> displacement;  ///< N per sample: direction q of sample s at q * size + s
  bool away_only;
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    if (away_only && touches_surface(l, phi, i, j, k)) return;
    const index_t at = l.index(i, j, k), size = phi.size();
    const Point3 n = l.unit_normal(phi, i, j, k);
    for (int q = 0; q < N; ++q) displacement[q * size + at] = n * -phi[at].d[q];
  }
};

/// Samples next to the surface: D gains the step's normal motion along the normal, and where the
/// normal has turned from D by more than 45 degrees phi's derivatives become -n . D. Reads the
/// neighbours' values alone, so writing each sample's derivatives in place is safe.
template <int N, class Space>
struct CarryDisplacement {
  Lattice l;
  View<const Dual<N>, Space> before;  ///< phi at the start of the step
  View<Dual<N>, Space> phi;
  View<Point3, Space> displacement;
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    if (!touches_surface(l, phi, i, j, k)) return;
    const index_t at = l.index(i, j, k), size = phi.size();
    const Point3 n = l.unit_normal(phi, i, j, k);
    for (int q = 0; q < N; ++q) {
      Point3& d = displacement[q * size + at];
      d = d + n * (before[at].d[q] - phi[at].d[q]);
      const double along = n.dot(d);
      if (fabs(along) < 0.70710678 * d.norm()) phi[at].d[q] = -along;
    }
  }
};

}  // namespace detail

/// What a dual etch keeps beside phi between steps: nothing for a double phi.
template <class T, class Space>
class SurfaceDisplacement {
 public:
  SurfaceDisplacement(Context<Space>&, const Lattice&, const Field<T, Space>&) {}
  void before_step(Context<Space>&, const Field<T, Space>&) {}
  void carry(Context<Space>&, const Lattice&, Field<T, Space>&) {}
  void follow(Context<Space>&, const Lattice&, const Field<T, Space>&) {}
};

template <int N, class Space>
class SurfaceDisplacement<Dual<N>, Space> {
 public:
  SurfaceDisplacement(Context<Space>& ctx, const Lattice& l, const Field<Dual<N>, Space>& phi)
      : before_(phi.grid()), displacement_(Grid(phi.size() * N, 1, 1.0)) {
    for_each(ctx, Range3{l.nx, l.ny, l.nz},
             detail::DisplacementFromPhi<N, Space>{l, phi.cview(), displacement_.view(), false});
  }
  /// Remembers phi before the step's advection.
  void before_step(Context<Space>&, const Field<Dual<N>, Space>& phi) {
    copy(phi.cview(), before_.view());
  }
  /// After the advection (and its split at materials): next to the surface D takes the step's
  /// motion and, where the surface beside a sample has turned, gives phi its derivatives.
  void carry(Context<Space>& ctx, const Lattice& l, Field<Dual<N>, Space>& phi) {
    for_each(
        ctx, Range3{l.nx, l.ny, l.nz},
        detail::CarryDisplacement<N, Space>{l, before_.cview(), phi.view(), displacement_.view()});
  }
  /// After redistancing: away from the surface D follows phi.
  void follow(Context<Space>& ctx, const Lattice& l, const Field<Dual<N>, Space>& phi) {
    for_each(ctx, Range3{l.nx, l.ny, l.nz},
             detail::DisplacementFromPhi<N, Space>{l, phi.cview(), displacement_.view(), true});
  }

 private:
  Field<Dual<N>, Space> before_;
  Field<Point3, Space> displacement_;
};

}  // namespace fabtwin::etch
