#pragma once
// The thin (Kirchhoff) mask of the scalar imaging model (physics.md §1): a real pattern p in [0, 1]
// (1 clear, 0 dark; fractional values for anti-aliased rasters and relaxed ILT masks) becomes the
// transmitted amplitude
//   a(x) = s * (dark + (clear - dark) * p(x)),
// s the condition's amplitude factor (optics::Condition::amplitude: the ICCAD-2013 contest's "dose"),
// so the intensity scales as s^2. Values of p outside [0, 1] are not clamped: the affine map is used as
// it stands.

#include <cmath>
#include <complex>
#include <numbers>

#include "fabtwin/core/check.hpp"

namespace fabtwin::optics {

struct MaskModel {
  std::complex<double> clear = 1;  ///< amplitude transmitted where p = 1
  std::complex<double> dark = 0;   ///< amplitude transmitted where p = 0

  /// Chrome on glass: clear 1, dark 0.
  static MaskModel binary() { return {}; }

  /// Attenuated phase-shift mask: the absorber transmits `intensity_transmission` of the intensity
  /// (0.06 for the usual 6 % MoSi) with a phase of `phase_deg` (180 for the usual one):
  /// dark = sqrt(t) exp(i phase), clear 1.
  static MaskModel attenuated_psm(double intensity_transmission, double phase_deg) {
    require(std::isfinite(intensity_transmission) && intensity_transmission >= 0 &&
                intensity_transmission <= 1,
            "MaskModel::attenuated_psm", "intensity_transmission", intensity_transmission,
            "an intensity transmission in [0, 1] (0.06 for a 6 % att-PSM)");
    require(std::isfinite(phase_deg), "MaskModel::attenuated_psm", "phase_deg", phase_deg,
            "a finite phase in degrees");
    MaskModel model;
    model.dark = std::polar(std::sqrt(intensity_transmission), phase_deg * std::numbers::pi / 180);
    return model;
  }

  /// Amplitude of pattern value `p` at amplitude factor `scale` (host code; the imaging kernels apply the same affine
  /// map in the frequency domain).
  std::complex<double> amplitude(double p, double scale = 1) const {
    return scale * (dark + (clear - dark) * p);
  }

  /// Refuses non-finite amplitudes; `where` names the caller in the message.
  void validate(const char* where = "MaskModel") const {
    require(std::isfinite(clear.real()) && std::isfinite(clear.imag()), where, "mask.clear", clear,
            "a finite complex amplitude");
    require(std::isfinite(dark.real()) && std::isfinite(dark.imag()), where, "mask.dark", dark,
            "a finite complex amplitude");
  }
};

}  // namespace fabtwin::optics
