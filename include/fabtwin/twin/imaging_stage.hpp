#pragma once
// The optics as a twin stage: B mask patterns -> B * C aerial images under the chain's process
// conditions, with focus continuous between kernel sets made at a few focus values
// (focus_interpolation.hpp) and the hand-written adjoint of optics::SocsImager underneath.
//
// Image of mask b under condition c (member b * C + c):
//   I_bc = s_c sum_j L_j(z_c) I_j(b),   z_c = focus_nm + conditions[c].focus_nm,
// where I_j is the SOCS image under the kernels of knot j (unit dose) and s_c the condition's
// relative dose when the stage applies it (ImagingOptions::apply_dose: optics-only chains; with an
// exposure stage downstream the exposure applies it), else 1. Gradients, with g_bc = dL/dI_bc:
//   dL/dmask_b   = sum_j SocsImager::backward_j( sum_c s_c L_j(z_c) g_bc ),
//   dL/dz_c      = s_c sum_b sum_j L_j'(z_c) <g_bc, I_j(b)>,   dL/dfocus_nm = sum_c dL/dz_c,
//   dL/ds_c      = sum_b sum_j L_j(z_c) <g_bc, I_j(b)>.
// forward images only the knots some condition weighs; backward images the other knots of the
// conditions' interpolation windows when the focus derivative needs them.

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/mask.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"
#include "fabtwin/twin/focus_interpolation.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

/// A kernel set and the focus (defocus from best focus, nm) it was made at.
struct FocusKernels {
  double focus_nm = 0;
  optics::KernelSet kernels;
};

struct ImagingOptions {
  /// Scale each image by its condition's relative dose (an optics-only chain, e.g. the ICCAD-2013
  /// corners). Leave false when an exposure stage follows: it applies the dose.
  bool apply_dose = false;
  optics::MaskModel mask = optics::MaskModel::binary();
  optics::ImagingPath path = optics::ImagingPath::band_limited;
};

struct ImagingParameters {
  double focus_nm = 0;  ///< nominal defocus, added to every condition's offset
};

struct ImagingGradient {
  double focus_nm = 0;
  std::vector<double> condition_dose;  ///< dL/d conditions[c].dose (0 unless the stage applies it)
  std::vector<double> condition_focus_nm;  ///< dL/d conditions[c].focus_nm
};

template <class T, class Space>
class ImagingStage {
 public:
  using value_type = T;
  using space = Space;

  ImagingStage(Context<Space>& ctx, const Grid& grid, std::vector<FocusKernels> sets,
               ImagingOptions options = {}, ProcessConditions conditions = nominal_condition())
      : options_(options), imager_(make_imager(ctx, grid, sets, options)) {
    for (const FocusKernels& set : sets) {  // sorted by make_imager
      knots_.push_back(set.focus_nm);
      range_nm_ = std::max(range_nm_,
                           set.kernels.support_nm > 0 ? set.kernels.support_nm : unbounded_range);
    }
    set_conditions(std::move(conditions));
  }

