#pragma once
// Temperatures over a bake: Arrhenius rates, the hotplate, rate maps, spectral and implicit
// diffusion.

#include "fabtwin/thermal/arrhenius.hpp"
#include "fabtwin/thermal/hotplate.hpp"
#include "fabtwin/thermal/implicit_diffusion.hpp"
#include "fabtwin/thermal/implicit_diffusion_adjoint.hpp"
#include "fabtwin/thermal/rate_map.hpp"
#include "fabtwin/thermal/spectral_diffusion.hpp"
