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

#include <algorithm>
#include <cmath>
#include <complex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/optics/detail/aerial_functors.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/mask.hpp"

namespace fabtwin::optics {

enum class ImagingPath {
  band_limited,  ///< fields and intensity on the smallest exact grid, Fourier-interpolated (default)
  full_grid      ///< every field on the full grid: the plain reference
};

/// A process condition: `amplitude` multiplies the mask amplitude, so the intensity by amplitude^2
/// (what the ICCAD-2013 contest calls its dose: 1.02 at the outer corner); focus selects
/// one of the imager's kernel sets (e.g. 0 nominal focus, 1 defocus).
struct Condition {
  double amplitude = 1;
  index_t focus = 0;
};

namespace detail {

/// Smallest n >= minimum whose only prime factors are 2, 3, 5 and 7 (fast for FFTW and cuFFT).
inline index_t fft_friendly_size(index_t minimum) {
  for (index_t n = minimum > 1 ? minimum : 1;; ++n) {
    index_t rest = n;
    for (index_t factor : {2, 3, 5, 7})
      while (rest % factor == 0) rest /= factor;
    if (rest == 1) return n;
  }
}

}  // namespace detail

template <class T, class Space>
class SocsImager {
  static_assert(Real<T>, "SocsImager<T, Space> takes the real type T (float or double)");

 public:
  /// An imager for masks on `grid` (square: nx == ny = N, pitch p) with the given kernel sets, all
  /// of period N p and radius R < N / 2. Copies the kernels to the space and makes the small-grid
  /// FFT plans in `ctx`.
  SocsImager(Context<Space>& ctx, const Grid& grid, std::vector<KernelSet> kernel_sets,
             MaskModel mask = MaskModel::binary())
      : grid_(grid), n_(grid.nx()), mask_(mask), sets_(std::move(kernel_sets)) {
    constexpr const char* where = "SocsImager";
    using ::fabtwin::detail::require;
    require(grid.rank() == 2 && grid.nx() == grid.ny(), where, "grid", grid,
            "a square 2D grid (nx == ny): the kernels assume one period on both axes");
    require(!sets_.empty(), where, "kernel_sets.size()", sets_.size(), "at least one kernel set");
    mask_.validate(where);
    const double period = double(n_) * grid.pitch().x;
    for (std::size_t s = 0; s < sets_.size(); ++s) {
      const std::string name = "kernel_sets[" + std::to_string(s) + "]";
      sets_[s].validate(where);
      if (s > 0)
        require(same_period(sets_[s].period_nm, sets_[0].period_nm), where, name + ".period_nm",
                sets_[s].period_nm,
                "the period of kernel_sets[0] (" + ::fabtwin::detail::describe(sets_[0].period_nm) +
                    " nm): the sets of one imager share the field");
      require(same_period(sets_[s].period_nm, period), where, name + ".period_nm", sets_[s].period_nm,
              "the grid's field N * pitch = " + std::to_string(n_) + " * " +
                  ::fabtwin::detail::describe(grid.pitch().x) + " = " +
                  ::fabtwin::detail::describe(period) + " nm");
      require(n_ > 2 * sets_[s].radius, where, name + ".radius", sets_[s].radius,
              "a bin radius R with 2R < N = " + std::to_string(n_) + " (grid too small for the kernels)");
      radius_ = std::max(radius_, sets_[s].radius);
    }
    small_ = detail::fft_friendly_size(4 * radius_ + 1);
    if (small_ >= n_) small_ = n_;
    for (const KernelSet& set : sets_) kernels_.push_back(upload(set));
    if (band_limited()) {
      for (const DeviceKernels& set : kernels_)
        fft::plan<T>(ctx, fft::Kind::c2c, fft::Shape{small_, small_, 1, set.count});
      fft::plan<T>(ctx, fft::Kind::r2c, fft::Shape{small_, small_, 1, 1});
    }
  }

