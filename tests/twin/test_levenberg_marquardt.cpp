// Levenberg-Marquardt over named parameters (twin/levenberg_marquardt.hpp) on problems whose
// answers are known independently: an exponential decay fitted without noise (the truth exactly),
// with noise over many seeds (the spread of the fitted values against the standard errors the fit
// reports, and the truth within two of them), a fit stopped by its chi-square tolerance against
// one polished further, a bound that holds a parameter, parameters only their product decides
// (refused, named), and bad input.

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "fabtwin/core/error.hpp"
#include "fabtwin/twin/levenberg_marquardt.hpp"

using namespace fabtwin;
using namespace fabtwin::twin;

namespace {

/// y(t) = a exp(-t / tau) + c at t = 0, 0.25, ..., sampled `count` times, plus noise of `sigma`.
struct Decay {
  std::vector<double> t, y;
  Decay(double a, double tau, double c, int count, double sigma, unsigned seed) {
    std::mt19937 random(seed);
    std::normal_distribution<double> noise(0.0, sigma);
    for (int i = 0; i < count; ++i) {
      t.push_back(0.25 * i);
      y.push_back(a * std::exp(-t.back() / tau) + c + (sigma > 0 ? noise(random) : 0.0));
    }
  }
  ResidualFunction residuals() const {
    return [this](const Eigen::VectorXd& x, Eigen::VectorXd& r, Eigen::MatrixXd& jacobian) {
      r.resize(Eigen::Index(t.size()));
      jacobian.resize(Eigen::Index(t.size()), 3);
      for (std::size_t i = 0; i < t.size(); ++i) {
        const double e = std::exp(-t[i] / x[1]);
        const auto row = Eigen::Index(i);
        r[row] = x[0] * e + x[2] - y[i];
        jacobian(row, 0) = e;
        jacobian(row, 1) = x[0] * e * t[i] / (x[1] * x[1]);
        jacobian(row, 2) = 1;
      }
    };
  }
};

std::vector<FitParameter> decay_parameters(double a, double tau, double c) {
  return {{"amplitude", "nm", a, 0, 100, 1},
          {"tau", "s", tau, 0.05, 100, 0.1},
          {"offset", "nm", c, -100, 100, 1}};
}

}  // namespace

TEST_CASE("Levenberg-Marquardt recovers an exponential decay exactly without noise", "[twin]") {
  const Decay data(12, 1.3, 2.5, 40, 0, 1);
  std::vector<FitIteration> steps;
  const FitReport fit = levenberg_marquardt(decay_parameters(3, 0.4, -1), data.residuals(), {},
                                            [&](const FitIteration& i) { steps.push_back(i); });
  CHECK(fit.converged);
  CHECK(fit.values[0] == Approx(12).epsilon(1e-9));
  CHECK(fit.values[1] == Approx(1.3).epsilon(1e-9));
  CHECK(fit.values[2] == Approx(2.5).epsilon(1e-9));
  CHECK(fit.rms_after < 1e-9);
  CHECK(fit.rms_before > 1);
  REQUIRE(!steps.empty());
  CHECK(steps.size() == std::size_t(fit.iterations));
  for (std::size_t i = 1; i < steps.size(); ++i) CHECK(steps[i].cost <= steps[i - 1].cost);
  CHECK(fit.names == std::vector<std::string>{"amplitude", "tau", "offset"});
}

