#pragma once
// Built-in test patterns for the examples: clear vertical lines or square contacts repeated over a
// periodic field, given as "lines:PITCH:CD" or "contacts:PITCH:SIZE" (nm).

#include <cmath>
#include <optional>
#include <string>

#include "cli.hpp"
#include "fabtwin/core/check.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/shapes.hpp"

namespace examples {

struct Pattern {
  std::string kind;  // "lines" or "contacts"
  double period = 0, size = 0;

  /// The centre of the feature nearest the middle of a field of `field_nm`.
  double centre(double field_nm) const {
    return (std::floor(field_nm / period / 2) + 0.5) * period;
  }
};

/// The forms read_pattern accepts, for messages and help.
inline constexpr const char* pattern_forms =
    "lines:PITCH:CD or contacts:PITCH:SIZE, PITCH > CD > 0 nm";

/// The pattern `text` spells, if all of it does (see pattern_forms; "lines:90:45nm" does not).
inline std::optional<Pattern> read_pattern(const std::string& text) {
  const std::size_t first = text.find(':');
  const std::size_t second = first == std::string::npos ? first : text.find(':', first + 1);
  if (second == std::string::npos) return std::nullopt;
  Pattern p;
  p.kind = text.substr(0, first);
  const auto period = parse_number(text.substr(first + 1, second - first - 1));
  const auto size = parse_number(text.substr(second + 1));
  if (!(p.kind == "lines" || p.kind == "contacts") || !period || !size ||
      !(*size > 0 && *period > *size))
    return std::nullopt;
  p.period = *period;
  p.size = *size;
  return p;
}

inline Pattern parse_pattern(const std::string& text) {
  const std::optional<Pattern> p = read_pattern(text);
  if (!p)
    throw fabtwin::invalid_argument("examples::parse_pattern: pattern '" + text + "'; expected " +
                                    pattern_forms);
  return *p;
}

/// Whether a field of side `field_nm` holds a whole number of the pattern's periods, so that the
/// periodic image has no seam.
inline bool fits(const Pattern& p, double field_nm) {
  const double repeats = field_nm / p.period;
  return repeats >= 1 && std::fabs(repeats - std::round(repeats)) <= 1e-9 * repeats;
}

/// The pattern repeated over a field of side `field_nm`, which it must fit.
inline fabtwin::layout::PolygonSet draw_pattern(const Pattern& p, double field_nm) {
  using namespace fabtwin;
  if (!fits(p, field_nm))
    throw invalid_argument("examples::draw_pattern: field_nm = " + fabtwin::describe(field_nm) +
                           "; expected a whole number of pattern periods of " +
                           fabtwin::describe(p.period) + " nm");
  const double repeats = field_nm / p.period;
  layout::PolygonSet set;
  set.unit_nm = 0.5;  // half-nm database unit: odd CDs still centre exactly
  const auto u = [&](double nm) { return layout::coord_t(std::llround(nm / set.unit_nm)); };
  const index_t n = index_t(std::llround(repeats));
  for (index_t i = 0; i < n; ++i) {
    const double cx = (double(i) + 0.5) * p.period;
    if (p.kind == "lines") {
      set.polygons.push_back(
          layout::box_polygon({u(cx - p.size / 2), 0, u(cx + p.size / 2), u(field_nm)}));
    } else {
      for (index_t j = 0; j < n; ++j) {
        const double cy = (double(j) + 0.5) * p.period;
        set.polygons.push_back(layout::box_polygon(
            {u(cx - p.size / 2), u(cy - p.size / 2), u(cx + p.size / 2), u(cy + p.size / 2)}));
      }
    }
  }
  return set;
}

}  // namespace examples
