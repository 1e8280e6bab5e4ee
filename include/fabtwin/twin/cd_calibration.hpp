#pragma once
// Calibration of a chain to measured CDs: the CDs a chain prints at sites (cut lines, each under
// its own process condition), their derivatives with respect to any of the chain's named
// parameters, and the least-squares fit of those parameters to measurements
// (levenberg_marquardt.hpp).
//
// The Jacobian is one backward per site: the chain runs forward once per distinct condition (set
// as its only condition, so that a backward carries one print, not the whole batch) and then, for
// each site under that condition, backward from dCD/d(print) (metrology::cd_gradient), reading
// every named parameter's gradient. A site's cost is a backward of one condition, which for the
// twin's default chain is about five forwards (the bake's checkpointed adjoint dominates). Forward
// mode would cost one pass per parameter instead, fewer when the free parameters are fewer than
// the sites, but the FFTs and the bake's solvers run on real scalars only.
//
// A CD that cannot be measured (no feature at the cut's midpoint, or an edge outside the line)
// refuses the fit where it starts; at a trial point of the fit it counts as a printed CD of 0
// with no derivative, so that a step into a region where the feature vanishes is refused by its
// cost.

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/metrology/cd_gradient.hpp"
#include "fabtwin/metrology/cut_line.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/levenberg_marquardt.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

/// A CD to measure on a chain's print: the cut line (nm, in the output grid's coordinates) and
/// the process condition the wafer saw there.
struct CdSite {
  metrology::CutLine line;
  ProcessCondition condition;
};

/// How a CD is read from the print: the level of the edges, the feature's tone (a run above the
/// level, or below), and the layer of a 3D print.
struct CdMeasurement {
  double level = 0.5;
  metrology::Tone tone = metrology::Tone::line;
  index_t layer = 0;
};

/// CDs at the sites and, for the names asked, their derivatives: jacobian[site][k] = dCD/dp_k
/// (an empty row where the CD was not measured).
struct ChainCds {
  std::vector<metrology::CdResult> results;
  std::vector<std::vector<double>> jacobian;
};

namespace detail {

inline bool same_condition(const ProcessCondition& a, const ProcessCondition& b) {
  return a.dose == b.dose && a.focus_nm == b.focus_nm && a.bake_offset_k == b.bake_offset_k;
}

/// The sites' distinct conditions, in order of first use, and each site's index into them.
inline ProcessConditions distinct_conditions(const std::vector<CdSite>& sites,
                                             std::vector<std::size_t>& index_of_site) {
  ProcessConditions distinct;
  index_of_site.clear();
  for (const CdSite& site : sites) {
    std::size_t k = 0;
    while (k < distinct.size() && !same_condition(distinct[k], site.condition)) ++k;
    if (k == distinct.size()) distinct.push_back(site.condition);
    index_of_site.push_back(k);
  }
  return distinct;
}

/// Restores a chain's conditions when it leaves scope (a measurement sets them one at a time).
template <class Chain>
class ConditionsRestorer {
 public:
  explicit ConditionsRestorer(Chain& chain) : chain_(chain), saved_(chain.conditions()) {}
  ~ConditionsRestorer() {
    if (!saved_.empty()) chain_.set_conditions(saved_);
  }
  ConditionsRestorer(const ConditionsRestorer&) = delete;
  ConditionsRestorer& operator=(const ConditionsRestorer&) = delete;

 private:
  Chain& chain_;
  ProcessConditions saved_;
};

inline void check_sites(const std::vector<CdSite>& sites, const CdMeasurement& how,
                        const char* where) {
  require(!sites.empty(), where, "sites.size()", 0, "at least one CD site");
  for (std::size_t s = 0; s < sites.size(); ++s) {
    const metrology::CutLine& line = sites[s].line;
    require(
        std::isfinite(line.start.x) && std::isfinite(line.start.y) && std::isfinite(line.end.x) &&
            std::isfinite(line.end.y) && line.length() > 0,
        where, [&] { return "sites[" + std::to_string(s) + "].line"; },
        [&] { return describe(line.start) + " to " + describe(line.end); },
        "a cut line of finite, distinct end points");
  }
  require(std::isfinite(how.level), where, "how.level", how.level, "a finite level");
}

}  // namespace detail

