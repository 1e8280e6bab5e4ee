// The hotplate's zone map as twin parameters (twin/zoned_bake_stage.hpp): the stage's Taylor tests
// for its input and its zone offsets; and a plate map recovered from CDs measured across a field,
// within its standard errors, where a fit without the map leaves residuals that follow the map.
//
// The field: 768 nm of 8 nm pixels holding a 3 x 3 array of the same 56 nm line, imaged through
// kernels generated from the optics, exposed, baked 60 s at 110 C on the Sentaurus set under a
// 3 x 3 zone map, thresholded. Two cuts across each line. The map's hidden offsets are up to 1.5 K
// (a plate's transient non-uniformity), the CDs' noise 0.1 nm (the mean of several SEM images).
// "Within its standard errors" for nine offsets at once: each within 3 of its standard errors, and
// their chi^2 = sum ((fit - truth) / error)^2 below 21.67, chi^2's 99th percentile for 9 degrees of
// freedom (a single offset beyond 2 errors is expected in one fit of nine in three).

#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "fabtwin/twin/zoned_bake_stage.hpp"
#include "support/host_kernels.hpp"
#include "support/plate_twin.hpp"
#include "support/stage_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

TEST_CASE("The zoned bake stage passes its Taylor tests", "[twin][zoned_bake][taylor]") {
  Context<Host> ctx;
  const Grid grid(30, 24, 4.0);
  twin::ZonedBakeStage<double, Host> stage(
      grid, support::plate_bake_model(), support::plate_bake_history(), {3, 3}, {.max_step_s = 6});
  const std::vector<double> offsets{0.5, -0.3, 1.0, 0.2, -0.8, 0.4, -0.1, 0.7, -0.6};
  stage.offsets_k() = offsets;
  const Field<double, Host> acid = test::random_field<Host>(grid, 1, 41, 0.3);
  std::vector<double> shifted = to_vector(acid);
  for (double& v : shifted) v += 0.4;
  const Field<double, Host> x = test::field_with<Host>(grid, shifted);
  const Field<double, Host> direction = test::random_field<Host>(grid, 1, 42, 0.1);
  const Field<double, Host> g = test::random_field<Host>(grid, 1, 43);
  CHECK(stage.parameters().size() == 9);
  CHECK(stage.parameters()[5].name == "peb.zone_k.r1c2");
  for (const double order : test::input_taylor_orders(ctx, stage, x, direction, g, 0.1)) {
    INFO("acid: observed order " << order);
    CHECK(order > 1.9);
    CHECK(order < 2.1);
  }
  for (const auto& p : test::parameter_taylor_orders(ctx, stage, x, g)) {
    CHECK(p.slope != 0);
    for (const double order : p.orders) {
      INFO(p.name << ": observed order " << order);
      CHECK(order > 1.9);
      CHECK(order < 2.1);
    }
  }
  // The map is the bilinear blend of the offsets: the control points' values at the corners and
  // the middle.
  const std::vector<double> map = to_vector(stage.map(ctx));
  CHECK(map[0] == Approx(offsets[0]));
  CHECK(map[29] == Approx(offsets[2]));
  CHECK(map[std::size_t(30 * 23)] == Approx(offsets[6]));
  CHECK(map[std::size_t(30 * 24 - 1)] == Approx(offsets[8]));
}

