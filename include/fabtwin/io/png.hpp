#pragma once
// PNG figures: 8-bit grey and RGB images, and fields rendered through a colour map with the
// annotations that let a reader take numbers from the picture: a title, a colour scale whose ticks
// carry their values, and a length bar in nm, in margins around the field.
//
// Files follow the W3C PNG specification (2nd ed., = RFC 2083 format): signature, IHDR, IDAT (a
// zlib stream of stored deflate blocks, see detail/zlib.hpp; every scanline uses filter type 0),
// IEND, each chunk with its CRC-32. No compression: a 2048 x 2048 grey figure is 4 MiB.
//
// Orientation: PNG row 0 is the top of the picture while a layout's y axis points up, so a field
// is drawn with sample (i, j) at column i and row ny - 1 - j of its field area: x grows to the
// right, y upwards, as in a layout viewer. The field area sits at Image::field_area (the top-left
// corner without annotations), each sample a magnify x magnify block.
//
// Values: a sample v becomes t = (v - min) / (max - min), clamped to [0, 1], then a colour (see
// colormap.hpp). The range is given, or the field's own min..max (a constant field maps to t = 0).
// NaN samples are refused (invalid_argument naming the first one) rather than drawn: a NaN in a
// simulated field is a bug upstream, and a figure that hides it behind a colour is easy to miss.
// Infinite samples clamp to the ends of a given range; with the automatic range they are refused.
//
// Text uses the 5 x 9 bitmap font of detail/font.hpp, each font pixel a text_scale x text_scale
// block: large figures are shown shrunk to fit a screen, and their text must survive that.

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/io/colormap.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/io/detail/font.hpp"
#include "fabtwin/io/detail/zlib.hpp"

namespace fabtwin::io {

/// Bytes per pixel: 1 (grey, PNG colour type 0) or 3 (RGB, PNG colour type 2).
enum class PixelFormat { grey8 = 1, rgb8 = 3 };

/// Where a field's samples lie in an image: sample (i, j) of an nx x ny field fills the magnify x
/// magnify block whose top-left pixel is (left + i magnify, top + (ny - 1 - j) magnify).
struct FieldArea {
  index_t left = 0, top = 0, magnify = 1;
};

/// An 8-bit image in host memory: rows top to bottom, pixels left to right, channels R, G, B.
struct Image {
  index_t width = 0, height = 0;
  PixelFormat format = PixelFormat::grey8;
  std::vector<std::uint8_t> pixels;
  FieldArea field_area;  ///< set by render_field; draw_polyline maps grid points through it

  Image() = default;
  /// A `columns` x `rows` image filled with `background`.
  Image(index_t columns, index_t rows, PixelFormat pixel_format, Color background = {255, 255, 255})
      : width(columns), height(rows), format(pixel_format) {
    require(
        width > 0 && height > 0, "io::Image", "width x height",
        [&] { return std::to_string(width) + "x" + std::to_string(height); }, "a positive size");
    pixels.resize(std::size_t(width * height * channels()));
    for (index_t row = 0; row < height; ++row)
      for (index_t col = 0; col < width; ++col) set(col, row, background);
  }

  int channels() const { return static_cast<int>(format); }

  /// Sets one pixel; on a grey image the colour is stored as its Rec. 601 luma
  /// (0.299 R + 0.587 G + 0.114 B, rounded), so grey colours keep their level exactly.
  void set(index_t col, index_t row, Color color) {
    std::uint8_t* p = pixels.data() + (row * width + col) * channels();
    if (format == PixelFormat::grey8) {
      p[0] = std::uint8_t((299 * color.r + 587 * color.g + 114 * color.b + 500) / 1000);
    } else {
      p[0] = color.r, p[1] = color.g, p[2] = color.b;
    }
  }

