// Calibration of the twin's chain to CDs (twin/cd_calibration.hpp), host, double: the CDs'
// derivatives with respect to every named parameter against CDs re-measured after moving that
// parameter (Taylor test), and fits that recover hidden parameters from noisy synthetic CDs for 3
// and for 6 free parameters, from a wrong start, within 2 standard errors, with the CD residual
// falling to the noise; the same through a chain that ends in the pattern-scale etch, for its
// bias coefficients; and what the fit says of parameters the CDs cannot tell apart.
//
// The chain: kernels generated from the optics at three focus values (so focus is continuous), a
// Dill exposure, a bake on rates with activation energies and a ramp, and a blurred threshold, on a
// 512 nm field of 8 nm pixels holding dense lines, an isolated line, a contact and a horizontal
// line. Sites cut across each under five conditions of dose and focus.

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/etch_bias_stage.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/gradient_checks.hpp"
#include "support/host_kernels.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

constexpr double field_nm = 512, pitch_nm = 8;
const Grid grid(64, 64, pitch_nm, {pitch_nm / 2, pitch_nm / 2, 0});

optics::KernelSet kernels_at(double defocus_nm) {
  optics::OpticalSystem system;
  system.defocus_nm = defocus_nm;
  optics::SocsOptions options;
  options.period_nm = field_nm;
  options.count = 12;
  options.source_step = 0.1;
  return support::socs_kernels(system, optics::Source::annular(0.6, 0.9), options);
}

resist::PebModel bake_model() {
  resist::PebModel model;  // rates quoted at 110 C, with activation energies
  model.acid = resist::Diffusivity::from_lengths(10, 0, 90, 19.65);
  model.quencher = resist::Diffusivity::from_lengths(10, 0, 90, 19.65);
  model.quench = {8.7, 10.0};
  model.deprotect = {0.9, 25.0};
  model.initial_quencher = 0.4;
  return model;
}

/// The chain and the stages it holds by reference.
struct Twin {
  explicit Twin(Context<Host>& ctx)
      : imaging(ctx, grid, {{-100, kernels_at(-100)}, {0, kernels_at(0)}, {100, kernels_at(100)}}),
        exposure(grid, {38, 0.043, 0}),
        bake(grid, bake_model(), thermal::TemperatureHistory::bake(353.15, 383.15, 5, 40, 5),
             {.max_step_s = 2}),
        resist_model(grid, 4.0, {0.5, 15}, twin::PrintTone::below),
        chain(twin::chain(imaging, exposure, bake, resist_model)) {}
  twin::ImagingStage<double, Host> imaging;
  twin::ExposureStage<double, Host> exposure;
  twin::BakeStage<double, Host> bake;
  twin::ThresholdStage<double, Host> resist_model;
  decltype(twin::chain(imaging, exposure, bake, resist_model)) chain;
};

Field<double, Host> test_mask(Context<Host>& ctx) {
  layout::PolygonSet shapes;
  shapes.unit_nm = 1;
  for (const layout::coord_t x0 : {40, 140, 240})  // 50 nm lines at 100 nm pitch
    shapes.polygons.push_back(layout::box_polygon({x0, 40, x0 + 50, 300}));
  shapes.polygons.push_back(layout::box_polygon({380, 60, 450, 300}));   // isolated, 70 nm
  shapes.polygons.push_back(layout::box_polygon({100, 370, 180, 450}));  // contact, 80 nm
  shapes.polygons.push_back(layout::box_polygon({250, 395, 480, 455}));  // horizontal, 60 nm
  return layout::rasterize_area<double>(ctx, shapes, grid);
}

