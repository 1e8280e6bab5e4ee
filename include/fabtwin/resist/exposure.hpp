#pragma once
// Dill exposure of a chemically amplified resist (physics.md §2), in 2D (top-down) and 3D (x, y,
// depth), on any Space, and its hand-written adjoint.
//
// A chemically amplified resist barely bleaches (Dill A ~ 0), so the absorption through the film
// does not change during exposure and the relative intensity at depth z below the top surface is
//   I(x, y, z) = I(x, y) exp(-alpha z),
// with I(x, y) the aerial image (relative intensity, 1 = open frame) and alpha = B (Dill B, the
// absorption of the unexposed film), or alpha = 4 pi k / lambda from the extinction coefficient.
// After dose E the photo-acid generator left is m0 = exp(-C E I) and the acid is
//   A0 = 1 - m0 = -expm1(-C E I),
// computed with expm1 so that weak exposures keep their relative accuracy.
//
// Layout. A 2D acid field has the image's grid; a 3D acid field has the image's nx x ny and nz
// layers, layer k at depth z_k = origin.z + k pitch.z (nm below the top surface). Batches of images
// give batches of acid fields.
//
// Adjoint. With g = dL/dA0 and q = g m0 (m0 = exp(-C E I3), I3 = I exp(-alpha z)):
//   dL/dI(x, y) = sum_k q C E exp(-alpha z_k),   dL/dE = sum q C I3,
//   dL/dC       = sum q E I3,                    dL/dalpha = -sum q z C E I3.

#include <cmath>
#include <numbers>
#include <string>

#include <cuda/std/cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/exec/for_each.hpp"
#include "fabtwin/exec/range.hpp"
#include "fabtwin/exec/reduce.hpp"

namespace fabtwin::resist {

/// Parameters of the Dill exposure. Units: E in mJ/cm^2, C in cm^2/mJ (C E I is dimensionless),
/// alpha in 1/nm.
struct DillParameters {
  double dose_mj_cm2 = 0;   ///< E, mJ/cm^2
  double c = 0;             ///< Dill C, cm^2/mJ (ArF example: 0.043)
  double alpha_per_nm = 0;  ///< absorption through the depth; ignored by 2D exposure

  /// alpha from the Dill B parameter in 1/um (ArF example: 1.1 /um): with A ~ 0, alpha = B.
  static double alpha_from_dill_b(double b_per_um) {
    require(std::isfinite(b_per_um) && b_per_um >= 0, "resist::DillParameters::alpha_from_dill_b",
            "b_per_um", b_per_um, "a finite, non-negative absorption in 1/um");
    return b_per_um / 1000;
  }
  /// alpha = 4 pi k / lambda from the extinction coefficient k and the wavelength in nm.
  static double alpha_from_extinction(double k, double wavelength_nm) {
    constexpr const char* where = "resist::DillParameters::alpha_from_extinction";
    require(std::isfinite(k) && k >= 0, where, "k", k, "a finite, non-negative extinction");
    require(std::isfinite(wavelength_nm) && wavelength_nm > 0, where, "wavelength_nm",
            wavelength_nm, "a positive, finite wavelength in nm");
    return 4 * std::numbers::pi * k / wavelength_nm;
  }

  void validate(std::string_view where) const {
    require(std::isfinite(dose_mj_cm2) && dose_mj_cm2 >= 0, where, "dose_mj_cm2", dose_mj_cm2,
            "a finite, non-negative dose in mJ/cm^2");
    require(std::isfinite(c) && c > 0, where, "c", c, "a positive, finite Dill C in cm^2/mJ");
    require(std::isfinite(alpha_per_nm) && alpha_per_nm >= 0, where, "alpha_per_nm", alpha_per_nm,
            "a finite, non-negative absorption in 1/nm");
  }
};

/// dL/d(parameter) of the exposure, summed over every sample of the batch.
struct DillGradient {
  double dose_mj_cm2 = 0, c = 0, alpha_per_nm = 0;
};

namespace detail {

/// A0(x, y, k, b) = -expm1(-C E I(x, y, b) exp(-alpha z_k)). Run over (nx, ny, nz * batch).
template <class T, class Space>
struct DillAcid {
  View<const T, Space> image;  // nx x ny, batch B
  View<T, Space> acid;         // nx x ny x nz, batch B
  T ce, alpha, z0, dz;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t zb) const {
    const index_t nz = acid.nz(), k = zb % nz, b = zb / nz;
    const T exposure = ce * image(x, y, 0, b) * cuda::std::exp(-alpha * (z0 + T(k) * dz));
    acid(x, y, k, b) = -cuda::std::expm1(-exposure);
  }
};

/// dL/dI(x, y, b) = sum_k g m0 C E exp(-alpha z_k), summed in a fixed order. Run over (nx, ny, batch).
template <class T, class Space>
struct DillImageAdjoint {
  View<const T, Space> image, grad_acid;
  View<T, Space> grad_image;
  T ce, alpha, z0, dz;
  FABTWIN_HD void operator()(index_t x, index_t y, index_t b) const {
    const T intensity = image(x, y, 0, b);
    T sum = 0;
    for (index_t k = 0; k < grad_acid.nz(); ++k) {
      const T attenuation = cuda::std::exp(-alpha * (z0 + T(k) * dz));
      sum += grad_acid(x, y, k, b) * cuda::std::exp(-ce * intensity * attenuation) * attenuation;
    }
    grad_image(x, y, 0, b) = sum * ce;
  }
};

/// One term g m0 I3 (and g m0 I3 z) of the parameter gradients, in double; `with_depth` selects the
/// alpha term. Reduced over every acid sample.
template <class T, class Space>
struct DillParameterTerm {
  View<const T, Space> image, grad_acid;
  double ce, alpha, z0, dz;
  bool with_depth;
  FABTWIN_HD double operator()(index_t i) const {
    const index_t nx = grad_acid.nx(), ny = grad_acid.ny(), nz = grad_acid.nz();
    const index_t x = i % nx, row = i / nx, y = row % ny, layer = row / ny, k = layer % nz,
                  b = layer / nz;
    const double z = z0 + double(k) * dz;
    const double i3 = double(image(x, y, 0, b)) * cuda::std::exp(-alpha * z);
    const double term = double(grad_acid[i]) * cuda::std::exp(-ce * i3) * i3;
    return with_depth ? term * z : term;
  }
};

/// Depth of layer 0 and the layer spacing of an acid grid (both 0 for 2D: the top surface).
struct LayerDepths {
  double z0, dz;
  explicit LayerDepths(const Grid& grid)
      : z0(grid.rank() == 3 ? grid.origin().z : 0.0), dz(grid.rank() == 3 ? grid.pitch().z : 0.0) {}
};

template <class T, class Space>
void check_exposure(Context<Space>& ctx, const Field<T, Space>& image,
                    const DillParameters& parameters, const Grid& acid_grid, index_t acid_batch,
                    std::string_view where) {
  parameters.validate(where);
  require<shape_mismatch>(image.grid().rank() == 2, where, "image.grid", image.grid(),
                          "a 2D aerial image");
  require<shape_mismatch>(
      acid_grid.nx() == image.grid().nx() && acid_grid.ny() == image.grid().ny(), where,
      "acid.grid", acid_grid, [&] {
        return "the image's nx x ny = " + std::to_string(image.grid().nx()) + "x" +
               std::to_string(image.grid().ny()) + " (2D, or 3D with nz layers)";
      });
  require<shape_mismatch>(acid_batch == image.batch(), where, "acid.batch()", acid_batch,
                          [&] { return "the image's batch, " + std::to_string(image.batch()); });
  require(acid_grid.rank() == 2 || acid_grid.origin().z >= 0, where, "acid.grid.origin.z",
          acid_grid.origin().z, "a non-negative depth below the top surface in nm");
  // min propagates NaN, so one reduction refuses NaN and negative intensities alike.
  const T smallest = min(ctx, image.cview());
  require(smallest >= 0, where, "min(image)", smallest,
          "finite, non-negative relative intensities");
}

}  // namespace detail

