#pragma once
// Surface kinetics: what a surface point's fluxes make of its etch rate. A model is a small
// trivially copyable struct whose FABTWIN_HD members the flux and rate kernels call (so a caller
// adds a model by writing one such struct):
//   double ion_flux() const                       source ion flux (0: the model uses no ions)
//   double ion_exponent() const                   power-cosine exponent of the ion source
//   IonYields ion_yields(int material, double c) const   yields per ion arriving at cos(incidence) c
//   int neutral_species() const                   0, 1 or 2 neutral species
//   double neutral_flux(int species) const        its source flux
//   double sticking(int species, int material) const
//   double rate(int material, const SurfaceFluxes& f, Point3 normal) const   etch rate (nm/s, >= 0)
// Fluxes are in 1e15 cm^-2 s^-1 and densities in 1e22 cm^-3, so that (1/rho) * flux is a rate in
// nm/s directly: 1e15 / 1e22 cm/s = 1e-7 cm/s = 1 nm/s.

#include <cmath>
#include <numbers>

#include "fabtwin/core/config.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

/// Yields of one ion at a given incidence, per material: ion-enhanced etching, sputtering and
/// removal of the passivating oxygen.
struct IonYields {
  double enhanced = 0, sputter = 0, oxygen = 0;
};

/// What the tracing delivers to one surface point, per unit area.
struct SurfaceFluxes {
  double ion = 0;              ///< ions arriving from the visible sky
  double ion_enhanced = 0;     ///< sum over ions of their ion-enhanced yield (Y_ie Gamma_i)
  double ion_sputter = 0;      ///< ... of their sputter yield (Y_sp Gamma_i)
  double ion_oxygen = 0;       ///< ... of their oxygen-removal yield (Y_O Gamma_i)
  double neutral[2] = {0, 0};  ///< neutrals absorbed (stuck), each species
};

/// A constant rate on the substrate (and, if given, on the mask and the stop layer): no fluxes.
struct IsotropicEtch {
  double rate_nm_s = 1;
  double mask_rate_nm_s = 0;
  double stop_rate_nm_s = 0;
  FABTWIN_HD double ion_flux() const { return 0; }
  FABTWIN_HD double ion_exponent() const { return 1; }
  FABTWIN_HD IonYields ion_yields(int, double) const { return {}; }
  FABTWIN_HD int neutral_species() const { return 0; }
  FABTWIN_HD double neutral_flux(int) const { return 0; }
  FABTWIN_HD double sticking(int, int) const { return 1; }
  FABTWIN_HD double rate(int material, const SurfaceFluxes&, Point3) const {
    return material == int(Material::substrate) ? rate_nm_s
           : material == int(Material::mask)    ? mask_rate_nm_s
                                                : stop_rate_nm_s;
  }
};

/// Rate proportional to the flux of a narrow ion beam (power cosine of `exponent`, normalised to 1
/// on flat ground): rate_nm_s * max(0, n . z) where the sky straight up is visible, so vertical
/// walls stay and overhangs shadow; plus an isotropic part.
struct DirectionalEtch {
  double rate_nm_s = 1;
  double isotropic_nm_s = 0;
  double exponent = 1000;
  double mask_rate_nm_s = 0;
  FABTWIN_HD double ion_flux() const { return 1; }
  FABTWIN_HD double ion_exponent() const { return exponent; }
  FABTWIN_HD IonYields ion_yields(int, double) const { return {}; }
  FABTWIN_HD int neutral_species() const { return 0; }
  FABTWIN_HD double neutral_flux(int) const { return 0; }
  FABTWIN_HD double sticking(int, int) const { return 1; }
  FABTWIN_HD double rate(int material, const SurfaceFluxes& f, Point3) const {
    if (material == int(Material::mask)) return mask_rate_nm_s;
    if (material == int(Material::stop)) return 0;
    return rate_nm_s * f.ion + isotropic_nm_s;
  }
};

/// Mean of max(0, sqrt(E) - sqrt(E_th)) over ion energies E ~ Normal(mean, sigma) (E < 0 dropped),
/// by the midpoint rule on 2400 points over +-6 sigma (the tails left out weigh 2e-9): the energy
/// factor of a yield A (sqrt(E) - sqrt(E_th)).
inline double mean_yield_energy_factor(double mean_ev, double sigma_ev, double threshold_ev) {
  auto factor = [&](double e) {
    return e > threshold_ev ? std::sqrt(e) - std::sqrt(threshold_ev) : 0.0;
  };
  if (sigma_ev <= 0) return factor(mean_ev);
  const int n = 2400;
  double sum = 0, norm = 0;
  for (int i = 0; i < n; ++i) {
    const double z = -6 + 12 * (i + 0.5) / n;
    const double w = std::exp(-0.5 * z * z);
    sum += w * factor(mean_ev + sigma_ev * z);
    norm += w;
  }
  return sum / norm;
}