/// Cuts across each feature under every condition: nominal, dose +-6 %, focus +-50 nm.
std::vector<twin::CdSite> test_sites() {
  const std::vector<metrology::CutLine> cuts{
      {{112, 170}, {218, 170}},  // the middle dense line
      {{330, 180}, {500, 180}},  // the isolated line
      {{60, 410}, {220, 410}},   // the contact across x
      {{140, 330}, {140, 490}},  // the contact across y
      {{360, 350}, {360, 495}},  // the horizontal line
  };
  const twin::ProcessConditions conditions{
      {1.0, 0, 0}, {1.06, 0, 0}, {0.94, 0, 0}, {1.0, 50, 0}, {1.0, -50, 0}};
  std::vector<twin::CdSite> sites;
  for (const twin::ProcessCondition& c : conditions)
    for (const metrology::CutLine& cut : cuts) sites.push_back({cut, c});
  return sites;
}

std::vector<double> cds_of(const twin::ChainCds& cds) {
  std::vector<double> out;
  for (const metrology::CdResult& r : cds.results) {
    INFO("site " << out.size() << ": " << metrology::describe(r.status));
    REQUIRE(r.ok());
    out.push_back(r.cd_nm);
  }
  return out;
}

}  // namespace

TEST_CASE("CD derivatives w.r.t. every named parameter match re-measured CDs (Taylor test)",
          "[twin][calibration][taylor]") {
  Context<Host> ctx;
  Twin twin(ctx);
  twin.chain.parameter_list().set("focus_nm", 15);  // off the even point of the Bossung curve
  const Field<double, Host> mask = test_mask(ctx);
  const std::vector<twin::CdSite> sites = test_sites();
  const twin::ParameterList list = twin.chain.parameter_list();
  const std::vector<std::string> names = list.names();
  const twin::ChainCds at = twin::chain_cds(ctx, twin.chain, mask, sites, {}, names);
  const std::vector<double> cd0 = cds_of(at);

  for (std::size_t k = 0; k < names.size(); ++k) {
    const twin::Parameter& p = list.at(names[k]);
    const double start = *p.value;
    double largest = 0;
    for (std::size_t s = 0; s < sites.size(); ++s)
      largest = std::max(largest, std::abs(at.jacobian[s][k]));
    INFO(names[k] << ": largest |dCD| per scale step " << largest * p.scale << " nm");
    CHECK(largest * p.scale > 1e-3);  // every named parameter moves some CD
    // Steps from one that moves no CD by more than 0.8 nm (an edge that crosses into another
    // pixel's interpolation cell changes the CD's derivative by a jump, which a Taylor test would
    // see), halved six times: where the quadratic term nearly cancels the remainder reaches
    // second order only at small steps, so the order is read between the last two.
    const double eps0 = std::min(p.scale, 0.8 / largest);
    std::vector<std::vector<double>> remainders(sites.size());
    for (int halving = 0; halving < 7; ++halving) {
      const double eps = eps0 / double(1 << halving);
      list.set(names[k], start + eps);
      const std::vector<double> cd = cds_of(twin::chain_cds(ctx, twin.chain, mask, sites));
      for (std::size_t s = 0; s < sites.size(); ++s)
        remainders[s].push_back(std::abs(cd[s] - cd0[s] - eps * at.jacobian[s][k]));
    }
    list.set(names[k], start);
    // Sites where the parameter acts (at least a tenth of its largest effect): elsewhere the
    // remainder is all higher order and rounding.
    for (std::size_t s = 0; s < sites.size(); ++s) {
      if (std::abs(at.jacobian[s][k]) < 0.1 * largest) continue;
      const double order = test::observed_orders(remainders[s]).back();
      INFO("site " << s << " (CD " << cd0[s] << " nm, dCD/dp " << at.jacobian[s][k]
                   << "): remainder " << remainders[s].back() << " nm, observed order " << order);
      // A wrong slope leaves a first-order remainder (order 1); an order above 2 only says the
      // quadratic term is small there (blur's at the contact, 2.4), so there is no upper bound.
      CHECK(order > 1.8);
    }
  }
}

