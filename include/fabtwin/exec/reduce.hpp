#pragma once
// Reductions: transform_reduce and the sum / min / max / dot built on it.
//
// Host results do not depend on the thread count: the range is cut into fixed chunks of
// `host_reduce_chunk` samples, each chunk is reduced in 8 interleaved lanes (vectorisable, and the
// rounding error grows with chunk/8 rather than n), and the chunk results are combined by a
// pairwise tree. The same input therefore gives the same bits on 1 or 64 threads.
// Cuda: thrust::transform_reduce (CUB), which is run-to-run deterministic on a given GPU model but
// groups terms differently from the host, so host and device sums agree to rounding, not to the bit.

#include <limits>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

#if FABTWIN_HAS_CUDA
#  include <thrust/iterator/counting_iterator.h>
#  include <thrust/system/cuda/execution_policy.h>
#  include <thrust/transform_reduce.h>
#endif

namespace fabtwin {

inline constexpr index_t host_reduce_chunk = 4096;

namespace reduce_op {

struct Plus {
  template <class T>
  FABTWIN_HD T operator()(const T& a, const T& b) const {
    return a + b;
  }
};

/// Maximum that propagates NaN, so that a NaN anywhere in a field cannot hide behind a max.
struct Max {
  template <class T>
  FABTWIN_HD T operator()(const T& a, const T& b) const {
    if (a != a) return a;
    if (b != b) return b;
    return a < b ? b : a;
  }
};

/// Minimum that propagates NaN.
struct Min {
  template <class T>
  FABTWIN_HD T operator()(const T& a, const T& b) const {
    if (a != a) return a;
    if (b != b) return b;
    return b < a ? b : a;
  }
};

}  // namespace reduce_op

namespace detail {

template <class T, class Combine>
T combine_pairwise(const T* values, index_t count, Combine combine) {
  if (count == 1) return values[0];
  const index_t half = count / 2;
  return combine(combine_pairwise(values, half, combine),
                 combine_pairwise(values + half, count - half, combine));
}

template <class V>
struct ReadAt {
  V view;
  FABTWIN_HD auto operator()(index_t i) const { return view[i]; }
};

template <class A, class B>
struct ProductAt {
  A a;
  B b;
  FABTWIN_HD auto operator()(index_t i) const {
    if constexpr (is_complex_v<typename A::value_type>)
      return cuda::std::conj(a[i]) * b[i];
    else
      return a[i] * b[i];
  }
};

}  // namespace detail

/// combine(init, combine over i in [0, n) of map(i)); `combine` must be associative.
template <class T, class Combine, class Map>
T transform_reduce(Context<Host>& ctx, index_t n, T init, Combine combine, Map map) {
  require(n >= 0, "transform_reduce", "n", n, "a non-negative count");
  if (n == 0) return init;
  constexpr index_t lanes = 8;
  const index_t chunks = (n + host_reduce_chunk - 1) / host_reduce_chunk;
  std::vector<T> partial(static_cast<std::size_t>(chunks));
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t c = 0; c < chunks; ++c) {
    const index_t begin = c * host_reduce_chunk;
    const index_t end = begin + host_reduce_chunk < n ? begin + host_reduce_chunk : n;
    if (end - begin < 2 * lanes) {
      T acc = map(begin);
      for (index_t i = begin + 1; i < end; ++i) acc = combine(acc, map(i));
      partial[c] = acc;
      continue;
    }
    T lane[lanes];
    for (index_t l = 0; l < lanes; ++l) lane[l] = map(begin + l);
    index_t i = begin + lanes;
    for (; i + lanes <= end; i += lanes)
      for (index_t l = 0; l < lanes; ++l) lane[l] = combine(lane[l], map(i + l));
    for (index_t l = 0; i + l < end; ++l) lane[l] = combine(lane[l], map(i + l));
    partial[c] = detail::combine_pairwise(lane, lanes, combine);
  }
  return combine(init, detail::combine_pairwise(partial.data(), chunks, combine));
}

#if FABTWIN_HAS_CUDA
template <class T, class Combine, class Map>
T transform_reduce(Context<Cuda>& ctx, index_t n, T init, Combine combine, Map map) {
  require(n >= 0, "transform_reduce", "n", n, "a non-negative count");
  if (n == 0) return init;
  ctx.activate();
  return thrust::transform_reduce(thrust::cuda::par.on(ctx.stream()),
                                  thrust::counting_iterator<index_t>(0),
                                  thrust::counting_iterator<index_t>(n), map, init, combine);
}
#endif

/// Sum of all samples (the batch included).
template <class Space, class T>
std::remove_cv_t<T> sum(Context<Space>& ctx, View<T, Space> values) {
  using Value = std::remove_cv_t<T>;
  return transform_reduce(ctx, values.size(), Value{}, reduce_op::Plus{},
                          detail::ReadAt<View<T, Space>>{values});
}

/// Largest sample; NaN if any sample is NaN.
template <class Space, class T>
std::remove_cv_t<T> max(Context<Space>& ctx, View<T, Space> values) {
  using Value = std::remove_cv_t<T>;
  static_assert(Real<Value>, "fabtwin::max needs real samples: complex numbers have no order");
  require(values.size() > 0, "max", "values.size()", values.size(), "at least one sample");
  return transform_reduce(ctx, values.size(), -std::numeric_limits<Value>::infinity(),
                          reduce_op::Max{}, detail::ReadAt<View<T, Space>>{values});
}

/// Smallest sample; NaN if any sample is NaN.
template <class Space, class T>
std::remove_cv_t<T> min(Context<Space>& ctx, View<T, Space> values) {
  using Value = std::remove_cv_t<T>;
  static_assert(Real<Value>, "fabtwin::min needs real samples: complex numbers have no order");
  require(values.size() > 0, "min", "values.size()", values.size(), "at least one sample");
  return transform_reduce(ctx, values.size(), std::numeric_limits<Value>::infinity(),
                          reduce_op::Min{}, detail::ReadAt<View<T, Space>>{values});
}

/// Inner product: sum of a[i] * b[i], with a[i] conjugated when the samples are complex.
template <class Space, class A, class B>
std::remove_cv_t<A> dot(Context<Space>& ctx, View<A, Space> a, View<B, Space> b) {
  static_assert(std::is_same_v<std::remove_cv_t<A>, std::remove_cv_t<B>>,
                "fabtwin::dot needs two views of the same sample type");
  if (!a.same_extents(b))
    throw shape_mismatch(
        argument_message("dot", "b.size()", b.size(),
                         "the extents of 'a' (" + std::to_string(a.size()) + " samples)"));
  return transform_reduce(ctx, a.size(), std::remove_cv_t<A>{}, reduce_op::Plus{},
                          detail::ProductAt<View<A, Space>, View<B, Space>>{a, b});
}

}  // namespace fabtwin
