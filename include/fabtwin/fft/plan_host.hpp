#pragma once
// Plan<T, Host>: FFTW3 (threaded with OpenMP). FFTW plans are tied to in-place or out-of-place use
// and to the SIMD alignment of the arrays they were made for, so one Plan keeps up to eight FFTW
// plans (direction x placement x alignment), each made on first use on scratch arrays (planning
// may overwrite them) and executed on the caller's arrays with the new-array execute functions.
// Every FFTW plan is made for a thread count that depends on the transform's size only, and its
// jobs run on the context's threads (fftw.hpp), so a transform gives the same bits on any thread
// count.

#include <array>
#include <limits>
#include <mutex>
#include <utility>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/fft/fftw.hpp"
#include "fabtwin/fft/plan_fwd.hpp"

namespace fabtwin::fft {

template <class T>
class Plan<T, Host> {
  static_assert(Real<T>, "fabtwin::fft::Plan<T, Space> takes the real type T (float or double)");
  using Api = detail::Fftw<T>;
  using FftwComplex = typename Api::complex;

 public:
  Plan(Context<Host>& ctx, Kind kind, Shape shape)
      : kind_(kind), shape_(shape), threads_(ctx.threads()), flags_(planner_flags(ctx)) {
    shape.validate("fft::Plan<Host>");
    require(shape.size() <= std::numeric_limits<int>::max(), "fft::Plan<Host>", "nx*ny*nz",
            shape.size(), "at most 2^31-1 samples per transform");
    detail::fftw_init_threads_once<T>();
  }
  Plan(Plan&& other) noexcept
      : kind_(other.kind_),
        shape_(other.shape_),
        threads_(other.threads_),
        flags_(other.flags_),
        plans_(std::exchange(other.plans_, {})) {}
  Plan& operator=(Plan&&) = delete;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() {
    std::lock_guard lock(detail::fftw_planner_mutex());
    for (auto plan : plans_)
      if (plan) Api::destroy(plan);
  }

  Kind kind() const { return kind_; }
  const Shape& shape() const { return shape_; }
  /// FFTW plans made so far (at most 8).
  int fftw_plans() const {
    int count = 0;
    for (auto plan : plans_) count += plan != nullptr;
    return count;
  }

  /// c2c forward transform; `in` and `out` may be the same view.
  void forward(View<const complex<T>, Host> in, View<complex<T>, Host> out) {
    execute_c2c(FFTW_FORWARD, in, out, "fft::Plan::forward");
  }
  /// c2c inverse (unnormalised) transform; `in` and `out` may be the same view.
  void inverse(View<const complex<T>, Host> in, View<complex<T>, Host> out) {
    execute_c2c(FFTW_BACKWARD, in, out, "fft::Plan::inverse");
  }
  /// r2c forward transform into the half spectrum (x extent nx/2 + 1).
  void forward(View<const T, Host> in, View<complex<T>, Host> out) {
    constexpr const char* where = "fft::Plan::forward";
    detail::require_kind(kind_, Kind::r2c, where);
    detail::require_space_extents(in, shape_, where, "in");
    detail::require_half_spectrum_extents(out, shape_, where, "out");
    require_distinct(in.data(), out.data(), where);
    auto plan = get(0, false, aligned(in.data(), out.data()));
    const detail::FftwJobThreads jobs(threads_);
    Api::execute_r2c(plan, const_cast<T*>(in.data()), as_fftw(out.data()));
  }
  /// c2r inverse (unnormalised) transform of a half spectrum. FFTW overwrites `in`.
  void inverse(View<complex<T>, Host> in, View<T, Host> out) {
    constexpr const char* where = "fft::Plan::inverse";
    detail::require_kind(kind_, Kind::r2c, where);
    detail::require_half_spectrum_extents(in, shape_, where, "in");
    detail::require_space_extents(out, shape_, where, "out");
    require_distinct(in.data(), out.data(), where);
    auto plan = get(1, false, aligned(in.data(), out.data()));
    const detail::FftwJobThreads jobs(threads_);
    Api::execute_c2r(plan, as_fftw(in.data()), out.data());
  }

