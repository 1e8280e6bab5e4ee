#pragma once
// Grid: the shape of a sampled 2D or 3D field and where it sits in space. Samples are stored with x
// fastest, then y, then z (row-major [z][y][x]); sample (i, j, k) sits at origin + (i dx, j dy, k dz)
// in nanometres.

#include <array>
#include <cmath>
#include <concepts>
#include <ostream>
#include <string>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin {

struct Vec3 {
  double x = 0, y = 0, z = 0;
  friend bool operator==(const Vec3&, const Vec3&) = default;
  friend std::ostream& operator<<(std::ostream& out, const Vec3& v) {
    return out << '(' << v.x << ", " << v.y << ", " << v.z << ')';
  }
};

class Grid {
 public:
  /// A 2D grid of nx x ny square pixels of `pitch_nm`.
  Grid(index_t nx, index_t ny, double pitch_nm, Vec3 origin_nm = {})
      : Grid(Checked{}, 2, {nx, ny, 1}, {pitch_nm, pitch_nm, 1.0}, origin_nm) {}

  /// An integer third argument is refused: Grid(8, 6, 4, ...) reads like a 3D grid but would be a
  /// 2D grid of pitch 4 nm. Write Grid::volume(...) for 3D, or a floating-point pitch for 2D.
  template <std::integral Pitch>
  Grid(index_t nx, index_t ny, Pitch pitch_nm, Vec3 origin_nm = {}) = delete;

  /// A 3D grid of nx x ny x nz voxels with a pitch per axis.
  static Grid volume(index_t nx, index_t ny, index_t nz, Vec3 pitch_nm, Vec3 origin_nm = {}) {
    return Grid(Checked{}, 3, {nx, ny, nz}, pitch_nm, origin_nm);
  }

  int rank() const { return rank_; }
  index_t nx() const { return n_[0]; }
  index_t ny() const { return n_[1]; }
  index_t nz() const { return n_[2]; }
  /// Number of samples: nx * ny * nz.
  index_t size() const { return n_[0] * n_[1] * n_[2]; }
  const Vec3& pitch() const { return pitch_; }
  const Vec3& origin() const { return origin_; }

  /// Physical extent of the grid along each axis (samples times pitch).
  Vec3 extent() const { return {n_[0] * pitch_.x, n_[1] * pitch_.y, n_[2] * pitch_.z}; }

  /// Position in nm of sample (i, j, k).
  Vec3 position(index_t i, index_t j, index_t k = 0) const {
    return {origin_.x + i * pitch_.x, origin_.y + j * pitch_.y, origin_.z + k * pitch_.z};
  }

  /// Same number of samples along every axis (pitch and origin may differ).
  bool same_shape(const Grid& other) const { return rank_ == other.rank_ && n_ == other.n_; }

  friend bool operator==(const Grid&, const Grid&) = default;

  friend std::ostream& operator<<(std::ostream& out, const Grid& g) {
    out << g.nx() << 'x' << g.ny();
    if (g.rank() == 3) out << 'x' << g.nz();
    return out << " samples, pitch " << g.pitch_ << " nm";
  }

 private:
  struct Checked {};  // tags the one constructor that validates, so no overload can shadow it
  Grid(Checked, int rank, std::array<index_t, 3> n, Vec3 pitch, Vec3 origin)
      : rank_(rank), n_(n), pitch_(pitch), origin_(origin) {
    static constexpr const char* names[] = {"nx", "ny", "nz"};
    for (int axis = 0; axis < rank; ++axis)
      require(n[axis] > 0, "Grid", names[axis], n[axis], "a positive number of samples");
    index_t samples = 1;
    for (int axis = 0; axis < 3; ++axis)
      require(
          !__builtin_mul_overflow(samples, n[axis], &samples), "Grid", "nx*ny*nz",
          [&] { return describe_extents(n); }, "a sample count below 2^63");
    const double pitches[] = {pitch.x, pitch.y, pitch.z};
    static constexpr const char* pitch_names[] = {"pitch.x", "pitch.y", "pitch.z"};
    for (int axis = 0; axis < rank; ++axis)
      require(std::isfinite(pitches[axis]) && pitches[axis] > 0, "Grid", pitch_names[axis],
              pitches[axis], "a positive, finite pitch in nm");
    require(std::isfinite(origin.x) && std::isfinite(origin.y) && std::isfinite(origin.z), "Grid",
            "origin", origin, "finite coordinates in nm");
  }

  static std::string describe_extents(const std::array<index_t, 3>& n) {
    return std::to_string(n[0]) + "x" + std::to_string(n[1]) + "x" + std::to_string(n[2]);
  }

  int rank_;
  std::array<index_t, 3> n_;
  Vec3 pitch_;
  Vec3 origin_;
};

/// Throws shape_mismatch naming `argument` (a message part, core/check.hpp) unless `actual` has the
/// shape of `expected`.
template <message_part Argument>
void require_same_shape(const Grid& expected, const Grid& actual, std::string_view where,
                        const Argument& argument) {
  require<shape_mismatch>(expected.same_shape(actual), where, argument, actual,
                          [&] { return "a grid of " + ::fabtwin::describe(expected); });
}

}  // namespace fabtwin
