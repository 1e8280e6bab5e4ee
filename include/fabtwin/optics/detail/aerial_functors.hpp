#pragma once
// The per-bin and per-pixel functors of the SOCS aerial image and its adjoint (aerial_image.hpp),
// one source for the Host and Cuda spaces. Spectra follow the fabtwin FFT convention: bin u of an
// n-point axis is the signed frequency u for 2u < n, u - n otherwise; a half spectrum (r2c) of an
// n x n real field holds the x bins u in [0, n/2] and every y bin, x fastest.
//
// Notation: N the full grid, n the small grid, R a kernel set's bin radius, Rm the largest radius of
// the imager's sets (the mask bins kept), A(p, q) the mask's Fourier coefficients at unit dose on
// [-Rm, Rm]^2 (side_m = 2 Rm + 1, bin (p, q) at (p + Rm) + side_m (q + Rm)), S_k(p, q) kernel k's
// spectrum on [-R, R]^2 stored like KernelSet::spectra.

#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin::optics::detail {

/// Signed frequency of bin u of an n-point axis.
FABTWIN_HD inline index_t signed_bin(index_t u, index_t n) { return 2 * u < n ? u : u - n; }
/// Bin of the signed frequency p (|p| < n) on an n-point axis.
FABTWIN_HD inline index_t wrap_bin(index_t p, index_t n) { return p >= 0 ? p : p + n; }
FABTWIN_HD inline index_t magnitude(index_t p) { return p < 0 ? -p : p; }

/// Index of the first sample that is NaN or infinite (`n` when all are finite), to be reduced with
/// reduce_op::Min. x - x is exactly 0 for finite x and NaN otherwise.
template <class V>
struct FirstNonFinite {
  V values;
  index_t n;
  FABTWIN_HD index_t operator()(index_t i) const {
    const auto v = values[i];
    if constexpr (is_complex_v<typename V::value_type>) {
      const auto re = v.real(), im = v.imag();
      return (re - re == 0 && im - im == 0) ? n : i;
    } else {
      return v - v == 0 ? n : i;
    }
  }
};

/// Unit-dose mask coefficients of the amplitude dark + (clear - dark) p(x) (mask.hpp), from the r2c
/// half spectrum H of the real pattern p:  A(p, q) = beta H(p, q) / N^2 + alpha delta(p, q), where
/// beta = clear - dark, alpha = dark, and H(p, q) = conj(H(-p, -q)) for the bins the half spectrum
/// leaves out (p real). Run over (side_m, side_m).
template <class T, class Space>
struct GatherPatternBins {
  View<const complex<T>, Space> half;  // (N/2 + 1) x N
  View<complex<T>, Space> bins;        // side_m x side_m
  index_t n, radius;
  complex<T> alpha, beta;
  T scale;  // 1 / N^2
  FABTWIN_HD void operator()(index_t i, index_t j) const {
    const index_t p = i - radius, q = j - radius;
    const index_t h = n / 2 + 1;
    const complex<T> v =
        p >= 0 ? half[p + h * wrap_bin(q, n)] : cuda::std::conj(half[-p + h * wrap_bin(-q, n)]);
    complex<T> a = beta * v * scale;
    if (p == 0 && q == 0) a += alpha;
    bins[i + (2 * radius + 1) * j] = a;
  }
};

/// Mask coefficients A(p, q) = C(p, q) / N^2 from the full c2c spectrum C of a complex amplitude.
template <class T, class Space>
struct GatherAmplitudeBins {
  View<const complex<T>, Space> spectrum;  // N x N
  View<complex<T>, Space> bins;            // side_m x side_m
  index_t n, radius;
  T scale;  // 1 / N^2
  FABTWIN_HD void operator()(index_t i, index_t j) const {
    const index_t p = i - radius, q = j - radius;
    bins[i + (2 * radius + 1) * j] = spectrum[wrap_bin(p, n) + n * wrap_bin(q, n)] * scale;
  }
};

/// Spectra of the unit-dose coherent fields on an m x m grid (m the small or the full grid):
/// out(u, v, z) = S_{k0+z}(p, q) A(p, q) for |p|, |q| <= R (p, q the signed bins of u, v), else 0.
/// An unnormalised inverse FFT of each member then gives field_k on that grid. Run over (m, m, K).
template <class T, class Space>
struct EmbedFieldSpectra {
  View<complex<T>, Space> out;            // m x m, batch K (or 1 with k0 selecting the kernel)
  View<const complex<T>, Space> spectra;  // the set's kernels, side^2 per kernel
  View<const complex<T>, Space> bins;     // A, side_m x side_m
  index_t m, radius, mask_radius, k0;
  FABTWIN_HD void operator()(index_t u, index_t v, index_t z) const {
    const index_t p = signed_bin(u, m), q = signed_bin(v, m);
    complex<T> value(0, 0);
    if (magnitude(p) <= radius && magnitude(q) <= radius) {
      const index_t side = 2 * radius + 1, side_m = 2 * mask_radius + 1;
      value = spectra[(k0 + z) * side * side + (q + radius) * side + (p + radius)] *
              bins[(p + mask_radius) + side_m * (q + mask_radius)];
    }
    out[u + m * (v + m * z)] = value;
  }
};

/// I(x) = sum_k w_k |field_k(x)|^2 over the K small-grid fields. Run over (n, n).
template <class T, class Space>
struct WeightedIntensity {
  View<T, Space> intensity;              // n x n
  View<const complex<T>, Space> fields;  // n x n, batch K
  View<const T, Space> weights;          // K
  index_t n, count;
  FABTWIN_HD void operator()(index_t x, index_t y) const {
    const index_t pixel = x + n * y, stride = n * n;
    T sum = 0;
    for (index_t k = 0; k < count; ++k)
      sum += weights[k] * cuda::std::norm(fields[pixel + k * stride]);
    intensity[pixel] = sum;
  }
};

