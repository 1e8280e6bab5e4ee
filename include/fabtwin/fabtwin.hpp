#pragma once
// Everything fabtwin offers, in one include: every layer's umbrella, from the bottom up. A narrower
// include is one layer's umbrella (fabtwin/optics.hpp, ...) or a single header. Left out of them:
// fft/reference_dft.hpp (a plain DFT for tests only); fft/plan_cuda.hpp comes in through
// fft/plan.hpp in units compiled by nvcc; dist/mpi.hpp needs MPI (link MPI::MPI_CXX), dist/nccl.hpp
// nvcc and NCCL (link NCCL::nccl).

#include "fabtwin/core.hpp"
#include "fabtwin/dist.hpp"
#include "fabtwin/etch.hpp"
#include "fabtwin/exec.hpp"
#include "fabtwin/fft.hpp"
#include "fabtwin/io.hpp"
#include "fabtwin/layout.hpp"
#include "fabtwin/metrology.hpp"
#include "fabtwin/optics.hpp"
#include "fabtwin/resist.hpp"
#include "fabtwin/thermal.hpp"
#include "fabtwin/twin.hpp"
