#pragma once
// Limited-memory BFGS over a field of free values (Nocedal, Math. Comp. 35, 1980; Nocedal &
// Wright, "Numerical Optimization", 2nd ed., Algorithms 7.4 and 7.5), for an objective that gives
// J(p) and dJ/dp, such as twin::IltObjective.
//
// Each iteration takes the direction d = -H g from the two-loop recursion over the last m pairs
// s = p_{k+1} - p_k, y = g_{k+1} - g_k (initial H = gamma I, gamma = s.y / y.y of the newest pair),
// then backtracks from the full step t = 1, halving it until Armijo's condition
//   J(p + t d) <= J(p) + c1 t g.d
// holds. A pair is kept only when s.y > 0 (the curvature condition, which keeps H positive
// definite without a Wolfe line search). The first iteration, and any whose direction is not one
// of descent, takes d = -g scaled so that its largest entry is `first_step`. Memory: 2 m + 3 fields
// of the free values. Every dot product is exec's transform_reduce in double (fixed chunks on the
// host), so on the host the iterates are the same at any thread count.

#include <cmath>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"

namespace fabtwin::twin {

struct LbfgsOptions {
  index_t memory = 8;       ///< m, the correction pairs kept
  double first_step = 0.5;  ///< largest |entry| of the first step, in units of the free values
  double armijo = 1e-4;     ///< c1 of the sufficient-decrease condition
  int max_backtracks = 30;  ///< halvings of t before an iteration gives up

  void validate(std::string_view where) const {
    require(memory >= 1, where, "lbfgs.memory", memory, "at least one correction pair");
    require(std::isfinite(first_step) && first_step > 0, where, "lbfgs.first_step", first_step,
            "a positive, finite step");
    require(armijo > 0 && armijo < 1, where, "lbfgs.armijo", armijo, "a constant in (0, 1)");
    require(max_backtracks >= 1, where, "lbfgs.max_backtracks", max_backtracks,
            "at least one halving");
  }
};

namespace detail {

/// |a|, in double (for the largest entry).
template <class T, class Space>
struct Magnitude {
  View<const T, Space> a;
  FABTWIN_HD double operator()(index_t i) const {
    return a[i] < T(0) ? -double(a[i]) : double(a[i]);
  }
};

/// out = a + t b.
template <class T, class Space>
struct AlongDirection {
  View<const T, Space> a, b;
  View<T, Space> out;
  T t;
  FABTWIN_HD void operator()(index_t i) const { out[i] = a[i] + t * b[i]; }
};

/// out = a - b.
template <class T, class Space>
struct Difference {
  View<const T, Space> a, b;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i) const { out[i] = a[i] - b[i]; }
};

}  // namespace detail

/// What one L-BFGS iteration did.
struct LbfgsStep {
  bool accepted = false;        ///< false: no step length met Armijo's condition; p is unchanged
  double objective_before = 0;  ///< J at p before the iteration
  double objective = 0;         ///< J at the new p (at the old one when not accepted)
  double step = 0;              ///< the accepted t
  int evaluations = 0;          ///< objective evaluations, each with its gradient
};

/// L-BFGS state over free values on `grid`. `Objective` has
///   double evaluate(Context<Space>&, const Field<T, Space>& p, bool with_gradient)
///   const Field<T, Space>& gradient() const   // dJ/dp at the last evaluation with a gradient
template <class T, class Space>
class Lbfgs {
 public:
  Lbfgs(const Grid& grid, LbfgsOptions options = {})
      : options_(options), gradient_(grid), direction_(grid), trial_(grid) {
    options_.validate("twin::Lbfgs");
  }

