#pragma once
// Hand-written adjoint of the post-exposure bake (peb.hpp): from dL/dM, M = exp(-deprotection) the
// inhibitor after the bake, the gradient of L w.r.t. the exposed acid and every PebModel parameter,
// plus a uniform temperature offset of the history.
//
// Reverse of one Strang step (react over [t0, m], diffuse over [t0, t1], react over [m, t1]), with
// cotangents (gA, gQ, gD) of (acid, quencher, deprotection exponent):
//  - react: the pointwise Jacobian of the closed form, detail::ReactAcidQuencherReverse in
//    peb_reaction.hpp, which also gives each sample's dL/ds and dL/dk for the sub-step's
//    s = integral k_r dt and k = integral k_c dt. The exponent only accumulates, so gD is the same
//    at every step: gD = -M dL/dM.
//  - diffuse: u -> G u with G(f) = exp(-2 pi^2 sum_a sigma_a^2 f_a^2) per axis a, self-adjoint on
//    periodic and mirror axes alike (the mirror kernel k(i, j) = c(i - j) + c(i + j + 1) is
//    symmetric), so gA -> G_A gA and gQ -> G_Q gQ. With sigma_a^2 = 2 integral D_a dt,
//      dL/d(integral D_a dt) = 2 <gA_after, dG/d(sigma_a^2) A_before>,
//    dG/d(sigma_a^2) = -2 pi^2 f_a^2 G, applied spectrally with the forward's extension and bins,
//    summed over x and y for the lateral diffusivity and taken on z for the vertical one.
// Parameters enter only through the windows' Arrhenius integrals X = integral r(T(t)) dt with
// r(T) = r_ref exp(-(Ea/R)(1/T - 1/T_ref)), so with the same 8-point Gauss-Legendre pieces as
// thermal::Arrhenius::integral,
//   dX/dr_ref = X / r_ref (integral of r / r_ref: defined at r_ref = 0 too),
//   dX/dEa = integral r (1/T_ref - 1/T) / R dt,   dX/d(offset) = integral r Ea / (R T^2) dt,
// the offset adding to every knot and so to T at every node (reference_kelvin stays).
//
// Checkpointing (Griewank 1992, two levels). The reverse sweep needs the state at the start of every
// step, in reverse order. A forward sweep stores (acid, quencher) at C checkpoints, every L =
// ceil(N / C) steps of the N; the reverse sweep restores each segment's checkpoint, recomputes and
// keeps the segment's L states, and reverses them, each step re-running its first react and its
// diffusion for the intermediate states it differentiates at. The deprotection exponent is never
// stored: the reaction does not read it and its cotangent is constant. Memory: 2 (C + L - 1)
// fields for the states plus 11 of work (two of them double), about 4 sqrt(N) + 11 fields at the
// default C = ceil(sqrt(N)) instead of 2 N + 11 for keeping every step. Time: about three forward
// bakes (the forward sweep, the segments' recomputation, each step's recomputation of its first
// react and diffusion) plus the reverse sweep (two cotangent diffusions and two (2D) or four (3D)
// variance derivatives per step), whatever C: every step is recomputed once, for its segment. C
// trades checkpoints against the segment buffer, C + L - 1 being least near C = sqrt(N); C = 1 keeps
// all N states in the buffer, C = N only checkpoints.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_reaction.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/spectral_diffusion.hpp"