  Color get(index_t col, index_t row) const {
    const std::uint8_t* p = pixels.data() + (row * width + col) * channels();
    return format == PixelFormat::grey8 ? Color{p[0], p[0], p[0]} : Color{p[0], p[1], p[2]};
  }
};

/// `image` in RGB, pixel for pixel: a grey figure (render_field with Colormap::grey) that is to
/// carry coloured contours (draw_polyline on a grey image stores their luma).
inline Image to_rgb(const Image& image) {
  if (image.format == PixelFormat::rgb8) return image;
  Image out = image;
  out.format = PixelFormat::rgb8;
  out.pixels.resize(image.pixels.size() * 3);
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
    out.pixels[3 * i] = out.pixels[3 * i + 1] = out.pixels[3 * i + 2] = image.pixels[i];
  return out;
}

/// The PNG file (all bytes) holding `image`.
inline std::string encode_png(const Image& image) {
  constexpr index_t png_max_dimension = 0x7FFFFFFF;  // IHDR stores width and height in 31 bits
  require(
      image.width > 0 && image.height > 0 && image.width <= png_max_dimension &&
          image.height <= png_max_dimension,
      "io::encode_png", "image.width x image.height",
      [&] { return std::to_string(image.width) + "x" + std::to_string(image.height); },
      "a non-empty image of at most 2^31 - 1 pixels a side");
  const auto row_bytes = std::size_t(image.width * image.channels());
  require(image.pixels.size() == row_bytes * std::size_t(image.height), "io::encode_png",
          "image.pixels.size()", image.pixels.size(), [&] {
            return "width * height * channels = " +
                   std::to_string(row_bytes * std::size_t(image.height)) + " bytes";
          });

  std::string png("\x89PNG\r\n\x1a\n", 8);
  // Chunk: length, type, data, CRC-32 over type and data.
  const auto chunk = [&png](const char* type, const std::string& data) {
    detail::append_be32(png, std::uint32_t(data.size()));
    const std::size_t start = png.size();
    png.append(type, 4);
    png += data;
    detail::append_be32(png, detail::crc32(0, png.data() + start, png.size() - start));
  };

  std::string header;
  detail::append_be32(header, std::uint32_t(image.width));
  detail::append_be32(header, std::uint32_t(image.height));
  header += char(8);                                           // bit depth
  header += char(image.format == PixelFormat::grey8 ? 0 : 2);  // colour type: grey or RGB
  header += std::string(3, '\0');  // compression 0 (deflate), filter method 0, no interlace
  chunk("IHDR", header);

  // Scanlines, each behind its filter-type byte (0: None).
  std::vector<unsigned char> scanlines;
  scanlines.reserve((row_bytes + 1) * std::size_t(image.height));
  for (index_t row = 0; row < image.height; ++row) {
    scanlines.push_back(0);
    const auto* begin = image.pixels.data() + std::size_t(row) * row_bytes;
    scanlines.insert(scanlines.end(), begin, begin + row_bytes);
  }
  const std::string stream = detail::zlib_stored(scanlines.data(), scanlines.size());
  // IDAT chunks of at most 1 MiB: decoders concatenate them, and smaller chunks bound the length
  // field far below its 2^31 - 1 limit whatever the image size.
  constexpr std::size_t idat_size = std::size_t(1) << 20;
  for (std::size_t offset = 0; offset < stream.size(); offset += idat_size)
    chunk("IDAT", stream.substr(offset, idat_size));
  chunk("IEND", "");
  return png;
}

inline void write_png(const std::string& path, const Image& image) {
  detail::write_file(path, encode_png(image), "io::write_png");
}

/// Writes width x height grey levels (host memory, row 0 at the top) as an 8-bit grey PNG.
inline void write_png_grey(const std::string& path, const std::uint8_t* levels, index_t width,
                           index_t height) {
  Image image(width, height, PixelFormat::grey8);
  std::copy(levels, levels + image.pixels.size(), image.pixels.begin());
  write_png(path, image);
}

/// Writes width x height RGB triples (host memory, row 0 at the top) as an 8-bit RGB PNG.
inline void write_png_rgb(const std::string& path, const std::uint8_t* rgb, index_t width,
                          index_t height) {
  Image image(width, height, PixelFormat::rgb8);
  std::copy(rgb, rgb + image.pixels.size(), image.pixels.begin());
  write_png(path, image);
}

/// Image columns `text` covers in the annotation font (detail/font.hpp), each font pixel a scale x
/// scale block: 6 scale per character less the blank column after the last one.
inline index_t text_width(std::string_view text, index_t scale = 1) {
  return detail::text_columns(text, scale);
}

/// Draws `text` in the annotation font with the top-left corner of its first glyph at (left, top):
/// capitals and digits fill font rows 0-6, descenders rows 7-8, each font pixel a scale x scale
/// block. Pixels beyond the image are left out; characters outside printable ASCII are drawn '?'.
inline void draw_text(Image& image, index_t left, index_t top, std::string_view text, Color color,
                      index_t scale = 1) {
  require(scale >= 1, "io::draw_text", "scale", scale, "a positive integer");
  detail::rasterize_text(text, left, top, scale, [&](index_t col, index_t row) {
    if (col >= 0 && col < image.width && row >= 0 && row < image.height) image.set(col, row, color);
  });
}

/// A value as a colour-scale label of at most 3 significant digits: its shortest decimal form
/// (std::to_chars) rounded half away from zero, trailing zeros dropped, then written
///   0.01 <= |v| < 1000   plain:             "0.225", "12.3", "0.0123", "100"
///   1e3 <= |v| < 1e12    k, M or G suffix:  "12.3k", "1.5M", "250G"
///   otherwise            d.dde<exponent>:   "-1.5e-3", "2.25e-5", "1e12"
/// and 0 as "0". Rounding the decimal form rather than the binary value keeps 0.2375 at "0.238".
inline std::string tick_label(double value) {
  require(std::isfinite(value), "io::tick_label", "value", value, "a finite value");
  if (value == 0) return "0";
  char buffer[32];  // "d.ddddde-ddd": at most 17 significant digits and a 3-digit exponent
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value),
                                     std::chars_format::scientific);
  const std::string form(buffer, written.ptr);  // "2.375e-01"
  const std::size_t mark = form.find('e');
  std::string digits = form.substr(0, 1) + (mark > 1 ? form.substr(2, mark - 2) : "");
  int exponent = std::stoi(form.substr(mark + 1));  // value = d.ddd x 10^exponent
  if (digits.size() > 3) {
    const bool up = digits[3] >= '5';
    digits.resize(3);
    if (up) {  // carry through the nines; 9.995 becomes 10.0, a decade up
      std::size_t k = 3;
      while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
      if (k == 0) {
        digits = "100";
        ++exponent;
      } else {
        ++digits[k - 1];
      }
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();

  // d.ddd x 10^e written without an exponent, for -2 <= e <= 2.
  const auto plain = [&digits](int e) {
    if (e < 0) return "0." + std::string(std::size_t(-e - 1), '0') + digits;
    const std::size_t whole = std::size_t(e) + 1;  // digits before the point
    if (digits.size() <= whole) return digits + std::string(whole - digits.size(), '0');
    return digits.substr(0, whole) + "." + digits.substr(whole);
  };
  std::string label = value < 0 ? "-" : "";
  if (exponent >= -2 && exponent <= 2) {
    label += plain(exponent);
  } else if (exponent >= 3 && exponent < 12) {
    label += plain(exponent % 3);
    label += "kMG"[exponent / 3 - 1];
  } else {
    label += digits.substr(0, 1);
    if (digits.size() > 1) label += "." + digits.substr(1);
    label += "e" + std::to_string(exponent);
  }
  return label;
}

/// The value interval mapped onto the colour map.
struct ValueRange {
  double min = 0, max = 1;
};

/// Geometry of the colour scale drawn right of the field, in font pixels (text_scale x text_scale
/// image pixels each): `gap` background columns, a bar `width` wide running from max (the field
/// area's top row) to min (its bottom row), `ticks` tick marks `tick_length` long at t = 0, 1/4,
/// ..., 1 (row round((1 - t) (rows - 1)) of the field area), and `label_gap` further the tick
/// values (tick_labels), their capitals centred on the tick rows: all five when they stand a line
/// apart, else those of t = 0, 1/2, 1, else those of the ends. The gap is a character wide, so that
/// a tick does not read as the minus sign of its value.
struct ScaleBarLayout {
  static constexpr index_t gap = 4, width = 12, tick_length = 4, label_gap = 4, ticks = 5;
};

/// The values at the colour scale's ticks, min first: min + (max - min) k / 4, written by
/// tick_label. The ends are the range's own bounds exactly.
inline std::array<std::string, ScaleBarLayout::ticks> tick_labels(ValueRange range) {
  std::array<std::string, ScaleBarLayout::ticks> labels;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double f = double(k) / double(labels.size() - 1);
    labels[k] = tick_label(range.min * (1 - f) + range.max * f);  // no overflow near DBL_MAX
  }
  return labels;
}