TEST_CASE("Levenberg-Marquardt's standard errors are the spread of its fits over noise", "[twin]") {
  // 200 noisy data sets (sigma 0.05): the fits' own spread is what the reported standard errors
  // predict, and the truth lies within two of them about 95 % of the time.
  const double truth[3] = {12, 1.3, 2.5};
  const int seeds = 200;
  std::vector<double> sum(3, 0), squares(3, 0), reported(3, 0);
  int within = 0, converged = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    const Decay data(truth[0], truth[1], truth[2], 40, 0.05, unsigned(seed) + 7);
    const FitReport fit = levenberg_marquardt(decay_parameters(6, 0.6, 0), data.residuals());
    converged += fit.converged ? 1 : 0;
    for (int j = 0; j < 3; ++j) {
      sum[j] += fit.values[j];
      squares[j] += fit.values[j] * fit.values[j];
      reported[j] += fit.std_errors[j] / seeds;
      within += std::abs(fit.values[j] - truth[j]) < 2 * fit.std_errors[j] ? 1 : 0;
    }
    CHECK(fit.rms_after == Approx(0.05).epsilon(0.35));
  }
  CHECK(converged == seeds);
  for (int j = 0; j < 3; ++j) {
    const double mean = sum[j] / seeds, spread = std::sqrt(squares[j] / seeds - mean * mean);
    INFO("parameter " << j << ": mean " << mean << ", spread " << spread << ", reported "
                      << reported[j]);
    CHECK(mean == Approx(truth[j]).margin(3 * spread / std::sqrt(double(seeds))));
    CHECK(reported[j] == Approx(spread).epsilon(0.15));
  }
  const double coverage = double(within) / (3.0 * seeds);
  INFO("coverage of 2 standard errors " << coverage);
  CHECK(coverage > 0.92);
  CHECK(coverage < 0.98);
}

TEST_CASE(
    "Levenberg-Marquardt's chi-square tolerance stops where no step moves the fit by a "
    "tenth of a standard error",
    "[twin]") {
  // On 20 noisy decays: fits that stop once the Gauss-Newton step would change chi^2 by less than
  // 0.01 against fits polished to the default cost tolerance. A parameter d standard errors away
  // from the end of the polished fit lies at chi^2 at least d^2 above it, so the early fits must
  // lie within 0.1 standard errors of the polished ones, in fewer evaluations.
  int early_evaluations = 0, polished_evaluations = 0;
  for (unsigned seed = 0; seed < 20; ++seed) {
    INFO("seed " << seed);
    const Decay data(12, 1.3, 2.5, 40, 0.05, seed + 301);
    const FitReport polished = levenberg_marquardt(decay_parameters(6, 0.6, 0), data.residuals());
    const FitReport early = levenberg_marquardt(decay_parameters(6, 0.6, 0), data.residuals(),
                                                {.chi2_tolerance = 0.01});
    CHECK(early.converged);
    CHECK(early.evaluations <= polished.evaluations);
    early_evaluations += early.evaluations;
    polished_evaluations += polished.evaluations;
    for (int j = 0; j < 3; ++j)
      CHECK(std::abs(early.values[j] - polished.values[j]) <= 0.1 * polished.std_errors[j]);
  }
  INFO(early_evaluations << " evaluations against " << polished_evaluations);
  CHECK(early_evaluations < polished_evaluations);
  // A tolerance no step can meet stops before the first: the start comes back, as converged.
  const Decay data(12, 1.3, 2.5, 40, 0.05, 7);
  const FitReport unmoved =
      levenberg_marquardt(decay_parameters(6, 0.6, 0), data.residuals(), {.chi2_tolerance = 1e12});
  CHECK(unmoved.iterations == 0);
  CHECK(unmoved.evaluations == 1);
  CHECK(unmoved.values == std::vector<double>{6, 0.6, 0});
}

TEST_CASE("Levenberg-Marquardt holds a parameter at its bound", "[twin]") {
  // The offset may not go below 3 nm while the data's is 2.5: the fit stops on the bound, never
  // asks for a point outside it, and fits the rest as well as the bound allows.
  const Decay data(12, 1.3, 2.5, 40, 0, 1);
  auto parameters = decay_parameters(3, 0.4, 5);
  parameters[2].lower = 3;
  bool outside = false;
  const ResidualFunction inner = data.residuals();
  const FitReport fit = levenberg_marquardt(
      parameters, [&](const Eigen::VectorXd& x, Eigen::VectorXd& r, Eigen::MatrixXd& jacobian) {
        outside = outside || x[2] < 3 || x[1] < 0.05;
        inner(x, r, jacobian);
      });
  CHECK(!outside);
  CHECK(fit.values[2] == 3);
  CHECK(fit.at_bound[2]);
  CHECK(std::isnan(fit.std_errors[2]));
  CHECK(std::isfinite(fit.std_errors[0]));
  CHECK(fit.rms_after > 0.01);
  CHECK(!fit.warnings.empty());
}

