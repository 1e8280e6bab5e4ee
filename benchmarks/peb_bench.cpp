// The post-exposure bake at the size, 512 x 512 x 80 voxels (2 x 2 x 1 nm, the Sentaurus
// grid of physics.md), float, the Sentaurus parameter set. Two ways to advance acid and quencher:
//
//  - split_step: one Strang step of resist::bake (two exact reaction half steps, the exact
//    spectral diffusion of both species; periodic across, no flux in depth), here h = 1 s;
//  - mapped_step: one step of the bake with a temperature map (peb_temperature_map.hpp): per-voxel
//    Arrhenius integrals, the exact reaction and implicit Crank-Nicolson diffusion (five tridiagonal
//    sweeps per species, no flux on every wall), h = 1 s;
//  - explicit_step: the baseline, one forward-Euler step of the same equations with the 7-point
//    Laplacian, stable only for h <= 1 / (2 sum_a D_a / h_a^2) = 0.018 s at these diffusivities.
//
// A 90 s bake takes 90 split steps against at least 4,900 explicit ones, so besides voxel-steps/s
// the benchmark reports each method's time for the whole bake (steps x time per step). Bandwidth
// counts the bytes a step must move at least: the explicit step reads A and Q and writes them
// (16 bytes per voxel); the split step's figure uses the same 16 bytes, so it is an effective
// bandwidth that shows how far the FFTs' passes over memory are from one sweep.

#include <cmath>

#include "fabtwin/core.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "fabtwin/thermal.hpp"
#include "support/ratio_reporter.hpp"

namespace {

using namespace fabtwin;

const Grid& film() {
  static const Grid grid = Grid::volume(512, 512, 80, {2.0, 2.0, 1.0}, {1.0, 1.0, 0.5});
  return grid;
}

/// A line/space acid pattern decaying with depth (any pattern costs the same).
struct LineAcid {
  View<float, Host> acid;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t z) const {
    acid(x, y, z) = ((x / 22) % 2 == 0 ? 0.6f : 0.05f) * cuda::std::exp(-0.0011f * float(z));
  }
};

Field<float, Host> exposed_acid(Context<Host>& ctx) {
  Field<float, Host> acid(film());
  for_each(ctx, Range3{512, 512, 80}, LineAcid{acid.view()});
  return acid;
}

/// Forward Euler of dA/dt = D_A lap A - k A Q, dQ/dt = D_Q lap Q - k A Q, no-flux walls (mirrored
/// neighbours).
struct ExplicitStep {
  View<const float, Host> a, q;
  View<float, Host> a_next, q_next;
  float dt, k;
  float ax, az, qx, qz;  // D / h^2 laterally and in depth, acid and quencher
  FABTWIN_HD void operator()(index_t x, index_t y, index_t z) const {
    const index_t nx = a.nx(), ny = a.ny(), nz = a.nz();
    const index_t xm = x > 0 ? x - 1 : x, xp = x + 1 < nx ? x + 1 : x, ym = y > 0 ? y - 1 : y,
                  yp = y + 1 < ny ? y + 1 : y, zm = z > 0 ? z - 1 : z, zp = z + 1 < nz ? z + 1 : z;
    const float a0 = a(x, y, z), q0 = q(x, y, z), r = k * a0 * q0;
    const float lap_a_xy = a(xm, y, z) + a(xp, y, z) + a(x, ym, z) + a(x, yp, z) - 4 * a0;
    const float lap_q_xy = q(xm, y, z) + q(xp, y, z) + q(x, ym, z) + q(x, yp, z) - 4 * q0;
    a_next(x, y, z) = a0 + dt * (ax * lap_a_xy + az * (a(x, y, zm) + a(x, y, zp) - 2 * a0) - r);
    q_next(x, y, z) = q0 + dt * (qx * lap_q_xy + qz * (q(x, y, zm) + q(x, y, zp) - 2 * q0) - r);
  }
};

