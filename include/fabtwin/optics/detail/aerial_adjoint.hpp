#pragma once
// The hand-written adjoint of the SOCS render (aerial_render.hpp), behind SocsImager::backward and
// SocsImager::fields_adjoint (aerial_image.hpp). No argument checks: the imager checks first.
//
// Derivation. With a = d (alpha + beta p), A = FFT(a) / N^2, F_k = S_k A (bins |f| <= R),
// field_k = IFFT(F_k) (unnormalised) and I = sum_k w_k |field_k|^2, a real cotangent g gives
//   dL = sum_x g(x) sum_k w_k 2 Re[conj(field_k(x)) dfield_k(x)]
//      = 2 Re sum_y da(y) conj(IFFT_N(Q)(y)) / N^2,
//   Q(f) = sum_k w_k conj(S_k(f)) FFT_N(g field_k)(f)   for |f| <= R,
// by writing dfield_k through dA = FFT(da) / N^2 and swapping the sums. Hence, with p real and
// d real,
//   dL/dp(y) = (2 / N^2) Re[ conj(d beta) IFFT_N(Q)(y) ],
//   dL/dd    = 2 Re sum_y a_1(y) conj(IFFT_N(Q)(y)) / N^2 = 2 Re sum_f A_1(f) conj(Q(f))   (Parseval)
// with a_1 = alpha + beta p, A_1 its coefficients. Fields scale with d, so writing Q = d Q1 with
// Q1 built from the unit-amplitude fields, the conditions add up as
//   dL/dp = (2 / N^2) Re IFFT_N( conj(beta) sum_c d_c^2 Q1_c ),  dL/dd_c = 2 d_c Re sum_f A_1 conj(Q1_c).
// Re IFFT_N(Z) is the c2r transform of the Hermitian part (Z(f) + conj(Z(-f))) / 2: one c2r per mask.
//
// Band limit of the adjoint. With g = sum_h G(h) exp(2 pi i h x / N), G = FFT_N(g) / N^2,
//   FFT_N(g field_k)(f) = N^2 sum_{|f'| <= R} G(f - f') F_k(f'),
// so for |f| <= R only |h| <= 2R of g matters (N > 4R keeps those bins distinct). Sampled on the
// n-point grid, g_t (g truncated to +-2R) times field_k holds |h| <= 3R, and the bins |f| <= R of its
// n-point FFT receive no alias when n >= 4R + 1 (an alias would need |f - f''| = n with |f''| <= 3R);
// there FFT_n(g_t field_k)(f) = n^2 sum G(f - f') F_k(f'), hence
//   FFT_N(g field_k)(f) = (N^2 / n^2) FFT_n(g_t field_k)(f).
// So per condition: one r2c of g on N x N, its +-2R bins into an n-point half spectrum and a small
// c2r give g_t on the small grid; the K products and their FFTs are small and batched. The full
// grid path forms every product g field_k on N x N instead: the plain reference.

#include <complex>
#include <cstddef>
#include <span>

#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/condition.hpp"
#include "fabtwin/optics/detail/aerial_functors.hpp"
#include "fabtwin/optics/detail/aerial_render.hpp"

