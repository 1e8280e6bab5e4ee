#pragma once
// SOCS aerial image (physics.md §1), batched over masks, kernels and process conditions, on any
// Space, and its hand-written adjoint.
//
// Model (the KernelSet convention): with a(x) = s (dark + (clear - dark) p(x)) the mask amplitude
// (mask.hpp) times the condition's amplitude factor s (the ICCAD-2013 contest's "dose": intensities
// scale as s^2; a relative exposure dose D is s = sqrt(D), twin/conditions.hpp) on the N x N field
// of period L = N pitch, A(p, q) = FFT(a)(p, q) / N^2, and
//   field_k(x) = sum_{|p|,|q| <= R} S_k(p, q) A(p, q) exp(2 pi i (p x + q y) / N),
//   I(x) = sum_k w_k |field_k(x)|^2.
// The mask spectrum is taken once per mask (one full-grid FFT) and reused for every kernel set and
// every condition.
//
// Band limit. field_k holds only the bins |p|, |q| <= R, so I holds only |p|, |q| <= 2R. On any
// n-point grid with n >= 4R + 1 the samples of field_k and of I are exact (no aliasing), so the K
// fields and the intensity are computed on the small n x n grid (n = the smallest 2^a 3^b 5^c 7^d
// >= 4 Rm + 1; batched small FFTs over the kernels), the small intensity is transformed, and its
// +-2R bins, scaled by 1/n^2, are zero-padded into the N x N half spectrum: one c2r FFT gives the
// full-grid image exactly (Fourier interpolation of a band-limited function). The full-grid path
// computes every field on N x N (one inverse FFT per kernel) and is the reference. When the small
// grid would not be smaller than N, both paths run the full-grid algorithm.
//
// Cost of the band-limited path per image: one r2c FFT of the mask (shared by the conditions of a
// mask) and one c2r FFT per output image, i.e. about one complex N x N FFT, plus O(K n^2 log n).
//
// This file is the public face: the checks and the batching over masks and conditions. The render
// itself is in detail/aerial_render.hpp, the adjoint and its derivation in detail/aerial_adjoint.hpp.

#include <algorithm>
#include <cmath>
#include <complex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/condition.hpp"
#include "fabtwin/optics/detail/aerial_adjoint.hpp"
#include "fabtwin/optics/detail/aerial_functors.hpp"
#include "fabtwin/optics/detail/aerial_render.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/mask.hpp"

namespace fabtwin::optics {

template <class T, class Space>
class SocsImager {
  static_assert(Real<T>, "SocsImager<T, Space> takes the real type T (float or double)");

 public:
  /// An imager for masks on `grid` (square: nx == ny = N, pitch p) with the given kernel sets, all
  /// of period N p and radius R < N / 2. Copies the kernels to the space and makes the small-grid
  /// FFT plans in `ctx`.
  SocsImager(Context<Space>& ctx, const Grid& grid, std::vector<KernelSet> kernel_sets,
             MaskModel mask = MaskModel::binary())
      : grid_(grid),
        n_(grid.nx()),
        sets_(checked(grid, std::move(kernel_sets), mask)),
        render_(ctx, n_, mask, sets_) {}

  const Grid& grid() const { return grid_; }
  const std::vector<KernelSet>& kernel_sets() const { return sets_; }
  const MaskModel& mask() const { return render_.mask(); }
  /// Largest kernel radius Rm of the sets: the mask bins [-Rm, Rm]^2 the image depends on.
  index_t max_radius() const { return render_.max_radius(); }
  /// Side n of the small grid of the band-limited path (N when it would not be smaller than N).
  index_t small_size() const { return render_.small_size(); }
  /// Whether the band-limited path really runs on a grid smaller than N.
  bool band_limited() const { return render_.band_limited(); }

  /// Intensities of a batch of B patterns (values in [0, 1], 1 clear; grid()'s shape) under C
  /// conditions: B * C images, member b * C + c for pattern b and condition c.
  Field<T, Space> image(Context<Space>& ctx, const Field<T, Space>& pattern,
                        std::span<const Condition> conditions,
                        ImagingPath path = ImagingPath::band_limited) {
    check_conditions(conditions, "SocsImager::image");  // before an empty batch is allocated
    Field<T, Space> out(grid_, pattern.batch() * index_t(conditions.size()));
    image(ctx, pattern, conditions, out, path);
    return out;
  }

