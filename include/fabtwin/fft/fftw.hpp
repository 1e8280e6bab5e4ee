#pragma once
// FFTW3 in float and double behind one templated face, and the process-wide FFTW state: the
// threaded planner is initialised once, and planning and plan destruction (not thread-safe in
// FFTW) are serialised by one mutex. Execution with fftw_execute_dft(plan, in, out) on other arrays
// is thread-safe and is what plans use.

#include <fftw3.h>

#include <mutex>

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

/// Initialises FFTW's threads for precision T once per process.
template <class T>
void fftw_init_threads_once() {
  static const bool ready = [] {
    if (Fftw<T>::init_threads() == 0)
      throw backend_error("fabtwin::fft: FFTW could not initialise its threads (fftw_init_threads)");
    return true;
  }();
  (void)ready;
}

}  // namespace fabtwin::fft::detail
