#pragma once
// Diffusion with a spatially varying diffusivity D(x) (nm^2/s, a Field on the same grid),
//
//   du/dt = div(D grad u),
//
// by cell-centred finite volumes and operator splitting by axis, each axis advanced implicitly by
// one tridiagonal (Thomas) solve per grid line. On axis a with pitch h, cell i exchanges with its
// neighbours through faces whose diffusivity is the harmonic mean D_{i+1/2} = 2 D_i D_{i+1} /
// (D_i + D_{i+1}) (the series conductance of the two half cells), so
//
//   (L_a u)_i = [D_{i+1/2} (u_{i+1} - u_i) - D_{i-1/2} (u_i - u_{i-1})] / h^2 - r_i u_i.
//
// Every outer face has zero flux (mirror walls; the bottom, z = -h/2, is the substrate) except,
// optionally, the top face z = (nz - 1/2) h, where evaporation gives -D du/dz = k u (Robin, k the
// transfer coefficient in nm/s). Its sink r = k_eff / h on the top cell uses the surface value
// eliminated from D (u_top - u_s) / (h/2) = k u_s, i.e. k_eff = 1 / (1/k + h / (2 D_top)).
//
// One axis over dt with weight theta solves (I - theta dt L_a) u' = (I + (1 - theta) dt L_a) u.
// Schemes and their order in time (space is second order for smooth D):
//  - backward_euler: theta = 1, axes in sequence x, y, z (Lie splitting): first order,
//    unconditionally stable and free of oscillations for rough data.
//  - crank_nicolson: theta = 1/2, Strang splitting x(dt/2) y(dt/2) z(dt) y(dt/2) x(dt/2) (2D:
//    x(dt/2) y(dt) x(dt/2)): second order, unconditionally stable; the finest modes of rough data
//    (a point source) decay with alternating sign when D dt / h^2 >> 1.
// L_a is symmetric with zero column sums where no flux leaves, so each solve conserves the total
// of u to rounding; the Robin sink removes dt k_eff (theta u'_top + (1 - theta) u_top) per unit area.

#include <cmath>
#include <string>
#include <type_traits>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::thermal {

enum class TimeScheme { backward_euler, crank_nicolson };

struct ImplicitDiffusionOptions {
  TimeScheme scheme = TimeScheme::crank_nicolson;
  /// k of -D du/dz = k u at the top face of a 3D field, in nm/s; 0 is no flux (required in 2D).
  double top_transfer_nm_per_s = 0;
  /// The diffusivity along axis a is axis_scale[a] * D: an anisotropic medium whose lateral and
  /// vertical diffusivities share one spatial profile (a resist's acid at a varying temperature).
  Vec3 axis_scale{1, 1, 1};
};

namespace detail {

template <class T>
FABTWIN_HD T harmonic_face(T a, T b) {
  const T sum = a + b;
  return sum > T(0) ? T(2) * a * b / sum : T(0);
}

/// Solves (I - theta dt L_a) u' = (I + (1 - theta) dt L_a) u in place along every line of one
/// axis (a = 0, 1, 2 for x, y, z). Lines are numbered line = p + P q with (p, q) = (y, z + nz b)
/// for x, (x, z + nz b) for y, (x, y + ny b) for z, and P = ny, nx, nx; one index of the run
/// solves `block` neighbouring lines (p .. p + block - 1, the same q) side by side. Along y and z
/// neighbouring lines are neighbouring x, so sweeping a block touches `block` consecutive samples
/// at each step where one line alone would stride by nx or nx ny samples, which map to the same
/// few cache sets (the host's y and z sweeps ran several times slower than x before). The host
/// uses blocks of up to max_block lines for y and z; the GPU one line per thread, where
/// neighbouring threads already read neighbouring samples. `work` holds the Thomas algorithm's
/// modified upper diagonal.
template <class T, class Space>
struct SolveLines {
  static constexpr index_t max_block = std::is_same_v<Space, Host> ? 32 : 1;
  View<T, Space> u;
  View<const T, Space> diffusivity;  // batch 1 (shared) or u's batch
  View<T, Space> work;
  int axis;
  T implicit_weight, explicit_weight;  // theta dt / h^2, (1 - theta) dt / h^2
  T transfer_h;                        // k h: the Robin coefficient in units of D (0: no flux)
  index_t block;                       // lines per index: 1 along x, up to max_block along y, z

  /// Indices to run over: every line once, in blocks.
  index_t count() const {
    const index_t lines_p = axis == 0 ? u.ny() : u.nx(), blocks_p = (lines_p + block - 1) / block;
    return blocks_p * (u.size() / (lines_p * (axis == 0 ? u.nx() : axis == 1 ? u.ny() : u.nz())));
  }