TEST_CASE("Levenberg-Marquardt refuses parameters the measurements cannot tell apart", "[twin]") {
  // y = a b t: only the product is measured. The refusal names both parameters.
  const auto product = [](const Eigen::VectorXd& x, Eigen::VectorXd& r, Eigen::MatrixXd& j) {
    r.resize(5);
    j.resize(5, 2);
    for (int i = 0; i < 5; ++i) {
      r[i] = x[0] * x[1] * i - 6.0 * i;
      j(i, 0) = x[1] * i;
      j(i, 1) = x[0] * i;
    }
  };
  const std::vector<FitParameter> parameters{{"dose_mj_cm2", "mJ/cm^2", 1, 0, 10, 1},
                                             {"dill_c", "cm^2/mJ", 1, 0, 10, 1}};
  try {
    levenberg_marquardt(parameters, product);
    FAIL("a fit of an unidentifiable pair returned");
  } catch (const fabtwin::error& e) {
    const std::string message = e.what();
    CHECK(message.find("dose_mj_cm2") != std::string::npos);
    CHECK(message.find("dill_c") != std::string::npos);
    CHECK(message.find("tell apart") != std::string::npos);
  }
}

TEST_CASE("Levenberg-Marquardt rejects bad input with the argument named", "[twin]") {
  const Decay data(12, 1.3, 2.5, 10, 0, 1);
  auto start_outside = decay_parameters(3, 0.4, 200);
  CHECK_THROWS_WITH(levenberg_marquardt(start_outside, data.residuals()),
                    Catch::Contains("offset") && Catch::Contains("start"));
  auto no_scale = decay_parameters(3, 0.4, 1);
  no_scale[0].scale = 0;
  CHECK_THROWS_WITH(levenberg_marquardt(no_scale, data.residuals()),
                    Catch::Contains("amplitude") && Catch::Contains("scale"));
  CHECK_THROWS_AS(levenberg_marquardt({}, data.residuals()), fabtwin::error);
  CHECK_THROWS_WITH(
      levenberg_marquardt(decay_parameters(3, 0.4, 1), data.residuals(), {.chi2_tolerance = -1}),
      Catch::Contains("chi2_tolerance"));
  const auto not_a_number = [](const Eigen::VectorXd&, Eigen::VectorXd& r, Eigen::MatrixXd& j) {
    r = Eigen::VectorXd::Constant(4, 1.0);
    r[2] = std::nan("");
    j = Eigen::MatrixXd::Identity(4, 3);
  };
  CHECK_THROWS_WITH(levenberg_marquardt(decay_parameters(3, 0.4, 1), not_a_number),
                    Catch::Contains("residuals[2]"));
  const auto wrong_shape = [](const Eigen::VectorXd&, Eigen::VectorXd& r, Eigen::MatrixXd& j) {
    r = Eigen::VectorXd::Constant(4, 1.0);
    j = Eigen::MatrixXd::Identity(4, 2);
  };
  CHECK_THROWS_WITH(levenberg_marquardt(decay_parameters(3, 0.4, 1), wrong_shape),
                    Catch::Contains("jacobian") && Catch::Contains("4 x 3"));
}

TEST_CASE("A chain's named parameters become the fit's, at their current values", "[twin]") {
  double dose = 30, focus = -20, dose_gradient = 0, focus_gradient = 0;
  const ParameterList list({{"dose_mj_cm2", "mJ/cm^2", 1, 200, 1, &dose, &dose_gradient},
                            {"focus_nm", "nm", -500, 500, 10, &focus, &focus_gradient}});
  const auto fit = fit_parameters(list, {"focus_nm"});
  REQUIRE(fit.size() == 1);
  CHECK(fit[0].name == "focus_nm");
  CHECK(fit[0].start == -20);
  CHECK(fit[0].lower == -500);
  CHECK(fit[0].upper == 500);
  CHECK(fit[0].scale == 10);
  CHECK_THROWS_WITH(fit_parameters(list, {"dose"}), Catch::Contains("dose_mj_cm2"));
}
