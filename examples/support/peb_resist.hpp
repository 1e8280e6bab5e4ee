#pragma once
// The chemically amplified resist of the process-aware examples (`iccad13 ilt --resist peb`,
// ilt_window), after the image: a top-down Dill exposure (C = 0.043 cm^2/mJ, the ArF example of
// physics.md), the post-exposure bake on the Sentaurus set (90 s at 110 C, periodic sides), and a
// positive resist that clears where the inhibitor, blurred by 2 nm, falls below 1/2.
//
// The dose is not a free choice once the mask is to print at size: it is anchored so that a
// uniform image of `anchor_intensity` bakes to inhibitor exactly 1/2. A wide feature's edge then
// prints where a constant-threshold resist at that intensity would put it (the contest's
// threshold, 0.225 of the clear field), and the two resist models differ only by what the bake
// does beyond a threshold: acid diffusion, quencher, amplification, and their response to dose.

#include <cmath>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"

namespace examples {

struct PebResist {
  double dose_mj_cm2 = 30;
  double dill_c = 0.043;        ///< cm^2/mJ
  double bake_step_s = 3;       ///< the bake's Strang step
  double print_steepness = 25;  ///< of the sigmoid on the blurred inhibitor
  double blur_nm = 2;

  static fabtwin::thermal::TemperatureHistory bake_history() {
    return fabtwin::thermal::TemperatureHistory::constant(fabtwin::thermal::celsius_to_kelvin(110),
                                                          90);
  }

  template <class Space>
  fabtwin::twin::ExposureStage<double, Space> exposure(
      const fabtwin::Grid& grid, const fabtwin::twin::ProcessConditions& conditions) const {
    return fabtwin::twin::ExposureStage<double, Space>(grid, {dose_mj_cm2, dill_c, 0}, {},
                                                       conditions);
  }
  template <class Space>
  fabtwin::twin::BakeStage<double, Space> bake(
      const fabtwin::Grid& grid, const fabtwin::twin::ProcessConditions& conditions) const {
    return fabtwin::twin::BakeStage<double, Space>(grid, fabtwin::resist::sentaurus_peb_model(),
                                                   bake_history(), {.max_step_s = bake_step_s},
                                                   conditions);
  }
  template <class Space>
  fabtwin::twin::ThresholdStage<double, Space> develop(const fabtwin::Grid& grid) const {
    return fabtwin::twin::ThresholdStage<double, Space>(grid, blur_nm, {0.5, print_steepness},
                                                        fabtwin::twin::PrintTone::below);
  }

  /// This resist with its dose anchored at `anchor_intensity` (see the header comment): bisection
  /// in log dose on a uniform film, whose inhibitor falls as the dose rises.
  PebResist anchored(double anchor_intensity) const {
    using namespace fabtwin;
    require(std::isfinite(anchor_intensity) && anchor_intensity > 0,
            "examples::PebResist::anchored", "anchor_intensity", anchor_intensity,
            "a positive intensity");
    Context<Host> ctx;
    const Grid film(4, 4, 8.0);
    Field<double, Host> image(film);
    for (index_t i = 0; i < film.size(); ++i) image.view()[i] = anchor_intensity;
    const twin::ProcessConditions nominal = twin::nominal_condition();
    const auto inhibitor_at = [&](double dose) {
      PebResist trial = *this;
      trial.dose_mj_cm2 = dose;
      auto exposure_stage = trial.exposure<Host>(film, nominal);
      auto bake_stage = trial.bake<Host>(film, nominal);
      return bake_stage.forward(ctx, exposure_stage.forward(ctx, image)).view()[0];
    };
    double low = 0.01, high = 1e5;  // mJ/cm^2: inhibitor above 1/2 at low, below at high
    require(inhibitor_at(low) > 0.5 && inhibitor_at(high) < 0.5, "examples::PebResist::anchored",
            "anchor_intensity", anchor_intensity,
            "an intensity at which some dose in [0.01, 1e5] mJ/cm^2 bakes to inhibitor 1/2");
    for (int k = 0; k < 60; ++k) {
      const double middle = std::sqrt(low * high);
      (inhibitor_at(middle) > 0.5 ? low : high) = middle;
    }
    PebResist out = *this;
    out.dose_mj_cm2 = std::sqrt(low * high);
    return out;
  }
};

}  // namespace examples
