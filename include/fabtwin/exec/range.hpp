#pragma once
// Index ranges that exec::for_each walks: 1D (i), 2D (x, y) and 3D (x, y, z), x fastest.

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin {

struct Range1 {
  index_t n;
};
struct Range2 {
  index_t nx, ny;
};
struct Range3 {
  index_t nx, ny, nz;
};

/// The 3D range of one batch member of `view`.
template <class T, class Space>
Range3 member_range(const View<T, Space>& view) {
  return {view.nx(), view.ny(), view.nz()};
}

}  // namespace fabtwin
