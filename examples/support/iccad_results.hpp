#pragma once
// What `iccad13 eval` and `iccad13 ilt` share: the kernel folders' check (exit status 77, skipped,
// when they are absent) and reading, and the contest's scores as JSON members.

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fabtwin/io/json.hpp"
#include "fabtwin/metrology/iccad2013_score.hpp"
#include "fabtwin/optics/iccad2013_kernels.hpp"

namespace examples {

/// Whether `folder` holds the contest's kernels (M1OPC/scales.txt); if not, says so on stderr.
inline bool iccad_kernels_present(const std::string& folder) {
  if (std::filesystem::exists(folder + "/M1OPC/scales.txt")) return true;
  std::fprintf(stderr,
               "iccad13: no ICCAD-2013 kernels under '%s' (expected M1OPC/ and M1OPC_def/)\n",
               folder.c_str());
  return false;
}

/// The focus set (M1OPC) and the defocus set (M1OPC_def), in that order, read in `layout`.
inline std::vector<fabtwin::optics::KernelSet> read_iccad_kernel_sets(
    const std::string& folder, fabtwin::optics::IccadKernelLayout layout) {
  return {fabtwin::optics::read_iccad_kernels(folder + "/M1OPC", 2048, layout),
          fabtwin::optics::read_iccad_kernels(folder + "/M1OPC_def", 2048, layout)};
}

/// l2, pvb, pvb_outer_not_inner, epe, target_px and nominal_px into `result`, in that order.
inline void add_scores(fabtwin::io::json::Value& result,
                       const fabtwin::metrology::Iccad2013Score& score) {
  result["l2"] = std::int64_t(score.l2);
  result["pvb"] = std::int64_t(score.pvb);
  result["pvb_outer_not_inner"] = std::int64_t(score.pvb_outer_not_inner);
  result["epe"] = std::int64_t(score.epe);
  result["target_px"] = std::int64_t(score.target_px);
  result["nominal_px"] = std::int64_t(score.nominal_px);
}

}  // namespace examples
