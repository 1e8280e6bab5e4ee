#pragma once
// Surface kinetics: what a surface point's fluxes make of its etch rate. A model is a small
// trivially copyable struct template over its scalar S (double, or a dual number for parameter
// sensitivities: etch/sensitivity.hpp) whose FABTWIN_HD members the flux and rate kernels call, so
// a caller adds a model by writing one such struct:
//   S ion_flux() const                 source ion flux (0: the model uses no ions)
//   double ion_exponent() const        power-cosine exponent of the ion source
//   double ion_reflection(double c) const  probability that an ion arriving at cos(incidence) c
//                                      is reflected (0: ions stick where they land)
//   double ion_reflection_cone(double c) const  half-angle (rad) of the coned-cosine lobe about
//                                      the specular direction it leaves in; 0 at grazing
//                                      incidence (c = 0): specular reflection (etch/flux.hpp)
//   double ion_reflected_share(double c) const  share of its energy an ion reflected at c keeps
//   int neutral_species() const        0, 1 or 2 neutral species
//   S neutral_flux(int species) const  its source flux
//   S sticking(int species, int material) const
//   S rate(int material, const SurfaceFluxes<S>& f, Point3 normal) const   etch rate (nm/s, >= 0)
// The tracing hands a model the ions as three angular moments of the visible source per unit
// source flux, M0 = sum w c, M1 = sum w c^2, M2 = sum w c^2 (1 - c^2) over the visible quadrature
// directions (etch/directions.hpp), c the cosine of incidence. Yields
// of the form A (sqrt(E) - sqrt(E_th)) (1 + B sin^2 theta) cos theta then integrate to
// A e (M1 + B M2) per unit flux without the tracer knowing A, B or E: the moments depend on the
// geometry alone, so parameters are differentiated without retracing. Ions that arrive after a
// reflection come as the same moments apart (reflected_moment), sorted by the share of their
// energy they kept: a model gives each share its yields' energy factors.
// Fluxes are in 1e15 cm^-2 s^-1 and densities in 1e22 cm^-3, so that (1/rho) * flux is a rate in
// nm/s directly: 1e15 / 1e22 cm/s = 1e-7 cm/s = 1 nm/s.

#include <cmath>
#include <numbers>
#include <utility>

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/lattice.hpp"

