// The twin's chain with kernels generated from the optics (host, double):
// mask -> aerial image (3 conditions of dose, focus and bake offset) -> Dill exposure -> PEB ->
// blurred threshold, Taylor-tested for the mask and every named parameter; the focus interpolation
// against kernels generated at the intermediate focus itself; and the CD's derivative
// (metrology/cd_gradient.hpp) against CDs re-measured on perturbed images.

#include <cmath>
#include <string>
#include <vector>

#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/metrology/cd_gradient.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/twin.hpp"
#include "support/host_kernels.hpp"
#include "support/stage_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

constexpr double field_nm = 480, pitch_nm = 8;
const Grid grid(60, 60, pitch_nm, {pitch_nm / 2, pitch_nm / 2, 0});

/// Kernels at a defocus: `count` of them, or 0 for every eigenpair (the TCC itself, no truncation).
optics::KernelSet kernels_at(double defocus_nm, index_t count = 10) {
  optics::OpticalSystem system;
  system.defocus_nm = defocus_nm;
  const optics::Source source = optics::Source::annular(0.6, 0.9);
  optics::SocsOptions options;
  options.period_nm = field_nm;
  options.count = count > 0 ? count : support::tcc_frequencies(system, source, field_nm);
  options.source_step = 0.1;
  return support::socs_kernels(system, source, options);
}

/// A contact and a line, anti-aliased: a mask with 2D corners and a 1D edge.
Field<double, Host> test_mask(Context<Host>& ctx) {
  layout::PolygonSet shapes;
  shapes.unit_nm = 1;
  shapes.polygons.push_back(layout::box_polygon({100, 120, 180, 200}));
  shapes.polygons.push_back(layout::box_polygon({260, 40, 316, 440}));
  return layout::rasterize_area<double>(ctx, shapes, grid);
}

}  // namespace

TEST_CASE("The chain mask -> image -> exposure -> bake -> threshold passes its Taylor tests",
          "[twin][chain][taylor]") {
  Context<Host> ctx;
  const twin::ProcessConditions conditions{{1.0, 0, 0}, {1.04, 15, 0}, {0.95, -25, 1.5}};
  twin::ImagingStage<double, Host> imaging(
      ctx, grid, {{-50, kernels_at(-50)}, {0, kernels_at(0)}, {50, kernels_at(50)}}, {},
      conditions);
  twin::ExposureStage<double, Host> exposure(grid, {30, 0.043, 0}, {}, conditions);
  resist::PebModel model;  // rates quoted at 110 C, with activation energies so the ramp matters
  model.acid = resist::Diffusivity::from_lengths(10, 0, 90, 19.65);
  model.quencher = resist::Diffusivity::from_lengths(10, 0, 90, 19.65);
  model.quench = {8.7, 10.0};
  model.deprotect = {0.9, 25.0};
  model.initial_quencher = 0.4;
  twin::BakeStage<double, Host> bake(grid, model,
                                     thermal::TemperatureHistory::bake(353.15, 383.15, 5, 30, 5),
                                     {.max_step_s = 2}, conditions);
  twin::ThresholdStage<double, Host> resist_model(grid, 6.0, {0.5, 15}, twin::PrintTone::below);
  auto chain = twin::chain(imaging, exposure, bake, resist_model);

  const std::vector<std::string> expected{
      "focus_nm",   "dose_mj_cm2",    "dill_c",           "peb.temperature_c",
      "peb.acid_d", "peb.acid_ea",    "peb.quencher_d",   "peb.quencher_ea",
      "peb.kr",     "peb.kr_ea",      "peb.kc",           "peb.kc_ea",
      "peb.q0",     "resist.blur_nm", "resist.threshold", "resist.steepness"};
  CHECK(chain.parameter_list().names() == expected);

  const Field<double, Host> mask = test_mask(ctx);
  const Field<double, Host> direction = test::random_field<Host>(grid, 1, 61);
  const Field<double, Host> g = test::random_field<Host>(grid, 3, 62);
  for (const double order : test::input_taylor_orders(ctx, chain, mask, direction, g, 0.02)) {
    INFO("mask: observed order " << order);
    CHECK(order > 1.9);
    CHECK(order < 2.1);
  }
  for (const auto& p : test::parameter_taylor_orders(ctx, chain, mask, g)) {
    CHECK(p.slope != 0);  // every named parameter acts on the print
    for (const double order : p.orders) {
      INFO(p.name << ": observed order " << order);
      CHECK(order > 1.9);
      CHECK(order < 2.1);
    }
  }
}

