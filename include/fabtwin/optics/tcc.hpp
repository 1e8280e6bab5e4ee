#pragma once
// The transmission cross-coefficient (TCC) of Hopkins' partially coherent imaging (physics.md §1),
// on the frequency bins of a periodic field of side L, in the factored form the SOCS kernels are
// computed from (socs_kernels.hpp):
//   TCC(f1, f2) = sum_s w_s P(f1 + f_s) P*(f2 + f_s),   f_s = sigma_s NA / lambda,
// with the source points and weights of Source::sample (weights summing to 1) and the pupil P of
// pupil.hpp. Writing A[f, s] = sqrt(w_s) P(f + f_s) (frequencies x source points), TCC = A A^H: the
// matrix is Hermitian positive semidefinite by construction, its trace is
// ||A||_F^2 = sum_s w_s sum_f |P(f + f_s)|^2, and its leading eigenvectors are A's leading left
// singular vectors, so A is all the eigensolvers need (leading_eigenpairs.hpp).
//
// Support: P vanishes beyond NA / lambda and every source point has |f_s| <= sigma_max NA / lambda,
// so TCC(f1, f2) can be non-zero only where |f1|, |f2| <= NA / lambda (1 + sigma_max). The TCC's
// frequencies are the bins f = (p, q) / L inside that disc, and R the largest |p| among them. The
// disc is widened by 1e-8 of its radius (plus the 1e-9 sigma a source sample may lie outside its
// shape, source.hpp) so that rounding in f + f_s can never put a lit pupil sample outside the set;
// a bin the widening adds only carries a zero row.
// Host code only (Eigen), run once per kernel set.

#include <cmath>
#include <complex>
#include <cstddef>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/pupil.hpp"
#include "fabtwin/optics/source.hpp"

namespace fabtwin::optics {

/// The frequency bins the TCC of a system, source and field period can be non-zero on.
struct TccSupport {
  index_t radius = 0;    ///< R: the largest |p| (and |q|) of a bin in the set
  double period_nm = 0;  ///< L
  /// Bin offsets (p, q) of the TCC's frequencies, in KernelSet order (q slowest, p fastest).
  std::vector<index_t> p, q;

  index_t size() const { return index_t(p.size()); }
  index_t side() const { return 2 * radius + 1; }
  /// Position of frequency n in a KernelSet's (2R+1)^2 block.
  index_t flat(index_t n) const {
    return (q[std::size_t(n)] + radius) * side() + (p[std::size_t(n)] + radius);
  }
};

/// The TCC in factored form: TCC = a a^H.
struct TccFactor {
  TccSupport support;
  std::vector<SourcePoint> points;  ///< the source sample the columns of `a` come from
  Eigen::MatrixXcd a;               ///< a(n, s) = sqrt(w_s) P(f_n + f_s)

