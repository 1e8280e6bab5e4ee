// The twin's stages and their composition (twin/): the Stage contract's gradients for each stage
// (Taylor tests w.r.t. the input and every named parameter, dot-product test of the linear one)
// through the generic checks of support/stage_checks.hpp; the focus interpolation against the
// polynomials it must reproduce; the chain's parameters, hand-offs and conditions; a chain run over
// tiles on two contexts of each space (two streams of one GPU) against one domain.

#include <cmath>
#include <complex>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/optics/ambit.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/etch_bias_stage.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/focus_interpolation.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/layer_stage.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/stage_checks.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

void check_second_order(const std::vector<double>& orders, const std::string& what) {
  for (const double order : orders) {
    INFO(what << ": observed order " << order);
    CHECK(order > 1.9);
    CHECK(order < 2.1);
  }
}

/// Kernels of radius 3 on a 32-pixel field of 8 nm whose phase turns with focus (a defocus-like
/// quadratic phase), so that the images at different focus differ.
optics::KernelSet synthetic_kernels(double focus_nm) {
  optics::KernelSet set;
  set.radius = 3;
  set.period_nm = 256;
  set.weights = {1.0, 0.45, 0.2};
  test::Sequence random(17);
  for (index_t k = 0; k < set.count(); ++k)
    for (index_t q = -set.radius; q <= set.radius; ++q)
      for (index_t p = -set.radius; p <= set.radius; ++p) {
        const double re = random.next(), im = random.next();
        const double phase = 0.004 * focus_nm * double(p * p + q * q);
        set.spectra.push_back(std::complex<double>(re, im) * std::polar(1.0, phase));
      }
  return set;
}

std::vector<twin::FocusKernels> synthetic_focus_sets() {
  return {{-40, synthetic_kernels(-40)}, {0, synthetic_kernels(0)}, {40, synthetic_kernels(40)}};
}

const Grid image_grid(32, 32, 8.0);

template <class S>
Field<double, S> mask_like(index_t batch, std::uint64_t seed) {
  std::vector<double> values = test::random_values<double>(image_grid.size() * batch, seed);
  for (double& v : values) v = 0.5 + 0.45 * v;
  return test::field_with<S>(image_grid, values, batch);
}

}  // namespace

TEST_CASE("Focus weights reproduce the polynomials they interpolate, exactly at the knots",
          "[twin][focus]") {
  const std::vector<double> three{-40, 0, 40};
  const auto quadratic = [](double z) { return 0.7 - 0.01 * z + 3e-4 * z * z; };
  const auto derivative = [](double z) { return -0.01 + 6e-4 * z; };
  for (const double z : {-40.0, -17.5, 0.0, 3.25, 40.0}) {
    double value = 0, slope = 0;
    for (const twin::FocusWeight& w : twin::focus_weights(three, z, "test", "z")) {
      value += w.weight * quadratic(three[std::size_t(w.knot)]);
      slope += w.slope * quadratic(three[std::size_t(w.knot)]);
    }
    CHECK(value == Approx(quadratic(z)).epsilon(1e-14));
    CHECK(slope == Approx(derivative(z)).epsilon(1e-12));
  }
  // At a knot the weights are exactly one and zero.
  for (const twin::FocusWeight& w : twin::focus_weights(three, 0.0, "test", "z"))
    CHECK(w.weight == (w.knot == 1 ? 1.0 : 0.0));
  // Two knots: linear; one knot: only that focus; outside the knots: refused.
  const std::vector<double> two{0, 25};
  const auto weights = twin::focus_weights(two, 10, "test", "z");
  CHECK(weights[0].weight == Approx(0.6));
  CHECK(weights[1].slope == Approx(1 / 25.0));
  CHECK_THROWS_AS(twin::focus_weights(two, 26, "test", "z"), invalid_argument);
  CHECK_THROWS_AS(twin::focus_weights({5.0}, 0, "test", "z"), invalid_argument);
  // Five knots: the window follows the nearest knot.
  const std::vector<double> five{-60, -30, 0, 30, 60};
  const auto far = twin::focus_weights(five, 50, "test", "z");
  REQUIRE(far.size() == 3);
  CHECK(far.front().knot == 2);
}

