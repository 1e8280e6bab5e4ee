#pragma once
// Sources written as one word, for command lines and configuration files:
//   disc:S                                     conventional, radius S
//   annular:SIN:SOUT
//   dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG   two poles, the first centred at ROTATION_DEG
//   quasar:SIN:SOUT:OPENING_DEG:ROTATION_DEG   four poles, the first at ROTATION_DEG, then every 90
//   FILE.npy                                   freeform: a square float64 map over sigma in [-1, 1]^2
//                                              (Source::freeform refuses negative or non-finite
//                                              values, an all-zero map and light outside |sigma| <= 1)
// Numbers are parsed whole (no trailing characters); the shapes' own checks then apply.

#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/optics/source.hpp"

namespace fabtwin::optics {

inline Source parse_source_spec(std::string_view spec) {
  const std::string text(spec);
  const auto fail = [&text](const std::string& expected) {
    return invalid_argument(
        argument_message("optics::parse_source_spec", "spec", "'" + text + "'", expected));
  };
  if (text.size() > 4 && text.compare(text.size() - 4, 4, ".npy") == 0) {
    const io::NpyArray<double> map = io::read_npy<double>(text);
    if (map.shape.size() != 2 || map.shape[0] != map.shape[1]) {
      std::string shape;
      for (const index_t extent : map.shape)
        shape += (shape.empty() ? "" : ", ") + std::to_string(extent);
      throw fail("a square 2D float64 map (found shape (" + shape + "))");
    }
    return Source::freeform(map.data, map.shape[0]);
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const std::size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string& kind = parts[0];
  std::vector<double> numbers;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    char* end = nullptr;
    const double value = std::strtod(parts[i].c_str(), &end);
    if (parts[i].empty() || *end != '\0')
      throw fail("a number in field " + std::to_string(i) + ", not '" + parts[i] + "'");
    numbers.push_back(value);
  }
  const auto arity = [&](std::size_t n, const char* form) {
    if (numbers.size() != n) throw fail(std::string(form) + " (" + std::to_string(n) + " numbers)");
  };
  if (kind == "disc") {
    arity(1, "disc:S");
    return Source::disc(numbers[0]);
  }
  if (kind == "annular") {
    arity(2, "annular:SIN:SOUT");
    return Source::annular(numbers[0], numbers[1]);
  }
  if (kind == "dipole") {
    arity(4, "dipole:SIN:SOUT:OPENING_DEG:ROTATION_DEG");
    return Source::dipole(numbers[0], numbers[1], numbers[2], numbers[3]);
  }
  if (kind == "quasar") {
    arity(4, "quasar:SIN:SOUT:OPENING_DEG:ROTATION_DEG");
    return Source::quasar(numbers[0], numbers[1], numbers[2], numbers[3]);
  }
  throw fail("disc:S, annular:SIN:SOUT, dipole:..., quasar:... or FILE.npy");
}

}  // namespace fabtwin::optics
