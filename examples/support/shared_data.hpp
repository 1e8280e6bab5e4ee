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

/// ICCAD-2013 clip 1, the examples' default clip.
inline std::string default_iccad_clip() {
  return shared_data_dir() + "/iccad2013/clips/M1_test1.glp";
}

}  // namespace examples
