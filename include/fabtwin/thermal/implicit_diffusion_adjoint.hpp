#pragma once
// Hand-written adjoint of one step of diffuse_implicit (implicit_diffusion.hpp): from the cotangent
// after the step, the cotangent before it and the gradient with respect to the cell diffusivities.
//
// A sweep along axis a solves (I - alpha L) u' = (I + beta L) u with L the symmetric face-difference
// operator (L u)_i = F_{i+1/2} (u_{i+1} - u_i) - F_{i-1/2} (u_i - u_{i-1}), F the harmonic face
// diffusivities, alpha = theta s dt / h^2 and beta = (1 - theta) s dt / h^2. With g the cotangent of
// u' and w the solution of (I - alpha L) w = g (L is symmetric, so the transposed solve is the same
// Thomas solve):
//   dL/du = (I + beta L) w,
//   dL/dF_{i+1/2} = <w, dL/dF (alpha u' + beta u)> = -(w_{i+1} - w_i)(v_{i+1} - v_i),  v = alpha u' + beta u,
// since differentiating the solve gives (I - alpha L) du' = dL (alpha u' + beta u). Each face
// diffusivity F = 2 D_i D_j / (D_i + D_j) passes to its cells by dF/dD_i = 2 D_j^2 / (D_i + D_j)^2.
// The sweeps run in reverse order from states recomputed forward from the step's start (at most
// five sweeps: five fields). Both solves reuse diffuse_implicit's line solver: the first with
// weights (alpha, 0), the second with (0, beta), which is (I + beta L) applied to w.
//
// The top face's evaporation (Robin, top_transfer_nm_per_s) is not differentiated: refused.

#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/thermal/implicit_diffusion.hpp"

namespace fabtwin::thermal {

namespace detail {

/// grad_d(i) += sum over the two faces of cell i along `axis` of dL/dF_face dF_face/dD_i, with
/// dL/dF from the adjoint solve w and v = alpha u' + beta u (see the header comment). Run over
/// every sample of w (the field's batch); D has batch 1 (shared) or the field's.
template <class T, class Space>
struct FaceDiffusivityGradient {
  View<const T, Space> w, after, before, diffusivity;
  View<T, Space> grad_d;
  int axis;
  T alpha, beta;

  FABTWIN_HD void operator()(index_t i) const {
    const index_t nx = w.nx(), ny = w.ny(), nz = w.nz(), layer = nx * ny, member = layer * nz;
    const index_t x = i % nx, y = (i / nx) % ny, z = (i / layer) % nz;
    const index_t stride = axis == 0 ? 1 : axis == 1 ? nx : layer;
    const index_t at = axis == 0 ? x : axis == 1 ? y : z, n = axis == 0 ? nx : axis == 1 ? ny : nz;
    const index_t d_i = diffusivity.batch() == 1 ? i % member : i;
    const T d_here = diffusivity[d_i];
    T sum = T(0);
    for (int side = -1; side <= 1; side += 2) {
      if ((side < 0 && at == 0) || (side > 0 && at + 1 == n)) continue;  // no flux: no face
      const index_t j = i + side * stride, d_j = d_i + side * stride;
      const T d_there = diffusivity[d_j], total = d_here + d_there;
      if (!(total > T(0))) continue;  // F = 0 there whatever D_i (harmonic_face)
      const T dw = w[j] - w[i];
      const T dv = alpha * (after[j] - after[i]) + beta * (before[j] - before[i]);
      sum += -dw * dv * T(2) * d_there * d_there / (total * total);
    }
    grad_d[i] += sum;
  }
};

}  // namespace detail

/// Reverse of diffuse_implicit(ctx, field, diffusivity, dt_s, 1, options) from the field before the
/// step, `before`: `grad` holds dL/du after the step on entry and dL/du before it on return;
/// dL/dD(sample) is added into `grad_diffusivity`, which has the field's shape and batch (sum it
/// over the batch for a shared D).
template <class T, class Space>
void diffuse_implicit_backward(Context<Space>& ctx, const Field<T, Space>& before,
                               const Field<T, Space>& diffusivity, double dt_s,
                               const ImplicitDiffusionOptions& options, Field<T, Space>& grad,
                               Field<T, Space>& grad_diffusivity) {
  constexpr const char* where = "diffuse_implicit_backward";
  detail::check_implicit_diffusion(ctx, before, diffusivity, dt_s, 1, options, where);
  require(options.top_transfer_nm_per_s == 0, where, "options.top_transfer_nm_per_s",
          options.top_transfer_nm_per_s, "0 (the evaporating top is not differentiated)");
  const Grid& grid = before.grid();
  const auto check = [&](const char* name, const Field<T, Space>& f) {
    require_same_shape(grid, f.grid(), where, [&] { return std::string(name) + ".grid"; });
    require<shape_mismatch>(
        f.batch() == before.batch(), where, [&] { return std::string(name) + ".batch()"; },
        f.batch(), [&] { return "the field's batch, " + std::to_string(before.batch()); });
  };
  check("grad", grad);
  check("grad_diffusivity", grad_diffusivity);

  const auto plan = detail::sweep_plan(options.scheme, grid.rank() == 3);
  std::vector<detail::Sweep> sweeps;
  std::vector<detail::SweepWeights> weights;
  for (const detail::Sweep& sweep : plan) {
    const detail::SweepWeights w = detail::sweep_weights(grid, options, sweep, dt_s);
    if (!w.acts) continue;
    sweeps.push_back(sweep);
    weights.push_back(w);
  }
  auto work_block = ctx.scratch().acquire(sizeof(T) * std::size_t(before.size()));
  const auto work = work_block.template view<T>(grid.nx(), grid.ny(), grid.nz(), before.batch());
  // states[k]: the field before sweep k; states[k + 1] after it.
  std::vector<Field<T, Space>> states;
  states.emplace_back(grid, before.batch());
  copy(before, states.back());
  for (std::size_t k = 0; k < sweeps.size(); ++k) {
    states.emplace_back(grid, before.batch());
    copy(states[k], states.back());
    detail::solve_axis(ctx, states.back(), diffusivity, work, sweeps[k].axis,
                       weights[k].implicit_weight, weights[k].explicit_weight, 0.0);
  }
  for (std::size_t k = sweeps.size(); k-- > 0;) {
    const detail::SweepWeights& w = weights[k];
    detail::solve_axis(ctx, grad, diffusivity, work, sweeps[k].axis, w.implicit_weight, 0.0, 0.0);
    for_each(ctx, Range1{grad.size()},
             detail::FaceDiffusivityGradient<T, Space>{grad.cview(), states[k + 1].cview(),
                                                       states[k].cview(), diffusivity.cview(),
                                                       grad_diffusivity.view(), sweeps[k].axis,
                                                       T(w.implicit_weight), T(w.explicit_weight)});
    if (w.explicit_weight != 0)
      detail::solve_axis(ctx, grad, diffusivity, work, sweeps[k].axis, 0.0, w.explicit_weight, 0.0);
  }
}

}  // namespace fabtwin::thermal
