#pragma once
// Arrhenius rates over a wafer whose hotplate is not uniform. A static plate offset map dP(x, y)
// (K) enters the wafer's first-order lag linearly, so with the wafer starting uniform at the
// plate history's first knot t0 the local wafer temperature is
//
//   T(x, y, t) = T_wafer(t) + dP(x, y) g(t),   g(t) = 1 - exp(-(t - t0) / tau)
//
// (WaferResponse::at and ::offset_gain), and the local rate rate(T(x, y, t)) feeds a diffusivity
// or reaction-rate field. Lateral conduction in the wafer is neglected (it only smooths dP).
//
// A bake step needs the time integral of the local rate over the step (resist/peb_temperature_map.hpp):
// arrhenius_integral_map sums it on the nodes of arrhenius_quadrature for the nominal history,
//   integral rate(T(t) + g(t) dP(x, y)) dt ~ sum_q w_q rate(T(t_q) + g(t_q) dP(x, y)),
// exact to the quadrature's 1e-15 as long as the offset shifts the exponent Ea / (R T) by much less
// than 1 across a piece (1 K at 383 K moves it by 0.07 for Ea = 20 kcal/mol).

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/hotplate.hpp"

namespace fabtwin::thermal {

/// g(t) = 1 - exp(-(t - t0) / tau): how much of a constant plate offset the wafer has taken on.
inline double offset_gain(const WaferResponse& wafer, double t_s) {
  const double elapsed = t_s - wafer.plate().start();
  require(elapsed >= 0, "offset_gain", "t_s", t_s, "a time at or after the plate history's start");
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

/// out(x, y, zb) (=|+=) sum_q weight_q exp(ln A - b_K / (kelvin_q + gain_q offset(x, y))) over up
/// to `capacity` nodes of the quadrature; longer windows run it once per chunk of nodes. Where
/// `derivative` is given it gets (=|+=) d/d(offset) of the same sum from the same exponentials:
/// each term times gain_q b_K / T_q^2 (T_q the local temperature).
template <class T, class Space>
struct ArrheniusIntegrals {
  static constexpr int capacity = 16;
  View<const T, Space> offset;  // nx x ny
  View<T, Space> out;
  T ln_prefactor, activation_k;
  T weight[capacity], kelvin[capacity], gain[capacity];
  int nodes;
  bool accumulate;
  View<T, Space> derivative = {};  // out's shape, or empty
  FABTWIN_HD void operator()(index_t x, index_t y, index_t zb) const {
    const T dp = offset(x, y);
    const bool with_derivative = derivative.data() != nullptr;
    T sum = T(0), slope = T(0);
    for (int q = 0; q < nodes; ++q) {
      const T local = kelvin[q] + gain[q] * dp;
      const T term = weight[q] * cuda::std::exp(ln_prefactor - activation_k / local);
      sum += term;
      if (with_derivative) slope += term * gain[q] * activation_k / (local * local);
    }
    const index_t i = x + out.nx() * (y + out.ny() * zb);
    out[i] = accumulate ? out[i] + sum : sum;
    if (with_derivative) derivative[i] = accumulate ? derivative[i] + slope : slope;
  }
};

}  // namespace detail

/// How much of a steady plate offset the wafer has at time t: 1 for a map measured on the wafer
/// during the hold, or [&](double t) { return offset_gain(wafer, t); } for a plate offset taken on
/// through the air gap.
using OffsetGain = std::function<double(double)>;

/// Fills every sample (x, y, z, b) of `out` with law.rate(kelvin + gain * offset_k(x, y)), offset_k
/// a 2D map of plate offsets in K of out's nx x ny, kelvin the nominal wafer temperature and gain
/// from offset_gain (1 at steady state).
template <class T, class Space>
void arrhenius_rate_map(Context<Space>& ctx, const Arrhenius& law, double kelvin, double gain,
                        const Field<T, Space>& offset_k, Field<T, Space>& out) {
  const char* where = "arrhenius_rate_map";
  require(offset_k.grid().rank() == 2 && offset_k.batch() == 1, where, "offset_k.grid",
          offset_k.grid(), "a 2D map of one batch member");
  require(offset_k.grid().nx() == out.grid().nx() && offset_k.grid().ny() == out.grid().ny(), where,
          "offset_k.grid", offset_k.grid(), [&] {
            return "the nx x ny of out, " + std::to_string(out.grid().nx()) + "x" +
                   std::to_string(out.grid().ny());
          });
  require(std::isfinite(kelvin) && kelvin > 0, where, "kelvin", kelvin,
          "a positive, finite temperature in K");
  require(std::isfinite(gain) && gain >= 0 && gain <= 1, where, "gain", gain,
          "a fraction in [0, 1] (offset_gain)");
  const Grid& grid = out.grid();
  for_each(ctx, Range3{grid.nx(), grid.ny(), grid.nz() * out.batch()},
           detail::ArrheniusRates<T, Space>{offset_k.cview(), out.view(), T(law.ln_prefactor()),
                                            T(law.activation_kcal_per_mol() / gas_constant_kcal),
                                            T(kelvin), T(gain)});
}

namespace detail {

template <class T, class Space>
void arrhenius_integral_map(Context<Space>& ctx, const Arrhenius& law,
                            const TemperatureHistory& window, const Field<T, Space>& offset_k,
                            const OffsetGain& gain, Field<T, Space>& out,
                            Field<T, Space>* derivative, const char* where) {
  require(offset_k.grid().rank() == 2 && offset_k.batch() == 1, where, "offset_k.grid",
          offset_k.grid(), "a 2D map of one batch member");
  require(offset_k.grid().nx() == out.grid().nx() && offset_k.grid().ny() == out.grid().ny(), where,
          "offset_k.grid", offset_k.grid(), [&] {
            return "the nx x ny of out, " + std::to_string(out.grid().nx()) + "x" +
                   std::to_string(out.grid().ny());
          });
  if (derivative)
    require_same_shape(out.grid(), derivative->grid(), where, "offset_derivative.grid");
  require(static_cast<bool>(gain), where, "gain", "an empty function",
          "a function of time (1 for a steady map)");
  const T lowest = min(ctx, offset_k.cview()), highest = max(ctx, offset_k.cview());
  require(
      std::isfinite(double(lowest)) && std::isfinite(double(highest)), where, "offset_k",
      [&] {
        return "a map from " + ::fabtwin::describe(lowest) + " to " + ::fabtwin::describe(highest);
      },
      "finite temperature offsets in K");

  const double activation_k = law.activation_kcal_per_mol() / gas_constant_kcal;
  const auto nodes = arrhenius_quadrature(window, activation_k);
  const Grid& grid = out.grid();
  detail::ArrheniusIntegrals<T, Space> integrals{
      offset_k.cview(),
      out.view(),
      T(law.ln_prefactor()),
      T(activation_k),
      {},
      {},
      {},
      0,
      false,
      derivative ? derivative->view() : View<T, Space>{}};
  for (std::size_t first = 0; first < nodes.size(); first += integrals.capacity) {
    integrals.nodes = int(std::min<std::size_t>(integrals.capacity, nodes.size() - first));
    for (int q = 0; q < integrals.nodes; ++q) {
      const QuadratureNode& node = nodes[first + std::size_t(q)];
      const double g = gain(node.t_s);
      require(
          std::isfinite(g) && g >= 0, where,
          [&] { return "gain(" + ::fabtwin::describe(node.t_s) + " s)"; }, g, "a finite gain >= 0");
      require(node.kelvin + g * std::min(double(lowest), 0.0) > 0, where, "offset_k", lowest, [&] {
        return "offsets that keep the wafer above 0 K (nominal " +
               ::fabtwin::describe(node.kelvin) + " K)";
      });
      integrals.weight[q] = T(node.weight);
      integrals.kelvin[q] = T(node.kelvin);
      integrals.gain[q] = T(g);
    }
    for_each(ctx, Range3{grid.nx(), grid.ny(), grid.nz() * out.batch()}, integrals);
    integrals.accumulate = true;
  }
}

}  // namespace detail

/// Fills every sample (x, y, z, b) of `out` with the integral over `window` of
/// law.rate(T(t) + gain(t) offset_k(x, y)) dt, T(t) the window's nominal wafer history and
/// offset_k a 2D map in K of out's nx x ny: the rate integrals of one step of a bake whose wafer
/// temperature varies across the field. The local temperature must stay positive.
template <class T, class Space>
void arrhenius_integral_map(Context<Space>& ctx, const Arrhenius& law,
                            const TemperatureHistory& window, const Field<T, Space>& offset_k,
                            const OffsetGain& gain, Field<T, Space>& out) {
  detail::arrhenius_integral_map(ctx, law, window, offset_k, gain, out,
                                 static_cast<Field<T, Space>*>(nullptr), "arrhenius_integral_map");
}

/// arrhenius_integral_map's integrals into `out` and their derivatives with respect to the offset
/// at each (x, y) into `offset_derivative` (out's shape): the integral of law.rate(T) Ea / (R T^2)
/// gain(t) dt at T = T(t) + gain(t) offset_k(x, y), on the same quadrature and from the same
/// exponentials (the derivative of what arrhenius_integral_map computes, at the cost of one map).
template <class T, class Space>
void arrhenius_integral_and_offset_derivative_map(Context<Space>& ctx, const Arrhenius& law,
                                                  const TemperatureHistory& window,
                                                  const Field<T, Space>& offset_k,
                                                  const OffsetGain& gain, Field<T, Space>& out,
                                                  Field<T, Space>& offset_derivative) {
  detail::arrhenius_integral_map(ctx, law, window, offset_k, gain, out, &offset_derivative,
                                 "arrhenius_integral_and_offset_derivative_map");
}

}  // namespace fabtwin::thermal