namespace fabtwin::resist {

/// dL/d(parameter) of the bake, with PebModel's structure and names, summed over the batch.
struct PebGradient {
  Diffusivity acid, quencher;
  RateConstant quench, deprotect;
  double initial_quencher = 0;
  double temperature_offset_kelvin = 0;  ///< a uniform offset added to every knot of the history
};

namespace detail {

/// An Arrhenius window integral X and its derivatives w.r.t. the rate at the reference
/// temperature, the activation energy and a uniform temperature offset.
struct ArrheniusIntegralGradient {
  double value = 0, rate = 0, activation = 0, kelvin = 0;
};

/// X and its derivatives by the quadrature of thermal::Arrhenius::integral (the same pieces and
/// nodes), differentiated under the sum; the value is the forward's own.
inline ArrheniusIntegralGradient arrhenius_integral_gradient(
    double at_reference, double activation, double reference_kelvin,
    const thermal::TemperatureHistory& window) {
  const double b = activation / thermal::gas_constant_kcal;  // K
  double unit = 0, d_activation = 0, d_kelvin = 0;           // integrals for r_ref = 1
  for (const thermal::QuadratureNode& node : thermal::arrhenius_quadrature(window, b)) {
    const double w = node.weight * std::exp(b / reference_kelvin - b / node.kelvin);
    unit += w;
    d_activation += w * (1 / reference_kelvin - 1 / node.kelvin) / thermal::gas_constant_kcal;
    d_kelvin += w * b / (node.kelvin * node.kelvin);
  }
  return {integral(at_reference, activation, reference_kelvin, window), unit,
          at_reference * d_activation, at_reference * d_kelvin};
}

/// Half spectrum bin *= G(f) sum_a weight_a d(exponent)/d(sigma_a^2) / N_ext, with
/// GaussianMultiply's bins and exponent: c_a q_a with q_a = k_a^2 (Gaussian) or sin^2(pi k_a / e_a)
/// (lattice), and d_a q_a the weighted derivative (d_a = c_a weight_a / sigma_a^2, written out so
/// that sigma_a = 0 needs no division).
template <class T, class Space>
struct GaussianVarianceDerivative {
  View<complex<T>, Space> spectrum;
  index_t ex, ey, ez;
  T cx, cy, cz, dx, dy, dz, scale;
  bool lattice;
  FABTWIN_HD T q(index_t k, index_t e) const {
    if (!lattice) return T(k) * T(k);
    const T s = cuda::std::sin(T(3.14159265358979323846) * T(k) / T(e));
    return s * s;
  }
  FABTWIN_HD void operator()(index_t u, index_t v, index_t wb) const {
    using thermal::detail::signed_frequency;
    const T qx = q(u, ex), qy = q(signed_frequency(v, ey), ey),
            qz = q(signed_frequency(wb % ez, ez), ez);
    spectrum[u + spectrum.nx() * (v + ey * wb)] *=
        scale * cuda::std::exp(cx * qx + cy * qy + cz * qz) * (dx * qx + dy * qy + dz * qz);
  }
};

/// out = sum_a weight_a d/d(sigma_a^2) of diffuse_spectral(in, sigma_nm, boundaries).
template <class T, class Space>
void diffusion_variance_derivative(Context<Space>& ctx, const Field<T, Space>& in, Vec3 sigma_nm,
                                   Vec3 weight, thermal::Boundaries boundaries,
                                   Field<T, Space>& out) {
  const Grid& grid = in.grid();
  const bool three_d = grid.rank() == 3;
  const auto extended = [](index_t n, thermal::Boundary b) {
    return b == thermal::Boundary::mirror && n > 1 ? 2 * n : n;
  };
  const index_t ex = extended(grid.nx(), boundaries.x), ey = extended(grid.ny(), boundaries.y),
                ez = extended(grid.nz(), boundaries.z), batch = in.batch(), hx = ex / 2 + 1;
  auto ext_block = ctx.scratch().acquire(sizeof(T) * std::size_t(ex * ey * ez * batch));
  auto spectrum_block =
      ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(hx * ey * ez * batch));
  const auto ext = ext_block.template view<T>(ex, ey, ez, batch);
  const auto spectrum = spectrum_block.template view<complex<T>>(hx, ey, ez, batch);
  for_each(ctx, Range3{ex, ey, ez * batch},
           thermal::detail::ExtendEven<T, Space>{in.cview(), ext, ex, ey, ez});
  fft::forward(ctx, View<const T, Space>(ext), spectrum);
  const double pi2 = 2 * std::numbers::pi * std::numbers::pi;
  const bool lattice = boundaries.kernel == thermal::DiffusionKernel::lattice;
  const Vec3& h = grid.pitch();
  // The exponent per unit sigma^2 along an axis: -2 pi^2 / L^2 (of k^2) or -2 / h^2 (of sin^2).
  const auto unit = [&](index_t extent, double pitch) {
    const double l = double(extent) * pitch;
    return lattice ? -2 / (pitch * pitch) : -pi2 / (l * l);
  };
  const double ux = unit(ex, h.x), uy = unit(ey, h.y), uz = unit(ez, h.z);
  for_each(
      ctx, Range3{hx, ey, ez * batch},
      GaussianVarianceDerivative<T, Space>{
          spectrum, ex, ey, ez, T(ux * sigma_nm.x * sigma_nm.x), T(uy * sigma_nm.y * sigma_nm.y),
          three_d ? T(uz * sigma_nm.z * sigma_nm.z) : T(0), T(ux * weight.x), T(uy * weight.y),
          three_d ? T(uz * weight.z) : T(0), T(1.0 / double(ex * ey * ez)), lattice});
  fft::inverse(ctx, spectrum, ext);
  for_each(ctx, Range3{grid.nx(), grid.ny(), grid.nz() * batch},
           thermal::detail::KeepFirst<T, Space>{View<const T, Space>(ext), out.view(), ex, ey, ez});
}

/// a[i] b[i] in double, reduced for dL/d(integral D dt).
template <class T, class Space>
struct ProductOfDoubles {
  View<const T, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const { return double(a[i]) * double(b[i]); }
};

template <class T, class Space>
struct DoubleAt {
  View<const T, Space> values;
  FABTWIN_HD double operator()(index_t i) const { return double(values[i]); }
};

/// g = -M dL/dM with M = exp(-deprotection): the deprotection exponent's cotangent.
template <class T, class Space>
struct InhibitorAdjoint {
  View<const T, Space> deprotection, grad_inhibitor;
  View<T, Space> grad_deprotection;
  FABTWIN_HD void operator()(index_t i) const {
    grad_deprotection[i] = -cuda::std::exp(-deprotection[i]) * grad_inhibitor[i];
  }
};

/// bake()'s steps, one at a time and in the same arithmetic (so a recomputed step reproduces the
/// forward's to the bit), and their reverse.
template <class T, class Space>
class PebSteps {
 public:
  PebSteps(const PebModel& model, const thermal::TemperatureHistory& history, index_t steps,
           thermal::Boundaries boundaries, bool three_d)
      : model_(model),
        history_(history),
        steps_(steps),
        h_((history.end() - history.start()) / double(steps)),
        boundaries_(boundaries),
        three_d_(three_d) {}

