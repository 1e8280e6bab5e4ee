#pragma once
// The post-exposure bake as a twin stage (resist/peb.hpp, resist/peb_adjoint.hpp underneath):
// exposed acid -> inhibitor M after the bake, with every PebModel rate, diffusivity and activation
// energy and the plate temperature as named parameters.
//
// Temperature. The stage holds the bake's history at its nominal plate temperature (the hottest
// knot: the hold of a ramp-hold-cool) and the parameter peb.temperature_c; member m bakes through
// that history moved by (peb.temperature_c - nominal) + conditions[m % C].bake_offset_k kelvin at
// every knot, a uniform offset whose gradient bake_backward gives. The model's rates hold at its
// reference_kelvin (not a parameter: the point where the set was quoted), so the temperature acts
// through every Arrhenius factor.
//
// Memory and time: the stage keeps the bake's sweep (bake_backward's checkpoints: all N steps'
// states where they fit in BakeOptions::sweep_bytes, else about sqrt(N) pairs of fields per
// condition where those fit, else none), so that every backward reverses from it instead of baking
// again: a calibration's Jacobian takes one backward per CD site from one forward. The first
// backward after a forward makes it; once a backward has run, each forward makes it as it bakes. Conditions with their own temperature offsets bake as separate batches.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_adjoint.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/detail/condition_members.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

struct BakeOptions {
  double max_step_s = 1;  ///< Strang step (peb.hpp: second order in it, no stability limit)
  /// Periodic laterally (the optics' field is periodic), no flux through the top and the substrate.
  thermal::Boundaries boundaries{thermal::Boundary::periodic, thermal::Boundary::periodic,
                                 thermal::Boundary::mirror};
  /// The bake's checkpoints the stage keeps for backward (resist::bake_sweep's C). 0: automatic
  /// within `sweep_bytes` per condition: every step's state where they fit (no step is then baked
  /// twice: the twin_calibrate example's fit took 20.9 s against 30.8 s keeping nothing), else
  /// about sqrt(steps) where those fit, else none (each backward bakes again).
  index_t checkpoints = 0;
  std::size_t sweep_bytes = std::size_t(256) << 20;
};

struct BakeValues {
  resist::PebModel model;
  double temperature_c = 0;  ///< the plate temperature (the history's hottest knot), C
};

struct BakeGradient {
  resist::PebGradient model;  ///< temperature_offset_kelvin: dL/d(peb.temperature_c)
  std::vector<double> condition_bake_offset_k;
};

template <class T, class Space>
class BakeStage {
 public:
  using value_type = T;
  using space = Space;

  BakeStage(const Grid& acid_grid, resist::PebModel model, thermal::TemperatureHistory history,
            BakeOptions options = {}, ProcessConditions conditions = nominal_condition())
      : grid_(acid_grid), history_(std::move(history)), options_(options) {
    constexpr const char* where = "twin::BakeStage";
    model.validate(where);
    require(std::isfinite(options.max_step_s) && options.max_step_s > 0, where,
            "options.max_step_s", options.max_step_s, "a positive, finite step in s");
    double hottest = 0;
    for (const thermal::Knot& k : history_.knots()) hottest = std::max(hottest, k.kelvin);
    nominal_c_ = hottest - 273.15;
    values_ = {model, nominal_c_};
    set_conditions(std::move(conditions));
  }

