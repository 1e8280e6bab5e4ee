#pragma once
// What socs_kernels (socs_kernels.hpp) makes: the field period, how many kernels, and the source's
// sampling. A header of its own, free of Eigen, so that code which only asks for kernels (programs
// that call a kernel generator compiled elsewhere, nvcc units) need not parse the eigen solvers.

#include "fabtwin/core/config.hpp"

namespace fabtwin::optics {

struct SocsOptions {
  double period_nm = 0;  ///< L: side of the periodic field (nx * pitch), required
  index_t count = 24;    ///< K: the most kernels kept
  /// > 0: keep the fewest kernels whose kept energy reaches this share of the trace (never more
  /// than count; all `count` when they do not reach it). 0: keep exactly `count`.
  double energy = 0;
  double source_step = 0.02;  ///< source sampling step in sigma units (Source::sample)
};

}  // namespace fabtwin::optics
