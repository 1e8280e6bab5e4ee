#pragma once
// The forward SOCS render behind SocsImager (aerial_image.hpp, which states the model and the band
// limit): the imager's kernel sets on its space, the mask bins of a pattern or an amplitude, the
// unit-amplitude fields, and the images of one mask under a list of conditions, on the band-limited
// path (fields and intensity on the small n x n grid, Fourier-interpolated to N x N) or the full
// grid. No argument checks: the imager checks everything before it calls in.
//
// Notation as in aerial_functors.hpp: N the full grid, n the small grid, R a kernel set's bin
// radius, Rm the largest radius of the sets, A the unit-amplitude mask coefficients on [-Rm, Rm]^2.

#include <algorithm>
#include <complex>
#include <cstddef>
#include <span>
#include <vector>

#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/view.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/condition.hpp"
#include "fabtwin/optics/detail/aerial_functors.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/mask.hpp"

namespace fabtwin::optics::detail {

/// Smallest n >= minimum whose only prime factors are 2, 3, 5 and 7 (fast for FFTW and cuFFT).
inline index_t fft_friendly_size(index_t minimum) {
  for (index_t n = minimum > 1 ? minimum : 1;; ++n) {
    index_t rest = n;
    for (index_t factor : {2, 3, 5, 7})
      while (rest % factor == 0) rest /= factor;
    if (rest == 1) return n;
  }
}

/// One kernel set copied to the space once, in T.
template <class T, class Space>
struct SpaceKernels {
  index_t radius, count;
  Field<complex<T>, Space> spectra;  // K members of side x side
  Field<T, Space> weights;           // K values
  std::vector<T> host_weights;

  static SpaceKernels upload(const KernelSet& set) {
    std::vector<complex<T>> spectra(set.spectra.size());
    for (std::size_t i = 0; i < spectra.size(); ++i)
      spectra[i] = complex<T>(T(set.spectra[i].real()), T(set.spectra[i].imag()));
    std::vector<T> weights(set.weights.begin(), set.weights.end());
    return {set.radius, set.count(),
            to<Space>(make_host_field(Grid(set.side(), set.side(), 1.0), spectra, set.count())),
            to<Space>(make_host_field(Grid(set.count(), 1, 1.0), weights)), weights};
  }
};

template <class T>
complex<T> to_complex(std::complex<double> z) {
  return complex<T>(T(z.real()), T(z.imag()));
}

/// The imager's kernel sets on the space and the sizes of both paths, with the forward render.
template <class T, class Space>
class AerialRender {
 public:
  /// For N x N masks and `sets` (checked by the caller: radii below N / 2); plans the small-grid
  /// FFTs in `ctx` when the band-limited path runs on a grid smaller than N.
  AerialRender(Context<Space>& ctx, index_t n, const MaskModel& mask,
               const std::vector<KernelSet>& sets)
      : n_(n), mask_(mask) {
    for (const KernelSet& set : sets) radius_ = std::max(radius_, set.radius);
    small_ = fft_friendly_size(4 * radius_ + 1);
    if (small_ >= n_) small_ = n_;
    for (const KernelSet& set : sets) kernels_.push_back(SpaceKernels<T, Space>::upload(set));
    if (band_limited()) {
      for (const SpaceKernels<T, Space>& set : kernels_)
        fft::plan<T>(ctx, fft::Kind::c2c, fft::Shape{small_, small_, 1, set.count});
      fft::plan<T>(ctx, fft::Kind::r2c, fft::Shape{small_, small_, 1, 1});
    }
  }

  /// Side N of the full grid.
  index_t size() const { return n_; }
  /// Largest kernel radius Rm of the sets.
  index_t max_radius() const { return radius_; }
  /// Side n of the small grid (N when it would not be smaller).
  index_t small_size() const { return small_; }
  bool band_limited() const { return small_ < n_; }
  const MaskModel& mask() const { return mask_; }
  std::size_t set_count() const { return kernels_.size(); }
  const SpaceKernels<T, Space>& kernels(std::size_t s) const { return kernels_[s]; }

  /// Side 2 Rm + 1 of the mask bins A.
  index_t side_m() const { return 2 * radius_ + 1; }
  T inverse_area() const { return T(1.0 / (double(n_) * double(n_))); }
  std::size_t bins_bytes() const { return sizeof(complex<T>) * std::size_t(side_m() * side_m()); }
  static std::size_t half_bytes(index_t n) {
    return sizeof(complex<T>) * std::size_t((n / 2 + 1) * n);
  }

