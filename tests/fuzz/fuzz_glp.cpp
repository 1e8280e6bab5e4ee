// libFuzzer harness for the .glp reader: parse every declared level and place the clip on the
// contest canvas. A fabtwin::error is the expected answer to bad input; any other exception, a
// crash or a sanitizer report is a finding. Built by scripts/fuzz.sh, not by CMake.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fabtwin/layout/glp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* level : {"M1", "M2"}) {
    try {
      const fabtwin::layout::PolygonSet set = fabtwin::layout::parse_glp(text, level);
      if (set.unit_nm == 1.0) fabtwin::layout::place_on_iccad2013_canvas(set);
    } catch (const fabtwin::error&) {
    }
  }
  return 0;
}