void set_counters(benchmark::State& state, double steps_per_bake) {
  const double voxels = double(film().size());
  state.counters["voxel_steps"] = benchmark::Counter(
      voxels, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.counters["bytes"] = benchmark::Counter(
      16 * voxels, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1024);
  state.counters["steps_per_90s_bake"] = steps_per_bake;
}

void split_host(benchmark::State& state) {
  Context<Host> ctx({.plan_effort = PlanEffort::measure});
  const Field<float, Host> acid = exposed_acid(ctx);
  const resist::PebModel model = resist::sentaurus_peb_model();
  const auto one_step = thermal::TemperatureHistory::constant(383.15, 1.0);
  const thermal::Boundaries walls{thermal::Boundary::periodic, thermal::Boundary::periodic,
                                  thermal::Boundary::mirror};
  benchmark::DoNotOptimize(
      resist::bake(ctx, acid, model, one_step, 1.0, walls).acid.data());  // plans
  for (auto _ : state)
    benchmark::DoNotOptimize(resist::bake(ctx, acid, model, one_step, 1.0, walls).acid.data());
  set_counters(state, 90);
}

/// A hotplate tilt of +-0.5 K across the field (the map's values do not change the cost).
struct TiltOffsets {
  View<float, Host> offset;
  FABTWIN_HD void operator()(index_t x, index_t y) const {
    offset(x, y) = float(x) / 511.0f - 0.5f;
  }
};

void mapped_host(benchmark::State& state) {
  Context<Host> ctx;
  const Field<float, Host> acid = exposed_acid(ctx);
  Field<float, Host> offsets(Grid(512, 512, 2.0));
  for_each(ctx, Range2{512, 512}, TiltOffsets{offsets.view()});
  const resist::PebModel model = resist::sentaurus_peb_model();
  const auto one_step = thermal::TemperatureHistory::constant(383.15, 1.0);
  const resist::TemperatureMap<float, Host> map{offsets};
  for (auto _ : state)
    benchmark::DoNotOptimize(resist::bake(ctx, acid, model, one_step, map, 1.0).acid.data());
  set_counters(state, 90);
}

void explicit_host(benchmark::State& state) {
  Context<Host> ctx;
  const Field<float, Host> a = exposed_acid(ctx);
  Field<float, Host> q(film()), a_next(film()), q_next(film());
  fill(ctx, q.view(), 0.4f);
  const resist::PebModel model = resist::sentaurus_peb_model();
  const double lateral = 1 / (2.0 * 2.0), depth = 1.0;  // 1 / h^2 in 1/nm^2
  const double rate_sum =
      2 * (model.acid.lateral_nm2_per_s * 2 * lateral + model.acid.vertical_nm2_per_s * depth);
  const double dt =
      1 / rate_sum;  // the forward-Euler stability limit of the acid (the faster species)
  const ExplicitStep step{a.view(),
                          q.view(),
                          a_next.view(),
                          q_next.view(),
                          float(dt),
                          float(model.quench.per_s),
                          float(model.acid.lateral_nm2_per_s * lateral),
                          float(model.acid.vertical_nm2_per_s * depth),
                          float(model.quencher.lateral_nm2_per_s * lateral),
                          float(model.quencher.vertical_nm2_per_s * depth)};
  for (auto _ : state) {
    for_each(ctx, Range3{512, 512, 80}, step);
    benchmark::DoNotOptimize(a_next.data());
  }
  set_counters(state, std::ceil(90 / dt));
}

BENCHMARK(split_host)
    ->Name("peb_512x512x80/split_host")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(mapped_host)
    ->Name("peb_512x512x80/mapped_host")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(explicit_host)
    ->Name("peb_512x512x80/explicit_host")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  return fabtwin::bench::run_with_ratios(
      argc, argv, {{"split_host", "explicit_host"}, {"mapped_host", "explicit_host"}});
}
