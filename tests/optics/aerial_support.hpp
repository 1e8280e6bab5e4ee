#pragma once
// Test data for the SOCS aerial-image tests: synthetic kernel sets with random complex spectra,
// random and structured patterns, and an independent evaluation of the SOCS sum by direct DFTs.

#include <array>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "fabtwin/optics/aerial_image.hpp"
#include "support/test_cases.hpp"

namespace fabtwin::test {

/// Both imaging paths, and their names for messages.
inline constexpr std::array imaging_paths{optics::ImagingPath::band_limited,
                                          optics::ImagingPath::full_grid};
inline const char* path_name(optics::ImagingPath path) {
  return path == optics::ImagingPath::band_limited ? "band-limited" : "full grid";
}

/// K kernels of radius R with random complex spectra and positive weights, largest first.
inline optics::KernelSet random_kernels(index_t radius, index_t count, double period_nm,
                                        std::uint64_t seed) {
  optics::KernelSet set;
  set.radius = radius;
  set.period_nm = period_nm;
  Sequence sequence(seed);
  for (index_t k = 0; k < count; ++k)
    set.weights.push_back(1.0 / double(k + 1) + 0.1 * sequence.next());
  set.spectra.resize(std::size_t(count * set.bins()));
  for (auto& s : set.spectra) {
    const double re = sequence.next();
    s = {re, sequence.next()};
  }
  return set;
}

/// Pattern values in [0, 1], `batch` members.
inline std::vector<double> random_pattern(const Grid& grid, index_t batch, std::uint64_t seed) {
  std::vector<double> values = random_values<double>(grid.size() * batch, seed);
  for (auto& v : values) v = 0.5 * (v + 1);
  return values;
}

/// A binary layout-like pattern: a few rectangles (one wrapping round the periodic edge), lines.
inline std::vector<double> structured_pattern(const Grid& grid) {
  const index_t n = grid.nx();
  std::vector<double> values(std::size_t(grid.size()), 0.0);
  const auto box = [&](index_t x0, index_t y0, index_t w, index_t h) {
    for (index_t y = y0; y < y0 + h; ++y)
      for (index_t x = x0; x < x0 + w; ++x) values[std::size_t((y % n) * n + (x % n))] = 1;
  };
  box(n / 8, n / 8, n / 4, n / 16 + 1);
  box(n / 2, n / 4, n / 16 + 1, n / 2);
  box(n - n / 16, n / 2, n / 8, n / 8);  // wraps round the right edge
  for (index_t line = 0; line < 3; ++line) box(n / 8 + line * n / 10, 5 * n / 8, n / 20 + 1, n / 4);
  return values;
}

/// Converts doubles to T.
template <class T>
std::vector<T> as(const std::vector<double>& values) {
  return std::vector<T>(values.begin(), values.end());
}

/// I(x) = sum_k w_k |sum_{p,q} S_k(p,q) A(p,q) e^{2 pi i (p x + q y)/N}|^2 by direct sums in double,
/// with A the direct DFT of the amplitude dose (dark + (clear - dark) p) divided by N^2: independent
/// of every FFT and of the band-limited algorithm. One pattern (batch 1).
inline std::vector<double> direct_image(const std::vector<double>& pattern, index_t n,
                                        const optics::KernelSet& set, const optics::MaskModel& mask,
                                        double dose) {
  using cd = std::complex<double>;
  const index_t r = set.radius, side = set.side();
  const double two_pi = 2 * std::numbers::pi;
  std::vector<cd> bins(std::size_t(side * side));
  for (index_t q = -r; q <= r; ++q)
    for (index_t p = -r; p <= r; ++p) {
      cd sum = 0;
      for (index_t y = 0; y < n; ++y)
        for (index_t x = 0; x < n; ++x)
          sum += mask.amplitude(pattern[std::size_t(y * n + x)], dose) *
                 std::polar(1.0, -two_pi * double((p * x + q * y) % n) / double(n));
      bins[std::size_t((q + r) * side + p + r)] = sum / double(n * n);
    }
  std::vector<double> image(std::size_t(n * n), 0.0);
  for (index_t k = 0; k < set.count(); ++k)
    for (index_t y = 0; y < n; ++y)
      for (index_t x = 0; x < n; ++x) {
        cd field = 0;
        for (index_t q = -r; q <= r; ++q)
          for (index_t p = -r; p <= r; ++p)
            field += set.at(k, p, q) * bins[std::size_t((q + r) * side + p + r)] *
                     std::polar(1.0, two_pi * double(((p * x + q * y) % n + n) % n) / double(n));
        image[std::size_t(y * n + x)] += set.weights[std::size_t(k)] * std::norm(field);
      }
  return image;
}

/// The member `b` of a host vector holding `batch` fields of `size` samples.
template <class T>
std::vector<T> member(const std::vector<T>& values, index_t size, index_t b) {
  return std::vector<T>(values.begin() + b * size, values.begin() + (b + 1) * size);
}

/// Rounding tolerance for comparisons of images made by different FFT sequences: a few hundred
/// ulps of the largest value (float: ~1e-7 per operation, a few dozen operations per sample through
/// two FFT stages and the K-term sum).
template <class T>
inline constexpr double image_tolerance = std::is_same_v<T, float> ? 2e-5 : 1e-12;

}  // namespace fabtwin::test
