#pragma once
// PNG figures: 8-bit grey and RGB images, and fields rendered through a colour map with an optional
// colour scale bar and contour overlays.
//
// Files follow the W3C PNG specification (2nd ed., = RFC 2083 format): signature, IHDR, IDAT (a
// zlib stream of stored deflate blocks, see detail/zlib.hpp; every scanline uses filter type 0),
// IEND, each chunk with its CRC-32. No compression: a 2048 x 2048 grey figure is 4 MiB.
//
// Orientation: PNG row 0 is the top of the picture while a layout's y axis points up, so a field
// is drawn with sample (i, j) at column i and row ny - 1 - j: x grows to the right, y upwards, as
// in a layout viewer.
//
// Values: a sample v becomes t = (v - min) / (max - min), clamped to [0, 1], then a colour (see
// colormap.hpp). The range is given, or the field's own min..max (a constant field maps to t = 0).
// NaN samples are refused (invalid_argument naming the first one) rather than drawn: a NaN in a
// simulated field is a bug upstream, and a figure that hides it behind a colour is easy to miss.
// Infinite samples clamp to the ends of a given range; with the automatic range they are refused.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/core/grid.hpp"
#include "fabtwin/io/colormap.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/io/detail/zlib.hpp"

namespace fabtwin::io {

/// Bytes per pixel: 1 (grey, PNG colour type 0) or 3 (RGB, PNG colour type 2).
enum class PixelFormat { grey8 = 1, rgb8 = 3 };

/// An 8-bit image in host memory: rows top to bottom, pixels left to right, channels R, G, B.
struct Image {
  index_t width = 0, height = 0;
  PixelFormat format = PixelFormat::grey8;
  std::vector<std::uint8_t> pixels;

