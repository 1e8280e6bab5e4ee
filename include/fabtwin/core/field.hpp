#pragma once
// Field<T, Space>: owning storage for a batch of samples on a Grid, in one memory space. Fields are
// zero-filled on allocation, movable, not copyable (copies between spaces are explicit: copy(),
// to<Space>()). Kernels never see a Field, only its View.

#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/core/view.hpp"

namespace fabtwin {

template <class T, class Space>
class Field {
  static_assert(std::is_trivially_copyable_v<T>,
                "Field<T, Space> holds raw samples: T must be trivially copyable");

 public:
  using value_type = T;
  using space = Space;

  /// `batch` fields of `grid`, zero-filled.
  explicit Field(const Grid& grid, index_t batch = 1) : grid_(grid), batch_(batch) {
    require(batch > 0, "Field", "batch", batch, "a positive number of batch members");
    index_t bytes = 0;
    require<out_of_memory>(!__builtin_mul_overflow(grid.size(), batch, &bytes) &&
                               !__builtin_mul_overflow(bytes, index_t(sizeof(T)), &bytes),
                           "Field", "grid.size() * batch", double(grid.size()) * double(batch),
                           "a field whose bytes fit in 63 bits");
    data_ = static_cast<T*>(Space::allocate(static_cast<std::size_t>(bytes)));
  }

  Field(Field&& other) noexcept
      : grid_(other.grid_), batch_(other.batch_), data_(std::exchange(other.data_, nullptr)) {}
  Field& operator=(Field&& other) noexcept {
    if (this != &other) {
      Space::release(data_);
      grid_ = other.grid_;
      batch_ = other.batch_;
      data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
  }
  Field(const Field&) = delete;
  Field& operator=(const Field&) = delete;
  ~Field() { Space::release(data_); }

  const Grid& grid() const { return grid_; }
  index_t batch() const { return batch_; }
  index_t size() const { return grid_.size() * batch_; }
  std::size_t bytes() const { return sizeof(T) * static_cast<std::size_t>(size()); }
  T* data() { return data_; }
  const T* data() const { return data_; }

  View<T, Space> view() { return {data_, grid_.nx(), grid_.ny(), grid_.nz(), batch_}; }
  View<const T, Space> view() const { return {data_, grid_.nx(), grid_.ny(), grid_.nz(), batch_}; }
  View<const T, Space> cview() const { return view(); }

 private:
  Grid grid_;
  index_t batch_;
  T* data_ = nullptr;
};

/// Copies all samples of `source` into `destination` (any two spaces); blocks until done.
template <class T, class To, class From>
void copy(View<const T, From> source, View<T, To> destination) {
  if (!source.same_extents(destination))
    throw shape_mismatch(
        argument_message("copy", "destination", detail::describe_extents(destination),
                         "the extents of the source, " + detail::describe_extents(source)));
  detail::copy_bytes<To, From>(destination.data(), source.data(),
                               sizeof(T) * static_cast<std::size_t>(source.size()));
}

template <class T, class To, class From>
void copy(const Field<T, From>& source, Field<T, To>& destination) {
  require_same_shape(source.grid(), destination.grid(), "copy", "destination.grid");
  copy(source.view(), destination.view());
}

/// A copy of `source` in space `To` (the same grid and batch).
template <class To, class T, class From>
Field<T, To> to(const Field<T, From>& source) {
  Field<T, To> result(source.grid(), source.batch());
  copy(source.view(), result.view());
  return result;
}

/// A host field holding `values` (grid.size() * batch of them).
template <class T>
Field<T, Host> make_host_field(const Grid& grid, const std::vector<T>& values, index_t batch = 1) {
  require(static_cast<index_t>(values.size()) == grid.size() * batch, "make_host_field",
          "values.size()", values.size(), [&] {
            return "grid.size() * batch = " + std::to_string(grid.size() * batch) + " samples";
          });
  Field<T, Host> field(grid, batch);
  std::copy(values.begin(), values.end(), field.data());
  return field;
}

/// The samples of `source` copied into a std::vector on the host.
template <class T, class Space>
std::vector<T> to_vector(const Field<T, Space>& source) {
  std::vector<T> values(static_cast<std::size_t>(source.size()));
  detail::copy_bytes<Host, Space>(values.data(), source.data(), source.bytes());
  return values;
}

}  // namespace fabtwin