/// The CDs `chain` prints from `mask` at `sites` (each under its own condition), measured as
/// `how` says, and, when `names` is not empty, their derivatives with respect to those named
/// parameters (one backward per measured site). The chain's conditions are set one at a time and
/// restored at the end.
template <class Chain, class T, class Space>
ChainCds chain_cds(Context<Space>& ctx, Chain& chain, const Field<T, Space>& mask,
                   const std::vector<CdSite>& sites, const CdMeasurement& how = {},
                   const std::vector<std::string>& names = {}) {
  static_assert(Stage<Chain>, "twin::chain_cds measures the print of a twin::Stage");
  constexpr const char* where = "twin::chain_cds";
  detail::check_sites(sites, how, where);
  require<shape_mismatch>(mask.batch() == 1, where, "mask.batch()", mask.batch(), "one mask");
  const Grid out_grid = chain.output_grid();
  require(how.layer >= 0 && how.layer < out_grid.nz(), where, "how.layer", how.layer,
          "a layer of the print, 0 to " + std::to_string(out_grid.nz() - 1));
  std::vector<double*> gradients;
  {
    const ParameterList list = chain.parameter_list();
    for (const std::string& name : names) gradients.push_back(list.at(name).gradient);
  }

  std::vector<std::size_t> condition_of;
  const ProcessConditions conditions = detail::distinct_conditions(sites, condition_of);
  const detail::ConditionsRestorer<Chain> restore(chain);
  ChainCds out;
  out.results.resize(sites.size());
  out.jacobian.resize(sites.size());
  const index_t layer_size = out_grid.nx() * out_grid.ny();
  for (std::size_t c = 0; c < conditions.size(); ++c) {
    chain.set_conditions({conditions[c]});
    const Field<T, Host> print = to<Host>(chain.forward(ctx, mask));
    const View<const T, Host> image(print.data(), out_grid.nx(), out_grid.ny(), out_grid.nz());
    for (std::size_t s = 0; s < sites.size(); ++s) {
      if (condition_of[s] != c) continue;
      out.results[s] =
          metrology::measure_cd(image, out_grid, sites[s].line, how.level, how.tone, how.layer);
      if (names.empty() || !out.results[s].ok()) continue;
      Field<T, Host> cotangent(print.grid(), print.batch());
      for (const metrology::SampleWeight& w :
           metrology::cd_gradient(image, out_grid, sites[s].line, out.results[s], how.layer))
        cotangent.data()[how.layer * layer_size + w.index] += T(w.weight);
      chain.zero_gradient();
      chain.backward(ctx, to<Space>(cotangent));
      for (double* g : gradients) out.jacobian[s].push_back(*g);
    }
  }
  return out;
}

/// The measurement and the solver. The solver stops sooner than its own defaults: once a step moves
/// no parameter by 1e-4 of its scale, or the cost C = 1/2 |r|^2 by less than 1e-6 of itself. At a
/// fit that has reached the noise, C ~ m sigma^2 / 2, so that change is a change of chi^2 =
/// 2 C / sigma^2 by about 1e-6 m, far below the change of 1 that moves a parameter by one standard
/// error; the iterations it saves crept along the valley of two correlated parameters (dose and
/// bake temperature) with CD RMS equal to 4 digits. And before a step that could not move the fit
/// by a tenth of a standard error (chi2_tolerance 0.01, levenberg_marquardt.hpp): each step taken
/// costs a backward per site, and twin_calibrate's example fit took two more after its CD RMS
/// had settled (predicted chi^2 changes 4e-4 and 2e-7), 2 of its 11 Jacobians.
struct CdFitOptions {
  CdMeasurement measurement;
  LevenbergMarquardtOptions solver{
      .step_tolerance = 1e-4, .cost_tolerance = 1e-6, .chi2_tolerance = 0.01};
};

