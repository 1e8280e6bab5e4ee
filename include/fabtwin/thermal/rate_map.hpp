#pragma once
// Arrhenius rates over a wafer whose hotplate is not uniform. A static plate offset map dP(x, y)
// (K) enters the wafer's first-order lag linearly, so with the wafer starting uniform at the
// plate history's first knot t0 the local wafer temperature is
//
//   T(x, y, t) = T_wafer(t) + dP(x, y) g(t),   g(t) = 1 - exp(-(t - t0) / tau)
//
// (WaferResponse::at and ::offset_gain), and the local rate rate(T(x, y, t)) feeds a diffusivity
// or reaction-rate field. Lateral conduction in the wafer is neglected (it only smooths dP).

#include <cmath>

#include <cuda/std/cmath>

#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/hotplate.hpp"

namespace fabtwin::thermal {

/// g(t) = 1 - exp(-(t - t0) / tau): how much of a constant plate offset the wafer has taken on.
inline double offset_gain(const WaferResponse& wafer, double t_s) {
  const double elapsed = t_s - wafer.plate().start();
  ::fabtwin::detail::require(elapsed >= 0, "offset_gain", "t_s", t_s, "a time at or after the plate history's start");
  return -std::expm1(-elapsed / wafer.tau());
}

namespace detail {

/// out(x, y, z, b) = exp(ln A - b_K / (kelvin + gain * offset(x, y))), b_K = Ea / R in K.
/// Run over (nx, ny, nz * batch) of `out`.
template <class T, class Space>
struct ArrheniusRates {
  View<const T, Space> offset;  // nx x ny
  View<T, Space> out;
  T ln_prefactor, activation_k, kelvin, gain;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t zb) const {
    const T local = kelvin + gain * offset(x, y);
    out[x + out.nx() * (y + out.ny() * zb)] = cuda::std::exp(ln_prefactor - activation_k / local);
  }
};

}  // namespace detail

/// Fills every sample (x, y, z, b) of `out` with law.rate(kelvin + gain * offset_k(x, y)), offset_k
/// a 2D map of plate offsets in K of out's nx x ny, kelvin the nominal wafer temperature and gain
/// from offset_gain (1 at steady state).
template <class T, class Space>
void arrhenius_rate_map(Context<Space>& ctx, const Arrhenius& law, double kelvin, double gain,
                        const Field<T, Space>& offset_k, Field<T, Space>& out) {
  const char* where = "arrhenius_rate_map";
  ::fabtwin::detail::require(offset_k.grid().rank() == 2 && offset_k.batch() == 1, where, "offset_k.grid",
                             offset_k.grid(), "a 2D map of one batch member");
  ::fabtwin::detail::require(offset_k.grid().nx() == out.grid().nx() && offset_k.grid().ny() == out.grid().ny(),
                             where, "offset_k.grid", offset_k.grid(),
                             "the nx x ny of out, " + std::to_string(out.grid().nx()) + "x" +
                                 std::to_string(out.grid().ny()));
  ::fabtwin::detail::require(std::isfinite(kelvin) && kelvin > 0, where, "kelvin", kelvin,
                             "a positive, finite temperature in K");
  ::fabtwin::detail::require(std::isfinite(gain) && gain >= 0 && gain <= 1, where, "gain", gain,
                             "a fraction in [0, 1] (offset_gain)");
  const Grid& grid = out.grid();
  for_each(ctx, Range3{grid.nx(), grid.ny(), grid.nz() * out.batch()},
           detail::ArrheniusRates<T, Space>{offset_k.cview(), out.view(), T(law.ln_prefactor()),
                                            T(law.activation_kcal_per_mol() / gas_constant_kcal), T(kelvin),
                                            T(gain)});
}

}  // namespace fabtwin::thermal
