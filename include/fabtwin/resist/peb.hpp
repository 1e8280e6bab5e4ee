#pragma once
// Post-exposure bake of a chemically amplified resist (physics.md §2): acid A and quencher Q
// diffuse and neutralise each other while the acid deprotects the resin,
//   dA/dt = div(D_A grad A) - k_r A Q,   dQ/dt = div(D_Q grad Q) - k_r A Q,   dM/dt = -k_c A M,
// through a bake temperature history T(t) that sets every coefficient by Arrhenius.
//
// Integrator: Strang splitting, per step of length h from t to t + h,
//   react over [t, t + h/2] -> diffuse A and Q over [t, t + h] -> react over [t + h/2, t + h],
// each part solved exactly: the reaction pointwise in closed form (peb_reaction.hpp), the diffusion
// as the Gaussian of variance 2 integral D dt per axis (spectral_diffusion.hpp; constant in space,
// anisotropic: lateral x, y and vertical z). The only error is the splitting's, second order in h
// (the symmetric composition of two exact flows; Strang 1968, SIAM J. Numer. Anal. 5, 506), and
// no step restriction applies: the Sentaurus set runs at h = 0.1 s or at 1 s where explicit
// stepping needs 0.02 s. The rates' time integrals over each part come from the history
// (thermal::Arrhenius::integral over a window), so a ramp, a hold and a cool cost nothing extra.
//
// Units: concentrations relative to the PAG loading (acid after exposure in [0, 1]); k_r in 1/s
// per unit relative concentration, k_c in 1/s, D in nm^2/s. The inhibitor (protected fraction)
// after the bake is M = exp(-deprotection) with M0 = 1.
//
// A temperature map across the field (rates and D varying in space) is peb_temperature_map.hpp's.

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/resist/peb_reaction.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/spectral_diffusion.hpp"

namespace fabtwin::resist {

/// A diffusing species: diffusivities at the model's reference temperature and the activation
/// energy that scales both.
struct Diffusivity {
  double lateral_nm2_per_s = 0;   ///< x and y
  double vertical_nm2_per_s = 0;  ///< z (depth); unused in 2D
  double activation_kcal_per_mol = 0;

  /// The diffusivities that spread a point to lateral and vertical lengths sqrt(2 D t) over
  /// `seconds` at the reference temperature (how published parameter sets quote them).
  static Diffusivity from_lengths(double lateral_nm, double vertical_nm, double seconds,
                                  double activation_kcal_per_mol) {
    return {lateral_nm * lateral_nm / (2 * seconds), vertical_nm * vertical_nm / (2 * seconds),
            activation_kcal_per_mol};
  }
};

/// A rate constant at the reference temperature and its activation energy.
struct RateConstant {
  double per_s = 0;
  double activation_kcal_per_mol = 0;
};

struct PebModel {
  double reference_kelvin = 383.15;  ///< where the rates and diffusivities below hold
  Diffusivity acid, quencher;
  RateConstant quench;          ///< k_r, acid-quencher neutralisation
  RateConstant deprotect;       ///< k_c, acid-catalysed deprotection
  double initial_quencher = 0;  ///< Q0, uniform, relative to the PAG loading

