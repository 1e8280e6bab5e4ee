#pragma once
// Process-window analysis (physics.md §4): the focus-exposure matrix (FEM), Bossung curves, exposure
// latitude and depth of focus.
//
// Definitions used here (Mack, "Fundamental Principles of Optical Lithography", ch. 8):
//  - In spec: target·(1 - tolerance) <= CD <= target·(1 + tolerance) (tolerance 0.10 by default).
//  - Between sampled doses CD is interpolated linearly in dose; outside the sampled doses nothing is
//    assumed, so a window that reaches the first or last dose is reported as limited by sampling.
//  - A dose window [d_lo, d_hi] has exposure latitude EL = 100 (d_hi - d_lo) / d_ref %, with d_ref
//    the window's centre (d_lo + d_hi) / 2 unless a nominal dose is given.
//  - Exposure latitude at a focus: the contiguous in-spec dose interval of largest EL there.
//  - Depth of focus at a required EL: the largest f_j - f_i over runs of consecutive SAMPLED focus
//    values f_i..f_j (no interpolation between or beyond focus samples, so the answer is
//    conservative and exact on the samples) for which one dose window [d_lo, d_hi] of at least that
//    EL is in spec at every focus of the run (the rectangle in the focus-exposure plane).
//  - Bossung fit: per dose, the least-squares quadratic CD = c0 + c1 f + c2 f^2; best focus is its
//    extremum -c1 / (2 c2) and its curvature d²CD/df² = 2 c2.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"

namespace fabtwin::metrology {

/// CD measured on a grid of focus and dose: cd(f, d) for focus_nm[f] and dose[d], both strictly
/// increasing. Dose in any unit (mJ/cm² or relative); focus in nm.
class FocusExposureMatrix {
 public:
  FocusExposureMatrix(std::vector<double> focus_nm, std::vector<double> dose,
                      std::vector<std::vector<double>> cd_nm)
      : focus_(std::move(focus_nm)), dose_(std::move(dose)), cd_(std::move(cd_nm)) {
    constexpr const char* where = "metrology::FocusExposureMatrix";
    require_axis(focus_, where, "focus_nm");
    require_axis(dose_, where, "dose");
    for (std::size_t d = 0; d < dose_.size(); ++d)
      require(
          dose_[d] > 0, where, [&] { return "dose[" + std::to_string(d) + "]"; }, dose_[d],
          "a positive dose");
    require<shape_mismatch>(cd_.size() == focus_.size(), where, "cd_nm.size()", cd_.size(), [&] {
      return "one row per focus value (" + std::to_string(focus_.size()) + ")";
    });
    for (std::size_t f = 0; f < cd_.size(); ++f) {
      require<shape_mismatch>(
          cd_[f].size() == dose_.size(), where,
          [&] { return "cd_nm[" + std::to_string(f) + "].size()"; }, cd_[f].size(),
          [&] { return "one CD per dose value (" + std::to_string(dose_.size()) + ")"; });
      for (std::size_t d = 0; d < dose_.size(); ++d)
        require(
            std::isfinite(cd_[f][d]), where,
            [&] { return "cd_nm[" + std::to_string(f) + "][" + std::to_string(d) + "]"; },
            cd_[f][d], "a finite CD in nm");
    }
  }

  const std::vector<double>& focus() const { return focus_; }
  const std::vector<double>& dose() const { return dose_; }
  std::size_t focus_count() const { return focus_.size(); }
  std::size_t dose_count() const { return dose_.size(); }
  /// The CD at focus_nm[f] and dose[d]; invalid_argument for an index out of range.
  double cd(std::size_t f, std::size_t d) const {
    require_index("metrology::FocusExposureMatrix::cd", "f", f, focus_.size());
    require_index("metrology::FocusExposureMatrix::cd", "d", d, dose_.size());
    return cd_[f][d];
  }
  /// The CDs at focus_nm[f], one per dose; invalid_argument for an index out of range.
  const std::vector<double>& cd_at_focus(std::size_t f) const {
    require_index("metrology::FocusExposureMatrix::cd_at_focus", "f", f, focus_.size());
    return cd_[f];
  }