namespace fabtwin::etch {

/// Reflected ions keep a share kappa of their energy that depends on how they struck the wall
/// (Sf6o2EtchT::ion_reflected_share). A point receives them on the shares kappa_j = j / 8: each
/// ion split between the two shares around its own, linearly, so that a model weighs share j by
/// its yields' energy factors there (exact on the shares, linear between them: 12.5 eV apart at
/// 100 eV).
inline constexpr int reflected_energy_nodes = 9;

/// The share node at or below kappa (clamped to [0, 1]); `upper` gets the weight of the next one.
FABTWIN_HD inline int energy_node(double kappa, double& upper) {
  const double x = (kappa > 0 ? (kappa < 1 ? kappa : 1.0) : 0.0) * (reflected_energy_nodes - 1);
  int j = int(x);
  if (j > reflected_energy_nodes - 2) j = reflected_energy_nodes - 2;
  upper = x - double(j);
  return j;
}

/// What the tracing delivers to one surface point, per unit area.
template <class S = double>
struct SurfaceFluxes {
  /// Ions from the visible sky per unit source flux: sum w c (the flux), sum w c^2 and
  /// sum w c^2 (1 - c^2), c = cos(incidence).
  S ion_moment[3] = {S(0), S(0), S(0)};
  /// The same moments of the ions that arrive after one reflection (etch/flux.hpp), on the energy
  /// shares j / 8 they kept.
  S reflected_moment[reflected_energy_nodes][3] = {};
  S neutral[2] = {S(0), S(0)};  ///< neutrals absorbed (stuck), each species
  /// Moment k of the reflected ions, whatever energy they kept.
  FABTWIN_HD S reflected(int k) const {
    S sum = S(0);
    for (int j = 0; j < reflected_energy_nodes; ++j) sum += reflected_moment[j][k];
    return sum;
  }
};

/// A constant rate on the substrate (and, if given, on the mask and the stop layer): no fluxes.
template <class S = double>
struct IsotropicEtchT {
  S rate_nm_s = 1;
  S mask_rate_nm_s = 0;
  S stop_rate_nm_s = 0;
  FABTWIN_HD S ion_flux() const { return S(0); }
  FABTWIN_HD double ion_exponent() const { return 1; }
  FABTWIN_HD double ion_reflection(double) const { return 0; }
  FABTWIN_HD double ion_reflection_cone(double) const { return 0; }
  FABTWIN_HD double ion_reflected_share(double) const { return 1; }
  FABTWIN_HD int neutral_species() const { return 0; }
  FABTWIN_HD S neutral_flux(int) const { return S(0); }
  FABTWIN_HD S sticking(int, int) const { return S(1); }
  FABTWIN_HD S rate(int material, const SurfaceFluxes<S>&, Point3) const {
    return material == int(Material::substrate) ? rate_nm_s
           : material == int(Material::mask)    ? mask_rate_nm_s
                                                : stop_rate_nm_s;
  }
};

/// Rate proportional to the flux of a narrow ion beam (power cosine of `exponent`, normalised to 1
/// on flat ground): rate_nm_s * max(0, n . z) where the sky straight up is visible, so vertical
/// walls stay and overhangs shadow; plus an isotropic part.
template <class S = double>
struct DirectionalEtchT {
  S rate_nm_s = 1;
  S isotropic_nm_s = 0;
  S exponent = 1000;  ///< not differentiable: it places the quadrature's directions
  S mask_rate_nm_s = 0;
  FABTWIN_HD S ion_flux() const { return S(1); }
  FABTWIN_HD double ion_exponent() const { return value_of(exponent); }
  FABTWIN_HD double ion_reflection(double) const { return 0; }
  FABTWIN_HD double ion_reflection_cone(double) const { return 0; }
  FABTWIN_HD double ion_reflected_share(double) const { return 1; }
  FABTWIN_HD int neutral_species() const { return 0; }
  FABTWIN_HD S neutral_flux(int) const { return S(0); }
  FABTWIN_HD S sticking(int, int) const { return S(1); }
  FABTWIN_HD S rate(int material, const SurfaceFluxes<S>& f, Point3) const {
    if (material == int(Material::mask)) return mask_rate_nm_s;
    if (material == int(Material::stop)) return S(0);
    return rate_nm_s * f.ion_moment[0] + isotropic_nm_s;
  }
};

/// Mean of max(0, sqrt(E) - sqrt(E_th)) over ion energies E ~ Normal(mean, sigma) (E < 0 dropped),
/// by the midpoint rule on 2400 points over +-6 sigma (the tails left out weigh 2e-9): the energy
/// factor of a yield A (sqrt(E) - sqrt(E_th)).
template <class S>
S mean_yield_energy_factor(S mean_ev, S sigma_ev, S threshold_ev) {
  using std::exp, std::sqrt;
  auto factor = [&](S e) { return e > threshold_ev ? sqrt(e) - sqrt(threshold_ev) : S(0); };
  if (!(sigma_ev > 0)) return factor(mean_ev);
  const int n = 2400;
  S sum = 0;
  double norm = 0;
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
template <class S = double>
struct Sf6o2EtchT {
  // Source (1e15 cm^-2 s^-1, eV).
  S ion_flux_ = 12, etchant_flux = 1800, oxygen_flux = 100;
  S ion_energy_ev = 100, ion_energy_sigma_ev = 10;
  S ion_exponent_ = 500;  ///< not differentiable: it places the quadrature's directions
  /// Ions reflect with a probability rising linearly from 0 at this incidence angle (from the
  /// normal) to 1 at ion_theta_rmax_deg (ViennaPS's documented ramp, 70 to 90 deg), into a
  /// coned-cosine lobe about the specular direction whose half-angle is the incidence angle but
  /// at least ion_cone_min_deg (physics.md: 80 deg; 0 reflects specularly). Not differentiable:
  /// which ions reflect where is decided per direction.
  S ion_theta_rmin_deg = 70, ion_theta_rmax_deg = 90, ion_cone_min_deg = 80;
  /// The share of its energy a reflected ion keeps, after Belen et al. (2005) as ViennaPS writes
  /// it (ion_reflected_share): A (theta / theta_i)^n below the inflection angle theta_i, then a
  /// straight line up to 1 at grazing incidence; physics.md's theta_i = 1.5533 rad (89 deg) and
  /// n_l = 10; n = 0: no loss. Times ion_reflected_energy (1). Its energy spread scales with it.
  /// Not differentiable: the share sorts each reflected ion onto the energy nodes.
  S ion_inflect_angle_deg = 89, ion_energy_loss_exponent = 10, ion_reflected_energy = 1;
  // Silicon (1e22 cm^-3; 1e15 cm^-2 s^-1).
  S si_density = 5.02, si_a_ie = 7, si_eth_ie_ev = 15, si_b_ie = 0.8;
  S si_a_sp = 0.0337, si_eth_sp_ev = 20, si_b_sp = 9.3;
  S k_sigma = 300, beta_sigma = 0.04;
  S etchant_sticking = 0.7, oxygen_sticking = 1.0, mask_etchant_sticking = 0.7;
  S oxygen_a_ie = 3, oxygen_eth_ie_ev = 10;
  // Mask.
  S mask_density = 500, mask_a_sp = 0.0139, mask_eth_sp_ev = 20, mask_b_sp = 9.3;
  // Energy factors, set by prepare() from the energies and thresholds above: of the ions from
  // the source, and of the reflected ones on the energy shares j / 8 (suffix _r).
  S e_ie = 0, e_sp = 0, e_oxygen = 0, e_mask_sp = 0;
  S e_ie_r[reflected_energy_nodes] = {}, e_sp_r[reflected_energy_nodes] = {};
  S e_oxygen_r[reflected_energy_nodes] = {}, e_mask_sp_r[reflected_energy_nodes] = {};

  /// A resist (polymer) mask instead of the hard mask: physics.md's polymer set (A_sp 0.02,
  /// E_th 15 eV, B_sp 8.5, rho 5e22 cm^-3), which the ions erode a hundred times faster.
  Sf6o2EtchT& resist_mask() {
    mask_density = 5;
    mask_a_sp = 0.02;
    mask_eth_sp_ev = 15;
    mask_b_sp = 8.5;
    return prepare();
  }

  /// Recomputes the energy factors; call after changing any energy or threshold.
  Sf6o2EtchT& prepare() {
    e_ie = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, si_eth_ie_ev);
    e_sp = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, si_eth_sp_ev);
    e_oxygen = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, oxygen_eth_ie_ev);
    e_mask_sp = mean_yield_energy_factor(ion_energy_ev, ion_energy_sigma_ev, mask_eth_sp_ev);
    for (int j = 0; j < reflected_energy_nodes; ++j) {
      const double kept = double(j) / (reflected_energy_nodes - 1);
      const S mean = kept * ion_energy_ev, sigma = kept * ion_energy_sigma_ev;
      e_ie_r[j] = mean_yield_energy_factor(mean, sigma, si_eth_ie_ev);
      e_sp_r[j] = mean_yield_energy_factor(mean, sigma, si_eth_sp_ev);
      e_oxygen_r[j] = mean_yield_energy_factor(mean, sigma, oxygen_eth_ie_ev);
      e_mask_sp_r[j] = mean_yield_energy_factor(mean, sigma, mask_eth_sp_ev);
    }
    return *this;
  }

  FABTWIN_HD S ion_flux() const { return ion_flux_; }
  FABTWIN_HD double ion_exponent() const { return value_of(ion_exponent_); }
  FABTWIN_HD double ion_reflection(double c) const {
    const double theta = acos(c < 1 ? (c > 0 ? c : 0.0) : 1.0) * (180 / std::numbers::pi);
    const double low = value_of(ion_theta_rmin_deg), high = value_of(ion_theta_rmax_deg);
    if (theta <= low) return 0;
    return high > low && theta < high ? (theta - low) / (high - low) : 1.0;
  }
  FABTWIN_HD double ion_reflection_cone(double c) const {
    const double minimum = value_of(ion_cone_min_deg) * (std::numbers::pi / 180);
    if (!(minimum > 0)) return 0;
    const double theta = acos(c < 1 ? (c > 0 ? c : 0.0) : 1.0);
    return theta > minimum ? theta : minimum;
  }
  /// Belen's share of the energy kept (above), times ion_reflected_energy: A (theta / theta_i)^n
  /// below theta_i, 1 - (1 - A) (pi / 2 - theta) / (pi / 2 - theta_i) above it, with
  /// A = 1 / (1 + n (pi / (2 theta_i) - 1)) so that both pieces meet at theta_i with one slope.
  FABTWIN_HD double ion_reflected_share(double c) const {
    const double half_pi = 0.5 * std::numbers::pi;
    const double theta = acos(c < 1 ? (c > 0 ? c : 0.0) : 1.0);
    const double inflect = value_of(ion_inflect_angle_deg) * (std::numbers::pi / 180);
    const double n = value_of(ion_energy_loss_exponent), kept = value_of(ion_reflected_energy);
    if (!(n > 0)) return kept;
    if (!(inflect < half_pi)) return kept * pow(theta / inflect, n);  // A = 1: no linear piece
    const double a = 1 / (1 + n * (half_pi / inflect - 1));
    if (theta < inflect) return kept * a * pow(theta / inflect, n);
    return kept * (1 - (1 - a) * (half_pi - theta) / (half_pi - inflect));
  }
  FABTWIN_HD int neutral_species() const { return 2; }
  FABTWIN_HD S neutral_flux(int species) const { return species == 0 ? etchant_flux : oxygen_flux; }
  FABTWIN_HD S sticking(int species, int material) const {
    if (species == 1) return oxygen_sticking;
    return material == int(Material::mask) ? mask_etchant_sticking : etchant_sticking;
  }
  /// The integral of a yield's energy and angular factors, e (1 + B sin^2) cos, over the ions of
  /// f per unit source flux: e (M1 + B M2) for those from the source, e_r[j] (.) for the reflected
  /// ones on energy share j.
  FABTWIN_HD static S yield_integral(const SurfaceFluxes<S>& f, const S& e,
                                     const S (&e_r)[reflected_energy_nodes], const S& b) {
    S sum = e * (f.ion_moment[1] + b * f.ion_moment[2]);
    for (int j = 0; j < reflected_energy_nodes; ++j)
      sum += e_r[j] * (f.reflected_moment[j][1] + b * f.reflected_moment[j][2]);
    return sum;
  }
  /// Y_ie Gamma_i, Y_sp Gamma_i and Y_O Gamma_i on silicon under fluxes f.
  FABTWIN_HD S enhanced(const SurfaceFluxes<S>& f) const {
    return ion_flux_ * si_a_ie * yield_integral(f, e_ie, e_ie_r, si_b_ie);
  }
  FABTWIN_HD S sputter(const SurfaceFluxes<S>& f) const {
    return ion_flux_ * si_a_sp * yield_integral(f, e_sp, e_sp_r, si_b_sp);
  }
  FABTWIN_HD S oxygen_removal(const SurfaceFluxes<S>& f) const {
    return ion_flux_ * oxygen_a_ie * yield_integral(f, e_oxygen, e_oxygen_r, S(0));
  }
  /// Fluorine coverage of silicon under fluxes f.
  FABTWIN_HD S fluorine_coverage(const SurfaceFluxes<S>& f) const {
    const S fluorine = f.neutral[0], oxygen = f.neutral[1];
    if (!(fluorine > 0)) return S(0);
    const S loss_f = k_sigma + 2 * enhanced(f), loss_o = beta_sigma + oxygen_removal(f);
    return 1 / (1 + loss_f / fluorine * (1 + oxygen / loss_o));
  }
  FABTWIN_HD S rate(int material, const SurfaceFluxes<S>& f, Point3) const {
    if (material == int(Material::mask))
      return ion_flux_ * mask_a_sp * yield_integral(f, e_mask_sp, e_mask_sp_r, mask_b_sp) /
             mask_density;
    if (material != int(Material::substrate)) return S(0);
    const S theta_f = fluorine_coverage(f);
    return (k_sigma * theta_f / 4 + sputter(f) + enhanced(f) * theta_f) / si_density;
  }
};

using IsotropicEtch = IsotropicEtchT<double>;
using DirectionalEtch = DirectionalEtchT<double>;
using Sf6o2Etch = Sf6o2EtchT<double>;

/// The scalar a model computes its rates in.
template <class Model>
using model_scalar_t = decltype(std::declval<const Model&>().ion_flux());

}  // namespace fabtwin::etch
