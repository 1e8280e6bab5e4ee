// SOCS kernels from the optics (socs_kernels.hpp, leading_eigenpairs.hpp): the kernel set's layout
// and conventions, the reconstruction of the TCC, kept energy, the degeneracies a symmetric source
// forces, dense against iterative eigensolvers, defocus symmetry, the ICCAD-like setting and errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <utility>
#include <vector>

#include <Eigen/Eigenvalues>

#include "fabtwin/optics/socs_kernels.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;
using Catch::Contains;

namespace {

using cd = std::complex<double>;

OpticalSystem aberrated_kernel_system() {
  OpticalSystem system;
  system.defocus_nm = 30;
  system.zernike_waves[7 - 1] = 0.04;  // x coma
  system.zernike_waves[5 - 1] = 0.03;  // 0-degree astigmatism
  return system;
}

/// <kernel j, kernel k transformed by (p, q) -> (a p + b q, c p + d q)>: the transform maps bin
/// (p, q) of kernel k to bin (a p + b q, c p + d q).
cd transformed_overlap(const KernelSet& set, index_t j, index_t k, int a, int b, int c, int d) {
  cd sum = 0;
  const index_t r = set.radius;
  for (index_t q = -r; q <= r; ++q)
    for (index_t p = -r; p <= r; ++p)
      sum += std::conj(set.at(j, a * p + b * q, c * p + d * q)) * set.at(k, p, q);
  return sum;
}

/// Kernels j whose weight equals kernel k's to `tolerance` of the largest weight.
std::vector<index_t> cluster(const KernelSet& set, index_t k, double tolerance) {
  std::vector<index_t> members;
  for (index_t j = 0; j < set.count(); ++j)
    if (std::abs(set.weights[std::size_t(j)] - set.weights[std::size_t(k)]) <=
        tolerance * set.weights[0])
      members.push_back(j);
  return members;
}

/// Checks the degeneracy pattern of a source with the symmetry of the square (D4) on the first
/// `checked` kernels of `set` (which must hold a few more so that no checked cluster is cut).
/// Frequencies, source samples and an unaberrated pupil are all invariant under D4, so the TCC
/// commutes with it and each eigenspace carries a representation of D4. Its irreducible ones are
/// four of dimension 1, even under the half turn f -> -f, and one of dimension 2 (E), odd under it:
/// a kernel odd under f -> -f belongs to an exactly degenerate pair, the partner being its
/// 90-degree rotation (x-like and y-like kernels); an even kernel is generically alone.
void check_square_symmetry_degeneracies(const KernelSet& set, index_t checked, double tolerance) {
  index_t odd = 0;
  for (index_t k = 0; k < checked; ++k) {
    INFO("kernel " << k << ", weight " << set.weights[std::size_t(k)]);
    const cd parity = transformed_overlap(set, k, k, -1, 0, 0, -1);
    REQUIRE(std::abs(std::abs(parity.real()) - 1) <= 1e-8);
    const std::vector<index_t> members = cluster(set, k, tolerance);
    if (parity.real() < 0) {
      ++odd;
      CHECK(members.size() == 2);
    } else {
      CHECK(members.size() == 1);
    }
    // The 90-degree rotation keeps the kernel inside its eigenspace.
    double inside = 0;
    for (index_t j : members) inside += std::norm(transformed_overlap(set, j, k, 0, -1, 1, 0));
    CHECK(inside == Approx(1).epsilon(1e-8));
  }
  CHECK(odd >= 2);
}

}  // namespace

TEST_CASE("A generated kernel set follows the KernelSet conventions", "[optics][socs]") {
  const OpticalSystem system = aberrated_kernel_system();
  const Source source = Source::annular(0.5, 0.85);
  const double period = 700;
  const KernelSet set =
      socs_kernels(system, source, {.period_nm = period, .count = 12, .source_step = 0.05});
  REQUIRE_NOTHROW(set.validate());
  CHECK(set.count() == 12);
  CHECK(set.period_nm == period);
  // 700 * 1.35 / 193 * 1.85 = 9.06 bins.
  const double rho = period * system.na / system.wavelength_nm * 1.85;
  CHECK(set.radius == 9);
  for (index_t k = 0; k < set.count(); ++k) {
    INFO("kernel " << k);
    if (k > 0) CHECK(set.weights[std::size_t(k)] <= set.weights[std::size_t(k - 1)]);
    CHECK(set.weights[std::size_t(k)] > 0);
    double norm2 = 0, outside = 0, largest = 0;
    for (index_t q = -9; q <= 9; ++q)
      for (index_t p = -9; p <= 9; ++p) {
        const double m = std::norm(set.at(k, p, q));
        norm2 += m;
        largest = std::max(largest, std::sqrt(m));
        if (std::hypot(double(p), double(q)) > rho) outside += m;
      }
    CHECK(norm2 == Approx(1).epsilon(1e-12));
    CHECK(outside == 0);
    // Phase: the first component (in storage order) within 1e-6 of the largest magnitude is real > 0.
    const cd* first = nullptr;
    for (index_t i = 0; i < set.bins() && !first; ++i)
      if (std::abs(set.spectra[std::size_t(k * set.bins() + i)]) >= largest * (1 - 1e-6))
        first = &set.spectra[std::size_t(k * set.bins() + i)];
    REQUIRE(first);
    CHECK(first->real() > 0);
    CHECK(std::abs(first->imag()) <= 1e-15);
  }
}

