#pragma once
// Levenberg-Marquardt least squares over named parameters with bounds: the fit of a twin's
// parameters to measured CDs (calibration). Minimises C(x) = 1/2 sum_i r_i(x)^2 for residuals
// r = model - measurement given with their Jacobian J = dr/dx by the caller (from the chain's
// gradients, or forward-mode duals, or differences: the caller's choice).
//
// Each parameter works in units of its own scale (Parameter::scale: 1 nm of focus, 1 K, ...), so
// that one damping acts alike on all. A step solves Marquardt's damped normal equations
//   (A + lambda diag(A)) d = -g,   A = Js^T Js, g = Js^T r, Js = J diag(scale)
// (Marquardt, SIAM J. Appl. Math. 11, 1963; Nocedal & Wright, "Numerical Optimization", 2nd ed.,
// 10.3) over the free parameters (those not held at a bound by a gradient that points out of it),
// then projects the new point onto the bounds. A step that lowers C is taken and lambda shrinks by
// 3; one that does not is refused and lambda grows by 4 (Nielsen's factors of 2 and 3 gave more
// refused steps on the tests' exponential). It stops when a step changes no scaled parameter by
// more than `step_tolerance`, or C by less than `cost_tolerance` of itself, or at max_iterations;
// and, with `chi2_tolerance` > 0, before a step that could not matter: when the undamped
// Gauss-Newton step from x would lower chi^2 = 2 C / s^2 (s^2 the residuals' variance below, so
// chi^2 = m - n at x) by less than it, i.e. when its predicted decrease g^T A^-1 g / 2 is below
// chi2_tolerance C / (m - n). A step that moves one parameter by d standard errors changes chi^2 by
// d^2, so 0.01 stops where no step moves the fit by a tenth of a standard error, and saves the
// evaluations (a Jacobian each, for a calibration) that would only polish digits below the noise.
//
// At the end: standard errors and correlations from the covariance s^2 (J^T J)^-1 of the free
// parameters, s^2 = 2 C / (m - n) (the residuals' variance, unbiased), valid when the residuals are
// independent with equal variance and the model is near linear within a few standard errors.
// Parameters that the measurements cannot tell apart make J^T J singular: the fit refuses with a
// fabtwin::error naming them (the direction of Js's smallest singular value) instead of returning values
// that mean nothing; a correlation above `correlation_warning` is reported as a warning.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <Eigen/SVD>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/twin/parameter.hpp"

