#pragma once
// Stream compaction: the indices i in [0, n) where a predicate holds, in increasing order, built
// where the data lives (an etch's surface points are the samples near its level set: a list that
// a GPU step must not build on the host).
//
// Host: the range is cut into fixed chunks of `host_reduce_chunk`; each chunk counts what it keeps
// (in parallel), a prefix sum over the chunks gives each one its offset, and each chunk writes its
// own indices (in parallel): the same list at any thread count. Cuda: thrust::copy_if over a
// counting iterator (CUB's DeviceSelect), which keeps the order, so the same list as the host.

#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/reduce.hpp"

#if FABTWIN_HAS_CUDA
#  include <thrust/copy.h>
#  include <thrust/iterator/counting_iterator.h>
#  include <thrust/system/cuda/execution_policy.h>
#endif

namespace fabtwin {

namespace detail {

/// 1 where keep(i) holds, else 0: the count as a reduction.
template <class Keep>
struct KeptAt {
  Keep keep;
  FABTWIN_HD index_t operator()(index_t i) const { return keep(i) ? 1 : 0; }
};

}  // namespace detail

/// The number of i in [0, n) with keep(i) (a FABTWIN_HD predicate).
template <class Space, class Keep>
index_t count_if(Context<Space>& ctx, index_t n, Keep keep) {
  return transform_reduce(ctx, n, index_t(0), reduce_op::Plus{}, detail::KeptAt<Keep>{keep});
}

/// The i in [0, n) with keep(i), in increasing order: `count` of them in `indices` (which holds one
/// placeholder when none is kept: a Field has no empty state). Each backend counts once.
template <class Space>
struct KeptIndices {
  index_t count = 0;
  Field<index_t, Space> indices;
};

template <class Keep>
KeptIndices<Host> compact_indices(Context<Host>& ctx, index_t n, Keep keep) {
  require(n >= 0, "compact_indices", "n", n, "a non-negative count");
  const index_t chunks = (n + host_reduce_chunk - 1) / host_reduce_chunk;
  std::vector<index_t> offset(std::size_t(chunks) + 1, 0);
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t c = 0; c < chunks; ++c) {
    const index_t end = (c + 1) * host_reduce_chunk < n ? (c + 1) * host_reduce_chunk : n;
    index_t kept = 0;
    for (index_t i = c * host_reduce_chunk; i < end; ++i) kept += keep(i) ? 1 : 0;
    offset[std::size_t(c) + 1] = kept;
  }
  for (index_t c = 0; c < chunks; ++c) offset[std::size_t(c) + 1] += offset[std::size_t(c)];
  const index_t count = offset.back();
  KeptIndices<Host> kept{count, Field<index_t, Host>(Grid(count > 0 ? count : 1, 1, 1.0))};
  index_t* out = kept.indices.data();
#pragma omp parallel for num_threads(ctx.threads()) schedule(static)
  for (index_t c = 0; c < chunks; ++c) {
    const index_t end = (c + 1) * host_reduce_chunk < n ? (c + 1) * host_reduce_chunk : n;
    index_t at = offset[std::size_t(c)];
    for (index_t i = c * host_reduce_chunk; i < end; ++i)
      if (keep(i)) out[at++] = i;
  }
  return kept;
}

#if FABTWIN_HAS_CUDA
template <class Keep>
KeptIndices<Cuda> compact_indices(Context<Cuda>& ctx, index_t n, Keep keep) {
  require(n >= 0, "compact_indices", "n", n, "a non-negative count");
  const index_t count = count_if(ctx, n, keep);  // to size the list before it is written
  KeptIndices<Cuda> kept{count, Field<index_t, Cuda>(Grid(count > 0 ? count : 1, 1, 1.0))};
  if (count == 0) return kept;
  ctx.activate();
  thrust::copy_if(thrust::cuda::par.on(ctx.stream()), thrust::counting_iterator<index_t>(0),
                  thrust::counting_iterator<index_t>(n), kept.indices.data(), keep);
  return kept;
}
#endif

}  // namespace fabtwin
