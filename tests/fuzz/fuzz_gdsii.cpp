// libFuzzer harness for the GDSII reader: parse, list, flatten and read a window. A fabtwin::error
// is the expected answer to bad input; any other exception, a crash or a sanitizer report is a
// finding. Built by scripts/fuzz.sh, not by CMake.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/layout/gdsii.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace g = fabtwin::layout::gdsii;
  try {
    const g::Library lib =
        g::parse_library(std::string_view(reinterpret_cast<const char*>(data), size));
    // Every layer (a degenerate shape the top cell reaches refuses it), then the layers that hold
    // no degenerate shape, so that inputs carrying one still reach flattening.
    const std::vector<g::LayerKey> all = lib.layers();
    std::vector<g::LayerKey> clean;
    for (const g::LayerKey& key : all)
      if (std::none_of(lib.degenerate_shapes().begin(), lib.degenerate_shapes().end(),
                       [&](const g::DegenerateShape& d) { return d.key == key; }))
        clean.push_back(key);
    for (const g::DegenerateShape& d : lib.degenerate_shapes()) {
      (void)lib.structures().at(d.structure);  // std::out_of_range would be a finding
      (void)d.problem();
    }
    g::FlattenLimits limits;
    limits.max_visits = 100000;  // keep each input fast; bombs must hit the limit, not the clock
    auto read = [&](const std::vector<g::LayerKey>& layers) {
      if (layers.empty()) return;
      for (const std::string& top : lib.top_cells()) {
        // One top cell's refusal (nothing on the layers, coordinates out of range, a degenerate
        // shape) leaves the others.
        try {
          lib.bounding_box(top, layers);
          const fabtwin::layout::PolygonSet flat = lib.flatten(layers, top, limits);
          const fabtwin::layout::Box box = bounds(flat);
          if (!box.empty() && box.x0 < box.x1 && box.y0 < box.y1) {
            const fabtwin::layout::Box half{box.x0, box.y0, box.x0 + (box.x1 - box.x0) / 2 + 1,
                                            box.y1};
            lib.read_window(half, layers, top, limits);
            // Whatever was read must be writable again, unless a polygon is too large for a record.
            bool writable = true;
            for (const auto& p : flat.polygons)
              writable = writable && p.points.size() <= g::max_boundary_vertices;
            if (writable && !flat.polygons.empty()) g::parse_library(g::serialize(flat));
          }
        } catch (const fabtwin::error&) {
        }
      }
    };
    read(all);
    if (clean.size() != all.size()) read(clean);
  } catch (const fabtwin::error&) {
  }
  return 0;
}
