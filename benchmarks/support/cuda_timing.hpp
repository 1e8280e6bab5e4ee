#pragma once
// Device timings for Google Benchmark: each iteration is timed with CUDA events on the stream that
// runs the work, so the time is the GPU's, not the launch queue's (benchmarks using it register
// with UseManualTime()). Compiled only when the Cuda space is.

#include "fabtwin/core/config.hpp"

#if FABTWIN_HAS_CUDA
#  include <benchmark/benchmark.h>
#  include <cuda_runtime.h>

#  include "fabtwin/core/space.hpp"

namespace fabtwin::bench {

template <class Body>
void time_on_stream(benchmark::State& state, cudaStream_t stream, Body body) {
  cudaEvent_t start, stop;
  FABTWIN_CUDA_CHECK(cudaEventCreate(&start));
  FABTWIN_CUDA_CHECK(cudaEventCreate(&stop));
  for (auto _ : state) {
    FABTWIN_CUDA_CHECK(cudaEventRecord(start, stream));
    body();
    FABTWIN_CUDA_CHECK(cudaEventRecord(stop, stream));
    FABTWIN_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    FABTWIN_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms / 1e3);
  }
  FABTWIN_CUDA_CHECK(cudaEventDestroy(start));
  FABTWIN_CUDA_CHECK(cudaEventDestroy(stop));
}

}  // namespace fabtwin::bench
#endif
