#pragma once
// Hand-written adjoint of the bake under a temperature map (peb_temperature_map.hpp): from dL/dM,
// M = exp(-deprotection) the inhibitor after the bake, the gradient with respect to the exposed
// acid and to the map's offsets dT(x, y), the quantity a hotplate calibration fits.
//
// Reverse of one Strang step (react over [t0, m], diffuse over [t0, t1], react over [m, t1]):
//  - react: detail::ReactAcidQuencherReverse with the step's mapped rates, which also gives each
//    sample's dL/ds and dL/dk for its s = integral k_r dt and k = integral k_c dt; with
//    ds/d(dT)(x, y) = integral k_r(T) Ea_r / (R T^2) g(t) dt at T = T(t) + g(t) dT(x, y)
//    (thermal::arrhenius_integral_and_offset_derivative_map, on the forward's quadrature, with
//    the integrals themselves), summed over the depth and the batch at each (x, y);
//  - diffuse: thermal::diffuse_implicit_backward gives the cotangent through the solves and
//    dL/dD per sample for the step's D = integral f(T) dt (the Arrhenius factor shared by the
//    lateral and vertical diffusivities), whose offset derivative enters as the rates' do.
// The deprotection exponent only accumulates, so its cotangent gD = -M dL/dM is the same at every
// step.
//
// States: the start of every step is kept from one forward sweep (MappedBakeSweep: 2 N fields of
// the state's shape for N steps; the reverse adds a dozen of work), and each step's intermediate
// states are recomputed from its start in the forward's own arithmetic (detail::MappedBakeSteps). The uniform bake's two-level
// checkpointing (peb_adjoint.hpp) would bring this to about 4 sqrt(N) fields; the calibrations
// this serves bake 2D windows of a few hundred pixels a side, where 2 N fields are megabytes.
// Gradients with respect to the model's parameters under a map are not computed here (the uniform
// bake's adjoint has them).

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_adjoint.hpp"
#include "fabtwin/resist/peb_reaction.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "fabtwin/thermal/implicit_diffusion_adjoint.hpp"
#include "fabtwin/thermal/rate_map.hpp"

namespace fabtwin::resist {

namespace detail {

/// out(x, y) += factor(x, y) sum over z and the batch of per_sample(x, y, z, b), in double. Run
/// over (nx, ny).
template <class U, class T, class Space>
struct AddDepthSum {
  View<const U, Space> per_sample;
  View<const T, Space> factor;  // nx x ny
  View<T, Space> out;           // nx x ny
  FABTWIN_HD void operator()(index_t x, index_t y) const {
    const index_t nx = out.nx(), layer = nx * out.ny();
    const index_t layers = per_sample.nz() * per_sample.batch();
    double sum = 0;
    for (index_t k = 0; k < layers; ++k) sum += double(per_sample[x + nx * y + layer * k]);
    out[x + nx * y] += T(sum * double(factor[x + nx * y]));
  }
};

/// The integrals of one step's rates on the plane (MappedBakeSteps::integrate) with their offset
/// derivatives: the reaction's over a half step, or a species' f dt over the step.
template <class T, class Space>
struct RateIntegrals {
  explicit RateIntegrals(const Grid& plane) : value(plane), slope(plane) {}
  Field<T, Space> value, slope;
};

/// The reverse of the mapped bake's steps.
template <class T, class Space>
class MappedBakeReverse {
 public:
  MappedBakeReverse(MappedBakeSteps<T, Space>& steps, const Grid& grid, index_t batch)
      : steps_(steps),
        a1_(grid, batch),
        q1_(grid, batch),
        a2_(grid, batch),
        q2_(grid, batch),
        grad_d_(grid, batch),
        terms_{Field<double, Space>(grid, batch), Field<double, Space>(grid, batch)},
        first_{RateIntegrals<T, Space>(steps.plane()), RateIntegrals<T, Space>(steps.plane())},
        second_{RateIntegrals<T, Space>(steps.plane()), RateIntegrals<T, Space>(steps.plane())},
        acid_(steps.plane()),
        quencher_(steps.plane()) {}