TEST_CASE("Parameter lists refuse duplicate names and values outside the bounds",
          "[twin][parameters]") {
  double a = 1, b = 2, ga = 0, gb = 0;
  CHECK_THROWS_AS(
      twin::ParameterList({{"x", "nm", 0, 5, 1, &a, &ga}, {"x", "nm", 0, 5, 1, &b, &gb}}),
      invalid_argument);
  const twin::ParameterList list({{"x", "nm", 0, 5, 1, &a, &ga}, {"y", "K", -1, 1, 1, &b, &gb}});
  list.set("x", 4.5);
  CHECK(a == 4.5);
  CHECK_THROWS_AS(list.set("x", 6), invalid_argument);
  CHECK_THROWS_AS(list.set("x", std::nan("")), invalid_argument);
  CHECK_THROWS_WITH(list.at("z"), Catch::Contains("'x', 'y'"));
}

TEMPLATE_LIST_TEST_CASE("Imaging stage: Taylor tests for the masks, focus and per-condition doses",
                        "[twin][imaging]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const twin::ProcessConditions conditions{{1.0, 0, 0}, {1.04, 12.5, 0}, {0.96, -22, 0}};
  twin::ImagingStage<double, S> stage(ctx, image_grid, synthetic_focus_sets(), {.apply_dose = true},
                                      conditions);
  stage.values().focus_nm = 3;
  const Field<double, S> masks = mask_like<S>(2, 5);
  const Field<double, S> direction = test::random_field<S>(image_grid, 2, 6);
  const Field<double, S> g = test::random_field<S>(image_grid, 6, 7);
  check_second_order(test::input_taylor_orders(ctx, stage, masks, direction, g, 0.04), "masks");
  for (const auto& p : test::parameter_taylor_orders(ctx, stage, masks, g)) {
    CHECK(p.slope != 0);  // focus must act
    check_second_order(p.orders, p.name);
  }
  // The per-condition dose gradient: the image is linear in the dose, so dL/ds_c = <g_c, I_c> / s_c.
  stage.zero_gradient();
  const std::vector<double> images = to_vector(stage.forward(ctx, masks));
  stage.backward(ctx, g);
  const std::vector<double> gv = to_vector(g);
  const std::size_t n = std::size_t(image_grid.size());
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    double expected = 0;
    for (std::size_t b = 0; b < 2; ++b)
      for (std::size_t i = 0; i < n; ++i)
        expected += gv[(b * 3 + c) * n + i] * images[(b * 3 + c) * n + i];
    CHECK(stage.gradient().condition_dose[c] ==
          Approx(expected / conditions[c].dose).epsilon(1e-12));
  }
}

TEMPLATE_LIST_TEST_CASE("Imaging stage at a knot images with that knot's kernels alone",
                        "[twin][imaging]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  twin::ImagingStage<T, S> stage(ctx, image_grid, synthetic_focus_sets(), {},
                                 {{1.0, 40, 0}, {1.0, 0, 0}});
  std::vector<T> values = test::random_values<T>(image_grid.size(), 3);
  for (T& v : values) v = T(0.5) + T(0.4) * v;
  const Field<T, S> mask = test::field_with<S>(image_grid, values);
  const std::vector<T> staged = to_vector(stage.forward(ctx, mask));
  optics::SocsImager<T, S> imager(ctx, image_grid, {synthetic_kernels(40), synthetic_kernels(0)});
  const std::vector<optics::Condition> direct{{1.0, 0}, {1.0, 1}};
  CHECK(staged == to_vector(imager.image(ctx, mask, direct)));
}

TEMPLATE_LIST_TEST_CASE("Exposure stage: Taylor tests, 2D and through a 3D film",
                        "[twin][exposure]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  for (const twin::Film film : {twin::Film{}, twin::Film{4, 80}}) {
    INFO("film layers " << film.layers);
    twin::ExposureStage<double, S> stage(image_grid, {30, 0.043, 0.0011}, film,
                                         {{1.0, 0, 0}, {1.1, 0, 0}});
    const Field<double, S> images = mask_like<S>(4, 11);
    const Field<double, S> direction = test::random_field<S>(image_grid, 4, 12);
    const Field<double, S> g = test::random_field<S>(stage.output_grid(), 4, 13);
    check_second_order(test::input_taylor_orders(ctx, stage, images, direction, g, 0.02), "images");
    for (const auto& p : test::parameter_taylor_orders(ctx, stage, images, g)) {
      CHECK(p.slope != 0);
      check_second_order(p.orders, p.name);
    }
    // The conditions' dose multiplies the energy: condition 1 at 30 mJ/cm^2 x 1.1 = 33.
    const std::vector<double> acid = to_vector(stage.forward(ctx, images));
    const std::vector<double> image = to_vector(images);
    const double i = image[std::size_t(image_grid.size())];  // member 1, pixel 0
    CHECK(acid[std::size_t(stage.output_grid().size())] ==
          Approx(
              -std::expm1(-0.043 * 33 * i *
                          std::exp(-0.0011 * stage.output_grid().origin().z * (film.layers > 0)))));
  }
}