 private:
  static unsigned planner_flags(const Context<Host>& ctx) {
    switch (ctx.plan_effort()) {
      case PlanEffort::measure:
        return FFTW_MEASURE;
      case PlanEffort::patient:
        return FFTW_PATIENT;
      case PlanEffort::estimate:
        break;
    }
    return FFTW_ESTIMATE;
  }

  static FftwComplex* as_fftw(const complex<T>* data) {
    return reinterpret_cast<FftwComplex*>(const_cast<complex<T>*>(data));
  }
  static bool aligned(const void* in, const void* out) {
    return Api::alignment_of(in) == 0 && Api::alignment_of(out) == 0;
  }
  static void require_distinct(const void* in, const void* out, const char* where) {
    require(in != out, where, "out", "the same array as 'in'",
            "a separate array (in-place r2c/c2r is not supported)");
  }

  void execute_c2c(int sign, View<const complex<T>, Host> in, View<complex<T>, Host> out,
                   const char* where) {
    detail::require_kind(kind_, Kind::c2c, where);
    detail::require_space_extents(in, shape_, where, "in");
    detail::require_space_extents(out, shape_, where, "out");
    const bool in_place = in.data() == out.data();
    auto plan = get(sign == FFTW_FORWARD ? 0 : 1, in_place, aligned(in.data(), out.data()));
    const detail::FftwJobThreads jobs(threads_);
    Api::execute_dft(plan, as_fftw(in.data()), as_fftw(out.data()));
  }

  /// The FFTW plan for (direction 0 forward / 1 inverse, placement, alignment), made on first use.
  typename Api::plan get(int direction, bool in_place, bool is_aligned) {
    auto& plan = plans_[direction * 4 + in_place * 2 + is_aligned];
    if (!plan) plan = make(direction, in_place, is_aligned);
    return plan;
  }

  typename Api::plan make(int direction, bool in_place, bool is_aligned) const {
    const std::vector<int> dims = shape_.dims();
    const int rank = int(dims.size());
    const int batch = int(shape_.batch);
    const int real_size = int(shape_.size());
    const int half_size = int(shape_.half_spectrum_size());
    const unsigned flags = flags_ | (is_aligned ? 0u : unsigned(FFTW_UNALIGNED));

    // Planning arrays: FFTW_MEASURE writes into them, so never the caller's.
    const std::size_t complex_bytes =
        sizeof(complex<T>) * std::size_t(kind_ == Kind::c2c ? real_size : half_size) * batch;
    const std::size_t real_bytes = sizeof(T) * std::size_t(real_size) * batch;
    struct Array {
      void* data;
      explicit Array(std::size_t bytes) : data(Host::allocate(bytes)) {}
      ~Array() { Host::release(data); }
    };
    Array first(complex_bytes),
        second(kind_ == Kind::c2c ? (in_place ? 0 : complex_bytes) : real_bytes);
    auto* a = static_cast<FftwComplex*>(first.data);
    auto* b = in_place ? a : static_cast<FftwComplex*>(second.data);

    std::lock_guard lock(detail::fftw_planner_mutex());
    const detail::FftwJobThreads jobs(threads_);  // measure and patient run candidate plans
    Api::plan_with_nthreads(detail::fftw_planning_threads(index_t(real_size) * batch));
    typename Api::plan plan = nullptr;
    if (kind_ == Kind::c2c)
      plan = Api::many_dft(rank, dims.data(), batch, a, real_size, b, real_size,
                           direction == 0 ? FFTW_FORWARD : FFTW_BACKWARD, flags);
    else if (direction == 0)
      plan = Api::many_r2c(rank, dims.data(), batch, static_cast<T*>(second.data), real_size, a,
                           half_size, flags);
    else
      plan = Api::many_c2r(rank, dims.data(), batch, a, half_size, static_cast<T*>(second.data),
                           real_size, flags);
    if (!plan)
      throw backend_error("fabtwin::fft::Plan<Host>: FFTW could not plan a " +
                          ::fabtwin::describe(kind_) + " transform of " +
                          ::fabtwin::describe(shape_));
    return plan;
  }

  Kind kind_;
  Shape shape_;
  int threads_;
  unsigned flags_;
  std::array<typename Api::plan, 8> plans_{};
};

}  // namespace fabtwin::fft
