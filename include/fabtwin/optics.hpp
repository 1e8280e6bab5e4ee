#pragma once
// The scanner and its images: optical system, pupil, sources, TCC and SOCS kernels, kernel
// files, masks, SOCS and Abbe imaging, the ICCAD-2013 corners.
// tcc.hpp, leading_eigenpairs.hpp and socs_kernels.hpp are host code built on Eigen; they compile
// under nvcc too (EIGEN_NO_CUDA), but a program that generates kernels is quicker to build with that
// step in a unit the host compiler builds (the repository's support/host_kernels.cpp shows how;
// socs_options.hpp declares what it is asked for without Eigen).

#include "fabtwin/optics/abbe.hpp"
#include "fabtwin/optics/aerial_image.hpp"
#include "fabtwin/optics/ambit.hpp"
#include "fabtwin/optics/condition.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"
#include "fabtwin/optics/iccad2013_protocol.hpp"
#include "fabtwin/optics/kernel_io.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/leading_eigenpairs.hpp"
#include "fabtwin/optics/mask.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/pupil.hpp"
#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/optics/source.hpp"
#include "fabtwin/optics/source_spec.hpp"
#include "fabtwin/optics/tcc.hpp"
#include "fabtwin/optics/zernike.hpp"
