#pragma once
// The resist: Dill exposure, the post-exposure bake and its adjoint, development rate and
// front, compact threshold models.

#include "fabtwin/resist/compact_models.hpp"
#include "fabtwin/resist/development_front.hpp"
#include "fabtwin/resist/development_rate.hpp"
#include "fabtwin/resist/exposure.hpp"
#include "fabtwin/resist/peb.hpp"
#include "fabtwin/resist/peb_adjoint.hpp"
#include "fabtwin/resist/peb_reaction.hpp"
#include "fabtwin/resist/peb_temperature_map.hpp"
#include "fabtwin/resist/peb_temperature_map_adjoint.hpp"