TEST_CASE("All kernels rebuild the TCC; kept energy grows with K to 1", "[optics][socs]") {
  const OpticalSystem system = aberrated_kernel_system();
  const Source source = Source::annular(0.4, 0.8);
  const double period = 500, step = 0.1;
  const TccFactor tcc = tcc_factor(system, source, period, step);
  const index_t n = tcc.support.size();
  const Eigen::MatrixXcd t = tcc.matrix();
  const double trace = t.trace().real();

  SECTION("sum_k w_k phi_k phi_k^H = TCC") {
    const KernelSet all =
        socs_kernels(system, source, {.period_nm = period, .count = n, .source_step = step});
    REQUIRE(all.count() == n);
    CHECK(all.energy == Approx(1).epsilon(1e-12));
    double worst = 0;
    for (index_t i = 0; i < n; ++i)
      for (index_t j = 0; j < n; ++j) {
        const index_t fi = tcc.support.flat(i), fj = tcc.support.flat(j);
        cd sum = 0;
        for (index_t k = 0; k < n; ++k)
          sum += all.weights[std::size_t(k)] * all.spectra[std::size_t(k * all.bins() + fi)] *
                 std::conj(all.spectra[std::size_t(k * all.bins() + fj)]);
        worst = std::max(worst, std::abs(sum - t(i, j)));
      }
    CHECK(worst <= 1e-12 * t.cwiseAbs().maxCoeff());
  }
  SECTION("energy is monotone in K and is the kept share of the trace") {
    double previous = 0;
    for (index_t k = 1; k <= 12; ++k) {
      const KernelSet set =
          socs_kernels(system, source, {.period_nm = period, .count = k, .source_step = step});
      double kept = 0;
      for (double w : set.weights) kept += w;
      CHECK(set.energy == Approx(kept / trace).epsilon(1e-12));
      CHECK(set.energy >= previous);
      CHECK(set.energy < 1);
      previous = set.energy;
    }
  }
  SECTION("an energy target keeps the fewest kernels reaching it") {
    const KernelSet full =
        socs_kernels(system, source, {.period_nm = period, .count = 40, .source_step = step});
    for (double target : {0.5, 0.8, 0.9, 0.95}) {
      const KernelSet set =
          socs_kernels(system, source,
                       {.period_nm = period, .count = 40, .energy = target, .source_step = step});
      INFO("target " << target << ", kept " << set.count());
      CHECK(set.energy >= target);
      double fewer = 0;  // the share of one kernel less, from the larger set's weights
      for (index_t k = 0; k + 1 < set.count(); ++k) fewer += full.weights[std::size_t(k)];
      CHECK(fewer / trace < target);
      for (index_t k = 0; k < set.count(); ++k)
        CHECK(set.weights[std::size_t(k)] == Approx(full.weights[std::size_t(k)]).epsilon(1e-12));
    }
    // Out of reach within count: count kernels, holding less than asked.
    const KernelSet capped = socs_kernels(
        system, source, {.period_nm = period, .count = 3, .energy = 0.999, .source_step = step});
    CHECK(capped.count() == 3);
    CHECK(capped.energy < 0.999);
  }
}

