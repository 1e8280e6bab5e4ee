#pragma once
// FFTW3 in float and double behind one templated face, and the process-wide FFTW state: the
// threaded planner is initialised once, and planning and plan destruction (not thread-safe in
// FFTW) are serialised by one mutex. Execution with fftw_execute_dft(plan, in, out) on other arrays
// is thread-safe and is what plans use.
//
// Threads. FFTW's planner picks its algorithm for the thread count a plan is made for, even with
// FFTW_ESTIMATE: plans for 1 and for 2 threads of, e.g., a 253 x 253 transform (factors 11 and 23)
// use different decompositions and round differently (FFTW 3.3.10). So the thread count a plan is
// made for is a function of the transform's size alone (fftw_planning_threads: one per 16384
// samples, 1 to 64), whatever the context's count, and the independent pieces ("jobs") a threaded
// plan splits its loops into are run by the executing context's threads through FFTW's spawn-loop
// callback (fftw_threads_set_callback, FFTW >= 3.3.9). Which thread runs a job does not change what
// it computes, so a transform gives the same bits on any thread count. The callback is
// process-wide: FFTW plans made outside fabtwin run their jobs on OpenMP's default thread count, as
// FFTW's own OpenMP loop does.

#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <mutex>

#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::fft::detail {

template <class T>
struct Fftw;

template <>
struct Fftw<float> {
  using plan = fftwf_plan;
  using complex = fftwf_complex;
  static int init_threads() { return fftwf_init_threads(); }
  static void plan_with_nthreads(int n) { fftwf_plan_with_nthreads(n); }
  static void set_job_runner(void (*run)(void* (*)(char*), char*, std::size_t, int, void*)) {
    fftwf_threads_set_callback(run, nullptr);
  }
  static plan many_dft(int rank, const int* n, int howmany, complex* in, int idist, complex* out,
                       int odist, int sign, unsigned flags) {
    return fftwf_plan_many_dft(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                               sign, flags);
  }
  static plan many_r2c(int rank, const int* n, int howmany, float* in, int idist, complex* out,
                       int odist, unsigned flags) {
    return fftwf_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                   flags);
  }
  static plan many_c2r(int rank, const int* n, int howmany, complex* in, int idist, float* out,
                       int odist, unsigned flags) {
    return fftwf_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                   flags);
  }
  static void execute_dft(plan p, complex* in, complex* out) { fftwf_execute_dft(p, in, out); }
  static void execute_r2c(plan p, float* in, complex* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void execute_c2r(plan p, complex* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
  static int alignment_of(const void* p) {
    return fftwf_alignment_of(static_cast<float*>(const_cast<void*>(p)));
  }
};

template <>
struct Fftw<double> {
  using plan = fftw_plan;
  using complex = fftw_complex;
  static int init_threads() { return fftw_init_threads(); }
  static void plan_with_nthreads(int n) { fftw_plan_with_nthreads(n); }
  static void set_job_runner(void (*run)(void* (*)(char*), char*, std::size_t, int, void*)) {
    fftw_threads_set_callback(run, nullptr);
  }
  static plan many_dft(int rank, const int* n, int howmany, complex* in, int idist, complex* out,
                       int odist, int sign, unsigned flags) {
    return fftw_plan_many_dft(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist, sign,
                              flags);
  }
  static plan many_r2c(int rank, const int* n, int howmany, double* in, int idist, complex* out,
                       int odist, unsigned flags) {
    return fftw_plan_many_dft_r2c(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                  flags);
  }
  static plan many_c2r(int rank, const int* n, int howmany, complex* in, int idist, double* out,
                       int odist, unsigned flags) {
    return fftw_plan_many_dft_c2r(rank, n, howmany, in, nullptr, 1, idist, out, nullptr, 1, odist,
                                  flags);
  }
  static void execute_dft(plan p, complex* in, complex* out) { fftw_execute_dft(p, in, out); }
  static void execute_r2c(plan p, double* in, complex* out) { fftw_execute_dft_r2c(p, in, out); }
  static void execute_c2r(plan p, complex* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
  static int alignment_of(const void* p) {
    return fftw_alignment_of(static_cast<double*>(const_cast<void*>(p)));
  }
};

/// The one lock around FFTW's planner, shared by every context and precision.
inline std::mutex& fftw_planner_mutex() {
  static std::mutex mutex;
  return mutex;
}

/// Samples per job the FFTW plans are made for: smaller jobs cost more in FFTW's bookkeeping than
/// they gain (a 112^2 r2c planned for 64 threads runs 4x slower on one thread than one planned for 1).
inline constexpr index_t fftw_samples_per_job = 16384;
/// The most threads one transform is planned for.
inline constexpr int fftw_most_planning_threads = 64;

/// The thread count the FFTW plan of a transform of `samples` samples (batch included) is made for:
/// a function of the size only, never of the context (see the header).
inline int fftw_planning_threads(index_t samples) {
  const index_t threads = samples / fftw_samples_per_job;
  return int(std::clamp<index_t>(threads, 1, fftw_most_planning_threads));
}

/// Threads that run the jobs of the FFTW plan the calling thread executes; 0 outside fabtwin's
/// plans (FFTW's own default then: OpenMP's thread count).
inline int& fftw_job_threads() {
  thread_local int threads = 0;
  return threads;
}

/// Sets fftw_job_threads() for its lifetime (plan execution and planning, which runs candidates).
class FftwJobThreads {
 public:
  explicit FftwJobThreads(int threads) : saved_(fftw_job_threads()) {
    fftw_job_threads() = threads;
  }
  ~FftwJobThreads() { fftw_job_threads() = saved_; }
  FftwJobThreads(const FftwJobThreads&) = delete;
  FftwJobThreads& operator=(const FftwJobThreads&) = delete;

 private:
  int saved_;
};

/// FFTW's spawn-loop callback: runs the `count` independent jobs of a threaded plan (job i at
/// jobs + i * size) with the executing context's threads; serially inside a parallel region (a job
/// of an outer split, or a caller's own region), where OpenMP would give a nested region one thread.
inline void run_fftw_jobs(void* (*work)(char*), char* jobs, std::size_t size, int count, void*) {
  const int threads = fftw_job_threads() > 0 ? fftw_job_threads() : omp_get_max_threads();
  if (threads > 1 && count > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int i = 0; i < count; ++i) work(jobs + size * std::size_t(i));
  } else {
    for (int i = 0; i < count; ++i) work(jobs + size * std::size_t(i));
  }
}

/// Initialises FFTW's threads for precision T once per process and hands their jobs to
/// run_fftw_jobs.
template <class T>
void fftw_init_threads_once() {
  static const bool ready = [] {
    if (Fftw<T>::init_threads() == 0)
      throw backend_error(
          "fabtwin::fft: FFTW could not initialise its threads (fftw_init_threads)");
    Fftw<T>::set_job_runner(run_fftw_jobs);
    return true;
  }();
  (void)ready;
}

}  // namespace fabtwin::fft::detail