  /// One Strang step n on (acid, quencher, deprotection), exactly as bake() runs it.
  void forward(Context<Space>& ctx, index_t n, Field<T, Space>& acid, Field<T, Space>& quencher,
               Field<T, Space>& deprotection) const {
    const auto [t0, mid, t1] = times(n);
    react_over(ctx, t0, mid, acid, quencher, deprotection);
    const auto window = history_.window(t0, t1);
    thermal::diffuse_spectral(ctx, acid, sigma(model_.acid, window), boundaries_);
    thermal::diffuse_spectral(ctx, quencher, sigma(model_.quencher, window), boundaries_);
    react_over(ctx, mid, t1, acid, quencher, deprotection);
  }

  /// Reverse of step n from its start state (a, q): (ga, gq) from the cotangents after the step to
  /// those before it, parameter terms added to `gradient`; `work` and `terms` are scratch fields of
  /// the state's shape.
  void backward(Context<Space>& ctx, index_t n, const Field<T, Space>& a, const Field<T, Space>& q,
                const Field<T, Space>& gd, Field<T, Space>& ga, Field<T, Space>& gq,
                std::array<Field<T, Space>, 5>& work, std::array<Field<double, Space>, 2>& terms,
                PebGradient& gradient) const {
    const auto [t0, mid, t1] = times(n);
    auto& [a1, q1, a2, q2, scratch] = work;
    copy(a, a1);
    copy(q, q1);
    react_states(ctx, a1.view(), q1.view(), reaction_step(t0, mid));
    copy(a1, a2);
    copy(q1, q2);
    const auto window = history_.window(t0, t1);
    const Vec3 sigma_a = sigma(model_.acid, window), sigma_q = sigma(model_.quencher, window);
    thermal::diffuse_spectral(ctx, a2, sigma_a, boundaries_);
    thermal::diffuse_spectral(ctx, q2, sigma_q, boundaries_);
    react_backward(ctx, mid, t1, a2, q2, gd, ga, gq, terms, gradient);
    diffusion_backward(ctx, model_.acid, window, sigma_a, a1, ga, scratch, gradient.acid, gradient);
    diffusion_backward(ctx, model_.quencher, window, sigma_q, q1, gq, scratch, gradient.quencher,
                       gradient);
    react_backward(ctx, t0, mid, a, q, gd, ga, gq, terms, gradient);
  }