/// Acid A0 = 1 - exp(-C E I exp(-alpha z)) of each image into `acid`: a 2D field of the image's grid
/// (top-down; alpha unused) or a 3D field of the image's nx x ny with layers at depth
/// origin.z + k pitch.z; batch as the image's. Throws invalid_argument for bad parameters or a
/// negative or NaN intensity, shape_mismatch for mismatched fields.
template <class T, class Space>
void expose(Context<Space>& ctx, const Field<T, Space>& image, const DillParameters& parameters,
            Field<T, Space>& acid) {
  detail::check_exposure(ctx, image, parameters, acid.grid(), acid.batch(), "resist::expose");
  const detail::LayerDepths depths(acid.grid());
  const double alpha = acid.grid().rank() == 3 ? parameters.alpha_per_nm : 0.0;
  for_each(ctx, Range3{acid.grid().nx(), acid.grid().ny(), acid.grid().nz() * acid.batch()},
           detail::DillAcid<T, Space>{image.cview(), acid.view(),
                                      T(parameters.c * parameters.dose_mj_cm2), T(alpha),
                                      T(depths.z0), T(depths.dz)});
}

/// Adjoint of expose(): from g = dL/dA0 (the acid's shape) writes dL/dI into `grad_image` (the
/// image's shape, overwritten) and returns dL/dE, dL/dC and dL/dalpha (0 for 2D acid).
template <class T, class Space>
DillGradient expose_backward(Context<Space>& ctx, const Field<T, Space>& image,
                             const DillParameters& parameters, const Field<T, Space>& grad_acid,
                             Field<T, Space>& grad_image) {
  constexpr const char* where = "resist::expose_backward";
  detail::check_exposure(ctx, image, parameters, grad_acid.grid(), grad_acid.batch(), where);
  require_same_shape(image.grid(), grad_image.grid(), where, "grad_image.grid");
  require<shape_mismatch>(grad_image.batch() == image.batch(), where, "grad_image.batch()",
                          grad_image.batch(),
                          [&] { return "the image's batch, " + std::to_string(image.batch()); });
  const detail::LayerDepths depths(grad_acid.grid());
  const bool volume = grad_acid.grid().rank() == 3;
  const double alpha = volume ? parameters.alpha_per_nm : 0.0;
  const double ce = parameters.c * parameters.dose_mj_cm2;
  for_each(ctx, Range3{image.grid().nx(), image.grid().ny(), image.batch()},
           detail::DillImageAdjoint<T, Space>{image.cview(), grad_acid.cview(), grad_image.view(),
                                              T(ce), T(alpha), T(depths.z0), T(depths.dz)});
  const auto reduce_term = [&](bool with_depth) {
    return transform_reduce(
        ctx, grad_acid.size(), 0.0, reduce_op::Plus{},
        detail::DillParameterTerm<T, Space>{image.cview(), grad_acid.cview(), ce, alpha, depths.z0,
                                            depths.dz, with_depth});
  };
  const double sum_q_i3 = reduce_term(false);
  DillGradient gradient;
  gradient.dose_mj_cm2 = parameters.c * sum_q_i3;
  gradient.c = parameters.dose_mj_cm2 * sum_q_i3;
  if (volume) gradient.alpha_per_nm = -ce * reduce_term(true);
  return gradient;
}

}  // namespace fabtwin::resist
