#pragma once
// The foundation: configuration, errors and argument checks, complex numbers, grids, memory spaces, views and fields.

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/dual.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/core/view.hpp"