namespace {

struct Recovery {
  std::vector<std::string> free;
  std::vector<double> truth, start;
};

void check_recovery(const Recovery& test) {
  Context<Host> ctx;
  Twin twin(ctx);
  const Field<double, Host> mask = test_mask(ctx);
  const std::vector<twin::CdSite> sites = test_sites();
  const twin::ParameterList list = twin.chain.parameter_list();
  const double noise_nm = 0.25;

  // Synthetic measurements: the truth's CDs plus Gaussian noise.
  for (std::size_t k = 0; k < test.free.size(); ++k) list.set(test.free[k], test.truth[k]);
  std::vector<double> measured = cds_of(twin::chain_cds(ctx, twin.chain, mask, sites));
  std::mt19937_64 random(20261206);
  std::normal_distribution<double> gaussian(0.0, noise_nm);
  for (double& cd : measured) cd += gaussian(random);

  for (std::size_t k = 0; k < test.free.size(); ++k) list.set(test.free[k], test.start[k]);
  int iterations = 0;
  const twin::FitReport fit = twin::fit_cds(ctx, twin.chain, mask, sites, measured, test.free, {},
                                            [&](const twin::FitIteration&) { ++iterations; });
  INFO("CD RMS " << fit.rms_before << " -> " << fit.rms_after << " nm in " << fit.iterations
                 << " iterations, " << fit.evaluations << " evaluations");
  CHECK(fit.converged);
  CHECK(iterations == fit.iterations);
  for (const std::string& warning : fit.warnings) WARN(warning);
  CHECK(fit.warnings.empty());
  CHECK(fit.rms_before > 10 * noise_nm);
  // The residual RMS of a right fit estimates the noise: sqrt((m - n) / m) sigma on average.
  CHECK(fit.rms_after < 1.3 * noise_nm);
  CHECK(fit.rms_after > 0.5 * noise_nm);
  for (std::size_t k = 0; k < test.free.size(); ++k) {
    INFO(test.free[k] << ": truth " << test.truth[k] << ", start " << test.start[k] << ", fit "
                      << fit.values[k] << " +- " << fit.std_errors[k]);
    CHECK(std::isfinite(fit.std_errors[k]));
    CHECK(std::abs(fit.values[k] - test.truth[k]) < 2 * fit.std_errors[k]);
    CHECK(std::abs(list.value(test.free[k]) - fit.values[k]) == 0);  // the chain is left there
  }
}

}  // namespace

TEST_CASE("Calibration recovers 3 hidden parameters from noisy CDs", "[twin][calibration][large]") {
  check_recovery(
      {{"dose_mj_cm2", "focus_nm", "resist.blur_nm"}, {39.5, 22.0, 6.0}, {38.0, 8.0, 4.0}});
}

TEST_CASE("Calibration recovers 6 hidden parameters from noisy CDs", "[twin][calibration][large]") {
  // Six that the sites tell apart (no correlation above 0.9 at the truth).
  check_recovery(
      {{"dose_mj_cm2", "focus_nm", "resist.blur_nm", "peb.acid_d", "peb.quencher_d", "peb.kr"},
       {39.5, 22.0, 6.0, 0.75, 0.75, 11.0},
       {38.0, 8.0, 4.0, 0.5556, 0.5556, 8.7}});
}