  /// Unit-amplitude mask coefficients A on [-Rm, Rm]^2 of one real pattern: one r2c FFT on N x N.
  void pattern_bins(Context<Space>& ctx, View<const T, Space> pattern,
                    View<complex<T>, Space> bins) const {
    auto half_block = ctx.scratch().acquire(half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    fft::forward(ctx, pattern, half);
    const std::complex<double> alpha = mask_.dark, beta = mask_.clear - mask_.dark;
    for_each(ctx, Range2{side_m(), side_m()},
             GatherPatternBins<T, Space>{half, bins, n_, radius_, to_complex<T>(alpha),
                                         to_complex<T>(beta), inverse_area()});
  }

  /// Coefficients A on [-Rm, Rm]^2 of one complex amplitude as given: one c2c FFT on N x N.
  void amplitude_bins(Context<Space>& ctx, View<const complex<T>, Space> amplitude,
                      View<complex<T>, Space> bins) const {
    auto spectrum_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n_ * n_));
    const auto spectrum = spectrum_block.template view<complex<T>>(n_, n_);
    fft::forward(ctx, amplitude, spectrum);
    for_each(ctx, Range2{side_m(), side_m()},
             GatherAmplitudeBins<T, Space>{spectrum, bins, n_, radius_, inverse_area()});
  }

  /// The unit-amplitude fields of `set` on an m x m grid: all K (batched, k0 = 0, `out` batch K) or
  /// kernel k0 alone (`out` batch 1); unnormalised inverse FFTs of the embedded spectra S_k A.
  void unit_fields(Context<Space>& ctx, View<const complex<T>, Space> bins,
                   const SpaceKernels<T, Space>& set, index_t m, index_t k0,
                   View<complex<T>, Space> out) const {
    for_each(
        ctx, Range3{m, m, out.batch()},
        EmbedFieldSpectra<T, Space>{out, set.spectra.view(), bins, m, set.radius, radius_, k0});
    fft::inverse(ctx, out, out);
  }

  /// Images of one mask (bins A) under every condition into out members first .. first + C - 1.
  void render(Context<Space>& ctx, View<const complex<T>, Space> bins,
              std::span<const Condition> conditions, View<T, Space> out, index_t first,
              ImagingPath path) const {
    if (path == ImagingPath::full_grid || !band_limited()) {
      render_full(ctx, bins, conditions, out, first);
      return;
    }
    const index_t n = small_;
    auto half_block = ctx.scratch().acquire(half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    auto small_half_block = ctx.scratch().acquire(half_bytes(n));
    const auto small_half = small_half_block.template view<complex<T>>(n / 2 + 1, n);
    auto intensity_block = ctx.scratch().acquire(sizeof(T) * std::size_t(n * n));
    const auto intensity = intensity_block.template view<T>(n, n);
    for (std::size_t s = 0; s < kernels_.size(); ++s) {
      if (!uses_focus(conditions, s)) continue;
      const SpaceKernels<T, Space>& set = kernels_[s];
      auto fields_block =
          ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n * n * set.count));
      const auto small_fields = fields_block.template view<complex<T>>(n, n, 1, set.count);
      unit_fields(ctx, bins, set, n, 0, small_fields);
      for_each(
          ctx, Range2{n, n},
          WeightedIntensity<T, Space>{intensity, small_fields, set.weights.view(), n, set.count});
      fft::forward(ctx, View<const T, Space>(intensity), small_half);
      for (std::size_t c = 0; c < conditions.size(); ++c) {
        if (conditions[c].focus != index_t(s)) continue;
        // The small spectrum is n^2 times the intensity's Fourier coefficients; the full-grid c2r
        // sums those coefficients unnormalised. The factor scales the amplitude, so the intensity by s^2.
        const double scale = conditions[c].amplitude;
        for_each(ctx, Range2{n_ / 2 + 1, n_},
                 CopyHalfSpectrumBand<T, Space>{half, small_half, n_, n, 2 * set.radius,
                                                T(scale * scale / (double(n) * double(n)))});
        fft::inverse(ctx, half, out.member(first + index_t(c)));
      }
    }
  }

  /// Whether some condition images with kernel set s.
  static bool uses_focus(std::span<const Condition> conditions, std::size_t s) {
    return std::any_of(conditions.begin(), conditions.end(),
                       [&](const Condition& c) { return c.focus == index_t(s); });
  }

 private:
  /// The reference path: each field on N x N (one inverse FFT per kernel), |field|^2 summed.
  void render_full(Context<Space>& ctx, View<const complex<T>, Space> bins,
                   std::span<const Condition> conditions, View<T, Space> out, index_t first) const {
    auto buffer_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n_ * n_));
    const auto buffer = buffer_block.template view<complex<T>>(n_, n_);
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      const SpaceKernels<T, Space>& set = kernels_[std::size_t(conditions[c].focus)];
      const T scale2 = T(conditions[c].amplitude * conditions[c].amplitude);
      const auto image = out.member(first + index_t(c));
      for (index_t k = 0; k < set.count; ++k) {
        unit_fields(ctx, bins, set, n_, k, buffer);
        for_each(ctx, Range1{n_ * n_},
                 AccumulateNorm<T, Space>{image, buffer, set.host_weights[std::size_t(k)] * scale2,
                                          k > 0});
      }
    }
  }

  index_t n_;
  MaskModel mask_;
  std::vector<SpaceKernels<T, Space>> kernels_;
  index_t radius_ = 0;
  index_t small_ = 0;
};

}  // namespace fabtwin::optics::detail