TEMPLATE_LIST_TEST_CASE("Bake stage: Taylor tests with per-condition temperature offsets",
                        "[twin][bake]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  resist::PebModel model;
  model.acid = {3.0, 0, 15.0};
  model.quencher = {1.0, 0, 10.0};
  model.quench = {5.0, 8.0};
  model.deprotect = {0.6, 20.0};
  model.initial_quencher = 0.3;
  const auto history = thermal::TemperatureHistory::bake(353.15, 383.15, 2, 4, 2);
  std::vector<double> values = test::random_values<double>(image_grid.size() * 4, 21);
  for (double& v : values) v = 0.35 + 0.25 * v;
  const Field<double, S> acid = test::field_with<S>(image_grid, values, 4);
  const Field<double, S> direction = test::random_field<S>(image_grid, 4, 22);
  const Field<double, S> g = test::random_field<S>(image_grid, 4, 23);
  // Both diffusion kernels (thermal/spectral_diffusion.hpp): the lattice one's adjoint and its
  // derivative in the diffusivities are their own code.
  for (const auto kernel :
       {thermal::DiffusionKernel::lattice, thermal::DiffusionKernel::gaussian}) {
    twin::BakeStage<double, S> lattice_stage(
        image_grid, model, history,
        {.max_step_s = 1,
         .boundaries = {thermal::Boundary::periodic, thermal::Boundary::periodic,
                        thermal::Boundary::mirror, kernel}},
        {{1, 0, 0}, {1, 0, 1.5}});
    INFO("kernel " << int(kernel));
    check_second_order(test::input_taylor_orders(ctx, lattice_stage, acid, direction, g, 0.02),
                       "acid");
    for (const auto& p : test::parameter_taylor_orders(ctx, lattice_stage, acid, g)) {
      CHECK(p.slope != 0);
      check_second_order(p.orders, p.name);
    }
  }
  twin::BakeStage<double, S> stage(image_grid, model, history, {.max_step_s = 1},
                                   {{1, 0, 0}, {1, 0, 1.5}});
  CHECK(stage.values().temperature_c == Approx(110));
  // The offset of condition 1 bakes it hotter: the same acid deprotects more (less inhibitor left).
  std::vector<double> same(values.begin(), values.begin() + image_grid.size());
  std::vector<double> twice;
  for (int m = 0; m < 2; ++m) twice.insert(twice.end(), same.begin(), same.end());
  const std::vector<double> m =
      to_vector(stage.forward(ctx, test::field_with<S>(image_grid, twice, 2)));
  double nominal = 0, hotter = 0;
  for (index_t i = 0; i < image_grid.size(); ++i) {
    nominal += m[std::size_t(i)];
    hotter += m[std::size_t(image_grid.size() + i)];
  }
  CHECK(hotter < nominal);

  // Forward keeps the bake's sweep for backward: every step's state by default (they fit in
  // sweep_bytes), 3 checkpoints of the 8 steps where only those fit, none where nothing does (the
  // backward bakes again); the same print and the same gradients whichever.
  const std::vector<double> inhibitor = to_vector(stage.forward(ctx, acid));
  const std::vector<double> all_steps = to_vector(stage.backward(ctx, g));
  const std::size_t pair = 2 * std::size_t(image_grid.size()) * 2 * sizeof(double);  // 2 members
  for (const std::size_t budget : {3 * pair, std::size_t(0)}) {
    INFO("sweep_bytes " << budget);
    twin::BakeStage<double, S> lean(image_grid, model, history,
                                    {.max_step_s = 1, .sweep_bytes = budget},
                                    {{1, 0, 0}, {1, 0, 1.5}});
    CHECK(to_vector(lean.forward(ctx, acid)) == inhibitor);
    CHECK(test::relative_error(to_vector(lean.backward(ctx, g)), all_steps) < 1e-14);
    CHECK(lean.gradient().model.acid.lateral_nm2_per_s ==
          Approx(stage.gradient().model.acid.lateral_nm2_per_s).epsilon(1e-13));
  }
  // A backward reverses the last forward's bakes: conditions changed in between are refused.
  stage.set_conditions({{1, 0, 0}});
  CHECK_THROWS_WITH(stage.backward(ctx, g), Catch::Contains("conditions"));
}

