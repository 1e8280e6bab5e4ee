#pragma once
// The differentiable process twin: the Stage contract, twin::chain, named parameters, process
// conditions, and the stages over optics and resist.

#include "fabtwin/twin/bake_stage.hpp"
#include "fabtwin/twin/cd_calibration.hpp"
#include "fabtwin/twin/chain.hpp"
#include "fabtwin/twin/conditions.hpp"
#include "fabtwin/twin/etch_bias_stage.hpp"
#include "fabtwin/twin/exposure_stage.hpp"
#include "fabtwin/twin/focus_interpolation.hpp"
#include "fabtwin/twin/imaging_stage.hpp"
#include "fabtwin/twin/interaction_range.hpp"
#include "fabtwin/twin/layer_stage.hpp"
#include "fabtwin/twin/lbfgs.hpp"
#include "fabtwin/twin/levenberg_marquardt.hpp"
#include "fabtwin/twin/parameter.hpp"
#include "fabtwin/twin/pixel_ilt.hpp"
#include "fabtwin/twin/stage.hpp"
#include "fabtwin/twin/threshold_stage.hpp"
#include "fabtwin/twin/zoned_bake_stage.hpp"
