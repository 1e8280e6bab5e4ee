#pragma once
// Pixel inverse lithography over any chain that ends in a printed image: find the mask whose
// prints, under the chain's process conditions, match a target.
//
// Relaxation (Poonawala & Milanfar, IEEE TIP 16(3), 2007; the form OpenILT and most ILT papers
// use, physics.md section 1): the mask is m = sigmoid(a p) over free pixel values p, a the mask
// steepness (about 4). The chain maps m (batch 1) to prints P_c (batch C, one per process
// condition, each in [0, 1]). The objective is a weighted sum over conditions of squared errors,
//   J(p) = sum_c w_c sum_x (P_c(x) - t(x))^2,
// which with the ICCAD-2013 corners (nominal, outer, inner) is OpenILT's L2 term plus its
// process-variation term, and optionally a band term w_b sum_x (P_a - P_b)^2 between two
// conditions (the outer and inner corners), which acts on the band itself: where both corners
// print on the target's side it is zero, at an edge it asks for a steeper image; and optionally a
// mask-complexity term w_q C(m), C the quadratic variation sum_x |m(x + e_x) - m(x)|^2 +
// |m(x + e_y) - m(x)|^2 (periodic; for a binary mask, its edge length in pixels), which discourages
// small islands and ragged edges (a quadratic form of the total-variation complexity penalty of
// Poonawala & Milanfar 2007); and optionally a probe term over chosen samples of one print (the
// EPE probes: an EPE-aware term, see ProbeTerm).
// Its gradient comes from the chain's hand-written adjoints:
//   dJ/dP_c = 2 w_c (P_c - t) (+ 2 w_b (P_a - P_b) for c = a, - that for c = b),
//   dJ/dm = chain.backward(dJ/dP) + w_q 2 (4 m - sum of the four neighbours),
//   dJ/dp = a m (1 - m) dJ/dm.
// The update is Adam (Kingma & Ba, ICLR 2015) on p, whose per-pixel step normalisation suits the
// gradient's large dynamic range (pixels far from any edge get almost none), or L-BFGS with a
// backtracking line search (twin/lbfgs.hpp), which needs no step size and more evaluations.
// The chain's own parameters are not optimised here: their gradients accumulate and are cleared
// at every evaluation.

#include <chrono>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/resist/compact_models.hpp"
#include "fabtwin/twin/lbfgs.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