TEST_CASE("The zoned bake stage's kept sweep changes no bit, and a changed stage refuses backward",
          "[twin][zoned_bake]") {
  Context<Host> ctx;
  const Grid grid(24, 20, 4.0);
  const twin::ProcessConditions corners{{1, 0, -1.0}, {1, 0, 1.5}};
  const auto make = [&](std::size_t sweep_bytes) {
    twin::ZonedBakeStage<double, Host> stage(
        grid, support::plate_bake_model(), support::plate_bake_history(), {2, 2},
        {.max_step_s = 6, .sweep_bytes = sweep_bytes}, corners);
    stage.offsets_k() = {0.4, -0.2, 0.8, -0.5};
    return stage;
  };
  auto kept = make(std::size_t(256) << 20), baked_again = make(0);
  const Field<double, Host> acid = test::random_field<Host>(grid, 4, 51, 0.3);
  const Field<double, Host> g = test::random_field<Host>(grid, 4, 52);
  // Two rounds: the first backward sweeps after its forward, the second forward sweeps as it bakes;
  // two backwards of one forward (a calibration's CD sites) reverse the same sweep.
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    kept.zero_gradient();
    baked_again.zero_gradient();
    CHECK(to_vector(kept.forward(ctx, acid)) == to_vector(baked_again.forward(ctx, acid)));
    for (int repeat = 0; repeat < 2; ++repeat)
      CHECK(to_vector(kept.backward(ctx, g)) == to_vector(baked_again.backward(ctx, g)));
    CHECK(kept.gradient_k() == baked_again.gradient_k());
    CHECK(kept.gradient_k()[0] != 0);
  }
  kept.offsets_k()[1] = 0.3;
  CHECK_THROWS_WITH(kept.backward(ctx, g),
                    Catch::Contains("offsets_k()[1]") && Catch::Contains("run forward again"));
  kept.forward(ctx, acid);
  kept.set_conditions({{1, 0, 0.5}});
  CHECK_THROWS_WITH(kept.backward(ctx, g), Catch::Contains("conditions"));
}

