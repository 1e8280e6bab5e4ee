#pragma once
// The part of an etch example's run that touches the model and the space: the etch itself and the
// surface's rates at its end, on the GPU where there is one. support/etch_run.cpp, which writes
// the files (host code), sees only these declarations; each model's instance is a file of its own
// (etch_on_space_<model>.cpp, defined by etch_on_space_definition.hpp), which CUDA builds compile
// with nvcc: as one unit by default (FABTWIN_UNITY; 112 s at full optimisation, 62 of them
// ptxas), or one per model, in parallel, with FABTWIN_UNITY=OFF.

#include <functional>
#include <string>
#include <vector>

#include "support/etch_run.hpp"

namespace examples {

/// The surface at the end of a run, on the host (surface.vtp's points and values).
struct SurfaceSample {
  std::vector<fabtwin::Vec3> points;
  std::vector<double> rate, ion, reflected_ion, etchant, oxygen, material;
};

/// What a run on a space gives back besides the etched domain.
struct SpaceRun {
  fabtwin::etch::EtchReport report;
  SurfaceSample surface;  ///< empty unless asked for
  std::string space;      ///< "host" or "cuda"
  int threads = 0;        ///< a host run's OpenMP threads; 0 for a run on a GPU
};

/// Etches the host domain `domain` by `model` as `run` says, on the GPU where the unit was compiled
/// by nvcc and a device is present, else on the host; leaves the result in `domain`. With
/// `sample_surface`, a mirrored domain is unfolded to the whole pitch and its surface's rates and
/// fluxes at the end come back too.
template <class Model>
SpaceRun etch_on_best_space(const EtchRun& run, const Model& model,
                            fabtwin::etch::Domain<double, fabtwin::Host>& domain,
                            const std::function<void(const fabtwin::etch::EtchProgress&)>& progress,
                            bool sample_surface);

extern template SpaceRun etch_on_best_space(
    const EtchRun&, const fabtwin::etch::IsotropicEtch&,
    fabtwin::etch::Domain<double, fabtwin::Host>&,
    const std::function<void(const fabtwin::etch::EtchProgress&)>&, bool);
extern template SpaceRun etch_on_best_space(
    const EtchRun&, const fabtwin::etch::DirectionalEtch&,
    fabtwin::etch::Domain<double, fabtwin::Host>&,
    const std::function<void(const fabtwin::etch::EtchProgress&)>&, bool);
extern template SpaceRun etch_on_best_space(
    const EtchRun&, const fabtwin::etch::Sf6o2Etch&, fabtwin::etch::Domain<double, fabtwin::Host>&,
    const std::function<void(const fabtwin::etch::EtchProgress&)>&, bool);

}  // namespace examples
