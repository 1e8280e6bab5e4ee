#include "support/test_cases.hpp"

#include <cmath>
#include <vector>

#include "fabtwin/metrology/process_window.hpp"

using namespace fabtwin;
using namespace fabtwin::metrology;
using Catch::Contains;

namespace {

std::vector<double> range(double first, double step, int count) {
  std::vector<double> values;
  for (int i = 0; i < count; ++i) values.push_back(first + step * i);
  return values;
}

/// An analytic Bossung model, linear in dose and quadratic in focus:
/// CD(f, d) = 100 - 3 (d - 30) + 0.001 (f - f0)^2 nm. At focus f the CD is within 100 nm ± 10 %
/// for d - 30 in [(0.001 (f - f0)^2 - 10) / 3, (0.001 (f - f0)^2 + 10) / 3]: linear interpolation in
/// dose is exact, so every window below is a closed form.
FocusExposureMatrix model_fem(double f0 = 0) {
  const std::vector<double> focus = range(-200, 25, 17);  // -200 .. 200
  const std::vector<double> dose = range(24, 1, 25);      // 24 .. 48
  std::vector<std::vector<double>> cd;
  for (double f : focus) {
    std::vector<double> row;
    for (double d : dose) row.push_back(100 - 3 * (d - 30) + 0.001 * (f - f0) * (f - f0));
    cd.push_back(row);
  }
  return FocusExposureMatrix(focus, dose, cd);
}

/// model_fem with every CD raised by `offset` nm.
FocusExposureMatrix offset_fem(double offset) {
  const FocusExposureMatrix base = model_fem();
  std::vector<std::vector<double>> cd;
  for (std::size_t f = 0; f < base.focus_count(); ++f) {
    cd.push_back(base.cd_at_focus(f));
    for (double& value : cd.back()) value += offset;
  }
  return FocusExposureMatrix(base.focus(), base.dose(), cd);
}

}  // namespace

TEST_CASE("Bossung curves and their quadratic fits", "[metrology][process_window]") {
  const FocusExposureMatrix fem = model_fem(10);
  const std::vector<BossungCurve> curves = bossung_curves(fem);
  REQUIRE(curves.size() == 25);
  CHECK(curves[2].dose == 26);
  REQUIRE(curves[2].cd_nm.size() == 17);
  CHECK(curves[2].focus_nm == fem.focus());
  CHECK(curves[2].cd_nm[0] == Approx(100 + 12 + 0.001 * 210 * 210));

  const std::vector<BossungFit> fits = fit_bossung(fem);
  REQUIRE(fits.size() == 25);
  for (const BossungFit& fit : fits) {
    // 0.001 (f - 10)^2 = 0.001 f^2 - 0.02 f + 0.1.
    CHECK(fit.c2 == Approx(0.001).epsilon(1e-10));
    CHECK(fit.c1 == Approx(-0.02).epsilon(1e-9));
    CHECK(fit.c0 == Approx(100 - 3 * (fit.dose - 30) + 0.1).epsilon(1e-12));
    CHECK(fit.curvature == Approx(0.002).epsilon(1e-10));
    REQUIRE(fit.best_focus.has_value());
    CHECK(*fit.best_focus == Approx(10).epsilon(1e-9));
    CHECK(fit.rms_residual_nm < 1e-9);
  }

  // A least-squares fit of noisy points: CD = f^2 / 100 + e with e = +1, -2, +1 at f = -10, 0, 10
  // and 0 elsewhere. On f = -20..20 (step 10) the residual is orthogonal to 1, f and f^2 only after
  // the fit absorbs e's projection; computed by hand from the normal equations:
  //   sum 1 = 5, sum f^2 = 1000, sum f^4 = 340000; e·1 = 0, e·f = 0, e·f^2 = 200.
  //   c2 = (5 * 200 - 1000 * 0) / (5 * 340000 - 1000^2) = 1000 / 700000 added to 0.01,
  //   c0 = (0 - 1000 * c2') / 5 with c2' = 1 / 700, c1 = 0.
  const FocusExposureMatrix noisy({-20, -10, 0, 10, 20}, {1.0},
                                  {{4}, {1 + 1}, {0 - 2}, {1 + 1}, {4}});
  const BossungFit fit = fit_bossung(noisy)[0];
  CHECK(fit.c2 == Approx(0.01 + 1.0 / 700));
  CHECK(fit.c1 == Approx(0).margin(1e-12));
  CHECK(fit.c0 == Approx(-1000.0 / 700 / 5));
  CHECK(*fit.best_focus == Approx(0).margin(1e-9));

  // A straight Bossung curve has no best focus.
  const FocusExposureMatrix straight({-1, 0, 1, 2}, {1.0}, {{10}, {11}, {12}, {13}});
  CHECK_FALSE(fit_bossung(straight)[0].best_focus.has_value());
  CHECK(fit_bossung(straight)[0].c1 == Approx(1));
}

