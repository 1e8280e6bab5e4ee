// The feature-scale etch's costs on the host (one thread where the figure is per core) and, in CUDA
// builds, the same work on the GPU (the same functors; device timings with CUDA events, except the
// whole step, which is run_etch's own wall clock: it reads a reduction back every step):
//
//  - trace_2d_trench: the Monte Carlo rays of the SF6/O2 benchmark trench (2D, 3 nm cells, a
//    trench etched 200 nm below a 100 nm tapered mask), 1000 cosine rays per surface point, sphere
//    traced through the distance field: ray segments (distance-field samples) per second. The
//    baseline is the tracing's ceiling on this CPU: the same number of ray-box slab tests
//    (Kay and Kajiya, SIGGRAPH 1986), each as much arithmetic as a segment's bilinear sample.
//  - levelset_3d_128x128x256: one ENO2/RK2 advection step (baseline: Engquist-Osher, first order)
//    and one redistancing of a 3D hole's level set over the whole grid (baseline) and in the
//    narrow band the etch loop uses, samples per second, all threads.
//  - hole_3d_128x128x256: one whole SF6/O2 step of a 3D hole at 1 nm (surface points, fluxes,
//    rates, advection, redistancing), with 100 Monte Carlo rays per point and 128/256 quadrature
//    directions for ions/neutrals, all threads: the "time per step", and on the GPU the
//    whole step on the device.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/etch.hpp"
#include "fabtwin/exec.hpp"
#include "support/bench_loop.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;
using namespace fabtwin::etch;

/// The benchmark trench, etched 200 nm deep by a directional etch (no fluxes to trace).
Domain<double, Host>& trench() {
  static Domain<double, Host> domain = [] {
    FeatureSpec spec;
    spec.opening_nm = 100;
    spec.pitch_nm = 300;
    spec.mask_thickness_nm = 100;
    spec.mask_taper_deg = 10;
    spec.grid_nm = 3;
    spec.substrate_depth_nm = 300;
    auto d = make_feature_domain<double>(spec);
    Context<Host> ctx;
    EtchOptions options;
    options.time_s = 2;
    run_etch(ctx, d, DirectionalEtch{100.0}, options);
    return d;
  }();
  return domain;
}

/// One thread on the host (the figure is per core), the default context elsewhere.
template <class Space>
Context<Space> per_core_context() {
  if constexpr (std::is_same_v<Space, Host>)
    return Context<Host>(HostOptions{1});
  else
    return Context<Space>();
}