TEST_CASE("Calibration says which parameters the CDs cannot tell apart",
          "[twin][calibration][identifiability]") {
  Context<Host> ctx;
  Twin twin(ctx);
  twin.chain.parameter_list().set("focus_nm", 15);
  const Field<double, Host> mask = test_mask(ctx);
  twin::CdFitOptions options;
  options.solver.max_iterations = 1;
  const auto fit_at_truth = [&](const std::vector<twin::CdSite>& sites,
                                const std::vector<std::string>& free) {
    const std::vector<double> measured = cds_of(twin::chain_cds(ctx, twin.chain, mask, sites));
    return twin::fit_cds(ctx, twin.chain, mask, sites, measured, free, options);
  };
  // The Dill exposure depends on C E only: dose and C are one parameter to any measurement.
  try {
    fit_at_truth(test_sites(), {"dose_mj_cm2", "dill_c", "focus_nm"});
    FAIL("a fit of dose and Dill C together was not refused");
  } catch (const invalid_argument& e) {
    CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("dose_mj_cm2") &&
                                          Catch::Matchers::Contains("dill_c") &&
                                          Catch::Matchers::Contains("changes no residual"));
  }
  // Dose and bake temperature both drive the deprotection, and a CD sees little else of the
  // temperature: they are nearly one parameter (correlation -0.997 here), and the fit says so.
  // (A split of the bake temperature among the sites does not help: it moves both sides of
  // the same combination.)
  const twin::FitReport both =
      fit_at_truth(test_sites(), {"dose_mj_cm2", "focus_nm", "peb.temperature_c"});
  REQUIRE(both.warnings.size() == 1);
  CHECK_THAT(both.warnings[0],
             Catch::Matchers::Contains("dose_mj_cm2 and peb.temperature_c correlate"));
  CHECK(std::abs(both.correlation[0][2]) > 0.99);
  // Dose, focus and the resist's blur it tells apart.
  const twin::FitReport apart =
      fit_at_truth(test_sites(), {"dose_mj_cm2", "focus_nm", "resist.blur_nm"});
  CHECK(apart.warnings.empty());
  for (std::size_t a = 0; a < 3; ++a)
    for (std::size_t b = 0; b < a; ++b) CHECK(std::abs(apart.correlation[a][b]) < 0.7);
}

TEST_CASE("Calibration fits etch-bias coefficients through the chain's etched CDs",
          "[twin][calibration][etch][large]") {
  // The chain ends in the pattern-scale etch (microloading over 100 nm); CDs are measured on the
  // etched pattern. The bias and the density coefficient are recovered with the dose, from CDs with
  // 0.2 nm of noise, and their derivatives pass a central-difference check first.
  Context<Host> ctx;
  Twin litho(ctx);
  twin::EtchBiasStage<double, Host> etch(grid, {2.0, {100.0}, {-3.0}, 0, 0});
  auto chain = twin::chain(litho.imaging, litho.exposure, litho.bake, litho.resist_model, etch);
  const Field<double, Host> mask = test_mask(ctx);
  const std::vector<twin::CdSite> sites = test_sites();
  const twin::ParameterList list = chain.parameter_list();
  const std::vector<std::string> free{"dose_mj_cm2", "etch.bias_nm", "etch.density_bias_nm.r100"};
  list.set("focus_nm", 15);
  const twin::ChainCds at = twin::chain_cds(ctx, chain, mask, sites, {}, free);
  for (std::size_t k = 1; k < free.size(); ++k) {
    const double start = list.value(free[k]), h = 0.05;
    list.set(free[k], start + h);
    const std::vector<double> up = cds_of(twin::chain_cds(ctx, chain, mask, sites));
    list.set(free[k], start - h);
    const std::vector<double> down = cds_of(twin::chain_cds(ctx, chain, mask, sites));
    list.set(free[k], start);
    for (std::size_t s = 0; s < sites.size(); ++s) {
      INFO(free[k] << ", site " << s);
      CHECK(at.jacobian[s][k] == Approx((up[s] - down[s]) / (2 * h)).margin(1e-6).epsilon(1e-4));
    }
  }
  const std::vector<double> truth{39.5, 3.5, -5.0}, start{38.0, 0.0, 0.0};
  for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], truth[k]);
  std::vector<double> measured = cds_of(twin::chain_cds(ctx, chain, mask, sites));
  std::mt19937_64 random(99);
  std::normal_distribution<double> gaussian(0.0, 0.2);
  for (double& cd : measured) cd += gaussian(random);
  for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], start[k]);
  const twin::FitReport fit = twin::fit_cds(ctx, chain, mask, sites, measured, free);
  INFO("CD RMS " << fit.rms_before << " -> " << fit.rms_after << " nm");
  CHECK(fit.rms_after < 1.3 * 0.2);
  for (std::size_t k = 0; k < free.size(); ++k) {
    INFO(free[k] << ": truth " << truth[k] << ", fit " << fit.values[k] << " +- "
                 << fit.std_errors[k]);
    CHECK(std::abs(fit.values[k] - truth[k]) < 2 * fit.std_errors[k]);
  }
}
