#pragma once
// The feature-scale etch: per step, the surface points (etch/surface.hpp), their fluxes
// (etch/flux.hpp) and rates (the model, etch/kinetics.hpp), the rates extended to the samples near
// the surface, a CFL-limited advection (etch/advect.hpp), the materials cut back to the solid and
// phi redistanced (etch/redistance.hpp).
//
// Material interfaces: a sample moves at the front's rate until phi reaches the level set of the
// material the front meets there next, and at that material's rate for the rest of the step
// (etch/advect.hpp, SplitAtMaterials), so a front reaching a slower material stops or slows at
// it, neither short of it nor through it; a layer thinner than a cell holds no sample and is
// below what the grid resolves.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/etch/advect.hpp"
#include "fabtwin/etch/directions.hpp"
#include "fabtwin/etch/displacement.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/flux.hpp"
#include "fabtwin/etch/kinetics.hpp"
#include "fabtwin/etch/redistance.hpp"
#include "fabtwin/etch/surface.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::etch {

struct EtchOptions {
  double time_s = 1;
  double cfl = 0.45;  ///< the largest move per step, in cells (<= 0.5)
  Scheme scheme = Scheme::eno2;
  FluxOptions flux;
  double band_cells = 6;     ///< redistancing band half-width, in cells
  int redistance_every = 1;  ///< steps between redistancings
  /// > 0: steps of this length (shortened where the CFL limit is shorter), so that runs at
  /// slightly different parameters take the same steps (finite differences of a run); 0: each
  /// step as long as the CFL limit allows.
  double step_s = 0;
};

struct EtchProgress {
  int step = 0;
  double time_s = 0;  ///< simulated time reached
  double max_rate_nm_s = 0;
  index_t surface_points = 0;
  double seconds = 0;  ///< wall time so far
};

struct EtchReport {
  int steps = 0;
  double time_s = 0;         ///< simulated time reached (the requested time unless nothing etched)
  double seconds = 0;        ///< wall time
  double setup_seconds = 0;  ///< of which the first redistancing, over the whole grid
  double ray_segments = 0;   ///< distance-field samples of all rays of all steps
  double flux_seconds = 0;   ///< wall time spent computing fluxes
  double monte_carlo_relative_error = 0;  ///< of the neutral flux, mean over points, last step
};

namespace detail {

/// F = -rate for each sample within `reach` of the surface (0 elsewhere). A sample inside the solid
/// moves at its own material's rate (etch/domain.hpp, material_at) under the fluxes of the surface
/// point nearest to its projection: extending fluxes rather than rates keeps each material's rate
/// on its side of an interface (substrate under a mask's edge etches though its nearest surface
/// point may be the mask's). A sample in the gas moves with the fastest surface point around its
/// projection, so that the gas side of a front that runs along a slower material (an undercut
/// under a mask) keeps pace with it: a gas sample that stood still there would flatten the front's
/// gradient and hold it back by several cells. Where the front heads into a slower material, a
/// sample also gets the speed it moves at until the front reaches that material (`approach`), and
/// advect() splits its step there (etch/advect.hpp, SplitAtMaterials).
template <class T, class Space, class Model, class S>
struct ExtendVelocity {
  Lattice l;
  View<const T, Space> phi;
  View<const T, Space> materials;
  View<const SurfacePoint, Space> points;
  View<const int, Space> point_of_cell;
  View<const SurfaceFluxes<S>, Space> fluxes;
  View<const S, Space> rates;  ///< each surface point's rate (PointRates), >= 0
  Model model;
  View<T, Space> speed;     ///< once the front has reached the material it meets next here
  View<T, Space> approach;  ///< until then (equal to speed where nothing slower lies ahead)
  double reach;

  /// The fastest rate among the surface points of the 3 x 3 (x 3) samples nearest to p.
  FABTWIN_HD S fastest_rate_near(Point3 p) const {
    const double u = l.fold((p.x - l.x0) / l.h, l.nx);
    const double v = l.planar() ? 0.0 : l.fold((p.y - l.y0) / l.h, l.ny);
    const index_t ci = index_t(floor(u + 0.5)), cj = index_t(floor(v + 0.5));
    const index_t ck = index_t(floor((p.z - l.z0) / l.h + 0.5));
    S fastest = S(0);
    const int reach_y = l.planar() ? 0 : 1;
    for (int dk = -1; dk <= 1; ++dk)
      for (int dj = -reach_y; dj <= reach_y; ++dj)
        for (int di = -1; di <= 1; ++di) {
          const index_t kk = ck + dk;
          if (kk < 0 || kk >= l.nz) continue;
          const int s = point_of_cell[l.index(l.fold(ci + di, l.nx),
                                              l.planar() ? 0 : l.fold(cj + dj, l.ny), kk)];
          if (s < 0) continue;
          if (rates[s] > fastest) fastest = rates[s];
        }
    return fastest;
  }