template <class Space>
void trace_segments(benchmark::State& state) {
  Context<Space> ctx = per_core_context<Space>();
  const Domain<double, Space> d = to<Space>(trench());
  const auto surface = find_surface(ctx, d);
  const int rays = 1000;
  Field<int, Space> hits(Grid(rays, surface.count, 1.0));
  Field<double, Space> segments(Grid(surface.count, 1, 1.0));
  double traced = 0;
  bench::time_loop(state, ctx, [&] {
    fill(ctx, segments.view(), 0.0);
    for_each(ctx, Range1{surface.count},
             etch::detail::NeutralHits<double, Space>{
                 d.lattice, d.phi.cview(), surface.points.cview(), surface.point_of_cell.cview(),
                 CounterRandom{7}, 0, rays, hits.view(), segments.view()});
    traced = sum(ctx, segments.cview());
  });
  state.counters["segments_per_s"] =
      benchmark::Counter(traced * double(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["segments_per_ray"] = traced / (double(rays) * double(surface.count));
}

/// Slab tests of rays against a box, as many as trace_segments takes segments: the rays (origin
/// and inverse direction) precomputed, so that the loop is the test's arithmetic alone.
void ray_box(benchmark::State& state) {
  const auto count = std::int64_t(state.range(0));
  std::vector<double> rays(std::size_t(6 * count));
  for (std::int64_t r = 0; r < count; ++r) {
    const double a = 0.001 * double(r);
    const double o[3] = {3 * std::cos(a), 0.5 * std::sin(3 * a), 3 * std::sin(a)};
    const double d[3] = {-o[0], 0.1 - o[1], 0.2 - o[2]};
    for (int c = 0; c < 3; ++c) {
      rays[std::size_t(6 * r + c)] = o[c];
      rays[std::size_t(6 * r + 3 + c)] = 1 / d[c];
    }
  }
  double sink = 0;
  for (auto _ : state) {
    double hits = 0;
    for (std::int64_t r = 0; r < count; ++r) {
      const double* q = rays.data() + 6 * r;
      const double tx0 = (-1 - q[0]) * q[3], tx1 = (1 - q[0]) * q[3];
      const double ty0 = (-1 - q[1]) * q[4], ty1 = (1 - q[1]) * q[4];
      const double tz0 = (-1 - q[2]) * q[5], tz1 = (1 - q[2]) * q[5];
      const double tnear =
          std::fmax(std::fmax(std::fmin(tx0, tx1), std::fmin(ty0, ty1)), std::fmin(tz0, tz1));
      const double tfar =
          std::fmin(std::fmin(std::fmax(tx0, tx1), std::fmax(ty0, ty1)), std::fmax(tz0, tz1));
      hits += tnear <= tfar && tfar > 0 ? 1 : 0;
    }
    sink += hits;
    benchmark::DoNotOptimize(sink);
  }
  state.counters["segments_per_s"] =
      benchmark::Counter(double(count) * double(state.iterations()), benchmark::Counter::kIsRate);
}

/// A 3D hole (radius 30 nm, 100 nm deep, a 60 nm mask) at 1 nm over 128 x 128 x 256, built once
/// on the host (each case etches or redistances its own copy on its space).
const Domain<double, Host>& hole_on_host() {
  static const Domain<double, Host> domain = [] {
    FeatureSpec spec;
    spec.feature = Feature::hole;
    spec.dimension = 3;
    spec.opening_nm = 60;
    spec.pitch_nm = 128;
    spec.mask_thickness_nm = 60;
    spec.grid_nm = 1;
    spec.substrate_depth_nm = 165;
    spec.gas_above_nm = 30;
    return make_feature_domain<double>(spec);
  }();
  return domain;
}

/// The same hole with phi a distance out to 6 nm: where the level-set cases start, made once.
const Domain<double, Host>& redistanced_hole_on_host() {
  static const Domain<double, Host> domain = [] {
    Domain<double, Host> d = to<Host>(hole_on_host());
    Context<Host> ctx;
    redistance(ctx, d.lattice, d.phi, 6.0);
    return d;
  }();
  return domain;
}

template <class Space, Scheme scheme>
void advect_step(benchmark::State& state) {
  Context<Space> ctx;
  auto d = to<Space>(redistanced_hole_on_host());
  Field<double, Space> speed(d.phi.grid());
  fill(ctx, speed.view(), -1.0);
  bench::time_loop(state, ctx, [&] { advect(ctx, d.lattice, d.phi, speed, 0.45, scheme); });
  state.counters["samples_per_s"] = benchmark::Counter(
      double(d.lattice.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
}

template <class Space, Band band>
void redistance_3d(benchmark::State& state) {
  Context<Space> ctx;
  auto d = to<Space>(redistanced_hole_on_host());
  bench::time_loop(state, ctx, [&] { redistance(ctx, d.lattice, d.phi, 6.0, band); });
  state.counters["samples_per_s"] = benchmark::Counter(
      double(d.lattice.size()) * double(state.iterations()), benchmark::Counter::kIsRate);
}

template <class Space>
void hole_step(benchmark::State& state) {
  Context<Space> ctx;
  auto d = to<Space>(hole_on_host());
  Sf6o2Etch model;
  model.prepare();
  EtchOptions options;
  options.flux.rays_per_point = 100;
  options.flux.ion_directions = 128;
  options.flux.neutral_directions = 256;
  EtchReport report;
  index_t points = 0;
  for (auto _ : state) {
    // Two CFL steps at the flat-ground rate (47.7 nm/s), one where the fastest point is slower (the
    // hole's floor sees less sky: one step here); the figure is the mean step, without the first
    // redistancing of the builder's level set (report.setup_seconds).
    options.time_s = 2 * 0.45 / 47.7;
    report =
        run_etch(ctx, d, model, options, [&](const EtchProgress& p) { points = p.surface_points; });
  }
  state.counters["surface_points"] = double(points);
  state.counters["steps"] = report.steps;
  state.counters["seconds_per_step"] = (report.seconds - report.setup_seconds) / report.steps;
  state.counters["flux_seconds_per_step"] = report.flux_seconds / report.steps;
  state.counters["segments_per_s"] = report.ray_segments / report.flux_seconds;
}

BENCHMARK(trace_segments<Host>)
    ->Name("trace_2d_trench/sphere_trace")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(ray_box)
    ->Name("trace_2d_trench/ray_box")
    ->Arg(1 << 22)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(advect_step<Host, Scheme::eno2>)
    ->Name("levelset_3d_128x128x256/advect_eno2")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(advect_step<Host, Scheme::engquist_osher>)
    ->Name("levelset_3d_128x128x256/advect_eo")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(redistance_3d<Host, Band::whole_grid>)
    ->Name("levelset_3d_128x128x256/redistance_whole")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(redistance_3d<Host, Band::narrow>)
    ->Name("levelset_3d_128x128x256/redistance_narrow")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(hole_step<Host>)
    ->Name("hole_3d_128x128x256/step")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
#if FABTWIN_HAS_CUDA
BENCHMARK(trace_segments<Cuda>)
    ->Name("trace_2d_trench/sphere_trace_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(advect_step<Cuda, Scheme::eno2>)
    ->Name("levelset_3d_128x128x256/advect_eno2_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(advect_step<Cuda, Scheme::engquist_osher>)
    ->Name("levelset_3d_128x128x256/advect_eo_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(redistance_3d<Cuda, Band::whole_grid>)
    ->Name("levelset_3d_128x128x256/redistance_whole_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
BENCHMARK(redistance_3d<Cuda, Band::narrow>)
    ->Name("levelset_3d_128x128x256/redistance_narrow_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime();
// run_etch's wall clock: the step's kernels, its launches and its per-step reads back together.
BENCHMARK(hole_step<Cuda>)
    ->Name("hole_3d_128x128x256/step_cuda")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);
#endif

}  // namespace

int main(int argc, char** argv) {
  // On the GPU: the trace against one host core (how many of this CPU's cores the device stands
  // for) and the whole step against the host's on all its threads.
  return fabtwin::bench::run_with_ratios(argc, argv,
                                         {{"advect_eno2", "advect_eo"},
                                          {"redistance_narrow", "redistance_whole"},
                                          {"advect_eno2_cuda", "advect_eo_cuda"},
                                          {"redistance_narrow_cuda", "redistance_whole_cuda"},
                                          {"sphere_trace_cuda", "sphere_trace"},
                                          {"step_cuda", "step"}});
}