/// Adam's constants (Kingma & Ba 2015, Algorithm 1); `step` is in units of the free values p.
struct AdamOptions {
  double step = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

/// w_b sum_x (P_a - P_b)^2 between the prints of conditions a and b (0 weight: off).
struct BandTerm {
  double weight = 0;
  index_t a = 1, b = 2;  ///< the ICCAD-2013 corners' order: outer, inner
};

/// w_e sum_k (P_c(x_k) - t(x_k))^2 over chosen samples x_k of condition c's print (0 weight: off).
/// With the EPE probes of the target (metrology::epe_probe_samples on the optimiser's grid: inside
/// the edge, where t = 1, and outside it, where t = 0), this is the relaxed count of EPE
/// violations: for a binary print, exactly the number of failed probes.
struct ProbeTerm {
  double weight = 0;
  index_t condition = 0;  ///< the print it reads (0: nominal)
  std::vector<index_t>
      samples;  ///< indices into the output grid; a sample may repeat, -1 is skipped
};

/// What pixel_ilt reports after each iteration.
struct IltProgress {
  int iteration = 0;  ///< iterations done (1 after the first update)
  /// J and sum_x (P_c - t)^2 per condition: before this iteration's update with Adam, after it
  /// with L-BFGS (whose line search evaluates there).
  double objective = 0;
  std::vector<double> condition_error;  ///< [0]: the relaxed L2 of the nominal print
  double band_error = 0;                ///< sum_x (P_a - P_b)^2: the relaxed PV band (0 when off)
  double seconds = 0;                   ///< since pixel_ilt started
};

/// The update rule of pixel_ilt.
enum class IltMethod {
  adam,   ///< Adam: one evaluation per iteration
  lbfgs,  ///< L-BFGS: one evaluation per iteration and one per halving of the step
};

struct PixelIltOptions {
  int iterations = 50;
  double mask_steepness = 4;  ///< a in m = sigmoid(a p)
  IltMethod method = IltMethod::adam;
  AdamOptions adam;
  LbfgsOptions lbfgs;
  /// w_c per process condition of the chain; empty: 1 for every condition.
  std::vector<double> condition_weights;
  /// The band term w_b sum (P_a - P_b)^2 between conditions band.a and band.b.
  BandTerm band;
  /// w_q of the mask-complexity term w_q C(m) (0: off).
  double complexity_weight = 0;
  /// The probe (EPE-aware) term.
  ProbeTerm probes;
  /// Called after every iteration (a long optimisation reports its progress).
  std::function<void(const IltProgress&)> progress;
};

struct PixelIltResult {
  int iterations = 0;
  std::vector<double> objective;  ///< J at each iteration, before its update; then the final J
  int evaluations = 0;            ///< of J with its gradient (L-BFGS's line search adds some)
  bool stalled = false;  ///< L-BFGS found no step that decreases J enough, and stopped early
  double seconds = 0;
};

namespace detail {

/// m = sigmoid(a p), the relaxed mask (device functors at namespace scope: nvcc's stubs name them).
template <class T, class Space>
struct RelaxMask {
  View<const T, Space> p;
  View<T, Space> m;
  T a;
  FABTWIN_HD void operator()(index_t i) const { m[i] = resist::detail::logistic(a * p[i]); }
};

/// (a - b)^2 in double, for the reductions: a condition's error (P_c, t) and the band (P_a, P_b).
template <class T, class Space>
struct SquaredDifference {
  View<const T, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const {
    const double d = double(a[i]) - double(b[i]);
    return d * d;
  }
};

/// W (a - b)^2 in double: the probe term's errors, W the number of probes at each sample.
template <class T, class Space>
struct WeightedSquaredDifference {
  View<const T, Space> w, a, b;
  FABTWIN_HD double operator()(index_t i) const {
    const double d = double(a[i]) - double(b[i]);
    return double(w[i]) * d * d;
  }
};

/// g += 2 w_e W (P - t).
template <class T, class Space>
struct ProbeCotangent {
  View<const T, Space> w, printed, target;
  View<T, Space> g;
  T twice_weight;
  FABTWIN_HD void operator()(index_t i) const {
    g[i] += twice_weight * w[i] * (printed[i] - target[i]);
  }
};

/// g = 2 w (P - t) for one condition's member.
template <class T, class Space>
struct ErrorCotangent {
  View<const T, Space> printed, target;
  View<T, Space> g;
  T twice_weight;
  FABTWIN_HD void operator()(index_t i) const { g[i] = twice_weight * (printed[i] - target[i]); }
};

/// g_a += 2 w (P_a - P_b), g_b -= 2 w (P_a - P_b).
template <class T, class Space>
struct BandCotangent {
  View<const T, Space> a, b;
  View<T, Space> ga, gb;
  T twice_weight;
  FABTWIN_HD void operator()(index_t i) const {
    const T g = twice_weight * (a[i] - b[i]);
    ga[i] += g;
    gb[i] -= g;
  }
};

/// The mask's quadratic variation at pixel i: (m(x+1, y) - m)^2 + (m(x, y+1) - m)^2, periodic.
template <class T, class Space>
struct QuadraticVariation {
  View<const T, Space> m;
  FABTWIN_HD double operator()(index_t i) const {
    const index_t nx = m.nx(), ny = m.ny(), x = i % nx, y = i / nx;
    const double here = double(m[i]);
    const double dx = double(m[(x + 1) % nx + nx * y]) - here;
    const double dy = double(m[x + nx * ((y + 1) % ny)]) - here;
    return dx * dx + dy * dy;
  }
};

/// dJ/dp = a m (1 - m) (dJ/dm + w_q dC/dm), with dC/dm = 2 (4 m - the four neighbours) the
/// gradient of the quadratic variation C (a discrete -2 Laplacian, periodic).
template <class T, class Space>
struct ThroughRelaxation {
  View<const T, Space> m, grad_m;
  View<T, Space> grad_p;
  T a, variation_weight;
  FABTWIN_HD void operator()(index_t i) const {
    T g = grad_m[i];
    if (variation_weight != T(0)) {
      const index_t nx = m.nx(), ny = m.ny(), x = i % nx, y = i / nx;
      const T around = m[(x + 1) % nx + nx * y] + m[(x + nx - 1) % nx + nx * y] +
                       m[x + nx * ((y + 1) % ny)] + m[x + nx * ((y + ny - 1) % ny)];
      g += variation_weight * T(2) * (T(4) * m[i] - around);
    }
    grad_p[i] = a * m[i] * (T(1) - m[i]) * g;
  }
};

/// One Adam step: first and second moments, bias-corrected, p -= step m1_hat / (sqrt(m2_hat) + eps).
template <class T, class Space>
struct AdamStep {
  View<const T, Space> grad;
  View<T, Space> p, m1, m2;
  T beta1, beta2, step_over_bias1, sqrt_bias2, epsilon;
  FABTWIN_HD void operator()(index_t i) const {
    const T g = grad[i];
    m1[i] = beta1 * m1[i] + (T(1) - beta1) * g;
    m2[i] = beta2 * m2[i] + (T(1) - beta2) * g * g;
    p[i] -= step_over_bias1 * m1[i] / (cuda::std::sqrt(m2[i]) / sqrt_bias2 + epsilon);
  }
};

}  // namespace detail

/// The objective J(p) and its gradient for a chain and a target, with the buffers an optimiser
/// reuses from one evaluation to the next. The chain must take one mask (batch 1) on its input
/// grid and give one print per process condition on its output grid, the target's grid.
template <Stage Chain>
class IltObjective {
 public:
  using T = typename Chain::value_type;
  using Space = typename Chain::space;