TEST_CASE(
    "The zoned bake over tiles: every tile bakes under the field's map, and the cores equal "
    "one domain's print and gradients",
    "[twin][zoned_bake][dist]") {
  // A window of 96 x 80 pixels of 8 nm away from the origin, under a 3 x 3 map spread over it; the
  // acid a smooth pattern given in nm, so every tile reads the pixels one domain reads.
  const double pitch = 8;
  const Grid window(96, 80, pitch, {400, 240, 0});
  const std::vector<double> offsets{0.9, -0.4, 1.5, -1.2, 0.3, 0.6, 0.2, -0.9, -0.3};
  const auto make = [&](Context<Host>&, const Grid& grid) {
    auto stage = std::make_unique<twin::ZonedBakeStage<double, Host>>(
        grid, support::plate_bake_model(), support::plate_bake_history(), twin::PlateZones{3, 3},
        twin::ZonedBakeOptions{.max_step_s = 6, .plate_field = window});
    stage->offsets_k() = offsets;
    return stage;
  };
  const auto acid_at = [](double x, double y) {
    return 0.35 + 0.3 * std::cos(2 * std::numbers::pi * x / 136) *
                      std::cos(2 * std::numbers::pi * y / 200);
  };
  const dist::TileSource<double> source = [&](const Grid& tile, Field<double, Host>& input) {
    for (index_t j = 0; j < tile.ny(); ++j)
      for (index_t i = 0; i < tile.nx(); ++i)
        input.data()[i + tile.nx() * j] =
            acid_at(tile.origin().x + double(i) * pitch, tile.origin().y + double(j) * pitch);
  };
  Context<Host> ctx;
  std::vector<Context<Host>*> contexts{&ctx};
  const auto run = [&](const dist::TilePlan& plan) {
    return dist::run_tiles<double>(std::span<Context<Host>* const>(contexts), plan, make, source);
  };
  const auto probe = make(ctx, window);
  const double range = probe->interaction_range_nm(1e-12);
  const index_t halo = dist::halo_for_range(range, pitch);
  INFO("range " << range << " nm, halo " << halo << " px");

  // The map of a tile is the field's at the same samples, held at the field's edge beyond it.
  const dist::TilePlan four(window, 48, halo);
  REQUIRE(four.tiles().size() == 4);
  {
    const dist::TilePlan one(window, 96, halo);
    REQUIRE(one.tiles().size() == 1);
    const Grid whole = one.tile_grid(one.tiles().front());
    const auto single = make(ctx, whole);
    const std::vector<double> field_map = to_vector(single->map(ctx));
    for (const dist::Tile& t : four.tiles()) {
      const auto tile = make(ctx, four.tile_grid(t));
      const std::vector<double> tile_map = to_vector(tile->map(ctx));
      const index_t dx = t.window.x0 - one.tiles().front().window.x0,
                    dy = t.window.y0 - one.tiles().front().window.y0;
      bool same = true;
      for (index_t j = 0; j < t.window.ny; ++j)
        for (index_t i = 0; i < t.window.nx; ++i)
          same = same && tile_map[std::size_t(i + t.window.nx * j)] ==
                             field_map[std::size_t(i + dx + whole.nx() * (j + dy))];
      CHECK(same);
    }
    // Control points at the field's corner samples, the edge value held outside.
    const dist::Tile& t = one.tiles().front();
    const index_t x0 = t.core.x0 - t.window.x0, y0 = t.core.y0 - t.window.y0;
    CHECK(field_map[std::size_t(x0 + whole.nx() * y0)] == Approx(offsets[0]));
    CHECK(field_map[0] == Approx(offsets[0]));
    CHECK(field_map[std::size_t(x0 + 95 + whole.nx() * (y0 + 79))] == Approx(offsets[8]));
    CHECK(field_map.back() == Approx(offsets[8]));
  }

  // A field off the stage's sample lattice, or a window of another shape, is refused by name.
  const auto bad_field = [&](const Grid& field) {
    twin::ZonedBakeStage<double, Host>(window, support::plate_bake_model(),
                                       support::plate_bake_history(), {3, 3},
                                       {.max_step_s = 6, .plate_field = field});
  };
  CHECK_THROWS_WITH(bad_field(Grid(96, 80, 4.0, {400, 240, 0})), Catch::Contains("grid.pitch"));
  CHECK_THROWS_WITH(bad_field(Grid(96, 80, pitch, {403, 240, 0})),
                    Catch::Contains("grid.origin.x") && Catch::Contains("whole number"));
  CHECK_THROWS_WITH(probe->place(Grid(48, 80, pitch)), Catch::Contains("window"));

  // With halos of the range (tolerance 1e-12), four tiles print what one domain does.
  const Field<double, Host> single = run(dist::TilePlan(window, 96, halo));
  const Field<double, Host> tiled = run(four);
  double error = 0, spread = 0;
  for (index_t i = 0; i < single.size(); ++i) {
    error = std::max(error, std::abs(single.data()[i] - tiled.data()[i]));
    spread = std::max(spread, std::abs(single.data()[i] - single.data()[0]));
  }
  CHECK(error <= 1e-9);
  CHECK(spread > 0.1);
  // A third of the halo leaves an error the range would have kept out.
  const Field<double, Host> short_halo = run(dist::TilePlan(window, 48, halo / 3, false));
  double short_error = 0;
  for (index_t i = 0; i < single.size(); ++i)
    short_error = std::max(short_error, std::abs(single.data()[i] - short_halo.data()[i]));
  INFO("a third of the halo: error " << short_error);
  CHECK(short_error > 1e-6);

  // The zones' gradients of a loss over the window: the tiles' sums, each tile's cotangent on its
  // core alone, equal one domain's.
  const auto gradients = [&](const dist::TilePlan& plan) {
    std::vector<double> sum(offsets.size(), 0.0);
    for (const dist::Tile& t : plan.tiles()) {
      const Grid grid = plan.tile_grid(t);
      const auto stage = make(ctx, grid);
      Field<double, Host> acid(grid), g(grid);
      source(grid, acid);
      for (index_t j = t.core.y0; j < t.core.y0 + t.core.ny; ++j)
        for (index_t i = t.core.x0; i < t.core.x0 + t.core.nx; ++i) {
          const double x = grid.origin().x + double(i - t.window.x0) * pitch,
                       y = grid.origin().y + double(j - t.window.y0) * pitch;
          g.data()[(i - t.window.x0) + grid.nx() * (j - t.window.y0)] =
              std::sin(x / 90) + std::cos(y / 70);
        }
      stage->zero_gradient();
      stage->forward(ctx, acid);
      stage->backward(ctx, g);
      for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += stage->gradient_k()[k];
    }
    return sum;
  };
  const std::vector<double> whole = gradients(dist::TilePlan(window, 96, halo));
  const std::vector<double> parts = gradients(four);
  for (std::size_t k = 0; k < whole.size(); ++k) {
    INFO("zone " << k << ": one domain " << whole[k] << ", four tiles " << parts[k]);
    CHECK(whole[k] != 0);
    CHECK(parts[k] == Approx(whole[k]).epsilon(1e-9));
  }
}

