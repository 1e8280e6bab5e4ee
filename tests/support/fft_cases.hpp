#pragma once
// Shapes and tolerances shared by the FFT tests.

#include "support/test_cases.hpp"

#include "fabtwin/fft/reference_dft.hpp"

namespace fabtwin::test {

/// The grid whose fields a transform of `shape` acts on.
inline Grid grid_for(const fft::Shape& shape) {
  if (shape.nz > 1) return Grid::volume(shape.nx, shape.ny, shape.nz, {1, 1, 1});
  return Grid(shape.nx, shape.ny, 1.0);
}

/// The bar for agreement with the reference DFT.
template <class T>
constexpr double fft_tolerance = std::is_same_v<T, float> ? 1e-5 : 1e-12;

/// Odd, even, prime, non-square, 2D, 3D and batched shapes.
inline const std::vector<fft::Shape> fft_shapes = {{16, 12, 1, 1}, {15, 8, 1, 1}, {9, 10, 7, 1},
                                                   {8, 6, 1, 3},   {5, 4, 3, 2},  {64, 64, 1, 1}};

template <class T>
std::vector<complex<double>> widen(const std::vector<T>& values) {
  std::vector<complex<double>> wide(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) wide[i] = complex<double>(values[i]);
  return wide;
}

/// The x in [0, nx/2] part of full spectra: what an r2c transform keeps.
inline std::vector<complex<double>> half_of(const std::vector<complex<double>>& full,
                                            const fft::Shape& shape) {
  const index_t half = shape.nx / 2 + 1;
  std::vector<complex<double>> out;
  for (index_t row = 0; row < shape.ny * shape.nz * shape.batch; ++row)
    for (index_t x = 0; x < half; ++x) out.push_back(full[std::size_t(row * shape.nx + x)]);
  return out;
}

}  // namespace fabtwin::test
