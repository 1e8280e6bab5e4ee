// The exact solution of the implicit diffusion solver's semi-discrete operator, by a dense Eigen
// eigendecomposition: the reference of test_implicit_convergence. Compiled by the host compiler
// alone (Eigen has no place in nvcc units).

#include "support/semi_discrete_reference.hpp"

#include <Eigen/Dense>

namespace fabtwin::test {
namespace {

/// The semi-discrete operator A of du/dt = div(D grad u) written out as a dense matrix: faces of
/// harmonic-mean D between neighbours along each axis, and the top cells losing
/// k_eff / h_z = 2 D k / ((2 D + k h_z) h_z) for a transfer coefficient k.
Eigen::MatrixXd operator_matrix(const Grid& grid, const std::vector<double>& d, double k) {
  const index_t nx = grid.nx(), ny = grid.ny(), nz = grid.nz(), n = grid.size();
  const double h[3] = {grid.pitch().x, grid.pitch().y, grid.pitch().z};
  const index_t stride[3] = {1, nx, nx * ny};
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
  for (index_t z = 0; z < nz; ++z)
    for (index_t y = 0; y < ny; ++y)
      for (index_t x = 0; x < nx; ++x) {
        const index_t i = x + nx * (y + ny * z);
        const bool has_next[3] = {x + 1 < nx, y + 1 < ny, z + 1 < nz};
        for (int axis = 0; axis < grid.rank(); ++axis) {
          if (!has_next[axis]) continue;
          const index_t j = i + stride[axis];
          const double di = d[std::size_t(i)], dj = d[std::size_t(j)];
          const double w = (di + dj > 0 ? 2 * di * dj / (di + dj) : 0) / (h[axis] * h[axis]);
          a(i, i) -= w, a(j, j) -= w, a(i, j) += w, a(j, i) += w;
        }
        if (grid.rank() == 3 && z == nz - 1 && k > 0) {
          const double dt = d[std::size_t(i)];
          a(i, i) -= 2 * dt * k / ((2 * dt + k * h[2]) * h[2]);
        }
      }
  return a;
}

/// exp(t A) u0 for symmetric A.
std::vector<double> exponential(const Eigen::MatrixXd& a, const std::vector<double>& u0, double t) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(a);
  const Eigen::VectorXd u = Eigen::Map<const Eigen::VectorXd>(u0.data(), Eigen::Index(u0.size()));
  const Eigen::VectorXd growth = (eigen.eigenvalues() * t).array().exp();
  const Eigen::VectorXd v =
      eigen.eigenvectors() * (growth.asDiagonal() * (eigen.eigenvectors().transpose() * u));
  return {v.data(), v.data() + v.size()};
}

}  // namespace

std::vector<double> semi_discrete_exact(const Grid& grid, const std::vector<double>& d, double k,
                                        const std::vector<double>& u0, double t) {
  return exponential(operator_matrix(grid, d, k), u0, t);
}

}  // namespace fabtwin::test