  /// Reverse of the step over [t0, t1] from its start state (a, q): (ga, gq) from the cotangents
  /// after the step to those before it, dL/d(dT) added to grad_offset.
  void backward(Context<Space>& ctx, const thermal::TemperatureHistory& history, double t0,
                double t1, const Field<T, Space>& a, const Field<T, Space>& q,
                const Field<T, Space>& gd, Field<T, Space>& ga, Field<T, Space>& gq,
                Field<T, Space>& grad_offset) {
    const double mid = 0.5 * (t0 + t1);
    const PebModel& model = steps_.model();
    const auto window = history.window(t0, t1);
    // Every Arrhenius integral of the step once, with its offset derivative from the same
    // exponentials: the first half's rates serve the recomputed forward and the last reverse, each
    // species' f dt its diffusion and its reverse (these maps were most of a backward's time).
    reaction_integrals(ctx, history.window(t0, mid), first_);
    reaction_integrals(ctx, history.window(mid, t1), second_);
    if (steps_.diffuses(model.acid))
      steps_.diffusivity_integrals(ctx, model.acid, window, acid_.value, &acid_.slope);
    if (steps_.diffuses(model.quencher))
      steps_.diffusivity_integrals(ctx, model.quencher, window, quencher_.value, &quencher_.slope);

    copy(a, a1_);
    copy(q, q1_);
    steps_.react(ctx, rates(first_), a1_, q1_);
    copy(a1_, a2_);
    copy(q1_, q2_);
    steps_.diffuse(ctx, a2_, model.acid, window, acid_.value);
    steps_.diffuse(ctx, q2_, model.quencher, window, quencher_.value);
    react_backward(ctx, second_, a2_, q2_, gd, ga, gq, grad_offset);
    diffuse_backward(ctx, model.acid, window, acid_, a1_, ga, grad_offset);
    diffuse_backward(ctx, model.quencher, window, quencher_, q1_, gq, grad_offset);
    react_backward(ctx, first_, a, q, gd, ga, gq, grad_offset);
  }

 private:
  using HalfStep = std::array<RateIntegrals<T, Space>, 2>;  // quench, deprotect

  void reaction_integrals(Context<Space>& ctx, const thermal::TemperatureHistory& window,
                          HalfStep& out) const {
    const PebModel& model = steps_.model();
    steps_.integrate(ctx, model.quench.per_s, model.quench.activation_kcal_per_mol, window,
                     out[0].value, &out[0].slope);
    steps_.integrate(ctx, model.deprotect.per_s, model.deprotect.activation_kcal_per_mol, window,
                     out[1].value, &out[1].slope);
  }

  static MappedReactionRates<T, Space> rates(const HalfStep& half) {
    return {half[0].value.cview(), half[1].value.cview()};
  }

  void react_backward(Context<Space>& ctx, const HalfStep& half, const Field<T, Space>& a,
                      const Field<T, Space>& q, const Field<T, Space>& gd, Field<T, Space>& ga,
                      Field<T, Space>& gq, Field<T, Space>& grad_offset) {
    for_each(ctx, Range1{a.size()},
             ReactAcidQuencherReverse<T, Space, MappedReactionRates<T, Space>>{
                 a.cview(), q.cview(), gd.cview(), ga.view(), gq.view(), terms_[0].view(),
                 terms_[1].view(), rates(half)});
    const Grid& plane = steps_.plane();
    for (int r = 0; r < 2; ++r)
      for_each(
          ctx, Range2{plane.nx(), plane.ny()},
          AddDepthSum<double, T, Space>{terms_[std::size_t(r)].cview(),
                                        half[std::size_t(r)].slope.cview(), grad_offset.view()});
  }