TEST_CASE("Symmetric sources give the degeneracies of the square's symmetry group",
          "[optics][socs]") {
  // Unaberrated, defocused (defocus is rotationally symmetric, so it keeps the symmetry and makes
  // the kernels complex). The dense solver gives exact pairs to rounding.
  OpticalSystem system;
  system.defocus_nm = 40;
  for (const Source& source : {Source::annular(0.6, 0.9), Source::disc(0.9),
                               Source::quasar(0.6, 0.9, 30, 45), Source::quasar(0.5, 0.8, 40, 0)}) {
    INFO(source.describe());
    const KernelSet set =
        socs_kernels(system, source, {.period_nm = 700, .count = 22, .source_step = 0.05});
    check_square_symmetry_degeneracies(set, 16, 1e-10);
  }
  SECTION("a dipole only has the mirror symmetries: no pairs") {
    // Its group {1, mirror x, mirror y, half turn} has only one-dimensional representations, so
    // nothing forces two eigenvalues together, and the leading ones are all distinct.
    const KernelSet set = socs_kernels(system, Source::dipole(0.6, 0.9, 60, 0),
                                       {.period_nm = 700, .count = 16, .source_step = 0.05});
    for (index_t k = 0; k < 12; ++k) {
      INFO("kernel " << k);
      CHECK(cluster(set, k, 1e-6).size() == 1);
      const cd parity = transformed_overlap(set, k, k, -1, 0, 0, -1);
      CHECK(std::abs(std::abs(parity.real()) - 1) <= 1e-8);  // the half turn is still a symmetry
    }
  }
}

TEST_CASE("The iterative eigensolver agrees with the dense one", "[optics][socs][eigen]") {
  const double period = 800, step = 0.05;  // about 350 frequencies
  SECTION("aberrated: eigenvector by eigenvector where the eigenvalue is isolated") {
    const TccFactor tcc =
        tcc_factor(aberrated_kernel_system(), Source::annular(0.6, 0.9), period, step);
    const index_t count = 16;
    const Eigenpairs dense = leading_eigenpairs(tcc.a, count, EigenMethod::dense);
    const Eigenpairs iterative = leading_eigenpairs(tcc.a, count, EigenMethod::iterative);
    REQUIRE(dense.method == EigenMethod::dense);
    REQUIRE(iterative.method == EigenMethod::iterative);
    CHECK(iterative.cycles >= 1);
    const double top = dense.values(0);
    CHECK((dense.values - iterative.values).cwiseAbs().maxCoeff() <= 1e-10 * top);
    // An eigenvector is determined up to phase (fixed by the convention) when its eigenvalue is
    // isolated, with an error of about the residual over the gap; the aberrations only split the
    // symmetric source's pairs slightly, so those near-pairs are compared through projectors.
    index_t isolated = 0;
    for (index_t k = 0; k < count;) {
      index_t end = k + 1;
      while (end < count && dense.values(end - 1) - dense.values(end) <= 1e-3 * top) ++end;
      const double gap_below = end < count ? dense.values(end - 1) - dense.values(end) : 1e-3 * top;
      const double gap_above = k > 0 ? dense.values(k - 1) - dense.values(k) : top;
      const double gap = std::min(gap_below, gap_above);
      INFO("eigenpairs " << k << ".." << end - 1 << ", relative gap " << gap / top);
      if (end - k == 1) {
        ++isolated;
        CHECK((dense.vectors.col(k) - iterative.vectors.col(k)).norm() <= 1e-9 * top / gap);
      } else {
        const auto d = dense.vectors.middleCols(k, end - k);
        const auto i = iterative.vectors.middleCols(k, end - k);
        CHECK((d * d.adjoint() - i * i.adjoint()).norm() <= 1e-9 * top / gap);
      }
      k = end;
    }
    CHECK(isolated >= 4);
  }
  SECTION("symmetric source: degenerate pairs, compared through projectors") {
    const TccFactor tcc = tcc_factor(OpticalSystem{}, Source::annular(0.6, 0.9), period, step);
    const Eigenpairs dense = leading_eigenpairs(tcc.a, 24, EigenMethod::dense);
    // Compare the eigenspaces of every cluster of equal eigenvalues among the first K, K at a gap.
    index_t count = 18;
    while (dense.values(count - 1) - dense.values(count) < 1e-3 * dense.values(0)) --count;
    const Eigenpairs iterative = leading_eigenpairs(tcc.a, count, EigenMethod::iterative);
    REQUIRE(iterative.method == EigenMethod::iterative);
    const double top = dense.values(0);
    CHECK((dense.values.head(count) - iterative.values).cwiseAbs().maxCoeff() <= 1e-10 * top);
    index_t pairs = 0;
    for (index_t k = 0; k < count;) {
      index_t end = k + 1;
      while (end < count && dense.values(k) - dense.values(end) <= 1e-10 * top) ++end;
      pairs += end - k == 2;
      const Eigen::MatrixXcd p_dense =
          dense.vectors.middleCols(k, end - k) * dense.vectors.middleCols(k, end - k).adjoint();
      const Eigen::MatrixXcd p_iter = iterative.vectors.middleCols(k, end - k) *
                                      iterative.vectors.middleCols(k, end - k).adjoint();
      INFO("cluster " << k << ".." << end - 1);
      CHECK((p_dense - p_iter).norm() <= 1e-8);
      k = end;
    }
    CHECK(pairs >= 2);
    const Eigen::MatrixXcd all_dense =
        dense.vectors.leftCols(count) * dense.vectors.leftCols(count).adjoint();
    const Eigen::MatrixXcd all_iter = iterative.vectors * iterative.vectors.adjoint();
    CHECK((all_dense - all_iter).norm() <= 1e-9);
  }
}