  /// Whether material m's level set rises along n at sample (i, j, k) by more than 0.9 of its
  /// gradient: the front, moving along -n, goes into m rather than past it. Measured on the
  /// isotropic undercut: at 0.5 the fan beside a mask's side (whose level set rises at 0.7 of its
  /// gradient along the fan's normals there) was held back, 0.3 nm more lag at 2 nm cells.
  FABTWIN_HD bool heads_into(int m, index_t i, index_t j, index_t k, Point3 n) const {
    const View<const T, Space> psi(materials.data() + m * phi.size(), l.nx, l.ny, l.nz);
    const Point3 g = l.gradient(psi, i, j, k);
    return n.dot(g) > 0.9 * g.norm();
  }

  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    const index_t at = l.index(i, j, k);
    const double d = double(phi[at]);
    if (fabs(d) > reach) {
      speed[at] = approach[at] = T(0);
      return;
    }
    const Point3 g = l.unit_normal(phi, i, j, k);
    const Point3 projection = l.position(i, j, k) - g * d;
    if (d >= 0) {
      // Until phi reaches the level set of the material the front meets next, at the fastest
      // rate; then at that material's, if slower (a gas sample above a floor that reaches a stop
      // layer between two samples would otherwise carry the floor on into the layer). Only where
      // the front moves towards that material (its level set rises along the normal): a front
      // that runs along a mask's underside would be held back by the gas samples' distance to
      // the mask, which is not the front's.
      const S fastest = fastest_rate_near(projection);
      approach[at] = T(-fastest);
      speed[at] = T(-fastest);
      const int next = next_material(materials, at, d);
      if (next < 0 || !heads_into(next, i, j, k, g)) return;
      const int s = nearest_surface_point(l, points, point_of_cell, projection);
      if (s < 0 || points[s].material == next) return;
      const S rate = model.rate(next, fluxes[s], points[s].normal);
      if (rate < fastest) speed[at] = rate > 0 ? T(-rate) : T(0);
      return;
    }
    // The surface point nearest to the projection, or, where the projection leaves the band
    // (a corner's ill-defined normal), to the sample itself.
    int s = nearest_surface_point(l, points, point_of_cell, projection);
    if (s < 0) s = nearest_surface_point(l, points, point_of_cell, l.position(i, j, k));
    if (s < 0) {
      speed[at] = approach[at] = T(0);
      return;
    }
    const int own = material_at(materials, at);
    S rate = model.rate(own, fluxes[s], points[s].normal);
    if (!(rate > 0)) rate = S(0);
    speed[at] = T(-rate);
    // A faster material at the surface point moves the front until it reaches this sample's own
    // (etch/advect.hpp splits the step there); a slower one is beside it, not between.
    const S front = points[s].material == own ? rate : rates[s];
    approach[at] = front > rate ? T(-front) : T(-rate);
  }
};

template <class Space, class Model, class S>
struct PointRates {
  View<const SurfacePoint, Space> points;
  View<const SurfaceFluxes<S>, Space> fluxes;
  Model model;
  View<S, Space> rate;
  FABTWIN_HD void operator()(index_t s) const {
    const S r = model.rate(points[s].material, fluxes[s], points[s].normal);
    rate[s] = r > 0 ? r : S(0);  // etching only: deposition is not modelled
  }
};

