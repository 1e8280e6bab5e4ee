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

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::optics {

struct KernelSet {
  index_t radius = 0;      ///< R: bins p, q in [-R, R]
  double period_nm = 0;    ///< L: side of the periodic field the kernels were made for (= n * pitch)
  std::vector<double> weights;                ///< w_k, K of them, largest first
  std::vector<std::complex<double>> spectra;  ///< K blocks of (2R+1)^2, [k][j][i]
  /// Share of the TCC's trace that the K kept kernels hold (sum of kept / sum of all eigenvalues);
  /// 1 when unknown (kernels read from a file).
  double energy = 1;

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

  /// Refuses an inconsistent set; `where` names the caller in the message.
  void validate(const char* where = "KernelSet") const {
    using ::fabtwin::detail::require;
    require(radius >= 0, where, "kernels.radius", radius, "a non-negative bin radius");
    require(std::isfinite(period_nm) && period_nm > 0, where, "kernels.period_nm", period_nm,
            "a positive field period in nm");
    require(!weights.empty(), where, "kernels.count()", weights.size(), "at least one kernel");
    require(spectra.size() == weights.size() * std::size_t(bins()), where, "kernels.spectra.size()",
            spectra.size(),
            std::to_string(weights.size()) + " kernels x " + std::to_string(bins()) + " bins");
    for (std::size_t k = 0; k < weights.size(); ++k)
      require(std::isfinite(weights[k]), where, "kernels.weights[" + std::to_string(k) + "]", weights[k],
              "a finite weight");
    for (std::size_t i = 0; i < spectra.size(); ++i)
      require(std::isfinite(spectra[i].real()) && std::isfinite(spectra[i].imag()), where,
              "kernels.spectra[" + std::to_string(i) + "]", spectra[i], "a finite complex value");
  }
};

}  // namespace fabtwin::optics
