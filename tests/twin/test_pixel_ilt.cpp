// Pixel ILT over a chain (twin/pixel_ilt.hpp): the objective's gradient by a Taylor test through
// the contest's kernels, and the optimiser against the uncorrected mask on an ICCAD-2013 clip,
// counted independently (metrology's pixel counts) on an 8 nm grid.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "fabtwin/exec/context.hpp"
#include "fabtwin/layout/glp.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/metrology/epe.hpp"
#include "fabtwin/metrology/pixel_counts.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/data.hpp"
#include "support/gradient_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

/// The ICCAD-2013 corners as process conditions: the contest's dose multiplies the mask amplitude,
/// so its 1.02 and 0.98 are the relative (energy) doses 1.02^2 and 0.98^2; the defocus set is the
/// knot at `defocus_knot_nm` (a label: a condition at a knot images with that set alone).
constexpr double defocus_knot_nm = 25;
twin::ProcessConditions iccad_corners() {
  return {{1.0, 0, 0}, {1.02 * 1.02, 0, 0}, {0.98 * 0.98, defocus_knot_nm, 0}};
}

struct IccadSetup {
  Grid grid{256, 256, 8.0};  // the 2048 nm canvas on 8 nm pixels
  std::vector<twin::FocusKernels> sets;
  Field<double, Host> target{grid};
};

std::optional<IccadSetup> iccad_setup(Context<Host>& ctx) {
  const auto focus = test::data_file("iccad2013/kernels/M1OPC");
  const auto defocus = test::data_file("iccad2013/kernels/M1OPC_def");
  const auto clip = test::data_file("iccad2013/clips/M1_test1.glp");
  if (!focus || !defocus || !clip) return std::nullopt;
  IccadSetup setup;
  setup.sets.push_back({0, optics::read_iccad_kernels(focus->string())});
  setup.sets.push_back({defocus_knot_nm, optics::read_iccad_kernels(defocus->string())});
  // Area coverage on the coarse pixels: the target the optimiser sees at 8 nm.
  setup.target = layout::rasterize_area<double>(
      ctx, layout::place_on_iccad2013_canvas(layout::read_glp(clip->string())), setup.grid);
  return setup;
}

auto iccad_chain(Context<Host>& ctx, const IccadSetup& s) {
  twin::ImagingStage<double, Host> imaging(ctx, s.grid, s.sets, {.apply_dose = true},
                                           iccad_corners());
  twin::ThresholdStage<double, Host> print(s.grid, 0.0, {0.225, 50.0});
  return twin::chain(std::move(imaging), std::move(print));
}

/// Counted independently of the objective: pixels of the binary print of `mask` (I >= 0.225 under
/// the nominal corner) that differ from the binary target, on the 8 nm grid.
index_t nominal_l2(Context<Host>& ctx, const IccadSetup& s, const Field<double, Host>& mask) {
  twin::ImagingStage<double, Host> nominal(ctx, s.grid, s.sets, {.apply_dose = true});
  Field<double, Host> binary_target(s.grid);
  for (index_t i = 0; i < s.grid.size(); ++i) binary_target.view()[i] = s.target.view()[i] >= 0.5;
  const Field<double, Host>& image = nominal.forward(ctx, mask);
  return metrology::l2_pixels(ctx, image.cview(), binary_target.cview(), 0.225, 0.5);
}

}  // namespace

TEST_CASE("The ILT objective's gradient passes a Taylor test through the contest's kernels",
          "[twin][ilt]") {
  Context<Host> ctx;
  auto setup = iccad_setup(ctx);
  if (!setup) return;
  auto chain = iccad_chain(ctx, *setup);
  // Every term: the corners' errors, the band between outer and inner, the mask's complexity.
  const std::vector<index_t> probes = metrology::epe_probe_samples(
      metrology::epe_sites(layout::place_on_iccad2013_canvas(
          layout::read_glp(test::data_file("iccad2013/clips/M1_test1.glp")->string()))),
      setup->grid);
  twin::IltObjective objective(chain, setup->target, 4.0, {1.0, 0.5, 0.5}, {2.0, 1, 2}, 0.5,
                               {3.0, 0, probes});

  const index_t n = setup->grid.size();
  Field<double, Host> p(setup->grid), direction(setup->grid), moved(setup->grid);
  const std::vector<double> noise = test::random_values<double>(n, 7);
  const std::vector<double> dir = test::random_values<double>(n, 8);
  for (index_t i = 0; i < n; ++i) {
    p.view()[i] = 2 * setup->target.view()[i] - 1 + 0.3 * noise[std::size_t(i)];
    direction.view()[i] = dir[std::size_t(i)];
  }
  objective.evaluate(ctx, p);
  REQUIRE(objective.band_error() > 0);
  REQUIRE(objective.complexity() > 0);
  REQUIRE(objective.probe_error() > 0);
  double slope = 0;
  for (index_t i = 0; i < n; ++i) slope += objective.gradient().view()[i] * direction.view()[i];
  REQUIRE(std::abs(slope) > 0);
  const auto j = [&](double eps) {
    for (index_t i = 0; i < n; ++i) moved.view()[i] = p.view()[i] + eps * direction.view()[i];
    return objective.evaluate(ctx, moved, false);
  };
  for (const double order : test::taylor_orders(j, slope, 1e-2, 4)) {
    INFO("observed order " << order);
    CHECK(order > 1.9);
    CHECK(order < 2.1);
  }
}