  FABTWIN_HD void operator()(index_t item) const {
    const index_t nx = u.nx(), ny = u.ny(), nz = u.nz();
    const index_t lines_p = axis == 0 ? ny : nx, blocks_p = (lines_p + block - 1) / block;
    const index_t p0 = (item % blocks_p) * block, q = item / blocks_p;
    const index_t lines = block < lines_p - p0 ? block : lines_p - p0;
    index_t base, stride, n, member, neighbour;  // neighbour: the step from line p to p + 1
    if (axis == 0) {
      base = nx * (p0 + ny * q), stride = 1, n = nx, member = q / nz, neighbour = nx;
    } else if (axis == 1) {
      base = p0 + nx * ny * q, stride = nx, n = ny, member = q / nz, neighbour = 1;
    } else {
      member = q / ny;
      base = p0 + nx * (q % ny) + nx * ny * nz * member, stride = nx * ny, n = nz, neighbour = 1;
    }
    const index_t d_base = diffusivity.batch() == 1 ? base - member * nx * ny * nz : base;
    const bool robin = axis == 2 && transfer_h > T(0);

    // Forward sweep, every line of the block at each i: c'_i into work, d'_i into u (old u_{i-1}
    // kept in `previous`).
    T d_here[max_block], face_minus[max_block], previous[max_block], c_prev[max_block],
        d_prev[max_block];
    for (index_t l = 0; l < lines; ++l) {
      d_here[l] = diffusivity[d_base + l * neighbour];
      face_minus[l] = previous[l] = c_prev[l] = d_prev[l] = T(0);
    }
    for (index_t i = 0; i < n; ++i) {
      for (index_t l = 0; l < lines; ++l) {
        const index_t at = base + l * neighbour + i * stride,
                      d_at = d_base + l * neighbour + i * stride;
        const T d_next = i + 1 < n ? diffusivity[d_at + stride] : T(0);
        const T face_plus = i + 1 < n ? harmonic_face(d_here[l], d_next) : T(0);
        // r h^2 = k_eff h = k h 2 D / (2 D + k h) on the top cell.
        const T sink = robin && i + 1 == n && d_here[l] > T(0)
                           ? transfer_h * T(2) * d_here[l] / (T(2) * d_here[l] + transfer_h)
                           : T(0);
        const T here = u[at];
        const T next = i + 1 < n ? u[at + stride] : T(0);
        const T flux_sum =
            face_plus * (next - here) - face_minus[l] * (here - previous[l]) - sink * here;
        const T rhs = here + explicit_weight * flux_sum;
        const T a = -implicit_weight * face_minus[l], c = -implicit_weight * face_plus;
        const T b = T(1) + implicit_weight * (face_minus[l] + face_plus + sink);
        const T pivot = b - a * c_prev[l];
        c_prev[l] = c / pivot;
        d_prev[l] = (rhs - a * d_prev[l]) / pivot;
        work[at] = c_prev[l];
        u[at] = d_prev[l];
        previous[l] = here;
        face_minus[l] = face_plus;
        d_here[l] = d_next;
      }
    }
    // Back substitution: u_i = d'_i - c'_i u_{i+1} (d_prev holds u_{n-1}).
    for (index_t i = n - 2; i >= 0; --i)
      for (index_t l = 0; l < lines; ++l) {
        const index_t at = base + l * neighbour + i * stride;
        d_prev[l] = u[at] - work[at] * d_prev[l];
        u[at] = d_prev[l];
      }
  }
};

/// One axis solve of a step: the axis and its share of the step (1/2 for Strang's outer halves).
struct Sweep {
  int axis;
  double fraction;
};

/// The sweeps of one step, in order (see the header comment).
struct SweepPlan {
  Sweep sweeps[5];
  int count;
  const Sweep* begin() const { return sweeps; }
  const Sweep* end() const { return sweeps + count; }
};

inline SweepPlan sweep_plan(TimeScheme scheme, bool three_d) {
  if (scheme == TimeScheme::backward_euler)
    return three_d ? SweepPlan{{{0, 1}, {1, 1}, {2, 1}}, 3} : SweepPlan{{{0, 1}, {1, 1}}, 2};
  return three_d ? SweepPlan{{{0, 0.5}, {1, 0.5}, {2, 1}, {1, 0.5}, {0, 0.5}}, 5}
                 : SweepPlan{{{0, 0.5}, {1, 1}, {0, 0.5}}, 3};
}

/// A sweep's weights theta s dt / h^2 and (1 - theta) s dt / h^2 (s the axis scale), the top's
/// Robin coefficient in units of s D, and whether it changes anything: one cell without a sink, or
/// an axis scale of 0, is the identity (the Robin sink needs D > 0 too).
struct SweepWeights {
  double implicit_weight = 0, explicit_weight = 0, transfer_h = 0;
  bool acts = false;
};

inline SweepWeights sweep_weights(const Grid& grid, const ImplicitDiffusionOptions& options,
                                  const Sweep& sweep, double dt_s) {
  const double scales[] = {options.axis_scale.x, options.axis_scale.y, options.axis_scale.z};
  const double pitches[] = {grid.pitch().x, grid.pitch().y, grid.pitch().z};
  const index_t extents[] = {grid.nx(), grid.ny(), grid.nz()};
  const int a = sweep.axis;
  const double k = options.top_transfer_nm_per_s;
  SweepWeights w;
  if ((extents[a] == 1 && !(a == 2 && k > 0)) || scales[a] == 0) return w;
  // Scaling D by s scales the weights; the top cell's k_eff h = k h 2 s D / (2 s D + k h) keeps its
  // form in units of s D with k h / s in place of k h.
  const double theta = options.scheme == TimeScheme::backward_euler ? 1.0 : 0.5;
  const double dt = sweep.fraction * dt_s, h = pitches[a], s = scales[a];
  w.implicit_weight = s * theta * dt / (h * h);
  w.explicit_weight = s * (1 - theta) * dt / (h * h);
  w.transfer_h = a == 2 ? k * h / s : 0.0;
  w.acts = true;
  return w;
}

/// Solves (I - implicit_weight L_a) u' = (I + explicit_weight L_a) u in place on every line of
/// `axis` (transfer_h: the top cell's Robin coefficient); `work` is scratch of the field's shape.
template <class T, class Space>
void solve_axis(Context<Space>& ctx, Field<T, Space>& field, const Field<T, Space>& diffusivity,
                View<T, Space> work, int axis, double implicit_weight, double explicit_weight,
                double transfer_h) {
  const SolveLines<T, Space> solve{field.view(),
                                   diffusivity.cview(),
                                   work,
                                   axis,
                                   T(implicit_weight),
                                   T(explicit_weight),
                                   T(transfer_h),
                                   axis == 0 ? 1 : SolveLines<T, Space>::max_block};
  for_each(ctx, Range1{solve.count()}, solve);
}

/// diffuse_implicit's checks of its arguments, for it and its adjoint (`where` names the caller).
template <class T, class Space>
void check_implicit_diffusion(Context<Space>& ctx, const Field<T, Space>& field,
                              const Field<T, Space>& diffusivity, double dt_s, index_t steps,
                              const ImplicitDiffusionOptions& options, const char* where) {
  const Grid& grid = field.grid();
  require_same_shape(grid, diffusivity.grid(), where, "diffusivity.grid");
  require(diffusivity.batch() == 1 || diffusivity.batch() == field.batch(), where,
          "diffusivity.batch()", diffusivity.batch(),
          [&] { return "1 or the field's batch " + std::to_string(field.batch()); });
  require(std::isfinite(dt_s) && dt_s > 0, where, "dt_s", dt_s,
          "a positive, finite time step in s");
  require(steps >= 0, where, "steps", steps, "a non-negative number of steps");
  const double k = options.top_transfer_nm_per_s;
  require(std::isfinite(k) && k >= 0 && (k == 0 || grid.rank() == 3), where,
          "options.top_transfer_nm_per_s", k,
          grid.rank() == 3 ? "a finite transfer coefficient >= 0 nm/s"
                           : "0: a 2D field has no top surface");
  const double scales[] = {options.axis_scale.x, options.axis_scale.y, options.axis_scale.z};
  for (int a = 0; a < 3; ++a)
    require(
        std::isfinite(scales[a]) && scales[a] >= 0, where,
        [&] { return std::string("options.axis_scale.") + "xyz"[a]; }, scales[a],
        "a finite factor >= 0");

  // One pass each over D: a negative, NaN or infinite diffusivity would make the solves unstable.
  const T d_min = min(ctx, diffusivity.cview()), d_max = max(ctx, diffusivity.cview());
  require(d_min >= T(0), where, "min(diffusivity)", d_min, "diffusivities >= 0 nm^2/s");
  require(std::isfinite(double(d_max)), where, "max(diffusivity)", d_max,
          "finite diffusivities in nm^2/s");
}

}  // namespace detail

