#pragma once
// Tiling with halos: a window cut into tiles whose cores stitch back into one result, tiles run
// over several contexts of one process, the error a halo leaves, and ILT over tiles. Left out of
// this umbrella: dist/mpi.hpp (ranks in several processes; it needs MPI) and dist/nccl.hpp (sums
// across GPUs; it needs nvcc and NCCL).

#include "fabtwin/dist/halo_error.hpp"
#include "fabtwin/dist/run_tiles.hpp"
#include "fabtwin/dist/tile_plan.hpp"
#include "fabtwin/dist/tiled_ilt.hpp"
