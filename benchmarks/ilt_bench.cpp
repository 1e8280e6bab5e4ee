// The twin's costs per unit of work, on the host and, in CUDA builds, on the GPU (timed with CUDA
// events); values in double, as the examples compute.
//
// ilt_clip1: one pixel-ILT iteration on ICCAD-2013 clip 1 (twin::IltObjective with its gradient,
// then the Adam update, as twin::pixel_ilt runs it): the three contest corners imaged through the
// contest's 24 kernels and printed, the objective, and the adjoint back to the free pixel values, at
// each pixel pitch of `iccad13 ilt`'s schedule (8 and 4 nm: 256^2 and 512^2 pixels for the 2048 nm
// canvas; 2 nm for reference). Two resists: the contest's constant threshold ("contest"), and
// exposure, the bake in 6 s steps and a blurred threshold (`--resist peb`). The baseline, measured
// in the same run, is one 2048^2 complex float FFT, so an iteration reads in 2048^2 FFT
// equivalents.
//
// tile_resist: one tile of full_layout forward (support/tiled_twin.hpp's resist stages:
// ambit-limited optics, exposure, the bake on the lattice kernel, a blurred threshold) for a 2048
// or 4096 nm core at 8 nm with the chain's 768 nm halo, the per-tile time behind full_layout's
// throughput and its projection to a node of GPUs: counters core_um2_per_s and x8_um2_per_s (eight
// devices each running tiles at this rate; the host's reading and rasterising of the layout and
// the gather of the cores are not in it). Its baseline is one complex double FFT of the tile.

#include <cstdlib>
#include <string>
#include <type_traits>
#include <vector>

#include "../examples/support/peb_resist.hpp"
#include "fabtwin/core.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/optics/ambit.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/focus_interpolation.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/bench_loop.hpp"
#include "support/host_kernels.hpp"
#include "support/ratio_reporter.hpp"
#include "support/tiled_twin.hpp"

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

constexpr double tile_pitch_nm = 8;

/// full_layout's kernels (support::layout_kernels).
const optics::AmbitKernels& tile_kernels() {
  static const optics::AmbitKernels kernels = support::layout_kernels(tile_pitch_nm);
  return kernels;
}

/// The tile window for a core of `core_nm`: the core plus the resist chain's halo at 1e-9 (as
/// full_layout takes it), rounded up to a 2-3-5-7 size.
Grid tile_grid(double core_nm) {
  static const index_t halo = dist::halo_for_range(
      support::layout_range_nm(tile_kernels(), tile_pitch_nm, support::TiledStages::resist, 1e-9),
      tile_pitch_nm);
  const index_t side = dist::smooth_size(index_t(core_nm / tile_pitch_nm) + 2 * halo);
  return Grid(side, side, tile_pitch_nm);
}

template <class Space>
void tile_forward(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();
  const double core_nm = double(state.range(0));
  const Grid grid = tile_grid(core_nm);
  support::TiledTwin<Space> twin(ctx, grid, tile_kernels(), support::TiledStages::resist);
  // 64 nm lines at a 128 nm pitch: the bake and the FFTs cost the same for any pattern.
  Field<double, Host> lines(grid);
  for (index_t i = 0; i < grid.size(); ++i) lines.view()[i] = (i % grid.nx()) % 16 < 8 ? 1.0 : 0.0;
  const Field<double, Space> mask = to<Space>(lines);
  twin.forward(ctx, mask);  // plans and buffers made before the timed loop
  bench::time_loop(state, ctx, [&] { benchmark::DoNotOptimize(twin.forward(ctx, mask).data()); });
  const double core_um2 = core_nm * core_nm * 1e-6;
  state.counters["core_um2_per_s"] =
      benchmark::Counter(core_um2, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["x8_um2_per_s"] =
      benchmark::Counter(8 * core_um2, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["window_px"] = double(grid.nx());
}

template <class Space>
void tile_fft(benchmark::State& state) {
  Context<Space> ctx = bench::make_context<Space>();
  const Grid grid = tile_grid(double(state.range(0)));
  Field<complex<double>, Space> in(grid), out(grid);
  fft::forward(ctx, in.view(), out.view());  // plan outside the timed loop
  bench::time_loop(state, ctx, [&] {
    fft::forward(ctx, in.view(), out.view());
    benchmark::DoNotOptimize(out.data());
  });
}

void cores(benchmark::internal::Benchmark* b) {
  b->Arg(2048)->Arg(4096)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(ilt_iteration<Host, Resist::contest>)->Name("ilt_clip1/contest_host")->Apply(pitches);
BENCHMARK(ilt_iteration<Host, Resist::peb>)->Name("ilt_clip1/peb_host")->Apply(pitches);
BENCHMARK(fft_baseline<Host>)->Name("ilt_clip1/fft_host")->Apply(pitches);
BENCHMARK(tile_forward<Host>)->Name("tile_resist/twin_host")->Apply(cores);
BENCHMARK(tile_fft<Host>)->Name("tile_resist/fft_host")->Apply(cores);
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
BENCHMARK(tile_forward<Cuda>)->Name("tile_resist/twin_cuda")->Apply(cores)->UseManualTime();
BENCHMARK(tile_fft<Cuda>)->Name("tile_resist/fft_cuda")->Apply(cores)->UseManualTime();
#endif

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"contest_host", "fft_host"},
                                          {"peb_host", "fft_host"},
                                          {"contest_cuda", "fft_cuda"},
                                          {"peb_cuda", "fft_cuda"},
                                          {"twin_host", "fft_host"},
                                          {"twin_cuda", "fft_cuda"}});
}
