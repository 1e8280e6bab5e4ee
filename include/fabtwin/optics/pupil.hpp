#pragma once
// The pupil function P(f) of the scalar imaging model (physics.md §1), f at wafer scale in cycles/nm:
//   P(f) = A(f) exp(i 2 pi [ z (sqrt(n^2/lambda^2 - |f|^2) - n/lambda) + W(rho, theta) ])  for |f| <= NA/lambda,
//   0 outside,
// with z the defocus, n the immersion index, W the Fringe Zernike wavefront in waves at normalised
// pupil radius rho = |f| lambda / NA, and A the radiometric correction. The defocus phase is the
// exact (non-paraxial) one.
//
// Radiometric correction (OpticalSystem::radiometric names the form): a 4x system maps a mask-side
// ray at sin(theta_m) = lambda |f| / R onto a wafer-side ray at sin(theta_w) = lambda |f| / n.
//   two_sided   (default) conserving energy through the unequal solid angles scales the amplitude
//               by ((1 - sin^2 theta_m) / (1 - sin^2 theta_w))^(1/4) (C. A. Mack, Fundamental
//               Principles of Optical Lithography, Wiley 2007, §3.2; Flagello et al., JOSA A 13,
//               53 (1996)): the textbook form.
//   wafer_side  (1 - sin^2 theta_w)^(-1/4): the wafer-side obliquity alone, the two-sided form's
//               limit R -> infinity; it exceeds two_sided by (1 - sin^2 theta_m)^(-1/4), 3.1 %
//               at the edge of an NA 1.35, 4x pupil (sin theta_m = 0.34). Issue 12 reports that
//               an industrial tool's published kernel weights for a documented 193 nm, NA 1.35
//               quasar system follow this form: their first eight weight ratios within 0.5 %,
//               against 2.4 % for two_sided (an observation, not checked here).
//   off         1.
// Both forms are 1 on axis and grow towards the pupil edge at high NA.
// Host code: pupils are sampled once when kernels are generated, never inside device functors.

#include <cmath>
#include <complex>
#include <numbers>

#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/zernike.hpp"

namespace fabtwin::optics {

/// Radiometric amplitude factor of `system.radiometric` at wafer frequency |f| = `f` (cycles/nm),
/// inside the pupil.
inline double radiometric_factor(const OpticalSystem& system, double f) {
  const double sin_mask = system.wavelength_nm * f / system.reduction;
  const double sin_wafer = system.wavelength_nm * f / system.immersion_index;
  switch (system.radiometric) {
    case Radiometric::two_sided:
      return std::pow((1 - sin_mask * sin_mask) / (1 - sin_wafer * sin_wafer), 0.25);
    case Radiometric::wafer_side:
      return std::pow(1 - sin_wafer * sin_wafer, -0.25);
    case Radiometric::off:
      break;
  }
  return 1.0;
}

/// P(fx, fy); zero outside the cut-off. `system` is assumed validated (OpticalSystem::validate).
inline std::complex<double> pupil(const OpticalSystem& system, double fx, double fy) {
  const double f2 = fx * fx + fy * fy;
  const double cutoff = system.cutoff();
  if (f2 > cutoff * cutoff) return 0.0;
  const double f = std::sqrt(f2);
  const double amplitude = radiometric_factor(system, f);
  const double n_over_lambda = system.immersion_index / system.wavelength_nm;
  double waves =
      system.defocus_nm * (std::sqrt(n_over_lambda * n_over_lambda - f2) - n_over_lambda);
  const double rho = f / cutoff;
  waves += wavefront_waves(system.zernike_waves, rho, std::atan2(fy, fx));
  return std::polar(amplitude, 2 * std::numbers::pi * waves);
}

}  // namespace fabtwin::optics
