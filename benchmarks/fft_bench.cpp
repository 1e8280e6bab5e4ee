// 2D complex-to-complex single-precision FFTs from 256^2 to 4096^2: fabtwin's plans against the
// library they wrap, called directly, in the same run. Throughput is the conventional 5 N log2 N
// flops per transform; the ratio table at the end is fabtwin's overhead.
//
// Both sides plan with FFTW_MEASURE on 64-byte aligned arrays and run on OpenMP's thread count;
// fabtwin makes its plans for the thread count the size sets (fft/fftw.hpp: the same bits on any
// thread count), the direct call for OpenMP's.

#include <cmath>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "support/cuda_timing.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;

void set_flops(benchmark::State& state, index_t n) {
  const double points = double(n) * double(n);
  state.counters["flops"] = benchmark::Counter(5 * points * std::log2(points),
                                               benchmark::Counter::kIsIterationInvariantRate,
                                               benchmark::Counter::kIs1000);
  state.counters["pixels"] = benchmark::Counter(
      points, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

void fabtwin_host(benchmark::State& state) {
  const index_t n = state.range(0);
  Context<Host> ctx({.plan_effort = PlanEffort::measure});
  const Grid grid(n, n, 1.0);
  Field<complex<float>, Host> in(grid), out(grid);
  fft::forward(ctx, in.view(), out.view());  // plan outside the timed loop
  for (auto _ : state) {
    fft::forward(ctx, in.view(), out.view());
    benchmark::DoNotOptimize(out.data());
  }
  set_flops(state, n);
}

void fftw(benchmark::State& state) {
  const int n = int(state.range(0));
  const int threads = omp_get_max_threads();
  Field<complex<float>, Host> in(Grid(n, n, 1.0)), out(Grid(n, n, 1.0));
  auto* a = reinterpret_cast<fftwf_complex*>(in.data());
  auto* b = reinterpret_cast<fftwf_complex*>(out.data());
  fftwf_init_threads();
  fftwf_plan_with_nthreads(threads);
  fftwf_plan plan = fftwf_plan_dft_2d(n, n, a, b, FFTW_FORWARD, FFTW_MEASURE);
  for (auto _ : state) {
    fftwf_execute(plan);
    benchmark::DoNotOptimize(b);
  }
  fftwf_destroy_plan(plan);
  set_flops(state, n);
}

#if FABTWIN_HAS_CUDA
using bench::time_on_stream;

void fabtwin_cuda(benchmark::State& state) {
  const index_t n = state.range(0);
  Context<Cuda> ctx;
  const Grid grid(n, n, 1.0);
  Field<complex<float>, Cuda> in(grid), out(grid);
  fft::forward(ctx, in.view(), out.view());
  time_on_stream(state, ctx.stream(), [&] { fft::forward(ctx, in.view(), out.view()); });
  set_flops(state, n);
}

void cufft(benchmark::State& state) {
  const int n = int(state.range(0));
  Context<Cuda> ctx;  // only for its stream and the device memory
  Field<complex<float>, Cuda> in(Grid(n, n, 1.0)), out(Grid(n, n, 1.0));
  cufftHandle plan;
  FABTWIN_CUFFT_CHECK(cufftPlan2d(&plan, n, n, CUFFT_C2C));
  FABTWIN_CUFFT_CHECK(cufftSetStream(plan, ctx.stream()));
  auto* a = reinterpret_cast<cufftComplex*>(in.data());
  auto* b = reinterpret_cast<cufftComplex*>(out.data());
  time_on_stream(state, ctx.stream(),
                 [&] { FABTWIN_CUFFT_CHECK(cufftExecC2C(plan, a, b, CUFFT_FORWARD)); });
  FABTWIN_CUFFT_CHECK(cufftDestroy(plan));
  set_flops(state, n);
}
#endif

void sizes(benchmark::internal::Benchmark* b) {
  for (int n = 256; n <= 4096; n *= 2) b->Arg(n);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(fabtwin_host)->Name("fft_c2c_2d_float/fabtwin_host")->Apply(sizes);
BENCHMARK(fftw)->Name("fft_c2c_2d_float/fftw")->Apply(sizes);
#if FABTWIN_HAS_CUDA
BENCHMARK(fabtwin_cuda)->Name("fft_c2c_2d_float/fabtwin_cuda")->Apply(sizes)->UseManualTime();
BENCHMARK(cufft)->Name("fft_c2c_2d_float/cufft")->Apply(sizes)->UseManualTime();
#endif

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"fabtwin_host", "fftw"}, {"fabtwin_cuda", "cufft"}});
}
