#pragma once
// The compact resist model of OPC as a twin stage (resist/compact_models.hpp underneath): the
// Gaussian-blurred sigmoid threshold of a 2D field, P = sigmoid(s (G_sigma * x - th)), with the
// blur, the threshold and the steepness as named parameters.
//
// The tone says which side prints: `above` (P = sigmoid(s (J - th))) for an intensity or acid map,
// `below` (P = sigmoid(s (th - J)) = 1 - sigmoid(s (J - th))) for the inhibitor of a positive resist,
// which clears where the bake has deprotected it. P is the printed (cleared) fraction either way;
// for `below` the cotangent enters the library's adjoint negated.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/resist/compact_models.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

enum class PrintTone {
  above,  ///< prints where the blurred input exceeds the threshold (an image or an acid map)
  below,  ///< prints (clears) where it stays below (the inhibitor of a positive resist)
};

struct ThresholdValues {
  double blur_nm = 0;
  resist::SigmoidThreshold sigmoid;
};

namespace detail {

/// p = 1 - p (device functors live at namespace scope: nvcc's generated stubs must name them).
template <class T, class Space>
struct OneMinus {
  View<T, Space> p;
  FABTWIN_HD void operator()(index_t i) const { p[i] = T(1) - p[i]; }
};

}  // namespace detail

template <class T, class Space>
class ThresholdStage {
 public:
  using value_type = T;
  using space = Space;

  /// `blur_kernel`: the blur's kernel on the grid (resist/compact_models.hpp): lattice for a
  /// model run over tiles (it is local; the Gaussian's Nyquist cut rings without bound).
  ThresholdStage(const Grid& grid, double blur_nm, resist::SigmoidThreshold sigmoid,
                 PrintTone tone = PrintTone::above,
                 thermal::DiffusionKernel blur_kernel = thermal::DiffusionKernel::gaussian)
      : grid_(grid), values_{blur_nm, sigmoid}, tone_(tone), kernel_(blur_kernel) {
    require<shape_mismatch>(grid.rank() == 2, "twin::ThresholdStage", "grid", grid,
                            "a 2D grid (take a layer of a 3D film first)");
    sigmoid.validate("twin::ThresholdStage");
  }

  Grid input_grid() const { return grid_; }
  Grid output_grid() const { return grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }
  /// The blur's lattice kernel where it holds all but `tolerance` of its weight (tolerance / 2
  /// per axis); unbounded for the Gaussian kernel, whose Nyquist cut rings. The sigmoid is
  /// pointwise.
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::ThresholdStage::interaction_range_nm");
    if (kernel_ != thermal::DiffusionKernel::lattice) return unbounded_range;
    return std::max(thermal::lattice_range_nm(values_.blur_nm, grid_.pitch().x, tolerance / 2),
                    thermal::lattice_range_nm(values_.blur_nm, grid_.pitch().y, tolerance / 2));
  }

  ThresholdValues& values() { return values_; }
  const resist::BlurredThresholdGradient& gradient() const { return gradient_; }

  std::vector<Parameter> parameters() {
    return {{"resist.blur_nm", "nm", 0, unbounded, 1.0, &values_.blur_nm, &gradient_.sigma_nm},
            {"resist.threshold", "(input units)", -unbounded, unbounded, 0.01,
             &values_.sigmoid.threshold, &gradient_.threshold},
            {"resist.steepness", "1/(input units)", 0, unbounded, 1.0, &values_.sigmoid.steepness,
             &gradient_.steepness}};
  }

  void zero_gradient() { gradient_ = {}; }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& input) {
    detail::require_input(input, grid_, "twin::ThresholdStage::forward", "input");
    input_ = &input;
    Field<T, Space>& printed = detail::reuse(output_, grid_, input.batch());
    resist::blurred_threshold(ctx, input, values_.blur_nm, values_.sigmoid, printed, kernel_);
    if (tone_ == PrintTone::below)
      for_each(ctx, Range1{printed.size()}, detail::OneMinus<T, Space>{printed.view()});
    return printed;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_printed) {
    constexpr const char* where = "twin::ThresholdStage::backward";
    detail::require_cotangent(input_, output_, grad_printed, where);
    Field<T, Space>& grad_input = detail::reuse(grad_input_, grid_, input_->batch());
    const Field<T, Space>* cotangent = &grad_printed;
    if (tone_ == PrintTone::below) {
      Field<T, Space>& negated = detail::reuse(negated_, grid_, input_->batch());
      detail::axpy<T, Space>(ctx, -1.0, grad_printed.cview(), negated.view(), false);
      cotangent = &negated;
    }
    const resist::BlurredThresholdGradient g = resist::blurred_threshold_backward(
        ctx, *input_, values_.blur_nm, values_.sigmoid, *cotangent, grad_input, kernel_);
    gradient_.sigma_nm += g.sigma_nm;
    gradient_.threshold += g.threshold;
    gradient_.steepness += g.steepness;
    return grad_input;
  }

 private:
  Grid grid_;
  ThresholdValues values_;
  PrintTone tone_;
  thermal::DiffusionKernel kernel_;
  resist::BlurredThresholdGradient gradient_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> output_, grad_input_, negated_;
};

}  // namespace fabtwin::twin
