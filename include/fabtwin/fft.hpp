#pragma once
// Batched FFTs on every space compiled in: plans cached in the context, forward and inverse.
// Left out: fft/reference_dft.hpp, a plain DFT for tests only; fft/plan_cuda.hpp comes in through
// fft/plan.hpp when the unit is compiled by nvcc (it needs cuFFT).

#include "fabtwin/fft/fftw.hpp"
#include "fabtwin/fft/plan.hpp"
#include "fabtwin/fft/plan_fwd.hpp"
#include "fabtwin/fft/plan_host.hpp"
#include "fabtwin/fft/shape.hpp"