/// Advances every batch member of `field` (2D or 3D) by `steps` steps of `dt_s` seconds of
/// du/dt = div(D grad u), D = `diffusivity` in nm^2/s (batch 1, shared, or the field's batch).
template <class T, class Space>
void diffuse_implicit(Context<Space>& ctx, Field<T, Space>& field,
                      const Field<T, Space>& diffusivity, double dt_s, index_t steps,
                      ImplicitDiffusionOptions options = {}) {
  detail::check_implicit_diffusion(ctx, field, diffusivity, dt_s, steps, options,
                                   "diffuse_implicit");
  const Grid& grid = field.grid();
  auto work_block = ctx.scratch().acquire(sizeof(T) * std::size_t(field.size()));
  const auto work = work_block.template view<T>(grid.nx(), grid.ny(), grid.nz(), field.batch());
  const auto plan = detail::sweep_plan(options.scheme, grid.rank() == 3);
  for (index_t s = 0; s < steps; ++s)
    for (const detail::Sweep& sweep : plan) {
      const detail::SweepWeights w = detail::sweep_weights(grid, options, sweep, dt_s);
      if (w.acts)
        detail::solve_axis(ctx, field, diffusivity, work, sweep.axis, w.implicit_weight,
                           w.explicit_weight, w.transfer_h);
    }
}

}  // namespace fabtwin::thermal