TEST_CASE("The zoned bake's range is measured on its own steps and moves with every temperature",
          "[twin][zoned_bake][dist]") {
  const Grid grid(64, 64, 4.0);
  const auto range = [&](std::vector<double> offsets, twin::ProcessConditions conditions,
                         double tolerance) {
    twin::ZonedBakeStage<double, Host> stage(grid, support::plate_bake_model(),
                                             support::plate_bake_history(), {2, 2},
                                             {.max_step_s = 6}, conditions);
    stage.offsets_k() = offsets;
    return stage.interaction_range_nm(tolerance);
  };
  const twin::ProcessConditions nominal = twin::nominal_condition();
  const double flat = range({0, 0, 0, 0}, nominal, 1e-9);
  // Against the uniform bake's range (the exact lattice kernel of its spectral diffusion, a
  // different discretisation of the same diffusion length): within two samples.
  twin::BakeOptions lattice{.max_step_s = 6};
  lattice.boundaries.kernel = thermal::DiffusionKernel::lattice;
  twin::BakeStage<double, Host> uniform(grid, support::plate_bake_model(),
                                        support::plate_bake_history(), lattice);
  INFO("zoned " << flat << " nm, uniform " << uniform.interaction_range_nm(1e-9) << " nm");
  CHECK(flat > 0);
  CHECK(std::abs(flat - uniform.interaction_range_nm(1e-9)) <= 2 * grid.pitch().x);
  // Hotter diffuses farther: the hottest offset counts, a colder one does not, nor does the
  // tolerance go the wrong way; a condition's bake offset counts as the map's does.
  CHECK(range({0, 0, 30, 0}, nominal, 1e-9) > flat);
  CHECK(range({0, -30, 0, 0}, nominal, 1e-9) == flat);
  CHECK(range({0, 0, 0, 0}, {{1, 0, 30}}, 1e-9) == range({30, 0, 0, 0}, nominal, 1e-9));
  CHECK(range({0, 0, 0, 0}, nominal, 1e-3) < flat);
  CHECK_THROWS_WITH(range({0, 0, 0, 0}, nominal, 0), Catch::Contains("tolerance"));
}

namespace {

std::vector<twin::FocusKernels> plate_kernels() {
  optics::SocsOptions options;
  options.period_nm = support::plate_field_nm;
  options.count = 12;
  options.source_step = 0.1;
  return {{0, support::socs_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                                    options)}};
}

}  // namespace