  const Grid& grid() const { return grid_; }
  const std::vector<KernelSet>& kernel_sets() const { return sets_; }
  const MaskModel& mask() const { return mask_; }
  /// Largest kernel radius Rm of the sets: the mask bins [-Rm, Rm]^2 the image depends on.
  index_t max_radius() const { return radius_; }
  /// Side n of the small grid of the band-limited path (N when it would not be smaller than N).
  index_t small_size() const { return small_; }
  /// Whether the band-limited path really runs on a grid smaller than N.
  bool band_limited() const { return small_ < n_; }

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
  void image(Context<Space>& ctx, const Field<T, Space>& pattern, std::span<const Condition> conditions,
             Field<T, Space>& out, ImagingPath path = ImagingPath::band_limited) {
    constexpr const char* where = "SocsImager::image";
    check_input(ctx, pattern, "pattern", where);
    check_conditions(conditions, where);
    const index_t count = index_t(conditions.size());
    require_same_shape(grid_, out.grid(), where, "out.grid");
    ::fabtwin::detail::require<shape_mismatch>(out.batch() == pattern.batch() * count, where, "out.batch()",
                                               out.batch(),
                                               "patterns x conditions = " + std::to_string(pattern.batch()) +
                                                   " x " + std::to_string(count));
    auto bins_block = ctx.scratch().acquire(bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(side_m(), side_m());
    for (index_t b = 0; b < pattern.batch(); ++b) {
      pattern_bins(ctx, pattern.view().member(b), bins);
      render(ctx, bins, conditions, out.view(), b * count, path);
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
    auto bins_block = ctx.scratch().acquire(bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(side_m(), side_m());
    auto spectrum_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n_ * n_));
    const auto spectrum = spectrum_block.template view<complex<T>>(n_, n_);
    for (index_t b = 0; b < amplitude.batch(); ++b) {
      fft::forward(ctx, amplitude.view().member(b), spectrum);
      for_each(ctx, Range2{side_m(), side_m()},
               detail::GatherAmplitudeBins<T, Space>{spectrum, bins, n_, radius_, inverse_area()});
      render(ctx, bins, conditions, out.view(), b * count, path);
    }
    return out;
  }

  /// Adjoint of image(): given g = dL/dI (B * C members laid out like image()'s result), writes
  /// dL/dpattern summed over the conditions into `grad_pattern` (the pattern's grid and batch,
  /// overwritten) and, when `grad_amplitude` is not empty, dL/damplitude of each condition summed over the
  /// masks (C values, overwritten).
  void backward(Context<Space>& ctx, const Field<T, Space>& pattern,
                std::span<const Condition> conditions, const Field<T, Space>& grad_intensity,
                Field<T, Space>& grad_pattern, std::span<double> grad_amplitude = {}) {
    backward(ctx, pattern, conditions, grad_intensity, grad_pattern, grad_amplitude,
             ImagingPath::band_limited);
  }

  /// backward() on a chosen path: full_grid is the plain reference of the band-limited adjoint.
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
  // c2r give g_t on the small grid; the K products and their FFTs are small and batched.
  void backward(Context<Space>& ctx, const Field<T, Space>& pattern,
                std::span<const Condition> conditions, const Field<T, Space>& grad_intensity,
                Field<T, Space>& grad_pattern, std::span<double> grad_amplitude, ImagingPath path) {
    constexpr const char* where = "SocsImager::backward";
    using ::fabtwin::detail::require;
    check_input(ctx, pattern, "pattern", where);
    check_conditions(conditions, where);
    const index_t masks = pattern.batch(), count = index_t(conditions.size());
    require_same_shape(grid_, grad_intensity.grid(), where, "grad_intensity.grid");
    require<shape_mismatch>(grad_intensity.batch() == masks * count, where, "grad_intensity.batch()",
                            grad_intensity.batch(),
                            "patterns x conditions = " + std::to_string(masks * count) + " members");
    require_same_shape(grid_, grad_pattern.grid(), where, "grad_pattern.grid");
    require<shape_mismatch>(grad_pattern.batch() == masks, where, "grad_pattern.batch()",
                            grad_pattern.batch(), "the pattern's batch, " + std::to_string(masks));
    require<shape_mismatch>(grad_amplitude.empty() || index_t(grad_amplitude.size()) == count, where,
                            "grad_amplitude.size()", grad_amplitude.size(),
                            "0 (no amplitude gradient) or one per condition, " + std::to_string(count));
    std::fill(grad_amplitude.begin(), grad_amplitude.end(), 0.0);

    auto bins_block = ctx.scratch().acquire(bins_bytes());
    auto total_block = ctx.scratch().acquire(bins_bytes());
    auto part_block = ctx.scratch().acquire(bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(side_m(), side_m());
    const auto total = total_block.template view<complex<T>>(side_m(), side_m());
    const auto part = part_block.template view<complex<T>>(side_m(), side_m());
    auto half_block = ctx.scratch().acquire(half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    const bool small = path == ImagingPath::band_limited && band_limited();

    for (index_t b = 0; b < masks; ++b) {
      pattern_bins(ctx, pattern.view().member(b), bins);
      fill(ctx, total, complex<T>(0, 0));
      const auto gradient_of = [&](index_t c) { return grad_intensity.view().member(b * count + c); };
      for (std::size_t s = 0; s < kernels_.size(); ++s) {
        if (!uses_focus(conditions, s)) continue;
        if (small)
          adjoint_small(ctx, bins, s, conditions, gradient_of, half, part, total, grad_amplitude);
        else
          adjoint_full(ctx, bins, s, conditions, gradient_of, part, total, grad_amplitude);
      }
      const std::complex<double> beta = mask_.clear - mask_.dark;
      to_pattern(ctx, total, 2.0 * std::conj(beta) * double(inverse_area()), half,
                 grad_pattern.view().member(b));
    }
  }

  /// The K unit-amplitude coherent fields field_k of one pattern (batch 1) under kernel set `focus`, on
  /// the full grid (K members): the linear map behind the image, for adjoint tests and inspection.
  Field<complex<T>, Space> fields(Context<Space>& ctx, const Field<T, Space>& pattern, index_t focus = 0) {
    constexpr const char* where = "SocsImager::fields";
    check_input(ctx, pattern, "pattern", where);
    ::fabtwin::detail::require<shape_mismatch>(pattern.batch() == 1, where, "pattern.batch()",
                                               pattern.batch(), "one pattern");
    check_focus(focus, "focus", where);
    const DeviceKernels& set = kernels_[std::size_t(focus)];
    auto bins_block = ctx.scratch().acquire(bins_bytes());
    const auto bins = bins_block.template view<complex<T>>(side_m(), side_m());
    pattern_bins(ctx, pattern.view(), bins);
    Field<complex<T>, Space> out(grid_, set.count);
    for_each(ctx, Range3{n_, n_, set.count},
             detail::EmbedFieldSpectra<T, Space>{out.view(), set.spectra.view(), bins, n_, set.radius,
                                                 radius_, 0});
    fft::inverse(ctx, out.view(), out.view());
    return out;
  }

  /// Adjoint of the linear part of fields() (p -> field_k(p) - field_k(0)) for the real inner
  /// product Re sum conj(y) x: returns sum_k L_k^T y_k = (1/N^2) Re IFFT_N(conj(beta) sum_k
  /// conj(S_k) FFT_N(y_k)) restricted to the kernel bins, for K cotangent fields `cotangent`.
  Field<T, Space> fields_adjoint(Context<Space>& ctx, const Field<complex<T>, Space>& cotangent,
                                 index_t focus = 0) {
    constexpr const char* where = "SocsImager::fields_adjoint";
    check_focus(focus, "focus", where);
    const DeviceKernels& set = kernels_[std::size_t(focus)];
    require_same_shape(grid_, cotangent.grid(), where, "cotangent.grid");
    ::fabtwin::detail::require<shape_mismatch>(cotangent.batch() == set.count, where,
                                               "cotangent.batch()", cotangent.batch(),
                                               "one field per kernel, " + std::to_string(set.count));
    Field<complex<T>, Space> spectra(grid_, set.count);
    fft::forward(ctx, cotangent.view(), spectra.view());
    auto q_block = ctx.scratch().acquire(bins_bytes());
    const auto q_bins = q_block.template view<complex<T>>(side_m(), side_m());
    for_each(ctx, Range2{side_m(), side_m()},
             detail::GatherAdjointBins<T, Space>{q_bins, spectra.view(), set.spectra.view(),
                                                 set.weights.view(), n_, set.radius, radius_, 0,
                                                 set.count, T(1), false, false});
    auto half_block = ctx.scratch().acquire(half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    Field<T, Space> out(grid_);
    const std::complex<double> beta = mask_.clear - mask_.dark;
    to_pattern(ctx, q_bins, std::conj(beta) * double(inverse_area()), half, out.view());
    return out;
  }

 private:
  struct DeviceKernels {
    index_t radius, count;
    Field<complex<T>, Space> spectra;  // K members of side x side
    Field<T, Space> weights;           // K values
    std::vector<T> host_weights;
  };

  static bool same_period(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::fabs(b); }

  static DeviceKernels upload(const KernelSet& set) {
    std::vector<complex<T>> spectra(set.spectra.size());
    for (std::size_t i = 0; i < spectra.size(); ++i)
      spectra[i] = complex<T>(T(set.spectra[i].real()), T(set.spectra[i].imag()));
    std::vector<T> weights(set.weights.begin(), set.weights.end());
    return {set.radius, set.count(),
            to<Space>(make_host_field(Grid(set.side(), set.side(), 1.0), spectra, set.count())),
            to<Space>(make_host_field(Grid(set.count(), 1, 1.0), weights)), weights};
  }

  index_t side_m() const { return 2 * radius_ + 1; }
  T inverse_area() const { return T(1.0 / (double(n_) * double(n_))); }
  std::size_t bins_bytes() const { return sizeof(complex<T>) * std::size_t(side_m() * side_m()); }
  static std::size_t half_bytes(index_t n) { return sizeof(complex<T>) * std::size_t((n / 2 + 1) * n); }

  template <class Value>
  void check_input(Context<Space>& ctx, const Field<Value, Space>& input, const char* name,
                   const char* where) const {
    require_same_shape(grid_, input.grid(), where, std::string(name) + ".grid");
    // One cheap reduction finds the first NaN or infinity, so that it is reported, not imaged.
    const index_t n = input.size();
    const index_t bad = transform_reduce(ctx, n, n, reduce_op::Min{},
                                         detail::FirstNonFinite<View<const Value, Space>>{input.view(), n});
    if (bad == n) return;
    Value value{};
    ::fabtwin::detail::copy_bytes<Host, Space>(&value, input.data() + bad, sizeof(Value));
    std::complex<double> shown{};
    if constexpr (is_complex_v<Value>)
      shown = {double(value.real()), double(value.imag())};
    else
      shown = double(value);
    const index_t member = grid_.size(), b = bad / member, x = bad % member % n_, y = bad % member / n_;
    throw invalid_argument(::fabtwin::detail::argument_message(
        where, std::string(name) + " (member " + std::to_string(b) + ", x " + std::to_string(x) +
                   ", y " + std::to_string(y) + ")",
        is_complex_v<Value> ? ::fabtwin::detail::describe(shown) : ::fabtwin::detail::describe(shown.real()),
        "finite values"));
  }

  void check_focus(index_t focus, const std::string& name, const char* where) const {
    ::fabtwin::detail::require(focus >= 0 && focus < index_t(kernels_.size()), where, name, focus,
                               "the index of one of the imager's " + std::to_string(kernels_.size()) +
                                   " kernel sets");
  }

  void check_conditions(std::span<const Condition> conditions, const char* where) const {
    ::fabtwin::detail::require(!conditions.empty(), where, "conditions.size()", 0, "at least one condition");
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      const std::string name = "conditions[" + std::to_string(c) + "]";
      ::fabtwin::detail::require(std::isfinite(conditions[c].amplitude) && conditions[c].amplitude >= 0, where,
                                 name + ".amplitude", conditions[c].amplitude,
                                 "a finite, non-negative factor on the mask amplitude");
      check_focus(conditions[c].focus, name + ".focus", where);
    }
  }

  static bool uses_focus(std::span<const Condition> conditions, std::size_t s) {
    return std::any_of(conditions.begin(), conditions.end(),
                       [&](const Condition& c) { return c.focus == index_t(s); });
  }

  /// Unit-amplitude mask coefficients A on [-Rm, Rm]^2 of one real pattern: one r2c FFT on N x N.
  void pattern_bins(Context<Space>& ctx, View<const T, Space> pattern, View<complex<T>, Space> bins) {
    auto half_block = ctx.scratch().acquire(half_bytes(n_));
    const auto half = half_block.template view<complex<T>>(n_ / 2 + 1, n_);
    fft::forward(ctx, pattern, half);
    const std::complex<double> alpha = mask_.dark, beta = mask_.clear - mask_.dark;
    for_each(ctx, Range2{side_m(), side_m()},
             detail::GatherPatternBins<T, Space>{half, bins, n_, radius_, to_complex(alpha),
                                                 to_complex(beta), inverse_area()});
  }

  static complex<T> to_complex(std::complex<double> z) { return complex<T>(T(z.real()), T(z.imag())); }

  /// Images of one mask (bins A) under every condition into out members first .. first + C - 1.
  void render(Context<Space>& ctx, View<const complex<T>, Space> bins,
              std::span<const Condition> conditions, View<T, Space> out, index_t first, ImagingPath path) {
    if (path == ImagingPath::full_grid || !band_limited()) {
      auto buffer_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n_ * n_));
      const auto buffer = buffer_block.template view<complex<T>>(n_, n_);
      for (std::size_t c = 0; c < conditions.size(); ++c) {
        const DeviceKernels& set = kernels_[std::size_t(conditions[c].focus)];
        const T scale2 = T(conditions[c].amplitude * conditions[c].amplitude);
        const auto image = out.member(first + index_t(c));
        for (index_t k = 0; k < set.count; ++k) {
          unit_fields(ctx, bins, set, n_, k, buffer);
          for_each(ctx, Range1{n_ * n_},
                   detail::AccumulateNorm<T, Space>{image, buffer, set.host_weights[std::size_t(k)] * scale2,
                                                    k > 0});
        }
      }
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
      const DeviceKernels& set = kernels_[s];
      auto fields_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n * n * set.count));
      const auto small_fields = fields_block.template view<complex<T>>(n, n, 1, set.count);
      unit_fields(ctx, bins, set, n, 0, small_fields);
      for_each(ctx, Range2{n, n},
               detail::WeightedIntensity<T, Space>{intensity, small_fields, set.weights.view(), n, set.count});
      fft::forward(ctx, View<const T, Space>(intensity), small_half);
      for (std::size_t c = 0; c < conditions.size(); ++c) {
        if (conditions[c].focus != index_t(s)) continue;
        // The small spectrum is n^2 times the intensity's Fourier coefficients; the full-grid c2r
        // sums those coefficients unnormalised. The factor scales the amplitude, so the intensity by s^2.
        const double scale = conditions[c].amplitude;
        for_each(ctx, Range2{n_ / 2 + 1, n_},
                 detail::CopyHalfSpectrumBand<T, Space>{half, small_half, n_, n, 2 * set.radius,
                                                        T(scale * scale / (double(n) * double(n)))});
        fft::inverse(ctx, half, out.member(first + index_t(c)));
      }
    }
  }

