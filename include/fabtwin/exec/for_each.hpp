#pragma once
// for_each and transform: the only way physics functors are run. A functor is a FABTWIN_HD callable
// taking (i), (x, y) or (x, y, z); it must not throw and must not assume any order of calls.
//
// Host: OpenMP with a static schedule over rows (x is the inner, vectorisable loop), with the
// context's thread count. Thrust's omp backend would pick the thread count from the global OpenMP
// state instead, which the context must control. Cuda: Thrust's CUDA backend on the context's stream.

#include <type_traits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/range.hpp"

#if FABTWIN_HAS_CUDA
#  include <thrust/for_each.h>
#  include <thrust/iterator/counting_iterator.h>
#  include <thrust/system/cuda/execution_policy.h>
#endif

namespace fabtwin {
namespace detail {

/// Runs f(x, y) for the x-fastest linear index i of a 2D range.
template <class F>
struct Unflatten2 {
  F f;
  index_t nx;
  FABTWIN_HD void operator()(index_t i) const { f(i % nx, i / nx); }
};

/// Runs f(x, y, z) for the x-fastest linear index i of a 3D range.
template <class F>
struct Unflatten3 {
  F f;
  index_t nx, ny;
  FABTWIN_HD void operator()(index_t i) const {
    const index_t row = i / nx;
    f(i - row * nx, row % ny, row / ny);
  }
};

inline void require_range(index_t n, const char* axis) {
  require(n >= 0, "for_each", axis, n, "a non-negative extent");
}

/// out[i] = f(in[i]).
template <class In, class Out, class F>
struct TransformEach {
  In in;
  Out out;
  F f;
  FABTWIN_HD void operator()(index_t i) const { out[i] = f(in[i]); }
};

template <class Out, class Value>
struct FillEach {
  Out out;
  Value value;
  FABTWIN_HD void operator()(index_t i) const { out[i] = value; }
};

}  // namespace detail

// ---- Host --------------------------------------------------------------------------------------

template <class F>
void for_each(Context<Host>& ctx, Range1 range, F f) {
  detail::require_range(range.n, "n");
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t i = 0; i < range.n; ++i) f(i);
}

template <class F>
void for_each(Context<Host>& ctx, Range2 range, F f) {
  detail::require_range(range.nx, "nx");
  detail::require_range(range.ny, "ny");
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t y = 0; y < range.ny; ++y)
    for (index_t x = 0; x < range.nx; ++x) f(x, y);
}

template <class F>
void for_each(Context<Host>& ctx, Range3 range, F f) {
  detail::require_range(range.nx, "nx");
  detail::require_range(range.ny, "ny");
  detail::require_range(range.nz, "nz");
  const index_t rows = range.ny * range.nz;
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t row = 0; row < rows; ++row) {
    const index_t y = row % range.ny, z = row / range.ny;
    for (index_t x = 0; x < range.nx; ++x) f(x, y, z);
  }
}

// ---- Cuda --------------------------------------------------------------------------------------

#if FABTWIN_HAS_CUDA
template <class F>
void for_each(Context<Cuda>& ctx, Range1 range, F f) {
  detail::require_range(range.n, "n");
  if (range.n == 0) return;
  ctx.activate();
  thrust::for_each_n(thrust::cuda::par_nosync.on(ctx.stream()),
                     thrust::counting_iterator<index_t>(0), range.n, f);
}

template <class F>
void for_each(Context<Cuda>& ctx, Range2 range, F f) {
  detail::require_range(range.nx, "nx");
  detail::require_range(range.ny, "ny");
  for_each(ctx, Range1{range.nx * range.ny}, detail::Unflatten2<F>{f, range.nx});
}

template <class F>
void for_each(Context<Cuda>& ctx, Range3 range, F f) {
  detail::require_range(range.nx, "nx");
  detail::require_range(range.ny, "ny");
  detail::require_range(range.nz, "nz");
  for_each(ctx, Range1{range.nx * range.ny * range.nz},
           detail::Unflatten3<F>{f, range.nx, range.ny});
}
#endif

// ---- Element-wise helpers (both spaces) --------------------------------------------------------

/// out[i] = f(in[i]) for every sample (the batch included); in and out may be the same view.
template <class Space, class In, class Out, class F>
void transform(Context<Space>& ctx, View<In, Space> in, View<Out, Space> out, F f) {
  if (!in.same_extents(out))
    throw shape_mismatch(
        argument_message("transform", "out.size()", out.size(),
                         "the extents of 'in' (" + std::to_string(in.size()) + " samples)"));
  for_each(ctx, Range1{in.size()},
           detail::TransformEach<View<In, Space>, View<Out, Space>, F>{in, out, f});
}

/// Sets every sample of `out` to `value`.
template <class Space, class T>
void fill(Context<Space>& ctx, View<T, Space> out, std::type_identity_t<T> value) {
  for_each(ctx, Range1{out.size()}, detail::FillEach<View<T, Space>, T>{out, value});
}

}  // namespace fabtwin
