// Determinism of the eigen step (leading_eigenpairs.hpp, socs_kernels.hpp): the same bits on any
// thread count, and degenerate eigenspaces returned in the canonical basis of the header, so that
// two solvers or two roundings of one TCC give the same kernels to their accuracy, not up to a
// rotation inside each degenerate eigenspace.
#include <catch2/catch.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <utility>
#include <vector>

#include <Eigen/QR>

#include "fabtwin/optics/socs_kernels.hpp"

using namespace fabtwin;
using namespace fabtwin::optics;

namespace {

using cd = std::complex<double>;

/// The calling thread's OpenMP thread count, set for the guard's lifetime.
class OmpThreads {
 public:
  explicit OmpThreads(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~OmpThreads() { omp_set_num_threads(saved_); }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
};

template <class T>
bool same_bits(const T* a, const T* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(T)) == 0;
}

bool same_bits(const Eigenpairs& a, const Eigenpairs& b) {
  return a.values.size() == b.values.size() && a.vectors.rows() == b.vectors.rows() &&
         a.vectors.cols() == b.vectors.cols() && a.method == b.method && a.cycles == b.cycles &&
         same_bits(a.values.data(), b.values.data(), std::size_t(a.values.size())) &&
         same_bits(a.vectors.data(), b.vectors.data(), std::size_t(a.vectors.size()));
}

bool same_bits(const KernelSet& a, const KernelSet& b) {
  return a.radius == b.radius && a.weights.size() == b.weights.size() &&
         a.spectra.size() == b.spectra.size() && same_bits(&a.energy, &b.energy, 1) &&
         same_bits(a.weights.data(), b.weights.data(), a.weights.size()) &&
         same_bits(a.spectra.data(), b.spectra.data(), a.spectra.size());
}

/// Clusters of eigenvalues (largest first): runs [begin, end) whose neighbouring gaps are at most
/// `tolerance` times the largest value, as leading_eigenpairs.hpp defines them.
std::vector<std::pair<index_t, index_t>> clusters(const Eigen::VectorXd& values, double tolerance) {
  std::vector<std::pair<index_t, index_t>> out;
  for (index_t k = 0; k < values.size();) {
    index_t end = k + 1;
    while (end < values.size() && values(end - 1) - values(end) <= tolerance * values(0)) ++end;
    out.emplace_back(k, end);
    k = end;
  }
  return out;
}

/// The distance from cluster [begin, end) of `values` to its neighbours, over the largest value.
double relative_gap(const Eigen::VectorXd& values, index_t begin, index_t end) {
  double gap = begin > 0 ? values(begin - 1) - values(begin) : values(0);
  if (end < values.size()) gap = std::min(gap, values(end - 1) - values(end));
  return gap / values(0);
}

/// A pseudo-random unitary matrix (Q of a Householder QR of SplitMix64 entries).
Eigen::MatrixXcd random_unitary(index_t n, std::uint64_t seed) {
  return Eigen::HouseholderQR<Eigen::MatrixXcd>(optics::detail::pseudo_random_block(n, n, seed))
             .householderQ() *
         Eigen::MatrixXcd::Identity(n, n);
}

/// The canonical basis of span(basis) written out from the header's definition, on the explicit
/// n x n projector P = V V^H: Gram-Schmidt on P's columns, the largest remaining column first
/// (lowest index among those within 1e-6 of it), then the phase rule (largest-magnitude component
/// real positive, lowest index among those within 1e-6 of the largest).
Eigen::MatrixXcd canonical_reference(const Eigen::MatrixXcd& basis) {
  const index_t n = basis.rows(), c = basis.cols();
  Eigen::MatrixXcd remaining = basis * basis.adjoint();
  Eigen::MatrixXcd out(n, c);
  const auto first_largest = [](const Eigen::VectorXd& magnitudes) {
    index_t j = 0;
    while (magnitudes(j) < magnitudes.maxCoeff() * (1 - 1e-6)) ++j;
    return j;
  };
  for (index_t i = 0; i < c; ++i) {
    const Eigen::VectorXd norms = remaining.colwise().norm().transpose();
    const index_t j = first_largest(norms);
    const Eigen::VectorXcd u = remaining.col(j) / norms(j);
    remaining -= u * (u.adjoint() * remaining);
    const cd top = u(first_largest(u.cwiseAbs()));
    out.col(i) = u * std::conj(top) / std::abs(top);
  }
  return out;
}

/// A factor A = Q diag(sqrt(lambda)) (n x r, Q with orthonormal columns), so T = A A^H has exactly
/// the eigenvalues lambda (and n - r zeros), with eigenvectors the columns of Q.
Eigen::MatrixXcd factor_with_spectrum(index_t n, const std::vector<double>& lambda,
                                      std::uint64_t seed) {
  const index_t r = index_t(lambda.size());
  const Eigen::MatrixXcd q = random_unitary(n, seed).leftCols(r);
  Eigen::VectorXd roots(r);
  for (index_t k = 0; k < r; ++k) roots(k) = std::sqrt(lambda[std::size_t(k)]);
  return q * roots.asDiagonal();
}

}  // namespace

