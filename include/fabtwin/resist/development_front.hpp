#pragma once
// The development front (physics.md §2): the time t(x) at which the developer reaches each voxel,
// the solution of the eikonal equation |grad t| = 1 / R(x) started from the top surface of the
// resist, and the resist profile it leaves: developed where t < t_dev, resist where t >= t_dev
// (metrology::profile_cd and metrology::sidewall_angle, in the layer above, measure it).
//
// Solver: fast marching (Sethian 1996) on the voxel grid, first-order upwind. A voxel's trial time
// uses on each axis the smaller of its two accepted neighbours' times, v_a, and solves
//   sum_a ((t - v_a) / h_a)^2 = f^2,   f = 1 / R at the voxel,
// over the axes whose v_a lie below t (sorted ascending, adding an axis only while the solution
// exceeds its v_a). Voxels are accepted in increasing t from a binary heap; ties break on the voxel
// index, so the result does not depend on anything but the input. Cost O(N log N), host only
// (the march is sequential); a device rate field is copied to the host first (to<Host>).
//
// Accuracy. The one-sided differences are exact for a t linear along an axis, so a front parallel to
// the top surface is exact: uniform R gives t = z / R, and layered R gives the sum of dz / R over
// the layers crossed (the rate at a voxel governs the step that reaches it). Oblique and curved
// fronts carry an O(h) error (O(h log(1/h)) around a point source).
//
// Layout: the rate field is a 3D grid, layer k at depth origin.z + k pitch.z below the top surface
// (as in exposure.hpp); lateral edges are closed (no developer enters through them).

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"

