#pragma once
// Fringe (University of Arizona) Zernike polynomials Z_1 .. Z_37 on the unit pupil, the ordering
// scanner makers report lens aberrations in. Fringe terms are not normalised: every Z_j is 1 (in
// magnitude) at the pupil edge rho = 1, so a coefficient in waves is the peak phase error.
// Term j is R_n^m(rho) times cos(m theta) (first of a pair), sin(m theta) (second), or 1 (m = 0):
//   j:  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
//   n:  0  1  1  2  2  2  3  3  4  3  3  4  4  5  5  6  4  4  5  5  6  6  7  7  8  5  5  6  6  7  7
//   m:  0  1  1  0  2  2  1  1  0  3  3  2  2  1  1  0  4  4  3  3  2  2  1  1  0  5  5  4  4  3  3
//   j: 32 33 34 35 36 37
//   n:  8  8  9  9 10 12
//   m:  2  2  1  1  0  0
// (Z_4 defocus, Z_5/6 astigmatism, Z_7/8 coma, Z_9 spherical, Z_10/11 trefoil, ...)

#include <array>
#include <cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/optics/optical_system.hpp"

namespace fabtwin::optics {

struct ZernikeIndex {
  int n;     ///< radial order
  int m;     ///< azimuthal order (>= 0)
  int trig;  ///< +1: cos(m theta), -1: sin(m theta), 0: rotationally symmetric
};

/// (n, m, cos/sin) of Fringe term j = 1 .. 37.
inline ZernikeIndex fringe_index(int j) {
  static constexpr ZernikeIndex table[zernike_terms] = {
      {0, 0, 0},  {1, 1, 1}, {1, 1, -1}, {2, 0, 0},  {2, 2, 1},  {2, 2, -1}, {3, 1, 1},
      {3, 1, -1}, {4, 0, 0}, {3, 3, 1},  {3, 3, -1}, {4, 2, 1},  {4, 2, -1}, {5, 1, 1},
      {5, 1, -1}, {6, 0, 0}, {4, 4, 1},  {4, 4, -1}, {5, 3, 1},  {5, 3, -1}, {6, 2, 1},
      {6, 2, -1}, {7, 1, 1}, {7, 1, -1}, {8, 0, 0},  {5, 5, 1},  {5, 5, -1}, {6, 4, 1},
      {6, 4, -1}, {7, 3, 1}, {7, 3, -1}, {8, 2, 1},  {8, 2, -1}, {9, 1, 1},  {9, 1, -1},
      {10, 0, 0}, {12, 0, 0}};
  require(j >= 1 && j <= zernike_terms, "optics::fringe_index", "j", j,
          "a Fringe term number 1..37");
  return table[j - 1];
}

/// Radial polynomial R_n^m(rho) = sum_s (-1)^s (n-s)! / (s! ((n+m)/2-s)! ((n-m)/2-s)!) rho^(n-2s)
/// (Born & Wolf, Principles of Optics, §9.2), evaluated by Horner's rule in rho^2.
inline double zernike_radial(int n, int m, double rho) {
  const auto factorial = [](int k) {
    double f = 1;
    for (int i = 2; i <= k; ++i) f *= i;
    return f;
  };
  const int terms = (n - m) / 2;
  double value = 0;
  const double rho2 = rho * rho;
  for (int s = 0; s <= terms; ++s) {  // s = 0 carries the highest power: Horner from the top down
    const double c = ((s % 2) ? -1.0 : 1.0) * factorial(n - s) /
                     (factorial(s) * factorial((n + m) / 2 - s) * factorial((n - m) / 2 - s));
    value = value * rho2 + c;
  }
  return value * std::pow(rho, m);
}

/// Z_j(rho, theta), Fringe ordering, j = 1 .. 37.
inline double fringe_zernike(int j, double rho, double theta) {
  const ZernikeIndex z = fringe_index(j);
  const double radial = zernike_radial(z.n, z.m, rho);
  if (z.trig > 0) return radial * std::cos(z.m * theta);
  if (z.trig < 0) return radial * std::sin(z.m * theta);
  return radial;
}

/// The wavefront sum_j c_j Z_j(rho, theta) in waves.
inline double wavefront_waves(const std::array<double, zernike_terms>& waves, double rho,
                              double theta) {
  double total = 0;
  for (int j = 1; j <= zernike_terms; ++j)
    if (waves[j - 1] != 0) total += waves[j - 1] * fringe_zernike(j, rho, theta);
  return total;
}

}  // namespace fabtwin::optics