 private:
  struct Times {
    double t0, mid, t1;
  };
  Times times(index_t n) const {
    const double t0 = history_.start() + double(n) * h_;
    const double t1 = n + 1 == steps_ ? history_.end() : t0 + h_;
    return {t0, 0.5 * (t0 + t1), t1};
  }

  ArrheniusIntegralGradient quench(const thermal::TemperatureHistory& window) const {
    return arrhenius_integral_gradient(model_.quench.per_s, model_.quench.activation_kcal_per_mol,
                                       model_.reference_kelvin, window);
  }
  ArrheniusIntegralGradient deprotect(const thermal::TemperatureHistory& window) const {
    return arrhenius_integral_gradient(model_.deprotect.per_s,
                                       model_.deprotect.activation_kcal_per_mol,
                                       model_.reference_kelvin, window);
  }

  /// The rates' integrals over [t0, t1], as bake() takes them.
  ReactionStep reaction_step(double t0, double t1) const {
    const auto window = history_.window(t0, t1);
    return {t1 - t0,
            integral(model_.quench.per_s, model_.quench.activation_kcal_per_mol,
                     model_.reference_kelvin, window),
            integral(model_.deprotect.per_s, model_.deprotect.activation_kcal_per_mol,
                     model_.reference_kelvin, window)};
  }

  void react_over(Context<Space>& ctx, double t0, double t1, Field<T, Space>& a, Field<T, Space>& q,
                  Field<T, Space>& d) const {
    react(ctx, a.view(), q.view(), d.view(), reaction_step(t0, t1));
  }

  void react_backward(Context<Space>& ctx, double t0, double t1, const Field<T, Space>& a,
                      const Field<T, Space>& q, const Field<T, Space>& gd, Field<T, Space>& ga,
                      Field<T, Space>& gq, std::array<Field<double, Space>, 2>& terms,
                      PebGradient& gradient) const {
    const auto window = history_.window(t0, t1);
    const auto s = quench(window), k = deprotect(window);
    const double ratio = s.value > 0 ? k.value / s.value : 0;  // as react()
    for_each(ctx, Range1{a.size()},
             ReactAcidQuencherReverse<T, Space>{a.cview(),
                                                q.cview(),
                                                gd.cview(),
                                                ga.view(),
                                                gq.view(),
                                                terms[0].view(),
                                                terms[1].view(),
                                                {T(s.value), T(ratio), T(k.value)}});
    const double g_s = sum(ctx, terms[0].cview()), g_k = sum(ctx, terms[1].cview());
    gradient.quench.per_s += g_s * s.rate;
    gradient.quench.activation_kcal_per_mol += g_s * s.activation;
    gradient.deprotect.per_s += g_k * k.rate;
    gradient.deprotect.activation_kcal_per_mol += g_k * k.activation;
    gradient.temperature_offset_kelvin += g_s * s.kelvin + g_k * k.kelvin;
  }

