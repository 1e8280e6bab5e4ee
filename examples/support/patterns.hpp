#pragma once
// Built-in test patterns for the examples: clear vertical lines or square contacts repeated over a
// periodic field, given as "lines:PITCH:CD" or "contacts:PITCH:SIZE" (nm).

#include <cmath>
#include <cstdio>
#include <string>

#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/shapes.hpp"

namespace examples {

struct Pattern {
  std::string kind;  // "lines" or "contacts"
  double period = 0, size = 0;

  /// The centre of the feature nearest the middle of a field of `field_nm`.
  double centre(double field_nm) const { return (std::floor(field_nm / period / 2) + 0.5) * period; }
};

inline Pattern parse_pattern(const std::string& text) {
  Pattern p;
  char kind[16] = {};
  const bool read = std::sscanf(text.c_str(), "%15[a-z]:%lf:%lf", kind, &p.period, &p.size) == 3;
  p.kind = kind;
  fabtwin::detail::require(read && (p.kind == "lines" || p.kind == "contacts") && p.size > 0 && p.period > p.size,
                           "examples::parse_pattern", "pattern", text,
                           "lines:PITCH:CD or contacts:PITCH:SIZE with PITCH > CD > 0 (nm)");
  return p;
}

/// The pattern repeated over a field of side `field_nm`, which must hold a whole number of periods
/// so that the periodic image has no seam.
inline fabtwin::layout::PolygonSet draw_pattern(const Pattern& p, double field_nm) {
  using namespace fabtwin;
  const double repeats = field_nm / p.period;
  detail::require(std::fabs(repeats - std::round(repeats)) <= 1e-9, "examples::draw_pattern", "field_nm", field_nm,
                  "a whole number of pattern periods of " + std::to_string(p.period) + " nm");
  layout::PolygonSet set;
  set.unit_nm = 0.5;  // half-nm database unit: odd CDs still centre exactly
  const auto u = [&](double nm) { return layout::coord_t(std::llround(nm / set.unit_nm)); };
  const index_t n = index_t(std::llround(repeats));
  for (index_t i = 0; i < n; ++i) {
    const double cx = (double(i) + 0.5) * p.period;
    if (p.kind == "lines") {
      set.polygons.push_back(layout::box_polygon({u(cx - p.size / 2), 0, u(cx + p.size / 2), u(field_nm)}));
    } else {
      for (index_t j = 0; j < n; ++j) {
        const double cy = (double(j) + 0.5) * p.period;
        set.polygons.push_back(
            layout::box_polygon({u(cx - p.size / 2), u(cy - p.size / 2), u(cx + p.size / 2), u(cy + p.size / 2)}));
      }
    }
  }
  return set;
}

}  // namespace examples
