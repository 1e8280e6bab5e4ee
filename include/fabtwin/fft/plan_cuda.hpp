#pragma once
// Plan<T, Cuda>: cuFFT on the context's stream. One cuFFT plan serves in-place and out-of-place
// use; an r2c Plan holds an R2C and a C2R plan, each made on first use.

#include <cufft.h>

#include <array>
#include <string>
#include <utility>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/fft/plan_fwd.hpp"

namespace fabtwin::fft {
namespace detail {

[[noreturn]] inline void throw_cufft_error(cufftResult code, const char* expression,
                                           const char* file, int line) {
  const std::string message = std::string("fabtwin: cuFFT call ") + expression +
                              " failed with cufftResult " + std::to_string(int(code)) + " at " +
                              file + ":" + std::to_string(line);
  if (code == CUFFT_ALLOC_FAILED) throw out_of_memory(message);
  throw backend_error(message);
}

}  // namespace detail

#define FABTWIN_CUFFT_CHECK(expression)                                                       \
  do {                                                                                        \
    const cufftResult fabtwin_cufft_status_ = (expression);                                   \
    if (fabtwin_cufft_status_ != CUFFT_SUCCESS)                                               \
      ::fabtwin::fft::detail::throw_cufft_error(fabtwin_cufft_status_, #expression, __FILE__, \
                                                __LINE__);                                    \
  } while (false)

template <class T>
class Plan<T, Cuda> {
  static_assert(Real<T>, "fabtwin::fft::Plan<T, Space> takes the real type T (float or double)");
  static constexpr bool is_float = std::is_same_v<T, float>;
  using DeviceComplex = std::conditional_t<is_float, cufftComplex, cufftDoubleComplex>;

 public:
  Plan(Context<Cuda>& ctx, Kind kind, Shape shape)
      : kind_(kind), shape_(shape), device_(ctx.device()), stream_(ctx.stream()) {
    shape.validate("fft::Plan<Cuda>");
    require(shape.size() <= (index_t{1} << 31) - 1, "fft::Plan<Cuda>", "nx*ny*nz", shape.size(),
            "at most 2^31-1 samples per transform");
  }
  Plan(Plan&& other) noexcept
      : kind_(other.kind_),
        shape_(other.shape_),
        device_(other.device_),
        stream_(other.stream_),
        plans_(std::exchange(other.plans_, {})),
        made_(std::exchange(other.made_, {})) {}
  Plan& operator=(Plan&&) = delete;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    for (int i = 0; i < 2; ++i)
      if (made_[i]) (void)cufftDestroy(plans_[i]);
  }

  Kind kind() const { return kind_; }
  const Shape& shape() const { return shape_; }

  void forward(View<const complex<T>, Cuda> in, View<complex<T>, Cuda> out) {
    execute_c2c(CUFFT_FORWARD, in, out, "fft::Plan::forward");
  }
  void inverse(View<const complex<T>, Cuda> in, View<complex<T>, Cuda> out) {
    execute_c2c(CUFFT_INVERSE, in, out, "fft::Plan::inverse");
  }
  void forward(View<const T, Cuda> in, View<complex<T>, Cuda> out) {
    constexpr const char* where = "fft::Plan::forward";
    detail::require_kind(kind_, Kind::r2c, where);
    detail::require_space_extents(in, shape_, where, "in");
    detail::require_half_spectrum_extents(out, shape_, where, "out");
    auto plan = get(0);
    auto* source = const_cast<T*>(in.data());
    auto* target = reinterpret_cast<DeviceComplex*>(out.data());
    if constexpr (is_float)
      FABTWIN_CUFFT_CHECK(cufftExecR2C(plan, source, target));
    else
      FABTWIN_CUFFT_CHECK(cufftExecD2Z(plan, source, target));
  }
  /// c2r inverse (unnormalised); cuFFT may overwrite `in`.
  void inverse(View<complex<T>, Cuda> in, View<T, Cuda> out) {
    constexpr const char* where = "fft::Plan::inverse";
    detail::require_kind(kind_, Kind::r2c, where);
    detail::require_half_spectrum_extents(in, shape_, where, "in");
    detail::require_space_extents(out, shape_, where, "out");
    auto plan = get(1);
    auto* source = reinterpret_cast<DeviceComplex*>(in.data());
    if constexpr (is_float)
      FABTWIN_CUFFT_CHECK(cufftExecC2R(plan, source, out.data()));
    else
      FABTWIN_CUFFT_CHECK(cufftExecZ2D(plan, source, out.data()));
  }

 private:
  void execute_c2c(int direction, View<const complex<T>, Cuda> in, View<complex<T>, Cuda> out,
                   const char* where) {
    detail::require_kind(kind_, Kind::c2c, where);
    detail::require_space_extents(in, shape_, where, "in");
    detail::require_space_extents(out, shape_, where, "out");
    auto plan = get(0);
    auto* source = reinterpret_cast<DeviceComplex*>(const_cast<complex<T>*>(in.data()));
    auto* target = reinterpret_cast<DeviceComplex*>(out.data());
    if constexpr (is_float)
      FABTWIN_CUFFT_CHECK(cufftExecC2C(plan, source, target, direction));
    else
      FABTWIN_CUFFT_CHECK(cufftExecZ2Z(plan, source, target, direction));
  }

  /// c2c: slot 0 serves both directions. r2c: slot 0 is R2C, slot 1 is C2R.
  cufftHandle get(int slot) {
    FABTWIN_CUDA_CHECK(cudaSetDevice(device_));
    if (made_[slot]) return plans_[slot];
    std::vector<int> dims = shape_.dims();
    const int real_size = int(shape_.size()), half_size = int(shape_.half_spectrum_size());
    cufftType type;
    int idist = real_size, odist = real_size;
    if (kind_ == Kind::c2c) {
      type = is_float ? CUFFT_C2C : CUFFT_Z2Z;
    } else if (slot == 0) {
      type = is_float ? CUFFT_R2C : CUFFT_D2Z;
      odist = half_size;
    } else {
      type = is_float ? CUFFT_C2R : CUFFT_Z2D;
      idist = half_size;
    }
    cufftHandle plan;
    FABTWIN_CUFFT_CHECK(cufftPlanMany(&plan, int(dims.size()), dims.data(), nullptr, 1, idist,
                                      nullptr, 1, odist, type, int(shape_.batch)));
    const cufftResult status = cufftSetStream(plan, stream_);
    if (status != CUFFT_SUCCESS) {
      (void)cufftDestroy(plan);
      FABTWIN_CUFFT_CHECK(status);
    }
    plans_[slot] = plan;
    made_[slot] = true;
    return plan;
  }

  Kind kind_;
  Shape shape_;
  int device_;
  cudaStream_t stream_;
  std::array<cufftHandle, 2> plans_{};
  std::array<bool, 2> made_{};
};

}  // namespace fabtwin::fft