  /// Parameter terms of one species' diffusion (from `before`, the field it diffused, and `g`, the
  /// cotangent after it), then g -> G g.
  void diffusion_backward(Context<Space>& ctx, const Diffusivity& d,
                          const thermal::TemperatureHistory& window, Vec3 sigma_nm,
                          const Field<T, Space>& before, Field<T, Space>& g,
                          Field<T, Space>& scratch, Diffusivity& grad,
                          PebGradient& gradient) const {
    const auto along = [&](double at_reference, Vec3 weight) {
      const auto x = arrhenius_integral_gradient(at_reference, d.activation_kcal_per_mol,
                                                 model_.reference_kelvin, window);
      // sigma_a^2 = 2 X: the weight 2 on the axes of X makes the dot product dL/dX.
      diffusion_variance_derivative(ctx, before, sigma_nm, weight, boundaries_, scratch);
      const double g_x = transform_reduce(ctx, g.size(), 0.0, reduce_op::Plus{},
                                          ProductOfDoubles<T, Space>{g.cview(), scratch.cview()});
      gradient.temperature_offset_kelvin += g_x * x.kelvin;
      grad.activation_kcal_per_mol += g_x * x.activation;
      return g_x * x.rate;
    };
    grad.lateral_nm2_per_s += along(d.lateral_nm2_per_s, Vec3{2.0, 2.0, 0.0});
    if (three_d_) grad.vertical_nm2_per_s += along(d.vertical_nm2_per_s, Vec3{0.0, 0.0, 2.0});
    thermal::diffuse_spectral(ctx, g, sigma_nm, boundaries_);
  }

  Vec3 sigma(const Diffusivity& d, const thermal::TemperatureHistory& window) const {
    // As bake(): sigma^2 = 2 integral D dt per axis, lateral and vertical sharing the Arrhenius factor.
    const double lateral =
        integral(d.lateral_nm2_per_s, d.activation_kcal_per_mol, model_.reference_kelvin, window);
    const double vertical = three_d_ ? integral(d.vertical_nm2_per_s, d.activation_kcal_per_mol,
                                                model_.reference_kelvin, window)
                                     : 0.0;
    return Vec3{std::sqrt(2 * lateral), std::sqrt(2 * lateral), std::sqrt(2 * vertical)};
  }

  const PebModel& model_;
  const thermal::TemperatureHistory& history_;
  index_t steps_;
  double h_;
  thermal::Boundaries boundaries_;
  bool three_d_;
};

/// Whether `field` has a bake state's shape: `grid`'s samples, `batch` members (a sweep's fields
/// are reused when it does).
template <class T, class Space>
bool has_state_shape(const Field<T, Space>& field, const Grid& grid, index_t batch) {
  return field.batch() == batch && field.grid().nx() == grid.nx() &&
         field.grid().ny() == grid.ny() && field.grid().nz() == grid.nz();
}

/// Refuses a field (named `name`) that does not have the state's shape.
template <class T, class Space>
void require_state_shape(const Field<T, Space>& field, const Grid& grid, index_t batch,
                         const char* where, const char* name) {
  require_same_shape(grid, field.grid(), where, [&] { return std::string(name) + ".grid"; });
  require<shape_mismatch>(
      field.batch() == batch, where, [&] { return std::string(name) + ".batch()"; }, field.batch(),
      [&] { return "the exposed acid's batch, " + std::to_string(batch); });
}

}  // namespace detail

/// bake()'s forward sweep as bake_backward reads it: (acid, quencher) at the start of every
/// segment of `segment` steps, and the final deprotection exponent (inhibitor() maps it to M). A
/// caller that runs the sweep as its forward (BakeStage does) keeps it for any number of backward
/// passes, each then a forward bake cheaper.
template <class T, class Space>
struct BakeSweep {
  index_t steps = 0, segment = 1;
  std::vector<std::array<Field<T, Space>, 2>> stored;
  std::vector<Field<T, Space>> deprotection;  ///< one field (a vector: Field has no empty state)
};

