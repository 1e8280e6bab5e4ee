#pragma once
// The few pointwise operations the stages' adapters share: y += a x, y = a x, and the real inner
// product in double (the stages' scalar gradients are sums over whole fields).

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::twin::detail {

/// y[i] = a x[i] + (accumulate ? y[i] : 0).
template <class T, class Space>
struct Axpy {
  View<const T, Space> x;
  View<T, Space> y;
  T a;
  bool accumulate;
  FABTWIN_HD void operator()(index_t i) const { y[i] = accumulate ? a * x[i] + y[i] : a * x[i]; }
};

template <class T, class Space>
void axpy(Context<Space>& ctx, double a, View<const T, Space> x, View<T, Space> y,
          bool accumulate = true) {
  for_each(ctx, Range1{x.size()}, Axpy<T, Space>{x, y, T(a), accumulate});
}

template <class T, class Space>
struct ProductInDouble {
  View<const T, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const { return double(a[i]) * double(b[i]); }
};

/// sum a[i] b[i] in double (a fixed-order reduction: the same bits at any thread count).
template <class T, class Space>
double real_dot(Context<Space>& ctx, View<const T, Space> a, View<const T, Space> b) {
  return transform_reduce(ctx, a.size(), 0.0, reduce_op::Plus{}, ProductInDouble<T, Space>{a, b});
}

}  // namespace fabtwin::twin::detail