namespace fabtwin::optics::detail {

/// Folds one condition's Q1 (in `part`) into the total, scaled by its amplitude squared, and its
/// amplitude gradient into grad_amplitude[c] (when not empty).
template <class T, class Space>
void fold_condition(Context<Space>& ctx, View<const complex<T>, Space> bins,
                    View<const complex<T>, Space> part, View<complex<T>, Space> total,
                    std::span<double> grad_amplitude, std::size_t c, double scale) {
  for_each(ctx, Range1{part.size()}, AddScaled<T, Space>{total, part, T(scale * scale)});
  if (grad_amplitude.empty()) return;
  grad_amplitude[c] +=
      2 * scale *
      transform_reduce(ctx, part.size(), 0.0, reduce_op::Plus{}, RealProduct<T, Space>{bins, part});
}

/// Band-limited adjoint of the conditions of focus set s: Q1 of each condition from products on the
/// small grid, folded into `total` (see the file comment). gradient_of(c) is g of condition c.
template <class T, class Space, class GradientOf>
void adjoint_small(Context<Space>& ctx, const AerialRender<T, Space>& render,
                   View<const complex<T>, Space> bins, std::size_t s,
                   std::span<const Condition> conditions, const GradientOf& gradient_of,
                   View<complex<T>, Space> half, View<complex<T>, Space> part,
                   View<complex<T>, Space> total, std::span<double> grad_amplitude) {
  const index_t n = render.small_size(), big = render.size(), side = render.side_m();
  const SpaceKernels<T, Space>& set = render.kernels(s);
  const std::size_t small_bytes = sizeof(complex<T>) * std::size_t(n * n * set.count);
  auto fields_block = ctx.scratch().acquire(small_bytes);
  auto products_block = ctx.scratch().acquire(small_bytes);
  const auto small_fields = fields_block.template view<complex<T>>(n, n, 1, set.count);
  const auto products = products_block.template view<complex<T>>(n, n, 1, set.count);
  auto small_half_block = ctx.scratch().acquire(render.half_bytes(n));
  const auto small_half = small_half_block.template view<complex<T>>(n / 2 + 1, n);
  auto gradient_block = ctx.scratch().acquire(sizeof(T) * std::size_t(n * n));
  const auto small_gradient = gradient_block.template view<T>(n, n);
  render.unit_fields(ctx, bins, set, n, 0, small_fields);
  const T to_full = T(double(big) * double(big) / (double(n) * double(n)));
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    if (conditions[c].focus != index_t(s)) continue;
    // g truncated to its +-2R bins, sampled on the small grid: G = FFT_N(g) / N^2 summed there.
    fft::forward(ctx, gradient_of(index_t(c)), half);
    for_each(ctx, Range2{n / 2 + 1, n},
             CopyHalfSpectrumBand<T, Space>{small_half, half, n, big, 2 * set.radius,
                                            render.inverse_area()});
    fft::inverse(ctx, small_half, small_gradient);
    for_each(ctx, Range3{n, n, set.count},
             MultiplyByGradient<T, Space>{products, small_fields, small_gradient, n});
    fft::forward(ctx, products, products);
    for_each(ctx, Range2{side, side},
             GatherAdjointBins<T, Space>{part, products, set.spectra.view(), set.weights.view(), n,
                                         set.radius, render.max_radius(), 0, set.count, to_full,
                                         true, false});
    fold_condition<T, Space>(ctx, bins, part, total, grad_amplitude, c, conditions[c].amplitude);
  }
}

/// Full-grid adjoint of the conditions of focus set s: every product g field_k on N x N.
template <class T, class Space, class GradientOf>
void adjoint_full(Context<Space>& ctx, const AerialRender<T, Space>& render,
                  View<const complex<T>, Space> bins, std::size_t s,
                  std::span<const Condition> conditions, const GradientOf& gradient_of,
                  View<complex<T>, Space> part, View<complex<T>, Space> total,
                  std::span<double> grad_amplitude) {
  const index_t big = render.size(), side = render.side_m();
  const SpaceKernels<T, Space>& set = render.kernels(s);
  auto buffer_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(big * big));
  const auto buffer = buffer_block.template view<complex<T>>(big, big);
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    if (conditions[c].focus != index_t(s)) continue;
    for (index_t k = 0; k < set.count; ++k) {
      render.unit_fields(ctx, bins, set, big, k, buffer);
      for_each(ctx, Range3{big, big, 1},
               MultiplyByGradient<T, Space>{buffer, buffer, gradient_of(index_t(c)), big});
      fft::forward(ctx, buffer, buffer);
      for_each(
          ctx, Range2{side, side},
          GatherAdjointBins<T, Space>{part, buffer, set.spectra.view(), set.weights.view(), big,
                                      set.radius, render.max_radius(), k, 1, T(1), true, k > 0});
    }
    fold_condition<T, Space>(ctx, bins, part, total, grad_amplitude, c, conditions[c].amplitude);
  }
}

/// out = Re IFFT_N(factor * Q) for Q on [-Rm, Rm]^2: Hermitian part, then one c2r.
template <class T, class Space>
void to_pattern(Context<Space>& ctx, const AerialRender<T, Space>& render,
                View<const complex<T>, Space> q_bins, std::complex<double> factor,
                View<complex<T>, Space> half, View<T, Space> out) {
  const index_t big = render.size();
  for_each(ctx, Range2{big / 2 + 1, big},
           HermitianPart<T, Space>{half, q_bins, big, render.max_radius(), to_complex<T>(factor)});
  fft::inverse(ctx, half, out);
}

}  // namespace fabtwin::optics::detail
