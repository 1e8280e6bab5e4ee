// The optics model's cost on the ICCAD-2013 canvas (2048 x 2048 at 1 nm, clip M1_test1, the
// contest's 24 kernels): SOCS aerial images by the default band-limited path and by the plain
// full-grid reference path, for one process condition and for the contest's three corners, and
// the adjoint. The baseline, measured in the same run, is one 2048^2 complex float FFT: the issue
// prices the plain path at about 25 of them and asks 3 or fewer of the default path.
// Host and, in CUDA builds, Cuda variants (timed with CUDA events). Also: generating 24 kernels from the optics for a 2048 nm field at NA 1.35 (water immersion,
// annular 0.6-0.9 illumination) — a TCC over more than 2,000 frequencies.

#include <cstdlib>
#include <string>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "support/bench_loop.hpp"
#include "support/host_kernels.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;

constexpr index_t canvas = layout::iccad2013_canvas_size;

const Grid& canvas_grid() {
  static const Grid grid(canvas, canvas, 1.0);
  return grid;
}

std::string data_dir() {
  const char* data = std::getenv("FABTWIN_DATA");  // else ../shared/data beside the project
  return data ? data : FABTWIN_BENCH_DATA_DIR;
}

/// Kernels (focus, defocus) and clip 1's target, or a skip message when the shared data is absent.
struct Setup {
  std::vector<optics::KernelSet> kernels;
  Field<float, Host> mask{canvas_grid()};
};

bool load(benchmark::State& state, Setup& setup) {
  try {
    Context<Host> ctx;
    const std::string dir = data_dir() + "/iccad2013/";
    setup.kernels = {optics::read_iccad_kernels(dir + "kernels/M1OPC"),
                     optics::read_iccad_kernels(dir + "kernels/M1OPC_def")};
    const auto clip =
        layout::place_on_iccad2013_canvas(layout::read_glp(dir + "clips/M1_test1.glp"));
    setup.mask = layout::rasterize_binary<float>(ctx, clip, canvas_grid());
    return true;
  } catch (const fabtwin::error& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

void set_pixels(benchmark::State& state, double images) {
  state.counters["pixels"] = benchmark::Counter(images * double(canvas) * double(canvas),
                                                benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

std::vector<optics::Condition> conditions(benchmark::State& state) {
  const auto contest = optics::iccad2013_conditions();
  std::vector<optics::Condition> all(contest.begin(), contest.end());
  all.resize(std::size_t(state.range(0)));  // 1: nominal only; 3: nominal, outer, inner
  return all;
}

template <class Space>
void image(benchmark::State& state, optics::ImagingPath path) {
  Context<Space> ctx = bench::make_context<Space>();
  Setup setup;
  if (!load(state, setup)) return;
  const Field<float, Space> mask = to<Space>(setup.mask);
  optics::SocsImager<float, Space> imager(ctx, canvas_grid(), setup.kernels);
  const auto corners = conditions(state);
  Field<float, Space> intensity(canvas_grid(), index_t(corners.size()));
  imager.image(ctx, mask, corners, intensity, path);  // plans and scratch outside the timed loop
  bench::time_loop(state, ctx, [&] {
    imager.image(ctx, mask, corners, intensity, path);
    benchmark::DoNotOptimize(intensity.data());
  });
  set_pixels(state, double(corners.size()));
}

/// Gradient of a loss with respect to the mask, given dL/dI for every condition.
template <class Space>
void adjoint(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();
  Setup setup;
  if (!load(state, setup)) return;
  const Field<float, Space> mask = to<Space>(setup.mask);
  optics::SocsImager<float, Space> imager(ctx, canvas_grid(), setup.kernels);
  const auto corners = conditions(state);
  const Field<float, Space> grad_intensity = imager.image(ctx, mask, corners);  // any dL/dI
  Field<float, Space> grad_mask(canvas_grid());
  imager.backward(ctx, mask, corners, grad_intensity, grad_mask);
  bench::time_loop(state, ctx, [&] {
    imager.backward(ctx, mask, corners, grad_intensity, grad_mask);
    benchmark::DoNotOptimize(grad_mask.data());
  });
  set_pixels(state, double(corners.size()));
}

template <class Space>
void fft_baseline(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();  // the FFT as bench_fft times it
  Field<complex<float>, Space> in(canvas_grid()), out(canvas_grid());
  fft::forward(ctx, in.view(), out.view());  // plan outside the timed loop
  bench::time_loop(state, ctx, [&] {
    fft::forward(ctx, in.view(), out.view());
    benchmark::DoNotOptimize(out.data());
  });
  set_pixels(state, 1);
}

template <class Space>
void socs_band(benchmark::State& state) {
  image<Space>(state, optics::ImagingPath::band_limited);
}
template <class Space>
void socs_full(benchmark::State& state) {
  image<Space>(state, optics::ImagingPath::full_grid);
}

/// 24 kernels for a 2048 nm field at NA 1.35 (193 nm, water), annular 0.6-0.9 sampled every
/// state.range(0) / 100 sigma; reports the TCC's frequency count and the kept energy. The
/// generation (optics::socs_kernels) is compiled by the host compiler (support/host_kernels.hpp).
void generate_kernels(benchmark::State& state) {
  optics::OpticalSystem system;  // 193 nm, NA 1.35, water, 4x, two-sided radiometric factor
  const optics::Source source = optics::Source::annular(0.6, 0.9);
  const support::KernelRequest request{2048, 24, double(state.range(0)) / 100};
  optics::KernelSet kernels;
  for (auto _ : state)
    benchmark::DoNotOptimize((kernels = support::generate_kernels(system, source, request)).energy);
  state.counters["radius_bins"] = double(kernels.radius);
  state.counters["energy"] = kernels.energy;
  state.counters["source_points"] = double(source.sample(request.source_step).size());
}

void corners(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(3)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(socs_band<Host>)->Name("iccad_clip1/socs_band_host")->Apply(corners);
BENCHMARK(socs_full<Host>)->Name("iccad_clip1/socs_full_host")->Apply(corners);
BENCHMARK(adjoint<Host>)->Name("iccad_clip1/adjoint_band_host")->Apply(corners);
BENCHMARK(fft_baseline<Host>)->Name("iccad_clip1/fft_host")->Apply(corners);
#if FABTWIN_HAS_CUDA
BENCHMARK(socs_band<Cuda>)->Name("iccad_clip1/socs_band_cuda")->Apply(corners)->UseManualTime();
BENCHMARK(socs_full<Cuda>)->Name("iccad_clip1/socs_full_cuda")->Apply(corners)->UseManualTime();
BENCHMARK(adjoint<Cuda>)->Name("iccad_clip1/adjoint_band_cuda")->Apply(corners)->UseManualTime();
BENCHMARK(fft_baseline<Cuda>)->Name("iccad_clip1/fft_cuda")->Apply(corners)->UseManualTime();
#endif
BENCHMARK(generate_kernels)
    ->Name("socs_kernels_na135_2048nm/generate")
    ->Arg(5)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"socs_band_host", "fft_host"},
                                          {"socs_full_host", "fft_host"},
                                          {"adjoint_band_host", "fft_host"},
                                          {"socs_band_cuda", "fft_cuda"},
                                          {"socs_full_cuda", "fft_cuda"},
                                          {"adjoint_band_cuda", "fft_cuda"}});
}