 private:
  static void require_index(const char* where, const char* name, std::size_t index,
                            std::size_t size) {
    require(index < size, where, name, index,
            [&] { return "an index below " + std::to_string(size); });
  }

  static void require_axis(const std::vector<double>& values, const char* where, const char* name) {
    require(
        !values.empty(), where, [&] { return std::string(name) + ".size()"; }, 0,
        "at least one value");
    for (std::size_t i = 0; i < values.size(); ++i) {
      require(
          std::isfinite(values[i]), where,
          [&] { return std::string(name) + "[" + std::to_string(i) + "]"; }, values[i],
          "a finite value");
      if (i > 0)
        require(
            values[i] > values[i - 1], where,
            [&] { return std::string(name) + "[" + std::to_string(i) + "]"; }, values[i],
            [&] {
              return "values sorted strictly increasing, after " +
                     ::fabtwin::describe(values[i - 1]) + " (no duplicates)";
            });
    }
  }

  std::vector<double> focus_, dose_;
  std::vector<std::vector<double>> cd_;
};

/// CD against focus at one dose.
struct BossungCurve {
  double dose = 0;
  std::vector<double> focus_nm;
  std::vector<double> cd_nm;
};

/// One Bossung curve per dose, in dose order.
inline std::vector<BossungCurve> bossung_curves(const FocusExposureMatrix& fem) {
  std::vector<BossungCurve> curves;
  for (std::size_t d = 0; d < fem.dose_count(); ++d) {
    BossungCurve curve{fem.dose()[d], fem.focus(), {}};
    for (std::size_t f = 0; f < fem.focus_count(); ++f) curve.cd_nm.push_back(fem.cd(f, d));
    curves.push_back(std::move(curve));
  }
  return curves;
}

/// Least-squares quadratic through one Bossung curve.
struct BossungFit {
  double dose = 0;
  double c0 = 0, c1 = 0, c2 = 0;  ///< CD = c0 + c1 f + c2 f^2
  double curvature = 0;           ///< d²CD/df² = 2 c2, nm per nm²
  std::optional<double>
      best_focus;  ///< -c1 / (2 c2); none for a straight line (c2 = 0 to rounding)
  double rms_residual_nm = 0;
};

/// Quadratic fit of every Bossung curve; needs at least 3 focus values.
inline std::vector<BossungFit> fit_bossung(const FocusExposureMatrix& fem) {
  require(fem.focus_count() >= 3, "metrology::fit_bossung", "fem.focus().size()", fem.focus_count(),
          "at least 3 focus values for a quadratic");
  // Centre and scale focus so that the 3x3 normal equations stay well conditioned.
  const std::vector<double>& f = fem.focus();
  const std::size_t n = f.size();
  const double centre = 0.5 * (f.front() + f.back()), half = 0.5 * (f.back() - f.front());
  std::vector<BossungFit> fits;
  for (std::size_t d = 0; d < fem.dose_count(); ++d) {
    double m[3][4] = {};
    for (std::size_t i = 0; i < n; ++i) {
      const double x = (f[i] - centre) / half, basis[3] = {1, x, x * x};
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) m[r][c] += basis[r] * basis[c];
        m[r][3] += basis[r] * fem.cd(i, d);
      }
    }
    // Gaussian elimination with partial pivoting; the matrix is positive definite for >= 3
    // distinct focus values.
    for (int c = 0; c < 3; ++c) {
      int pivot = c;
      for (int r = c + 1; r < 3; ++r)
        if (std::fabs(m[r][c]) > std::fabs(m[pivot][c])) pivot = r;
      for (int k = 0; k < 4; ++k) std::swap(m[c][k], m[pivot][k]);
      for (int r = c + 1; r < 3; ++r) {
        const double factor = m[r][c] / m[c][c];
        for (int k = c; k < 4; ++k) m[r][k] -= factor * m[c][k];
      }
    }
    double g[3];
    for (int r = 2; r >= 0; --r) {
      double sum = m[r][3];
      for (int k = r + 1; k < 3; ++k) sum -= m[r][k] * g[k];
      g[r] = sum / m[r][r];
    }
    // Back to physical focus: x = (f - centre) / half.
    BossungFit fit;
    fit.dose = fem.dose()[d];
    fit.c2 = g[2] / (half * half);
    fit.c1 = g[1] / half - 2 * fit.c2 * centre;
    fit.c0 = g[0] - g[1] * centre / half + fit.c2 * centre * centre;
    fit.curvature = 2 * fit.c2;
    // A curve straight to rounding (in the scaled variable, where the terms are comparable) has
    // no extremum.
    if (std::fabs(g[2]) > 1e-12 * (std::fabs(g[0]) + std::fabs(g[1])))
      fit.best_focus = centre - half * g[1] / (2 * g[2]);
    double squares = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = (f[i] - centre) / half;
      const double residual = fem.cd(i, d) - (g[0] + g[1] * x + g[2] * x * x);
      squares += residual * residual;
    }
    fit.rms_residual_nm = std::sqrt(squares / double(n));
    fits.push_back(fit);
  }
  return fits;
}