/// Next to the gas, inside a material whose own level set is less deep than phi, phi is that level
/// set. The union of the solid, advected and redistanced as one field, does not know that a mask
/// over an etched cavity ends at its own underside: phi there holds the distance to where the
/// cavity's front was, the mask's samples do not move, and undercuts lagged by a cell or two.
/// Each material's level set is exact where the etch has not cut it (it comes from the geometry
/// and is only ever cut back to the solid), so it is the better value next to the cavity. Only
/// samples with gas among their neighbours take it: deeper in, where a mask still sits on the
/// substrate, the union's own distance keeps the shared face from reading as a surface.
template <class T, class Space>
struct ClampToMaterials {
  Lattice l;
  View<const T, Space> phi;
  View<const T, Space> materials;
  View<T, Space> out;
  FABTWIN_HD void operator()(index_t i, index_t j, index_t k) const {
    const index_t at = l.index(i, j, k), n = phi.size();
    T p = phi[at];
    out[at] = p;
    if (!(p < T(0))) return;
    bool gas = false;
    const int reach_y = l.planar() ? 0 : 1;
    for (int dk = -1; dk <= 1 && !gas; ++dk)
      for (int dj = -reach_y; dj <= reach_y && !gas; ++dj)
        for (int di = -1; di <= 1 && !gas; ++di) gas = !(l.at(phi, i + di, j + dj, k + dk) < T(0));
    if (!gas) return;
    for (int m = 0; m < material_count; ++m) {
      const T psi = materials[at + m * n];
      if (psi < T(0) && p < psi) p = psi;
    }
    out[at] = p;
  }
};

/// The value of sample i (a dual's value).
template <class T, class Space>
struct ValueAt {
  View<const T, Space> v;
  FABTWIN_HD double operator()(index_t i) const { return value_of(v[i]); }
};

/// psi_m = max(psi_m, phi): no material outside the solid.
template <class T, class Space>
struct CutMaterials {
  View<const T, Space> phi;
  View<T, Space> materials;
  FABTWIN_HD void operator()(index_t i) const {
    const index_t n = phi.size();
    const T p = phi[i % n];
    if (materials[i] < p) materials[i] = p;
  }
};

}  // namespace detail

/// The rates of a model at the current surface points (nm/s), with the fluxes that gave them.
template <class Space, class S = double>
struct RateSnapshot {
  Surface<Space> surface;
  Field<SurfaceFluxes<S>, Space> fluxes;
  Field<S, Space> rate;
  FluxReport report;
};

template <class T, class Space, class Model, class S = model_scalar_t<Model>>
RateSnapshot<Space, S> surface_rates(Context<Space>& ctx, const Domain<T, Space>& domain,
                                     const Model& model, const SourceDirections<Space>& ions,
                                     const SourceDirections<Space>& neutrals,
                                     const FluxOptions& options, std::uint64_t step) {
  Surface<Space> surface = find_surface(ctx, domain);
  const Grid points_grid(std::max<index_t>(1, surface.count), 1, 1.0);
  RateSnapshot<Space, S> snapshot{std::move(surface),
                                  Field<SurfaceFluxes<S>, Space>(points_grid),
                                  Field<S, Space>(points_grid),
                                  {}};
  snapshot.report = compute_fluxes(ctx, domain, snapshot.surface, model, ions, neutrals, options,
                                   step, snapshot.fluxes);
  if (snapshot.surface.count > 0)
    for_each(
        ctx, Range1{snapshot.surface.count},
        detail::PointRates<Space, Model, S>{snapshot.surface.points.cview(),
                                            snapshot.fluxes.cview(), model, snapshot.rate.view()});
  return snapshot;
}

inline index_t default_directions(index_t given, int dimension, index_t planar, index_t volume) {
  return given > 0 ? given : (dimension == 2 ? planar : volume);
}

/// The ion and neutral source directions of a run of `model` in `dimension` dimensions under
/// `flux` (its counts, or 96 / 512 ion and 256 / 1024 neutral directions in 2D / 3D): run_etch's
/// own, for a caller that takes surface_rates of the etched domain as the run saw them.
template <class Space>
struct RunDirections {
  SourceDirections<Space> ions, neutrals;
};

template <class Space, class Model>
RunDirections<Space> run_directions(const Model& model, int dimension, const FluxOptions& flux) {
  return {
      make_source_directions<Space>(model.ion_exponent(), dimension,
                                    default_directions(flux.ion_directions, dimension, 96, 512)),
      make_source_directions<Space>(
          1.0, dimension, default_directions(flux.neutral_directions, dimension, 256, 1024))};
}

