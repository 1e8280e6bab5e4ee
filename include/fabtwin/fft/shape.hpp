#pragma once
// The shape of a batched 2D or 3D transform, in the same x-fastest terms as View and Grid.

#include <ostream>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin::fft {

/// c2c: complex to complex. r2c: real to half-spectrum complex forward, and its inverse c2r.
enum class Kind { c2c, r2c };

inline std::ostream& operator<<(std::ostream& out, Kind kind) {
  return out << (kind == Kind::c2c ? "c2c" : "r2c");
}

/// Extents of the real-space (or, for c2c, either) side of a transform, x fastest, and how many
/// transforms of that size lie one after another in memory.
struct Shape {
  index_t nx = 1, ny = 1, nz = 1, batch = 1;

  /// 3 when there is a z axis to transform, else 2 (a z extent of 1 transforms as the identity).
  int rank() const { return nz > 1 ? 3 : 2; }
  /// Samples of one real-space transform.
  index_t size() const { return nx * ny * nz; }
  /// Samples of one half spectrum of an r2c transform: (nx/2 + 1) * ny * nz.
  index_t half_spectrum_size() const { return (nx / 2 + 1) * ny * nz; }

  /// The extents of one transform with the slowest axis first, as FFTW and cuFFT take them.
  std::vector<int> dims() const {
    if (rank() == 3) return {int(nz), int(ny), int(nx)};
    return {int(ny), int(nx)};
  }

  friend bool operator==(const Shape&, const Shape&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Shape& s) {
    out << s.nx << 'x' << s.ny;
    if (s.nz > 1) out << 'x' << s.nz;
    return out << " batch " << s.batch;
  }

  /// Throws invalid_argument unless every extent is positive and fits the backends' int sizes.
  void validate(std::string_view where) const {
    const index_t extents[] = {nx, ny, nz, batch};
    static constexpr const char* names[] = {"nx", "ny", "nz", "batch"};
    for (int axis = 0; axis < 4; ++axis)
      require(extents[axis] > 0 && extents[axis] <= index_t{1} << 30, where, names[axis],
              extents[axis], "a positive extent below 2^30");
  }
};

/// The shape of the transforms of `view`: its extents and batch.
template <class T, class Space>
Shape shape_of(const View<T, Space>& view) {
  return {view.nx(), view.ny(), view.nz(), view.batch()};
}

/// The extents an r2c half spectrum of `real_space` has.
inline Shape half_spectrum_of(const Shape& real_space) {
  return {real_space.nx / 2 + 1, real_space.ny, real_space.nz, real_space.batch};
}

}  // namespace fabtwin::fft