TEST_CASE("Opposite defocus gives the same weights and conjugate kernels", "[optics][socs]") {
  // Unaberrated pupil: P_{-z} = conj(P_z), so TCC_{-z} = conj(TCC_z), whose eigenvalues are the same
  // (conj(T) = T^T for a Hermitian T) with conjugated eigenvectors; the phase convention commutes
  // with conjugation, so isolated kernels come out exactly conjugate.
  OpticalSystem plus, minus;
  plus.defocus_nm = 60;
  minus.defocus_nm = -60;
  const Source source = Source::annular(0.6, 0.9);
  const SocsOptions options{.period_nm = 800, .count = 20, .source_step = 0.05};
  const KernelSet a = socs_kernels(plus, source, options), b = socs_kernels(minus, source, options);
  for (index_t k = 0; k < 20; ++k) {
    INFO("kernel " << k);
    CHECK(b.weights[std::size_t(k)] == Approx(a.weights[std::size_t(k)]).epsilon(1e-12));
    if (cluster(a, k, 1e-10).size() != 1) continue;
    double worst = 0;
    for (index_t i = 0; i < a.bins(); ++i)
      worst = std::max(worst, std::abs(b.spectra[std::size_t(k * a.bins() + i)] -
                                       std::conj(a.spectra[std::size_t(k * a.bins() + i)])));
    CHECK(worst <= 1e-10);
  }
  CHECK(a.energy == Approx(b.energy).epsilon(1e-12));
}

TEST_CASE("The radiometric form moves the generated weights", "[optics][socs]") {
  // A coherent source (disc 0: one point at f_s = 0) gives TCC = P P^H, one kernel of weight
  // sum over the passed bins of |P(f)|^2 = A(|f|)^2, written out here for each form:
  // two-sided sqrt((1 - (lambda f / R)^2) / (1 - (lambda f / n)^2)), wafer-side
  // 1 / sqrt(1 - (lambda f / n)^2), off 1 (so the weight counts the bins).
  const double period = 700;
  OpticalSystem system;
  const double lambda = system.wavelength_nm, n = system.immersion_index, r = system.reduction;
  double two_sided = 0, wafer_side = 0, bins = 0;
  for (int q = -10; q <= 10; ++q)
    for (int p = -10; p <= 10; ++p) {
      const double f = std::hypot(double(p), double(q)) / period;
      if (f > system.na / lambda) continue;
      const double sw = lambda * f / n, sm = lambda * f / r;
      two_sided += std::sqrt((1 - sm * sm) / (1 - sw * sw));
      wafer_side += 1 / std::sqrt(1 - sw * sw);
      bins += 1;
    }
  std::vector<double> first;
  for (const auto& [form, expected] :
       {std::pair{Radiometric::off, bins}, std::pair{Radiometric::two_sided, two_sided},
        std::pair{Radiometric::wafer_side, wafer_side}}) {
    INFO(describe(form));
    system.radiometric = form;
    const KernelSet coherent =
        socs_kernels(system, Source::disc(0), {.period_nm = period, .count = 1});
    CHECK(coherent.weights[0] == Approx(expected).epsilon(1e-12));
    // A partially coherent source: every leading weight moves with the form.
    const KernelSet quasar = socs_kernels(system, Source::quasar(0.6, 0.9, 30, 45),
                                          {.period_nm = period, .count = 8, .source_step = 0.05});
    first.insert(first.end(), quasar.weights.begin(), quasar.weights.end());
  }
  for (std::size_t k = 0; k < 8; ++k) {
    INFO("weight " << k << ": off " << first[k] << ", two-sided " << first[8 + k] << ", wafer-side "
                   << first[16 + k]);
    CHECK(first[8 + k] > first[k] * 1.01);
    CHECK(first[16 + k] > first[8 + k] * 1.003);
  }
}