  /// image() into the caller's field `out` (grid()'s shape, batch B * C), so that a loop that
  /// images every iteration (ILT, calibration) allocates nothing.
  void image(Context<Space>& ctx, const Field<T, Space>& pattern,
             std::span<const Condition> conditions, Field<T, Space>& out,
             ImagingPath path = ImagingPath::band_limited) {
    constexpr const char* where = "SocsImager::image";
    check_input(ctx, pattern, "pattern", where);
    check_conditions(conditions, where);
    const index_t count = index_t(conditions.size());
    require_same_shape(grid_, out.grid(), where, "out.grid");
    require<shape_mismatch>(out.batch() == pattern.batch() * count, where, "out.batch()",
                            out.batch(), [&] {
                              return "patterns x conditions = " + std::to_string(pattern.batch()) +
                                     " x " + std::to_string(count);
                            });
    auto bins_block = ctx.scratch().acquire(render_.bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(render_.side_m(), render_.side_m());
    for (index_t b = 0; b < pattern.batch(); ++b) {
      render_.pattern_bins(ctx, pattern.view().member(b), bins);
      render_.render(ctx, bins, conditions, out.view(), b * count, path);
    }
  }

  /// Like image() for B complex mask amplitudes as given (the MaskModel is not applied; the
  /// conditions' amplitude factors still apply).
  Field<T, Space> image_amplitude(Context<Space>& ctx, const Field<complex<T>, Space>& amplitude,
                                  std::span<const Condition> conditions,
                                  ImagingPath path = ImagingPath::band_limited) {
    constexpr const char* where = "SocsImager::image_amplitude";
    check_input(ctx, amplitude, "amplitude", where);
    check_conditions(conditions, where);
    const index_t count = index_t(conditions.size());
    Field<T, Space> out(grid_, amplitude.batch() * count);
    auto bins_block = ctx.scratch().acquire(render_.bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(render_.side_m(), render_.side_m());
    for (index_t b = 0; b < amplitude.batch(); ++b) {
      render_.amplitude_bins(ctx, amplitude.view().member(b), bins);
      render_.render(ctx, bins, conditions, out.view(), b * count, path);
    }
    return out;
  }

  /// Adjoint of image(): given g = dL/dI (B * C members laid out like image()'s result), writes
  /// dL/dpattern summed over the conditions into `grad_pattern` (the pattern's grid and batch,
  /// overwritten) and, when `grad_amplitude` is not empty, dL/damplitude of each condition summed over the
  /// masks (C values, overwritten). The derivation is in detail/aerial_adjoint.hpp.
  void backward(Context<Space>& ctx, const Field<T, Space>& pattern,
                std::span<const Condition> conditions, const Field<T, Space>& grad_intensity,
                Field<T, Space>& grad_pattern, std::span<double> grad_amplitude = {}) {
    backward(ctx, pattern, conditions, grad_intensity, grad_pattern, grad_amplitude,
             ImagingPath::band_limited);
  }

  /// backward() on a chosen path: full_grid is the plain reference of the band-limited adjoint.
  void backward(Context<Space>& ctx, const Field<T, Space>& pattern,
                std::span<const Condition> conditions, const Field<T, Space>& grad_intensity,
                Field<T, Space>& grad_pattern, std::span<double> grad_amplitude, ImagingPath path) {
    constexpr const char* where = "SocsImager::backward";
    check_input(ctx, pattern, "pattern", where);
    check_conditions(conditions, where);
    const index_t masks = pattern.batch(), count = index_t(conditions.size());
    require_same_shape(grid_, grad_intensity.grid(), where, "grad_intensity.grid");
    require<shape_mismatch>(
        grad_intensity.batch() == masks * count, where, "grad_intensity.batch()",
        grad_intensity.batch(),
        [&] { return "patterns x conditions = " + std::to_string(masks * count) + " members"; });
    require_same_shape(grid_, grad_pattern.grid(), where, "grad_pattern.grid");
    require<shape_mismatch>(grad_pattern.batch() == masks, where, "grad_pattern.batch()",
                            grad_pattern.batch(),
                            [&] { return "the pattern's batch, " + std::to_string(masks); });
    require<shape_mismatch>(
        grad_amplitude.empty() || index_t(grad_amplitude.size()) == count, where,
        "grad_amplitude.size()", grad_amplitude.size(),
        [&] { return "0 (no amplitude gradient) or one per condition, " + std::to_string(count); });
    std::fill(grad_amplitude.begin(), grad_amplitude.end(), 0.0);

    const index_t side = render_.side_m();
    auto bins_block = ctx.scratch().acquire(render_.bins_bytes());
    auto total_block = ctx.scratch().acquire(render_.bins_bytes());
    auto part_block = ctx.scratch().acquire(render_.bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(side, side);
    const auto total = total_block.template view<complex<T>>(side, side);
    const auto part = part_block.template view<complex<T>>(side, side);
    auto half_block = ctx.scratch().acquire(render_.half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    const bool small = path == ImagingPath::band_limited && band_limited();

    for (index_t b = 0; b < masks; ++b) {
      render_.pattern_bins(ctx, pattern.view().member(b), bins);
      fill(ctx, total, complex<T>(0, 0));
      const auto gradient_of = [&](index_t c) {
        return grad_intensity.view().member(b * count + c);
      };
      const View<const complex<T>, Space> mask_bins = bins;
      for (std::size_t s = 0; s < render_.set_count(); ++s) {
        if (!render_.uses_focus(conditions, s)) continue;
        if (small)
          detail::adjoint_small(ctx, render_, mask_bins, s, conditions, gradient_of, half, part,
                                total, grad_amplitude);
        else
          detail::adjoint_full(ctx, render_, mask_bins, s, conditions, gradient_of, part, total,
                               grad_amplitude);
      }
      const std::complex<double> beta = mask().clear - mask().dark;
      detail::to_pattern(ctx, render_, View<const complex<T>, Space>(total),
                         2.0 * std::conj(beta) * double(render_.inverse_area()), half,
                         grad_pattern.view().member(b));
    }
  }

  /// The K unit-amplitude coherent fields field_k of one pattern (batch 1) under kernel set `focus`, on
  /// the full grid (K members): the linear map behind the image, for adjoint tests and inspection.
  Field<complex<T>, Space> fields(Context<Space>& ctx, const Field<T, Space>& pattern,
                                  index_t focus = 0) {
    constexpr const char* where = "SocsImager::fields";
    check_input(ctx, pattern, "pattern", where);
    require<shape_mismatch>(pattern.batch() == 1, where, "pattern.batch()", pattern.batch(),
                            "one pattern");
    check_focus(focus, "focus", where);
    const detail::SpaceKernels<T, Space>& set = render_.kernels(std::size_t(focus));
    auto bins_block = ctx.scratch().acquire(render_.bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(render_.side_m(), render_.side_m());
    render_.pattern_bins(ctx, pattern.view(), bins);
    Field<complex<T>, Space> out(grid_, set.count);
    render_.unit_fields(ctx, bins, set, n_, 0, out.view());
    return out;
  }

  /// Adjoint of the linear part of fields() (p -> field_k(p) - field_k(0)) for the real inner
  /// product Re sum conj(y) x: returns sum_k L_k^T y_k = (1/N^2) Re IFFT_N(conj(beta) sum_k
  /// conj(S_k) FFT_N(y_k)) restricted to the kernel bins, for K cotangent fields `cotangent`.
  Field<T, Space> fields_adjoint(Context<Space>& ctx, const Field<complex<T>, Space>& cotangent,
                                 index_t focus = 0) {
    constexpr const char* where = "SocsImager::fields_adjoint";
    check_focus(focus, "focus", where);
    const detail::SpaceKernels<T, Space>& set = render_.kernels(std::size_t(focus));
    require_same_shape(grid_, cotangent.grid(), where, "cotangent.grid");
    require<shape_mismatch>(cotangent.batch() == set.count, where, "cotangent.batch()",
                            cotangent.batch(),
                            [&] { return "one field per kernel, " + std::to_string(set.count); });
    Field<complex<T>, Space> spectra(grid_, set.count);
    fft::forward(ctx, cotangent.view(), spectra.view());
    const index_t side = render_.side_m();
    auto q_block = ctx.scratch().acquire(render_.bins_bytes());
    const auto q_bins = q_block.template view<complex<T>>(side, side);
    for_each(ctx, Range2{side, side},
             detail::GatherAdjointBins<T, Space>{q_bins, spectra.view(), set.spectra.view(),
                                                 set.weights.view(), n_, set.radius, max_radius(),
                                                 0, set.count, T(1), false, false});
    auto half_block = ctx.scratch().acquire(render_.half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    Field<T, Space> out(grid_);
    const std::complex<double> beta = mask().clear - mask().dark;
    detail::to_pattern(ctx, render_, View<const complex<T>, Space>(q_bins),
                       std::conj(beta) * double(render_.inverse_area()), half, out.view());
    return out;
  }

 private:
  static bool same_period(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::fabs(b); }

  /// The kernel sets, once the grid, the sets and the mask model are found fit to image together.
  static std::vector<KernelSet> checked(const Grid& grid, std::vector<KernelSet> sets,
                                        const MaskModel& mask) {
    constexpr const char* where = "SocsImager";
    require(grid.rank() == 2 && grid.nx() == grid.ny(), where, "grid", grid,
            "a square 2D grid (nx == ny): the kernels assume one period on both axes");
    require(!sets.empty(), where, "kernel_sets.size()", sets.size(), "at least one kernel set");
    mask.validate(where);
    const index_t n = grid.nx();
    const double period = double(n) * grid.pitch().x;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      const auto name = [s](const char* member) {
        return "kernel_sets[" + std::to_string(s) + "]." + member;
      };
      sets[s].validate(where);
      if (s > 0)
        require(
            same_period(sets[s].period_nm, sets[0].period_nm), where,
            [&] { return name("period_nm"); }, sets[s].period_nm,
            [&] {
              return "the period of kernel_sets[0] (" + ::fabtwin::describe(sets[0].period_nm) +
                     " nm): the sets of one imager share the field";
            });
      require(
          same_period(sets[s].period_nm, period), where, [&] { return name("period_nm"); },
          sets[s].period_nm,
          [&] {
            return "the grid's field N * pitch = " + std::to_string(n) + " * " +
                   ::fabtwin::describe(grid.pitch().x) + " = " + ::fabtwin::describe(period) +
                   " nm";
          });
      require(
          n > 2 * sets[s].radius, where, [&] { return name("radius"); }, sets[s].radius,
          [&] {
            return "a bin radius R with 2R < N = " + std::to_string(n) +
                   " (grid too small for the kernels)";
          });
    }
    return sets;
  }

  template <class Value>
  void check_input(Context<Space>& ctx, const Field<Value, Space>& input, const char* name,
                   const char* where) const {
    require_same_shape(grid_, input.grid(), where, [&] { return std::string(name) + ".grid"; });
    // One cheap reduction finds the first NaN or infinity, so that it is reported, not imaged.
    const index_t n = input.size();
    const index_t bad =
        transform_reduce(ctx, n, n, reduce_op::Min{},
                         detail::FirstNonFinite<View<const Value, Space>>{input.view(), n});
    if (bad == n) return;
    Value value{};
    ::fabtwin::detail::copy_bytes<Host, Space>(&value, input.data() + bad, sizeof(Value));
    std::complex<double> shown{};
    if constexpr (is_complex_v<Value>)
      shown = {double(value.real()), double(value.imag())};
    else
      shown = double(value);
    const index_t member = grid_.size(), b = bad / member, x = bad % member % n_,
                  y = bad % member / n_;
    throw invalid_argument(argument_message(
        where,
        std::string(name) + " (member " + std::to_string(b) + ", x " + std::to_string(x) + ", y " +
            std::to_string(y) + ")",
        is_complex_v<Value> ? ::fabtwin::describe(shown) : ::fabtwin::describe(shown.real()),
        "finite values"));
  }

  template <message_part Name>
  void check_focus(index_t focus, const Name& name, const char* where) const {
    require(focus >= 0 && focus < index_t(render_.set_count()), where, name, focus, [&] {
      return "the index of one of the imager's " + std::to_string(render_.set_count()) +
             " kernel sets";
    });
  }

  void check_conditions(std::span<const Condition> conditions, const char* where) const {
    require(!conditions.empty(), where, "conditions.size()", 0, "at least one condition");
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      const auto name = [c](const char* member) {
        return "conditions[" + std::to_string(c) + "]." + member;
      };
      require(
          std::isfinite(conditions[c].amplitude) && conditions[c].amplitude >= 0, where,
          [&] { return name("amplitude"); }, conditions[c].amplitude,
          "a finite, non-negative factor on the mask amplitude");
      check_focus(
          conditions[c].focus, [&] { return name("focus"); }, where);
    }
  }

  Grid grid_;
  index_t n_;
  std::vector<KernelSet> sets_;
  detail::AerialRender<T, Space> render_;
};

}  // namespace fabtwin::optics