TEST_CASE("Exposure latitude from the analytic model", "[metrology][process_window]") {
  const FocusExposureMatrix fem = model_fem();
  const CdSpec spec{100, 0.10, std::nullopt};
  // f = 0: d in [30 - 10/3, 30 + 10/3], centre 30: EL = 100 (20/3) / 30 = 22.22 %.
  auto at0 = exposure_latitude(fem, 8, spec);
  REQUIRE(at0.has_value());
  CHECK(at0->dose_min == Approx(30 - 10.0 / 3));
  CHECK(at0->dose_max == Approx(30 + 10.0 / 3));
  CHECK(at0->latitude_percent == Approx(200.0 / 9));
  CHECK_FALSE(at0->limited_by_sampling);
  // f = 100: 0.001 f^2 = 10, d in [30, 30 + 20/3], centre 33.33: EL = 20 %; against a nominal
  // dose of 30 it is 22.22 %.
  auto at100 = exposure_latitude(fem, 12, spec);
  REQUIRE(at100.has_value());
  CHECK(at100->dose_min == Approx(30));
  CHECK(at100->latitude_percent == Approx(20));
  CHECK(exposure_latitude(fem, 12, CdSpec{100, 0.10, 30.0})->latitude_percent == Approx(200.0 / 9));
  // f = 200: 0.001 f^2 = 40, d in [40, 46.67]: EL = 100 (20/3) / (43.33) = 15.38 %.
  CHECK(exposure_latitude(fem, 16, spec)->latitude_percent ==
        Approx(100 * (20.0 / 3) / (130.0 / 3)));
  // A tighter spec (±5 %) halves the window: at f = 0, [28.33, 31.67], EL 11.11 %.
  CHECK(exposure_latitude(fem, 8, CdSpec{100, 0.05, std::nullopt})->latitude_percent ==
        Approx(100.0 / 9));
  // No dose prints 200 nm lines.
  CHECK_FALSE(exposure_latitude(fem, 8, CdSpec{200, 0.10, std::nullopt}).has_value());

  // A window that reaches the sampled range's end is flagged.
  const FocusExposureMatrix narrow({0}, {28, 30, 32}, {{106, 100, 94}});
  const auto whole = exposure_latitude(narrow, 0, spec);
  REQUIRE(whole.has_value());
  CHECK(whole->dose_min == 28);
  CHECK(whole->dose_max == 32);
  CHECK(whole->limited_by_sampling);
  CHECK(whole->latitude_percent == Approx(100 * 4.0 / 30));

  // Non-monotone CD: in spec on [1.5, 2.5] (EL 50 %) and [3.5, 5] (EL 35.3 %); the first wins.
  const FocusExposureMatrix wavy({0}, {1, 2, 3, 4, 5}, {{120, 100, 120, 100, 95}});
  const auto best = exposure_latitude(wavy, 0, spec);
  REQUIRE(best.has_value());
  CHECK(best->dose_min == Approx(1.5));
  CHECK(best->dose_max == Approx(2.5));
  CHECK(best->latitude_percent == Approx(50));
  CHECK_FALSE(best->limited_by_sampling);
}

