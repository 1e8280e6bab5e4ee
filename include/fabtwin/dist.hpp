#pragma once
// Tiling with halos: a window cut into tiles whose cores stitch back into one result, tiles run
// over several contexts of one process, the error a halo leaves, and ILT over tiles. MPI across processes is in
// dist/mpi.hpp, left out of this umbrella because it needs an MPI implementation.

#include "fabtwin/dist/halo_error.hpp"
#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/dist/tiled_ilt.hpp"
