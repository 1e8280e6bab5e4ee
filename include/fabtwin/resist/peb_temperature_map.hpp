#pragma once
// The post-exposure bake on a wafer whose temperature varies across the field (physics.md §2: a
// temperature map T(x, y, t) feeds D and k through Arrhenius):
//
//   T(x, y, t) = T(t) + g(t) dT(x, y),
//
// T(t) the nominal wafer history, dT a map of offsets in K (hotplate non-uniformity: below 0.1 K
// steady, about 1 K in transients) and g(t) the share of it the wafer has at time t (1 for a map
// measured during the hold; thermal::offset_gain for a plate offset taken on through the air gap).
//
// The same Strang splitting as bake() (peb.hpp): react over [t0, m], diffuse over [t0, t1], react
// over [m, t1]. The reaction stays exact per sample, now with each sample's own integrals of k_r
// and k_c over the sub-step (thermal::arrhenius_integral_map). The diffusion no longer has constant
// coefficients, so the implicit finite-volume solver (implicit_diffusion.hpp: harmonic face
// diffusivities, Crank-Nicolson with Strang-split axes by default) replaces the spectral one, run
// once per step with the step's mean diffusivity Dbar(x, y) = (1/h) integral D(T(x, y, t)) dt.
// Lateral and vertical diffusivities share their Arrhenius factor f(T) = D(T) / D(T_ref), so one
// field of integral f dt and the axis scales (D_lat, D_lat, D_vert) / h describe both.
//
// Error: the splitting's and the mean diffusivity's O(h^2) (the latter exact for a uniform map,
// whose operators at different times commute), Crank-Nicolson's O(h^2) and the finite volumes'
// O(dx^2). For a uniform map the bake equals bake() at the offset temperature up to the finite
// volumes' error (tested, with its second order in dx). Crank-Nicolson damps the finest modes
// weakly when D h / dx^2 >> 1 (the Sentaurus acid vertically: 27 nm^2/s at 1 s and 1 nm); the
// exposed acid is smooth in depth, and TimeScheme::backward_euler (first order) damps them fully.
//
// Boundaries: no flux through any outer face (mirror laterally, the substrate below, a top without
// evaporation). A map makes the field non-periodic in general; bake a periodic pattern over a
// window that ends on mirror planes of the pattern (line or space centres).

#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_reaction.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/implicit_diffusion.hpp"
#include "fabtwin/thermal/rate_map.hpp"

namespace fabtwin::resist {

namespace detail {

/// out(x, y, z) = plane(x, y). Run over out's (nx, ny, nz).
template <class T, class Space>
struct BroadcastPlane {
  View<const T, Space> plane;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t z) const { out(x, y, z) = plane(x, y); }
};

}  // namespace detail

/// Offsets of the wafer temperature from the bake history across the field:
/// T(x, y, t) = history(t) + gain(t) * offset_k(x, y), offset_k a 2D map (K) of the acid's nx x ny.
template <class T, class Space>
struct TemperatureMap {
  const Field<T, Space>& offset_k;
  thermal::OffsetGain gain = [](double) { return 1.0; };
};

struct MappedBakeOptions {
  thermal::TimeScheme scheme = thermal::TimeScheme::crank_nicolson;
  PebProgress progress;  ///< called after each step, as bake()'s
};

namespace detail {

/// The mapped bake's reaction and diffusion over given windows, shared by bake() and its adjoint
/// (peb_temperature_map_adjoint.hpp) so that the adjoint recomputes the forward's states in the
/// same arithmetic. Holds the plane and volume scratch fields of one state's shape.
template <class T, class Space>
class MappedBakeSteps {
 public:
  MappedBakeSteps(const PebModel& model, const TemperatureMap<T, Space>& map, const Grid& grid,
                  thermal::TimeScheme scheme)
      : model_(model),
        map_(map),
        grid_(grid),
        scheme_(scheme),
        plane_(grid.nx(), grid.ny(), grid.pitch().x),
        quench_(plane_),
        deprotect_(plane_),
        diffusivity_plane_(plane_),
        diffusivity_(grid) {}

  /// The reaction over [t0, t1] with each sample's rate integrals.
  void react(Context<Space>& ctx, const thermal::TemperatureHistory& history, double t0, double t1,
             Field<T, Space>& acid, Field<T, Space>& quencher, Field<T, Space>& deprotection) {
    set_rates(ctx, history, t0, t1);
    react(ctx, rates(), acid, quencher, deprotection.view());
  }

  /// The reaction with given rate integrals (rates() or the adjoint's own); with an empty
  /// deprotection view acid and quencher alone, the same bits (what the adjoint recomputes).
  void react(Context<Space>& ctx, const MappedReactionRates<T, Space>& rates, Field<T, Space>& acid,
             Field<T, Space>& quencher, View<T, Space> deprotection = {}) const {
    for_each(ctx, Range1{acid.size()},
             ReactAcidQuencher<T, Space, MappedReactionRates<T, Space>>{
                 acid.view(), quencher.view(), deprotection, rates});
  }