TEST_CASE("Pixel ILT prints clip 1 far closer to its target than the uncorrected mask",
          "[twin][ilt]") {
  Context<Host> ctx;
  auto setup = iccad_setup(ctx);
  if (!setup) return;
  auto chain = iccad_chain(ctx, *setup);
  const index_t n = setup->grid.size();

  Field<double, Host> binary_target(setup->grid), mask(setup->grid);
  for (index_t i = 0; i < n; ++i) binary_target.view()[i] = setup->target.view()[i] >= 0.5;
  const index_t uncorrected = nominal_l2(ctx, *setup, binary_target);

  Field<double, Host> p(setup->grid);
  for (index_t i = 0; i < n; ++i) p.view()[i] = 2 * setup->target.view()[i] - 1;
  int reported = 0;
  twin::PixelIltOptions options;
  options.iterations = 30;
  options.adam.step = 0.2;
  options.condition_weights = {1.0, 0.5, 0.5};
  options.band = {2.0, 1, 2};
  options.progress = [&](const twin::IltProgress& step) {
    ++reported;
    CHECK(step.iteration == reported);
    CHECK(step.condition_error.size() == 3);
  };
  const twin::PixelIltResult result = twin::pixel_ilt(ctx, chain, setup->target, p, options);
  CHECK(reported == 30);
  REQUIRE(result.objective.size() == 31);
  CHECK(result.objective.back() < 0.5 * result.objective.front());

  for (index_t i = 0; i < n; ++i) mask.view()[i] = p.view()[i] >= 0;
  const index_t corrected = nominal_l2(ctx, *setup, mask);
  INFO("L2 on 8 nm pixels: uncorrected " << uncorrected << ", after ILT " << corrected);
  CHECK(corrected < uncorrected / 2);
}

TEST_CASE("The mask-complexity term counts a binary square's edges", "[twin][ilt]") {
  // A 6 x 6 pixel square of m = 1 on a 16 x 16 grid: C = its perimeter in pixels, 24, each edge
  // pair contributing 1^2. m = sigmoid(a p) is binary to 1e-16 with p = +-10 and a = 4, so C
  // computed by the objective (weight 1, a target equal to the print so the other terms vanish)
  // is 24 to that precision.
  Context<Host> ctx;
  const Grid grid(16, 16, 8.0);
  twin::ThresholdStage<double, Host> print(grid, 0.0, {0.5, 8.0});
  Field<double, Host> p(grid);
  for (index_t y = 0; y < 16; ++y)
    for (index_t x = 0; x < 16; ++x)
      p.view()[x + 16 * y] = (x >= 5 && x < 11 && y >= 3 && y < 9) ? 10 : -10;
  Field<double, Host> target(grid);
  {
    twin::IltObjective zero(print, target, 4.0);
    zero.evaluate(ctx, p, false);
    copy(print.forward(ctx, zero.mask()).cview(), target.view());
  }
  twin::IltObjective objective(print, target, 4.0, {}, {}, 1.0);
  const double j = objective.evaluate(ctx, p);
  CHECK(objective.complexity() == Approx(24).epsilon(1e-12));
  CHECK(j == Approx(24).epsilon(1e-12));
}

