#pragma once
// Colour maps for figures: value in [0, 1] -> 8-bit sRGB colour.
//
// `viridis` is the perceptually uniform map of van der Walt and Smith (matplotlib 1.5, SciPy 2015):
// lightness rises monotonically, it reads in greyscale and for the common colour-vision
// deficiencies. The table below holds nine anchors, the colours at t = 0, 1/8, ..., 1 as published
// by viridisLite::viridis(9) (R package viridisLite, sampled from matplotlib's 256-entry table);
// between anchors the map interpolates linearly in sRGB, which stays within a few levels of the
// full table because the anchors are close.
//
// `diverging` is for signed fields centred on zero (gradients, differences): Moreland's cool-warm
// end colours, blue (59, 76, 192) and red (180, 4, 38), through the neutral grey (221, 221, 221)
// at t = 1/2 (K. Moreland, "Diverging Color Maps for Scientific Visualization", ISVC 2009, LNCS
// 5876, 92-103). Moreland interpolates in his Msh space; this map interpolates linearly in sRGB
// between the three colours, which keeps the ends and the neutral middle but not his exactly
// linear lightness. Draw a signed field with a range symmetric about zero so that 0 is grey.

#include <array>
#include <cmath>
#include <cstdint>

namespace fabtwin::io {

struct Color {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Color&, const Color&) = default;
};

enum class Colormap {
  grey,     ///< black (t = 0) to white (t = 1); fields drawn with it are written as 8-bit grey PNGs
  viridis,  ///< dark purple (t = 0) through teal to yellow (t = 1)
  diverging,  ///< blue (t = 0) through grey (t = 1/2) to red (t = 1)
};

namespace detail {

inline constexpr std::array<Color, 9> viridis_anchors = {{
    {0x44, 0x01, 0x54},  // t = 0
    {0x47, 0x2D, 0x7B},
    {0x3B, 0x52, 0x8B},
    {0x2C, 0x72, 0x8E},
    {0x21, 0x90, 0x8C},  // t = 1/2
    {0x27, 0xAD, 0x81},
    {0x5D, 0xC8, 0x63},
    {0xAA, 0xDC, 0x32},
    {0xFD, 0xE7, 0x25},  // t = 1
}};

inline constexpr std::array<Color, 3> diverging_anchors = {{
    {59, 76, 192},    // t = 0
    {221, 221, 221},  // t = 1/2
    {180, 4, 38},     // t = 1
}};

inline std::uint8_t lerp_channel(std::uint8_t a, std::uint8_t b, double f) {
  return std::uint8_t(std::lround(a + (double(b) - double(a)) * f));
}

}  // namespace detail

/// The colour of `t` in `map`; t is clamped to [0, 1] (NaN is the caller's to handle).
inline Color map_color(Colormap map, double t) {
  t = t < 0 ? 0 : (t > 1 ? 1 : t);
  if (map == Colormap::grey) {
    const auto level = std::uint8_t(std::lround(255 * t));
    return {level, level, level};
  }
  const auto along = [t](const auto& anchors) {
    const double position = t * double(anchors.size() - 1);
    const auto segment =
        std::size_t(position) < anchors.size() - 1 ? std::size_t(position) : anchors.size() - 2;
    const double f = position - double(segment);
    const Color& a = anchors[segment];
    const Color& b = anchors[segment + 1];
    return Color{detail::lerp_channel(a.r, b.r, f), detail::lerp_channel(a.g, b.g, f),
                 detail::lerp_channel(a.b, b.b, f)};
  };
  return map == Colormap::diverging ? along(detail::diverging_anchors)
                                    : along(detail::viridis_anchors);
}

}  // namespace fabtwin::io
