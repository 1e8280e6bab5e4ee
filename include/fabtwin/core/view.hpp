#pragma once
// View: a non-owning, trivially copyable window on a field's samples, passed by value into kernels.
// The space is part of the type so that handing device memory to a host routine (or the reverse)
// fails to compile instead of crashing. Layout: x fastest, then y, z and batch member b.

#include <string>
#include <type_traits>

#include "fabtwin/core/config.hpp"

namespace fabtwin {

template <class T, class Space>
class View {
 public:
  using value_type = T;
  using space = Space;

  View() = default;
  FABTWIN_HD View(T* data, index_t nx, index_t ny, index_t nz = 1, index_t batch = 1)
      : data_(data), nx_(nx), ny_(ny), nz_(nz), batch_(batch) {}

  /// A view of mutable samples converts to a view of const samples.
  template <class U>
  requires(std::is_same_v<const U, T> && !std::is_same_v<U, T>) FABTWIN_HD
      View(const View<U, Space>& other)
      : View(other.data(), other.nx(), other.ny(), other.nz(), other.batch()) {}

  FABTWIN_HD T* data() const { return data_; }
  FABTWIN_HD index_t nx() const { return nx_; }
  FABTWIN_HD index_t ny() const { return ny_; }
  FABTWIN_HD index_t nz() const { return nz_; }
  FABTWIN_HD index_t batch() const { return batch_; }
  /// Samples of one batch member.
  FABTWIN_HD index_t member_size() const { return nx_ * ny_ * nz_; }
  /// Samples of all batch members.
  FABTWIN_HD index_t size() const { return member_size() * batch_; }

  FABTWIN_HD T& operator[](index_t i) const { return data_[i]; }
  FABTWIN_HD T& operator()(index_t x, index_t y) const { return data_[x + nx_ * y]; }
  FABTWIN_HD T& operator()(index_t x, index_t y, index_t z) const {
    return data_[x + nx_ * (y + ny_ * z)];
  }
  FABTWIN_HD T& operator()(index_t x, index_t y, index_t z, index_t b) const {
    return data_[x + nx_ * (y + ny_ * (z + nz_ * b))];
  }

  /// Batch member `b` as a view of its own.
  FABTWIN_HD View member(index_t b) const {
    return View(data_ + b * member_size(), nx_, ny_, nz_, 1);
  }

  /// Same extents (the batch included) as `other`, which may be in another space.
  template <class U, class OtherSpace>
  FABTWIN_HD bool same_extents(const View<U, OtherSpace>& other) const {
    return nx_ == other.nx() && ny_ == other.ny() && nz_ == other.nz() && batch_ == other.batch();
  }

 private:
  T* data_ = nullptr;
  index_t nx_ = 0, ny_ = 0, nz_ = 0, batch_ = 0;
};

static_assert(std::is_trivially_copyable_v<View<float, struct AnySpace>>,
              "View must stay trivially copyable: kernels receive it by value");

namespace detail {

/// A view's extents as error messages show them: "8x6x1 batch 1".
template <class T, class Space>
std::string describe_extents(const View<T, Space>& view) {
  return std::to_string(view.nx()) + "x" + std::to_string(view.ny()) + "x" +
         std::to_string(view.nz()) + " batch " + std::to_string(view.batch());
}

}  // namespace detail
}  // namespace fabtwin