  IltObjective(Chain& chain, const Field<T, Space>& target, double mask_steepness,
               std::vector<double> condition_weights = {}, BandTerm band = {},
               double complexity_weight = 0, const ProbeTerm& probes = {})
      : chain_(chain),
        target_(target),
        steepness_(mask_steepness),
        weights_(std::move(condition_weights)),
        band_(band),
        variation_weight_(complexity_weight),
        mask_(chain.input_grid()),
        grad_p_(chain.input_grid()) {
    constexpr const char* where = "twin::IltObjective";
    require(std::isfinite(mask_steepness) && mask_steepness > 0, where, "mask_steepness",
            mask_steepness, "a positive, finite sigmoid steepness (about 4)");
    require<shape_mismatch>(
        target.grid().same_shape(chain.output_grid()) && target.batch() == 1, where, "target",
        [&] {
          return ::fabtwin::describe(target.grid()) + " batch " + std::to_string(target.batch());
        },
        [&] {
          return "one image on the chain's output grid, " +
                 ::fabtwin::describe(chain.output_grid());
        });
    conditions_ = chain.output_batch(1);
    if (weights_.empty()) weights_.assign(std::size_t(conditions_), 1.0);
    require<shape_mismatch>(
        index_t(weights_.size()) == conditions_, where, "condition_weights.size()", weights_.size(),
        [&] { return "one weight per print of the chain (" + std::to_string(conditions_) + ")"; });
    for (std::size_t c = 0; c < weights_.size(); ++c)
      require(
          std::isfinite(weights_[c]) && weights_[c] >= 0, where,
          [&] { return "condition_weights[" + std::to_string(c) + "]"; }, weights_[c],
          "a non-negative, finite weight");
    require(std::isfinite(band.weight) && band.weight >= 0, where, "band.weight", band.weight,
            "a non-negative, finite weight");
    if (band.weight > 0)
      require(
          band.a >= 0 && band.b >= 0 && band.a < conditions_ && band.b < conditions_ &&
              band.a != band.b,
          where, "band (a, b)",
          [&] { return std::to_string(band.a) + ", " + std::to_string(band.b); },
          [&] { return "two different conditions below " + std::to_string(conditions_); });
    require(std::isfinite(complexity_weight) && complexity_weight >= 0, where, "complexity_weight",
            complexity_weight, "a non-negative, finite weight");
    require(std::isfinite(probes.weight) && probes.weight >= 0, where, "probes.weight",
            probes.weight, "a non-negative, finite weight");
    if (probes.weight > 0) {
      require(probes.condition >= 0 && probes.condition < conditions_, where, "probes.condition",
              probes.condition, [&] { return "a condition below " + std::to_string(conditions_); });
      const Grid out = chain.output_grid();
      std::vector<T> counts(std::size_t(out.size()), T(0));
      for (std::size_t k = 0; k < probes.samples.size(); ++k) {
        const index_t at = probes.samples[k];
        require(
            at >= -1 && at < out.size(), where,
            [&] { return "probes.samples[" + std::to_string(k) + "]"; }, at,
            [&] { return "-1 or a sample index below " + std::to_string(out.size()); });
        if (at >= 0) counts[std::size_t(at)] += T(1);
      }
      probe_counts_.emplace(to<Space>(make_host_field(out, counts)));
      probe_weight_ = probes.weight;
      probe_condition_ = probes.condition;
    }
    cotangent_.emplace(chain.output_grid(), conditions_);
  }