/// The sweep of bake(ctx, exposed_acid, model, history, max_step_s, boundaries) into `sweep`, its
/// steps in the same arithmetic, so inhibitor(sweep.deprotection) is bake()'s to the bit.
/// `checkpoints` is the number C of stored states (0: ceil(sqrt(steps))); see the header comment.
/// The fields `sweep` already holds are reused where their shape fits: a caller that sweeps every
/// forward allocates (and the system maps) its checkpoints once.
template <class T, class Space>
void bake_sweep(Context<Space>& ctx, const Field<T, Space>& exposed_acid, const PebModel& model,
                const thermal::TemperatureHistory& history, double max_step_s,
                thermal::Boundaries boundaries, index_t checkpoints, BakeSweep<T, Space>& sweep) {
  constexpr const char* where = "resist::bake_sweep";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);  // bake()'s windows
  require(checkpoints >= 0, where, "checkpoints", checkpoints,
          "a count >= 0 (0: about sqrt(steps))");
  const index_t wanted =
      checkpoints > 0 ? checkpoints : index_t(std::ceil(std::sqrt(double(steps))));
  const index_t segment = (steps + std::min(wanted, steps) - 1) / std::min(wanted, steps);  // L
  const std::size_t count = std::size_t((steps + segment - 1) / segment);
  const Grid& grid = exposed_acid.grid();
  const index_t batch = exposed_acid.batch();
  const auto make = [&] { return Field<T, Space>(grid, batch); };
  if (!sweep.deprotection.empty() &&
      !detail::has_state_shape(sweep.deprotection.front(), grid, batch)) {
    sweep.stored.clear();
    sweep.deprotection.clear();
  }
  sweep.steps = steps;
  sweep.segment = segment;
  if (sweep.stored.size() > count)
    sweep.stored.erase(sweep.stored.begin() + std::ptrdiff_t(count), sweep.stored.end());
  while (sweep.stored.size() < count) sweep.stored.push_back({make(), make()});
  if (sweep.deprotection.empty()) sweep.deprotection.push_back(make());
  Field<T, Space>& deprotection = sweep.deprotection.front();
  fill(ctx, deprotection.view(), T(0));
  const detail::PebSteps<T, Space> bake_steps(model, history, steps, boundaries, grid.rank() == 3);
  Field<T, Space> acid = make(), quencher = make();
  copy(exposed_acid, acid);
  fill(ctx, quencher.view(), T(model.initial_quencher));
  for (index_t n = 0; n < steps; ++n) {
    if (n % segment == 0) {
      std::array<Field<T, Space>, 2>& kept = sweep.stored[std::size_t(n / segment)];
      copy(acid, kept[0]);
      copy(quencher, kept[1]);
    }
    bake_steps.forward(ctx, n, acid, quencher, deprotection);
  }
}

/// The same into a new sweep.
template <class T, class Space>
BakeSweep<T, Space> bake_sweep(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                               const PebModel& model, const thermal::TemperatureHistory& history,
                               double max_step_s, thermal::Boundaries boundaries,
                               index_t checkpoints = 0) {
  BakeSweep<T, Space> sweep;
  bake_sweep(ctx, exposed_acid, model, history, max_step_s, boundaries, checkpoints, sweep);
  return sweep;
}