/// What "in spec" means, and which dose EL is relative to.
struct CdSpec {
  double target_cd_nm = 0;
  double tolerance = 0.10;             ///< relative: CD within target · (1 ± tolerance)
  std::optional<double> nominal_dose;  ///< EL reference; the window centre when absent
};

/// A dose window and its exposure latitude.
struct DoseWindow {
  double dose_min = 0, dose_max = 0;
  double latitude_percent = 0;
  bool limited_by_sampling = false;  ///< the window reaches the first or last sampled dose
};

namespace detail {

inline void require_spec(const CdSpec& spec, const char* where) {
  require(std::isfinite(spec.target_cd_nm) && spec.target_cd_nm > 0, where, "spec.target_cd_nm",
          spec.target_cd_nm, "a positive CD in nm");
  require(std::isfinite(spec.tolerance) && spec.tolerance > 0 && spec.tolerance < 1, where,
          "spec.tolerance", spec.tolerance, "a relative tolerance in (0, 1), e.g. 0.10 for ±10 %");
  if (spec.nominal_dose)
    require(std::isfinite(*spec.nominal_dose) && *spec.nominal_dose > 0, where, "spec.nominal_dose",
            *spec.nominal_dose, "a positive dose");
}

inline double latitude_percent(double lo, double hi, const CdSpec& spec) {
  const double reference = spec.nominal_dose ? *spec.nominal_dose : 0.5 * (lo + hi);
  return 100 * (hi - lo) / reference;
}

using Intervals = std::vector<std::pair<double, double>>;

/// The in-spec dose set at focus f: disjoint closed intervals, ascending, from CD linear between
/// sampled doses.
inline Intervals in_spec_doses(const FocusExposureMatrix& fem, std::size_t f, const CdSpec& spec) {
  const double lo = spec.target_cd_nm * (1 - spec.tolerance);
  const double hi = spec.target_cd_nm * (1 + spec.tolerance);
  const std::vector<double>& dose = fem.dose();
  const std::vector<double>& cd = fem.cd_at_focus(f);
  Intervals out;
  auto add = [&](double a, double b) {
    if (!out.empty() && a <= out.back().second) {
      out.back().second = std::fmax(out.back().second, b);
    } else {
      out.emplace_back(a, b);
    }
  };
  if (dose.size() == 1) {
    if (cd[0] >= lo && cd[0] <= hi) add(dose[0], dose[0]);
    return out;
  }
  for (std::size_t k = 0; k + 1 < dose.size(); ++k) {
    // CD(t) = cd0 + t (cd1 - cd0) on t in [0, 1]; keep the t where it lies in [lo, hi].
    const double c0 = cd[k], c1 = cd[k + 1], slope = c1 - c0;
    double t0 = 0, t1 = 1;
    if (slope == 0) {
      if (c0 < lo || c0 > hi) continue;
    } else {
      const double ta = (lo - c0) / slope, tb = (hi - c0) / slope;
      t0 = std::fmax(0.0, std::fmin(ta, tb));
      t1 = std::fmin(1.0, std::fmax(ta, tb));
      if (t0 > t1) continue;
    }
    const double width = dose[k + 1] - dose[k];
    // Ends of the segment are taken exactly so that adjacent segments join without a gap.
    add(t0 == 0 ? dose[k] : dose[k] + t0 * width, t1 == 1 ? dose[k + 1] : dose[k] + t1 * width);
  }
  return out;
}

inline Intervals intersect(const Intervals& a, const Intervals& b) {
  Intervals out;
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const double lo = std::fmax(a[i].first, b[j].first), hi = std::fmin(a[i].second, b[j].second);
    if (lo <= hi) out.emplace_back(lo, hi);
    if (a[i].second < b[j].second)
      ++i;
    else
      ++j;
  }
  return out;
}

