#pragma once
// Plasma etch at feature scale: the level-set domain and its geometries, redistancing and
// advection, fluxes by ray casting through the distance field, surface kinetics (isotropic,
// directional, SF6/O2 with Langmuir coverages) and the time loop.

#include "fabtwin/etch/advect.hpp"
#include "fabtwin/etch/directions.hpp"
#include "fabtwin/etch/displacement.hpp"
#include "fabtwin/etch/domain.hpp"
#include "fabtwin/etch/flux.hpp"
#include "fabtwin/etch/kinetics.hpp"
#include "fabtwin/etch/lattice.hpp"
#include "fabtwin/etch/layout_domain.hpp"
#include "fabtwin/etch/normal_transport.hpp"
#include "fabtwin/etch/parameters.hpp"
#include "fabtwin/etch/process.hpp"
#include "fabtwin/etch/random.hpp"
#include "fabtwin/etch/redistance.hpp"
#include "fabtwin/etch/sensitivity.hpp"
#include "fabtwin/etch/shapes.hpp"
#include "fabtwin/etch/surface.hpp"
#include "fabtwin/etch/trace.hpp"
#include "fabtwin/etch/visibility.hpp"