/// Fits the named parameters `free` of `chain` so that its CDs at `sites` match `measured_nm`
/// (least squares, Levenberg-Marquardt with the parameters' bounds and scales), starting from
/// their current values; leaves the chain at the fitted values. `progress` hears of every
/// iteration. The report's rms_before/after are the CD residuals' RMS in nm.
template <class Chain, class T, class Space>
FitReport fit_cds(Context<Space>& ctx, Chain& chain, const Field<T, Space>& mask,
                  const std::vector<CdSite>& sites, const std::vector<double>& measured_nm,
                  const std::vector<std::string>& free, const CdFitOptions& options = {},
                  const std::function<void(const FitIteration&)>& progress = {}) {
  constexpr const char* where = "twin::fit_cds";
  detail::check_sites(sites, options.measurement, where);
  require<shape_mismatch>(measured_nm.size() == sites.size(), where, "measured_nm.size()",
                          measured_nm.size(),
                          "one measured CD per site, " + std::to_string(sites.size()));
  for (std::size_t s = 0; s < measured_nm.size(); ++s)
    require(
        std::isfinite(measured_nm[s]) && measured_nm[s] > 0, where,
        [&] { return "measured_nm[" + std::to_string(s) + "]"; }, measured_nm[s],
        "a positive, finite CD in nm");

  // The bounds hold under every site's condition (the focus parameter's range shrinks by the
  // conditions' focus offsets), so they are read with all of them set.
  const ParameterList list = [&] {
    const detail::ConditionsRestorer<Chain> restore(chain);
    std::vector<std::size_t> condition_of;
    chain.set_conditions(detail::distinct_conditions(sites, condition_of));
    return chain.parameter_list();
  }();
  const std::vector<FitParameter> parameters = fit_parameters(list, free);

  // The Jacobian is computed only where the solver will keep it: levenberg_marquardt takes a trial
  // point only when its cost is below the current one, which is the least cost seen so far (the
  // cost never rises), and discards the trial's Jacobian otherwise. A refused step so costs
  // forwards, not a backward per site.
  int evaluation = 0;
  double least_cost = std::numeric_limits<double>::infinity();
  const auto residuals = [&](const Eigen::VectorXd& x, Eigen::VectorXd& r,
                             Eigen::MatrixXd& jacobian) {
    for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], x[Eigen::Index(k)]);
    ChainCds cds = chain_cds(ctx, chain, mask, sites, options.measurement);
    r.resize(Eigen::Index(sites.size()));
    for (std::size_t s = 0; s < sites.size(); ++s) {
      const metrology::CdResult& cd = cds.results[s];
      if (!cd.ok() && evaluation == 0)
        throw invalid_argument(argument_message(
            where, "sites[" + std::to_string(s) + "]", metrology::describe(cd.status),
            "a site where the chain prints a feature to measure at the start values (move the "
            "cut line or start nearer the process)"));
      r[Eigen::Index(s)] = (cd.ok() ? cd.cd_nm : 0.0) - measured_nm[s];
    }
    ++evaluation;
    jacobian.setZero(Eigen::Index(sites.size()), Eigen::Index(free.size()));
    const double cost = 0.5 * r.squaredNorm();
    if (!(cost < least_cost)) return;
    least_cost = cost;
    cds = chain_cds(ctx, chain, mask, sites, options.measurement, free);
    for (std::size_t s = 0; s < sites.size(); ++s)
      if (cds.results[s].ok())
        for (std::size_t k = 0; k < free.size(); ++k)
          jacobian(Eigen::Index(s), Eigen::Index(k)) = cds.jacobian[s][k];
  };
  const FitReport report = levenberg_marquardt(parameters, residuals, options.solver, progress);
  for (std::size_t k = 0; k < free.size(); ++k) list.set(free[k], report.values[k]);
  return report;
}

}  // namespace fabtwin::twin
