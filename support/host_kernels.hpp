#pragma once
// SOCS kernels generated from the optics, for the repository's programs that image (examples,
// tests, benchmarks): one set, or one set per focus value for the twin's imaging stage. Declared
// here and defined in host_kernels.cpp, which the host compiler builds once (the OBJECT library
// fabtwin_host_kernels): the eigen step is Eigen code with no device work, and nvcc would only add
// minutes compiling it. This header stays free of Eigen so that nvcc units can include it. Not part
// of the installed library.

#include <vector>

#include "fabtwin/core/config.hpp"
#include "fabtwin/optics/kernel_set.hpp"
#include "fabtwin/optics/optical_system.hpp"
#include "fabtwin/optics/socs_options.hpp"
#include "fabtwin/optics/source.hpp"
#include "fabtwin/twin/imaging_stage.hpp"

namespace fabtwin::support {

/// What the kernels are made for: the periodic field, how many, and the source sampling step.
struct KernelRequest {
  double period_nm = 0;
  fabtwin::index_t count = 24;
  double source_step = 0.05;
};

/// optics::socs_kernels, compiled here once: the programs and tests that only need kernels call
/// this instead of compiling the eigen solvers into their own units (16 s of -O2 and 33 s under
/// the sanitizers for each).
fabtwin::optics::KernelSet socs_kernels(const fabtwin::optics::OpticalSystem& system,
                                        const fabtwin::optics::Source& source,
                                        const fabtwin::optics::SocsOptions& options);

/// The `request.count` strongest SOCS kernels of the optics (optics::socs_kernels).
fabtwin::optics::KernelSet generate_kernels(const fabtwin::optics::OpticalSystem& system,
                                            const fabtwin::optics::Source& source,
                                            const KernelRequest& request);

/// How many frequencies the TCC of a field of `period_nm` holds (optics::tcc_support): the most
/// kernels there are to keep.
fabtwin::index_t tcc_frequencies(const fabtwin::optics::OpticalSystem& system,
                                 const fabtwin::optics::Source& source, double period_nm);

/// One kernel set per focus in `focus_nm` (defocus from `system.defocus_nm`).
std::vector<fabtwin::twin::FocusKernels> focus_kernels(const fabtwin::optics::OpticalSystem& system,
                                                       const fabtwin::optics::Source& source,
                                                       const KernelRequest& request,
                                                       const std::vector<double>& focus_nm);

}  // namespace fabtwin::support
