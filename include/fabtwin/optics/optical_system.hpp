#pragma once
// The projection optics of a scanner, as the scalar imaging model sees them (physics.md §1).
// Every frequency in fabtwin's optics is at wafer scale, in cycles per nm: the mask is described at
// wafer dimensions, and the reduction ratio only enters the radiometric correction of the pupil.

#include <array>
#include <cmath>
#include <string>

#include "fabtwin/core/check.hpp"

namespace fabtwin::optics {

/// Number of Zernike terms carried (the industry's 37-term Fringe set, see zernike.hpp).
inline constexpr int zernike_terms = 37;

/// How the pupil amplitude depends on the ray angle: the radiometric (obliquity) factor of
/// pupil.hpp, with sin(theta_mask) = lambda |f| / R and sin(theta_wafer) = lambda |f| / n.
enum class Radiometric {
  two_sided,  ///< ((1 - sin^2 theta_mask) / (1 - sin^2 theta_wafer))^(1/4): the textbook form (default)
  wafer_side,  ///< (1 - sin^2 theta_wafer)^(-1/4): the wafer side only (the R -> infinity limit)
  off          ///< 1: no radiometric factor
};

/// The form's name on command lines and in JSON: "two-sided", "wafer-side", "off".
inline const char* describe(Radiometric form) {
  switch (form) {
    case Radiometric::two_sided:
      return "two-sided";
    case Radiometric::wafer_side:
      return "wafer-side";
    case Radiometric::off:
      return "off";
  }
  return "an unknown form";
}

struct OpticalSystem {
  double wavelength_nm = 193.0;
  double na = 1.35;
  /// Refractive index of the medium between the last lens and the resist (1.43664: water at 193 nm).
  double immersion_index = 1.43664;
  /// Mask-to-wafer reduction (4 for current scanners; > 1); only the two-sided radiometric factor uses it.
  double reduction = 4.0;
  /// Wafer defocus in nm (positive: wafer moved away from the lens).
  double defocus_nm = 0.0;
  /// Fringe Zernike coefficients in waves; zernike_waves[j - 1] multiplies Z_j (zernike.hpp).
  std::array<double, zernike_terms> zernike_waves{};
  /// Radiometric (obliquity) factor of the pupil amplitude; see pupil.hpp.
  Radiometric radiometric = Radiometric::two_sided;

  /// Pupil cut-off |f| <= NA / wavelength, cycles per nm.
  double cutoff() const { return na / wavelength_nm; }

  /// Refuses a system that is not physical; `where` names the caller in the message.
  void validate(const char* where = "OpticalSystem") const {
    require(std::isfinite(wavelength_nm) && wavelength_nm > 0, where, "wavelength_nm",
            wavelength_nm, "a positive, finite wavelength in nm");
    require(std::isfinite(immersion_index) && immersion_index >= 1, where, "immersion_index",
            immersion_index, "a refractive index >= 1 (1 for dry, 1.43664 for water at 193 nm)");
    // sin(theta) = NA / n must stay below 1: a ray at NA >= n cannot propagate in the medium.
    require(std::isfinite(na) && na > 0 && na < immersion_index, where, "na", na, [&] {
      return "0 < NA < immersion_index (" + ::fabtwin::describe(immersion_index) + ")";
    });
    require(std::isfinite(reduction) && reduction > 1, where, "reduction", reduction,
            "a reduction ratio > 1 (4 for a 4x scanner)");
    require(std::isfinite(defocus_nm), where, "defocus_nm", defocus_nm, "a finite defocus in nm");
    require(radiometric == Radiometric::two_sided || radiometric == Radiometric::wafer_side ||
                radiometric == Radiometric::off,
            where, "radiometric", int(radiometric),
            "Radiometric::two_sided, ::wafer_side or ::off");
    for (int j = 0; j < zernike_terms; ++j)
      require(
          std::isfinite(zernike_waves[j]), where,
          [&] { return "zernike_waves[" + std::to_string(j) + "]"; }, zernike_waves[j],
          "a finite coefficient in waves");
  }
};

}  // namespace fabtwin::optics