TEMPLATE_LIST_TEST_CASE("Threshold stage: Taylor tests for both tones", "[twin][threshold]",
                        test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  for (const twin::PrintTone tone : {twin::PrintTone::above, twin::PrintTone::below}) {
    twin::ThresholdStage<double, S> stage(image_grid, 9.0, {0.5, 12}, tone);
    const Field<double, S> input = mask_like<S>(2, 31);
    const Field<double, S> direction = test::random_field<S>(image_grid, 2, 32);
    const Field<double, S> g = test::random_field<S>(image_grid, 2, 33);
    check_second_order(test::input_taylor_orders(ctx, stage, input, direction, g, 0.02), "input");
    for (const auto& p : test::parameter_taylor_orders(ctx, stage, input, g)) {
      CHECK(p.slope != 0);
      check_second_order(p.orders, p.name);
    }
  }
  // The two tones are complements.
  twin::ThresholdStage<double, S> above(image_grid, 9.0, {0.5, 12}, twin::PrintTone::above);
  twin::ThresholdStage<double, S> below(image_grid, 9.0, {0.5, 12}, twin::PrintTone::below);
  const Field<double, S> input = mask_like<S>(1, 34);
  const std::vector<double> p = to_vector(above.forward(ctx, input)),
                            q = to_vector(below.forward(ctx, input));
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(p[i] + q[i] == Approx(1).epsilon(1e-14));
}

namespace {

/// An open line between x = c1 and x = c2 (edges of width w) on a 256 x 8 nm periodic strip of
/// 2 nm pixels, the same along y.
template <class S>
Field<double, S> open_line(double c1, double c2, double w, const Grid& grid) {
  std::vector<double> values(std::size_t(grid.size()));
  for (index_t y = 0; y < grid.ny(); ++y)
    for (index_t x = 0; x < grid.nx(); ++x) {
      const double px = double(x) * grid.pitch().x;
      values[std::size_t(x + grid.nx() * y)] =
          1 / (1 + std::exp(-(px - c1) / w)) / (1 + std::exp(-(c2 - px) / w));
    }
  return test::field_with<S>(grid, values);
}

/// The x of the 0.5 crossings of row 0 (rising, falling), by linear interpolation.
std::pair<double, double> half_crossings(const std::vector<double>& row, double pitch) {
  double rising = 0, falling = 0;
  for (std::size_t i = 0; i + 1 < row.size(); ++i) {
    const double a = row[i] - 0.5, b = row[i + 1] - 0.5;
    if (a < 0 && b >= 0) rising = (double(i) + a / (a - b)) * pitch;
    if (a >= 0 && b < 0) falling = (double(i) + a / (a - b)) * pitch;
  }
  return {rising, falling};
}

}  // namespace