  /// The relaxed mask of the last evaluation, m = sigmoid(a p).
  const Field<T, Space>& mask() const { return mask_; }
  /// sum_x (P_c - t)^2 per condition at the last evaluation.
  const std::vector<double>& condition_error() const { return condition_error_; }
  /// sum_x (P_a - P_b)^2 at the last evaluation (0 when the band term is off).
  double band_error() const { return band_error_; }
  /// The mask's quadratic variation C at the last evaluation (0 when its weight is 0).
  double complexity() const { return complexity_; }
  /// sum_k (P_c(x_k) - t(x_k))^2 of the probe term at the last evaluation (0 when it is off).
  double probe_error() const { return probe_error_; }
  index_t conditions() const { return conditions_; }

  /// J(p); when `with_gradient`, also dJ/dp into gradient().
  double evaluate(Context<Space>& ctx, const Field<T, Space>& p, bool with_gradient = true) {
    require<shape_mismatch>(
        p.grid().same_shape(mask_.grid()) && p.batch() == 1, "twin::IltObjective::evaluate", "p",
        [&] { return ::fabtwin::describe(p.grid()) + " batch " + std::to_string(p.batch()); },
        [&] {
          return "one field on the chain's input grid, " + ::fabtwin::describe(mask_.grid());
        });
    const index_t n = mask_.grid().size();
    for_each(ctx, Range1{n}, detail::RelaxMask<T, Space>{p.view(), mask_.view(), T(steepness_)});
    const Field<T, Space>& printed = chain_.forward(ctx, mask_);
    const index_t m = printed.grid().size();
    condition_error_.assign(std::size_t(conditions_), 0.0);
    double objective = 0;
    for (index_t c = 0; c < conditions_; ++c) {
      const View<const T, Space> member = printed.view().member(c);
      condition_error_[std::size_t(c)] =
          transform_reduce(ctx, m, 0.0, reduce_op::Plus{},
                           detail::SquaredDifference<T, Space>{member, target_.view()});
      objective += weights_[std::size_t(c)] * condition_error_[std::size_t(c)];
      if (with_gradient)
        for_each(
            ctx, Range1{m},
            detail::ErrorCotangent<T, Space>{member, target_.view(), cotangent_->view().member(c),
                                             T(2 * weights_[std::size_t(c)])});
    }
    if (band_.weight > 0) {
      const View<const T, Space> a = printed.view().member(band_.a),
                                 b = printed.view().member(band_.b);
      band_error_ = transform_reduce(ctx, m, 0.0, reduce_op::Plus{},
                                     detail::SquaredDifference<T, Space>{a, b});
      objective += band_.weight * band_error_;
      if (with_gradient)
        for_each(ctx, Range1{m},
                 detail::BandCotangent<T, Space>{a, b, cotangent_->view().member(band_.a),
                                                 cotangent_->view().member(band_.b),
                                                 T(2 * band_.weight)});
    }
    probe_error_ = 0;
    if (probe_counts_) {
      const View<const T, Space> member = printed.view().member(probe_condition_);
      probe_error_ = transform_reduce(ctx, m, 0.0, reduce_op::Plus{},
                                      detail::WeightedSquaredDifference<T, Space>{
                                          probe_counts_->view(), member, target_.view()});
      objective += probe_weight_ * probe_error_;
      if (with_gradient)
        for_each(ctx, Range1{m},
                 detail::ProbeCotangent<T, Space>{probe_counts_->view(), member, target_.view(),
                                                  cotangent_->view().member(probe_condition_),
                                                  T(2 * probe_weight_)});
    }
    complexity_ = 0;
    if (variation_weight_ > 0) {
      complexity_ = transform_reduce(ctx, n, 0.0, reduce_op::Plus{},
                                     detail::QuadraticVariation<T, Space>{mask_.view()});
      objective += variation_weight_ * complexity_;
    }
    if (with_gradient) {
      chain_.zero_gradient();
      const Field<T, Space>& grad_mask = chain_.backward(ctx, *cotangent_);
      for_each(ctx, Range1{n},
               detail::ThroughRelaxation<T, Space>{mask_.view(), grad_mask.view(), grad_p_.view(),
                                                   T(steepness_), T(variation_weight_)});
    }
    return objective;
  }