namespace fabtwin::resist {

namespace detail {

/// Smallest root above the upwind values of sum_a ((t - v_a) / h_a)^2 = f^2, v sorted ascending.
inline double upwind_solution(std::pair<double, double> (&axes)[3], int count, double f) {
  // Insertion sort of at most three pairs (std::sort here trips g++ 12's -Warray-bounds at -O2).
  for (int i = 1; i < count; ++i)
    for (int j = i; j > 0 && axes[j] < axes[j - 1]; --j) std::swap(axes[j], axes[j - 1]);
  double t = axes[0].first + axes[0].second * f;
  double a = 0, b = 0, c = -f * f;  // a t^2 + b t + c over the axes taken so far
  for (int m = 0; m < count; ++m) {
    if (m > 0 && t <= axes[m].first) break;  // axis m is not upwind of t
    const double w = 1 / (axes[m].second * axes[m].second), v = axes[m].first;
    a += w;
    b -= 2 * w * v;
    c += w * v * v;
    if (m == 0) continue;
    const double discriminant = b * b - 4 * a * c;
    if (discriminant < 0) break;  // only from rounding when v_m ~ t: keep the smaller stencil
    t = (-b + std::sqrt(discriminant)) / (2 * a);
  }
  return t;
}

template <class T>
void check_rate(const Field<T, Host>& rate, std::string_view where) {
  require<shape_mismatch>(rate.grid().rank() == 3 && rate.batch() == 1, where, "rate.grid",
                          rate.grid(), "one 3D field (x, y, depth)");
  for (index_t i = 0; i < rate.size(); ++i)
    require(
        std::isfinite(double(rate.data()[i])) && rate.data()[i] > 0, where,
        [&] { return "rate[" + std::to_string(i) + "]"; }, rate.data()[i],
        "a positive, finite rate in nm/s");
}

}  // namespace detail

/// Arrival times of the front started at `seed` (the rate's grid; +infinity where the front does
/// not start, else the start time). A seed is an upper bound: a voxel reached sooner by the march
/// takes the earlier time. Throws invalid_argument unless every rate is positive and finite.
template <class T>
Field<double, Host> arrival_time(const Field<T, Host>& rate, const Field<double, Host>& seed) {
  constexpr const char* where = "resist::arrival_time";
  detail::check_rate(rate, where);
  require_same_shape(rate.grid(), seed.grid(), where, "seed.grid");
  const Grid& grid = rate.grid();
  const index_t nx = grid.nx(), ny = grid.ny(), nz = grid.nz();
  const double h[3] = {grid.pitch().x, grid.pitch().y, grid.pitch().z};
  const index_t stride[3] = {1, nx, nx * ny};
  const index_t extent[3] = {nx, ny, nz};

  Field<double, Host> arrival(grid);
  double* t = arrival.data();
  std::vector<unsigned char> accepted(std::size_t(grid.size()), 0);
  using Entry = std::pair<double, index_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  for (index_t i = 0; i < grid.size(); ++i) {
    const double s = seed.data()[i];
    require(
        !std::isnan(s) && s > -std::numeric_limits<double>::infinity(), where,
        [&] { return "seed[" + std::to_string(i) + "]"; }, s, "a start time or +infinity");
    t[i] = s;
    if (std::isfinite(s)) heap.push({s, i});
  }

  const auto coordinate = [&](index_t i, int axis) { return (i / stride[axis]) % extent[axis]; };
  while (!heap.empty()) {
    const auto [time, i] = heap.top();
    heap.pop();
    if (accepted[std::size_t(i)] || time != t[i]) continue;  // stale entry
    accepted[std::size_t(i)] = 1;
    for (int axis = 0; axis < 3; ++axis)
      for (const int side : {-1, 1}) {
        const index_t c = coordinate(i, axis) + side;
        if (c < 0 || c >= extent[axis]) continue;
        const index_t j = i + side * stride[axis];
        if (accepted[std::size_t(j)]) continue;
        std::pair<double, double> axes[3];
        int count = 0;
        for (int b = 0; b < 3; ++b) {
          double v = std::numeric_limits<double>::infinity();
          const index_t cj = coordinate(j, b);
          if (cj > 0 && accepted[std::size_t(j - stride[b])]) v = t[j - stride[b]];
          if (cj + 1 < extent[b] && accepted[std::size_t(j + stride[b])])
            v = std::min(v, t[j + stride[b]]);
          if (std::isfinite(v)) axes[count++] = {v, h[b]};
        }
        const double candidate = detail::upwind_solution(axes, count, 1.0 / double(rate.data()[j]));
        if (candidate < t[j]) {
          t[j] = candidate;
          heap.push({candidate, j});
        }
      }
  }
  return arrival;
}

/// Arrival times of the developer entering through the top surface (depth 0): the top layer, at
/// depth origin.z >= 0, is reached at origin.z / R straight down, and the march goes on from there.
template <class T>
Field<double, Host> arrival_time_from_top(const Field<T, Host>& rate) {
  constexpr const char* where = "resist::arrival_time_from_top";
  detail::check_rate(rate, where);
  const Grid& grid = rate.grid();
  require(grid.origin().z >= 0, where, "rate.grid.origin.z", grid.origin().z,
          "a non-negative depth of the top layer in nm");
  Field<double, Host> seed(grid);
  std::fill(seed.data(), seed.data() + seed.size(), std::numeric_limits<double>::infinity());
  for (index_t i = 0; i < grid.nx() * grid.ny(); ++i)
    seed.data()[i] = grid.origin().z / double(rate.data()[i]);
  return arrival_time(rate, seed);
}

/// The arrival times on the horizontal plane at `depth_nm` (linear between the two layers around
/// it), as a one-layer 3D field at that depth.
inline Field<double, Host> arrival_at_depth(const Field<double, Host>& arrival, double depth_nm) {
  const Grid& grid = arrival.grid();
  const double first = grid.origin().z, last = first + double(grid.nz() - 1) * grid.pitch().z;
  require(grid.rank() == 3 && arrival.batch() == 1, "resist::arrival_at_depth", "arrival.grid",
          grid, "one 3D field (x, y, depth)");
  require(std::isfinite(depth_nm) && depth_nm >= first && depth_nm <= last,
          "resist::arrival_at_depth", "depth_nm", depth_nm, [&] {
            return "a depth within the layers, [" + std::to_string(first) + ", " +
                   std::to_string(last) + "] nm";
          });
  const double position = (depth_nm - first) / grid.pitch().z;
  const index_t k = std::min(index_t(position), grid.nz() - 2 < 0 ? 0 : grid.nz() - 2);
  const double w = grid.nz() > 1 ? position - double(k) : 0.0;
  const index_t plane = grid.nx() * grid.ny();
  Field<double, Host> slice(Grid::volume(grid.nx(), grid.ny(), 1, grid.pitch(),
                                         {grid.origin().x, grid.origin().y, depth_nm}));
  const double* t = arrival.data();
  for (index_t i = 0; i < plane; ++i) {
    const double upper = t[k * plane + i];
    slice.data()[i] = w == 0 ? upper : (1 - w) * upper + w * t[(k + 1) * plane + i];
  }
  return slice;
}

/// The developed region: 1 where t < t_dev, 0 where resist remains (t >= t_dev, the metrology rule
/// that a value at the threshold is above it).
inline Field<double, Host> developed(const Field<double, Host>& arrival, double t_dev) {
  require(std::isfinite(t_dev) && t_dev > 0, "resist::developed", "t_dev", t_dev,
          "a positive, finite development time in s");
  Field<double, Host> region(arrival.grid(), arrival.batch());
  for (index_t i = 0; i < arrival.size(); ++i)
    region.data()[i] = arrival.data()[i] < t_dev ? 1.0 : 0.0;
  return region;
}

}  // namespace fabtwin::resist