TEMPLATE_LIST_TEST_CASE("Etch bias stage: Taylor tests, contour moves and the kernels' transforms",
                        "[twin][etch]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  // A softer kink of |grad o| than the default, so that the Taylor range of the random input is
  // not limited by pixels of nearly flat ground.
  twin::EtchBiasModel model{2.0, {20, 60}, {3.0, -4.0}, 50, 1.5, 1e-2};
  twin::EtchBiasStage<double, S> stage(image_grid, model);
  CHECK(stage.parameters().size() == 4);
  const Field<double, S> input = mask_like<S>(2, 61);
  const Field<double, S> direction = test::random_field<S>(image_grid, 2, 62);
  const Field<double, S> g = test::random_field<S>(image_grid, 2, 63);
  check_second_order(test::input_taylor_orders(ctx, stage, input, direction, g, 0.02), "input");
  // The output is linear in every parameter: the gradient equals a central difference exactly (to
  // rounding), where a Taylor remainder would be rounding noise with no order to observe.
  stage.zero_gradient();
  stage.forward(ctx, input);
  stage.backward(ctx, g);
  for (const twin::Parameter& p : stage.parameters()) {
    const double start = *p.value, delta = 0.5;
    *p.value = start + delta;
    const double up = test::field_dot(g, stage.forward(ctx, input));
    *p.value = start - delta;
    const double down = test::field_dot(g, stage.forward(ctx, input));
    *p.value = start;
    INFO(p.name);
    CHECK(*p.gradient != 0);  // every parameter acts
    CHECK(*p.gradient == Approx((up - down) / (2 * delta)).epsilon(1e-10));
  }

  // Chained after a resist stage (the print is the open fraction): the chain's gradient w.r.t. the
  // mask and the resist's parameters passes through the bias stage's adjoint.
  twin::ThresholdStage<double, S> resist(image_grid, 5.0, {0.5, 10});
  twin::EtchBiasStage<double, S> etch(image_grid, model);
  auto chain = twin::chain(resist, etch);
  check_second_order(test::input_taylor_orders(ctx, chain, input, direction, g, 0.004), "chain");
  for (const auto& p : test::parameter_taylor_orders(ctx, chain, input, g))
    if (p.name.starts_with("resist.")) check_second_order(p.orders, p.name);

  // A straight edge of width 8 nm moves by the bias along its normal (to second order in
  // bias / width): b0 alone, then a density of radius 300 nm on a 256 nm period (its average: the
  // open fraction 0.25, up to exp(-2 pi^2 (300/256)^2) = 2e-12), then the visibility at depth
  // 600 nm (its transform at the first harmonic is x K1(x) = 2e-6 at x = 14.7).
  const Grid strip(128, 4, 2.0);
  const Field<double, S> line = open_line<S>(100, 164, 8, strip);
  const std::vector<double> line_values = to_vector(line);
  const auto [rise0, fall0] =
      half_crossings(std::vector<double>(line_values.begin(), line_values.begin() + 128), 2.0);
  const auto moved = [&](twin::EtchBiasModel m) {
    twin::EtchBiasStage<double, S> bias(strip, m);
    const std::vector<double> out = to_vector(bias.forward(ctx, line));
    const auto [rise, fall] =
        half_crossings(std::vector<double>(out.begin(), out.begin() + 128), 2.0);
    return std::pair{rise0 - rise, fall - fall0};  // outward shifts of both edges
  };
  for (const auto& [m, expected] :
       std::vector<std::pair<twin::EtchBiasModel, double>>{{{1.0, {}, {}, 0, 0}, 1.0},
                                                           {{0, {300}, {2.0}, 0, 0}, 0.5},
                                                           {{0, {}, {}, 600, 4.0}, 1.0}}) {
    const auto [left, right] = moved(m);
    INFO("expected shift " << expected);
    CHECK(left == Approx(expected).margin(0.02));
    CHECK(right == Approx(expected).margin(0.02));
  }

  // The visibility kernel r0^2 / (pi (r^2 + r0^2)^2) has the transform x K1(x), x = 2 pi f r0:
  // its Hankel transform 2 pi int r K(r) J0(2 pi f r) dr, by the midpoint rule out to 400 r0.
  const double r0 = 50;
  for (const double f : {0.0, 0.002, 0.01, 0.03}) {
    double hankel = 0;
    const double dr = r0 / 2000;
    for (double r = dr / 2; r < 400 * r0; r += dr)
      hankel += 2 * std::numbers::pi * r * r0 * r0 /
                (std::numbers::pi * std::pow(r * r + r0 * r0, 2)) *
                std::cyl_bessel_j(0.0, 2 * std::numbers::pi * f * r) * dr;
    const double x = 2 * std::numbers::pi * f * r0;
    CHECK(hankel == Approx(x > 0 ? x * std::cyl_bessel_k(1.0, x) : 1.0).margin(1e-5));
  }
  // Refused: a bias per radius, positive radii.
  CHECK_THROWS_WITH((twin::EtchBiasStage<double, S>(image_grid, {0, {10, 20}, {1}, 0, 0})),
                    Catch::Contains("density_bias_nm.size()"));
  CHECK_THROWS_WITH((twin::EtchBiasStage<double, S>(image_grid, {0, {-5}, {1}, 0, 0})),
                    Catch::Contains("radii_nm[0]"));
}

TEMPLATE_LIST_TEST_CASE("Layer stage: dot-product test", "[twin][layer]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  Context<S> ctx;
  const Grid film = Grid::volume(16, 12, 5, {4, 4, 10}, {2, 2, 5});
  twin::LayerStage<T, S> stage(film, 3);
  const auto x = test::random_field<S, T>(film, 2, 41);
  const auto y = test::random_field<S, T>(stage.output_grid(), 2, 42);
  const auto [forward_side, backward_side] = test::dot_product_sides(ctx, stage, x, y);
  CHECK(forward_side == Approx(backward_side).epsilon(std::is_same_v<T, float> ? 1e-5 : 1e-13));
}

