#include "focus_kernels.hpp"

#include "fabtwin/optics/socs_kernels.hpp"

namespace examples {

std::vector<fabtwin::twin::FocusKernels> focus_kernels(const fabtwin::optics::OpticalSystem& system,
                                                       const fabtwin::optics::Source& source,
                                                       const KernelRequest& request,
                                                       const std::vector<double>& focus_nm) {
  fabtwin::optics::SocsOptions options;
  options.period_nm = request.period_nm;
  options.count = request.count;
  options.source_step = request.source_step;
  std::vector<fabtwin::twin::FocusKernels> sets;
  for (const double focus : focus_nm) {
    fabtwin::optics::OpticalSystem at = system;
    at.defocus_nm = system.defocus_nm + focus;
    sets.push_back({focus, fabtwin::optics::socs_kernels(at, source, options)});
  }
  return sets;
}

}  // namespace examples
