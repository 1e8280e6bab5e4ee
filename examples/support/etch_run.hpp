#pragma once
// One feature-scale etch run as the etch examples make it: the domain of a FeatureSpec, a model
// chosen by name with parameters set by name, the run with its progress on stderr, the profile's
// figures, and the outputs: profile.png (an x-z cross-section through the feature's axis, materials
// coloured, the initial surface in red, the final one in black), phi.npy and material.npy (that
// cross-section), etch.vti (the volume: phi and material), surface.vtp (the surface points with
// their rates and fluxes), profile.vtp (2D: the final surface as a polyline).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "fabtwin/core.hpp"
#include "fabtwin/etch.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout/contour.hpp"
#include "fabtwin/metrology/etch_profile.hpp"
#include "support/cli.hpp"

namespace examples {

using EtchModel = std::variant<fabtwin::etch::IsotropicEtch, fabtwin::etch::DirectionalEtch,
                               fabtwin::etch::Sf6o2Etch>;

struct EtchRun {
  fabtwin::etch::FeatureSpec spec;
  std::string model = "sf6o2";          ///< isotropic | directional | sf6o2
  std::vector<std::string> parameters;  ///< NAME=VALUE
  bool resist_mask = false;             ///< sf6o2: a resist (polymer) mask instead of a hard mask
  double time_s = 1;
  int rays_per_point = 1000;
  unsigned long long seed = 1;
  int ion_bounces = 1;  ///< etch::FluxOptions::ion_bounces
  int threads = 0;      ///< 0: all
  /// Simulate the half (quarter in 3D) on one side of the feature's axis where the pitch allows
  /// (etch::mirrorable): the same periodic array for half the rays; the files show the whole pitch.
  bool mirror = true;
  /// Model parameters whose effect on the profile's figures is reported, by central differences
  /// (each moved by +- sensitivity_step of its value, the same steps and random streams).
  std::vector<std::string> sensitivities;
  double sensitivity_step = 0.15;
  double step_s = 0;  ///< > 0: a step no longer than this (etch::EtchOptions::step_s)
};

/// The model `run` names, with its defaults and then run.parameters applied; run.sensitivities
/// checked against its parameters (each one of them, and not 0: the step is relative to it).
inline EtchModel make_etch_model(const EtchRun& run) {
  using namespace fabtwin::etch;
  EtchModel model;
  if (run.model == "isotropic")
    model = IsotropicEtch{};
  else if (run.model == "directional")
    model = DirectionalEtch{};
  else if (run.model == "sf6o2") {
    Sf6o2Etch sf6o2;
    model = run.resist_mask ? sf6o2.resist_mask() : sf6o2.prepare();
  } else
    fabtwin::require(false, "make_etch_model", "model", run.model,
                     "isotropic, directional or sf6o2");
  std::visit(
      [&](auto& m) {
        const auto table = parameters(m);
        for (const std::string& assignment : run.parameters) set_parameter(table, assignment);
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, Sf6o2Etch>) m.prepare();
        for (const std::string& name : run.sensitivities) {
          const char* where = "examples::make_etch_model";
          const NamedParameter& p = find_parameter(table, name, where, "--sensitivity");
          const double low = *p.value * (1 - run.sensitivity_step),
                       high = *p.value * (1 + run.sensitivity_step);
          fabtwin::require(
              *p.value != 0 && std::min(low, high) >= p.lower && std::max(low, high) <= p.upper,
              where, "--sensitivity " + name, *p.value, [&] {
                return "a parameter that is not 0 (the step is relative to it) and whose value "
                       "+- " +
                       fabtwin::describe(100 * run.sensitivity_step) + " % stays in [" +
                       fabtwin::describe(p.lower) + ", " + fabtwin::describe(p.upper) + "]" +
                       (p.unit.empty() ? "" : " " + p.unit);
              });
        }
      },
      model);
  return model;
}

/// The options that ask for sensitivities, into EtchRun::sensitivities and sensitivity_step.
inline Cli& sensitivity_options(Cli& cli, std::vector<std::string>& names, double& step) {
  return cli
      .texts("--sensitivity", "NAME",
             "a model parameter (as --param names it) whose effect on the figures is reported, "
             "d figure / d parameter by central differences: two runs more each",
             names, "NAME")
      .number("--sensitivity-step", "S", "the parameters' step, a share of each one's value", step,
              NumberRule{.what = "a relative step", .above = 0, .at_most = 0.5});
}

