#pragma once
// Memory spaces. `Host` is CPU memory run by OpenMP; `Cuda` is NVIDIA device memory, and exists only
// when the including translation unit is compiled by nvcc (FABTWIN_HAS_CUDA). A space is a tag type
// with the three memory primitives every owning container needs: allocate (zero-filled), release,
// and copy between any two spaces.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

#if FABTWIN_HAS_CUDA
#  include <cuda_runtime.h>
#endif

namespace fabtwin {

#if FABTWIN_HAS_CUDA
namespace detail {
[[noreturn]] inline void throw_cuda_error(cudaError_t code, const char* expression,
                                          const char* file, int line) {
  std::string message = std::string("fabtwin: CUDA call ") + expression + " failed with " +
                        cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ") at " + file +
                        ":" + std::to_string(line);
  if (code == cudaErrorMemoryAllocation) throw out_of_memory(message);
  throw backend_error(message);
}
}  // namespace detail
/// Throws backend_error (out_of_memory for allocation failures) with file and line when a CUDA
/// runtime call fails.
#  define FABTWIN_CUDA_CHECK(expression)                                                 \
    do {                                                                                 \
      const cudaError_t fabtwin_cuda_status_ = (expression);                             \
      if (fabtwin_cuda_status_ != cudaSuccess)                                           \
        ::fabtwin::detail::throw_cuda_error(fabtwin_cuda_status_, #expression, __FILE__, \
                                            __LINE__);                                   \
    } while (false)
#endif

/// CPU memory, 64-byte aligned so that FFTW's SIMD plans and AVX-512 loads apply to every field.
struct Host {
  static constexpr const char* name = "Host";
  static constexpr std::size_t alignment = 64;

  // aligned_alloc reports failure by returning null rather than by throwing, which also holds
  // under AddressSanitizer (allocator_may_return_null): a refused allocation stays an
  // out_of_memory the caller can catch, in every build.
  static void* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    void* data =
        bytes <= SIZE_MAX - alignment
            ? std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment)
            : nullptr;
    if (!data)
      throw out_of_memory("fabtwin::Host::allocate: could not allocate " + std::to_string(bytes) +
                          " bytes of host memory");
    std::memset(data, 0, bytes);
    return data;
  }

  static void release(void* data) noexcept { std::free(data); }
};

#if FABTWIN_HAS_CUDA
/// Memory of the current CUDA device. Allocation is synchronous (cudaMalloc): fields are meant to be
/// allocated once and reused; per-step temporaries come from a Context's scratch pool.
///
/// Fills and copies go through the legacy default stream, which waits for all work queued on the
/// (blocking) streams of every Context<Cuda>: a copy back to the host always sees finished results.
struct Cuda {
  static constexpr const char* name = "Cuda";

  static void* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    void* data = nullptr;
    const cudaError_t status = cudaMalloc(&data, bytes);
    if (status == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // the failure is not sticky: clear it so later calls do not see it
      std::size_t free_bytes = 0, total_bytes = 0;
      (void)cudaMemGetInfo(&free_bytes, &total_bytes);
      throw out_of_memory("fabtwin::Cuda::allocate: could not allocate " + std::to_string(bytes) +
                          " bytes of device memory (" + std::to_string(free_bytes) + " of " +
                          std::to_string(total_bytes) + " bytes free)");
    }
    FABTWIN_CUDA_CHECK(status);
    FABTWIN_CUDA_CHECK(cudaMemsetAsync(data, 0, bytes, cudaStreamLegacy));
    FABTWIN_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
    return data;
  }

  static void release(void* data) noexcept {
    if (data) (void)cudaFree(data);
  }
};
#endif

template <class Space>
concept MemorySpace = requires(std::size_t bytes, void* data) {
  { Space::allocate(bytes) } -> std::same_as<void*>;
  Space::release(data);
};

namespace detail {

/// Copies `bytes` from memory of space `From` to memory of space `To`; blocks until done.
template <class To, class From>
void copy_bytes(void* destination, const void* source, std::size_t bytes) {
  if (bytes == 0) return;
#if FABTWIN_HAS_CUDA
  if constexpr (!(std::is_same_v<To, Host> && std::is_same_v<From, Host>)) {
    FABTWIN_CUDA_CHECK(
        cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDefault, cudaStreamLegacy));
    FABTWIN_CUDA_CHECK(cudaStreamSynchronize(cudaStreamLegacy));
    return;
  }
#endif
  std::memcpy(destination, source, bytes);
}

}  // namespace detail
}  // namespace fabtwin
