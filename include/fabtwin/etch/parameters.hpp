#pragma once
// The kinetics models' parameters by name, with units, meaning and bounds: what a command line
// (--param NAME=VALUE), a calibration or a sensitivity study needs to reach them. One name per
// physical quantity; fluxes in 1e15 cm^-2 s^-1, densities in 1e22 cm^-3, energies in eV.

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/etch/kinetics.hpp"

namespace fabtwin::etch {

template <class S = double>
struct NamedParameterT {
  std::string name, unit, meaning;
  S* value;
  double lower = 0, upper = std::numeric_limits<double>::infinity();  ///< inclusive bounds
};
using NamedParameter = NamedParameterT<double>;

template <class S>
std::vector<NamedParameterT<S>> parameters(IsotropicEtchT<S>& m) {
  return {{"rate_nm_s", "nm/s", "substrate etch rate", &m.rate_nm_s},
          {"mask_rate_nm_s", "nm/s", "mask etch rate", &m.mask_rate_nm_s},
          {"stop_rate_nm_s", "nm/s", "stop-layer etch rate", &m.stop_rate_nm_s}};
}

template <class S>
std::vector<NamedParameterT<S>> parameters(DirectionalEtchT<S>& m) {
  return {{"rate_nm_s", "nm/s", "substrate etch rate under the full beam", &m.rate_nm_s},
          {"isotropic_nm_s", "nm/s", "isotropic part of the substrate rate", &m.isotropic_nm_s},
          {"exponent", "", "power-cosine exponent of the beam", &m.exponent, 1, 1e6},
          {"mask_rate_nm_s", "nm/s", "mask etch rate", &m.mask_rate_nm_s}};
}

template <class S>
std::vector<NamedParameterT<S>> parameters(Sf6o2EtchT<S>& m) {
  const double inf = std::numeric_limits<double>::infinity();
  return {
      {"ion_flux", "1e15/cm2/s", "ion flux", &m.ion_flux_},
      {"etchant_flux", "1e15/cm2/s", "fluorine flux", &m.etchant_flux},
      {"oxygen_flux", "1e15/cm2/s", "oxygen (passivation) flux", &m.oxygen_flux},
      {"ion_energy_ev", "eV", "mean ion energy", &m.ion_energy_ev},
      {"ion_energy_sigma_ev", "eV", "ion energy spread (Gaussian sigma)", &m.ion_energy_sigma_ev},
      {"ion_exponent", "", "power-cosine exponent of the ion source", &m.ion_exponent_, 1, 1e6},
      {"ion_theta_rmin_deg", "deg", "incidence below which ions stick", &m.ion_theta_rmin_deg, 0,
       90},
      {"ion_theta_rmax_deg", "deg", "incidence from which every ion reflects",
       &m.ion_theta_rmax_deg, 0, 90},
      {"ion_cone_min_deg", "deg", "least half-angle of the reflected ions' lobe (0: specular)",
       &m.ion_cone_min_deg, 0, 90},
      {"ion_inflect_angle_deg", "deg",
       "incidence from which a reflected ion's energy share rises linearly to 1 (Belen)",
       &m.ion_inflect_angle_deg, 1e-6, 90},
      {"ion_energy_loss_exponent", "",
       "n_l: below the inflection a reflected ion keeps A (theta / theta_i)^n_l (0: no loss)",
       &m.ion_energy_loss_exponent, 0, 1000},
      {"ion_reflected_energy", "", "factor on the share of its energy a reflected ion keeps",
       &m.ion_reflected_energy, 0, 1},
      {"si_density", "1e22/cm3", "silicon density", &m.si_density, 1e-6, inf},
      {"si_a_ie", "", "ion-enhanced yield coefficient A_ie", &m.si_a_ie},
      {"si_eth_ie_ev", "eV", "ion-enhanced threshold energy", &m.si_eth_ie_ev},
      {"si_b_ie", "", "ion-enhanced angular coefficient B_ie", &m.si_b_ie},
      {"si_a_sp", "", "silicon sputter yield coefficient A_sp", &m.si_a_sp},
      {"si_eth_sp_ev", "eV", "silicon sputter threshold energy", &m.si_eth_sp_ev},
      {"si_b_sp", "", "silicon sputter angular coefficient B_sp", &m.si_b_sp},
      {"k_sigma", "1e15/cm2/s", "chemical etch rate constant k sigma", &m.k_sigma},
      {"beta_sigma", "1e15/cm2/s", "oxygen recombination rate beta sigma", &m.beta_sigma},
      {"etchant_sticking", "", "fluorine sticking on silicon", &m.etchant_sticking, 0, 1},
      {"mask_etchant_sticking", "", "fluorine sticking on the mask", &m.mask_etchant_sticking, 0,
       1},
      {"oxygen_sticking", "", "oxygen sticking", &m.oxygen_sticking, 0, 1},
      {"oxygen_a_ie", "", "oxygen removal yield coefficient A_O", &m.oxygen_a_ie},
      {"oxygen_eth_ie_ev", "eV", "oxygen removal threshold energy", &m.oxygen_eth_ie_ev},
      {"mask_density", "1e22/cm3", "mask density", &m.mask_density, 1e-6, inf},
      {"mask_a_sp", "", "mask sputter yield coefficient", &m.mask_a_sp},
      {"mask_eth_sp_ev", "eV", "mask sputter threshold energy", &m.mask_eth_sp_ev},
      {"mask_b_sp", "", "mask sputter angular coefficient", &m.mask_b_sp},
  };
}

/// The parameter of `table` called `name`; throws invalid_argument from `where` naming `argument`
/// (where the name came from), the name and the known ones.
template <class S>
const NamedParameterT<S>& find_parameter(const std::vector<NamedParameterT<S>>& table,
                                         const std::string& name, const char* where,
                                         const std::string& argument) {
  for (const NamedParameterT<S>& p : table)
    if (p.name == name) return p;
  std::string known;
  for (const NamedParameterT<S>& p : table) known += (known.empty() ? "" : ", ") + p.name;
  throw invalid_argument(argument_message(where, argument, name, "one of " + known));
}

/// Sets the parameter `assignment` ("NAME=VALUE") names; throws invalid_argument naming the
/// assignment, the unknown name (with the known ones) or the value out of its bounds.
inline void set_parameter(const std::vector<NamedParameter>& table, const std::string& assignment) {
  const char* where = "etch::set_parameter";
  const std::size_t equals = assignment.find('=');
  require(equals != std::string::npos && equals > 0, where, "assignment", assignment, "NAME=VALUE");
  const std::string name = assignment.substr(0, equals), text = assignment.substr(equals + 1);
  const NamedParameter& p = find_parameter(table, name, where, "name");
  double value = 0;
  std::size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  require(used == text.size() && !text.empty() && std::isfinite(value), where, name, text,
          "a finite number");
  require(value >= p.lower && value <= p.upper, where, name, value, [&] {
    return "a value in [" + ::fabtwin::describe(p.lower) + ", " + ::fabtwin::describe(p.upper) +
           "] " + p.unit;
  });
  *p.value = value;
}

}  // namespace fabtwin::etch
