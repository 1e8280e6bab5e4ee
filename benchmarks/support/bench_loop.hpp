#pragma once
// What the space-templated benchmarks share: a context made as the FFT benchmarks make one, and a
// timed loop that reads the wall clock on the host and CUDA events on the GPU (cuda_timing.hpp).

#include <benchmark/benchmark.h>

#include <type_traits>

#include "fabtwin/exec/context.hpp"
#include "support/cuda_timing.hpp"

namespace fabtwin::bench {

/// FFTW plans with PlanEffort::measure on the host; the default context elsewhere.
template <class Space>
Context<Space> make_context() {
  if constexpr (std::is_same_v<Space, Host>)
    return Context<Host>({.plan_effort = PlanEffort::measure});
  else
    return Context<Space>();
}

/// Times `body` per iteration: wall clock on the host, CUDA events on the context's stream.
template <class Space, class Body>
void time_loop(benchmark::State& state, [[maybe_unused]] Context<Space>& ctx, Body body) {
  if constexpr (std::is_same_v<Space, Host>) {
    for (auto _ : state) body();
  } else {
#if FABTWIN_HAS_CUDA
    time_on_stream(state, ctx.stream(), body);
#endif
  }
}

}  // namespace fabtwin::bench
