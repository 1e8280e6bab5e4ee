#pragma once
// The twin of the repository's tiled runs (full_layout, test_dist): every stage of finite range,
// so that tiles with halos equal one large domain. Optics from ambit-limited kernels (made for
// each tile's period), then a Dill exposure, the Sentaurus bake and a blurred threshold with their
// diffusions on the lattice kernel (thermal/spectral_diffusion.hpp), then the pattern-scale etch
// bias; `stages` picks how far the chain runs. Not part of the installed library.

#include <cmath>

#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/exec/context.hpp"
#include "fabtwin/optics/ambit.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/spectral_diffusion.hpp"
#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/etch_bias_stage.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "support/host_kernels.hpp"

namespace fabtwin::support {

enum class TiledStages { optics, resist, etch };

inline const char* stage_name(TiledStages s) {
  return s == TiledStages::optics ? "optics" : s == TiledStages::resist ? "resist" : "etch";
}

/// full_layout's optics (and the tile benchmark's): 24 kernels of the default system and an annular
/// 0.6-0.9 source, generated at the first whole number of `pitch_nm` pixels from 1536 nm (a period
/// above the ambit's diameter) and limited to a 640 nm ambit with a 240 nm edge.
inline constexpr optics::AmbitOptions layout_ambit{.radius_nm = 640, .edge_nm = 240};
/// The periodic set (the eigensolve), which a program over MPI ranks makes on one and sends.
inline optics::KernelSet layout_kernel_set(double pitch_nm) {
  return generate_kernels(optics::OpticalSystem{}, optics::Source::annular(0.6, 0.9),
                          {std::ceil(1536 / pitch_nm) * pitch_nm, 24, 0.05});
}
/// The periodic set limited to the ambit.
inline optics::AmbitKernels layout_kernels(const optics::KernelSet& set, double pitch_nm) {
  return optics::AmbitKernels(set, pitch_nm, layout_ambit);
}
inline optics::AmbitKernels layout_kernels(double pitch_nm) {
  return layout_kernels(layout_kernel_set(pitch_nm), pitch_nm);
}

/// What the tiled twin's stages are set to besides the kernels.
struct TiledTwinSettings {
  double bake_s = 90;      ///< at 110 C
  double bake_step_s = 3;  ///< the bake's Strang step
  double blur_nm = 2;      ///< the resist model's blur
  twin::EtchBiasModel etch{.bias_nm = 1, .radii_nm = {20, 60}, .density_bias_nm = {2, -3}};
};

template <class Space>
struct TiledTwin {
  static constexpr thermal::Boundaries lattice{
      thermal::Boundary::periodic, thermal::Boundary::periodic, thermal::Boundary::mirror,
      thermal::DiffusionKernel::lattice};

  TiledTwin(Context<Space>& ctx, const Grid& grid, const optics::AmbitKernels& kernels,
            TiledStages stages, const TiledTwinSettings& settings = {})
      : imaging(ctx, grid, {{0.0, kernels.at_period(double(grid.nx()) * grid.pitch().x)}}),
        exposure(grid, {30, 0.043, 0}),
        bake(
            grid, resist::sentaurus_peb_model(),
            thermal::TemperatureHistory::constant(thermal::celsius_to_kelvin(110), settings.bake_s),
            {.max_step_s = settings.bake_step_s, .boundaries = lattice}),
        threshold(grid, settings.blur_nm, {0.5, 25}, twin::PrintTone::below,
                  thermal::DiffusionKernel::lattice),
        etch(grid, settings.etch),
        stages_(stages) {}

  const Field<double, Space>& forward(Context<Space>& ctx, const Field<double, Space>& mask) {
    switch (stages_) {
      case TiledStages::optics:
        return optics_chain.forward(ctx, mask);
      case TiledStages::resist:
        return resist_chain.forward(ctx, mask);
      default:
        return etch_chain.forward(ctx, mask);
    }
  }
  index_t output_batch(index_t batch) const { return batch; }
  /// The range of the chain the stages run (twin/interaction_range.hpp).
  double interaction_range_nm(double tolerance) const {
    switch (stages_) {
      case TiledStages::optics:
        return optics_chain.interaction_range_nm(tolerance);
      case TiledStages::resist:
        return resist_chain.interaction_range_nm(tolerance);
      default:
        return etch_chain.interaction_range_nm(tolerance);
    }
  }

  twin::ImagingStage<double, Space> imaging;
  twin::ExposureStage<double, Space> exposure;
  twin::BakeStage<double, Space> bake;
  twin::ThresholdStage<double, Space> threshold;
  twin::EtchBiasStage<double, Space> etch;
  decltype(twin::chain(imaging)) optics_chain = twin::chain(imaging);
  decltype(twin::chain(imaging, exposure, bake, threshold)) resist_chain =
      twin::chain(imaging, exposure, bake, threshold);
  decltype(twin::chain(imaging, exposure, bake, threshold, etch)) etch_chain =
      twin::chain(imaging, exposure, bake, threshold, etch);

 private:
  TiledStages stages_;
};

/// The range of the tiled twin over layout_kernels(pitch_nm) up to `stages` at `tolerance` (what
/// full_layout's halo covers), stated by a twin two ambits across.
inline double layout_range_nm(const optics::AmbitKernels& kernels, double pitch_nm,
                              TiledStages stages, double tolerance) {
  Context<Host> ctx;
  const index_t side =
      dist::smooth_size(2 * index_t(std::ceil(layout_ambit.radius_nm / pitch_nm)) + 2);
  return TiledTwin<Host>(ctx, Grid(side, side, pitch_nm), kernels, stages)
      .interaction_range_nm(tolerance);
}

}  // namespace fabtwin::support