  void validate(std::string_view where) const {
    require(std::isfinite(reference_kelvin) && reference_kelvin > 0, where,
            "model.reference_kelvin", reference_kelvin, "a positive, finite temperature in K");
    const auto non_negative = [&](const char* name, double value, const char* units) {
      require(
          std::isfinite(value) && value >= 0, where, [&] { return std::string("model.") + name; },
          value, [&] { return std::string("a finite value >= 0 ") + units; });
    };
    non_negative("acid.lateral_nm2_per_s", acid.lateral_nm2_per_s, "nm^2/s");
    non_negative("acid.vertical_nm2_per_s", acid.vertical_nm2_per_s, "nm^2/s");
    non_negative("acid.activation_kcal_per_mol", acid.activation_kcal_per_mol, "kcal/mol");
    non_negative("quencher.lateral_nm2_per_s", quencher.lateral_nm2_per_s, "nm^2/s");
    non_negative("quencher.vertical_nm2_per_s", quencher.vertical_nm2_per_s, "nm^2/s");
    non_negative("quencher.activation_kcal_per_mol", quencher.activation_kcal_per_mol, "kcal/mol");
    non_negative("quench.per_s", quench.per_s, "1/s");
    non_negative("quench.activation_kcal_per_mol", quench.activation_kcal_per_mol, "kcal/mol");
    non_negative("deprotect.per_s", deprotect.per_s, "1/s");
    non_negative("deprotect.activation_kcal_per_mol", deprotect.activation_kcal_per_mol,
                 "kcal/mol");
    non_negative("initial_quencher", initial_quencher, "(relative concentration)");
  }
};

/// The Sentaurus Lithography set quoted by physics.md (used by the DeePEB paper): 90 s bake,
/// diffusion lengths acid 10 nm lateral / 70 nm vertical, quencher 10 / 15 nm, k_c = 0.9 /s,
/// k_r = 8.7 /s, Q0 = 0.4. The set names no temperature: its values are taken to hold at 110 C
/// (reference_kelvin = 383.15 K), the usual ArF bake for its 90 s, and a bake at any other
/// temperature moves every rate from there by Arrhenius.
///
/// The set gives no activation energies; these come from elsewhere, each with what it rests on:
/// - acid diffusion, 19.65 kcal/mol: measured for the ArF resist JSR AR165J (with ln A = 27.12,
///   A in nm^2/s; physics.md, the AR165J entry of lithography simulators' resist tables). One
///   193 nm resist, not necessarily the one behind the set.
/// - quencher diffusion, 19.65 kcal/mol: no published value found. Assumed equal to the acid's:
///   both are small molecules moving through the same glassy matrix.
/// - k_r, 19.65 kcal/mol: the neutralisation of a strong acid by a base is diffusion-controlled
///   (Smoluchowski; shown for a photoacid and a base by Cohen, Huppert and Agmon, J. Phys. Chem. A
///   105, 7165 (2001)), so k_r = 4 pi (D_A + D_Q) r_contact takes the diffusivities' activation
///   energy. A model argument, not a measurement.
/// - k_c, 21 kcal/mol: the acid-catalysed deprotection of t-BOC-protected poly(hydroxystyrene), its
///   rate-determining step computed by Ichikawa et al., J. Polym. Sci. A 36, 1035 (1998), and
///   reported to agree with experiment. That is a 248 nm chemistry; the ester protecting groups of
///   193 nm resists are of the high-activation kind (they need a bake near 100-130 C) and may lie
///   some kcal/mol higher: not confirmed here.
/// About 110 C these give 6.7 %/K (19.65 kcal/mol) and 7.2 %/K (21 kcal/mol), Ea / (R T^2).
inline PebModel sentaurus_peb_model() {
  constexpr double diffusion_kcal_per_mol = 19.65, deprotection_kcal_per_mol = 21.0;
  PebModel model;
  model.reference_kelvin = 383.15;
  model.acid = Diffusivity::from_lengths(10, 70, 90, diffusion_kcal_per_mol);
  model.quencher = Diffusivity::from_lengths(10, 15, 90, diffusion_kcal_per_mol);
  model.quench = {8.7, diffusion_kcal_per_mol};
  model.deprotect = {0.9, deprotection_kcal_per_mol};
  model.initial_quencher = 0.4;
  return model;
}

/// The bake's state: acid, quencher and the deprotection exponent integral of k_c A dt.
template <class T, class Space>
struct PebState {
  Field<T, Space> acid, quencher, deprotection;
};

/// Called after each step with (steps done, steps in all): long bakes report progress.
using PebProgress = std::function<void(index_t, index_t)>;

namespace detail {

template <class T, class Space>
struct ExpNegative {
  View<const T, Space> in;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const { out[i] = cuda::std::exp(-in[i]); }
};

/// The number of equal steps of at most `max_step_s` that cut the history's span: every bake
/// (uniform, mapped) and the adjoint step through the same windows.
inline index_t bake_step_count(const thermal::TemperatureHistory& history, double max_step_s,
                               std::string_view where) {
  require(std::isfinite(max_step_s) && max_step_s > 0, where, "max_step_s", max_step_s,
          "a positive, finite time step in s");
  return index_t(std::ceil((history.end() - history.start()) / max_step_s - 1e-9));
}

/// The state before the bake: the exposed acid, the uniform initial quencher, no deprotection.
template <class T, class Space>
PebState<T, Space> initial_state(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                                 const PebModel& model) {
  PebState<T, Space> state{Field<T, Space>(exposed_acid.grid(), exposed_acid.batch()),
                           Field<T, Space>(exposed_acid.grid(), exposed_acid.batch()),
                           Field<T, Space>(exposed_acid.grid(), exposed_acid.batch())};
  copy(exposed_acid.view(), state.acid.view());
  fill(ctx, state.quencher.view(), T(model.initial_quencher));
  return state;
}

/// The step sequence of every bake (uniform or mapped): `steps` equal Strang steps over the
/// history, each react_over(t0, m), diffuse_over(window [t0, t1]), react_over(m, t1), then progress.
template <class React, class Diffuse>
void strang_steps(const thermal::TemperatureHistory& history, index_t steps,
                  const React& react_over, const Diffuse& diffuse_over,
                  const PebProgress& progress) {
  const double h = (history.end() - history.start()) / double(steps);
  for (index_t n = 0; n < steps; ++n) {
    const double t0 = history.start() + double(n) * h;
    const double t1 = n + 1 == steps ? history.end() : t0 + h, mid = 0.5 * (t0 + t1);
    react_over(t0, mid);
    diffuse_over(history.window(t0, t1));
    react_over(mid, t1);
    if (progress) progress(n + 1, steps);
  }
}

/// The time integral of an Arrhenius quantity given at the reference temperature, over a window.
inline double integral(double at_reference, double activation, double reference_kelvin,
                       const thermal::TemperatureHistory& window) {
  if (at_reference == 0) return 0;
  return thermal::Arrhenius::from_reference(at_reference, reference_kelvin, activation)
      .integral(window);
}

}  // namespace detail

/// The longer of the acid's and the quencher's lateral diffusion lengths, sqrt(2 integral D dt)
/// over `history` with each diffusivity's Arrhenius factor.
inline double lateral_diffusion_length_nm(const PebModel& model,
                                          const thermal::TemperatureHistory& history) {
  const auto length = [&](const Diffusivity& d) {
    return std::sqrt(2 * detail::integral(d.lateral_nm2_per_s, d.activation_kcal_per_mol,
                                          model.reference_kelvin, history));
  };
  return std::max(length(model.acid), length(model.quencher));
}

/// Bakes the acid left by exposure (2D or 3D field, any batch) through `history` in steps of at
/// most `max_step_s` (the history's span is cut into equal steps). Lateral boundaries and the
/// depth boundaries follow `boundaries` (mirror = no flux).
template <class T, class Space>
PebState<T, Space> bake(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                        const PebModel& model, const thermal::TemperatureHistory& history,
                        double max_step_s, thermal::Boundaries boundaries = {},
                        const PebProgress& progress = {}) {
  constexpr const char* where = "resist::bake";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  const bool three_d = exposed_acid.grid().rank() == 3;
  PebState<T, Space> state = detail::initial_state(ctx, exposed_acid, model);

  const auto react_over = [&](double t0, double t1) {
    const auto window = history.window(t0, t1);
    const double quench = detail::integral(model.quench.per_s, model.quench.activation_kcal_per_mol,
                                           model.reference_kelvin, window);
    const double deprotect =
        detail::integral(model.deprotect.per_s, model.deprotect.activation_kcal_per_mol,
                         model.reference_kelvin, window);
    react(ctx, state.acid.view(), state.quencher.view(), state.deprotection.view(),
          ReactionStep{t1 - t0, quench, deprotect});
  };
  const auto diffuse_over = [&](Field<T, Space>& field, const Diffusivity& d,
                                const thermal::TemperatureHistory& window) {
    // sigma^2 = 2 integral D dt per axis; lateral and vertical share the Arrhenius factor.
    const double lateral = detail::integral(d.lateral_nm2_per_s, d.activation_kcal_per_mol,
                                            model.reference_kelvin, window);
    const double vertical = three_d
                                ? detail::integral(d.vertical_nm2_per_s, d.activation_kcal_per_mol,
                                                   model.reference_kelvin, window)
                                : 0.0;
    thermal::diffuse_spectral(
        ctx, field, Vec3{std::sqrt(2 * lateral), std::sqrt(2 * lateral), std::sqrt(2 * vertical)},
        boundaries);
  };
  detail::strang_steps(
      history, steps, react_over,
      [&](const thermal::TemperatureHistory& window) {
        diffuse_over(state.acid, model.acid, window);
        diffuse_over(state.quencher, model.quencher, window);
      },
      progress);
  return state;
}

/// The protected fraction M = exp(-deprotection) from the bake's deprotection exponent (M0 = 1).
template <class T, class Space>
Field<T, Space> inhibitor(Context<Space>& ctx, const Field<T, Space>& deprotection) {
  Field<T, Space> m(deprotection.grid(), deprotection.batch());
  for_each(ctx, Range1{m.size()}, detail::ExpNegative<T, Space>{deprotection.view(), m.view()});
  return m;
}

/// The protected fraction M after the bake, the development's input.
template <class T, class Space>
Field<T, Space> inhibitor(Context<Space>& ctx, const PebState<T, Space>& state) {
  return inhibitor(ctx, state.deprotection);
}

}  // namespace fabtwin::resist
