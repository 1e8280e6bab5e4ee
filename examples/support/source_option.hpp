#pragma once
// The --source option of the examples that generate kernels: a spec read by
// optics::parse_source_spec, refused as a bad command line (exit 2) with the library's reason.

#include <filesystem>
#include <string>
#include <system_error>

#include "cli.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/optics/source_spec.hpp"

namespace examples {

inline fabtwin::optics::Source read_source_option(const Cli& cli, const std::string& spec) {
  // A folder named like a map would fail inside the reader with the stream's own words.
  std::error_code ec;
  if (std::filesystem::is_directory(spec, ec))
    cli.refuse("--source", "a source spec or a map FILE.npy, found a folder");
  try {
    return fabtwin::optics::parse_source_spec(spec);
  } catch (const fabtwin::error& e) {
    cli.refuse("--source", std::string("a source the optics accept (") + e.what() + ")");
  }
}

}  // namespace examples
