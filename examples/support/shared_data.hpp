#pragma once
// Where the examples find the repository's shared test data when no path is given.

#include <cstdlib>
#include <string>

namespace examples {

/// $FABTWIN_DATA, else ../shared/data (relative to the project root, where ctest runs them).
inline std::string shared_data_dir() {
  const char* data = std::getenv("FABTWIN_DATA");
  return data ? std::string(data) : std::string("../shared/data");
}

/// gcd_45nm.gds, the examples' default layout (metal 1 is its layer 11/0).
inline std::string default_layout() { return shared_data_dir() + "/layouts/gcd_45nm.gds"; }

/// ICCAD-2013 clip 1, the examples' default clip.
inline std::string default_iccad_clip() {
  return shared_data_dir() + "/iccad2013/clips/M1_test1.glp";
}

}  // namespace examples