/// A length bar: `length_nm` and its label ("200 nm", "1 um").
struct LengthBar {
  double length_nm = 0;
  std::string label;
};

/// The length bar of a field `width_nm` wide: the longest of 1, 2, 5 x 10^k nm not above a quarter
/// of the width (so between a tenth and a quarter of it), labelled in nm below 1 um, in um below
/// 1 mm, else in mm.
inline LengthBar choose_length_bar(double width_nm) {
  require(std::isfinite(width_nm) && width_nm > 0, "io::choose_length_bar", "width_nm", width_nm,
          "a positive finite width in nm");
  const double quarter = width_nm / 4;
  int decade = int(std::floor(std::log10(quarter)));  // 10^decade <= quarter < 10^(decade + 1)
  if (std::pow(10.0, decade) > quarter) --decade;     // log10 rounded across a power of ten
  if (std::pow(10.0, decade + 1) <= quarter) ++decade;
  int digit = 1;
  for (const int d : {5, 2})
    if (d * std::pow(10.0, decade) <= quarter) {
      digit = d;
      break;
    }
  // digit x 10^decade nm in the unit 10^(3 u) nm, written from the integers so that no binary
  // fraction shows: 5 x 10^-1 -> "0.5".
  const int u = decade >= 6 ? 2 : (decade >= 3 ? 1 : 0);
  const int e = decade - 3 * u;
  const std::string number =
      e >= 0 ? std::to_string(digit) + std::string(std::size_t(e), '0')
             : "0." + std::string(std::size_t(-e - 1), '0') + std::to_string(digit);
  static constexpr const char* units[] = {" nm", " um", " mm"};
  return {digit * std::pow(10.0, decade), number + units[u]};
}