  /// trace(TCC) = sum_s w_s sum_f |P(f + f_s)|^2, the total the kept energy is a share of.
  double trace() const { return a.squaredNorm(); }
  /// The dense TCC matrix over support's frequencies (n^2 memory: for tests and small sets).
  Eigen::MatrixXcd matrix() const { return a * a.adjoint(); }
};

namespace detail {

/// The factor a of a TCC may take at most this many bytes (8 GiB): larger requests come from
/// periods far beyond an imaging field or absurdly fine source steps, and are refused before any
/// allocation rather than left to exhaust the host.
inline constexpr double tcc_factor_byte_limit = 8.0 * 1024 * 1024 * 1024;

/// Finest source step accepted: 1e-3 sigma already gives millions of source points, far more than a
/// converged TCC needs (0.02-0.05 is the usual range).
inline constexpr double finest_source_step = 1e-3;

inline void check_period(const char* where, const char* name, double period_nm) {
  require(std::isfinite(period_nm) && period_nm > 0, where, name, period_nm,
          "a positive, finite field period in nm (nx * pitch)");
}

inline void check_source_step(const char* where, const char* name, double step) {
  require(std::isfinite(step) && step >= finest_source_step && step <= 1, where, name, step,
          "a source grid step in [0.001, 1] sigma units");
}

inline void check_factor_size(const char* where, double frequencies, double columns) {
  const double bytes = frequencies * columns * double(sizeof(std::complex<double>));
  require<out_of_memory>(
      bytes <= tcc_factor_byte_limit, where, "TCC factor size",
      [&] {
        return std::to_string((long long)frequencies) + " frequencies x " +
               std::to_string((long long)columns) + " source points";
      },
      "at most 8 GiB (a smaller field period or a coarser source step)");
}

/// Radius in bins of the disc |f| <= NA / lambda (1 + sigma_max), widened as the header says.
inline double support_radius_bins(const OpticalSystem& system, const Source& source,
                                  double period_nm) {
  return period_nm * system.cutoff() * (1 + source.sigma_max() + 1e-9) * (1 + 1e-8);
}

/// Support of already validated arguments. Refuses, before enumerating it, a support whose factor
/// with `columns` source points could exceed the size limit (pi (rho + 1)^2 bounds the bin count:
/// the unit squares centred on the bins of a disc of radius rho lie in the disc of radius rho + 1).
/// Allocation failures, here and in make_factor, are out_of_memory naming the size and its cause.
inline TccSupport make_support(const char* where, const OpticalSystem& system, const Source& source,
                               double period_nm, std::size_t columns = 1) {
  const double rho = support_radius_bins(system, source, period_nm);
  const double bin_bound = std::floor(std::numbers::pi * (rho + 1) * (rho + 1));
  check_factor_size(where, bin_bound, double(columns));
  TccSupport support;
  support.period_nm = period_nm;
  support.radius = index_t(std::floor(rho));
  ::fabtwin::detail::allocate_or_throw(
      where, 2 * bin_bound * sizeof(index_t), "the TCC's frequency list",
      "the field period " + ::fabtwin::describe(period_nm) + " nm", [&] {
        support.p.reserve(std::size_t(bin_bound));
        support.q.reserve(std::size_t(bin_bound));
      });
  const index_t r = support.radius;
  for (index_t q = -r; q <= r; ++q)
    for (index_t p = -r; p <= r; ++p)
      if (double(p * p + q * q) <= rho * rho) {
        support.p.push_back(p);
        support.q.push_back(q);
      }
  return support;
}

/// Factor of already validated arguments. Column s holds sqrt(w_s) P(f + f_s) on every frequency;
/// columns are independent, so source points are shared among the OpenMP threads.
inline TccFactor make_factor(const char* where, const OpticalSystem& system, TccSupport support,
                             std::vector<SourcePoint> points) {
  TccFactor tcc;
  tcc.points = std::move(points);
  const index_t n = support.size();
  const index_t columns = index_t(tcc.points.size());
  check_factor_size(where, double(n), double(columns));
  // The size check bounds what is asked for, not what the host can give.
  ::fabtwin::detail::allocate_or_throw(
      where, double(n) * double(columns) * sizeof(std::complex<double>), "the TCC factor",
      "the field period " + ::fabtwin::describe(support.period_nm) + " nm (" + std::to_string(n) +
          " frequencies) and the source step (" + std::to_string(columns) + " source points)",
      [&] { tcc.a.resize(n, columns); });
  const double cutoff = system.cutoff();
  const double period = support.period_nm;
#pragma omp parallel for schedule(static)
  for (index_t s = 0; s < columns; ++s) {
    const SourcePoint& point = tcc.points[std::size_t(s)];
    const double amplitude = std::sqrt(point.weight);
    // f_s = sigma NA / lambda; (p / L) is formed as one division so that mirrored bins and mirrored
    // source points give exactly mirrored pupil arguments (the TCC keeps the source's symmetry).
    const double fsx = point.sx * cutoff, fsy = point.sy * cutoff;
    for (index_t k = 0; k < n; ++k)
      tcc.a(k, s) = amplitude * pupil(system, double(support.p[std::size_t(k)]) / period + fsx,
                                      double(support.q[std::size_t(k)]) / period + fsy);
  }
  tcc.support = std::move(support);
  return tcc;
}

inline void check_tcc_arguments(const char* where, const OpticalSystem& system, double period_nm,
                                double source_step) {
  system.validate(where);
  check_period(where, "period_nm", period_nm);
  check_source_step(where, "source_step", source_step);
}

}  // namespace detail

/// The frequencies the TCC can be non-zero on, for a field of period `period_nm` (nm).
inline TccSupport tcc_support(const OpticalSystem& system, const Source& source, double period_nm) {
  system.validate("optics::tcc_support");
  detail::check_period("optics::tcc_support", "period_nm", period_nm);
  return detail::make_support("optics::tcc_support", system, source, period_nm);
}

/// The TCC of `system` lit by `source` (sampled every `source_step` sigma) on the bins of a field of
/// period `period_nm`, as its factor A (TCC = A A^H).
inline TccFactor tcc_factor(const OpticalSystem& system, const Source& source, double period_nm,
                            double source_step) {
  constexpr const char* where = "optics::tcc_factor";
  detail::check_tcc_arguments(where, system, period_nm, source_step);
  std::vector<SourcePoint> points = source.sample(source_step);
  TccSupport support = detail::make_support(where, system, source, period_nm, points.size());
  return detail::make_factor(where, system, std::move(support), std::move(points));
}

}  // namespace fabtwin::optics
