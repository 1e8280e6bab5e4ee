#pragma once
// Context<Space>: where work runs. It holds what a sequence of kernels shares and should not rebuild:
// the thread count (Host) or device and stream (Cuda), a cache of plans and a scratch pool.
// A context is used by one host thread at a time, like a CUDA stream; make one per thread.

#include <string>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/space.hpp"
#include "fabtwin/exec/object_cache.hpp"
#include "fabtwin/exec/scratch_pool.hpp"

#include <omp.h>

namespace fabtwin {

/// How hard the FFT planner searches. `estimate` picks a plan by heuristics and so gives
/// bit-identical results run after run; `measure` and `patient` time candidates, which finds faster
/// plans but may pick a different one (and so round differently) on another run.
enum class PlanEffort { estimate, measure, patient };

struct HostOptions {
  int threads = 0;  ///< OpenMP threads; 0 = omp_get_max_threads()
  PlanEffort plan_effort = PlanEffort::estimate;
};

template <class Space>
class Context;

template <>
class Context<Host> {
 public:
  using space = Host;

  explicit Context(HostOptions options = {}) : options_(options) {
    require(options.threads >= 0, "Context<Host>", "threads", options.threads,
            "0 (all OpenMP threads) or a positive thread count");
    if (options_.threads == 0) options_.threads = omp_get_max_threads();
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int threads() const { return options_.threads; }
  PlanEffort plan_effort() const { return options_.plan_effort; }
  /// Work on the host runs in call order and is finished when the call returns.
  void synchronize() const {}

  ObjectCache& plans() { return plans_; }
  ScratchPool<Host>& scratch() { return scratch_; }

 private:
  HostOptions options_;
  ScratchPool<Host> scratch_;
  ObjectCache plans_;  // declared last: destroyed first, before the pool its plans may use
};

#if FABTWIN_HAS_CUDA
struct CudaOptions {
  int device = 0;
};

template <>
class Context<Cuda> {
 public:
  using space = Cuda;

  explicit Context(CudaOptions options = {}) : stream_(options.device) {}
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  int device() const { return stream_.device; }
  cudaStream_t stream() const { return stream_.handle; }
  /// Makes this context's device current for the calling thread.
  void activate() const { FABTWIN_CUDA_CHECK(cudaSetDevice(stream_.device)); }
  /// Waits until all work queued on this context's stream is done.
  void synchronize() const { FABTWIN_CUDA_CHECK(cudaStreamSynchronize(stream_.handle)); }

  ObjectCache& plans() { return plans_; }
  ScratchPool<Cuda>& scratch() { return scratch_; }

 private:
  /// The stream owns nothing else, so it is created first and destroyed last.
  struct Stream {
    explicit Stream(int device_id) : device(device_id) {
      int count = 0;
      FABTWIN_CUDA_CHECK(cudaGetDeviceCount(&count));
      require(device_id >= 0 && device_id < count, "Context<Cuda>", "device", device_id, [&] {
        return "a device index below the " + std::to_string(count) + " visible devices";
      });
      FABTWIN_CUDA_CHECK(cudaSetDevice(device));
      // A blocking stream, so that copies on the legacy default stream wait for its work.
      FABTWIN_CUDA_CHECK(cudaStreamCreate(&handle));
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream() {
      (void)cudaStreamSynchronize(handle);
      (void)cudaStreamDestroy(handle);
    }
    int device;
    cudaStream_t handle = nullptr;
  };

  Stream stream_;
  ScratchPool<Cuda> scratch_;
  ObjectCache plans_;
};
#endif

}  // namespace fabtwin