struct RenderOptions {
  /// Mapped to the ends of the colour map; unset: the field's. Initialised, as every member, so
  /// that designated initialisers may leave it out under -Wmissing-field-initializers.
  std::optional<ValueRange> range = std::nullopt;
  Colormap colormap = Colormap::grey;
  bool scale_bar = false;   ///< the colour scale right of the field, its ticks labelled with values
  bool length_bar = false;  ///< a bar of choose_length_bar(nx pitch.x) under the field, labelled
  std::string title;        ///< one line above the field; empty: none
  std::string value_label;  ///< what the colours mean ("dL/dmask (nm^2)"); needs scale_bar
  index_t magnify = 1;      ///< each sample a magnify x magnify block (1..64; magnification_for)
  index_t text_scale = 0;   ///< image pixels per font pixel (1..16); 0: one per 640 pixels of the
                            ///< field area's longer side, rounded, at least 1
  index_t plane = 0;        ///< the xy plane drawn: batch member b, z index k -> b * nz + k
  Color background = {255, 255, 255};  ///< the margins
  Color ink = {0, 0, 0};               ///< text, ticks and the length bar
  /// A field of category codes 0, 1, ..., n - 1 (n >= 2; materials): the colours run over 0 .. n - 1
  /// and the scale is n blocks of them, n - 1 at the top, each with a tick and its name at its
  /// middle instead of values. Needs scale_bar; options.range, if given, must be [0, n - 1].
  std::vector<std::string> categories = {};
};