TEMPLATE_LIST_TEST_CASE(
    "A chain composes stages: parameters by name, hand-offs and conditions checked",
    "[twin][chain]", test::DoubleCases) {
  using S = typename TestType::space;
  Context<S> ctx;
  const twin::ProcessConditions conditions{{1.0, 0, 0}, {1.05, 10, 0}};
  twin::ImagingStage<double, S> imaging(ctx, image_grid, synthetic_focus_sets(), {}, conditions);
  twin::ExposureStage<double, S> exposure(image_grid, {30, 0.043, 0}, {}, conditions);
  twin::ThresholdStage<double, S> resist(image_grid, 5.0, {0.4, 10});
  auto chain = twin::chain(imaging, exposure, resist);
  static_assert(twin::Stage<decltype(chain)>);
  CHECK(chain.parameter_list().names() ==
        std::vector<std::string>{"focus_nm", "dose_mj_cm2", "dill_c", "resist.blur_nm",
                                 "resist.threshold", "resist.steepness"});
  CHECK(chain.output_batch(3) == 6);
  const Field<double, S> masks = mask_like<S>(1, 51);
  const Field<double, S> direction = test::random_field<S>(image_grid, 1, 52);
  const Field<double, S> g = test::random_field<S>(image_grid, 2, 53);
  check_second_order(test::input_taylor_orders(ctx, chain, masks, direction, g, 0.02), "masks");
  for (const auto& p : test::parameter_taylor_orders(ctx, chain, masks, g))
    check_second_order(p.orders, p.name);

  // A dose applied by the imaging stage and by the exposure is one quantity counted twice.
  twin::ImagingStage<double, S> dosed(ctx, image_grid, synthetic_focus_sets(), {.apply_dose = true},
                                      conditions);
  CHECK_THROWS_WITH(twin::chain(dosed, exposure), Catch::Contains("dose"));
  // A bake offset that no stage applies would be silently ignored.
  twin::ImagingStage<double, S> imaging_only(ctx, image_grid, synthetic_focus_sets(),
                                             {.apply_dose = true});
  auto optics_only = twin::chain(imaging_only, resist);
  CHECK_THROWS_WITH(optics_only.set_conditions({{1, 0, 2.0}}), Catch::Contains("bake_offset_k"));
  // Stages that disagree on the conditions.
  twin::ExposureStage<double, S> other(image_grid, {30, 0.043, 0}, {}, {{1.0, 0, 0}});
  CHECK_THROWS_AS(twin::chain(imaging, other), invalid_argument);
  // Grids that do not hand over.
  twin::ThresholdStage<double, S> wrong(Grid(16, 16, 8.0), 5.0, {0.4, 10});
  CHECK_THROWS_AS(twin::chain(imaging, wrong), shape_mismatch);
  // Two members naming one quantity.
  twin::ThresholdStage<double, S> second(image_grid, 5.0, {0.4, 10});
  auto twice = twin::chain(resist, second);
  CHECK_THROWS_AS(twice.parameters(), invalid_argument);
}

namespace {

/// `set` with its weights scaled so that a clear field images to 1 (sum_k w_k |S_k(0, 0)|^2): the
/// exposure then neither saturates nor stays dark.
optics::KernelSet clear_to_one(optics::KernelSet set) {
  double clear = 0;
  for (index_t k = 0; k < set.count(); ++k)
    clear += set.weights[std::size_t(k)] * std::norm(set.at(k, 0, 0));
  for (double& w : set.weights) w /= clear;
  return set;
}

/// A resist chain over one tile's grid of space S: the synthetic kernels limited to a 64 nm ambit,
/// exposure, a lattice-kernel bake and blurred threshold (all stages of finite range).
template <class S>
struct TiledResist {
  static constexpr thermal::Boundaries lattice{
      thermal::Boundary::periodic, thermal::Boundary::periodic, thermal::Boundary::mirror,
      thermal::DiffusionKernel::lattice};
  TiledResist(Context<S>& ctx, const Grid& grid, const optics::AmbitKernels& ambit)
      : imaging(ctx, grid,
                {{0.0, clear_to_one(ambit.at_period(double(grid.nx()) * grid.pitch().x))}}),
        exposure(grid, {60, 0.043, 0}),
        bake(grid, resist::sentaurus_peb_model(),
             thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(110), 60),
             {.max_step_s = 10, .boundaries = lattice}),
        threshold(grid, 6.0, {0.5, 25}, twin::PrintTone::below, thermal::DiffusionKernel::lattice) {
  }
  const Field<double, S>& forward(Context<S>& ctx, const Field<double, S>& mask) {
    return chain.forward(ctx, mask);
  }
  index_t output_batch(index_t batch) const { return batch; }

