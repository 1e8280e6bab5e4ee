#pragma once
// Pixel counts of the ICCAD-2013 evaluation (physics.md §1), on any Space:
//   L2      = pixels where the (nominal) print differs from the target,
//   PV band = pixels where the outer-corner and inner-corner prints differ (OpenILT's count), or,
//             one-sided, pixels where the outer corner prints and the inner one does not (the
//             contest simulator's calculate_pvband_area and curvyILT's count),
//   printed = pixels that print.
// Inputs are real fields binarised on the fly: a sample prints when it is >= its threshold (the
// evaluators' rule, I >= 0.225 on intensities; 0.5 for fields already 0/1). A NaN sample never
// prints. Counts are exact integers whatever the backend.

#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::metrology {
namespace detail {

/// 1 where exactly one of a[i] >= ta and b[i] >= tb holds.
template <class A, class B, class Space>
struct DiffersAt {
  View<A, Space> a;
  View<B, Space> b;
  double ta, tb;
  FABTWIN_HD index_t operator()(index_t i) const {
    const bool pa = double(a[i]) >= ta, pb = double(b[i]) >= tb;
    return pa != pb ? 1 : 0;
  }
};

/// 1 where a[i] >= ta and not b[i] >= tb.
template <class A, class B, class Space>
struct OnlyFirstAt {
  View<A, Space> a;
  View<B, Space> b;
  double ta, tb;
  FABTWIN_HD index_t operator()(index_t i) const {
    return double(a[i]) >= ta && !(double(b[i]) >= tb) ? 1 : 0;
  }
};

template <class A, class Space>
struct PrintsAt {
  View<A, Space> a;
  double ta;
  FABTWIN_HD index_t operator()(index_t i) const { return double(a[i]) >= ta ? 1 : 0; }
};

template <message_part Argument>
void require_threshold(double threshold, std::string_view where, const Argument& argument) {
  require(std::isfinite(threshold), where, argument, threshold, "a finite level");
}

template <class A, class B, class Space>
void require_same_extents(const View<A, Space>& a, const View<B, Space>& b, std::string_view where,
                          std::string_view a_name, std::string_view b_name) {
  if (!a.same_extents(b))
    throw shape_mismatch(argument_message(
        where, b_name, ::fabtwin::detail::describe_extents(b),
        "the extents of '" + std::string(a_name) + "', " + ::fabtwin::detail::describe_extents(a)));
}

template <class A, class B, class Space>
index_t count_differences(Context<Space>& ctx, View<A, Space> a, View<B, Space> b, double ta,
                          double tb, std::string_view where, std::string_view a_name,
                          std::string_view b_name) {
  static_assert(Real<std::remove_cv_t<A>> && Real<std::remove_cv_t<B>>,
                "pixel counts binarise real fields (float or double)");
  require_threshold(ta, where, [&] { return std::string(a_name) + "_threshold"; });
  require_threshold(tb, where, [&] { return std::string(b_name) + "_threshold"; });
  require_same_extents(a, b, where, a_name, b_name);
  return transform_reduce(ctx, a.size(), index_t{0}, reduce_op::Plus{},
                          DiffersAt<A, B, Space>{a, b, ta, tb});
}

}  // namespace detail

/// L2 of the ICCAD-2013 contest: pixels where print >= print_threshold disagrees with
/// target >= target_threshold (0.5 suits a 0/1 rasterised target).
template <class Space, class A, class B>
index_t l2_pixels(Context<Space>& ctx, View<A, Space> print, View<B, Space> target,
                  double print_threshold, double target_threshold = 0.5) {
  return detail::count_differences(ctx, print, target, print_threshold, target_threshold,
                                   "metrology::l2_pixels", "print", "target");
}

/// Process-variation band: pixels where the outer and inner corner prints disagree, both binarised
/// at `threshold`.
template <class Space, class A, class B>
index_t pv_band_pixels(Context<Space>& ctx, View<A, Space> outer, View<B, Space> inner,
                       double threshold) {
  return detail::count_differences(ctx, outer, inner, threshold, threshold,
                                   "metrology::pv_band_pixels", "outer", "inner");
}

/// The one-sided process-variation band: pixels where the outer corner prints and the inner one
/// does not, both binarised at `threshold`. It never exceeds pv_band_pixels, and equals it when the
/// inner print lies inside the outer one.
template <class Space, class A, class B>
index_t pv_band_outer_not_inner_pixels(Context<Space>& ctx, View<A, Space> outer,
                                       View<B, Space> inner, double threshold) {
  static_assert(Real<std::remove_cv_t<A>> && Real<std::remove_cv_t<B>>,
                "pixel counts binarise real fields (float or double)");
  constexpr const char* where = "metrology::pv_band_outer_not_inner_pixels";
  detail::require_threshold(threshold, where, "threshold");
  detail::require_same_extents(outer, inner, where, "outer", "inner");
  return transform_reduce(ctx, outer.size(), index_t{0}, reduce_op::Plus{},
                          detail::OnlyFirstAt<A, B, Space>{outer, inner, threshold, threshold});
}

/// Pixels of `print` that are >= threshold.
template <class Space, class A>
index_t printed_pixels(Context<Space>& ctx, View<A, Space> print, double threshold) {
  static_assert(Real<std::remove_cv_t<A>>, "pixel counts binarise real fields (float or double)");
  detail::require_threshold(threshold, "metrology::printed_pixels", "threshold");
  return transform_reduce(ctx, print.size(), index_t{0}, reduce_op::Plus{},
                          detail::PrintsAt<A, Space>{print, threshold});
}

}  // namespace fabtwin::metrology