TEST_CASE("Depth of focus from the analytic model", "[metrology][process_window]") {
  const FocusExposureMatrix fem = model_fem();
  const CdSpec spec{100, 0.10, std::nullopt};
  // Over focus [-F, F] the common window is d - 30 in [(0.001 F^2 - 10) / 3, 10 / 3], of EL
  // 100 (20 - 0.001 F^2) / 3 / (30 + 0.001 F^2 / 6) %, falling with F; one-sided runs do worse.
  //   EL >= 10 %: 0.001 F^2 <= 11 / 1.05, F <= 102.4 -> the sampled F = 100, DOF 200 nm.
  //   EL >=  4 %: 0.001 F^2 <= 16.4 / 1.02, F <= 126.8 -> F = 125, DOF 250 nm.
  //   EL >= 20 %: 0.001 F^2 <= 2 / 1.1, F <= 42.6 -> F = 25, DOF 50 nm.
  auto el = [](double F) { return 100 * (20 - 0.001 * F * F) / 3 / (30 + 0.001 * F * F / 6); };
  const auto dof10 = depth_of_focus(fem, spec, 10);
  REQUIRE(dof10.has_value());
  CHECK(dof10->dof_nm == 200);
  CHECK(dof10->focus_min_nm == -100);
  CHECK(dof10->focus_max_nm == 100);
  CHECK(dof10->window.dose_min == Approx(30));
  CHECK(dof10->window.dose_max == Approx(30 + 10.0 / 3));
  CHECK(dof10->window.latitude_percent == Approx(el(100)));
  const auto dof4 = depth_of_focus(fem, spec, 4);
  REQUIRE(dof4.has_value());
  CHECK(dof4->dof_nm == 250);
  CHECK(dof4->window.latitude_percent == Approx(el(125)));
  CHECK(depth_of_focus(fem, spec, 20)->dof_nm == 50);
  // The best single focus reaches 22.22 %: asking for more finds nothing.
  CHECK(depth_of_focus(fem, spec, 22.2)->dof_nm == 0);
  CHECK_FALSE(depth_of_focus(fem, spec, 22.3).has_value());
  // EL 0: any common in-spec dose; 0.001 F^2 <= 20 -> F <= 141.4 -> F = 125.
  CHECK(depth_of_focus(fem, spec, 0)->dof_nm == 250);
  // Against the nominal dose 30: EL = 100 (20 - 0.001 F^2) / 90, >= 4 % for F <= 128.1 -> 250 nm,
  // >= 10 % for F <= 104.9 -> 200 nm.
  const CdSpec nominal{100, 0.10, 30.0};
  CHECK(depth_of_focus(fem, nominal, 4)->dof_nm == 250);
  CHECK(depth_of_focus(fem, nominal, 10)->dof_nm == 200);
  // Best focus off zero shifts the run, not its length.
  const auto shifted = depth_of_focus(model_fem(25), spec, 10);
  REQUIRE(shifted.has_value());
  CHECK(shifted->focus_min_nm == -75);
  CHECK(shifted->focus_max_nm == 125);
}

TEST_CASE("The overlapping window of several features", "[metrology][process_window]") {
  const CdSpec spec{100, 0.10, std::nullopt};
  // One feature: the single-feature answers.
  const std::vector<FeatureWindow> one{{model_fem(), spec}};
  CHECK(depth_of_focus(one, 10)->dof_nm == depth_of_focus(model_fem(), spec, 10)->dof_nm);
  CHECK(exposure_latitude(one, 8)->latitude_percent ==
        Approx(exposure_latitude(model_fem(), 8, spec)->latitude_percent));
  // A second feature printing 6 nm wider: in spec for x = d - 30 in [(0.001 f^2 - 4) / 3,
  // (0.001 f^2 + 16) / 3], the first for [(0.001 f^2 - 10) / 3, (0.001 f^2 + 10) / 3]. At focus 0
  // both hold for x in [-4/3, 10/3]: doses 28.667 .. 33.333, EL 100 (14/3) / 31 = 15.05 %.
  const std::vector<FeatureWindow> two{{model_fem(), spec}, {offset_fem(6), spec}};
  const auto at_zero = exposure_latitude(two, 8);
  REQUIRE(at_zero.has_value());
  CHECK(at_zero->dose_min == Approx(30 - 4.0 / 3));
  CHECK(at_zero->dose_max == Approx(30 + 10.0 / 3));
  CHECK(at_zero->latitude_percent == Approx(100 * (14.0 / 3) / 31));
  // Over focus [-F, F], q = 0.001 F^2: x in [(q - 4) / 3, 10 / 3], EL 100 (14 - q) / 3 /
  // (31 + q / 6) %, >= 10 % for q <= 4.476, F <= 66.9: the sampled F = 50, DOF 100 nm (the wider
  // feature alone would hold 200 nm), EL there 100 (11.5 / 3) / (31 + 2.5 / 6) = 12.20 %.
  const auto dof = depth_of_focus(two, 10);
  REQUIRE(dof.has_value());
  CHECK(dof->dof_nm == 100);
  CHECK(dof->focus_min_nm == -50);
  CHECK(dof->focus_max_nm == 50);
  CHECK(dof->window.latitude_percent == Approx(100 * (11.5 / 3) / (31 + 2.5 / 6)));
  CHECK(depth_of_focus(model_fem(), spec, 10)->dof_nm == 200);
  // Features that share no dose: no window at all.
  const std::vector<FeatureWindow> apart{{model_fem(), spec}, {offset_fem(25), spec}};
  CHECK_FALSE(exposure_latitude(apart, 8).has_value());
  CHECK_FALSE(depth_of_focus(apart, 0).has_value());

  // Refused: no features, different samples, different EL references.
  using Rows = std::vector<std::vector<double>>;
  REQUIRE_THROWS_WITH(depth_of_focus(std::vector<FeatureWindow>{}, 5), Contains("features.size()"));
  const FocusExposureMatrix other({0, 10}, {1, 2}, Rows{{1, 2}, {1, 2}});
  REQUIRE_THROWS_AS(
      depth_of_focus(std::vector<FeatureWindow>{{model_fem(), spec}, {other, spec}}, 5),
      shape_mismatch);
  REQUIRE_THROWS_WITH(
      exposure_latitude(std::vector<FeatureWindow>{{model_fem(), spec}, {other, spec}}, 0),
      Contains("features[1].fem"));
  REQUIRE_THROWS_WITH(
      depth_of_focus(
          std::vector<FeatureWindow>{{model_fem(), spec}, {model_fem(), CdSpec{100, 0.1, 30.0}}},
          5),
      Contains("features[1].spec.nominal_dose"));
  REQUIRE_THROWS_WITH(exposure_latitude(two, 17), Contains("focus_index"));
}

