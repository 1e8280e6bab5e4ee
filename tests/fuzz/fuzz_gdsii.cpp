// libFuzzer harness for the GDSII reader: parse, list, flatten and read a window. A fabtwin::error
// is the expected answer to bad input; any other exception, a crash or a sanitizer report is a
// finding. Built by scripts/fuzz.sh, not by CMake.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fabtwin/layout/gdsii.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace g = fabtwin::layout::gdsii;
  try {
    const g::Library lib = g::parse_library(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::vector<g::LayerKey> layers = lib.layers();
    g::FlattenLimits limits;
    limits.max_visits = 100000;  // keep each input fast; bombs must hit the limit, not the clock
    for (const std::string& top : lib.top_cells()) {
      if (layers.empty()) break;
      // One top cell's refusal (nothing on the layers, coordinates out of range) leaves the others.
      try {
        lib.bounding_box(top, layers);
        const fabtwin::layout::PolygonSet flat = lib.flatten(layers, top, limits);
        const fabtwin::layout::Box box = bounds(flat);
        if (!box.empty() && box.x0 < box.x1 && box.y0 < box.y1) {
          const fabtwin::layout::Box half{box.x0, box.y0, box.x0 + (box.x1 - box.x0) / 2 + 1, box.y1};
          lib.read_window(half, layers, top, limits);
          // Whatever was read must be writable again, unless a polygon is too large for one record.
          bool writable = true;
          for (const auto& p : flat.polygons) writable = writable && p.points.size() <= g::max_boundary_vertices;
          if (writable && !flat.polygons.empty()) g::parse_library(g::serialize(flat));
        }
      } catch (const fabtwin::error&) {
      }
    }
  } catch (const fabtwin::error&) {
  }
  return 0;
}