TEST_CASE("Focus interpolated between kernel sets agrees with kernels made at that focus",
          "[twin][focus]") {
  Context<Host> ctx;
  const Field<double, Host> mask = test_mask(ctx);
  const std::size_t n = std::size_t(grid.size());
  // Knots -h, 0, h imaged halfway, at h / 2, against kernels generated at h / 2 itself, all kernels
  // kept (a truncated set's error would change with focus and hide the interpolation's). I(z) is
  // even in z here (scalar model, symmetric source, no aberrations), so the quadratic through the
  // knots misses only the quartic term: the error must fall as h^4.
  std::vector<double> errors;
  for (const double h : {60.0, 30.0}) {
    twin::ImagingStage<double, Host> stage(
        ctx, grid, {{-h, kernels_at(-h, 0)}, {0, kernels_at(0, 0)}, {h, kernels_at(h, 0)}});
    optics::SocsImager<double, Host> direct(ctx, grid, {kernels_at(0, 0), kernels_at(h / 2, 0)});
    const std::vector<optics::Condition> at{{1.0, 0}, {1.0, 1}};
    const std::vector<double> reference = to_vector(direct.image(ctx, mask, at));
    stage.values().focus_nm = h / 2;
    const std::vector<double> interpolated = to_vector(stage.forward(ctx, mask));
    double change = 0, error = 0;
    for (std::size_t i = 0; i < n; ++i) {
      change = std::max(change, std::fabs(reference[n + i] - reference[i]));
      error = std::max(error, std::fabs(interpolated[i] - reference[n + i]));
    }
    INFO("knots at +-" << h << " nm: defocus " << h / 2 << " nm changes the image by " << change
                       << "; interpolation error " << error);
    CHECK(change > 0.005);
    CHECK(error < 0.1 * change);
    errors.push_back(error);
  }
  INFO("error ratio for half the knot spacing: " << errors[0] / errors[1]);
  CHECK(errors[0] / errors[1] > 12);
  CHECK(errors[0] / errors[1] < 20);
}

TEST_CASE("The CD's derivative equals the change of CDs re-measured on perturbed images",
          "[twin][cd]") {
  Context<Host> ctx;
  optics::SocsImager<double, Host> imager(ctx, grid, {kernels_at(0)});
  const Field<double, Host> mask = test_mask(ctx);
  const optics::Condition nominal{};
  const Field<double, Host> image = imager.image(ctx, mask, std::span(&nominal, 1));
  const Field<double, Host> direction = test::random_field<Host>(grid, 1, 71, 0.01);
  for (const metrology::CutLine& line :
       {metrology::CutLine{{40, 160}, {240, 160}}, metrology::CutLine{{230, 250}, {350, 262}}}) {
    const double threshold = 0.3;
    const metrology::CdResult cd =
        metrology::measure_cd(image.cview(), grid, line, threshold, metrology::Tone::line);
    REQUIRE(cd.ok());
    double slope = 0;
    const std::vector<double> d = to_vector(direction);
    for (const metrology::SampleWeight& w : metrology::cd_gradient(image.cview(), grid, line, cd))
      slope += w.weight * d[std::size_t(w.index)];
    const auto j = [&](double eps) {
      const Field<double, Host> moved = test::shifted(image, direction, eps);
      const metrology::CdResult c =
          metrology::measure_cd(moved.cview(), grid, line, threshold, metrology::Tone::line);
      REQUIRE(c.ok());
      return c.cd_nm;
    };
    for (const double order : test::taylor_orders(j, slope, 0.2, 4)) {
      INFO("CD " << cd.cd_nm << " nm: observed order " << order);
      CHECK(order > 1.9);
      CHECK(order < 2.1);
    }
  }
}