/// The smallest magnification (at most 64) that draws the longer side of `grid`'s xy plane with
/// at least `pixels` pixels: fields of a few dozen samples are otherwise too small to read.
inline index_t magnification_for(const Grid& grid, index_t pixels) {
  const index_t side = std::max(grid.nx(), grid.ny());
  return std::clamp<index_t>((pixels + side - 1) / side, 1, 64);
}

namespace detail {

// Margin around an annotated figure, in font pixels.
inline constexpr index_t figure_padding = 4;

}  // namespace detail

/// A plane of a real field (any space; that plane is copied to the host) drawn as an image: grey8
/// for Colormap::grey, rgb8 otherwise. Without annotations (scale_bar, length_bar, title) the
/// image is the field area alone, nx magnify x ny magnify pixels at (0, 0); with any of them the
/// field sits in margins holding, in font pixels of text_scale image pixels each:
///   above   the title, then the value_label over the colour scale, each a 10-pixel line, then
///           6 rows for the top tick's value (with the colour scale)
///   right   the colour scale and its tick values (ScaleBarLayout)
///   below   from 6 rows under the field, the length bar from the field's left edge on rows 2-4
///           and its label 4 to the right of it; the bar is length_nm / pitch.x * magnify image
///           pixels long, its last column inked in proportion to the part of it the bar covers
/// and a padding of 4 all round. Image::field_area says where the field went.
template <class T, class Space>
Image render_field(const Field<T, Space>& field, const RenderOptions& options = {}) {
  static_assert(Real<T>,
                "fabtwin::io::render_field draws real fields (take abs or real part first)");
  const Grid& grid = field.grid();
  const index_t planes = field.batch() * grid.nz();
  require(options.plane >= 0 && options.plane < planes, "io::render_field", "options.plane",
          options.plane,
          [&] { return "a plane index in [0, batch * nz) = [0, " + std::to_string(planes) + ")"; });
  require(options.magnify >= 1 && options.magnify <= 64, "io::render_field", "options.magnify",
          options.magnify, "an integer in [1, 64]");
  require(options.text_scale >= 0 && options.text_scale <= 16, "io::render_field",
          "options.text_scale", options.text_scale, "0 (automatic) or an integer in [1, 16]");
  require(
      options.value_label.empty() || options.scale_bar, "io::render_field", "options.value_label",
      [&] { return "'" + options.value_label + "'"; },
      "an empty label unless options.scale_bar draws the scale it names");
  const auto kinds = index_t(options.categories.size());
  require(
      kinds == 0 || (kinds >= 2 && options.scale_bar), "io::render_field", "options.categories",
      [&] { return std::to_string(kinds) + " names"; },
      "none, or at least 2 with options.scale_bar to show them");
  require(
      kinds == 0 || !options.range ||
          (options.range->min == 0 && options.range->max == double(kinds - 1)),
      "io::render_field", "options.range",
      [&] {
        return "[" + ::fabtwin::describe(options.range->min) + ", " +
               ::fabtwin::describe(options.range->max) + "]";
      },
      [&] { return "none or [0, " + std::to_string(kinds - 1) + "] for the categories' codes"; });
  const index_t nx = grid.nx(), ny = grid.ny();
  std::vector<T> plane(std::size_t(nx * ny));  // only the drawn plane comes to the host
  ::fabtwin::detail::copy_bytes<Host, Space>(plane.data(), field.data() + options.plane * nx * ny,
                                             plane.size() * sizeof(T));

  double lo = INFINITY, hi = -INFINITY;
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i) {
      const double v = plane[j * nx + i];
      if (std::isnan(v))
        throw invalid_argument(argument_message("io::render_field", "field",
                                                "NaN at sample (i, j) = (" + std::to_string(i) +
                                                    ", " + std::to_string(j) + ") of plane " +
                                                    std::to_string(options.plane),
                                                "a field without NaN"));
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  if (kinds > 0) {
    lo = 0;
    hi = double(kinds - 1);
  } else if (options.range) {
    lo = options.range->min;
    hi = options.range->max;
    require(
        std::isfinite(lo) && std::isfinite(hi) && hi > lo, "io::render_field", "options.range",
        [&] { return "[" + ::fabtwin::describe(lo) + ", " + ::fabtwin::describe(hi) + "]"; },
        "finite bounds with max > min");
  } else {
    require(
        std::isfinite(lo) && std::isfinite(hi), "io::render_field", "field",
        [&] {
          return "values in [" + ::fabtwin::describe(lo) + ", " + ::fabtwin::describe(hi) + "]";
        },
        "finite values, or an explicit options.range");
  }
  const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;

  // Layout, in image pixels; s is one font pixel.
  const index_t m = options.magnify, columns = nx * m, rows = ny * m;
  const index_t s = options.text_scale > 0
                        ? options.text_scale
                        : std::max<index_t>(1, (std::max(columns, rows) + 320) / 640);
  const index_t line = detail::line_height * s, pad = detail::figure_padding * s;
  const bool annotated = options.scale_bar || options.length_bar || !options.title.empty();
  FieldArea area{annotated ? pad : 0, annotated ? pad : 0, m};
  const index_t title_top = area.top;
  if (!options.title.empty()) area.top += line;
  const index_t value_label_top = area.top;
  if (!options.value_label.empty()) area.top += line;
  // The top tick's label reaches 3 font pixels above the field's top row; 3 more keep it clear of
  // the value label's descenders.
  if (options.scale_bar) area.top += 6 * s;
  index_t right = area.left + columns, bottom = area.top + rows;

  using Bar = ScaleBarLayout;
  const index_t bar_left = right + Bar::gap * s, tick_left = bar_left + Bar::width * s;
  const index_t label_left = tick_left + (Bar::tick_length + Bar::label_gap) * s;
  std::array<std::string, Bar::ticks> labels;
  if (options.scale_bar) {
    if (kinds == 0) labels = tick_labels({lo, hi});
    for (const auto& label : labels) right = std::max(right, label_left + text_width(label, s));
    for (const auto& name : options.categories)
      right = std::max(right, label_left + text_width(name, s));
    right = std::max(right, bar_left + text_width(options.value_label, s));
    bottom += 4 * s;  // the bottom tick's label reaches 4 font pixels below the field
  }
  std::optional<LengthBar> length;
  const index_t length_top = area.top + rows + 6 * s;  // its label's top; the bar on rows 2-4
  double length_pixels = 0;
  if (options.length_bar) {
    length = choose_length_bar(double(nx) * grid.pitch().x);
    length_pixels = length->length_nm / grid.pitch().x * double(m);
    right = std::max(right, area.left + index_t(std::ceil(length_pixels)) + 4 * s +
                                text_width(length->label, s));
    bottom = length_top + detail::cap_height * s;
  }
  right = std::max(right, area.left + text_width(options.title, s));

  const PixelFormat format =
      options.colormap == Colormap::grey ? PixelFormat::grey8 : PixelFormat::rgb8;
  Image image(annotated ? right + pad : columns, annotated ? bottom + pad : rows, format,
              options.background);
  image.field_area = area;
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i) {
      const Color c = map_color(options.colormap, (double(plane[j * nx + i]) - lo) * scale);
      const index_t top = area.top + (ny - 1 - j) * m, left = area.left + i * m;
      for (index_t row = top; row < top + m; ++row)
        for (index_t col = left; col < left + m; ++col) image.set(col, row, c);
    }

  if (options.scale_bar && kinds > 0) {
    // Block k (0 at the bottom) spans rows [rows - (k + 1) rows / n, rows - k rows / n); its tick
    // and name at its middle row, every other name where the blocks are under a line tall.
    const index_t every = double(rows) / double(kinds) >= double(line) ? 1 : 2;
    for (index_t k = 0; k < kinds; ++k) {
      const index_t first = rows - (k + 1) * rows / kinds, end = rows - k * rows / kinds;
      const Color c = map_color(options.colormap, double(k) / double(kinds - 1));
      for (index_t r = first; r < end; ++r)
        for (index_t col = bar_left; col < tick_left; ++col) image.set(col, area.top + r, c);
      const index_t row = area.top + (first + end - 1) / 2;
      for (index_t dy = 0; dy < s; ++dy)
        for (index_t col = tick_left; col < tick_left + Bar::tick_length * s; ++col)
          if (row + dy < area.top + rows) image.set(col, row + dy, options.ink);
      if ((kinds - 1 - k) % every == 0)
        draw_text(image, label_left, row - 3 * s, options.categories[std::size_t(k)], options.ink,
                  s);
    }
    draw_text(image, bar_left, value_label_top, options.value_label, options.ink, s);
  } else if (options.scale_bar) {
    for (index_t r = 0; r < rows; ++r) {
      const double t = rows > 1 ? double(rows - 1 - r) / double(rows - 1) : 1.0;
      for (index_t col = bar_left; col < tick_left; ++col)
        image.set(col, area.top + r, map_color(options.colormap, t));
    }
    // Label every tick, every other one, or the ends: whichever keeps the labels a line apart.
    const double spacing = double(rows - 1) / double(Bar::ticks - 1);
    const index_t every = spacing >= double(line) ? 1 : (2 * spacing >= double(line) ? 2 : 4);
    for (index_t k = 0; k < Bar::ticks; ++k) {
      const index_t row = area.top + std::lround(double(k) * spacing);  // k = 0: max, at the top
      for (index_t dy = 0; dy < s; ++dy)
        for (index_t col = tick_left; col < tick_left + Bar::tick_length * s; ++col)
          if (row + dy < area.top + rows) image.set(col, row + dy, options.ink);
      if (k % every == 0)
        draw_text(image, label_left, row - 3 * s, labels[std::size_t(Bar::ticks - 1 - k)],
                  options.ink, s);
    }
    draw_text(image, bar_left, value_label_top, options.value_label, options.ink, s);
  }
  if (length) {
    const auto whole = index_t(length_pixels);
    const double part = length_pixels - double(whole);
    const auto blend = [&](std::uint8_t ink, std::uint8_t back) {
      return std::uint8_t(std::lround(double(back) + (double(ink) - double(back)) * part));
    };
    const Color edge{blend(options.ink.r, options.background.r),
                     blend(options.ink.g, options.background.g),
                     blend(options.ink.b, options.background.b)};
    for (index_t row = length_top + 2 * s; row < length_top + 5 * s; ++row) {
      for (index_t col = area.left; col < area.left + whole; ++col)
        image.set(col, row, options.ink);
      if (part > 0) image.set(area.left + whole, row, edge);
    }
    draw_text(image, area.left + index_t(std::ceil(length_pixels)) + 4 * s, length_top,
              length->label, options.ink, s);
  }
  draw_text(image, area.left, title_top, options.title, options.ink, s);
  return image;
}