TEST_CASE("ICCAD-like optics: 2048 nm field at NA 1.35, annular 0.6-0.9", "[optics][socs][large]") {
  // 2048 * 1.35 / 193 * 1.9 = 27.2 bins: R = 27 and over 2,300 frequencies, solved iteratively.
  const OpticalSystem system;  // 193 nm, NA 1.35, water 1.43664
  const KernelSet set = socs_kernels(system, Source::annular(0.6, 0.9),
                                     {.period_nm = 2048, .count = 24, .source_step = 0.1});
  CHECK(set.radius == 27);
  REQUIRE(set.count() == 24);
  // Partially coherent imaging at sigma up to 0.9 spreads the trace over many modes: 24 kernels keep
  // about 90 % of it (91 % at source steps 0.02-0.05), the first kernel (the mean coherent field)
  // about 40 %. The symmetric source keeps its pairs at the iterative solver's accuracy.
  CHECK(set.energy > 0.85);
  CHECK(set.energy < 0.97);
  double kept = 0;
  for (double w : set.weights) kept += w;
  const double first_share = set.weights[0] * set.energy / kept;  // w_1 / trace
  CHECK(first_share > 0.3);
  CHECK(first_share < 0.5);
  check_square_symmetry_degeneracies(set, 20, 1e-9);
  // A more coherent source concentrates the TCC in fewer modes: the same K keeps more of it.
  const KernelSet coherent =
      socs_kernels(system, Source::disc(0.3), {.period_nm = 2048, .count = 24, .source_step = 0.1});
  CHECK(coherent.energy > set.energy);
}

TEST_CASE("socs_kernels refuses bad options with clear messages", "[optics][socs][errors]") {
  const OpticalSystem system;
  const Source source = Source::annular(0.6, 0.9);
  const auto run = [&](SocsOptions options) { return socs_kernels(system, source, options); };
  REQUIRE_THROWS_AS(run({}), invalid_argument);
  REQUIRE_THROWS_WITH(run({}), Contains("optics::socs_kernels") &&
                                   Contains("'options.period_nm' = 0") && Contains("field period"));
  REQUIRE_THROWS_WITH(run({.period_nm = -5}), Contains("'options.period_nm' = -5"));
  REQUIRE_THROWS_WITH(run({.period_nm = INFINITY}), Contains("'options.period_nm' = inf"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .count = 0}),
                      Contains("'options.count' = 0") && Contains("at least one kernel"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .energy = -0.1}),
                      Contains("'options.energy' = -0.1") && Contains("[0, 1]"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .energy = 1.5}), Contains("'options.energy' = 1.5"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .energy = NAN}), Contains("'options.energy' = nan"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .source_step = 0}),
                      Contains("'options.source_step' = 0") && Contains("sigma units"));
  REQUIRE_THROWS_WITH(run({.period_nm = 500, .source_step = 2}),
                      Contains("'options.source_step' = 2"));
  // 100 nm at NA 1.35 and sigma 0.9: 100 * 1.35 / 193 * 1.9 = 1.33 bins, the 5 bins (0, 0), (+-1, 0),
  // (0, +-1): 6 kernels cannot exist.
  REQUIRE_THROWS_WITH(run({.period_nm = 100, .count = 6}),
                      Contains("'options.count' = 6") && Contains("at most the 5 frequencies") &&
                          Contains("annular 0.6-0.9"));
  CHECK(run({.period_nm = 100, .count = 5}).count() == 5);
  OpticalSystem dry_too_wide;
  dry_too_wide.immersion_index = 1;  // NA 1.35 in air
  REQUIRE_THROWS_WITH(socs_kernels(dry_too_wide, source, {.period_nm = 500}),
                      Contains("optics::socs_kernels") && Contains("'na' = 1.35"));
}

TEST_CASE("leading_eigenpairs refuses bad arguments", "[optics][eigen][errors]") {
  const Eigen::MatrixXcd a = Eigen::MatrixXcd::Identity(4, 3);
  REQUIRE_THROWS_WITH(leading_eigenpairs(a, 0),
                      Contains("optics::leading_eigenpairs") && Contains("'count' = 0"));
  REQUIRE_THROWS_WITH(leading_eigenpairs(a, 5), Contains("'count' = 5") && Contains("4 rows"));
  REQUIRE_THROWS_WITH(leading_eigenpairs(a, 2, EigenMethod::iterative, 0),
                      Contains("'tolerance' = 0"));
  REQUIRE_THROWS_WITH(leading_eigenpairs(Eigen::MatrixXcd(0, 3), 1), Contains("'a' = 0 x 3"));
  // Too small for a Krylov space: the iterative request falls back to the dense solver, and says so.
  const Eigenpairs pairs = leading_eigenpairs(a, 2, EigenMethod::iterative);
  CHECK(pairs.method == EigenMethod::dense);
  CHECK(pairs.values(0) == Approx(1));
  CHECK(pairs.values(1) == Approx(1));
}