  /// One species' diffusion over `window`; leaves the step's D (integral of f dt, broadcast through
  /// the depth) in diffusivity().
  void diffuse(Context<Space>& ctx, Field<T, Space>& field, const Diffusivity& d,
               const thermal::TemperatureHistory& window) {
    if (!diffuses(d)) return;
    diffusivity_integrals(ctx, d, window, diffusivity_plane_);
    diffuse(ctx, field, d, window, diffusivity_plane_);
  }

  /// The same with the species' integrals of f dt over `window` given as a plane
  /// (diffusivity_integrals).
  void diffuse(Context<Space>& ctx, Field<T, Space>& field, const Diffusivity& d,
               const thermal::TemperatureHistory& window, const Field<T, Space>& integrals) {
    if (!diffuses(d)) return;
    set_diffusivity(ctx, integrals);
    thermal::diffuse_implicit(ctx, field, diffusivity_, window.end() - window.start(), 1,
                              solver(d, window));
  }

  /// Whether a species moves at all (in 2D only its lateral diffusivity counts).
  bool diffuses(const Diffusivity& d) const {
    return d.lateral_nm2_per_s != 0 || (grid_.rank() == 3 && d.vertical_nm2_per_s != 0);
  }

  /// The solver's options for one species over `window`: the axis scales D_a / dt, which multiply
  /// the integrals of f dt in diffusivity().
  thermal::ImplicitDiffusionOptions solver(const Diffusivity& d,
                                           const thermal::TemperatureHistory& window) const {
    const double lateral = d.lateral_nm2_per_s,
                 vertical = grid_.rank() == 3 ? d.vertical_nm2_per_s : 0.0;
    const double dt = window.end() - window.start();
    return {scheme_, 0.0, Vec3{lateral / dt, lateral / dt, vertical / dt}};
  }

  /// The integral of one species' Arrhenius factor f(T) dt over `window` (s) at every (x, y) into
  /// `plane`, and its offset derivative into *slope where given (the adjoint's).
  void diffusivity_integrals(Context<Space>& ctx, const Diffusivity& d,
                             const thermal::TemperatureHistory& window, Field<T, Space>& plane,
                             Field<T, Space>* slope = nullptr) const {
    integrate(ctx, 1.0, d.activation_kcal_per_mol, window, plane, slope);
  }

  /// diffusivity() = the plane of integrals of f dt broadcast through the depth.
  void set_diffusivity(Context<Space>& ctx, const Field<T, Space>& integrals) {
    for_each(ctx, Range3{grid_.nx(), grid_.ny(), grid_.nz()},
             BroadcastPlane<T, Space>{integrals.cview(), diffusivity_.view()});
  }

  /// The rate integrals over [t0, t1] at every (x, y), read by rates().
  void set_rates(Context<Space>& ctx, const thermal::TemperatureHistory& history, double t0,
                 double t1) {
    const auto window = history.window(t0, t1);
    integrate(ctx, model_.quench.per_s, model_.quench.activation_kcal_per_mol, window, quench_);
    integrate(ctx, model_.deprotect.per_s, model_.deprotect.activation_kcal_per_mol, window,
              deprotect_);
  }

  const Field<T, Space>& diffusivity() const { return diffusivity_; }
  MappedReactionRates<T, Space> rates() const { return {quench_.cview(), deprotect_.cview()}; }
  const Grid& plane() const { return plane_; }
  const TemperatureMap<T, Space>& map() const { return map_; }
  const PebModel& model() const { return model_; }

  /// out(x, y) = integral over `window` of r(T(t) + g(t) dT(x, y)) dt, r = at_reference at the
  /// model's reference temperature with `activation`, and its derivative with respect to dT(x, y)
  /// into *slope where given (from the same exponentials); 0 for a zero rate.
  void integrate(Context<Space>& ctx, double at_reference, double activation,
                 const thermal::TemperatureHistory& window, Field<T, Space>& out,
                 Field<T, Space>* slope = nullptr) const {
    if (at_reference == 0) {
      fill(ctx, out.view(), T(0));
      if (slope) fill(ctx, slope->view(), T(0));
      return;
    }
    const auto law =
        thermal::Arrhenius::from_reference(at_reference, model_.reference_kelvin, activation);
    if (slope)
      thermal::arrhenius_integral_and_offset_derivative_map(ctx, law, window, map_.offset_k,
                                                            map_.gain, out, *slope);
    else
      thermal::arrhenius_integral_map(ctx, law, window, map_.offset_k, map_.gain, out);
  }

 private:
  const PebModel& model_;
  const TemperatureMap<T, Space>& map_;
  Grid grid_;
  thermal::TimeScheme scheme_;
  // The integrals over the current (sub-)step vary in x and y only: they are taken on the plane
  // (the reaction reads sample i's at i mod nx ny) and broadcast through the depth for the solver.
  Grid plane_;
  Field<T, Space> quench_, deprotect_, diffusivity_plane_, diffusivity_;
};

inline void check_map(const Grid& grid, const Grid& map_grid, const char* where) {
  require<shape_mismatch>(map_grid.nx() == grid.nx() && map_grid.ny() == grid.ny(), where,
                          "map.offset_k.grid", map_grid, [&] {
                            return "the nx x ny of the exposed acid, " + std::to_string(grid.nx()) +
                                   "x" + std::to_string(grid.ny());
                          });
}

}  // namespace detail