  /// The unit-amplitude fields of `set` on an m x m grid: all K (batched, k0 = 0, `out` batch K) or kernel
  /// k0 alone (`out` batch 1); unnormalised inverse FFTs of the embedded spectra S_k A.
  void unit_fields(Context<Space>& ctx, View<const complex<T>, Space> bins, const DeviceKernels& set,
                   index_t m, index_t k0, View<complex<T>, Space> out) {
    for_each(ctx, Range3{m, m, out.batch()},
             detail::EmbedFieldSpectra<T, Space>{out, set.spectra.view(), bins, m, set.radius, radius_, k0});
    fft::inverse(ctx, out, out);
  }

  /// Folds one condition's Q1 (in `part`) into the total and its amplitude gradient.
  void finish_condition(Context<Space>& ctx, View<const complex<T>, Space> bins,
                        View<const complex<T>, Space> part, View<complex<T>, Space> total,
                        std::span<double> grad_amplitude, std::size_t c, double scale) {
    for_each(ctx, Range1{part.size()}, detail::AddScaled<T, Space>{total, part, T(scale * scale)});
    if (grad_amplitude.empty()) return;
    grad_amplitude[c] += 2 * scale *
                    transform_reduce(ctx, part.size(), 0.0, reduce_op::Plus{},
                                     detail::RealProduct<T, Space>{bins, part});
  }

