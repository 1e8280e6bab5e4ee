#include "host_kernels.hpp"

#include "fabtwin/optics/socs_kernels.hpp"
#include "fabtwin/optics/tcc.hpp"

namespace fabtwin::support {

fabtwin::optics::KernelSet socs_kernels(const fabtwin::optics::OpticalSystem& system,
                                        const fabtwin::optics::Source& source,
                                        const fabtwin::optics::SocsOptions& options) {
  return fabtwin::optics::socs_kernels(system, source, options);
}

fabtwin::optics::KernelSet generate_kernels(const fabtwin::optics::OpticalSystem& system,
                                            const fabtwin::optics::Source& source,
                                            const KernelRequest& request) {
  return fabtwin::support::socs_kernels(
      system, source,
      {.period_nm = request.period_nm, .count = request.count, .source_step = request.source_step});
}

fabtwin::index_t tcc_frequencies(const fabtwin::optics::OpticalSystem& system,
                                 const fabtwin::optics::Source& source, double period_nm) {
  return fabtwin::index_t(fabtwin::optics::tcc_support(system, source, period_nm).size());
}

std::vector<fabtwin::twin::FocusKernels> focus_kernels(const fabtwin::optics::OpticalSystem& system,
                                                       const fabtwin::optics::Source& source,
                                                       const KernelRequest& request,
                                                       const std::vector<double>& focus_nm) {
  std::vector<fabtwin::twin::FocusKernels> sets;
  for (const double focus : focus_nm) {
    fabtwin::optics::OpticalSystem at = system;
    at.defocus_nm = system.defocus_nm + focus;
    sets.push_back({focus, generate_kernels(at, source, request)});
  }
  return sets;
}

}  // namespace fabtwin::support