/// The SF6/O2 model of Belen et al. (J. Vac. Sci. Technol. A 23, 99, 2005) as ViennaPS documents
/// it ("SF6O2 Etching"), with physics.md's default set. Coverages from the steady state of the
/// site balances
///   Gamma_F^a (1 - th_F - th_O) = (k_sigma + 2 Y_ie Gamma_i) th_F,
///   Gamma_O^a (1 - th_F - th_O) = (beta_sigma + Y_O Gamma_i) th_O,
/// with Gamma^a the absorbed fluxes (the tracer deposits the sticking fraction: sticking counted
/// once); solved together:
///   th_F = [1 + (k_sigma + 2 Y_ie Gamma_i) / Gamma_F^a * (1 + Gamma_O^a / (beta_sigma + Y_O Gamma_i))]^-1,
/// and the silicon rate ER = (k_sigma th_F / 4 + Y_sp Gamma_i + Y_ie Gamma_i th_F) / rho_Si.
/// Yields A (sqrt(E) - sqrt(E_th)) f(theta), f = (1 + B sin^2 theta) cos theta for sputtering and
/// ion-enhanced etching, cos theta for oxygen removal; E averaged over the Gaussian energy spread.
/// The mask only sputters (a hard mask: rho = 5e24 cm^-3, so it barely erodes).
struct Sf6o2Etch {
  // Source (1e15 cm^-2 s^-1, eV).
  double ion_flux_ = 12, etchant_flux = 1800, oxygen_flux = 100;
  double ion_energy_ev = 100, ion_energy_sigma_ev = 10, ion_exponent_ = 500;
  // Silicon (1e22 cm^-3; 1e15 cm^-2 s^-1).
  double si_density = 5.02, si_a_ie = 7, si_eth_ie_ev = 15, si_b_ie = 0.8;
  double si_a_sp = 0.0337, si_eth_sp_ev = 20, si_b_sp = 9.3;
  double k_sigma = 300, beta_sigma = 0.04;
  double etchant_sticking = 0.7, oxygen_sticking = 1.0, mask_etchant_sticking = 0.7;
  double oxygen_a_ie = 3, oxygen_eth_ie_ev = 10;
  // Mask.
  double mask_density = 500, mask_a_sp = 0.0139, mask_eth_sp_ev = 20, mask_b_sp = 9.3;
  // Energy factors, set by prepare() from the energies and thresholds above.
  double e_ie = 0, e_sp = 0, e_oxygen = 0, e_mask_sp = 0;

  /// A resist (polymer) mask instead of the hard mask: physics.md's polymer set (A_sp 0.02,
  /// E_th 15 eV, B_sp 8.5, rho 5e22 cm^-3), which the ions erode a hundred times faster.
  Sf6o2Etch& resist_mask() {
    mask_density = 5;
    mask_a_sp = 0.02;
    mask_eth_sp_ev = 15;
    mask_b_sp = 8.5;
    return prepare();
  }

  /// Recomputes the energy factors; call after changing any energy or threshold.
  Sf6o2Etch& prepare() {
    e_ie = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, si_eth_ie_ev);
    e_sp = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, si_eth_sp_ev);
    e_oxygen = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, oxygen_eth_ie_ev);
    e_mask_sp = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, mask_eth_sp_ev);
    return *this;
  }

  FABTWIN_HD double ion_flux() const { return ion_flux_; }
  FABTWIN_HD double ion_exponent() const { return ion_exponent_; }
  FABTWIN_HD IonYields ion_yields(int material, double c) const {
    const double s2 = 1 - c * c;
    if (material == int(Material::substrate))
      return {si_a_ie * e_ie * (1 + si_b_ie * s2) * c, si_a_sp * e_sp * (1 + si_b_sp * s2) * c,
              oxygen_a_ie * e_oxygen * c};
    if (material == int(Material::mask))
      return {0, mask_a_sp * e_mask_sp * (1 + mask_b_sp * s2) * c, 0};
    return {};
  }
  FABTWIN_HD int neutral_species() const { return 2; }
  FABTWIN_HD double neutral_flux(int species) const {
    return species == 0 ? etchant_flux : oxygen_flux;
  }
  FABTWIN_HD double sticking(int species, int material) const {
    if (species == 1) return oxygen_sticking;
    return material == int(Material::mask) ? mask_etchant_sticking : etchant_sticking;
  }
  /// Fluorine coverage of silicon under fluxes f.
  FABTWIN_HD double fluorine_coverage(const SurfaceFluxes& f) const {
    const double fluorine = f.neutral[0], oxygen = f.neutral[1];
    if (fluorine <= 0) return 0;
    const double loss_f = k_sigma + 2 * f.ion_enhanced, loss_o = beta_sigma + f.ion_oxygen;
    return 1 / (1 + loss_f / fluorine * (1 + oxygen / loss_o));
  }
  FABTWIN_HD double rate(int material, const SurfaceFluxes& f, Point3) const {
    if (material == int(Material::mask)) return f.ion_sputter / mask_density;
    if (material != int(Material::substrate)) return 0;
    const double theta_f = fluorine_coverage(f);
    return (k_sigma * theta_f / 4 + f.ion_sputter + f.ion_enhanced * theta_f) / si_density;
  }
};

}  // namespace fabtwin::etch