  /// One iteration from p (updated in place when a step is accepted). The first call evaluates J
  /// and its gradient at p; later ones reuse those of the accepted point.
  template <class Objective>
  LbfgsStep iterate(Context<Space>& ctx, Objective& objective, Field<T, Space>& p) {
    const index_t n = p.grid().size();
    LbfgsStep result;
    if (!objective_) {
      objective_ = objective.evaluate(ctx, p, true);
      ++result.evaluations;
      copy_into(ctx, objective.gradient(), gradient_);
    }
    result.objective_before = *objective_;
    search_direction(ctx);
    double slope = dot(ctx, gradient_, direction_);
    if (!(slope < 0)) {  // not a descent direction: forget the pairs, start again from -g
      pairs_.clear();
      search_direction(ctx);
      slope = dot(ctx, gradient_, direction_);
    }
    double t = 1;
    for (int k = 0; k <= options_.max_backtracks; ++k, t /= 2) {
      for_each(ctx, Range1{n},
               detail::AlongDirection<T, Space>{p.view(), direction_.view(), trial_.view(), T(t)});
      const double value = objective.evaluate(ctx, trial_, true);
      ++result.evaluations;
      if (!(value <= *objective_ + options_.armijo * t * slope)) continue;
      // Accepted: the new pair is s = t d, y = g_new - g; then p and g move on.
      Pair pair = take_pair(p.grid());
      detail::axpy(ctx, t, direction_.cview(), pair.s.view(), false);
      for_each(ctx, Range1{n},
               detail::Difference<T, Space>{objective.gradient().view(), gradient_.view(),
                                            pair.y.view()});
      const double sy = dot(ctx, pair.s, pair.y);
      if (sy > 0) {
        pair.rho = 1 / sy;
        pair.gamma = sy / dot(ctx, pair.y, pair.y);
        pairs_.push_back(std::move(pair));
      } else {
        spare_.push_back(std::move(pair));
      }
      copy_into(ctx, trial_, p);
      copy_into(ctx, objective.gradient(), gradient_);
      objective_ = value;
      result.accepted = true;
      result.step = t;
      break;
    }
    result.objective = *objective_;
    return result;
  }

  /// J at the current point (after the first iterate).
  std::optional<double> objective() const { return objective_; }
  index_t pairs() const { return index_t(pairs_.size()); }

 private:
  struct Pair {
    Field<T, Space> s, y;
    double rho = 0, gamma = 1;
  };

  Pair take_pair(const Grid& grid) {
    if (index_t(pairs_.size()) == options_.memory) {  // drop the oldest, reuse its storage
      Pair oldest = std::move(pairs_.front());
      pairs_.erase(pairs_.begin());
      return oldest;
    }
    if (!spare_.empty()) {
      Pair pair = std::move(spare_.back());
      spare_.pop_back();
      return pair;
    }
    return Pair{Field<T, Space>(grid), Field<T, Space>(grid)};
  }

  /// direction = -H gradient (two-loop recursion), or the scaled steepest descent without pairs.
  void search_direction(Context<Space>& ctx) {
    const index_t n = gradient_.grid().size();
    if (pairs_.empty()) {
      const double largest = transform_reduce(ctx, n, 0.0, reduce_op::Max{},
                                              detail::Magnitude<T, Space>{gradient_.view()});
      const double scale = largest > 0 ? options_.first_step / largest : 0;
      detail::axpy(ctx, -scale, gradient_.cview(), direction_.view(), false);
      return;
    }
    // q = g; for newest to oldest: alpha = rho s.q, q -= alpha y
    copy_into(ctx, gradient_, direction_);
    std::vector<double> alpha(pairs_.size());
    for (std::size_t k = pairs_.size(); k-- > 0;) {
      alpha[k] = pairs_[k].rho * dot(ctx, pairs_[k].s, direction_);
      detail::axpy(ctx, -alpha[k], pairs_[k].y.cview(), direction_.view());
    }
    // r = gamma q; for oldest to newest: beta = rho y.r, r += (alpha - beta) s
    detail::axpy(ctx, pairs_.back().gamma, direction_.cview(), direction_.view(), false);
    for (std::size_t k = 0; k < pairs_.size(); ++k) {
      const double beta = pairs_[k].rho * dot(ctx, pairs_[k].y, direction_);
      detail::axpy(ctx, alpha[k] - beta, pairs_[k].s.cview(), direction_.view());
    }
    detail::axpy(ctx, -1.0, direction_.cview(), direction_.view(), false);
  }

  static double dot(Context<Space>& ctx, const Field<T, Space>& a, const Field<T, Space>& b) {
    return detail::real_dot(ctx, a.cview(), b.cview());
  }
  static void copy_into(Context<Space>& ctx, const Field<T, Space>& from, Field<T, Space>& to) {
    detail::axpy(ctx, 1.0, from.cview(), to.view(), false);
  }

  LbfgsOptions options_;
  Field<T, Space> gradient_, direction_, trial_;
  std::vector<Pair> pairs_, spare_;
  std::optional<double> objective_;
};

}  // namespace fabtwin::twin
