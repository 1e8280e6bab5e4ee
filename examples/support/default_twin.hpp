#pragma once
// The twin's default chain for the programs that calibrate or demonstrate it (twin_calibrate,
// twin_demo): kernels generated from the optics at five focus values, a Dill exposure, the bake on
// the Sentaurus set with its activation energies, and a compact resist model (the inhibitor blurred
// and thresholded), over a square window of a layout. The layout's drawn shapes transmit (a dark-
// field metal mask printing trenches in a positive resist), and the print is the cleared fraction,
// so a drawn line prints as a run above 0.5 (metrology::Tone::line).

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/source.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/host_kernels.hpp"

namespace examples {

/// The default chain's settings, for --help and the JSON the programs print.
inline const char* default_twin_description() {
  return "The chain: SOCS kernels generated from the optics (193 nm, NA 1.35, water immersion,\n"
         "annular 0.6-0.9 source, 24 kernels, period = the window) at focus -120, -60, 0, 60 and\n"
         "120 nm, the image interpolated between them; a Dill exposure (dose_mj_cm2 30, dill_c\n"
         "0.043 cm^2/mJ); the bake on the Sentaurus set (acid and quencher diffusion lengths 10 nm\n"
         "over 90 s, quencher 0.4, kr 8.7/s, kc 0.9/s at 110 C, activation energies 19.65 and 21\n"
         "kcal/mol) for 90 s at peb.temperature_c 110 in 3 s steps; a compact resist: the inhibitor\n"
         "blurred by resist.blur_nm 2 and cleared where it falls below resist.threshold 0.5\n"
         "(sigmoid steepness 25). The drawn shapes transmit; a CD is the width of the printed\n"
         "(cleared) run at 0.5.\n";
}

/// The default chain over `grid` (square, periodic: the kernels' period is its side).
template <class Space>
struct DefaultTwin {
  using T = double;
  DefaultTwin(fabtwin::Context<Space>& ctx, const fabtwin::Grid& grid)
      : imaging(ctx, grid,
                fabtwin::support::focus_kernels(
                    fabtwin::optics::OpticalSystem{}, fabtwin::optics::Source::annular(0.6, 0.9),
                    {double(grid.nx()) * grid.pitch().x, 24, 0.05}, {-120, -60, 0, 60, 120})),
        exposure(grid, {30, 0.043, 0}),
        bake(grid, fabtwin::resist::sentaurus_peb_model(),
             fabtwin::thermal::TemperatureHistory::constant(
                 fabtwin::thermal::celsius_to_kelvin(110), 90),
             {.max_step_s = 3}),
        resist_model(grid, 2.0, {0.5, 25}, fabtwin::twin::PrintTone::below),
        chain(fabtwin::twin::chain(imaging, exposure, bake, resist_model)) {}

  fabtwin::twin::ImagingStage<T, Space> imaging;
  fabtwin::twin::ExposureStage<T, Space> exposure;
  fabtwin::twin::BakeStage<T, Space> bake;
  fabtwin::twin::ThresholdStage<T, Space> resist_model;
  decltype(fabtwin::twin::chain(imaging, exposure, bake, resist_model)) chain;
};

}  // namespace examples
