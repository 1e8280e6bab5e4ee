// The cost of one pixel-ILT iteration on ICCAD-2013 clip 1 (twin::IltObjective with its gradient, then
// the Adam update, as twin::pixel_ilt runs it): the three contest corners imaged through the contest's
// 24 kernels and printed, the objective, and the adjoint back to the free pixel values, at each
// pixel pitch of `iccad13 ilt`'s schedule (8 and 4 nm: 256^2 and 512^2 pixels for the 2048 nm canvas;
// 2 nm for reference). Two resists: the contest's constant threshold ("contest"), and exposure, the
// bake in 6 s steps and a blurred threshold (`--resist peb`). The baseline, measured in the same run,
// is one 2048^2 complex float FFT, so an iteration reads in 2048^2 FFT equivalents. Host and, in CUDA
// builds, Cuda variants (timed with CUDA events); values in double, as the example optimises.

#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "../examples/support/peb_resist.hpp"
#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/focus_interpolation.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/bench_loop.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;

std::string data_dir() {
  const char* data = std::getenv("FABTWIN_DATA");  // else ../shared/data beside the project
  return data ? data : FABTWIN_BENCH_DATA_DIR;
}

enum class Resist { contest, peb };

/// The ILT's start at one pitch: kernels, the target as area coverage, p = 2 t - 1.
struct Setup {
  std::vector<twin::FocusKernels> kernels;
  Field<double, Host> target, p;
};

bool load(benchmark::State& state, const Grid& grid, Setup& setup) {
  try {
    Context<Host> ctx;
    const std::string dir = data_dir() + "/iccad2013/";
    setup.kernels = {{0, optics::read_iccad_kernels(dir + "kernels/M1OPC")},
                     {25, optics::read_iccad_kernels(dir + "kernels/M1OPC_def")}};
    const auto clip =
        layout::place_on_iccad2013_canvas(layout::read_glp(dir + "clips/M1_test1.glp"));
    setup.target = layout::rasterize_area<double>(ctx, clip, grid);
    setup.p = Field<double, Host>(grid);
    for (index_t i = 0; i < grid.size(); ++i) setup.p.view()[i] = 2 * setup.target.view()[i] - 1;
    return true;
  } catch (const fabtwin::error& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

template <class Space, Resist resist>
void ilt_iteration(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();
  const double pitch = double(state.range(0));
  const index_t n = index_t(2048 / pitch);
  const Grid grid(n, n, pitch);
  Setup setup{{}, Field<double, Host>(grid), Field<double, Host>(grid)};
  if (!load(state, grid, setup)) return;
  const Field<double, Space> target = to<Space>(setup.target);
  const Field<double, Space> p = to<Space>(setup.p);
  const twin::ProcessConditions corners = {{1.0, 0, 0}, {1.02 * 1.02, 0, 0}, {0.98 * 0.98, 25, 0}};
  twin::PixelIltOptions options;  // iccad13 ilt's weights
  options.condition_weights = {1, 1, 1};
  options.band = {4.5, 1, 2};
  // J and its gradient, as every iteration of twin::pixel_ilt computes them (the Adam update
  // after them is one pass over the pixels); buffers and FFT plans made before the timed loop.
  const auto run = [&](auto& chain) {
    twin::IltObjective<std::remove_reference_t<decltype(chain)>> objective(
        chain, target, options.mask_steepness, options.condition_weights, options.band);
    objective.evaluate(ctx, p);
    bench::time_loop(state, ctx, [&] { benchmark::DoNotOptimize(objective.evaluate(ctx, p)); });
  };
  if constexpr (resist == Resist::contest) {
    twin::ImagingStage<double, Space> imaging(ctx, grid, setup.kernels, {.apply_dose = true},
                                              corners);
    twin::ThresholdStage<double, Space> print(grid, 0.0,
                                              {metrology::iccad2013_print_threshold, 50});
    auto chain = twin::chain(imaging, print);
    run(chain);
  } else {
    examples::PebResist settings;
    settings.bake_step_s = 6;
    const examples::PebResist peb = settings.anchored(metrology::iccad2013_print_threshold);
    twin::ImagingStage<double, Space> imaging(ctx, grid, setup.kernels, {}, corners);
    auto exposure = peb.exposure<Space>(grid, corners);
    auto bake = peb.bake<Space>(grid, corners);
    auto develop = peb.develop<Space>(grid);
    auto chain = twin::chain(imaging, exposure, bake, develop);
    run(chain);
  }
  state.counters["pixels"] =
      benchmark::Counter(double(grid.size()), benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}

template <class Space>
void fft_baseline(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();
  const Grid canvas(2048, 2048, 1.0);
  Field<complex<float>, Space> in(canvas), out(canvas);
  fft::forward(ctx, in.view(), out.view());  // plan outside the timed loop
  bench::time_loop(state, ctx, [&] {
    fft::forward(ctx, in.view(), out.view());
    benchmark::DoNotOptimize(out.data());
  });
}

void pitches(benchmark::internal::Benchmark* b) {
  b->Arg(8)->Arg(4)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(ilt_iteration<Host, Resist::contest>)->Name("ilt_clip1/contest_host")->Apply(pitches);
BENCHMARK(ilt_iteration<Host, Resist::peb>)->Name("ilt_clip1/peb_host")->Apply(pitches);
BENCHMARK(fft_baseline<Host>)->Name("ilt_clip1/fft_host")->Apply(pitches);
#if FABTWIN_HAS_CUDA
BENCHMARK(ilt_iteration<Cuda, Resist::contest>)
    ->Name("ilt_clip1/contest_cuda")
    ->Apply(pitches)
    ->UseManualTime();
BENCHMARK(ilt_iteration<Cuda, Resist::peb>)
    ->Name("ilt_clip1/peb_cuda")
    ->Apply(pitches)
    ->UseManualTime();
BENCHMARK(fft_baseline<Cuda>)->Name("ilt_clip1/fft_cuda")->Apply(pitches)->UseManualTime();
#endif

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"contest_host", "fft_host"},
                                          {"peb_host", "fft_host"},
                                          {"contest_cuda", "fft_cuda"},
                                          {"peb_cuda", "fft_cuda"}});
}
