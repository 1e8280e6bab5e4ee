#pragma once
// Examples are written once over the space: `on_best_space(run)` calls run(Cuda{}) when the program
// was compiled by nvcc and a CUDA device is present, and run(Host{}) otherwise, so the same example
// runs on the GPU unchanged where there is one.

#include "fabtwin/core/space.hpp"

namespace examples {

/// Whether this program can run the Cuda space: compiled by nvcc, and a device is present.
inline bool cuda_device_present() {
#if FABTWIN_HAS_CUDA
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess) {
    (void)
        cudaGetLastError();  // no driver or no device: not an error for a program that can run on the host
    return false;
  }
  return devices > 0;
#else
  return false;
#endif
}

/// run(Cuda{}) where cuda_device_present(), else run(Host{}).
template <class Run>
auto on_best_space(Run&& run) {
#if FABTWIN_HAS_CUDA
  if (cuda_device_present()) return run(fabtwin::Cuda{});
#endif
  return run(fabtwin::Host{});
}

}  // namespace examples