/// Adjoint of inhibitor(bake(...)) from the bake's sweep (bake_sweep with the same model, history,
/// step and boundaries): from grad_inhibitor = dL/dM writes dL/d(exposed acid) into
/// grad_exposed_acid (overwritten) and returns dL/d(every model parameter) and dL/d(uniform
/// temperature offset).
template <class T, class Space>
PebGradient bake_backward(Context<Space>& ctx, const BakeSweep<T, Space>& sweep,
                          const PebModel& model, const thermal::TemperatureHistory& history,
                          double max_step_s, thermal::Boundaries boundaries,
                          const Field<T, Space>& grad_inhibitor,
                          Field<T, Space>& grad_exposed_acid) {
  constexpr const char* where = "resist::bake_backward";
  model.validate(where);
  const index_t steps = detail::bake_step_count(history, max_step_s, where);
  require(sweep.steps == steps && sweep.deprotection.size() == 1 &&
              index_t(sweep.stored.size()) == (steps + sweep.segment - 1) / sweep.segment,
          where, "sweep.steps", sweep.steps,
          [&] { return "the sweep of this bake's " + std::to_string(steps) + " steps"; });
  const Field<T, Space>& deprotection = sweep.deprotection.front();
  const Grid& grid = deprotection.grid();
  const index_t batch = deprotection.batch();
  detail::require_state_shape(grad_inhibitor, grid, batch, where, "grad_inhibitor");
  detail::require_state_shape(grad_exposed_acid, grid, batch, where, "grad_exposed_acid");
  const index_t segment = sweep.segment;
  const detail::PebSteps<T, Space> bake_steps(model, history, steps, boundaries, grid.rank() == 3);
  const auto make = [&] { return Field<T, Space>(grid, batch); };

  Field<T, Space> gd = make();
  for_each(
      ctx, Range1{gd.size()},
      detail::InhibitorAdjoint<T, Space>{deprotection.cview(), grad_inhibitor.cview(), gd.view()});

  // Reverse sweep, segment by segment, with the cotangents (ga, gq) of (acid, quencher).
  Field<T, Space> ga = make(), gq = make();
  std::vector<std::array<Field<T, Space>, 2>> states;  // the current segment's later states
  for (index_t n = 1; n < segment; ++n) states.push_back({make(), make()});
  std::array<Field<T, Space>, 5> work{make(), make(), make(), make(), make()};
  std::array<Field<double, Space>, 2> terms{Field<double, Space>(grid, batch),
                                            Field<double, Space>(grid, batch)};
  PebGradient gradient;
  for (index_t k = index_t(sweep.stored.size()) - 1; k >= 0; --k) {
    const index_t first = k * segment, last = std::min(steps, first + segment);
    const auto state = [&](index_t n) -> const std::array<Field<T, Space>, 2>& {
      return n == first ? sweep.stored[std::size_t(k)] : states[std::size_t(n - first - 1)];
    };
    for (index_t n = first + 1; n < last; ++n) {
      std::array<Field<T, Space>, 2>& next = states[std::size_t(n - first - 1)];
      copy(state(n - 1)[0], next[0]);
      copy(state(n - 1)[1], next[1]);
      bake_steps.forward(ctx, n - 1, next[0], next[1], work[4]);
    }
    for (index_t n = last - 1; n >= first; --n)
      bake_steps.backward(ctx, n, state(n)[0], state(n)[1], gd, ga, gq, work, terms, gradient);
  }
  copy(ga, grad_exposed_acid);
  gradient.initial_quencher = transform_reduce(ctx, gq.size(), 0.0, reduce_op::Plus{},
                                               detail::DoubleAt<T, Space>{gq.cview()});
  return gradient;
}

/// Adjoint of inhibitor(bake(ctx, exposed_acid, model, history, max_step_s, boundaries)): its sweep
/// (bake_sweep, with C = `checkpoints` stored states; 0: about sqrt(steps)) and the reverse from
/// it (bake_backward above).
template <class T, class Space>
PebGradient bake_backward(Context<Space>& ctx, const Field<T, Space>& exposed_acid,
                          const PebModel& model, const thermal::TemperatureHistory& history,
                          double max_step_s, thermal::Boundaries boundaries,
                          const Field<T, Space>& grad_inhibitor, Field<T, Space>& grad_exposed_acid,
                          index_t checkpoints = 0) {
  require_same_shape(exposed_acid.grid(), grad_inhibitor.grid(), "resist::bake_backward",
                     "grad_inhibitor.grid");
  return bake_backward(
      ctx, bake_sweep(ctx, exposed_acid, model, history, max_step_s, boundaries, checkpoints),
      model, history, max_step_s, boundaries, grad_inhibitor, grad_exposed_acid);
}

}  // namespace fabtwin::resist
