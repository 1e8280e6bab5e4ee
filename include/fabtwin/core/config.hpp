#pragma once
// Build-wide switches of fabtwin: the version, the host/device annotations and the index type.
//
// `__CUDACC__` may only change annotations here, never a definition: a program can link
// translation units compiled by nvcc and by the host compiler, and both must agree (ODR).

#include <cstdint>

#define FABTWIN_VERSION_MAJOR 0
#define FABTWIN_VERSION_MINOR 1
#define FABTWIN_VERSION_PATCH 0

#if defined(__CUDACC__)
#  define FABTWIN_HAS_CUDA 1
#  define FABTWIN_HD __host__ __device__
#  define FABTWIN_FORCEINLINE __forceinline__
#else
#  define FABTWIN_HAS_CUDA 0
#  define FABTWIN_HD
#  define FABTWIN_FORCEINLINE inline __attribute__((always_inline))
#endif

namespace fabtwin {

/// Signed 64-bit index for every size and offset: a 3D field of 2048 x 2048 x 80 voxels in a batch
/// of 24 already overflows 32 bits.
using index_t = std::int64_t;

}  // namespace fabtwin