  Image() = default;
  /// A `columns` x `rows` image filled with `background`.
  Image(index_t columns, index_t rows, PixelFormat pixel_format, Color background = {255, 255, 255})
      : width(columns), height(rows), format(pixel_format) {
    ::fabtwin::detail::require(width > 0 && height > 0, "io::Image", "width x height",
                               std::to_string(width) + "x" + std::to_string(height),
                               "a positive size");
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

/// The PNG file (all bytes) holding `image`.
inline std::string encode_png(const Image& image) {
  constexpr index_t png_max_dimension = 0x7FFFFFFF;  // IHDR stores width and height in 31 bits
  ::fabtwin::detail::require(image.width > 0 && image.height > 0 &&
                                 image.width <= png_max_dimension &&
                                 image.height <= png_max_dimension,
                             "io::encode_png", "image.width x image.height",
                             std::to_string(image.width) + "x" + std::to_string(image.height),
                             "a non-empty image of at most 2^31 - 1 pixels a side");
  const auto row_bytes = std::size_t(image.width * image.channels());
  ::fabtwin::detail::require(image.pixels.size() == row_bytes * std::size_t(image.height),
                             "io::encode_png", "image.pixels.size()", image.pixels.size(),
                             "width * height * channels = " +
                                 std::to_string(row_bytes * std::size_t(image.height)) + " bytes");

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

/// The value interval mapped onto the colour map.
struct ValueRange {
  double min = 0, max = 1;
};

/// Geometry of the scale bar drawn right of the field: `gap` background columns, a bar `width`
/// columns wide running from max (top row) to min (bottom row), then `ticks` tick marks of
/// `tick_length` columns at t = 0, 1/4, ..., 1 (row round((1 - t) (ny - 1))).
struct ScaleBarLayout {
  static constexpr index_t gap = 4, width = 12, tick_length = 4, ticks = 5;
  static constexpr index_t columns = gap + width + tick_length;
};

struct RenderOptions {
  std::optional<ValueRange> range;  ///< mapped to the ends of the colour map; unset: the field's
  Colormap colormap = Colormap::grey;
  bool scale_bar = false;  ///< add ScaleBarLayout::columns columns at the right
  index_t plane = 0;       ///< the xy plane drawn: batch member b, z index k -> b * nz + k
  Color background = {255, 255, 255};  ///< around the scale bar
  Color ticks = {0, 0, 0};
};

/// A plane of a real field (any space; that plane is copied to the host) drawn as an image of nx x
/// ny pixels (plus the scale bar): grey8 for Colormap::grey, rgb8 otherwise.
template <class T, class Space>
Image render_field(const Field<T, Space>& field, const RenderOptions& options = {}) {
  static_assert(Real<T>,
                "fabtwin::io::render_field draws real fields (take abs or real part first)");
  const Grid& grid = field.grid();
  const index_t planes = field.batch() * grid.nz();
  ::fabtwin::detail::require(
      options.plane >= 0 && options.plane < planes, "io::render_field", "options.plane",
      options.plane, "a plane index in [0, batch * nz) = [0, " + std::to_string(planes) + ")");
  const index_t nx = grid.nx(), ny = grid.ny();
  std::vector<T> plane(std::size_t(nx * ny));  // only the drawn plane comes to the host
  ::fabtwin::detail::copy_bytes<Host, Space>(plane.data(), field.data() + options.plane * nx * ny,
                                             plane.size() * sizeof(T));

  double lo = INFINITY, hi = -INFINITY;
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i) {
      const double v = plane[j * nx + i];
      if (std::isnan(v))
        throw invalid_argument(::fabtwin::detail::argument_message(
            "io::render_field", "field",
            "NaN at sample (i, j) = (" + std::to_string(i) + ", " + std::to_string(j) +
                ") of plane " + std::to_string(options.plane),
            "a field without NaN"));
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  if (options.range) {
    lo = options.range->min;
    hi = options.range->max;
    ::fabtwin::detail::require(
        std::isfinite(lo) && std::isfinite(hi) && hi > lo, "io::render_field", "options.range",
        "[" + ::fabtwin::detail::describe(lo) + ", " + ::fabtwin::detail::describe(hi) + "]",
        "finite bounds with max > min");
  } else {
    ::fabtwin::detail::require(std::isfinite(lo) && std::isfinite(hi), "io::render_field", "field",
                               "values in [" + ::fabtwin::detail::describe(lo) + ", " +
                                   ::fabtwin::detail::describe(hi) + "]",
                               "finite values, or an explicit options.range");
  }
  const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;

  const PixelFormat format =
      options.colormap == Colormap::grey ? PixelFormat::grey8 : PixelFormat::rgb8;
  Image image(nx + (options.scale_bar ? ScaleBarLayout::columns : 0), ny, format,
              options.background);
  for (index_t j = 0; j < ny; ++j)
    for (index_t i = 0; i < nx; ++i)
      image.set(i, ny - 1 - j,
                map_color(options.colormap, (double(plane[j * nx + i]) - lo) * scale));

  if (options.scale_bar) {
    using Bar = ScaleBarLayout;
    const index_t bar = nx + Bar::gap;
    for (index_t row = 0; row < ny; ++row) {
      const double t = ny > 1 ? double(ny - 1 - row) / double(ny - 1) : 1.0;
      for (index_t col = bar; col < bar + Bar::width; ++col)
        image.set(col, row, map_color(options.colormap, t));
    }
    for (index_t k = 0; k < Bar::ticks; ++k) {
      const index_t row = std::lround(double(k) / double(Bar::ticks - 1) * double(ny - 1));
      for (index_t col = bar + Bar::width; col < bar + Bar::width + Bar::tick_length; ++col)
        image.set(col, row, options.ticks);
    }
  }
  return image;
}

/// Draws the polyline through `points` (any range of objects with members x and y in nm, e.g.
/// layout contour points) onto the field area of `image` (its top-left grid.nx() x grid.ny()
/// pixels, as render_field lays it out), closing it back to the first point when `closed`.
/// A point (x, y) falls at column (x - origin.x) / pitch.x and row ny - 1 - (y - origin.y) /
/// pitch.y (Grid::position: sample (i, j) sits at origin + (i, j) pitch); segments are clipped to
/// the field area and stepped at most one pixel at a time along their longer axis, each step
/// drawing the pixel it falls in (rounding half away from zero).
template <class Points>
void draw_polyline(Image& image, const Grid& grid, const Points& points, Color color,
                   bool closed = true) {
  ::fabtwin::detail::require<shape_mismatch>(
      image.width >= grid.nx() && image.height == grid.ny(), "io::draw_polyline", "image",
      std::to_string(image.width) + "x" + std::to_string(image.height),
      "an image at least as wide as the grid and as tall (" + std::to_string(grid.nx()) + "x" +
          std::to_string(grid.ny()) + ")");
  struct Pixel {
    double u, v;
  };
  std::vector<Pixel> path;
  for (const auto& point : points) {
    const double x = double(point.x), y = double(point.y);
    const Pixel p{(x - grid.origin().x) / grid.pitch().x,
                  double(grid.ny() - 1) - (y - grid.origin().y) / grid.pitch().y};
    if (!std::isfinite(p.u) || !std::isfinite(p.v)) {  // the message is built only when needed
      std::string where = "(";
      where.append(::fabtwin::detail::describe(x)).append(", ");
      where.append(::fabtwin::detail::describe(y)).append(")");
      throw invalid_argument(::fabtwin::detail::argument_message(
          "io::draw_polyline", "point", where, "finite coordinates in nm"));
    }
    path.push_back(p);
  }
  if (path.empty()) return;
  if (closed && path.size() > 2) path.push_back(path.front());
  if (path.size() == 1) path.push_back(path.front());

  const double u_max = double(grid.nx()) - 0.5, v_max = double(grid.ny()) - 0.5;
  const auto plot = [&](double u, double v) {
    const index_t col = std::lround(u), row = std::lround(v);
    // A clipped end on the field's edge may round to the pixel beyond it: leave that one out.
    if (col >= 0 && col < grid.nx() && row >= 0 && row < grid.ny()) image.set(col, row, color);
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