TEST_CASE("Process-window inputs are validated", "[metrology][process_window][errors]") {
  using Rows = std::vector<std::vector<double>>;
  REQUIRE_THROWS_AS(FocusExposureMatrix({0, -10}, {1, 2}, Rows{{1, 2}, {1, 2}}), invalid_argument);
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, -10}, {1, 2}, Rows{{1, 2}, {1, 2}}),
                      Contains("focus_nm[1]") && Contains("strictly increasing"));
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, 10}, {1, 1}, Rows{{1, 2}, {1, 2}}),
                      Contains("dose[1]") && Contains("no duplicates"));
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, 10}, {0, 1}, Rows{{1, 2}, {1, 2}}),
                      Contains("dose[0]") && Contains("positive"));
  REQUIRE_THROWS_WITH(FocusExposureMatrix({}, {1}, Rows{}), Contains("focus_nm.size()"));
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, NAN}, {1}, Rows{{1}, {1}}), Contains("focus_nm[1]"));
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, 10}, {1, 2}, Rows{{1, 2}, {1, NAN}}),
                      Contains("cd_nm[1][1]") && Contains("finite"));
  REQUIRE_THROWS_AS(FocusExposureMatrix({0, 10}, {1, 2}, Rows{{1, 2}}), shape_mismatch);
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, 10}, {1, 2}, Rows{{1, 2}}), Contains("cd_nm.size()"));
  REQUIRE_THROWS_AS(FocusExposureMatrix({0, 10}, {1, 2}, Rows{{1, 2}, {1}}), shape_mismatch);
  REQUIRE_THROWS_WITH(FocusExposureMatrix({0, 10}, {1, 2}, Rows{{1, 2}, {1}}),
                      Contains("cd_nm[1].size()"));

  const FocusExposureMatrix two({0, 10}, {1, 2}, Rows{{1, 2}, {1, 2}});
  CHECK(two.cd(1, 1) == 2);
  REQUIRE_THROWS_AS(two.cd(2, 0), invalid_argument);
  REQUIRE_THROWS_WITH(two.cd(0, 2), Contains("argument 'd' = 2") && Contains("an index below 2"));
  REQUIRE_THROWS_WITH(two.cd_at_focus(5), Contains("cd_at_focus") && Contains("argument 'f' = 5"));
  REQUIRE_THROWS_WITH(fit_bossung(two), Contains("at least 3 focus values"));
  const CdSpec spec{1.5, 0.1, std::nullopt};
  REQUIRE_THROWS_WITH(exposure_latitude(two, 2, spec), Contains("focus_index"));
  REQUIRE_THROWS_WITH(exposure_latitude(two, 0, CdSpec{1.5, 0.0, std::nullopt}),
                      Contains("spec.tolerance"));
  REQUIRE_THROWS_WITH(exposure_latitude(two, 0, CdSpec{1.5, 1.0, std::nullopt}),
                      Contains("spec.tolerance"));
  REQUIRE_THROWS_WITH(exposure_latitude(two, 0, CdSpec{-1, 0.1, std::nullopt}),
                      Contains("spec.target_cd_nm"));
  REQUIRE_THROWS_WITH(exposure_latitude(two, 0, CdSpec{1.5, 0.1, 0.0}),
                      Contains("spec.nominal_dose"));
  REQUIRE_THROWS_WITH(depth_of_focus(two, spec, -1), Contains("required_latitude_percent"));
}
