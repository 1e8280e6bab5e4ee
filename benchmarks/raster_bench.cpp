// Layout to pixels on the ICCAD-2013 canvas (2048 x 2048 at 1 nm): exact area coverage, the
// centre rule and marching-squares contours for each of the ten clips, on the host. The baseline,
// measured in the same run, is one 2048^2 complex float FFT: the unit the imaging model that
// follows is priced in (a SOCS image costs a few of them), so "ratio 0.5" reads "half an FFT". The
// signed distance to a clip's region (what an etch mask extruded from it needs) is priced against
// the clip's area raster.

#include <cstdlib>
#include <string>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/layout.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;

constexpr index_t canvas = layout::iccad2013_canvas_size;

const Grid& canvas_grid() {
  static const Grid grid(canvas, canvas, 1.0);
  return grid;
}

/// The clip `number` placed on the canvas, or a skip message when the shared data is absent.
bool load_clip(benchmark::State& state, layout::PolygonSet& clip) {
  const char* data = std::getenv("FABTWIN_DATA");  // else ../shared/data beside the project
  const std::string path = std::string(data ? data : FABTWIN_BENCH_DATA_DIR) +
                           "/iccad2013/clips/M1_test" + std::to_string(state.range(0)) + ".glp";
  try {
    clip = layout::place_on_iccad2013_canvas(layout::read_glp(path));
    return true;
  } catch (const fabtwin::error& e) {
    state.SkipWithError(e.what());
    return false;
  }
}

void set_pixels(benchmark::State& state) {
  state.counters["pixels"] = benchmark::Counter(double(canvas) * double(canvas),
                                                benchmark::Counter::kIsIterationInvariantRate,
                                                benchmark::Counter::kIs1000);
}

/// Times one rasteriser (a callable (ctx, set, view, grid)) on the clip `state.range(0)`.
template <class Rasterize>
void time_rasteriser(benchmark::State& state, Rasterize rasterize) {
  layout::PolygonSet clip;
  if (!load_clip(state, clip)) return;
  Context<Host> ctx;
  Field<float, Host> out(canvas_grid());
  for (auto _ : state) {
    rasterize(ctx, clip, out.view(), canvas_grid());
    benchmark::DoNotOptimize(out.data());
  }
  set_pixels(state);
}

void area_host(benchmark::State& state) {
  time_rasteriser(state, [](auto&&... args) { layout::rasterize_area(args...); });
}

void binary_host(benchmark::State& state) {
  time_rasteriser(state, [](auto&&... args) { layout::rasterize_binary(args...); });
}

void contours_host(benchmark::State& state) {
  layout::PolygonSet clip;
  if (!load_clip(state, clip)) return;
  Context<Host> ctx;
  const Field<float, Host> coverage = layout::rasterize_area<float>(ctx, clip, canvas_grid());
  for (auto _ : state) benchmark::DoNotOptimize(layout::extract_contours(coverage, 0.5));
  set_pixels(state);
}

/// The signed distance to the clip's region (layout::RegionDistance, an etch mask's lateral
/// distance) at every 4 nm of the canvas, mirrored sides: 512 x 512 points.
void distance_host(benchmark::State& state) {
  layout::PolygonSet clip;
  if (!load_clip(state, clip)) return;
  const double pitch = 4, side = double(canvas);
  const index_t n = index_t(side / pitch);
  for (auto _ : state) {
    const layout::RegionDistance distance(clip, {0, 0, side, side}, layout::WindowSides::mirrored);
    double sum = 0;
    for (index_t j = 0; j < n; ++j)
      for (index_t i = 0; i < n; ++i)
        sum += distance((double(i) + 0.5) * pitch, (double(j) + 0.5) * pitch);
    benchmark::DoNotOptimize(sum);
  }
  state.counters["points"] =
      benchmark::Counter(double(n) * double(n), benchmark::Counter::kIsIterationInvariantRate,
                         benchmark::Counter::kIs1000);
}

void fft_host(benchmark::State& state) {
  Context<Host> ctx({.plan_effort = PlanEffort::measure});  // the FFT as bench_fft times it
  Field<complex<float>, Host> in(canvas_grid()), out(canvas_grid());
  fft::forward(ctx, in.view(), out.view());  // plan outside the timed loop
  for (auto _ : state) {
    fft::forward(ctx, in.view(), out.view());
    benchmark::DoNotOptimize(out.data());
  }
  set_pixels(state);
}

void clips(benchmark::internal::Benchmark* b) {
  b->DenseRange(1, 10)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(area_host)->Name("iccad_canvas/area_host")->Apply(clips);
BENCHMARK(binary_host)->Name("iccad_canvas/binary_host")->Apply(clips);
BENCHMARK(contours_host)->Name("iccad_canvas/contours_host")->Apply(clips);
BENCHMARK(distance_host)->Name("iccad_canvas/distance_host")->Apply(clips);
BENCHMARK(fft_host)->Name("iccad_canvas/fft_host")->Apply(clips);

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"area_host", "fft_host"},
                                          {"binary_host", "fft_host"},
                                          {"contours_host", "fft_host"},
                                          {"distance_host", "area_host"}});
}