  /// Band-limited adjoint of the conditions of focus set s (see backward()).
  template <class GradientOf>
  void adjoint_small(Context<Space>& ctx, View<const complex<T>, Space> bins, std::size_t s,
                     std::span<const Condition> conditions, const GradientOf& gradient_of,
                     View<complex<T>, Space> half, View<complex<T>, Space> part,
                     View<complex<T>, Space> total, std::span<double> grad_amplitude) {
    const index_t n = small_;
    const DeviceKernels& set = kernels_[s];
    const std::size_t small_bytes = sizeof(complex<T>) * std::size_t(n * n * set.count);
    auto fields_block = ctx.scratch().acquire(small_bytes);
    auto products_block = ctx.scratch().acquire(small_bytes);
    const auto small_fields = fields_block.template view<complex<T>>(n, n, 1, set.count);
    const auto products = products_block.template view<complex<T>>(n, n, 1, set.count);
    auto small_half_block = ctx.scratch().acquire(half_bytes(n));
    const auto small_half = small_half_block.template view<complex<T>>(n / 2 + 1, n);
    auto gradient_block = ctx.scratch().acquire(sizeof(T) * std::size_t(n * n));
    const auto small_gradient = gradient_block.template view<T>(n, n);
    unit_fields(ctx, bins, set, n, 0, small_fields);
    const T to_full = T(double(n_) * double(n_) / (double(n) * double(n)));
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      if (conditions[c].focus != index_t(s)) continue;
      // g truncated to its +-2R bins, sampled on the small grid: G = FFT_N(g) / N^2 summed there.
      fft::forward(ctx, gradient_of(index_t(c)), half);
      for_each(ctx, Range2{n / 2 + 1, n},
               detail::CopyHalfSpectrumBand<T, Space>{small_half, half, n, n_, 2 * set.radius, inverse_area()});
      fft::inverse(ctx, small_half, small_gradient);
      for_each(ctx, Range3{n, n, set.count},
               detail::MultiplyByGradient<T, Space>{products, small_fields, small_gradient, n});
      fft::forward(ctx, products, products);
      for_each(ctx, Range2{side_m(), side_m()},
               detail::GatherAdjointBins<T, Space>{part, products, set.spectra.view(), set.weights.view(),
                                                   n, set.radius, radius_, 0, set.count, to_full, true,
                                                   false});
      finish_condition(ctx, bins, part, total, grad_amplitude, c, conditions[c].amplitude);
    }
  }

  /// Full-grid adjoint of the conditions of focus set s: every product g field_k on N x N.
  template <class GradientOf>
  void adjoint_full(Context<Space>& ctx, View<const complex<T>, Space> bins, std::size_t s,
                    std::span<const Condition> conditions, const GradientOf& gradient_of,
                    View<complex<T>, Space> part, View<complex<T>, Space> total,
                    std::span<double> grad_amplitude) {
    const DeviceKernels& set = kernels_[s];
    auto buffer_block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t(n_ * n_));
    const auto buffer = buffer_block.template view<complex<T>>(n_, n_);
    for (std::size_t c = 0; c < conditions.size(); ++c) {
      if (conditions[c].focus != index_t(s)) continue;
      for (index_t k = 0; k < set.count; ++k) {
        unit_fields(ctx, bins, set, n_, k, buffer);
        for_each(ctx, Range3{n_, n_, 1},
                 detail::MultiplyByGradient<T, Space>{buffer, buffer, gradient_of(index_t(c)), n_});
        fft::forward(ctx, buffer, buffer);
        for_each(ctx, Range2{side_m(), side_m()},
                 detail::GatherAdjointBins<T, Space>{part, buffer, set.spectra.view(), set.weights.view(),
                                                     n_, set.radius, radius_, k, 1, T(1), true, k > 0});
      }
      finish_condition(ctx, bins, part, total, grad_amplitude, c, conditions[c].amplitude);
    }
  }

  /// out = Re IFFT_N(factor * Q) for Q on [-Rm, Rm]^2: Hermitian part, then one c2r.
  void to_pattern(Context<Space>& ctx, View<const complex<T>, Space> q_bins, std::complex<double> factor,
                  View<complex<T>, Space> half, View<T, Space> out) {
    for_each(ctx, Range2{n_ / 2 + 1, n_},
             detail::HermitianPart<T, Space>{half, q_bins, n_, radius_, to_complex(factor)});
    fft::inverse(ctx, half, out);
  }

  Grid grid_;
  index_t n_;
  MaskModel mask_;
  std::vector<KernelSet> sets_;
  std::vector<DeviceKernels> kernels_;
  index_t radius_ = 0;
  index_t small_ = 0;
};

}  // namespace fabtwin::optics
