#pragma once
// The K largest eigenpairs of a Hermitian positive semidefinite matrix given as T = A A^H (the TCC,
// tcc.hpp), by one of two solvers:
//
// - dense: forms T and runs Eigen's SelfAdjointEigenSolver (Householder tridiagonalisation + QR):
//   exact to rounding, O(n^3) time and O(n^2) memory. The reference, and the right choice when T
//   has a few hundred rows.
// - iterative: a restarted block Krylov method (block Lanczos with full reorthogonalisation and a
//   Rayleigh-Ritz step, restarted from the leading Ritz vectors; Golub & Van Loan, Matrix
//   Computations, 4th ed., §10.3.6 and §10.4; Musco & Musco, "Randomized block Krylov methods for
//   stronger and faster approximate singular value decomposition", NeurIPS 2015). T is never formed:
//   each product T X = A (A^H X) is two dense matrix products (Eigen GEMM, multithreaded), so a
//   cycle costs 2 n_f n_s b per block against the n_f^2 n_s of merely forming T. A Krylov space of
//   several blocks converges much faster than plain subspace (power) iteration when the TCC's
//   eigenvalues decay slowly, as they do for large sigma, and the block (K plus an oversampling
//   margin) holds degenerate pairs whole. It stops when every kept Ritz pair has
//   ||T u - theta u|| <= tolerance * theta_1; for a Hermitian T that bounds each eigenvalue error by
//   the same amount and each eigenvector's angle to its eigenspace by the residual over the gap.
//   The start block is A applied to a fixed pseudo-random block (a randomized range finder), so
//   the result is the same on every run and platform.
//
// Phase convention: an eigenvector is defined up to a unit factor; each returned vector is turned
// so that its largest-magnitude component is real and positive, taking the lowest index among
// components within a relative 1e-6 of the largest (ties from symmetry are then resolved the same
// way whatever the rounding). Vectors of a degenerate eigenvalue are any orthonormal basis of its
// eigenspace: compare them through projectors.
// Host code only (Eigen).

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::optics {

enum class EigenMethod {
  automatic,  ///< dense for small matrices or when K is a large share of n, iterative otherwise
  dense,
  iterative,
};

struct Eigenpairs {
  Eigen::VectorXd values;    ///< the K largest eigenvalues, largest first
  Eigen::MatrixXcd vectors;  ///< matching unit-norm eigenvectors (columns), phase as the header says
  EigenMethod method = EigenMethod::dense;  ///< the solver that produced them
  index_t cycles = 0;        ///< restart cycles the iterative solver ran (0 for dense)
};

namespace detail {

/// automatic uses the dense solver up to this many rows: there it takes well under a second.
inline constexpr index_t dense_eigen_rows = 600;

/// The Hermitian product T X = A (A^H X), without forming T.
inline Eigen::MatrixXcd gram_product(const Eigen::MatrixXcd& a, const Eigen::MatrixXcd& x) {
  const Eigen::MatrixXcd y = a.adjoint() * x;
  return a * y;
}

/// A rows x cols block of pseudo-random complex entries in [-1, 1) (SplitMix64: the same numbers
/// on every platform, unlike the standard library's distributions).
inline Eigen::MatrixXcd pseudo_random_block(index_t rows, index_t cols, std::uint64_t seed) {
  std::uint64_t state = seed;
  const auto next = [&state] {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-52 - 1.0;
  };
  Eigen::MatrixXcd block(rows, cols);
  for (index_t j = 0; j < cols; ++j)
    for (index_t i = 0; i < rows; ++i) {
      const double re = next();
      block(i, j) = std::complex<double>(re, next());
    }
  return block;
}

/// Orthonormal columns spanning w's (thin Q of a Householder QR).
inline Eigen::MatrixXcd orthonormal_columns(const Eigen::MatrixXcd& w) {
  const Eigen::HouseholderQR<Eigen::MatrixXcd> qr(w);
  return qr.householderQ() * Eigen::MatrixXcd::Identity(w.rows(), w.cols());
}

/// w made orthonormal and orthogonal to the orthonormal columns of `basis`. Classical Gram-Schmidt
/// twice ("twice is enough", Giraud et al., Numer. Math. 101, 2005) then QR; the whole is done twice
/// because when w lies (numerically) inside span(basis), what the projection leaves is rounding
/// noise that the QR scales up to unit length: the second pass makes those columns orthogonal too.
/// Such columns are then arbitrary directions, which a Krylov basis may hold.
inline Eigen::MatrixXcd extend_basis(const Eigen::Ref<const Eigen::MatrixXcd>& basis, Eigen::MatrixXcd w) {
  for (int pass = 0; pass < 2; ++pass) {
    for (int gs = 0; gs < 2; ++gs) w -= basis * (basis.adjoint() * w);
    w = orthonormal_columns(w);
  }
  return w;
}

/// Applies the phase convention of the header to every column.
inline void fix_phases(Eigen::MatrixXcd& vectors) {
  for (index_t k = 0; k < vectors.cols(); ++k) {
    auto column = vectors.col(k);
    const double largest = column.cwiseAbs().maxCoeff();
    if (!(largest > 0)) continue;
    index_t chosen = 0;
    while (std::abs(column(chosen)) < largest * (1 - 1e-6)) ++chosen;
    const std::complex<double> c = column(chosen);
    column *= std::conj(c) / std::abs(c);
  }
}

inline Eigenpairs dense_eigenpairs(const Eigen::MatrixXcd& a, index_t count) {
  const index_t n = a.rows();
  Eigen::MatrixXcd t = Eigen::MatrixXcd::Zero(n, n);
  t.selfadjointView<Eigen::Lower>().rankUpdate(a);  // T = A A^H, lower triangle (all the solver reads)
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(t);
  if (solver.info() != Eigen::Success)
    throw backend_error("fabtwin::optics::leading_eigenpairs: Eigen's Hermitian eigensolver did not converge on a " +
                        std::to_string(n) + " x " + std::to_string(n) + " TCC");
  Eigenpairs pairs;
  pairs.values = solver.eigenvalues().tail(count).reverse();         // ascending -> largest first
  pairs.vectors = solver.eigenvectors().rightCols(count).rowwise().reverse();
  pairs.method = EigenMethod::dense;
  fix_phases(pairs.vectors);
  return pairs;
}

/// Block size and Krylov steps per cycle for K wanted pairs of an n-row T.
struct KrylovShape {
  index_t block = 0, steps = 0;
};

inline KrylovShape krylov_shape(index_t n, index_t count) {
  KrylovShape shape;
  shape.block = std::min(n, count + std::max<index_t>(8, count / 2));
  // Each cycle spans (steps + 1) blocks; the Rayleigh-Ritz matrix stays small next to T.
  shape.steps = std::min<index_t>(6, n / shape.block - 1);
  return shape;
}

/// The iterative solver; returns false (pairs untouched) when it did not converge within
/// `max_cycles` restarts or the matrix is too small for a Krylov space of two blocks.
inline bool krylov_eigenpairs(const Eigen::MatrixXcd& a, index_t count, double tolerance,
                              index_t max_cycles, Eigenpairs& pairs) {
  const index_t n = a.rows();
  const KrylovShape shape = krylov_shape(n, count);
  const index_t b = shape.block, steps = shape.steps;
  if (steps < 1) return false;
  const index_t m = b * (steps + 1);

  Eigen::MatrixXcd v = orthonormal_columns(a * pseudo_random_block(a.cols(), b, 0x5eed));
  Eigen::MatrixXcd tv = gram_product(a, v);
  Eigen::MatrixXcd q(n, m), tq(n, m);
  for (index_t cycle = 1; cycle <= max_cycles; ++cycle) {
    q.leftCols(b) = v;
    tq.leftCols(b) = tv;
    for (index_t j = 1; j <= steps; ++j) {
      const Eigen::MatrixXcd w = extend_basis(q.leftCols(j * b), tq.middleCols((j - 1) * b, b));
      q.middleCols(j * b, b) = w;
      tq.middleCols(j * b, b) = gram_product(a, w);
    }
    // Rayleigh-Ritz on span(q): the Ritz pairs of H = Q^H T Q (Hermitian up to rounding).
    Eigen::MatrixXcd h = q.adjoint() * tq;
    h = (0.5 * (h + h.adjoint())).eval();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> ritz(h);
    if (ritz.info() != Eigen::Success) return false;
    const Eigen::MatrixXcd s = ritz.eigenvectors().rightCols(b).rowwise().reverse();
    const Eigen::VectorXd theta = ritz.eigenvalues().tail(b).reverse();
    v = q * s;
    tv = tq * s;
    const double scale = std::max(theta(0), 0.0);
    double worst = 0;
    for (index_t k = 0; k < count; ++k) worst = std::max(worst, (tv.col(k) - theta(k) * v.col(k)).norm());
    if (worst <= tolerance * scale) {
      pairs.values = theta.head(count);
      pairs.vectors = v.leftCols(count);
      pairs.method = EigenMethod::iterative;
      pairs.cycles = cycle;
      fix_phases(pairs.vectors);
      return true;
    }
  }
  return false;
}

}  // namespace detail

/// The `count` largest eigenpairs of T = a a^H (a: n x anything). `iterative` falls back to the dense
/// solver (and says so in Eigenpairs::method) when n is too small for its Krylov space or it has not
/// reached `tolerance` (relative eigen-residual, see the header) in 200 cycles.
inline Eigenpairs leading_eigenpairs(const Eigen::MatrixXcd& a, index_t count,
                                     EigenMethod method = EigenMethod::automatic, double tolerance = 1e-10) {
  constexpr const char* where = "optics::leading_eigenpairs";
  using ::fabtwin::detail::require;
  const index_t n = a.rows();
  require(n >= 1 && a.cols() >= 1, where, "a", std::to_string(n) + " x " + std::to_string(a.cols()),
          "a non-empty factor");
  require(count >= 1 && count <= n, where, "count", count,
          "between 1 and the " + std::to_string(n) + " rows of the matrix");
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, where, "tolerance", tolerance,
          "a relative eigen-residual in (0, 1)");
  if (method == EigenMethod::automatic)
    method = (n <= detail::dense_eigen_rows || 4 * count > n) ? EigenMethod::dense : EigenMethod::iterative;
  if (method == EigenMethod::iterative) {
    Eigenpairs pairs;
    if (detail::krylov_eigenpairs(a, count, tolerance, 200, pairs)) return pairs;
  }
  return detail::dense_eigenpairs(a, count);
}

}  // namespace fabtwin::optics
