#pragma once
// Declaration of Plan<T, Space>, specialised for each space in plan_host.hpp and plan_cuda.hpp,
// and the argument checks every specialisation shares.

#include <string>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/fft/shape.hpp"

namespace fabtwin::fft {

/// A reusable transform of one Kind and Shape in one space. Transforms are unnormalised, as in FFTW
/// and cuFFT: inverse(forward(x)) = size() * x. Forward uses exp(-2 pi i k x / n).
template <class T, class Space>
class Plan;

namespace detail {

template <class View>
void require_extents(const View& view, index_t nx, index_t ny, index_t nz, index_t batch,
                     const char* where, const char* argument) {
  if (view.nx() == nx && view.ny() == ny && view.nz() == nz && view.batch() == batch) return;
  const auto extents = [](index_t x, index_t y, index_t z, index_t b) {
    return std::to_string(x) + "x" + std::to_string(y) + "x" + std::to_string(z) + " batch " +
           std::to_string(b);
  };
  throw shape_mismatch(argument_message(where, argument,
                                        extents(view.nx(), view.ny(), view.nz(), view.batch()),
                                        "the plan's extents " + extents(nx, ny, nz, batch)));
}

/// Checks `view` against the real-space (or c2c) extents of `shape`.
template <class View>
void require_space_extents(const View& view, const Shape& shape, const char* where,
                           const char* argument) {
  require_extents(view, shape.nx, shape.ny, shape.nz, shape.batch, where, argument);
}

/// Checks `view` against the r2c half-spectrum extents of `shape`.
template <class View>
void require_half_spectrum_extents(const View& view, const Shape& shape, const char* where,
                                   const char* argument) {
  require_extents(view, shape.nx / 2 + 1, shape.ny, shape.nz, shape.batch, where, argument);
}

inline void require_kind(Kind actual, Kind needed, const char* where) {
  require(actual == needed, where, "plan kind", actual,
          needed == Kind::c2c ? "a c2c plan for complex input and output"
                              : "an r2c plan for real data and a half spectrum");
}

}  // namespace detail
}  // namespace fabtwin::fft