TEST_CASE("Eigenpairs and kernels are the same bits on 1, 2 and 3 threads",
          "[optics][eigen][threads][large]") {
  // Symmetric sources (exact degenerate pairs) and both solvers. Eigen splits a large product among
  // its threads with cache blocking that depends on their number; the eigen step must not.
  OpticalSystem system;
  system.defocus_nm = 40;
  for (const Source& source : {Source::annular(0.6, 0.9), Source::quasar(0.6, 0.9, 30, 45)}) {
    INFO(source.describe());
    const TccFactor tcc = tcc_factor(system, source, 800, 0.05);  // about 360 frequencies
    for (const EigenMethod method : {EigenMethod::dense, EigenMethod::iterative}) {
      INFO((method == EigenMethod::dense ? "dense" : "iterative"));
      const auto solve = [&](int threads) {
        const OmpThreads guard(threads);
        return leading_eigenpairs(tcc.a, 16, method);
      };
      const Eigenpairs one = solve(1);
      REQUIRE(one.method == method);
      index_t pairs = 0;
      for (const auto& [begin, end] : clusters(one.values, 1e-12)) pairs += end - begin == 2;
      CHECK(pairs >= 2);
      CHECK(same_bits(one, solve(2)));
      CHECK(same_bits(one, solve(3)));
    }
  }
  SECTION("socs_kernels end to end, iterative solver") {
    // 1265 nm: some 890 frequencies, so the automatic choice is the block Krylov solver.
    const SocsOptions options{.period_nm = 1265, .count = 24, .source_step = 0.1};
    const auto generate = [&](int threads) {
      const OmpThreads guard(threads);
      return socs_kernels(system, Source::annular(0.6, 0.9), options);
    };
    const KernelSet one = generate(1);
    CHECK(same_bits(one, generate(2)));
    CHECK(same_bits(one, generate(3)));
  }
}