TEST_CASE("The probe term counts the EPE violations of a binary print", "[twin][ilt]") {
  // A 200 x 120 nm target on 8 nm pixels, and a binary print of it moved 24 nm right (m = sigmoid(4
  // p) with p = +-10 through a sigmoid of steepness 1000: 0 or 1 to 1e-100). The probe term over
  // the target's EPE probes must count exactly the probes the contest's check (metrology::epe_check,
  // an independent reading of the same print) finds failed.
  Context<Host> ctx;
  const Grid grid(64, 64, 8.0);
  layout::PolygonSet target;
  target.polygons.push_back({{{160, 200}, {360, 200}, {360, 320}, {160, 320}}});
  const Field<double, Host> t = layout::rasterize_area<double>(ctx, target, grid);
  twin::ThresholdStage<double, Host> print(grid, 0.0, {0.5, 1000.0});
  Field<double, Host> p(grid);
  for (index_t y = 0; y < 64; ++y)
    for (index_t x = 0; x < 64; ++x) {
      const double cx = 8.0 * double(x), cy = 8.0 * double(y);
      p.view()[x + 64 * y] = (cx > 184 && cx < 384 && cy > 200 && cy < 320) ? 10 : -10;
    }
  const std::vector<metrology::EpeSite> sites = metrology::epe_sites(target);
  const std::vector<index_t> samples = metrology::epe_probe_samples(sites, grid);
  REQUIRE(samples.size() == 2 * sites.size());
  for (std::size_t k = 0; k < samples.size(); ++k) {  // t is 1 at inner probes, 0 at outer ones
    REQUIRE(samples[k] >= 0);
    CHECK(t.view()[samples[k]] == (k % 2 == 0 ? 1.0 : 0.0));
  }
  twin::IltObjective plain(print, t, 4.0);
  twin::IltObjective with_probes(print, t, 4.0, {}, {}, 0.0, {2.5, 0, samples});
  const double difference = with_probes.evaluate(ctx, p) - plain.evaluate(ctx, p);
  const metrology::EpeReport report =
      metrology::epe_check(ctx, target, print.forward(ctx, plain.mask()).cview(), grid);
  const double violations = double(report.inner_violations + report.outer_violations);
  INFO(report.inner_violations << " inner and " << report.outer_violations << " outer violations");
  REQUIRE(violations > 0);
  CHECK(with_probes.probe_error() == Approx(violations).epsilon(1e-12));
  CHECK(difference == Approx(2.5 * violations).epsilon(1e-12));
  CHECK_THROWS_WITH(twin::IltObjective(print, t, 4.0, {}, {}, 0.0, {1.0, 1, samples}),
                    Catch::Contains("'probes.condition' = 1"));
  CHECK_THROWS_WITH(twin::IltObjective(print, t, 4.0, {}, {}, 0.0, {1.0, 0, {4096}}),
                    Catch::Contains("'probes.samples[0]' = 4096"));
}

TEST_CASE("L-BFGS finds the known minimiser of a print-only chain", "[twin][ilt]") {
  // One stage: P = sigmoid(8 (m - 1/2)), m = sigmoid(4 p), pixel by pixel. For a target printed by
  // known free values p*, J = sum (P - t)^2 has its only minimum, 0, at p = p*.
  Context<Host> ctx;
  const Grid grid(16, 16, 8.0);
  const index_t n = grid.size();
  twin::ThresholdStage<double, Host> print(grid, 0.0, {0.5, 8.0});
  const std::vector<double> noise = test::random_values<double>(n, 11);
  std::vector<double> p_star(static_cast<std::size_t>(n));
  Field<double, Host> target(grid), p(grid);
  for (index_t i = 0; i < n; ++i) {
    p_star[std::size_t(i)] = 0.5 * noise[std::size_t(i)];  // in [-1/2, 1/2]
    const double m = 1 / (1 + std::exp(-4 * p_star[std::size_t(i)]));
    target.view()[i] = 1 / (1 + std::exp(-8 * (m - 0.5)));
  }
  twin::PixelIltOptions options;
  options.method = twin::IltMethod::lbfgs;
  options.iterations = 200;
  int reported = 0;
  options.progress = [&](const twin::IltProgress& step) {
    ++reported;
    CHECK(step.iteration == reported);
  };
  const twin::PixelIltResult result = twin::pixel_ilt(ctx, print, target, p, options);
  INFO("iterations " << result.iterations << ", evaluations " << result.evaluations << ", J from "
                     << result.objective.front() << " to " << result.objective.back());
  CHECK(reported == result.iterations);
  CHECK(result.evaluations >= result.iterations);
  // Armijo's condition: J never rises from one iteration to the next.
  for (std::size_t k = 1; k < result.objective.size(); ++k)
    CHECK(result.objective[k] <= result.objective[k - 1]);
  CHECK(result.objective.back() < 1e-14 * result.objective.front());
  double largest = 0;
  for (index_t i = 0; i < n; ++i)
    largest = std::max(largest, std::abs(p.view()[i] - p_star[std::size_t(i)]));
  CHECK(largest < 1e-5);
}