/// "--param NAME=VALUE" help: every parameter of every model with its unit and default.
inline std::string etch_parameter_help() {
  using namespace fabtwin::etch;
  std::string text;
  EtchModel models[] = {IsotropicEtch{}, DirectionalEtch{}, Sf6o2Etch{}};
  const char* names[] = {"isotropic", "directional", "sf6o2"};
  for (int k = 0; k < 3; ++k)
    std::visit(
        [&](auto& m) {
          text += std::string(k ? "; " : "") + names[k] + ": ";
          bool first = true;
          for (const NamedParameter& p : parameters(m)) {
            text += (first ? "" : ", ") + p.name + " = " + fabtwin::describe(*p.value) +
                    (p.unit.empty() ? "" : " " + p.unit);
            first = false;
          }
        },
        models[k]);
  return text;
}

/// The fastest a substrate can etch under `model` (flat ground, all the sky), with a margin: what
/// sizes the substrate below the surface.
inline double fastest_rate_nm_s(const EtchModel& model) {
  using namespace fabtwin::etch;
  return std::visit(
      [](const auto& m) {
        // Flat ground: every direction of the sky, at normal incidence for the ions.
        SurfaceFluxes<> f;
        f.ion_moment[0] = f.ion_moment[1] = 1;
        for (int s = 0; s < m.neutral_species(); ++s)
          f.neutral[s] = m.sticking(s, int(Material::substrate)) * m.neutral_flux(s);
        // Without oxygen, and 1.3 for the yields' angular peak (at most 1.1 for B_ie <= 0.8).
        f.neutral[1] = 0;
        return 1.3 * m.rate(int(Material::substrate), f, Point3{0, 0, 1});
      },
      model);
}

/// run.spec as the programs simulate it: mirrored where run.mirror asks and the pitch allows, its
/// substrate as deep as the fastest rate etches in run.time_s, and ten cells more.
inline fabtwin::etch::FeatureSpec simulated_spec(const EtchRun& run) {
  fabtwin::etch::FeatureSpec spec = run.spec;
  spec.mirrored = run.mirror && fabtwin::etch::mirrorable(spec);
  spec.substrate_depth_nm =
      fastest_rate_nm_s(make_etch_model(run)) * run.time_s + 10 * spec.grid_nm;
  return spec;
}

/// Refuses (fabtwin::out_of_memory, naming `program`) a run on the lattice `simulated` (its whole
/// pitch unfolded for the files when `mirrored`) that would need more memory than the machine has
/// available now (/proc/meminfo's MemAvailable; no check where that cannot be read), before any of
/// it is allocated: a run that outgrows the memory thrashes the machine for minutes, or is killed,
/// before its allocation fails. The estimate is what was measured (docs/etch.md, "Sparse
/// storage"): run_etch's peak, 83 bytes a sample, or the files', 56 a sample of the whole pitch.
void require_memory(const fabtwin::etch::Lattice& simulated, bool mirrored, const char* program);

struct EtchResult {
  fabtwin::metrology::EtchProfile profile;
  fabtwin::etch::EtchReport report;
  fabtwin::io::json::Value summary;
};

/// The lateral direction the profile is measured across (its CDs, its section's pictures).
enum class Across { x, y };

/// Runs `run` on `domain` (run.spec is not used), writes the pictures and files into `out` (a
/// folder, ready) and returns the figures; `mask_at` is where the mask's thickness is measured (an
/// x, or a y when measured across y, on the row through the opening). With run.sensitivities, the
/// figures' derivatives by central differences too ("sensitivities"), 2 runs more a parameter.
EtchResult run_etch_example(const EtchRun& run,
                            fabtwin::etch::Domain<double, fabtwin::Host>& domain, double mask_at,
                            const std::string& out, const char* program, Across across = Across::x);

/// The feature of run.spec, its substrate as deep as the fastest rate etches in run.time_s (and ten
/// cells more), run and written as above; the mask is measured at the domain's side.
EtchResult run_feature_example(const EtchRun& run, const std::string& out, const char* program);

/// The feature of run.spec etched as run_feature_example does, measured, nothing written: a point of
/// a sweep (an ARDE curve).
fabtwin::metrology::EtchProfile measure_feature(const EtchRun& run);

}  // namespace examples
