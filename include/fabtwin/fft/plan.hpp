#pragma once
// The FFT front door: Plan<T, Space> for every space compiled in, plans cached in the Context, and
// forward/inverse free functions that take the transform's shape from the views.

#include <type_traits>

#include "fabtwin/exec/context.hpp"
#include "fabtwin/fft/plan_host.hpp"
#if FABTWIN_HAS_CUDA
#  include "fabtwin/fft/plan_cuda.hpp"
#endif

namespace fabtwin::fft {

/// The context's cached plan for (T, kind, shape), made on first request.
template <class T, class Space>
Plan<T, Space>& plan(Context<Space>& ctx, Kind kind, const Shape& shape) {
  const ObjectCache::Key key{index_t(kind), shape.nx, shape.ny, shape.nz, shape.batch};
  return ctx.plans().template get_or_create<Plan<T, Space>>(
      key, [&] { return Plan<T, Space>(ctx, kind, shape); });
}

/// Forward transform of `in` into `out`, with the shape taken from the views: complex to complex
/// (c2c; in place when both are the same view), or real to half spectrum (r2c).
template <class Space, class In, class Out>
void forward(Context<Space>& ctx, View<In, Space> in, View<Out, Space> out) {
  using Input = std::remove_const_t<In>;
  static_assert(is_complex_v<Out>, "fabtwin::fft::forward writes a complex spectrum");
  using T = real_type_t<Out>;
  if constexpr (is_complex_v<Input>) {
    plan<T>(ctx, Kind::c2c, shape_of(in)).forward(View<const Input, Space>(in), out);
  } else {
    static_assert(std::is_same_v<Input, T>,
                  "fabtwin::fft::forward: r2c input must be real of the "
                  "spectrum's precision");
    plan<T>(ctx, Kind::r2c, shape_of(in)).forward(View<const Input, Space>(in), out);
  }
}

/// Inverse (unnormalised) transform of `in` into `out`: c2c, or half spectrum to real (c2r, which
/// may overwrite `in`).
template <class Space, class In, class Out>
void inverse(Context<Space>& ctx, View<In, Space> in, View<Out, Space> out) {
  static_assert(is_complex_v<In>, "fabtwin::fft::inverse reads a complex spectrum");
  using T = real_type_t<In>;
  if constexpr (is_complex_v<Out>) {
    plan<T>(ctx, Kind::c2c, shape_of(in))
        .inverse(View<const std::remove_const_t<In>, Space>(in), out);
  } else {
    static_assert(!std::is_const_v<In>,
                  "fabtwin::fft::inverse: c2r may overwrite its input, so "
                  "it needs a mutable view");
    static_assert(std::is_same_v<Out, T>,
                  "fabtwin::fft::inverse: c2r output must be real of the "
                  "spectrum's precision");
    plan<T>(ctx, Kind::r2c, shape_of(out)).inverse(in, out);
  }
}

}  // namespace fabtwin::fft