TEST_CASE("Pixel ILT by L-BFGS prints clip 1 far closer to its target", "[twin][ilt]") {
  Context<Host> ctx;
  auto setup = iccad_setup(ctx);
  if (!setup) return;
  auto chain = iccad_chain(ctx, *setup);
  const index_t n = setup->grid.size();
  Field<double, Host> binary_target(setup->grid), mask(setup->grid), p(setup->grid);
  for (index_t i = 0; i < n; ++i) binary_target.view()[i] = setup->target.view()[i] >= 0.5;
  const index_t uncorrected = nominal_l2(ctx, *setup, binary_target);
  for (index_t i = 0; i < n; ++i) p.view()[i] = 2 * setup->target.view()[i] - 1;
  twin::PixelIltOptions options;
  options.method = twin::IltMethod::lbfgs;
  options.iterations = 30;
  options.condition_weights = {1.0, 0.5, 0.5};
  options.band = {2.0, 1, 2};
  const twin::PixelIltResult result = twin::pixel_ilt(ctx, chain, setup->target, p, options);
  CHECK_FALSE(result.stalled);
  CHECK(result.iterations == 30);
  for (std::size_t k = 1; k < result.objective.size(); ++k)
    CHECK(result.objective[k] <= result.objective[k - 1]);
  CHECK(result.objective.back() < 0.5 * result.objective.front());
  for (index_t i = 0; i < n; ++i) mask.view()[i] = p.view()[i] >= 0;
  const index_t corrected = nominal_l2(ctx, *setup, mask);
  INFO("L2 on 8 nm pixels: uncorrected " << uncorrected << ", after L-BFGS ILT " << corrected);
  CHECK(corrected < uncorrected / 2);
}

TEST_CASE("Pixel ILT refuses bad options and mismatched fields by name", "[twin][ilt]") {
  Context<Host> ctx;
  auto setup = iccad_setup(ctx);
  if (!setup) return;
  auto chain = iccad_chain(ctx, *setup);
  Field<double, Host> p(setup->grid), small(Grid(64, 64, 8.0));
  twin::PixelIltOptions options;
  options.adam.step = -1;
  CHECK_THROWS_WITH(twin::pixel_ilt(ctx, chain, setup->target, p, options),
                    Catch::Contains("'options.adam.step' = -1"));
  options = {};
  options.condition_weights = {1, 1};
  CHECK_THROWS_WITH(twin::pixel_ilt(ctx, chain, setup->target, p, options),
                    Catch::Contains("'condition_weights.size()' = 2"));
  options = {};
  options.method = twin::IltMethod::lbfgs;
  options.lbfgs.memory = 0;
  CHECK_THROWS_WITH(twin::pixel_ilt(ctx, chain, setup->target, p, options),
                    Catch::Contains("'lbfgs.memory' = 0"));
  options.lbfgs = {};
  options.lbfgs.armijo = 1;
  CHECK_THROWS_WITH(twin::pixel_ilt(ctx, chain, setup->target, p, options),
                    Catch::Contains("'lbfgs.armijo' = 1"));
  CHECK_THROWS_AS(twin::pixel_ilt(ctx, chain, small, p), shape_mismatch);
  CHECK_THROWS_WITH(twin::IltObjective(chain, setup->target, 0.0),
                    Catch::Contains("'mask_steepness' = 0"));
  CHECK_THROWS_WITH(twin::IltObjective(chain, setup->target, 4.0, {}, {1.0, 1, 1}),
                    Catch::Contains("'band (a, b)' = 1, 1"));
  CHECK_THROWS_WITH(twin::IltObjective(chain, setup->target, 4.0, {}, {1.0, 1, 3}),
                    Catch::Contains("two different conditions below 3"));
  CHECK_THROWS_WITH(twin::IltObjective(chain, setup->target, 4.0, {}, {-1.0, 1, 2}),
                    Catch::Contains("'band.weight' = -1"));
  CHECK_THROWS_WITH(twin::IltObjective(chain, setup->target, 4.0, {}, {}, -2.0),
                    Catch::Contains("'complexity_weight' = -2"));
}
