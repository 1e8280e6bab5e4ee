#pragma once
// The exact solution exp(t A) u0 of du/dt = A u, A the semi-discrete operator of
// thermal::diffuse_implicit (harmonic-mean faces, no-flux walls, a Robin loss through the top with
// transfer coefficient k), for the convergence tests. Defined in a host-compiled unit (Eigen).

#include <vector>

#include "fabtwin/core/grid.hpp"

namespace fabtwin::test {

std::vector<double> semi_discrete_exact(const Grid& grid, const std::vector<double>& d, double k,
                                        const std::vector<double>& u0, double t);

}  // namespace fabtwin::test
