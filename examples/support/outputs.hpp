#pragma once
// How the examples write a run's outputs so that a failed run never looks complete: the output
// folder is checked before any work, the summary.json of an earlier run in it is removed, every
// file is written after all the computing, and the summary, holding "completed": true, goes to
// stdout and then, the last file, to summary.json.

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>

#include "fabtwin/core/error.hpp"
#include "fabtwin/io/json.hpp"
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
    throw fabtwin::io_error("cannot remove the earlier run's '" + summary.string() +
                            "': " + ec.message() +
                            " (a run writes its summary last, so that a failed one leaves none)");
}

/// Ends a run: prints `summary` on stdout and makes sure it got there, then writes it as
/// `folder`/summary.json (unless `folder` is empty), the run's last file. So a summary file exists
/// only when everything else, stdout included, went through.
inline void finish_outputs(const std::string& folder, const fabtwin::io::json::Value& summary) {
  const std::string text = summary.dump(2) + "\n";
  if (std::fputs(text.c_str(), stdout) < 0 || std::fflush(stdout) != 0)
    throw fabtwin::io_error(std::string("cannot write the summary to the standard output: ") +
                            std::strerror(errno));
  if (!folder.empty()) fabtwin::io::write_json(folder + "/summary.json", summary);
}

}  // namespace examples
