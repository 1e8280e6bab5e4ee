#pragma once
// SOCS kernels generated from the optics (physics.md §1): the leading eigenpairs of the TCC
// (tcc.hpp) of a system, a source and a field period, as a KernelSet (kernel_set.hpp).
//
// Result: radius R of the TCC support (tcc.hpp: the smallest bin radius holding every frequency
// with |f| <= NA / lambda (1 + sigma_max)); weights = the kept eigenvalues, largest first (a
// negative rounding residue of a PSD matrix's zero eigenvalue is reported as 0); spectra = the
// unit-norm eigenvectors on the (2R+1)^2 bins, zero outside the support, phase as in
// leading_eigenpairs.hpp (largest-magnitude component real positive), the kernels of a degenerate
// eigenvalue (a symmetric source gives exact pairs) in the canonical basis that header defines, so
// that they do not depend on the solver or its rounding; energy = kept eigenvalue sum
// over trace(TCC), the trace computed directly (TccFactor::trace), so no other eigenvalue is needed.
// With these kernels a clear mask images to TCC(0, 0) when every kernel is kept.
//
// Which solver: leading_eigenpairs' automatic choice, dense for up to 600 frequencies or when K is
// over a quarter of them, the block Krylov solver otherwise (a 2048 nm field at NA 1.35 has some
// 2,300 frequencies: the iterative solver then takes seconds where the dense one takes minutes).
// When K splits a degenerate eigenvalue, the kept kernels are the first members of its canonical
// basis (the same as a larger K gives, to the solver's accuracy), but one member of a pair breaks
// the symmetry the pair shares: choose K, or the energy, at a gap. The set is the same bits on any
// thread count.
// Host code only (Eigen), run once per kernel set.

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/leading_eigenpairs.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/optics/source.hpp"
#include "fabtwin/optics/tcc.hpp"

namespace fabtwin::optics {

namespace detail {

/// Number of leading eigenvalues whose sum reaches `energy` of `trace` (1e-12 of slack for the
/// rounding of the sums), or all of them when they do not.
inline index_t kernels_for_energy(const Eigen::VectorXd& values, double trace, double energy) {
  double kept = 0;
  for (index_t k = 0; k < values.size(); ++k) {
    kept += std::max(values(k), 0.0);
    if (kept >= (energy - 1e-12) * trace) return k + 1;
  }
  return values.size();
}

/// Bytes the eigen step holds for K = `count` pairs of an n-row TCC, by the solver
/// leading_eigenpairs' automatic choice takes: dense, T and its eigenvectors (2 n^2 complex
/// doubles); iterative, the Krylov basis and its image (2 n m, m = block (steps + 1)) and the
/// Rayleigh-Ritz matrix with its eigenvectors (2 m^2).
inline double eigen_step_bytes(index_t n, index_t count) {
  const double complex_bytes = sizeof(std::complex<double>);
  if (n <= dense_eigen_rows || 4 * count > n) return 2 * double(n) * double(n) * complex_bytes;
  const KrylovShape shape = krylov_shape(n, count);
  const double m = double(shape.block) * double(shape.steps + 1);
  return (2 * double(n) * m + 2 * m * m) * complex_bytes;
}

}  // namespace detail

inline KernelSet socs_kernels(const OpticalSystem& system, const Source& source,
                              const SocsOptions& options) {
  constexpr const char* where = "optics::socs_kernels";
  system.validate(where);
  detail::check_period(where, "options.period_nm", options.period_nm);
  require(options.count >= 1, where, "options.count", options.count, "at least one kernel");
  require(std::isfinite(options.energy) && options.energy >= 0 && options.energy <= 1, where,
          "options.energy", options.energy,
          "a kept energy fraction in [0, 1] (0: keep exactly options.count kernels)");
  detail::check_source_step(where, "options.source_step", options.source_step);

  std::vector<SourcePoint> points = source.sample(options.source_step);
  TccSupport support =
      detail::make_support(where, system, source, options.period_nm, points.size());
  require(options.count <= support.size(), where, "options.count", options.count, [&] {
    return "at most the " + std::to_string(support.size()) + " frequencies the TCC holds for NA " +
           ::fabtwin::describe(system.na) + ", " + source.describe() + " and period " +
           ::fabtwin::describe(options.period_nm) + " nm";
  });
  const TccFactor tcc = detail::make_factor(where, system, std::move(support), std::move(points));
  const Eigenpairs pairs = ::fabtwin::detail::allocate_or_throw(
      where, detail::eigen_step_bytes(tcc.support.size(), options.count), "the TCC's eigen step",
      "options.period_nm = " + ::fabtwin::describe(options.period_nm) + " (" +
          std::to_string(tcc.support.size()) +
          " frequencies) and options.count = " + std::to_string(options.count),
      [&] { return leading_eigenpairs(tcc.a, options.count); });
  const double trace = tcc.trace();
  require(
      trace > 0, where, "source", [&] { return source.describe(); },
      "a source whose light passes the pupil");
  const index_t kept = options.energy > 0
                           ? detail::kernels_for_energy(pairs.values, trace, options.energy)
                           : options.count;

  KernelSet set;
  set.radius = tcc.support.radius;
  set.period_nm = options.period_nm;
  set.weights.resize(std::size_t(kept));
  set.spectra.assign(std::size_t(kept * set.bins()), std::complex<double>(0));
  double kept_sum = 0;
  for (index_t k = 0; k < kept; ++k) {
    const double w = std::max(pairs.values(k), 0.0);
    set.weights[std::size_t(k)] = w;
    kept_sum += w;
    for (index_t n = 0; n < tcc.support.size(); ++n)
      set.spectra[std::size_t(k * set.bins() + tcc.support.flat(n))] = pairs.vectors(n, k);
  }
  set.energy = kept_sum / trace;
  set.validate(where);
  return set;
}

}  // namespace fabtwin::optics