/// Draws the polyline through `points` (any range of objects with members x and y in nm, e.g.
/// layout contour points) onto the field area of `image` (Image::field_area: where render_field put
/// the grid's samples; the top-left grid.nx() x grid.ny() pixels of an image made directly),
/// closing it back to the first point when `closed`. A point (x, y) falls at sample coordinates
/// u = (x - origin.x) / pitch.x, v = ny - 1 - (y - origin.y) / pitch.y (Grid::position: sample
/// (i, j) sits at origin + (i, j) pitch), that is at pixel column left + (u + 1/2) magnify - 1/2
/// and row top + (v + 1/2) magnify - 1/2, so that a sample's centre is its block's centre. Segments
/// are clipped to the field area and stepped at most one pixel at a time along their longer axis,
/// each step drawing the pixel it falls in (rounding half away from zero).
template <class Points>
void draw_polyline(Image& image, const Grid& grid, const Points& points, Color color,
                   bool closed = true) {
  const FieldArea& area = image.field_area;
  const index_t columns = grid.nx() * area.magnify, rows = grid.ny() * area.magnify;
  require<shape_mismatch>(
      area.left >= 0 && area.top >= 0 && area.magnify >= 1 && area.left + columns <= image.width &&
          area.top + rows <= image.height,
      "io::draw_polyline", "image",
      [&] {
        return std::to_string(image.width) + "x" + std::to_string(image.height) +
               " with its field area at (" + std::to_string(area.left) + ", " +
               std::to_string(area.top) + "), magnify " + std::to_string(area.magnify);
      },
      [&] {
        return "an image holding the grid's " + std::to_string(grid.nx()) + "x" +
               std::to_string(grid.ny()) + " samples in its field area";
      });
  struct Pixel {
    double u, v;
  };
  const double m = double(area.magnify);
  std::vector<Pixel> path;
  for (const auto& point : points) {
    const double x = double(point.x), y = double(point.y);
    const double u = (x - grid.origin().x) / grid.pitch().x;
    const double v = double(grid.ny() - 1) - (y - grid.origin().y) / grid.pitch().y;
    // In pixels of the field area, whose pixel (0, 0) is image pixel (left, top).
    const Pixel p{(u + 0.5) * m - 0.5, (v + 0.5) * m - 0.5};
    if (!std::isfinite(p.u) || !std::isfinite(p.v)) {  // the message is built only when needed
      std::string where = "(";
      where.append(::fabtwin::describe(x)).append(", ");
      where.append(::fabtwin::describe(y)).append(")");
      throw invalid_argument(
          argument_message("io::draw_polyline", "point", where, "finite coordinates in nm"));
    }
    path.push_back(p);
  }
  if (path.empty()) return;
  if (closed && path.size() > 2) path.push_back(path.front());
  if (path.size() == 1) path.push_back(path.front());

  const double u_max = double(columns) - 0.5, v_max = double(rows) - 0.5;
  const auto plot = [&](double u, double v) {
    const index_t col = std::lround(u), row = std::lround(v);
    // A clipped end on the field's edge may round to the pixel beyond it: leave that one out.
    if (col >= 0 && col < columns && row >= 0 && row < rows)
      image.set(area.left + col, area.top + row, color);
  };
  for (std::size_t s = 0; s + 1 < path.size(); ++s) {
    Pixel a = path[s], b = path[s + 1];
    // Liang-Barsky clipping of a + t (b - a), t in [0, 1], to [-0.5, u_max] x [-0.5, v_max].
    const double du = b.u - a.u, dv = b.v - a.v;
    const double p[4] = {-du, du, -dv, dv};
    const double q[4] = {a.u + 0.5, u_max - a.u, a.v + 0.5, v_max - a.v};
    double t0 = 0, t1 = 1;
    bool visible = true;
    for (int k = 0; k < 4 && visible; ++k) {
      if (p[k] == 0) {
        visible = q[k] >= 0;
      } else if (p[k] < 0) {
        t0 = std::max(t0, q[k] / p[k]);
      } else {
        t1 = std::min(t1, q[k] / p[k]);
      }
    }
    if (!visible || t0 > t1) continue;
    b = {a.u + t1 * du, a.v + t1 * dv};
    a = {a.u + t0 * du, a.v + t0 * dv};
    const auto steps = index_t(std::ceil(std::max(std::fabs(b.u - a.u), std::fabs(b.v - a.v))));
    for (index_t k = 0; k <= steps; ++k) {
      const double f = steps > 0 ? double(k) / double(steps) : 0.0;
      plot(a.u + f * (b.u - a.u), a.v + f * (b.v - a.v));
    }
  }
}

/// Draws every polyline of `polylines` (a range of point ranges) with draw_polyline.
template <class Polylines>
void draw_polylines(Image& image, const Grid& grid, const Polylines& polylines, Color color,
                    bool closed = true) {
  for (const auto& points : polylines) draw_polyline(image, grid, points, color, closed);
}

/// Renders `field` (render_field) and writes it as a PNG.
template <class T, class Space>
void write_png(const std::string& path, const Field<T, Space>& field,
               const RenderOptions& options = {}) {
  write_png(path, render_field(field, options));
}

}  // namespace fabtwin::io