  Grid input_grid() const { return imager_.grid(); }
  Grid output_grid() const { return imager_.grid(); }
  index_t output_batch(index_t input_batch) const {
    return input_batch * index_t(conditions_.size());
  }
  /// The kernels' spatial support (optics/ambit.hpp), at any tolerance; unbounded for band-limited
  /// periodic kernels, whose tails fall like r^-3/2.
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::ImagingStage::interaction_range_nm");
    return range_nm_;
  }

  const ProcessConditions& conditions() const { return conditions_; }
  void set_conditions(ProcessConditions conditions) {
    validate(conditions, "twin::ImagingStage::set_conditions");
    if (knots_.size() == 1)
      for (std::size_t c = 0; c < conditions.size(); ++c)
        require(
            conditions[c].focus_nm == 0, "twin::ImagingStage::set_conditions",
            [&] { return "conditions[" + std::to_string(c) + "].focus_nm"; },
            conditions[c].focus_nm, "0: the stage has kernels at one focus only");
    conditions_ = std::move(conditions);
    gradient_.condition_dose.assign(conditions_.size(), 0.0);
    gradient_.condition_focus_nm.assign(conditions_.size(), 0.0);
  }
  ConditionUse condition_use() const { return {options_.apply_dose, knots_.size() >= 2, false}; }

  ImagingParameters& values() { return parameters_; }
  const ImagingGradient& gradient() const { return gradient_; }
  optics::SocsImager<T, Space>& imager() { return imager_; }
  /// The focus values of the kernel sets, ascending (the knots of the focus interpolation).
  const std::vector<double>& focus_knots() const { return knots_; }

  std::vector<Parameter> parameters() {
    if (knots_.size() < 2) return {};  // focus cannot act with kernels at one focus
    double low = knots_.front(), high = knots_.back();
    for (const ProcessCondition& c : conditions_) {
      low = std::max(low, knots_.front() - c.focus_nm);
      high = std::min(high, knots_.back() - c.focus_nm);
    }
    return {{"focus_nm", "nm", low, high, 10.0, &parameters_.focus_nm, &gradient_.focus_nm}};
  }

  void zero_gradient() {
    gradient_.focus_nm = 0;
    std::fill(gradient_.condition_dose.begin(), gradient_.condition_dose.end(), 0.0);
    std::fill(gradient_.condition_focus_nm.begin(), gradient_.condition_focus_nm.end(), 0.0);
  }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& masks) {
    constexpr const char* where = "twin::ImagingStage::forward";
    detail::require_input(masks, input_grid(), where, "masks");
    input_ = &masks;
    weights_ = condition_weights(where);
    imaged_.clear();
    for (const auto& weights : weights_)
      for (const FocusWeight& w : weights)
        if (w.weight != 0) imaged_.push_back(w.knot);
    std::sort(imaged_.begin(), imaged_.end());
    imaged_.erase(std::unique(imaged_.begin(), imaged_.end()), imaged_.end());
    knot_images_ = image_knots(ctx, masks, imaged_);

    const index_t masks_count = masks.batch(), count = index_t(conditions_.size());
    Field<T, Space>& out = detail::reuse(output_, input_grid(), masks_count * count);
    for (index_t b = 0; b < masks_count; ++b)
      for (index_t c = 0; c < count; ++c) {
        bool first = true;
        for (const FocusWeight& w : weights_[std::size_t(c)]) {
          if (w.weight == 0) continue;
          detail::axpy<T, Space>(ctx, dose(c) * w.weight, knot_image(b, w.knot),
                                 out.view().member(b * count + c), !first);
          first = false;
        }
      }
    return out;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_images) {
    constexpr const char* where = "twin::ImagingStage::backward";
    detail::require_cotangent(input_, output_, grad_images, where);
    const Field<T, Space>& masks = *input_;
    const index_t masks_count = masks.batch(), count = index_t(conditions_.size());
    const auto g = [&](index_t b, index_t c) {
      return View<const T, Space>(grad_images.view().member(b * count + c));
    };

    // The focus derivative weighs every knot of each window, imaged or not.
    std::vector<index_t> window;
    for (const auto& weights : weights_)
      for (const FocusWeight& w : weights)
        if (std::find(imaged_.begin(), imaged_.end(), w.knot) == imaged_.end())
          window.push_back(w.knot);
    std::sort(window.begin(), window.end());
    window.erase(std::unique(window.begin(), window.end()), window.end());
    std::optional<Field<T, Space>> extra;
    if (!window.empty()) extra.emplace(image_knots(ctx, masks, window));
    const auto image_of = [&](index_t b, index_t knot) {
      const auto at = std::find(imaged_.begin(), imaged_.end(), knot);
      if (at != imaged_.end()) return knot_image(b, knot);
      const index_t k = index_t(std::find(window.begin(), window.end(), knot) - window.begin());
      return View<const T, Space>(extra->view().member(b * index_t(window.size()) + k));
    };
    for (index_t c = 0; c < count; ++c)
      for (index_t b = 0; b < masks_count; ++b)
        for (const FocusWeight& w : weights_[std::size_t(c)]) {
          const double product = detail::real_dot(ctx, g(b, c), image_of(b, w.knot));
          gradient_.condition_focus_nm[std::size_t(c)] += dose(c) * w.slope * product;
          gradient_.focus_nm += dose(c) * w.slope * product;
          if (options_.apply_dose) gradient_.condition_dose[std::size_t(c)] += w.weight * product;
        }

    // dL/dmask: one SocsImager adjoint over the imaged knots, each with its weighted cotangent.
    const index_t knots = index_t(imaged_.size());
    Field<T, Space> knot_cotangent(input_grid(), masks_count * knots);
    for (index_t b = 0; b < masks_count; ++b)
      for (index_t k = 0; k < knots; ++k) {
        bool first = true;
        for (index_t c = 0; c < count; ++c)
          for (const FocusWeight& w : weights_[std::size_t(c)])
            if (w.knot == imaged_[std::size_t(k)] && w.weight != 0) {
              detail::axpy<T, Space>(ctx, dose(c) * w.weight, g(b, c),
                                     knot_cotangent.view().member(b * knots + k), !first);
              first = false;
            }
      }
    Field<T, Space>& grad_masks = detail::reuse(grad_input_, input_grid(), masks_count);
    const std::vector<optics::Condition> at_knots = knot_conditions(imaged_);
    imager_.backward(ctx, masks, at_knots, knot_cotangent, grad_masks, {}, options_.path);
    return grad_masks;
  }

 private:
  static optics::SocsImager<T, Space> make_imager(Context<Space>& ctx, const Grid& grid,
                                                  std::vector<FocusKernels>& sets,
                                                  const ImagingOptions& options) {
    constexpr const char* where = "twin::ImagingStage";
    require(!sets.empty(), where, "sets.size()", sets.size(), "at least one kernel set");
    std::sort(sets.begin(), sets.end(),
              [](const FocusKernels& a, const FocusKernels& b) { return a.focus_nm < b.focus_nm; });
    std::vector<optics::KernelSet> kernels;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      require(
          std::isfinite(sets[s].focus_nm), where,
          [&] { return "sets[" + std::to_string(s) + "].focus_nm"; }, sets[s].focus_nm,
          "a finite focus in nm");
      if (s > 0)
        require(sets[s].focus_nm != sets[s - 1].focus_nm, where, "sets.focus_nm", sets[s].focus_nm,
                "distinct focus values, one kernel set each");
      kernels.push_back(std::move(sets[s].kernels));
    }
    return optics::SocsImager<T, Space>(ctx, grid, std::move(kernels), options.mask);
  }

  std::vector<optics::Condition> knot_conditions(const std::vector<index_t>& knots) const {
    std::vector<optics::Condition> out;
    for (const index_t k : knots) out.push_back(optics::Condition{1.0, k});
    return out;
  }

  /// Unit-dose images of every mask under the kernels of `knots`: member b * knots.size() + k.
  Field<T, Space> image_knots(Context<Space>& ctx, const Field<T, Space>& masks,
                              const std::vector<index_t>& knots) {
    return imager_.image(ctx, masks, knot_conditions(knots), options_.path);
  }

  View<const T, Space> knot_image(index_t b, index_t knot) const {
    const index_t k = index_t(std::find(imaged_.begin(), imaged_.end(), knot) - imaged_.begin());
    return View<const T, Space>(knot_images_->view().member(b * index_t(imaged_.size()) + k));
  }

  double dose(index_t c) const {
    return options_.apply_dose ? conditions_[std::size_t(c)].dose : 1.0;
  }

  std::vector<std::vector<FocusWeight>> condition_weights(std::string_view where) const {
    std::vector<std::vector<FocusWeight>> all;
    for (std::size_t c = 0; c < conditions_.size(); ++c)
      all.push_back(focus_weights(knots_, parameters_.focus_nm + conditions_[c].focus_nm, where,
                                  "focus_nm + conditions[" + std::to_string(c) + "].focus_nm"));
    return all;
  }

  ImagingOptions options_;
  optics::SocsImager<T, Space> imager_;
  std::vector<double> knots_;
  double range_nm_ = 0;  ///< the kernels' spatial support, or unbounded_range
  ProcessConditions conditions_;
  ImagingParameters parameters_;
  ImagingGradient gradient_;
  const Field<T, Space>* input_ = nullptr;
  std::vector<std::vector<FocusWeight>> weights_;
  std::vector<index_t> imaged_;
  std::optional<Field<T, Space>> knot_images_, output_, grad_input_;
};

}  // namespace fabtwin::twin
