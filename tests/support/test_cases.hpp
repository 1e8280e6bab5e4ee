#pragma once
// What every fabtwin test is templated over: the real types and the spaces compiled in, plus
// deterministic test data and error measures.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <vector>

// Only the core: every test includes the headers it tests (the umbrella fabtwin.hpp cost every
// test translation unit about 12 s under nvcc).
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"

namespace fabtwin::test {

template <class T, class S>
struct Case {
  using real = T;
  using space = S;
};

// A CUDA build runs the templated cases on the Cuda space only: the host preset (built by every
// CI run and by scripts/test.sh) covers the Host space, and instantiating it twice made nvcc's host
// pass a quarter slower. Tests that compare a space with an explicit Host reference still do.
#if FABTWIN_HAS_CUDA
using Cases = std::tuple<Case<float, Cuda>, Case<double, Cuda>>;
/// Double only (Taylor tests), float only (costly comparisons made once).
using DoubleCases = std::tuple<Case<double, Cuda>>;
using FloatCases = std::tuple<Case<float, Cuda>>;
#else
using Cases = std::tuple<Case<float, Host>, Case<double, Host>>;
using DoubleCases = std::tuple<Case<double, Host>>;
using FloatCases = std::tuple<Case<float, Host>>;
#endif

/// Deterministic values in [-1, 1) from a seed (SplitMix64), the same on every platform.
class Sequence {
 public:
  explicit Sequence(std::uint64_t seed) : state_(seed) {}
  double next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return double(z >> 11) * 0x1.0p-52 - 1.0;
  }

 private:
  std::uint64_t state_;
};

template <class T>
std::vector<T> random_values(index_t n, std::uint64_t seed) {
  Sequence sequence(seed);
  std::vector<T> values(static_cast<std::size_t>(n));
  for (auto& v : values) {
    if constexpr (is_complex_v<T>) {
      const double re = sequence.next();
      v = T(real_type_t<T>(re), real_type_t<T>(sequence.next()));
    } else {
      v = T(sequence.next());
    }
  }
  return values;
}

/// max |a - b| / max |b|: the error relative to the size of the reference.
template <class A, class B>
double relative_error(const std::vector<A>& a, const std::vector<B>& b) {
  REQUIRE(a.size() == b.size());
  double largest = 0, worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto ai = complex<double>(a[i]);
    const auto bi = complex<double>(b[i]);
    largest = std::max(largest, double(cuda::std::abs(bi)));
    worst = std::max(worst, double(cuda::std::abs(ai - bi)));
  }
  return largest > 0 ? worst / largest : worst;
}

/// Whether a and b hold the same samples bit for bit (determinism checks).
template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

/// The values in double.
template <class T>
std::vector<double> to_double(const std::vector<T>& values) {
  return std::vector<double>(values.begin(), values.end());
}

/// A field in space S holding `values`.
template <class S, class T>
Field<T, S> field_with(const Grid& grid, const std::vector<T>& values, index_t batch = 1) {
  return to<S>(make_host_field(grid, values, batch));
}

}  // namespace fabtwin::test
