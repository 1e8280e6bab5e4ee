#pragma once
// A set of SOCS kernels (physics.md §1): I(x) = sum_k w_k |(h_k * m)(x)|^2, stored in the frequency
// domain on the (2R+1) x (2R+1) bins that can pass the optics, for a periodic field of side L nm.
//
// Convention (the ICCAD-2013 one, so its kernels load without rescaling): with the mask's Fourier
// coefficients M(f) = FFT(m)(f) / (nx ny) on the field's frequency bins f = (p / L, q / L),
//   field_k(x) = sum over bins of  spectrum_k(p, q) M(p / L, q / L) exp(2 pi i f . x)
// where bin (i, j) of the stored (2R+1)^2 array holds (p, q) = (i - R, j - R): the zero frequency
// sits at the centre (R, R). Row-major with x fastest, like every fabtwin field.
// Kernels generated from the optics are the unit-norm TCC eigenvectors and the weights their
// eigenvalues, so a clear mask images to TCC(0, 0) (1 for an unaberrated pupil without radiometric
// gain); kernels read from files keep the file's own scaling.

#include <cmath>
#include <complex>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"

namespace fabtwin::optics {

/// Largest clear-field bound B = sum_k w_k P_k, P_k = sum_bins |S_k|^2, a KernelSet may have, and
/// largest power P_k of one kernel. For every mask whose amplitude has mean |a|^2 <= 1, the clear
/// mask included, |field_k(x)|^2 <= P_k sum |A|^2 (Cauchy-Schwarz over the bins) with sum |A|^2 =
/// mean |a|^2 (Parseval, A = FFT(a) / N^2), so each field's |field_k|^2 stays below P_k and the
/// intensity below B. Fields and images are also computed in float (FLT_MAX ~ 3.4e38 ~ 2^128); 2^64
/// leaves 2^64 of headroom for what multiplies them further: dose^2, the n^2 of the unnormalised
/// small-grid FFT of the intensity (2^30 for n = 32768) and adjoint cotangents. Real sets are far
/// below it: generated sets have unit-norm kernels and image a clear mask to TCC(0, 0) ~ 1, the
/// ICCAD-2013 sets (unit-norm kernels) have B ~ 210.
inline constexpr double max_kernel_intensity_bound = 18446744073709551616.0;  // 2^64

struct KernelSet {
  index_t radius = 0;    ///< R: bins p, q in [-R, R]
  double period_nm = 0;  ///< L: side of the periodic field the kernels were made for (= n * pitch)
  std::vector<double> weights;                ///< w_k, K of them, largest first
  std::vector<std::complex<double>> spectra;  ///< K blocks of (2R+1)^2, [k][j][i]
  /// Share of the TCC's trace that the K kept kernels hold (sum of kept / sum of all eigenvalues);
  /// 1 when unknown (kernels read from a file).
  double energy = 1;
  /// Radius in nm beyond which the kernels are zero in space (ambit.hpp), so that a point's image
  /// depends on the mask within it only; 0 for band-limited periodic kernels, whose range is
  /// unbounded.
  double support_nm = 0;

  index_t count() const { return index_t(weights.size()); }
  index_t side() const { return 2 * radius + 1; }
  index_t bins() const { return side() * side(); }

  /// Spectrum of kernel k at bin offsets (p, q) in [-R, R].
  std::complex<double>& at(index_t k, index_t p, index_t q) {
    return spectra[std::size_t(k * bins() + (q + radius) * side() + (p + radius))];
  }
  const std::complex<double>& at(index_t k, index_t p, index_t q) const {
    return spectra[std::size_t(k * bins() + (q + radius) * side() + (p + radius))];
  }

  /// Refuses an inconsistent set; `where` names the caller in the message. Each weight is an
  /// eigenvalue of a positive semidefinite TCC, so it must be finite and >= 0, and some kernel
  /// must carry light (a positive weight on a non-zero spectrum: otherwise every image is 0); the
  /// clear-field bound and each kernel's power must stay below max_kernel_intensity_bound (float
  /// fields and images would overflow).
  void validate(const char* where = "KernelSet") const {
    require(radius >= 0, where, "kernels.radius", radius, "a non-negative bin radius");
    require(std::isfinite(period_nm) && period_nm > 0, where, "kernels.period_nm", period_nm,
            "a positive field period in nm");
    require(std::isfinite(support_nm) && support_nm >= 0, where, "kernels.support_nm", support_nm,
            "0 (unbounded) or a finite range in nm");
    require(!weights.empty(), where, "kernels.count()", weights.size(), "at least one kernel");
    require(spectra.size() == weights.size() * std::size_t(bins()), where, "kernels.spectra.size()",
            spectra.size(), [&] {
              return std::to_string(weights.size()) + " kernels x " + std::to_string(bins()) +
                     " bins";
            });
    for (std::size_t k = 0; k < weights.size(); ++k)
      require(
          std::isfinite(weights[k]) && weights[k] >= 0, where,
          [&] { return "kernels.weights[" + std::to_string(k) + "]"; }, weights[k],
          "a finite, non-negative weight (an eigenvalue of the positive semidefinite TCC)");
    for (std::size_t i = 0; i < spectra.size(); ++i)
      require(
          std::isfinite(spectra[i].real()) && std::isfinite(spectra[i].imag()), where,
          [&] { return "kernels.spectra[" + std::to_string(i) + "]"; }, spectra[i],
          "a finite complex value");
    double bound = 0, largest = 0;
    std::size_t dominant = 0;
    for (std::size_t k = 0; k < weights.size(); ++k) {
      double power = 0;  // sum_bins |S_k|^2
      for (index_t b = 0; b < bins(); ++b)
        power += std::norm(spectra[k * std::size_t(bins()) + std::size_t(b)]);
      require(
          power <= max_kernel_intensity_bound, where,
          [&] { return "sum |kernels spectrum " + std::to_string(k) + "|^2"; }, power,
          "at most 2^64 (see max_kernel_intensity_bound)");
      const double term = weights[k] * power;
      bound += term;
      if (term > largest) largest = term, dominant = k;
    }
    require(
        bound > 0, where, "kernels.weights",
        [&] {
          return "all zero, or on zero spectra (" + std::to_string(weights.size()) + " kernels)";
        },
        "some kernel with a positive weight and a non-zero spectrum (otherwise every image is 0)");
    require(
        bound <= max_kernel_intensity_bound, where,
        [&] { return "kernels.weights[" + std::to_string(dominant) + "]"; }, weights[dominant],
        [&] {
          return "weights for which the clear-field bound sum_k w_k sum|S_k|^2 stays at most 2^64 "
                 "(float images overflow near 3.4e38); it is " +
                 ::fabtwin::describe(bound) + ", of which kernel " + std::to_string(dominant) +
                 " gives " + ::fabtwin::describe(largest);
        });
  }
};

}  // namespace fabtwin::optics
