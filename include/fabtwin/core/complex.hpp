#pragma once
// One complex type on both sides: libcu++'s cuda::std::complex works in host code compiled by any
// C++ compiler and in device code, and is layout-compatible with fftw_complex and cufftComplex.

#include <cuda/std/complex>
#include <type_traits>

namespace fabtwin {

template <class T>
using complex = cuda::std::complex<T>;

template <class T>
struct is_complex : std::false_type {};
template <class T>
struct is_complex<cuda::std::complex<T>> : std::true_type {};
template <class T>
inline constexpr bool is_complex_v = is_complex<std::remove_cv_t<T>>::value;

/// The real type under a value type: float for complex<float>, double for double.
template <class T>
struct real_type {
  using type = std::remove_cv_t<T>;
};
template <class T>
struct real_type<cuda::std::complex<T>> {
  using type = T;
};
template <class T>
using real_type_t = typename real_type<std::remove_cv_t<T>>::type;

/// The scalar types fabtwin's kernels are written for.
template <class T>
concept Real = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <class T>
concept Scalar = Real<std::remove_cv_t<T>> ||(is_complex_v<T>&& Real<real_type_t<T>>);

static_assert(sizeof(complex<float>) == 2 * sizeof(float) &&
                  alignof(complex<float>) >= alignof(float),
              "fabtwin needs complex<float> laid out as two floats (FFTW and cuFFT read it so)");
static_assert(sizeof(complex<double>) == 2 * sizeof(double),
              "fabtwin needs complex<double> laid out as two doubles (FFTW and cuFFT read it so)");

}  // namespace fabtwin
