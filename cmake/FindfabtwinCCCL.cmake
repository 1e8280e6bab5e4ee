# Finds the headers of NVIDIA's CUDA C++ Core Libraries (Thrust, CUB, libcu++) that ship with the
# CUDA Toolkit, and defines the imported target fabtwin::cccl. Host-only builds need them too:
# fabtwin's complex type is libcu++'s and its CUDA space uses Thrust. Only the headers are used,
# so CCCL's own package config (which sets up a CUDA device system) is not needed.
#
# Hints: CUDAToolkit_ROOT, CUDA_HOME, CUDA_PATH (CMake or environment variables); /usr/local/cuda.

find_path(fabtwinCCCL_INCLUDE_DIR cuda/std/complex
  HINTS ${CUDAToolkit_ROOT} ENV CUDAToolkit_ROOT ENV CUDA_HOME ENV CUDA_PATH /usr/local/cuda
  PATH_SUFFIXES include/cccl targets/x86_64-linux/include/cccl include
  NO_DEFAULT_PATH)
if(fabtwinCCCL_INCLUDE_DIR AND EXISTS "${fabtwinCCCL_INCLUDE_DIR}/thrust/version.h")
  file(STRINGS "${fabtwinCCCL_INCLUDE_DIR}/thrust/version.h" _fabtwin_thrust_version
       REGEX "^#define THRUST_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" _fabtwin_thrust_version "${_fabtwin_thrust_version}")
  math(EXPR _major "${_fabtwin_thrust_version} / 100000")
  math(EXPR _minor "(${_fabtwin_thrust_version} / 100) % 1000")
  set(fabtwinCCCL_VERSION "${_major}.${_minor}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(fabtwinCCCL
  REQUIRED_VARS fabtwinCCCL_INCLUDE_DIR
  VERSION_VAR fabtwinCCCL_VERSION
  REASON_FAILURE_MESSAGE "fabtwin needs the CUDA Toolkit's CCCL headers (Thrust, CUB, libcu++), \
normally in /usr/local/cuda/include/cccl (set CUDAToolkit_ROOT for another toolkit)")

if(fabtwinCCCL_FOUND AND NOT TARGET fabtwin::cccl)
  add_library(fabtwin::cccl INTERFACE IMPORTED)
  set_target_properties(fabtwin::cccl PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${fabtwinCCCL_INCLUDE_DIR}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${fabtwinCCCL_INCLUDE_DIR}")
endif()
mark_as_advanced(fabtwinCCCL_INCLUDE_DIR)
