#pragma once
// Compact (2D) resist models for OPC (physics.md §2), on any Space, with hand-written adjoints.
//
//   constant threshold:       printed = [I >= th]  (the ICCAD-2013 print rule; not differentiable)
//   sigmoid threshold:        P = 1 / (1 + exp(-s (I - th)))   (the smooth constant threshold)
//   Gaussian-blurred sigmoid: P = sigmoid(s (J - th)),  J = G_sigma * I
//
// I is an image or an acid map, batched; th, s and sigma are shared by the batch.
//
// Blur. G_sigma is the unit-area Gaussian exp(-r^2 / (2 sigma^2)) / (2 pi sigma^2) applied as a
// periodic convolution on the grid through its continuous Fourier transform,
//   G^(f) = exp(-2 pi^2 sigma^2 |f|^2),  f = (p / (nx dx), q / (ny dy)) for bin (p, q),
// one r2c and one c2r per image. G^ is real and even, so the blur is symmetric: it is its own
// adjoint. dJ/dsigma = (dG/dsigma) * I with dG^/dsigma = -4 pi^2 sigma |f|^2 G^. With
// thermal::DiffusionKernel::lattice the blur is instead the heat kernel of the grid's
// nearest-neighbour Laplacian of variance sigma^2 (thermal/spectral_diffusion.hpp: local, where the
// Gaussian cut at the Nyquist frequency rings with 1 / r tails),
//   G^ = exp(-2 sigma^2 (sin^2(pi p / nx) / dx^2 + sin^2(pi q / ny) / dy^2)),
// and dG^/dsigma = -4 sigma (sin^2(pi p / nx) / dx^2 + sin^2(pi q / ny) / dy^2) G^.
//
// Adjoints, with g = dL/dP and P' = P (1 - P) = dsigmoid/dz:
//   dL/dJ = g s P',   dL/dth = -s sum g P',   dL/ds = sum g P' (J - th),
//   dL/dI = G_sigma * dL/dJ,   dL/dsigma = sum dL/dJ (dG/dsigma * I).
// For the plain sigmoid J = I.

#include <cmath>
#include <numbers>
#include <string>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/thermal/spectral_diffusion.hpp"

namespace fabtwin::resist {

/// P = 1 / (1 + exp(-steepness (I - threshold))).
struct SigmoidThreshold {
  double threshold = 0;
  double steepness = 0;  ///< s, per unit of I; P goes from 0.12 to 0.88 over I = th -+ 2 / s