  twin::ImagingStage<double, S> imaging;
  twin::ExposureStage<double, S> exposure;
  twin::BakeStage<double, S> bake;
  twin::ThresholdStage<double, S> threshold;
  decltype(twin::chain(imaging, exposure, bake, threshold)) chain =
      twin::chain(imaging, exposure, bake, threshold);
};

}  // namespace

TEMPLATE_LIST_TEST_CASE("A chain over 4 tiles on two contexts equals one domain", "[twin][dist]",
                        test::DoubleCases) {
  using S = typename TestType::space;
  // The synthetic kernels' spectra at a 1024 nm period (slowly varying in space, like optics' own),
  // limited to a 320 nm ambit.
  optics::KernelSet kernels = synthetic_kernels(0);
  kernels.period_nm = 1024;
  const optics::AmbitKernels ambit(kernels, 8.0, {.radius_nm = 320, .edge_nm = 160});
  Context<S> first, second;
  const Grid window(40, 40, 8.0, {100, 200, 0});
  // Blocks of 12 x 12 pixels, clear or dark at random: sharp edges, and features the optics passes.
  const std::vector<double> blocks = test::random_values<double>(17 * 17, 31);
  std::vector<double> mask(200 * 200);
  for (index_t j = 0; j < 200; ++j)
    for (index_t i = 0; i < 200; ++i)
      mask[std::size_t(j * 200 + i)] = blocks[std::size_t((j / 12) * 17 + i / 12)] > 0 ? 1.0 : 0.0;
  // The layout around the window: a 200 x 200 pixel raster starting 80 pixels before it.
  const dist::TileSource<double> source = [&](const Grid& g, Field<double, Host>& input) {
    const index_t x0 = index_t(std::llround((g.origin().x - window.origin().x) / 8.0)) + 80;
    const index_t y0 = index_t(std::llround((g.origin().y - window.origin().y) / 8.0)) + 80;
    REQUIRE(x0 >= 0);
    REQUIRE(x0 + g.nx() <= 200);
    REQUIRE(y0 >= 0);
    REQUIRE(y0 + g.ny() <= 200);
    for (index_t j = 0; j < g.ny(); ++j)
      for (index_t i = 0; i < g.nx(); ++i)
        input.data()[j * g.nx() + i] = mask[std::size_t((y0 + j) * 200 + x0 + i)];
  };
  const auto make = [&](Context<S>& ctx, const Grid& grid) {
    return std::make_unique<TiledResist<S>>(ctx, grid, ambit);
  };
  Context<S> probe_ctx;
  const TiledResist<S> probe(probe_ctx, Grid(96, 96, 8.0), ambit);
  const index_t halo = dist::halo_for_range(probe.chain.interaction_range_nm(1e-12), 8.0);
  CHECK(halo >= 40);  // the ambit, 320 nm, and the bake's and blur's few pixels
  CHECK(halo <= 64);
  Context<S>* const one[] = {&first};
  Context<S>* const two[] = {&first, &second};
  const Field<double, Host> single = dist::run_tiles<double>(
      std::span<Context<S>* const>(one), dist::TilePlan(window, 40, halo), make, source);
  const Field<double, Host> tiled = dist::run_tiles<double>(
      std::span<Context<S>* const>(two), dist::TilePlan(window, 20, halo), make, source);
  double largest = 0, spread = 0;
  for (index_t i = 0; i < single.size(); ++i) {
    largest = std::max(largest, std::fabs(single.data()[i] - tiled.data()[i]));
    spread = std::max(spread, std::fabs(single.data()[i] - single.data()[0]));
  }
  CHECK(largest <= 1e-9);
  INFO("printed " << *std::min_element(single.data(), single.data() + single.size()) << " to "
                  << *std::max_element(single.data(), single.data() + single.size()));
  CHECK(spread > 0.5);  // a print, not a flat field
}
