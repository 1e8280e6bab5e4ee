#pragma once
// A plain discrete Fourier transform in long double, O(n^2) per axis, for tests only: it shares no
// code with FFTW or cuFFT, so agreement with it checks the plans, their layouts and their signs.

#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "fabtwin/core/complex.hpp"
#include "fabtwin/fft/shape.hpp"

namespace fabtwin::fft {

/// The unnormalised DFT of every batch member of `in` (x fastest), with kernel exp(sign 2 pi i k x / n):
/// sign = -1 is the forward transform, +1 the inverse.
inline std::vector<complex<double>> reference_dft(const std::vector<complex<double>>& in,
                                                  const Shape& shape, int sign) {
  using Wide = std::complex<long double>;
  std::vector<Wide> data(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) data[i] = Wide(in[i].real(), in[i].imag());

  const index_t extents[3] = {shape.nx, shape.ny, shape.nz};
  const index_t strides[3] = {1, shape.nx, shape.nx * shape.ny};
  std::vector<Wide> line, twiddle;
  for (int axis = 0; axis < 3; ++axis) {
    const index_t n = extents[axis], stride = strides[axis];
    if (n == 1) continue;
    twiddle.resize(std::size_t(n));
    for (index_t m = 0; m < n; ++m) {
      const long double angle = sign * 2 * std::numbers::pi_v<long double> * m / n;
      twiddle[std::size_t(m)] = Wide(std::cos(angle), std::sin(angle));
    }
    line.resize(std::size_t(n));
    // Every line along `axis`: start points are all samples whose `axis` coordinate is 0.
    for (index_t start = 0; start < index_t(data.size()); ++start) {
      if ((start / stride) % n != 0) continue;
      for (index_t k = 0; k < n; ++k) {
        Wide acc = 0;
        for (index_t j = 0; j < n; ++j)
          acc += data[std::size_t(start + j * stride)] * twiddle[std::size_t(k * j % n)];
        line[std::size_t(k)] = acc;
      }
      for (index_t k = 0; k < n; ++k) data[std::size_t(start + k * stride)] = line[std::size_t(k)];
    }
  }
  std::vector<complex<double>> out(in.size());
  for (std::size_t i = 0; i < in.size(); ++i)
    out[i] = complex<double>(double(data[i].real()), double(data[i].imag()));
  return out;
}

}  // namespace fabtwin::fft