  void validate(std::string_view where) const {
    require(std::isfinite(threshold), where, "threshold", threshold, "a finite level");
    require(std::isfinite(steepness) && steepness > 0, where, "steepness", steepness,
            "a positive, finite sigmoid steepness");
  }
};

struct SigmoidThresholdGradient {
  double threshold = 0, steepness = 0;
};

struct BlurredThresholdGradient {
  double sigma_nm = 0, threshold = 0, steepness = 0;
};

namespace detail {

/// The logistic function 1 / (1 + exp(-z)), without overflow for large |z|.
template <class T>
FABTWIN_HD T logistic(T z) {
  if (z >= T(0)) return T(1) / (T(1) + cuda::std::exp(-z));
  const T e = cuda::std::exp(z);
  return e / (T(1) + e);
}

template <class T>
struct HardThreshold {
  T threshold;
  FABTWIN_HD T operator()(T value) const { return value >= threshold ? T(1) : T(0); }
};

template <class T>
struct Sigmoid {
  T threshold, steepness;
  FABTWIN_HD T operator()(T value) const { return logistic(steepness * (value - threshold)); }
};

/// grad_in[i] = g[i] s P'(i). Run over every sample.
template <class T, class Space>
struct SigmoidAdjoint {
  View<const T, Space> in, grad_out;
  View<T, Space> grad_in;
  T threshold, steepness;
  FABTWIN_HD void operator()(index_t i) const {
    const T p = logistic(steepness * (in[i] - threshold));
    grad_in[i] = grad_out[i] * steepness * p * (T(1) - p);
  }
};

/// g P' (times (J - th) when `times_offset`), in double, reduced for dL/dth and dL/ds.
template <class T, class Space>
struct SigmoidParameterTerm {
  View<const T, Space> in, grad_out;
  double threshold, steepness;
  bool times_offset;
  FABTWIN_HD double operator()(index_t i) const {
    const double offset = double(in[i]) - threshold;
    const double p = logistic(steepness * offset);
    const double term = double(grad_out[i]) * p * (1 - p);
    return times_offset ? term * offset : term;
  }
};

/// a[i] b[i] in double, reduced for dL/dsigma.
template <class T, class Space>
struct ProductInDouble {
  View<T, Space> a, b;
  FABTWIN_HD double operator()(index_t i) const { return double(a[i]) * double(b[i]); }
};

/// Multiplies the half spectra by G^(f) / (nx ny), or by dG^/dsigma (f) / (nx ny) when `derivative`.
/// Run over (nx/2 + 1, ny, batch).
template <class T, class Space>
struct GaussianSpectrum {
  View<complex<T>, Space> half;  // (nx/2 + 1) x ny, batch B
  index_t nx, ny;
  double frequency_x, frequency_y;  // 1 / (nx dx), 1 / (ny dy)
  double dx, dy;
  double sigma, scale;
  bool derivative, lattice;
  FABTWIN_HD void operator()(index_t u, index_t v, index_t b) const {
    const index_t q = 2 * v < ny ? v : v - ny;
    constexpr double pi = 3.14159265358979323846, pi2 = pi * pi;
    // The exponent is -c sigma^2 with c = 2 pi^2 |f|^2 (Gaussian) or 2 sum sin^2 / h^2 (lattice).
    double c;
    if (lattice) {
      const double sx = cuda::std::sin(pi * double(u) / double(nx)) / dx;
      const double sy = cuda::std::sin(pi * double(q) / double(ny)) / dy;
      c = 2 * (sx * sx + sy * sy);
    } else {
      const double fx = double(u) * frequency_x, fy = double(q) * frequency_y;
      c = 2 * pi2 * (fx * fx + fy * fy);
    }
    double factor = cuda::std::exp(-c * sigma * sigma) * scale;
    if (derivative) factor *= -2 * c * sigma;
    half(u, v, b) *= T(factor);
  }
};

/// out = (G_sigma or dG/dsigma) * in, by r2c, spectral multiply, c2r.
template <class T, class Space>
void gaussian_filter(Context<Space>& ctx, const Grid& grid, View<const T, Space> in, double sigma,
                     bool derivative, thermal::DiffusionKernel kernel, View<T, Space> out) {
  const index_t nx = grid.nx(), ny = grid.ny(), batch = in.batch();
  auto block = ctx.scratch().acquire(sizeof(complex<T>) * std::size_t((nx / 2 + 1) * ny * batch));
  const auto half = block.template view<complex<T>>(nx / 2 + 1, ny, 1, batch);
  fft::forward(ctx, in, half);
  for_each(ctx, Range3{nx / 2 + 1, ny, batch},
           GaussianSpectrum<T, Space>{half, nx, ny, 1 / (double(nx) * grid.pitch().x),
                                      1 / (double(ny) * grid.pitch().y), grid.pitch().x,
                                      grid.pitch().y, sigma, 1 / (double(nx) * double(ny)),
                                      derivative, kernel == thermal::DiffusionKernel::lattice});
  fft::inverse(ctx, half, out);
}

template <class T, class Space>
void require_same_field(const Field<T, Space>& expected, const Field<T, Space>& actual,
                        std::string_view where, std::string_view argument) {
  require_same_shape(expected.grid(), actual.grid(), where, argument);
  require<shape_mismatch>(expected.batch() == actual.batch(), where, argument, actual.batch(),
                          [&] { return "a batch of " + std::to_string(expected.batch()); });
}

template <class T, class Space>
void require_image(const Field<T, Space>& image, std::string_view where) {
  require<shape_mismatch>(image.grid().rank() == 2, where, "image.grid", image.grid(),
                          "a 2D image");
}

inline void require_sigma(double sigma_nm, std::string_view where) {
  require(std::isfinite(sigma_nm) && sigma_nm >= 0, where, "sigma_nm", sigma_nm,
          "a finite, non-negative blur length in nm");
}

/// The sigmoid's adjoint of input `in` (J): grad_in = g s P', and the parameter gradients.
template <class T, class Space>
SigmoidThresholdGradient sigmoid_adjoint(Context<Space>& ctx, View<const T, Space> in,
                                         const SigmoidThreshold& model,
                                         View<const T, Space> grad_out, View<T, Space> grad_in) {
  for_each(ctx, Range1{in.size()},
           SigmoidAdjoint<T, Space>{in, grad_out, grad_in, T(model.threshold), T(model.steepness)});
  const auto term = [&](bool times_offset) {
    return transform_reduce(ctx, in.size(), 0.0, reduce_op::Plus{},
                            SigmoidParameterTerm<T, Space>{in, grad_out, model.threshold,
                                                           model.steepness, times_offset});
  };
  return {-model.steepness * term(false), term(true)};
}

}  // namespace detail

/// printed = 1 where I >= threshold, else 0 (the hard print rule; use sigmoid_threshold for gradients).
template <class T, class Space>
void constant_threshold(Context<Space>& ctx, const Field<T, Space>& image, double threshold,
                        Field<T, Space>& printed) {
  constexpr const char* where = "resist::constant_threshold";
  require(std::isfinite(threshold), where, "threshold", threshold, "a finite level");
  detail::require_same_field(image, printed, where, "printed");
  transform(ctx, image.cview(), printed.view(), detail::HardThreshold<T>{T(threshold)});
}

/// printed = 1 / (1 + exp(-s (I - th))).
template <class T, class Space>
void sigmoid_threshold(Context<Space>& ctx, const Field<T, Space>& image,
                       const SigmoidThreshold& model, Field<T, Space>& printed) {
  constexpr const char* where = "resist::sigmoid_threshold";
  model.validate(where);
  detail::require_same_field(image, printed, where, "printed");
  transform(ctx, image.cview(), printed.view(),
            detail::Sigmoid<T>{T(model.threshold), T(model.steepness)});
}

/// Adjoint of sigmoid_threshold(): dL/dI into `grad_image` (overwritten); returns dL/dth, dL/ds.
template <class T, class Space>
SigmoidThresholdGradient sigmoid_threshold_backward(Context<Space>& ctx,
                                                    const Field<T, Space>& image,
                                                    const SigmoidThreshold& model,
                                                    const Field<T, Space>& grad_printed,
                                                    Field<T, Space>& grad_image) {
  constexpr const char* where = "resist::sigmoid_threshold_backward";
  model.validate(where);
  detail::require_same_field(image, grad_printed, where, "grad_printed");
  detail::require_same_field(image, grad_image, where, "grad_image");
  return detail::sigmoid_adjoint(ctx, image.cview(), model, grad_printed.cview(),
                                 grad_image.view());
}

/// blurred = G_sigma * image (periodic; sigma 0 is the identity). Linear and self-adjoint: it is
/// also its own backward. `blurred` may be `image`.
template <class T, class Space>
void gaussian_blur(Context<Space>& ctx, const Field<T, Space>& image, double sigma_nm,
                   Field<T, Space>& blurred,
                   thermal::DiffusionKernel kernel = thermal::DiffusionKernel::gaussian) {
  constexpr const char* where = "resist::gaussian_blur";
  detail::require_sigma(sigma_nm, where);
  detail::require_image(image, where);
  detail::require_same_field(image, blurred, where, "blurred");
  detail::gaussian_filter(ctx, image.grid(), image.cview(), sigma_nm, false, kernel,
                          blurred.view());
}

/// printed = sigmoid(s (G_sigma * image - th)).
template <class T, class Space>
void blurred_threshold(Context<Space>& ctx, const Field<T, Space>& image, double sigma_nm,
                       const SigmoidThreshold& model, Field<T, Space>& printed,
                       thermal::DiffusionKernel kernel = thermal::DiffusionKernel::gaussian) {
  constexpr const char* where = "resist::blurred_threshold";
  model.validate(where);
  gaussian_blur(ctx, image, sigma_nm, printed, kernel);
  transform(ctx, printed.cview(), printed.view(),
            detail::Sigmoid<T>{T(model.threshold), T(model.steepness)});
}

/// Adjoint of blurred_threshold(): dL/dI into `grad_image` (overwritten); returns dL/dsigma, dL/dth
/// and dL/ds. Recomputes J = G_sigma * I.
template <class T, class Space>
BlurredThresholdGradient blurred_threshold_backward(
    Context<Space>& ctx, const Field<T, Space>& image, double sigma_nm,
    const SigmoidThreshold& model, const Field<T, Space>& grad_printed, Field<T, Space>& grad_image,
    thermal::DiffusionKernel kernel = thermal::DiffusionKernel::gaussian) {
  constexpr const char* where = "resist::blurred_threshold_backward";
  model.validate(where);
  detail::require_sigma(sigma_nm, where);
  detail::require_image(image, where);
  detail::require_same_field(image, grad_printed, where, "grad_printed");
  detail::require_same_field(image, grad_image, where, "grad_image");
  const Grid& grid = image.grid();
  const index_t batch = image.batch();
  const std::size_t bytes = sizeof(T) * std::size_t(image.size());
  auto blurred_block = ctx.scratch().acquire(bytes);
  auto grad_blurred_block = ctx.scratch().acquire(bytes);
  const auto blurred = blurred_block.template view<T>(grid.nx(), grid.ny(), 1, batch);
  const auto grad_blurred = grad_blurred_block.template view<T>(grid.nx(), grid.ny(), 1, batch);
  detail::gaussian_filter(ctx, grid, image.cview(), sigma_nm, false, kernel, blurred);
  const SigmoidThresholdGradient sigmoid = detail::sigmoid_adjoint(
      ctx, View<const T, Space>(blurred), model, grad_printed.cview(), grad_blurred);
  BlurredThresholdGradient gradient{0, sigmoid.threshold, sigmoid.steepness};
  // dL/dsigma = <dL/dJ, dG/dsigma * I>; the derivative image reuses the blurred scratch.
  detail::gaussian_filter(ctx, grid, image.cview(), sigma_nm, true, kernel, blurred);
  gradient.sigma_nm = transform_reduce(ctx, image.size(), 0.0, reduce_op::Plus{},
                                       detail::ProductInDouble<T, Space>{blurred, grad_blurred});
  detail::gaussian_filter(ctx, grid, View<const T, Space>(grad_blurred), sigma_nm, false, kernel,
                          grad_image.view());
  return gradient;
}

}  // namespace fabtwin::resist