TEST_CASE("A hotplate's zone map is recovered from CDs across the field",
          "[twin][zoned_bake][calibration][large]") {
  Context<Host> ctx;
  support::PlateTwin twin(ctx, plate_kernels());
  const support::PlateLines lines = support::plate_lines(ctx);
  const Field<double, Host>& mask = lines.mask;
  const std::vector<twin::CdSite>& sites = lines.sites;
  const Grid field = support::plate_field();
  const twin::ParameterList list = twin.chain.parameter_list();
  std::vector<std::string> zones;
  for (const twin::Parameter& p : list)
    if (p.name.rfind("peb.zone_k.", 0) == 0) zones.push_back(p.name);
  REQUIRE(zones.size() == 9);

  // Synthetic measurements under the hidden map.
  const std::vector<double> truth{0.9, -0.4, 1.5, -1.2, 0.3, 0.6, 0.2, -0.9, -0.3};
  for (std::size_t k = 0; k < zones.size(); ++k) list.set(zones[k], truth[k]);
  const twin::ChainCds truth_cds = twin::chain_cds(ctx, twin.chain, mask, sites);
  const double noise_nm = 0.1;
  std::mt19937_64 random(15);
  std::normal_distribution<double> gaussian(0.0, noise_nm);
  std::vector<double> measured;
  for (const metrology::CdResult& r : truth_cds.results) {
    REQUIRE(r.ok());
    measured.push_back(r.cd_nm + gaussian(random));
  }

  // Without the map (a uniform plate, the dose fitted): the residuals follow the map.
  for (const std::string& zone : zones) list.set(zone, 0.0);
  const twin::FitReport uniform =
      twin::fit_cds(ctx, twin.chain, mask, sites, measured, {"dose_mj_cm2"});
  const twin::ChainCds uniform_cds = twin::chain_cds(ctx, twin.chain, mask, sites);
  std::vector<double> residual, local_truth;
  {
    // The hidden map at each site (through the same basis), for the residuals' pattern.
    twin::ZonedBakeStage<double, Host> probe(field, support::plate_bake_model(),
                                             support::plate_bake_history(), {3, 3});
    probe.offsets_k() = truth;
    const std::vector<double> hidden = to_vector(probe.map(ctx));
    for (std::size_t s = 0; s < sites.size(); ++s) {
      residual.push_back(uniform_cds.results[s].cd_nm - measured[s]);
      const metrology::Point2 mid = sites[s].line.at(0.5 * sites[s].line.length());
      const index_t x = index_t(mid.x / support::plate_pitch_nm),
                    y = index_t(mid.y / support::plate_pitch_nm);
      local_truth.push_back(hidden[std::size_t(x + field.nx() * y)]);
    }
  }
  const auto correlation = [](const std::vector<double>& a, const std::vector<double>& b) {
    double ma = 0, mb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) ma += a[i] / double(a.size());
    for (std::size_t i = 0; i < b.size(); ++i) mb += b[i] / double(b.size());
    double ab = 0, aa = 0, bb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      ab += (a[i] - ma) * (b[i] - mb);
      aa += (a[i] - ma) * (a[i] - ma);
      bb += (b[i] - mb) * (b[i] - mb);
    }
    return ab / std::sqrt(aa * bb);
  };
  const double pattern = correlation(residual, local_truth);
  INFO("uniform plate: CD RMS " << uniform.rms_after
                                << " nm; residuals against the hidden map: r = " << pattern);
  // Residuals of twice the noise: chi^2 per degree of freedom above 4 (p < 1e-6 for 17), a misfit.
  CHECK(uniform.rms_after > 2 * noise_nm);
  CHECK(pattern < -0.9);  // a hotter spot prints wider, so the uniform model prints narrower there

  // With the map: the nine offsets from a flat start (the dose known).
  list.set("dose_mj_cm2", 34);
  const twin::FitReport fit = twin::fit_cds(ctx, twin.chain, mask, sites, measured, zones);
  INFO("zone map: CD RMS " << fit.rms_before << " -> " << fit.rms_after << " nm in "
                           << fit.iterations << " iterations");
  CHECK(fit.converged);
  CHECK(fit.rms_after < 1.3 * noise_nm);
  double chi2 = 0;
  for (std::size_t k = 0; k < zones.size(); ++k) {
    INFO(zones[k] << ": truth " << truth[k] << " K, fit " << fit.values[k] << " +- "
                  << fit.std_errors[k] << " K");
    const double deviation = (fit.values[k] - truth[k]) / fit.std_errors[k];
    CHECK(std::abs(deviation) < 3);
    CHECK(fit.std_errors[k] < 0.5);
    chi2 += deviation * deviation;
  }
  INFO("chi^2 of the offsets' deviations: " << chi2);
  CHECK(chi2 < 21.67);
}