/// Bakes the acid left by exposure (2D or 3D field, any batch) through `history` with the
/// temperature map `map`, in equal steps of at most `max_step_s`; see the header comment.
template <class T, class Space>
PebState<T, Space> bake(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                        const PebModel& model, const thermal::TemperatureHistory& history,
                        const TemperatureMap<T, Space>& map, double max_step_s,
                        const MappedBakeOptions& options = {}) {
  constexpr const char* where = "resist::bake (temperature map)";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  detail::check_map(exposed_acid.grid(), map.offset_k.grid(), where);
  PebState<T, Space> state = detail::initial_state(ctx, exposed_acid, model);
  detail::MappedBakeSteps<T, Space> step(model, map, exposed_acid.grid(), options.scheme);
  detail::strang_steps(
      history, steps,
      [&](double t0, double t1) {
        step.react(ctx, history, t0, t1, state.acid, state.quencher, state.deprotection);
      },
      [&](const thermal::TemperatureHistory& window) {
        step.diffuse(ctx, state.acid, model.acid, window);
        step.diffuse(ctx, state.quencher, model.quencher, window);
      },
      options.progress);
  return state;
}

/// The distance beyond which the mapped bake's lateral diffusion kernel holds at most `tolerance`
/// of its weight along one axis (both tails together), on samples of `pitch_nm`, under a map
/// uniformly `offset_k` above `history`, in bake()'s steps of at most `max_step_s` with `scheme`:
/// the larger of the acid's and the quencher's. The implicit steps' kernel has no closed form, so
/// it is measured: a unit sample diffused along a line through the same steps (on the host), the
/// line lengthened until the ends hold nothing the tails could miss. 0 without lateral diffusion.
inline double mapped_bake_range_nm(const PebModel& model,
                                   const thermal::TemperatureHistory& history, double offset_k,
                                   double pitch_nm, double max_step_s, thermal::TimeScheme scheme,
                                   double tolerance) {
  constexpr const char* where = "resist::mapped_bake_range_nm";
  model.validate(where);
  require(std::isfinite(offset_k), where, "offset_k", offset_k, "a finite offset in K");
  require(std::isfinite(pitch_nm) && pitch_nm > 0, where, "pitch_nm", pitch_nm, "a positive pitch");
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, where, "tolerance", tolerance,
          "a share in (0, 1)");
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  Context<Host> ctx(HostOptions{.threads = 1});
  double range = 0;
  for (const Diffusivity* d : {&model.acid, &model.quencher}) {
    if (d->lateral_nm2_per_s == 0) continue;
    // Start from a line of 8 Gaussian lengths each side (the implicit kernel's tails are longer).
    std::vector<thermal::Knot> knots = history.knots();
    for (thermal::Knot& k : knots) k.kelvin += offset_k;
    const double sigma =
        std::sqrt(2 * detail::integral(d->lateral_nm2_per_s, d->activation_kcal_per_mol,
                                       model.reference_kelvin, thermal::TemperatureHistory(knots)));
    index_t half = index_t(std::ceil(8 * sigma / pitch_nm)) + 8;
    for (;;) {
      const Grid line(2 * half + 1, 1, pitch_nm);
      Field<double, Host> offset(line), u(line);
      fill(ctx, offset.view(), offset_k);
      u.data()[half] = 1;
      const TemperatureMap<double, Host> map{offset};
      detail::MappedBakeSteps<double, Host> step(model, map, line, scheme);
      detail::strang_steps(
          history, steps, [](double, double) {},
          [&](const thermal::TemperatureHistory& window) { step.diffuse(ctx, u, *d, window); }, {});
      // The tails from the ends in: n is the smallest distance with at most `tolerance` beyond.
      double beyond = 0;
      index_t n = half;
      while (n > 0 &&
             beyond + std::abs(u.data()[half - n]) + std::abs(u.data()[half + n]) <= tolerance) {
        beyond += std::abs(u.data()[half - n]) + std::abs(u.data()[half + n]);
        --n;
      }
      // The no-flux ends fold back what passes them: trust the line where its outer quarter held
      // far less than the tolerance.
      double outer = 0;
      for (index_t m = half - half / 4; m <= half; ++m)
        outer += std::abs(u.data()[half - m]) + std::abs(u.data()[half + m]);
      if (outer <= 1e-3 * tolerance) {
        range = std::max(range, double(n) * pitch_nm);
        break;
      }
      require(half < (index_t(1) << 24), where, "the kernel's extent", double(half) * pitch_nm,
              "a kernel that falls below the tolerance within 2^24 samples");
      half *= 2;
    }
  }
  return range;
}

}  // namespace fabtwin::resist