  void diffuse_backward(Context<Space>& ctx, const Diffusivity& d,
                        const thermal::TemperatureHistory& window,
                        const RateIntegrals<T, Space>& integrals, const Field<T, Space>& before,
                        Field<T, Space>& g, Field<T, Space>& grad_offset) {
    if (!steps_.diffuses(d)) return;
    steps_.set_diffusivity(ctx, integrals.value);
    fill(ctx, grad_d_.view(), T(0));
    thermal::diffuse_implicit_backward(ctx, before, steps_.diffusivity(),
                                       window.end() - window.start(), steps_.solver(d, window), g,
                                       grad_d_);
    const Grid& plane = steps_.plane();
    for_each(
        ctx, Range2{plane.nx(), plane.ny()},
        AddDepthSum<T, T, Space>{grad_d_.cview(), integrals.slope.cview(), grad_offset.view()});
  }

  MappedBakeSteps<T, Space>& steps_;
  Field<T, Space> a1_, q1_, a2_, q2_, grad_d_;
  std::array<Field<double, Space>, 2> terms_;
  HalfStep first_, second_;  ///< [t0, mid] and [mid, t1]
  RateIntegrals<T, Space> acid_, quencher_;
};

}  // namespace detail

/// The mapped bake's forward sweep for its adjoint: the start (acid, quencher) of every step and
/// its window, and the deprotection after the bake, which is bake()'s (peb_temperature_map.hpp) to
/// the bit. A caller that keeps it reverses any number of cotangents without baking again.
template <class T, class Space>
struct MappedBakeSweep {
  std::vector<std::array<Field<T, Space>, 2>> starts;
  std::vector<double> t0s, t1s;
  std::vector<Field<T, Space>> deprotection;  ///< one field (a vector: Field has no empty state)
};

/// The sweep of bake(ctx, exposed_acid, model, history, map, max_step_s, options) into `sweep`,
/// reusing the fields it holds where their shape fits (a caller that sweeps every forward
/// allocates them once).
template <class T, class Space>
void bake_sweep(Context<Space>& ctx, const Field<T, Space>& exposed_acid, const PebModel& model,
                const thermal::TemperatureHistory& history, const TemperatureMap<T, Space>& map,
                double max_step_s, const MappedBakeOptions& options,
                MappedBakeSweep<T, Space>& sweep) {
  constexpr const char* where = "resist::bake_sweep (temperature map)";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  const Grid& grid = exposed_acid.grid();
  const index_t batch = exposed_acid.batch();
  detail::check_map(grid, map.offset_k.grid(), where);
  const auto make = [&] { return Field<T, Space>(grid, batch); };
  if (!sweep.deprotection.empty() &&
      !detail::has_state_shape(sweep.deprotection.front(), grid, batch)) {
    sweep.starts.clear();
    sweep.deprotection.clear();
  }
  if (sweep.starts.size() > std::size_t(steps))
    sweep.starts.erase(sweep.starts.begin() + std::ptrdiff_t(steps), sweep.starts.end());
  while (sweep.starts.size() < std::size_t(steps)) sweep.starts.push_back({make(), make()});
  if (sweep.deprotection.empty()) sweep.deprotection.push_back(make());
  sweep.t0s.clear();
  sweep.t1s.clear();

  detail::MappedBakeSteps<T, Space> step(model, map, grid, options.scheme);
  Field<T, Space> acid = make(), quencher = make();
  Field<T, Space>& deprotection = sweep.deprotection.front();
  copy(exposed_acid, acid);
  fill(ctx, quencher.view(), T(model.initial_quencher));
  fill(ctx, deprotection.view(), T(0));
  detail::strang_steps(
      history, steps,
      [&](double t0, double t1) {
        if (sweep.t0s.size() == sweep.t1s.size()) {  // the first reaction of a step: its start
          std::array<Field<T, Space>, 2>& start = sweep.starts[sweep.t0s.size()];
          copy(acid, start[0]);
          copy(quencher, start[1]);
          sweep.t0s.push_back(t0);
        } else {
          sweep.t1s.push_back(t1);
        }
        step.react(ctx, history, t0, t1, acid, quencher, deprotection);
      },
      [&](const thermal::TemperatureHistory& window) {
        step.diffuse(ctx, acid, model.acid, window);
        step.diffuse(ctx, quencher, model.quencher, window);
      },
      options.progress);
}

/// The same into a new sweep.
template <class T, class Space>
MappedBakeSweep<T, Space> bake_sweep(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                                     const PebModel& model,
                                     const thermal::TemperatureHistory& history,
                                     const TemperatureMap<T, Space>& map, double max_step_s,
                                     const MappedBakeOptions& options = {}) {
  MappedBakeSweep<T, Space> sweep;
  bake_sweep(ctx, exposed_acid, model, history, map, max_step_s, options, sweep);
  return sweep;
}

/// Adjoint of inhibitor(bake(...)) from the bake's sweep (bake_sweep with the same model, history,
/// map, step and options): from grad_inhibitor = dL/dM writes dL/d(exposed acid) into
/// grad_exposed_acid and dL/d(map offset) (K^-1, the map's nx x ny) into grad_offset_k, both
/// overwritten.
template <class T, class Space>
void bake_backward(Context<Space>& ctx, const MappedBakeSweep<T, Space>& sweep,
                   const PebModel& model, const thermal::TemperatureHistory& history,
                   const TemperatureMap<T, Space>& map, double max_step_s,
                   const MappedBakeOptions& options, const Field<T, Space>& grad_inhibitor,
                   Field<T, Space>& grad_exposed_acid, Field<T, Space>& grad_offset_k) {
  constexpr const char* where = "resist::bake_backward (temperature map)";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  require(sweep.deprotection.size() == 1 && index_t(sweep.starts.size()) == steps &&
              index_t(sweep.t1s.size()) == steps,
          where, "sweep.starts.size()", sweep.starts.size(),
          [&] { return "the sweep of this bake's " + std::to_string(steps) + " steps"; });
  const Field<T, Space>& deprotection = sweep.deprotection.front();
  const Grid& grid = deprotection.grid();
  const index_t batch = deprotection.batch();
  detail::check_map(grid, map.offset_k.grid(), where);
  detail::require_state_shape(grad_inhibitor, grid, batch, where, "grad_inhibitor");
  detail::require_state_shape(grad_exposed_acid, grid, batch, where, "grad_exposed_acid");
  require_same_shape(map.offset_k.grid(), grad_offset_k.grid(), where, "grad_offset_k.grid");

  Field<T, Space> gd(grid, batch), ga(grid, batch), gq(grid, batch);
  for_each(
      ctx, Range1{gd.size()},
      detail::InhibitorAdjoint<T, Space>{deprotection.cview(), grad_inhibitor.cview(), gd.view()});
  fill(ctx, ga.view(), T(0));
  fill(ctx, gq.view(), T(0));
  fill(ctx, grad_offset_k.view(), T(0));
  detail::MappedBakeSteps<T, Space> step(model, map, grid, options.scheme);
  detail::MappedBakeReverse<T, Space> reverse(step, grid, batch);
  for (std::size_t n = sweep.starts.size(); n-- > 0;)
    reverse.backward(ctx, history, sweep.t0s[n], sweep.t1s[n], sweep.starts[n][0],
                     sweep.starts[n][1], gd, ga, gq, grad_offset_k);
  copy(ga, grad_exposed_acid);
}

/// Adjoint of inhibitor(bake(ctx, exposed_acid, model, history, map, max_step_s, options)): its
/// sweep and the reverse from it (above).
template <class T, class Space>
void bake_backward(Context<Space>& ctx, const Field<T, Space>& exposed_acid, const PebModel& model,
                   const thermal::TemperatureHistory& history, const TemperatureMap<T, Space>& map,
                   double max_step_s, const MappedBakeOptions& options,
                   const Field<T, Space>& grad_inhibitor, Field<T, Space>& grad_exposed_acid,
                   Field<T, Space>& grad_offset_k) {
  require_same_shape(exposed_acid.grid(), grad_inhibitor.grid(),
                     "resist::bake_backward (temperature map)", "grad_inhibitor.grid");
  bake_backward(ctx, bake_sweep(ctx, exposed_acid, model, history, map, max_step_s, options), model,
                history, map, max_step_s, options, grad_inhibitor, grad_exposed_acid,
                grad_offset_k);
}

}  // namespace fabtwin::resist