  /// dJ/dp at the last evaluation with a gradient.
  const Field<T, Space>& gradient() const { return grad_p_; }

 private:
  Chain& chain_;
  const Field<T, Space>& target_;
  double steepness_;
  std::vector<double> weights_;
  BandTerm band_;
  double band_error_ = 0;
  double variation_weight_ = 0, complexity_ = 0;
  std::optional<Field<T, Space>> probe_counts_;
  double probe_weight_ = 0, probe_error_ = 0;
  index_t probe_condition_ = 0;
  index_t conditions_ = 0;
  Field<T, Space> mask_, grad_p_;
  std::optional<Field<T, Space>> cotangent_;
  std::vector<double> condition_error_;
};

/// Runs options.iterations iterations of options.method on the free values `p` (in place; a start
/// such as p = 2 t - 1 puts the relaxed mask near the target) and returns the objective's history.
/// L-BFGS stops early (result.stalled) when its line search finds no step that decreases J
/// enough. The binary mask of the result is p >= 0 (m >= 1/2).
template <Stage Chain>
PixelIltResult pixel_ilt(Context<typename Chain::space>& ctx, Chain& chain,
                         const Field<typename Chain::value_type, typename Chain::space>& target,
                         Field<typename Chain::value_type, typename Chain::space>& p,
                         const PixelIltOptions& options = {}) {
  using T = typename Chain::value_type;
  using Space = typename Chain::space;
  constexpr const char* where = "twin::pixel_ilt";
  require(options.iterations >= 0, where, "options.iterations", options.iterations,
          "a non-negative iteration count");
  const AdamOptions& adam = options.adam;
  require(std::isfinite(adam.step) && adam.step > 0, where, "options.adam.step", adam.step,
          "a positive, finite step");
  require(adam.beta1 >= 0 && adam.beta1 < 1, where, "options.adam.beta1", adam.beta1,
          "a decay in [0, 1)");
  require(adam.beta2 >= 0 && adam.beta2 < 1, where, "options.adam.beta2", adam.beta2,
          "a decay in [0, 1)");
  require(std::isfinite(adam.epsilon) && adam.epsilon > 0, where, "options.adam.epsilon",
          adam.epsilon, "a positive, finite epsilon");

  if (options.method == IltMethod::lbfgs) options.lbfgs.validate(where);

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  IltObjective<Chain> objective(chain, target, options.mask_steepness, options.condition_weights,
                                options.band, options.complexity_weight, options.probes);
  PixelIltResult result;
  if (options.method == IltMethod::lbfgs) {
    Lbfgs<T, Space> lbfgs(p.grid(), options.lbfgs);
    for (int k = 0; k < options.iterations; ++k) {
      const LbfgsStep step = lbfgs.iterate(ctx, objective, p);
      result.evaluations += step.evaluations;
      result.objective.push_back(step.objective_before);
      if (!step.accepted) {
        result.stalled = true;
        break;
      }
      result.iterations = k + 1;
      if (options.progress)
        options.progress({k + 1, step.objective, objective.condition_error(),
                          objective.band_error(), elapsed()});
    }
  } else {
    Field<T, Space> m1(p.grid()), m2(p.grid());  // zero-filled moments
    double bias1 = 1, bias2 = 1;
    for (int k = 0; k < options.iterations; ++k) {
      const double value = objective.evaluate(ctx, p);
      ++result.evaluations;
      result.objective.push_back(value);
      bias1 *= adam.beta1;
      bias2 *= adam.beta2;
      for_each(
          ctx, Range1{p.grid().size()},
          detail::AdamStep<T, Space>{objective.gradient().view(), p.view(), m1.view(), m2.view(),
                                     T(adam.beta1), T(adam.beta2), T(adam.step / (1 - bias1)),
                                     T(std::sqrt(1 - bias2)), T(adam.epsilon)});
      result.iterations = k + 1;
      if (options.progress)
        options.progress(
            {k + 1, value, objective.condition_error(), objective.band_error(), elapsed()});
    }
  }
  result.objective.push_back(objective.evaluate(ctx, p, false));
  result.seconds = elapsed();
  return result;
}

}  // namespace fabtwin::twin