namespace fabtwin::twin {

/// A parameter to fit: name and unit for the report, its start, closed bounds and scale.
struct FitParameter {
  std::string name;
  std::string unit;
  double start = 0;
  double lower = -unbounded;
  double upper = unbounded;
  double scale = 1;  ///< a typical change (Parameter::scale): the unit the fit works in
};

/// The free parameters of a chain's list by name, each starting at its current value.
inline std::vector<FitParameter> fit_parameters(const ParameterList& list,
                                                const std::vector<std::string>& names) {
  std::vector<FitParameter> out;
  for (const std::string& name : names) {
    const Parameter& p = list.at(name);
    out.push_back({p.name, p.unit, *p.value, p.lower, p.upper, p.scale});
  }
  return out;
}

struct LevenbergMarquardtOptions {
  int max_iterations = 100;
  double initial_damping = 1e-3;     ///< lambda of the first step
  double step_tolerance = 1e-8;      ///< in units of each parameter's scale
  double cost_tolerance = 1e-12;     ///< relative change of C
  double chi2_tolerance = 0;         ///< least predicted change of chi^2 worth a step; 0: off
  double singular_tolerance = 1e-9;  ///< smallest / largest singular value of Js: unidentifiable
  double correlation_warning = 0.95;
};

/// What one iteration did (progress).
struct FitIteration {
  int iteration = 0;
  double cost = 0;     ///< C = 1/2 |r|^2 after it
  double damping = 0;  ///< lambda after it
  bool accepted = false;
};

struct FitReport {
  std::vector<std::string> names;
  std::vector<double> values;
  std::vector<double> std_errors;  ///< NaN where not estimable (m <= n, or held at a bound)
  std::vector<std::vector<double>> correlation;  ///< free parameters' (1 on the diagonal)
  std::vector<bool> at_bound;
  double rms_before = 0, rms_after = 0;  ///< sqrt(|r|^2 / m)
  int iterations = 0;
  int evaluations = 0;  ///< residual (and Jacobian) evaluations
  bool converged = false;
  std::vector<std::string> warnings;
};

/// The residuals (size m) and their Jacobian (m x n) at x (size n): what the fit calls.
using ResidualFunction =
    std::function<void(const Eigen::VectorXd& x, Eigen::VectorXd& r, Eigen::MatrixXd& jacobian)>;

namespace detail {

inline void check_fit_parameters(const std::vector<FitParameter>& parameters,
                                 const LevenbergMarquardtOptions& options) {
  const char* where = "twin::levenberg_marquardt";
  require(!parameters.empty(), where, "parameters.size()", 0, "at least one parameter to fit");
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const FitParameter& p = parameters[i];
    const auto field = [&](const char* f) {
      return [&, f] { return "parameters[" + std::to_string(i) + "] (" + p.name + ")." + f; };
    };
    require(p.lower <= p.upper && !std::isnan(p.lower) && !std::isnan(p.upper), where,
            field("upper"), p.upper, "an upper bound >= the lower bound");
    require(std::isfinite(p.start) && p.start >= p.lower && p.start <= p.upper, where,
            field("start"), p.start, "a finite start within the bounds");
    require(std::isfinite(p.scale) && p.scale > 0, where, field("scale"), p.scale,
            "a positive scale in the parameter's unit");
  }
  require(options.max_iterations >= 1, where, "options.max_iterations", options.max_iterations,
          "at least one iteration");
  require(options.initial_damping > 0 && std::isfinite(options.initial_damping), where,
          "options.initial_damping", options.initial_damping, "a positive damping");
  require(options.chi2_tolerance >= 0 && std::isfinite(options.chi2_tolerance), where,
          "options.chi2_tolerance", options.chi2_tolerance, "a change of chi^2 >= 0 (0: off)");
}

template <class Vector, class Matrix>
void check_evaluation(const Vector& r, const Matrix& jacobian, Eigen::Index m, Eigen::Index n) {
  const char* where = "twin::levenberg_marquardt";
  require(r.size() == m && r.size() >= 1, where, "residuals.size()", r.size(),
          m > 0 ? "the first evaluation's " + std::to_string(m) : std::string("at least one"));
  require(jacobian.rows() == m && jacobian.cols() == n, where, "jacobian",
          std::to_string(jacobian.rows()) + " x " + std::to_string(jacobian.cols()),
          std::to_string(m) + " x " + std::to_string(n) + " (residuals x parameters)");
  for (Eigen::Index i = 0; i < m; ++i)
    require(
        std::isfinite(r[i]), where, [&] { return "residuals[" + std::to_string(i) + "]"; }, r[i],
        "a finite residual");
  for (Eigen::Index i = 0; i < m; ++i)
    for (Eigen::Index j = 0; j < n; ++j)
      require(
          std::isfinite(jacobian(i, j)), where,
          [&] { return "jacobian(" + std::to_string(i) + ", " + std::to_string(j) + ")"; },
          jacobian(i, j), "a finite derivative");
}

/// Refuses a Jacobian whose columns (scaled) are dependent: names the parameters in the direction
/// the measurements do not see (the right singular vector of Js's smallest singular value). The
/// singular values come from Js itself (Jacobi SVD, accurate to rounding of Js): through the
/// eigenvalues of Js^T Js they could not fall below sqrt(machine epsilon) ~ 1.5e-8 of the largest,
/// and two exactly dependent parameters (dose and Dill's C) would pass a tolerance of 1e-9.
template <class Matrix>
void check_identifiable(const Matrix& scaled, const std::vector<int>& free,
                        const std::vector<FitParameter>& parameters, double tolerance) {
  if (free.empty()) return;
  const Eigen::JacobiSVD<Matrix> svd(scaled, Eigen::ComputeFullV);
  const auto& values = svd.singularValues();  // descending
  const double largest = values.size() > 0 ? values[0] : 0.0;
  const double smallest =
      scaled.rows() >= scaled.cols() && values.size() > 0 ? values[values.size() - 1] : 0.0;
  const auto direction = svd.matrixV().col(svd.matrixV().cols() - 1).eval();
  if (scaled.rows() >= scaled.cols() && largest > 0 && smallest > tolerance * largest) return;
  std::string names;
  for (Eigen::Index k = 0; k < direction.size(); ++k)
    if (std::abs(direction[k]) > 0.1) {
      const FitParameter& p = parameters[std::size_t(free[std::size_t(k)])];
      char weight[32];
      std::snprintf(weight, sizeof weight, "%+.3g ", direction[k]);
      names += (names.empty() ? "" : ", ") + std::string(weight) + p.name;
    }
  throw invalid_argument(argument_message(
      "twin::levenberg_marquardt", "parameters", names,
      "parameters the measurements can tell apart: this combination (in units of each "
      "parameter's scale) changes no residual (singular values " +
          describe(smallest) + " against " + describe(largest) +
          "); fix one of them or add measurements that move them differently"));
}

}  // namespace detail

