#pragma once
// Parameter sensitivities of an etch by forward-mode dual numbers (core/dual.hpp): the model is
// copied into the scalar Dual<N> with N of its parameters seeded, and the whole etch (the level
// set, its advection and redistancing, the rates, the measured profile) runs in that scalar, so
// every output carries its derivatives with respect to the N parameters in one pass:
//
//   auto model = etch::seeded<2>(sf6o2, {"si_a_ie", "etchant_flux"});
//   auto domain = etch::make_feature_domain<Dual<2>>(spec);
//   etch::run_etch(ctx, domain, model, options);
//   auto profile = metrology::measure_etch_profile(domain, mask_x);  // profile.depth_nm.d[0] ...
//
// What the derivatives hold: the parameters' effect on the rates (through coverages, yields,
// sticking and re-emission), the surface's normal displacement under them (the level set's
// derivatives, etch/advect.hpp, handed from a trench's floor to the wall its corner leaves as a
// vector, etch/displacement.hpp), and the geometry's feedback on the direct fluxes: shadowing
// through a half-cell soft visibility (etch/visibility.hpp) and the normal's tilt
// through the cosines (NormalIn, differenced upwind of the transport along the surface it makes:
// etch/normal_transport.hpp). What they leave out: the Monte Carlo hits (whole rays: piecewise
// constant), and part of a rounded corner's motion (docs/etch.md, "Not done yet"). Measured
// (tests/etch): an SF6/O2 trench's depth within 1.2 % of central differences, and along a joint
// scaling of its fluxes, whose exact derivative is t d/dt, within 0.3 %; an isotropic undercut's
// and 3D hole's CDs within 0.7 % of their closed form; the SF6/O2 trench's top and mid CDs within
// 4.3 % of the depth's derivative at 1 nm cells (6.6 % at 2 nm), 1.6 % along the scaling; the
// walls a narrow beam etches within 0.062 nm per nm/s at 0.5 nm cells; the walls a directional
// etch tapers in its mask's shadow within 0.12 nm per nm/s of their closed form at 1 nm cells
// (2D and 3D). In a trench's bottom corner, which the ions' shadow rounds over a few nm at any
// cell size, the duals carry 0.7 to 0.8 of the corner's motion, and its bottom CD and sidewall
// angle, small differences of the floor's motion and the corner's, read 14 to 26 % of the
// depth's derivative off. Central differences (metrology/etch_differences.hpp) are no sure
// reference there either: d bottom CD / d A_ie reads 0.12, 0.20 and -0.02 nm with steps of 15, 5
// and 2 % (the corner's motion is curved in the parameters, and small steps read the CDs'
// staircase).

#include <stdexcept>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/etch/kinetics.hpp"
#include "fabtwin/etch/parameters.hpp"

namespace fabtwin::etch {

/// `model` in the scalar Dual<N>, the parameters `names` (N of them, by parameters()' names)
/// seeded as the variables 0..N-1.
template <int N, template <class> class Model>
Model<Dual<N>> seeded(const Model<double>& model, const std::vector<std::string>& names) {
  require(names.size() == std::size_t(N), "etch::seeded", "names.size()", names.size(),
          [] { return "N = " + std::to_string(N) + " parameter names"; });
  Model<double> source = model;
  Model<Dual<N>> result;
  const auto from = parameters(source);
  const auto to = parameters(result);
  for (std::size_t i = 0; i < from.size(); ++i) *to[i].value = Dual<N>(*from[i].value);
  for (int k = 0; k < N; ++k) {
    const auto& p = find_parameter(to, names[std::size_t(k)], "etch::seeded",
                                   "names[" + std::to_string(k) + "]");
    *p.value = Dual<N>::variable(p.value->value, k);
  }
  if constexpr (requires { result.prepare(); }) result.prepare();
  return result;
}

}  // namespace fabtwin::etch
