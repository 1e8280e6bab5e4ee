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
//   each product T X = A (A^H X) is two dense matrix products, so a cycle costs 2 n_f n_s b per
//   block against the n_f^2 n_s of merely forming T. A Krylov space of several blocks converges much
//   faster than plain subspace (power) iteration when the TCC's eigenvalues decay slowly, as they do
//   for large sigma, and the block (K plus an oversampling margin) holds degenerate pairs whole. It
//   stops when every kept Ritz pair has ||T u - theta u|| <= tolerance * theta_1; for a Hermitian T
//   that bounds each eigenvalue error by the same amount and each eigenvector's angle to its
//   eigenspace by the residual over the gap. The start block is A applied to a fixed pseudo-random
//   block (a randomized range finder), so the result is the same on every run and platform.
//
// Thread count. Eigen splits a large matrix product among its OpenMP threads with cache blocking
// that depends on their number (evaluateProductBlockingSizesHeuristic in Eigen's
// GeneralBlockPanelKernel.h), so its rounding would follow the thread count. Here Eigen runs
// single-threaded (the calling thread's OpenMP thread count is 1 while a solver runs), and the
// large products of the iterative solver are cut into fixed blocks of product_block_rows rows of the
// result, each one single-threaded Eigen product, shared among the caller's OpenMP threads: every
// entry is computed by the same arithmetic whatever the thread count, and the eigenpairs are the
// same bits (on one machine and build: Eigen's blocking also follows the CPU's cache sizes). A
// program that sets Eigen::setNbThreads(n > 1) itself overrides Eigen's single-threading here.
//
// Degenerate eigenvalues. Neighbouring eigenvalues closer than cluster_tolerance (1e-12) times the
// largest form a cluster (chained: each gap between neighbours below it). The exact pairs of a
// symmetric source come out of either solver within 2e-15 of the largest eigenvalue of each other
// (measured on annular, quasar and disc TCCs), while distinct eigenvalues above the rounding floor
// were at least 1e-11 apart; merging two distinct ones would cost their gap (below). Any basis of
// a cluster's eigenspace is as good as another, so a solver returns whichever its rounding led to:
// two solvers, or one solver on two roundings of T, would differ by a rotation inside the cluster.
// Each cluster is therefore returned in a canonical basis, built from its projector P = V V^H,
// which does not depend on the basis V the solver found: pivoted Gram-Schmidt on P's columns,
// taking at each step the column with the largest remaining norm (the lowest index among those
// within a relative 1e-6 of it, so that ties from symmetry go the same way whatever the rounding).
// So u_1 = P e_j1 / ||P e_j1|| with j1 the index of P's largest diagonal entry, u_2 the normalised
// remainder of the next pivot column after removing u_1, and so on; then the phase rule below. Two
// solvers then agree vector by vector to their accuracy (for a cluster, the residual over the gap
// that separates it from the other eigenvalues). The eigenvalues of a cluster keep their computed
// values, largest first, matched to the basis in order; where they are not exactly equal the basis
// vectors are not exact eigenvectors, and sum_k lambda_k u_k u_k^H differs from T on the cluster by
// at most its spread, (c - 1) 1e-12 of the largest eigenvalue for c members (the numerically zero
// tail of a TCC is one such cluster). When K ends inside a cluster, the whole cluster is computed
// and put in its canonical basis, and its first members are returned: the vectors a larger K gives
// (the same bits with the dense solver, to its accuracy with the iterative one, whose block grows
// with K).
//
// Phase convention: an eigenvector is defined up to a unit factor; each returned vector is turned
// so that its largest-magnitude component is real and positive, taking the lowest index among
// components within a relative 1e-6 of the largest (ties from symmetry are then resolved the same
// way whatever the rounding). The pivot component of u_1 is already real, positive and the largest
// (|P_ij1|^2 <= P_ii P_j1j1 <= P_j1j1^2).
// Host code only (Eigen).

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::optics {

enum class EigenMethod {
  automatic,  ///< dense for small matrices or when K is a large share of n, iterative otherwise
  dense,
  iterative,
};

struct Eigenpairs {
  Eigen::VectorXd values;  ///< the K largest eigenvalues, largest first
  Eigen::MatrixXcd
      vectors;  ///< matching unit-norm eigenvectors (columns), phase as the header says
  EigenMethod method = EigenMethod::dense;  ///< the solver that produced them
  index_t cycles = 0;  ///< restart cycles the iterative solver ran (0 for dense)
};

namespace detail {

/// automatic uses the dense solver up to this many rows: there it takes well under a second.
inline constexpr index_t dense_eigen_rows = 600;

/// Neighbouring eigenvalues closer than this times the largest belong to one cluster (header).
inline constexpr double cluster_tolerance = 1e-12;

/// Relative difference below which two magnitudes tie (pivots and phases; header).
inline constexpr double tie_tolerance = 1e-6;

/// Rows of the result one task of a blocked product computes (see fixed_product).
inline constexpr index_t product_block_rows = 32;

/// Makes Eigen single-threaded on the calling thread while it lives (the header says why): Eigen
/// takes its thread count from omp_get_max_threads(), which omp_set_num_threads sets for the
/// calling thread only. threads() is the caller's count, for the blocked products.
class SingleThreadedEigen {
 public:
  SingleThreadedEigen() : threads_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleThreadedEigen() { omp_set_num_threads(threads_); }
  SingleThreadedEigen(const SingleThreadedEigen&) = delete;
  SingleThreadedEigen& operator=(const SingleThreadedEigen&) = delete;

  int threads() const { return threads_; }

 private:
  int threads_;
};

/// lhs * rhs, or lhs^H * rhs when `adjoint`, with the result's rows cut into fixed blocks of
/// product_block_rows, each one single-threaded Eigen product (Eigen does not split a product
/// inside a parallel region, nor with one thread), shared among `threads` OpenMP threads. Every
/// entry is computed by the same block product whatever the thread count.
inline Eigen::MatrixXcd fixed_product(const Eigen::Ref<const Eigen::MatrixXcd>& lhs, bool adjoint,
                                      const Eigen::Ref<const Eigen::MatrixXcd>& rhs, int threads) {
  const index_t rows = adjoint ? lhs.cols() : lhs.rows();
  Eigen::MatrixXcd out(rows, rhs.cols());
  const index_t blocks = (rows + product_block_rows - 1) / product_block_rows;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (index_t i = 0; i < blocks; ++i) {
    const index_t first = i * product_block_rows,
                  count = std::min(product_block_rows, rows - first);
    if (adjoint)
      out.middleRows(first, count).noalias() = lhs.middleCols(first, count).adjoint() * rhs;
    else
      out.middleRows(first, count).noalias() = lhs.middleRows(first, count) * rhs;
  }
  return out;
}

/// The Hermitian product T X = A (A^H X), without forming T.
inline Eigen::MatrixXcd gram_product(const Eigen::MatrixXcd& a, const Eigen::MatrixXcd& x,
                                     int threads) {
  return fixed_product(a, false, fixed_product(a, true, x, threads), threads);
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
inline Eigen::MatrixXcd extend_basis(const Eigen::Ref<const Eigen::MatrixXcd>& basis,
                                     Eigen::MatrixXcd w, int threads) {
  for (int pass = 0; pass < 2; ++pass) {
    for (int gs = 0; gs < 2; ++gs)
      w -= fixed_product(basis, false, fixed_product(basis, true, w, threads), threads);
    w = orthonormal_columns(w);
  }
  return w;
}

/// The lowest index among the entries within tie_tolerance of the largest (entries >= 0).
inline index_t first_largest(const Eigen::Ref<const Eigen::VectorXd>& magnitudes) {
  const double largest = magnitudes.maxCoeff();
  index_t chosen = 0;
  while (magnitudes(chosen) < largest * (1 - tie_tolerance)) ++chosen;
  return chosen;
}

/// Applies the phase convention of the header to every column.
inline void fix_phases(Eigen::MatrixXcd& vectors) {
  for (index_t k = 0; k < vectors.cols(); ++k) {
    auto column = vectors.col(k);
    const Eigen::VectorXd magnitudes = column.cwiseAbs();
    if (!(magnitudes.maxCoeff() > 0)) continue;
    const std::complex<double> c = column(first_largest(magnitudes));
    column *= std::conj(c) / std::abs(c);
  }
}

/// The canonical basis (header) of the span of the orthonormal columns V of `basis`. Column j of
/// P = V V^H is V c_j with c_j = V^H e_j, and V keeps norms and inner products, so the Gram-Schmidt
/// runs on the coordinates c_j (c x n for a c-dimensional cluster) rather than on P (n x n).
inline Eigen::MatrixXcd canonical_basis(const Eigen::Ref<const Eigen::MatrixXcd>& basis) {
  const index_t dimension = basis.cols();
  const Eigen::MatrixXcd coordinates = basis.adjoint();
  Eigen::MatrixXcd remaining = coordinates;  // the coordinates with the chosen directions removed
  Eigen::MatrixXcd q(dimension, dimension);
  for (index_t i = 0; i < dimension; ++i) {
    const index_t pivot = first_largest(remaining.colwise().norm().transpose());
    // The pivot column orthogonalised afresh against the directions so far, twice: its remainder
    // in `remaining` carries the rounding of every earlier removal.
    Eigen::VectorXcd u = coordinates.col(pivot);
    for (int pass = 0; pass < 2; ++pass) u -= q.leftCols(i) * (q.leftCols(i).adjoint() * u);
    q.col(i) = u / u.norm();
    remaining -= q.col(i) * (q.col(i).adjoint() * remaining);
  }
  return basis * q;
}

/// First index after the cluster that holds eigenvalue count - 1 (values largest first): the end
/// of the pairs a solver must deliver so that K = count does not split a cluster it cannot see.
inline index_t cluster_end(const Eigen::Ref<const Eigen::VectorXd>& values, index_t count) {
  const double scale = std::max(values(0), 0.0);
  index_t end = count;
  while (end < values.size() && values(end - 1) - values(end) <= cluster_tolerance * scale) ++end;
  return end;
}

/// Puts each cluster of `values` (largest first, as many as `vectors` has columns, the last cluster
/// complete) in its canonical basis, then applies the phase convention to every vector.
inline void canonicalise(const Eigen::Ref<const Eigen::VectorXd>& values,
                         Eigen::MatrixXcd& vectors) {
  for (index_t first = 0; first < vectors.cols();) {
    const index_t end = cluster_end(values.head(vectors.cols()), first + 1);
    if (end - first > 1)
      vectors.middleCols(first, end - first) =
          canonical_basis(vectors.middleCols(first, end - first));
    first = end;
  }
  fix_phases(vectors);
}

inline Eigenpairs dense_eigenpairs(const Eigen::MatrixXcd& a, index_t count) {
  const index_t n = a.rows();
  Eigen::MatrixXcd t = Eigen::MatrixXcd::Zero(n, n);
  t.selfadjointView<Eigen::Lower>().rankUpdate(
      a);  // T = A A^H, lower triangle (all the solver reads)
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> solver(t);
  if (solver.info() != Eigen::Success)
    throw backend_error(
        "fabtwin::optics::leading_eigenpairs: Eigen's Hermitian eigensolver did not converge on a " +
        std::to_string(n) + " x " + std::to_string(n) + " TCC");
  const Eigen::VectorXd values = solver.eigenvalues().reverse();  // ascending -> largest first
  const index_t end = cluster_end(values, count);
  Eigen::MatrixXcd vectors = solver.eigenvectors().rightCols(end).rowwise().reverse();
  canonicalise(values.head(end), vectors);
  Eigenpairs pairs;
  pairs.values = values.head(count);
  pairs.vectors = vectors.leftCols(count);
  pairs.method = EigenMethod::dense;
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

/// The iterative solver, its products shared among `threads` threads; returns false (pairs
/// untouched) when it did not converge within `max_cycles` restarts, the matrix is too small for a
/// Krylov space of two blocks, or the cluster at K fills the rest of the block (it may go on
/// beyond what the block can see).
inline bool krylov_eigenpairs(const Eigen::MatrixXcd& a, index_t count, double tolerance,
                              index_t max_cycles, int threads, Eigenpairs& pairs) {
  const index_t n = a.rows();
  const KrylovShape shape = krylov_shape(n, count);
  const index_t b = shape.block, steps = shape.steps;
  if (steps < 1) return false;
  const index_t m = b * (steps + 1);

  Eigen::MatrixXcd v = orthonormal_columns(
      fixed_product(a, false, pseudo_random_block(a.cols(), b, 0x5eed), threads));
  Eigen::MatrixXcd tv = gram_product(a, v, threads);
  Eigen::MatrixXcd q(n, m), tq(n, m);
  for (index_t cycle = 1; cycle <= max_cycles; ++cycle) {
    q.leftCols(b) = v;
    tq.leftCols(b) = tv;
    for (index_t j = 1; j <= steps; ++j) {
      const Eigen::MatrixXcd w =
          extend_basis(q.leftCols(j * b), tq.middleCols((j - 1) * b, b), threads);
      q.middleCols(j * b, b) = w;
      tq.middleCols(j * b, b) = gram_product(a, w, threads);
    }
    // Rayleigh-Ritz on span(q): the Ritz pairs of H = Q^H T Q (Hermitian up to rounding).
    Eigen::MatrixXcd h = fixed_product(q, true, tq, threads);
    h = (0.5 * (h + h.adjoint())).eval();
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXcd> ritz(h);
    if (ritz.info() != Eigen::Success) return false;
    const Eigen::MatrixXcd s = ritz.eigenvectors().rightCols(b).rowwise().reverse();
    const Eigen::VectorXd theta = ritz.eigenvalues().tail(b).reverse();
    v = fixed_product(q, false, s, threads);
    tv = fixed_product(tq, false, s, threads);
    // Every pair up to the end of the cluster at K must converge: the canonical basis needs the
    // cluster's whole eigenspace.
    const index_t end = cluster_end(theta, count);
    const double scale = std::max(theta(0), 0.0);
    double worst = 0;
    for (index_t k = 0; k < end; ++k)
      worst = std::max(worst, (tv.col(k) - theta(k) * v.col(k)).norm());
    if (worst <= tolerance * scale) {
      if (end == b) return false;
      Eigen::MatrixXcd vectors = v.leftCols(end);
      canonicalise(theta.head(end), vectors);
      pairs.values = theta.head(count);
      pairs.vectors = vectors.leftCols(count);
      pairs.method = EigenMethod::iterative;
      pairs.cycles = cycle;
      return true;
    }
  }
  return false;
}

}  // namespace detail

/// The `count` largest eigenpairs of T = a a^H (a: n x anything), degenerate clusters in their
/// canonical basis, the same bits on any thread count (see the header). `iterative` falls back to
/// the dense solver (and says so in Eigenpairs::method) when n is too small for its Krylov space,
/// the cluster at `count` does not fit its block, or it has not reached `tolerance` (relative
/// eigen-residual, see the header) in 200 cycles.
inline Eigenpairs leading_eigenpairs(const Eigen::MatrixXcd& a, index_t count,
                                     EigenMethod method = EigenMethod::automatic,
                                     double tolerance = 1e-10) {
  constexpr const char* where = "optics::leading_eigenpairs";
  const index_t n = a.rows();
  require(
      n >= 1 && a.cols() >= 1, where, "a",
      [&] { return std::to_string(n) + " x " + std::to_string(a.cols()); }, "a non-empty factor");
  require(count >= 1 && count <= n, where, "count", count,
          [&] { return "between 1 and the " + std::to_string(n) + " rows of the matrix"; });
  require(std::isfinite(tolerance) && tolerance > 0 && tolerance < 1, where, "tolerance", tolerance,
          "a relative eigen-residual in (0, 1)");
  const detail::SingleThreadedEigen single_threaded;
  if (method == EigenMethod::automatic)
    method = (n <= detail::dense_eigen_rows || 4 * count > n) ? EigenMethod::dense
                                                              : EigenMethod::iterative;
  if (method == EigenMethod::iterative) {
    Eigenpairs pairs;
    if (detail::krylov_eigenpairs(a, count, tolerance, 200, single_threaded.threads(), pairs))
      return pairs;
  }
  return detail::dense_eigenpairs(a, count);
}

}  // namespace fabtwin::optics
