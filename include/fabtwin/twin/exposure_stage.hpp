#pragma once
// Dill exposure as a twin stage (resist/exposure.hpp underneath): C E I images -> photo-acid, in a
// top-down 2D film or through the depth of a 3D film whose layers the stage lays out (the 2D image
// -> 3D film hand-off belongs here, not to the caller).
//
// Member m runs under condition c = m % C at the energy E_c = dose_mj_cm2 * conditions[c].dose: the
// stage scales each image by its relative dose s_c and exposes at dose_mj_cm2, so with I' = s_c I
//   dL/dI = s_c dL/dI',   dL/ds_c = <dL/dI', I>,
// and dL/d(dose_mj_cm2), dL/dC, dL/dalpha come from resist::expose_backward.

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/resist/exposure.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/detail/field_ops.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/stage.hpp"

namespace fabtwin::twin {

/// The resist film the image exposes: `layers` = 0 for a top-down 2D acid map on the image's grid,
/// else `layers` layers through `thickness_nm`, layer k at depth (k + 1/2) thickness / layers.
struct Film {
  index_t layers = 0;
  double thickness_nm = 0;
};

struct ExposureGradient {
  resist::DillGradient dill;
  std::vector<double> condition_dose;  ///< dL/d conditions[c].dose
};

template <class T, class Space>
class ExposureStage {
 public:
  using value_type = T;
  using space = Space;

  ExposureStage(const Grid& image_grid, resist::DillParameters dill, Film film = {},
                ProcessConditions conditions = nominal_condition())
      : image_grid_(image_grid), acid_grid_(film_grid(image_grid, film)), dill_(dill) {
    dill_.validate("twin::ExposureStage");
    set_conditions(std::move(conditions));
  }

  Grid input_grid() const { return image_grid_; }
  Grid output_grid() const { return acid_grid_; }
  index_t output_batch(index_t input_batch) const { return input_batch; }
  /// Dill's exposure acts on each column of the film alone.
  double interaction_range_nm(double tolerance) const {
    require_range_tolerance(tolerance, "twin::ExposureStage::interaction_range_nm");
    return 0;
  }

  const ProcessConditions& conditions() const { return conditions_; }
  void set_conditions(ProcessConditions conditions) {
    validate(conditions, "twin::ExposureStage::set_conditions");
    conditions_ = std::move(conditions);
    gradient_.condition_dose.assign(conditions_.size(), 0.0);
  }
  ConditionUse condition_use() const { return {true, false, false}; }

  resist::DillParameters& values() { return dill_; }
  const ExposureGradient& gradient() const { return gradient_; }

  std::vector<Parameter> parameters() {
    std::vector<Parameter> list{
        {"dose_mj_cm2", "mJ/cm^2", 0, unbounded, 1.0, &dill_.dose_mj_cm2,
         &gradient_.dill.dose_mj_cm2},
        {"dill_c", "cm^2/mJ", 0, unbounded, 0.005, &dill_.c, &gradient_.dill.c}};
    if (acid_grid_.rank() == 3)
      list.push_back({"dill_alpha", "1/nm", 0, unbounded, 1e-4, &dill_.alpha_per_nm,
                      &gradient_.dill.alpha_per_nm});
    return list;
  }

  void zero_gradient() {
    gradient_.dill = {};
    std::fill(gradient_.condition_dose.begin(), gradient_.condition_dose.end(), 0.0);
  }

  const Field<T, Space>& forward(Context<Space>& ctx, const Field<T, Space>& images) {
    constexpr const char* where = "twin::ExposureStage::forward";
    detail::require_input(images, image_grid_, where, "images");
    input_ = &images;
    Field<T, Space>& scaled = detail::reuse(scaled_, image_grid_, images.batch());
    const index_t count = index_t(conditions_.size());
    for (index_t m = 0; m < images.batch(); ++m)
      detail::axpy<T, Space>(ctx, conditions_[std::size_t(m % count)].dose, images.view().member(m),
                             scaled.view().member(m), false);
    Field<T, Space>& acid = detail::reuse(output_, acid_grid_, images.batch());
    resist::expose(ctx, scaled, dill_, acid);
    return acid;
  }

  const Field<T, Space>& backward(Context<Space>& ctx, const Field<T, Space>& grad_acid) {
    constexpr const char* where = "twin::ExposureStage::backward";
    detail::require_cotangent(input_, output_, grad_acid, where);
    const Field<T, Space>& images = *input_;
    Field<T, Space>& grad_images = detail::reuse(grad_input_, image_grid_, images.batch());
    const resist::DillGradient dill =
        resist::expose_backward(ctx, *scaled_, dill_, grad_acid, grad_images);
    gradient_.dill.dose_mj_cm2 += dill.dose_mj_cm2;
    gradient_.dill.c += dill.c;
    gradient_.dill.alpha_per_nm += dill.alpha_per_nm;
    const index_t count = index_t(conditions_.size());
    for (index_t m = 0; m < images.batch(); ++m) {
      const std::size_t c = std::size_t(m % count);
      gradient_.condition_dose[c] += detail::real_dot(
          ctx, View<const T, Space>(grad_images.view().member(m)), images.view().member(m));
      // grad_images held dL/dI' (the scaled image's); dL/dI = s_c dL/dI'.
      detail::axpy<T, Space>(ctx, conditions_[c].dose,
                             View<const T, Space>(grad_images.view().member(m)),
                             grad_images.view().member(m), false);
    }
    return grad_images;
  }

 private:
  static Grid film_grid(const Grid& image, const Film& film) {
    constexpr const char* where = "twin::ExposureStage";
    require<shape_mismatch>(image.rank() == 2, where, "image_grid", image, "a 2D image grid");
    require(film.layers >= 0, where, "film.layers", film.layers,
            "0 (a top-down 2D film) or a positive number of layers");
    if (film.layers == 0) return image;
    require(std::isfinite(film.thickness_nm) && film.thickness_nm > 0, where, "film.thickness_nm",
            film.thickness_nm, "a positive, finite resist thickness in nm");
    const double dz = film.thickness_nm / double(film.layers);
    return Grid::volume(image.nx(), image.ny(), film.layers, {image.pitch().x, image.pitch().y, dz},
                        {image.origin().x, image.origin().y, dz / 2});
  }

  Grid image_grid_, acid_grid_;
  resist::DillParameters dill_;
  ProcessConditions conditions_;
  ExposureGradient gradient_;
  const Field<T, Space>* input_ = nullptr;
  std::optional<Field<T, Space>> scaled_, output_, grad_input_;
};

}  // namespace fabtwin::twin