/// Etches `domain` for options.time_s under `model`; `progress` (may be empty) is called after
/// every step.
template <class T, class Space, class Model>
EtchReport run_etch(Context<Space>& ctx, Domain<T, Space>& domain, const Model& model,
                    const EtchOptions& options,
                    const std::function<void(const EtchProgress&)>& progress = {}) {
  const char* where = "etch::run_etch";
  require(options.time_s >= 0 && std::isfinite(options.time_s), where, "time_s", options.time_s,
          "a finite time >= 0 s");
  require(options.cfl > 0 && options.cfl <= 0.5, where, "cfl", options.cfl,
          "a CFL number in (0, 0.5]");
  require(options.band_cells >= 3, where, "band_cells", options.band_cells, "at least 3 cells");
  require(options.step_s >= 0 && std::isfinite(options.step_s), where, "step_s", options.step_s,
          "a step >= 0 s (0: the CFL limit's)");
  const Lattice& l = domain.lattice;
  const RunDirections<Space> directions = run_directions<Space>(model, l.dimension(), options.flux);
  const double band = options.band_cells * l.h;
  const auto start = std::chrono::steady_clock::now();
  auto seconds_since = [](auto t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  EtchReport report;
  redistance(ctx, l, domain.phi, band, domain.phi_is_distance ? Band::narrow : Band::whole_grid);
  // A field of its own only while it is written: not held beside redistancing's or the
  // advection's, which set the step's peak of memory.
  const auto clamp_to_materials = [&] {
    Field<T, Space> clamped(domain.phi.grid());
    for_each(ctx, Range3{l.nx, l.ny, l.nz},
             detail::ClampToMaterials<T, Space>{l, domain.phi.cview(), domain.materials.cview(),
                                                clamped.view()});
    std::swap(domain.phi, clamped);
  };
  clamp_to_materials();
  ctx.synchronize();  // the times below are the device's work done, not its launches
  report.setup_seconds = seconds_since(start);
  Field<T, Space> speed(domain.phi.grid()), approach(domain.phi.grid());
  SurfaceDisplacement<T, Space> displacement(ctx, l, domain.phi);
  while (report.time_s < options.time_s) {
    const auto flux_start = std::chrono::steady_clock::now();
    auto snapshot = surface_rates(ctx, domain, model, directions.ions, directions.neutrals,
                                  options.flux, std::uint64_t(report.steps));
    report.flux_seconds += seconds_since(flux_start);
    report.ray_segments += snapshot.report.ray_segments;
    report.monte_carlo_relative_error = snapshot.report.monte_carlo_relative_error;
    for_each(ctx, Range3{l.nx, l.ny, l.nz},
             detail::ExtendVelocity<T, Space, Model, model_scalar_t<Model>>{
                 l, domain.phi.cview(), domain.materials.cview(), snapshot.surface.points.cview(),
                 snapshot.surface.point_of_cell.cview(), snapshot.fluxes.cview(),
                 snapshot.rate.cview(), model, speed.view(), approach.view(), 4.5 * l.h});
    // approach is never slower than speed.
    const double max_rate =
        -transform_reduce(ctx, approach.size(), std::numeric_limits<double>::infinity(),
                          reduce_op::Min{}, detail::ValueAt<T, Space>{approach.cview()});
    if (!(max_rate > 0)) {  // nothing etches: the rest of the time changes nothing
      report.time_s = options.time_s;
      break;
    }
    double dt = std::min(options.cfl * l.h / max_rate, options.time_s - report.time_s);
    if (options.step_s > 0) dt = std::min(dt, options.step_s);
    displacement.before_step(ctx, domain.phi);
    advect(ctx, l, domain.phi, speed, dt, options.scheme, &approach, &domain.materials);
    displacement.carry(ctx, l, domain.phi);
    for_each(ctx, Range1{domain.materials.size()},
             detail::CutMaterials<T, Space>{domain.phi.cview(), domain.materials.view()});
    ++report.steps;
    if (report.steps % options.redistance_every == 0) {
      redistance(ctx, l, domain.phi, band, Band::narrow);
      clamp_to_materials();
    }
    displacement.follow(ctx, l, domain.phi);
    report.time_s = options.time_s - report.time_s <= dt ? options.time_s : report.time_s + dt;
    if (progress)
      progress(
          {report.steps, report.time_s, max_rate, snapshot.surface.count, seconds_since(start)});
  }
  ctx.synchronize();
  report.seconds = seconds_since(start);
  return report;
}

}  // namespace fabtwin::etch
