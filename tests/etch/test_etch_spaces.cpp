// The feature-scale etch on every space compiled in: the same kernels that test_etch checks on the
// host, here compiled by nvcc in CUDA builds and run on the device (scripts/gpu-check.sh), against
// closed forms and against the host run of the same etch.

#include "support/test_cases.hpp"

#include <cmath>
#include <numbers>

#include "fabtwin/etch/process.hpp"
#include "fabtwin/etch/shapes.hpp"
#include "fabtwin/metrology/etch_profile.hpp"

using namespace fabtwin;
using namespace fabtwin::etch;

namespace {

FeatureSpec small_trench(double opening_nm, double mask_nm) {
  FeatureSpec spec;
  spec.opening_nm = opening_nm;
  spec.pitch_nm = 96;
  spec.mask_thickness_nm = mask_nm;
  spec.grid_nm = 4;
  spec.substrate_depth_nm = 48;
  spec.gas_above_nm = 12;
  return spec;
}

/// Etches a copy of the host-built `domain` on Space and brings it back for measuring.
template <class Space, class Model>
Domain<double, Host> etched_on(const Domain<double, Host>& domain, const Model& model,
                               const EtchOptions& options, EtchReport* report = nullptr) {
  Context<Space> ctx;
  auto on_space = to<Space>(domain);
  const EtchReport r = run_etch(ctx, on_space, model, options);
  if (report) *report = r;
  return to<Host>(on_space);
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("The etch runs on every space: flat silicon goes down rate x time",
                        "[etch][spaces]", test::DoubleCases) {
  // SF6/O2 on flat silicon: every point sees the whole sky and nothing re-emits onto it, so the
  // rate is the model's at the source's own moments, here by the midpoint rule over the in-plane
  // density cos^500 psi (test_etch checks the traced fluxes against the same sums). The same model
  // as the trench below: nvcc compiles the etch for one model (an isotropic one added 9 s).
  using Space = typename TestType::space;
  const auto flat = make_feature_domain<double>(small_trench(48, 0));  // no mask: flat silicon
  Sf6o2Etch model;
  model.prepare();
  SurfaceFluxes<> sky;
  double norm = 0;
  const int steps = 200000;
  for (int i = 0; i < steps; ++i) {
    const double psi = -0.5 * std::numbers::pi + std::numbers::pi * (i + 0.5) / steps;
    const double c = std::cos(psi), w = std::pow(c, model.ion_exponent());
    norm += w;
    sky.ion_moment[1] += w * c;
    sky.ion_moment[2] += w * c * (1 - c * c);
  }
  sky.ion_moment[0] = 1;  // the whole sky's flux on flat ground
  sky.ion_moment[1] /= norm;
  sky.ion_moment[2] /= norm;
  sky.neutral[0] = model.etchant_sticking * model.etchant_flux;
  sky.neutral[1] = model.oxygen_sticking * model.oxygen_flux;
  const double rate = model.rate(int(Material::substrate), sky, {0, 0, 1});
  EtchOptions options;
  options.time_s = 0.4;
  options.flux.rays_per_point = 32;
  EtchReport report;
  const auto etched = etched_on<Space>(flat, model, options, &report);
  CHECK(report.time_s == Approx(0.4).epsilon(1e-12));
  CHECK(report.steps > 1);
  const auto profile = metrology::measure_etch_profile(etched, 48.0);
  CHECK(profile.depth_nm == Approx(rate * 0.4).epsilon(1e-5));  // 47.7 nm/s x 0.4 s
}

TEMPLATE_LIST_TEST_CASE("SF6/O2 through a mask etches the same trench on every space",
                        "[etch][spaces]", test::DoubleCases) {
  using Space = typename TestType::space;
  const auto domain = make_feature_domain<double>(small_trench(32, 24));
  Sf6o2Etch model;
  model.prepare();
  EtchOptions options;
  options.time_s = 0.4;
  options.flux.rays_per_point = 32;
  const auto on_host = etched_on<Host>(domain, model, options);
  const auto on_space = etched_on<Space>(domain, model, options);
  const auto host_profile = metrology::measure_etch_profile(on_host, 48.0);
  const auto space_profile = metrology::measure_etch_profile(on_space, 48.0);
  INFO("depth: host " << host_profile.depth_nm << " nm, space " << space_profile.depth_nm);
  // A 32 nm trench through 24 nm of mask sees less sky than flat ground (47.7 nm/s at this set:
  // test_etch) but etches: between a quarter and the whole of flat ground's 19.1 nm.
  CHECK(host_profile.depth_nm > 0.25 * 47.742 * 0.4);
  CHECK(host_profile.depth_nm < 47.742 * 0.4);
  // The device evaluates the same sums in the same order; only contracted multiply-adds round
  // differently, and a ray that grazes an edge may see or miss the sky by one direction's weight.
  CHECK(space_profile.depth_nm == Approx(host_profile.depth_nm).margin(0.05));
  CHECK(space_profile.mid_cd_nm == Approx(host_profile.mid_cd_nm).margin(0.1));
  CHECK(space_profile.mask_remaining_nm == Approx(host_profile.mask_remaining_nm).margin(1e-3));
}