  Grid input_grid() const { return grid_; }
  Grid output_grid() const { return grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }
  /// With the lattice kernel (options.boundaries.kernel), the distance holding all but `tolerance`
  /// of that kernel's weight (tolerance / 2 per axis) for the longer of the acid's and the
  /// quencher's lateral diffusion lengths through the hottest of the conditions' histories: a
  /// change of the acid travels as one species or the other at each instant, and the lattice
  /// kernels of the steps compose into the one of the summed variance, so its spread is at most
  /// that; the reactions are pointwise. With the Gaussian kernel, unbounded: its cut at the Nyquist
  /// frequency rings with 1 / r tails that every step's reactions excite again
  /// (thermal/spectral_diffusion.hpp).
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::BakeStage::interaction_range_nm");
    if (options_.boundaries.kernel != thermal::DiffusionKernel::lattice) return unbounded_range;
    double sigma = 0;
    for (std::size_t c = 0; c < conditions_.size(); ++c)
      sigma =
          std::max(sigma, resist::lateral_diffusion_length_nm(values_.model, history(index_t(c))));
    return std::max(thermal::lattice_range_nm(sigma, grid_.pitch().x, tolerance / 2),
                    thermal::lattice_range_nm(sigma, grid_.pitch().y, tolerance / 2));
  }

  const ProcessConditions& conditions() const { return conditions_; }
  void set_conditions(ProcessConditions conditions) {
    validate(conditions, "twin::BakeStage::set_conditions");
    conditions_ = std::move(conditions);
    gradient_.condition_bake_offset_k.assign(conditions_.size(), 0.0);
    forward_conditions_ = 0;  // baked under the old conditions: a backward must follow a forward
  }
  ConditionUse condition_use() const { return {false, false, true}; }

  BakeValues& values() { return values_; }
  const BakeGradient& gradient() const { return gradient_; }
  /// The history member `m` bakes through at the current parameters.
  thermal::TemperatureHistory history(index_t m) const {
    return shifted(values_.temperature_c - nominal_c_ +
                   conditions_[std::size_t(m % index_t(conditions_.size()))].bake_offset_k);
  }

  std::vector<Parameter> parameters() {
    resist::PebModel& m = values_.model;
    resist::PebGradient& g = gradient_.model;
    std::vector<Parameter> list{
        {"peb.temperature_c", "C", 0, 300, 1.0, &values_.temperature_c,
         &g.temperature_offset_kelvin},
        {"peb.acid_d", "nm^2/s", 0, unbounded, 0.1, &m.acid.lateral_nm2_per_s,
         &g.acid.lateral_nm2_per_s},
        {"peb.acid_ea", "kcal/mol", 0, unbounded, 1.0, &m.acid.activation_kcal_per_mol,
         &g.acid.activation_kcal_per_mol},
        {"peb.quencher_d", "nm^2/s", 0, unbounded, 0.1, &m.quencher.lateral_nm2_per_s,
         &g.quencher.lateral_nm2_per_s},
        {"peb.quencher_ea", "kcal/mol", 0, unbounded, 1.0, &m.quencher.activation_kcal_per_mol,
         &g.quencher.activation_kcal_per_mol},
        {"peb.kr", "1/s", 0, unbounded, 0.1, &m.quench.per_s, &g.quench.per_s},
        {"peb.kr_ea", "kcal/mol", 0, unbounded, 1.0, &m.quench.activation_kcal_per_mol,
         &g.quench.activation_kcal_per_mol},
        {"peb.kc", "1/s", 0, unbounded, 0.01, &m.deprotect.per_s, &g.deprotect.per_s},
        {"peb.kc_ea", "kcal/mol", 0, unbounded, 1.0, &m.deprotect.activation_kcal_per_mol,
         &g.deprotect.activation_kcal_per_mol},
        {"peb.q0", "(relative)", 0, unbounded, 0.01, &m.initial_quencher, &g.initial_quencher}};
    if (grid_.rank() == 3) {
      list.push_back({"peb.acid_d_vertical", "nm^2/s", 0, unbounded, 0.1,
                      &m.acid.vertical_nm2_per_s, &g.acid.vertical_nm2_per_s});
      list.push_back({"peb.quencher_d_vertical", "nm^2/s", 0, unbounded, 0.1,
                      &m.quencher.vertical_nm2_per_s, &g.quencher.vertical_nm2_per_s});
    }
    return list;
  }

  void zero_gradient() {
    gradient_.model = {};
    std::fill(gradient_.condition_bake_offset_k.begin(), gradient_.condition_bake_offset_k.end(),
              0.0);
  }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& acid) {
    constexpr const char* where = "twin::BakeStage::forward";
    detail::require_input(acid, grid_, where, "acid");
    values_.model.validate(where);
    input_ = &acid;
    forward_conditions_ = index_t(conditions_.size());
    const index_t count = forward_conditions_;
    // A stage that has run backward keeps the bake's sweep as it bakes (a backward is likely to
    // follow); one that only runs forward bakes plainly (keeping a sweep cost the forward 12 to
    // 27 % on twin_chain's clip).
    swept_ = backward_seen_ && kept_checkpoints(0, acid.size() / count) > 0;
    if (swept_) sweeps_.resize(std::size_t(count));
    if (count == 1) {
      output_ = bake(ctx, acid, 0);
      return *output_;
    }
    Field<T, Space>& inhibitor = detail::reuse(output_, grid_, acid.batch());
    detail::for_each_condition(acid, count, inhibitor, [&](const Field<T, Space>& part, index_t c) {
      return bake(ctx, part, c);
    });
    return inhibitor;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_inhibitor) {
    constexpr const char* where = "twin::BakeStage::backward";
    detail::require_cotangent(input_, output_, grad_inhibitor, where);
    const index_t count = index_t(conditions_.size());
    require(forward_conditions_ == count, where, "conditions", count,
            "the conditions of the last forward (set_conditions came between forward and "
            "backward: run forward again)");
    const Field<T, Space>& acid = *input_;
    Field<T, Space>& grad_acid = detail::reuse(grad_input_, grid_, acid.batch());
    backward_seen_ = true;
    if (!swept_ && kept_checkpoints(0, acid.size() / count) > 0) {
      // The forward kept nothing: sweep the bake now, once for this backward and every later one
      // from the same forward (a calibration's one per CD site).
      sweeps_.resize(std::size_t(count));
      Field<T, Space> part(grid_, acid.batch() / count);
      for (index_t c = 0; c < count; ++c) {
        if (count > 1) detail::gather_condition(acid, count, c, part);
        resist::bake_sweep(ctx, count > 1 ? part : acid, values_.model, history(c),
                           options_.max_step_s, options_.boundaries,
                           kept_checkpoints(c, acid.size() / count), sweeps_[std::size_t(c)]);
      }
      swept_ = true;
    }
    if (count == 1) {
      accumulate(0, bake_backward(ctx, acid, 0, grad_inhibitor, grad_acid));
      return grad_acid;
    }
    detail::for_each_condition_backward(
        acid, grad_inhibitor, count, !swept_, grad_acid,
        [&](const Field<T, Space>& part, const Field<T, Space>& grad_part, index_t c,
            Field<T, Space>& grad_out) {
          accumulate(c, bake_backward(ctx, part, c, grad_part, grad_out));
        });
    return grad_acid;
  }

 private:
  thermal::TemperatureHistory shifted(double kelvin) const {
    std::vector<thermal::Knot> knots = history_.knots();
    for (thermal::Knot& k : knots) k.kelvin += kelvin;
    for (const thermal::Knot& k : knots)
      require(k.kelvin > 0, "twin::BakeStage", "temperature offset of the bake history", kelvin,
              "an offset (peb.temperature_c - nominal + the condition's bake_offset_k) that keeps "
              "the history above 0 K");
    return thermal::TemperatureHistory(std::move(knots));
  }

  /// The checkpoints to keep of condition c's bake of `size` samples (see BakeOptions),
  /// 0 to keep none.
  index_t kept_checkpoints(index_t c, index_t size) const {
    if (options_.checkpoints > 0) return options_.checkpoints;
    const index_t steps =
        resist::detail::bake_step_count(history(c), options_.max_step_s, "twin::BakeStage");
    const double pair = 2.0 * double(size) * double(sizeof(T));
    const double budget = double(options_.sweep_bytes);
    if (double(steps) * pair <= budget) return steps;
    const index_t root = index_t(std::ceil(std::sqrt(double(steps))));
    return double(root) * pair <= budget ? root : 0;
  }

  /// Condition c's bake of `acid` to the inhibitor, into its kept sweep when the stage keeps one.
  Field<T, Space> bake(Context<Space>& ctx, const Field<T, Space>& acid, index_t c) {
    if (!swept_)
      return resist::inhibitor(ctx, resist::bake(ctx, acid, values_.model, history(c),
                                                 options_.max_step_s, options_.boundaries));
    resist::BakeSweep<T, Space>& sweep = sweeps_[std::size_t(c)];
    resist::bake_sweep(ctx, acid, values_.model, history(c), options_.max_step_s,
                       options_.boundaries, kept_checkpoints(c, acid.size()), sweep);
    return resist::inhibitor(ctx, sweep.deprotection.front());
  }

  /// Condition c's reverse: from its kept sweep, or by baking `acid` (its members) again.
  resist::PebGradient bake_backward(Context<Space>& ctx, const Field<T, Space>& acid, index_t c,
                                    const Field<T, Space>& grad_inhibitor,
                                    Field<T, Space>& grad_acid) const {
    if (swept_)
      return resist::bake_backward(ctx, sweeps_[std::size_t(c)], values_.model, history(c),
                                   options_.max_step_s, options_.boundaries, grad_inhibitor,
                                   grad_acid);
    return resist::bake_backward(ctx, acid, values_.model, history(c), options_.max_step_s,
                                 options_.boundaries, grad_inhibitor, grad_acid);
  }

  void accumulate(index_t c, const resist::PebGradient& g) {
    resist::PebGradient& sum = gradient_.model;
    const auto add = [](resist::Diffusivity& a, const resist::Diffusivity& b) {
      a.lateral_nm2_per_s += b.lateral_nm2_per_s;
      a.vertical_nm2_per_s += b.vertical_nm2_per_s;
      a.activation_kcal_per_mol += b.activation_kcal_per_mol;
    };
    add(sum.acid, g.acid);
    add(sum.quencher, g.quencher);
    sum.quench.per_s += g.quench.per_s;
    sum.quench.activation_kcal_per_mol += g.quench.activation_kcal_per_mol;
    sum.deprotect.per_s += g.deprotect.per_s;
    sum.deprotect.activation_kcal_per_mol += g.deprotect.activation_kcal_per_mol;
    sum.initial_quencher += g.initial_quencher;
    sum.temperature_offset_kelvin += g.temperature_offset_kelvin;
    gradient_.condition_bake_offset_k[std::size_t(c)] += g.temperature_offset_kelvin;
  }

  Grid grid_;
  thermal::TemperatureHistory history_;
  BakeOptions options_;
  double nominal_c_ = 0;
  BakeValues values_;
  ProcessConditions conditions_;
  BakeGradient gradient_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> output_, grad_input_;
  // The last forward's sweeps, one per condition (their fields reused by the next forward), when
  // swept_; the conditions it baked (0: none since set_conditions).
  std::vector<resist::BakeSweep<T, Space>> sweeps_;
  bool swept_ = false, backward_seen_ = false;
  index_t forward_conditions_ = 0;
};

}  // namespace fabtwin::twin