/// The interval of largest EL, if any.
inline std::optional<DoseWindow> best_window(const Intervals& intervals,
                                             const FocusExposureMatrix& fem, const CdSpec& spec) {
  std::optional<DoseWindow> best;
  for (const auto& [lo, hi] : intervals) {
    const double el = latitude_percent(lo, hi, spec);
    if (best && el <= best->latitude_percent) continue;
    best = DoseWindow{lo, hi, el, lo <= fem.dose().front() || hi >= fem.dose().back()};
  }
  return best;
}

}  // namespace detail

/// Exposure latitude at sampled focus `focus_index`: the in-spec dose interval of largest EL.
/// Nothing when no dose is in spec there.
inline std::optional<DoseWindow> exposure_latitude(const FocusExposureMatrix& fem,
                                                   std::size_t focus_index, const CdSpec& spec) {
  constexpr const char* where = "metrology::exposure_latitude";
  detail::require_spec(spec, where);
  require(focus_index < fem.focus_count(), where, "focus_index", focus_index, [&] {
    return "an index below the number of focus values, " + std::to_string(fem.focus_count());
  });
  return detail::best_window(detail::in_spec_doses(fem, focus_index, spec), fem, spec);
}

/// Depth of focus and the common dose window that achieves it.
struct DepthOfFocus {
  double dof_nm = 0;
  double focus_min_nm = 0, focus_max_nm = 0;
  DoseWindow window;
};

/// One feature of an overlapping process window: its FEM and what "in spec" means for it.
struct FeatureWindow {
  FocusExposureMatrix fem;
  CdSpec spec;
};

