#pragma once
// The hotplate zone-map calibration of twin_demo and test_calibration: a 768 nm field of 8 nm
// pixels holding a 3 x 3 array of the same 56 nm line (180 nm long, one per 256 nm cell), two cut
// lines across each (40 nm above and below its centre), imaged at best focus, exposed (Dill: 34
// mJ/cm^2), baked 60 s at 110 C (the Sentaurus set without vertical diffusion) under a 3 x 3 zone
// map (twin::ZonedBakeStage) and thresholded. The kernels are the caller's (made for a 768 nm
// period): the example and the test make them differently. Not part of the installed library.

#include <utility>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/layout/rasterize.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "fabtwin/twin/zoned_bake_stage.hpp"

namespace fabtwin::support {

inline constexpr double plate_field_nm = 768, plate_pitch_nm = 8;

/// The field's grid: pixel centres at 4, 12, ... 764 nm.
inline Grid plate_field() {
  return Grid(96, 96, plate_pitch_nm, {plate_pitch_nm / 2, plate_pitch_nm / 2, 0});
}

/// The Sentaurus bake without vertical diffusion (the field is a 2D plane), and its history.
inline resist::PebModel plate_bake_model() {
  resist::PebModel model = resist::sentaurus_peb_model();
  model.acid.vertical_nm2_per_s = model.quencher.vertical_nm2_per_s = 0;
  return model;
}
inline thermal::TemperatureHistory plate_bake_history() {
  return thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(110), 60);
}

/// The 3 x 3 array of lines rasterised on the field, and the 18 cut lines across them (row by row,
/// the lower cut of each line first).
struct PlateLines {
  Field<double, Host> mask;
  std::vector<twin::CdSite> sites;
};

inline PlateLines plate_lines(Context<Host>& ctx) {
  layout::PolygonSet shapes;
  shapes.unit_nm = 1;
  std::vector<twin::CdSite> sites;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const layout::coord_t cx = 128 + 256 * j, cy = 128 + 256 * i;
      shapes.polygons.push_back(layout::box_polygon({cx - 28, cy - 90, cx + 28, cy + 90}));
      for (const double dy : {-40.0, 40.0})
        sites.push_back(
            {{{double(cx) - 80, double(cy) + dy}, {double(cx) + 80, double(cy) + dy}}, {}});
    }
  return {layout::rasterize_area<double>(ctx, shapes, plate_field()), std::move(sites)};
}

/// The chain: imaging with `kernels` (best focus), exposure, the zoned bake (6 s steps), a blurred
/// threshold printing where the inhibitor is low.
struct PlateTwin {
  PlateTwin(Context<Host>& ctx, std::vector<twin::FocusKernels> kernels)
      : imaging(ctx, plate_field(), std::move(kernels)),
        exposure(plate_field(), {34, 0.043, 0}),
        bake(plate_field(), plate_bake_model(), plate_bake_history(), {3, 3}, {.max_step_s = 6}),
        resist_model(plate_field(), 2.0, {0.5, 25}, twin::PrintTone::below),
        chain(twin::chain(imaging, exposure, bake, resist_model)) {}
  twin::ImagingStage<double, Host> imaging;
  twin::ExposureStage<double, Host> exposure;
  twin::ZonedBakeStage<double, Host> bake;
  twin::ThresholdStage<double, Host> resist_model;
  decltype(twin::chain(imaging, exposure, bake, resist_model)) chain;
};

}  // namespace fabtwin::support
