#pragma once
// The command-line scaffolding the examples share: a strict number parser and a main() wrapper
// that turns a fabtwin::error into one line on stderr and exit status 1.

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include "fabtwin/core/error.hpp"

namespace examples {

/// The number `text` spells, if all of it does and it is finite ("1e3" yes, "12nm", "", "nan" no).
inline std::optional<double> parse_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value)) return std::nullopt;
  return value;
}

/// Runs `body` (returning the exit status); a fabtwin::error is reported as "program: message".
template <class Body>
int exit_status(const char* program, Body body) {
  try {
    return body();
  } catch (const fabtwin::error& e) {
    std::fprintf(stderr, "%s: %s\n", program, e.what());
    return 1;
  }
}

}  // namespace examples