namespace detail {

/// The features' FEMs must share focus and dose samples, and their specs one EL reference.
inline void require_features(const std::vector<FeatureWindow>& features, const char* where) {
  require(!features.empty(), where, "features.size()", 0, "at least one feature");
  const FeatureWindow& first = features.front();
  for (std::size_t k = 0; k < features.size(); ++k) {
    const FeatureWindow& f = features[k];
    const auto name = [&](const char* what) {
      return "features[" + std::to_string(k) + "]." + what;
    };
    require_spec(f.spec, where);
    require<shape_mismatch>(
        f.fem.focus() == first.fem.focus() && f.fem.dose() == first.fem.dose(), where,
        [&] { return name("fem"); },
        [&] {
          return std::to_string(f.fem.focus_count()) + " focus x " +
                 std::to_string(f.fem.dose_count()) + " dose samples";
        },
        "the focus and dose samples of features[0].fem (one matrix of conditions for all)");
    require(
        f.spec.nominal_dose == first.spec.nominal_dose, where,
        [&] { return name("spec.nominal_dose"); },
        f.spec.nominal_dose ? ::fabtwin::describe(*f.spec.nominal_dose) : std::string("none"),
        "the EL reference of features[0].spec (one dose axis for all)");
  }
}

/// The doses at focus f where every feature is in spec.
inline Intervals common_in_spec_doses(const std::vector<FeatureWindow>& features, std::size_t f) {
  Intervals common = in_spec_doses(features.front().fem, f, features.front().spec);
  for (std::size_t k = 1; k < features.size(); ++k)
    common = intersect(common, in_spec_doses(features[k].fem, f, features[k].spec));
  return common;
}

/// The largest run of consecutive sampled focus values over which one dose window of at least
/// `required` EL stays in `in_spec[f]` (see the file comment).
inline std::optional<DepthOfFocus> longest_focus_run(const std::vector<Intervals>& in_spec,
                                                     const FocusExposureMatrix& fem,
                                                     const CdSpec& spec, double required) {
  const std::size_t n = in_spec.size();
  std::optional<DepthOfFocus> best;
  for (std::size_t i = 0; i < n; ++i) {
    Intervals common = in_spec[i];
    for (std::size_t j = i; j < n; ++j) {
      if (j > i) common = intersect(common, in_spec[j]);
      // The intersection only shrinks as the run grows: once no window qualifies, stop.
      const std::optional<DoseWindow> window = best_window(common, fem, spec);
      if (!window || window->latitude_percent < required) break;
      const double dof = fem.focus()[j] - fem.focus()[i];
      if (best &&
          (dof < best->dof_nm ||
           (dof == best->dof_nm && window->latitude_percent <= best->window.latitude_percent)))
        continue;
      best = DepthOfFocus{dof, fem.focus()[i], fem.focus()[j], *window};
    }
  }
  return best;
}

inline void require_latitude(double required, const char* where) {
  require(std::isfinite(required) && required >= 0, where, "required_latitude_percent", required,
          "a non-negative exposure latitude in percent");
}

}  // namespace detail

/// Depth of focus at a required exposure latitude (percent): see the file comment. Among runs of
/// equal length the one with the largest EL is kept. Nothing when no single focus reaches the EL.
inline std::optional<DepthOfFocus> depth_of_focus(const FocusExposureMatrix& fem,
                                                  const CdSpec& spec,
                                                  double required_latitude_percent) {
  constexpr const char* where = "metrology::depth_of_focus";
  detail::require_spec(spec, where);
  detail::require_latitude(required_latitude_percent, where);
  std::vector<detail::Intervals> in_spec;
  for (std::size_t f = 0; f < fem.focus_count(); ++f)
    in_spec.push_back(detail::in_spec_doses(fem, f, spec));
  return detail::longest_focus_run(in_spec, fem, spec, required_latitude_percent);
}

/// The overlapping process window of several features (Mack ch. 8: the window in which every
/// feature is in spec at once): exposure latitude at sampled focus `focus_index`, the largest dose
/// interval in which all features are in spec.
inline std::optional<DoseWindow> exposure_latitude(const std::vector<FeatureWindow>& features,
                                                   std::size_t focus_index) {
  constexpr const char* where = "metrology::exposure_latitude";
  detail::require_features(features, where);
  const FocusExposureMatrix& fem = features.front().fem;
  require(focus_index < fem.focus_count(), where, "focus_index", focus_index, [&] {
    return "an index below the number of focus values, " + std::to_string(fem.focus_count());
  });
  return detail::best_window(detail::common_in_spec_doses(features, focus_index), fem,
                             features.front().spec);
}

/// Depth of focus of the overlapping process window at a required exposure latitude: one dose
/// window and one run of focus values in which every feature is in spec.
inline std::optional<DepthOfFocus> depth_of_focus(const std::vector<FeatureWindow>& features,
                                                  double required_latitude_percent) {
  constexpr const char* where = "metrology::depth_of_focus";
  detail::require_features(features, where);
  detail::require_latitude(required_latitude_percent, where);
  const FocusExposureMatrix& fem = features.front().fem;
  std::vector<detail::Intervals> in_spec;
  for (std::size_t f = 0; f < fem.focus_count(); ++f)
    in_spec.push_back(detail::common_in_spec_doses(features, f));
  return detail::longest_focus_run(in_spec, fem, features.front().spec, required_latitude_percent);
}

}  // namespace fabtwin::metrology
