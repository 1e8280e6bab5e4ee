#pragma once
// How the examples write a run's outputs so that a failed run never looks complete: the output
// folder is checked before any work, the summary.json of an earlier run in it is removed, every
// file is written after all the computing, and summary.json, holding "completed": true, comes last.

#include <filesystem>
#include <string>
#include <system_error>

#include "fabtwin/core/error.hpp"
#include "fabtwin/io/output_directory.hpp"

namespace examples {

/// Readies `folder` for a run's outputs before any work (io::prepare_output_directory), and
/// removes an earlier run's summary.json so that this run, should it fail, leaves none.
inline void start_outputs(const std::string& folder) {
  fabtwin::io::prepare_output_directory(folder);
  const std::filesystem::path summary = std::filesystem::path(folder) / "summary.json";
  std::error_code ec;
  std::filesystem::remove(summary, ec);
  if (ec)
    throw fabtwin::io_error("cannot remove the earlier run's '" + summary.string() + "': " + ec.message() +
                            " (a run writes its summary last, so that a failed one leaves none)");
}

}  // namespace examples