/// out[i] (+)= weight |field[i]|^2: one kernel's term of the full-grid intensity.
template <class T, class Space>
struct AccumulateNorm {
  View<T, Space> out;
  View<const complex<T>, Space> field;
  T weight;
  bool accumulate;
  FABTWIN_HD void operator()(index_t i) const {
    const T term = weight * cuda::std::norm(field[i]);
    out[i] = accumulate ? out[i] + term : term;
  }
};

/// Copies the bins |p|, |q| <= band of a half spectrum of an n_in-point square field into the half
/// spectrum of an n_out-point one, times `scale`, and zeroes every other bin. With band < n_in / 2
/// and band < n_out / 2 no bin is a Nyquist bin, so this is exact Fourier interpolation (n_out > n_in)
/// or exact truncation (n_out < n_in) of a field whose content lies within the band. Run over
/// (n_out/2 + 1, n_out).
template <class T, class Space>
struct CopyHalfSpectrumBand {
  View<complex<T>, Space> out;       // (n_out/2 + 1) x n_out
  View<const complex<T>, Space> in;  // (n_in/2 + 1) x n_in
  index_t n_out, n_in, band;
  T scale;
  FABTWIN_HD void operator()(index_t u, index_t v) const {
    const index_t q = signed_bin(v, n_out);
    complex<T> value(0, 0);
    if (u <= band && magnitude(q) <= band)
      value = in[u + (n_in / 2 + 1) * wrap_bin(q, n_in)] * scale;
    out[u + (n_out / 2 + 1) * v] = value;
  }
};

/// out(x, y, k) = g(x, y) field_k(x, y): the products whose spectra the adjoint needs. Run over
/// (m, m, K).
template <class T, class Space>
struct MultiplyByGradient {
  View<complex<T>, Space> out;           // m x m, batch K
  View<const complex<T>, Space> fields;  // m x m, batch K
  View<const T, Space> gradient;         // m x m
  index_t m;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t k) const {
    const index_t pixel = x + m * y;
    out[pixel + m * m * k] = fields[pixel + m * m * k] * gradient[pixel];
  }
};

/// The adjoint's gather back to the mask bins:
///   Q(p, q) (+)= scale sum_{k in [k0, k0 + K)} c_k conj(S_k(p, q)) X_{k - k0}(p, q)
/// for |p|, |q| <= R, 0 elsewhere on [-Rm, Rm]^2, with X the spectra of an m x m grid, batch K,
/// and c_k = w_k (weighted) or 1. Run over (side_m, side_m).
template <class T, class Space>
struct GatherAdjointBins {
  View<complex<T>, Space> q_bins;           // side_m x side_m
  View<const complex<T>, Space> spectra_x;  // m x m, batch K
  View<const complex<T>, Space> spectra;    // the set's kernels
  View<const T, Space> weights;             // the set's weights
  index_t m, radius, mask_radius, k0, count;
  T scale;
  bool weighted, accumulate;
  FABTWIN_HD void operator()(index_t i, index_t j) const {
    const index_t p = i - mask_radius, q = j - mask_radius;
    complex<T> sum(0, 0);
    if (magnitude(p) <= radius && magnitude(q) <= radius) {
      const index_t side = 2 * radius + 1;
      const index_t bin = wrap_bin(p, m) + m * wrap_bin(q, m);
      for (index_t z = 0; z < count; ++z) {
        const index_t k = k0 + z;
        const complex<T> term =
            cuda::std::conj(spectra[k * side * side + (q + radius) * side + (p + radius)]) *
            spectra_x[bin + m * m * z];
        sum += weighted ? term * weights[k] : term;
      }
      sum *= scale;
    }
    const index_t at = i + (2 * mask_radius + 1) * j;
    q_bins[at] = accumulate ? q_bins[at] + sum : sum;
  }
};

/// total[i] += factor * part[i].
template <class T, class Space>
struct AddScaled {
  View<complex<T>, Space> total;
  View<const complex<T>, Space> part;
  T factor;
  FABTWIN_HD void operator()(index_t i) const { total[i] += part[i] * factor; }
};

/// Re(A[i] conj(Q[i])) in double, summed for dL/ddose.
template <class T, class Space>
struct RealProduct {
  View<const complex<T>, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const {
    return double(a[i].real()) * double(b[i].real()) + double(a[i].imag()) * double(b[i].imag());
  }
};

/// Half spectrum of Re[ sum over [-Rm, Rm]^2 of Z(p, q) exp(2 pi i (p x + q y) / N) ] with
/// Z = factor * Q: the Hermitian part H(p, q) = (Z(p, q) + conj(Z(-p, -q))) / 2, which a c2r
/// transform turns into exactly that real part (N > 2 Rm keeps every bin off the Nyquist bins).
/// Run over (N/2 + 1, N).
template <class T, class Space>
struct HermitianPart {
  View<complex<T>, Space> half;          // (N/2 + 1) x N
  View<const complex<T>, Space> q_bins;  // side_m x side_m
  index_t n, radius;
  complex<T> factor;
  FABTWIN_HD void operator()(index_t u, index_t v) const {
    const index_t p = u, q = signed_bin(v, n);
    complex<T> value(0, 0);
    if (p <= radius && magnitude(q) <= radius) {
      const index_t side = 2 * radius + 1;
      const complex<T> plus = factor * q_bins[(p + radius) + side * (q + radius)];
      const complex<T> minus = factor * q_bins[(-p + radius) + side * (-q + radius)];
      value = (plus + cuda::std::conj(minus)) * T(0.5);
    }
    half[u + (n / 2 + 1) * v] = value;
  }
};

}  // namespace fabtwin::optics::detail