/// Fits `parameters` so that the residuals `f` returns are least in the sum of squares; `progress`
/// (may be empty) hears of every iteration. `f` is called as a ResidualFunction is. A template, so
/// that a unit that includes this header without fitting (nvcc's, through twin.hpp) instantiates
/// none of Eigen's solvers: inline, they cost 23 s of every such unit's compile.
template <class Residuals = ResidualFunction>
FitReport levenberg_marquardt(const std::vector<FitParameter>& parameters, const Residuals& f,
                              const LevenbergMarquardtOptions& options = {},
                              const std::function<void(const FitIteration&)>& progress = {}) {
  detail::check_fit_parameters(parameters, options);
  const auto n = Eigen::Index(parameters.size());
  Eigen::VectorXd scale(n), lower(n), upper(n), x(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    const FitParameter& p = parameters[std::size_t(j)];
    scale[j] = p.scale;
    lower[j] = p.lower;
    upper[j] = p.upper;
    x[j] = p.start;
  }
  FitReport report;
  Eigen::VectorXd r, trial_r;
  Eigen::MatrixXd jacobian, trial_jacobian;
  f(x, r, jacobian);
  ++report.evaluations;
  const Eigen::Index m = r.size();
  detail::check_evaluation(r, jacobian, m > 0 ? m : 0, n);
  report.rms_before = std::sqrt(r.squaredNorm() / double(m));
  double cost = 0.5 * r.squaredNorm(), damping = options.initial_damping;

  // The parameters a step may move: not held at a bound by a gradient pointing out of it.
  const auto free_at = [&](const Eigen::VectorXd& g) {
    std::vector<int> free;
    for (Eigen::Index j = 0; j < n; ++j) {
      const bool held = (x[j] <= lower[j] && g[j] > 0) || (x[j] >= upper[j] && g[j] < 0);
      if (!held) free.push_back(int(j));
    }
    return free;
  };
  const auto columns = [&](const Eigen::MatrixXd& full, const std::vector<int>& free) {
    Eigen::MatrixXd out(full.rows(), Eigen::Index(free.size()));
    for (std::size_t k = 0; k < free.size(); ++k)
      out.col(Eigen::Index(k)) = full.col(free[k]) * scale[free[k]];
    return out;
  };
  {
    std::vector<int> all(static_cast<std::size_t>(n));
    for (Eigen::Index j = 0; j < n; ++j) all[std::size_t(j)] = int(j);
    detail::check_identifiable(columns(jacobian, all), all, parameters, options.singular_tolerance);
  }

  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    const Eigen::VectorXd g_full = (jacobian * scale.asDiagonal()).transpose() * r;
    const std::vector<int> free = free_at(g_full);
    if (free.empty()) {
      report.iterations = iteration;
      report.converged = true;
      break;
    }
    const Eigen::MatrixXd js = columns(jacobian, free);
    const Eigen::MatrixXd a = js.transpose() * js;
    const Eigen::VectorXd g = js.transpose() * r;
    const auto degrees = double(m) - double(free.size());
    if (options.chi2_tolerance > 0 && degrees > 0 &&
        0.5 * g.dot(a.ldlt().solve(g)) * degrees < options.chi2_tolerance * cost) {
      report.converged = true;  // no step left that could move the fit (see the header)
      break;
    }
    report.iterations = iteration;
    Eigen::MatrixXd damped = a;
    for (Eigen::Index k = 0; k < a.rows(); ++k)
      damped(k, k) += damping * std::max(a(k, k), 1e-12 * a.diagonal().maxCoeff());
    const Eigen::VectorXd step = damped.ldlt().solve(-g);
    Eigen::VectorXd trial = x;
    double largest_step = 0;
    for (std::size_t k = 0; k < free.size(); ++k) {
      const int j = free[k];
      trial[j] = std::clamp(x[j] + step[Eigen::Index(k)] * scale[j], lower[j], upper[j]);
      largest_step = std::max(largest_step, std::abs(trial[j] - x[j]) / scale[j]);
    }
    f(trial, trial_r, trial_jacobian);
    ++report.evaluations;
    detail::check_evaluation(trial_r, trial_jacobian, m, n);
    const double trial_cost = 0.5 * trial_r.squaredNorm();
    const bool accepted = trial_cost < cost;
    const double change = accepted ? (cost - trial_cost) / std::max(cost, 1e-300) : 0.0;
    if (accepted) {
      x = trial;
      std::swap(r, trial_r);
      std::swap(jacobian, trial_jacobian);
      cost = trial_cost;
      damping = std::max(damping / 3, 1e-12);
    } else {
      damping *= 4;
    }
    if (progress) progress({iteration, cost, damping, accepted});
    if (largest_step <= options.step_tolerance || (accepted && change <= options.cost_tolerance) ||
        damping > 1e16) {
      report.converged = largest_step <= options.step_tolerance || accepted;
      break;
    }
  }

  // The report: values, the free parameters' covariance, correlations, warnings.
  report.rms_after = std::sqrt(r.squaredNorm() / double(m));
  const Eigen::VectorXd g_full = (jacobian * scale.asDiagonal()).transpose() * r;
  std::vector<int> free;
  for (Eigen::Index j = 0; j < n; ++j) {
    const bool at_bound = x[j] <= lower[j] || x[j] >= upper[j];
    const bool held = (x[j] <= lower[j] && g_full[j] > 0) || (x[j] >= upper[j] && g_full[j] < 0);
    report.names.push_back(parameters[std::size_t(j)].name);
    report.values.push_back(x[j]);
    report.at_bound.push_back(at_bound);
    if (!held) free.push_back(int(j));
    if (held)
      report.warnings.push_back(parameters[std::size_t(j)].name +
                                " is held at its bound: no standard error");
  }
  const auto nf = Eigen::Index(free.size());
  report.std_errors.assign(std::size_t(n), std::numeric_limits<double>::quiet_NaN());
  report.correlation.assign(std::size_t(n), std::vector<double>(std::size_t(n), 0.0));
  if (m <= nf) report.warnings.push_back("as many parameters as measurements: no standard errors");
  if (nf > 0) {
    const Eigen::MatrixXd js = columns(jacobian, free);
    detail::check_identifiable(js, free, parameters, options.singular_tolerance);
    const Eigen::MatrixXd inverse =
        (js.transpose() * js).ldlt().solve(Eigen::MatrixXd::Identity(nf, nf));
    const double variance = m > nf ? 2 * cost / double(m - nf) : 0.0;
    for (Eigen::Index a = 0; a < nf; ++a) {
      const int ja = free[std::size_t(a)];
      if (m > nf)
        report.std_errors[std::size_t(ja)] = std::sqrt(variance * inverse(a, a)) * scale[ja];
      for (Eigen::Index b = 0; b < nf; ++b) {
        const int jb = free[std::size_t(b)];
        const double c = inverse(a, b) / std::sqrt(inverse(a, a) * inverse(b, b));
        report.correlation[std::size_t(ja)][std::size_t(jb)] = c;
        if (b > a && std::abs(c) > options.correlation_warning)
          report.warnings.push_back(parameters[std::size_t(ja)].name + " and " +
                                    parameters[std::size_t(jb)].name + " correlate at " +
                                    describe(c) + ": the measurements barely tell them apart");
      }
    }
  }
  if (!report.converged)
    report.warnings.push_back("stopped after " + std::to_string(report.iterations) +
                              " iterations without converging");
  return report;
}

}  // namespace fabtwin::twin