TEST_CASE("Degenerate eigenspaces come out in the canonical basis", "[optics][eigen][large]") {
  SECTION("a known spectrum: the basis is the one the definition gives") {
    // Clusters {3, 3, 3} and {1, 1}: the solvers must return the canonical basis of each eigenspace
    // span(Q columns), built here from the explicit projector.
    const std::vector<double> lambda{5, 3, 3, 3, 2, 1, 1, 0.5, 0.2, 0.1};
    const Eigen::MatrixXcd a = factor_with_spectrum(64, lambda, 17);
    const Eigen::MatrixXcd q = random_unitary(64, 17).leftCols(10);
    Eigen::MatrixXcd expected(64, 8);
    expected.col(0) = canonical_reference(q.col(0));
    expected.middleCols(1, 3) = canonical_reference(q.middleCols(1, 3));
    expected.col(4) = canonical_reference(q.col(4));
    expected.middleCols(5, 2) = canonical_reference(q.middleCols(5, 2));
    expected.col(7) = canonical_reference(q.col(7));
    for (const EigenMethod method : {EigenMethod::dense, EigenMethod::iterative}) {
      INFO((method == EigenMethod::dense ? "dense" : "iterative"));
      const Eigenpairs pairs = leading_eigenpairs(a, 8, method);
      REQUIRE(pairs.method == method);
      for (index_t k = 0; k < 8; ++k)
        CHECK(pairs.values(k) == Approx(lambda[std::size_t(k)]).epsilon(1e-12));
      // Dense: rounding over gaps of 1/5 of the top; iterative: its 1e-10 residual over the same gap.
      const double tolerance = method == EigenMethod::dense ? 1e-12 : 1e-8;
      for (index_t k = 0; k < 8; ++k) {
        INFO("vector " << k);
        CHECK((pairs.vectors.col(k) - expected.col(k)).norm() <= tolerance);
      }
    }
  }
  SECTION("a cut inside a cluster keeps the first members of its canonical basis") {
    const std::vector<double> lambda{5, 3, 3, 3, 2, 1, 1, 0.5, 0.2, 0.1};
    const Eigen::MatrixXcd a = factor_with_spectrum(64, lambda, 23);
    const Eigen::MatrixXcd q = random_unitary(64, 23).leftCols(10);
    const Eigen::MatrixXcd expected = canonical_reference(q.middleCols(1, 3));
    for (const index_t count : {2, 3}) {
      INFO("count " << count);
      const Eigenpairs cut = leading_eigenpairs(a, count, EigenMethod::dense);
      REQUIRE(cut.vectors.cols() == count);
      for (index_t k = 1; k < count; ++k)
        CHECK((cut.vectors.col(k) - expected.col(k - 1)).norm() <= 1e-12);
      // The same arithmetic as with the whole cluster asked for: the same bits.
      const Eigenpairs whole = leading_eigenpairs(a, 4, EigenMethod::dense);
      CHECK(std::memcmp(cut.vectors.data(), whole.vectors.data(),
                        sizeof(cd) * std::size_t(cut.vectors.size())) == 0);
    }
  }
  SECTION("the TCC through a rotated factor A W gives the same kernels") {
    // T = A A^H = (A W)(A W)^H for any unitary W: the same matrix rounded differently, whose exact
    // pairs any solver resolves into an arbitrary basis. K = 18 ends inside a pair.
    OpticalSystem system;
    system.defocus_nm = 40;
    const TccFactor tcc = tcc_factor(system, Source::annular(0.6, 0.9), 800, 0.05);
    const Eigen::MatrixXcd rotated = tcc.a * random_unitary(tcc.a.cols(), 31);
    const Eigen::VectorXd spectrum = leading_eigenpairs(tcc.a, 24, EigenMethod::dense).values;
    REQUIRE(spectrum(17) - spectrum(18) <= 1e-12 * spectrum(0));
    for (const EigenMethod method : {EigenMethod::dense, EigenMethod::iterative}) {
      INFO((method == EigenMethod::dense ? "dense" : "iterative"));
      const Eigenpairs plain = leading_eigenpairs(tcc.a, 18, method);
      const Eigenpairs turned = leading_eigenpairs(rotated, 18, method);
      const double top = plain.values(0);
      CHECK((plain.values - turned.values).cwiseAbs().maxCoeff() <= 1e-12 * top);
      // Each vector is as accurate as its cluster's invariant subspace: the solver's relative error
      // (rounding for dense, the 1e-10 residual for iterative) over the cluster's gap.
      const double accuracy = method == EigenMethod::dense ? 1e-13 : 1e-9;
      index_t pairs = 0;
      for (const auto& [begin, end] : clusters(spectrum, 1e-12)) {
        if (begin >= 18) break;
        pairs += end - begin == 2;
        const double gap = relative_gap(spectrum, begin, end);
        for (index_t k = begin; k < std::min<index_t>(end, 18); ++k) {
          INFO("vector " << k << ", cluster " << begin << ".." << end - 1 << ", relative gap "
                         << gap);
          CHECK((plain.vectors.col(k) - turned.vectors.col(k)).norm() <= accuracy / gap);
        }
      }
      CHECK(pairs >= 4);
    }
  }
  SECTION("the dense and the iterative solvers give the same kernels") {
    OpticalSystem system;
    system.defocus_nm = 40;
    for (const Source& source : {Source::annular(0.6, 0.9), Source::quasar(0.6, 0.9, 30, 45)}) {
      INFO(source.describe());
      const TccFactor tcc = tcc_factor(system, source, 800, 0.05);
      const Eigenpairs dense = leading_eigenpairs(tcc.a, 18, EigenMethod::dense);
      const Eigenpairs iterative = leading_eigenpairs(tcc.a, 18, EigenMethod::iterative);
      REQUIRE(iterative.method == EigenMethod::iterative);
      const Eigen::VectorXd spectrum = leading_eigenpairs(tcc.a, 24, EigenMethod::dense).values;
      index_t pairs = 0;
      for (const auto& [begin, end] : clusters(spectrum, 1e-12)) {
        if (begin >= 18) break;
        pairs += end - begin == 2;
        const double gap = relative_gap(spectrum, begin, end);
        for (index_t k = begin; k < std::min<index_t>(end, 18); ++k) {
          INFO("vector " << k << ", cluster " << begin << ".." << end - 1 << ", relative gap "
                         << gap);
          CHECK((dense.vectors.col(k) - iterative.vectors.col(k)).norm() <= 1e-9 / gap);
        }
      }
      CHECK(pairs >= 2);
    }
  }
}
