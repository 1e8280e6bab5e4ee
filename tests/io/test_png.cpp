// PNG output checked by an independent decoder written here from the W3C PNG specification: chunk
// framing with a bitwise (table-free) CRC-32, the zlib header and Adler-32 of RFC 1950, deflate
// stored and fixed-Huffman blocks are not assumed (any other block type fails the test), and
// filter type 0 scanlines. Expected pixels are computed by hand from the documented mapping.

#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "fabtwin/io/png.hpp"
#include "support/files.hpp"
#include "support/test_cases.hpp"

using namespace fabtwin;

namespace {

std::uint32_t bitwise_crc32(const unsigned char* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  return std::uint32_t(std::uint8_t(s[at])) << 24 | std::uint32_t(std::uint8_t(s[at + 1])) << 16 |
         std::uint32_t(std::uint8_t(s[at + 2])) << 8 | std::uint32_t(std::uint8_t(s[at + 3]));
}

struct DecodedPng {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, color_type = 0, compression = 0, filter = 0, interlace = 0;
  int idat_chunks = 0, stored_blocks = 0;
  std::vector<std::uint8_t> pixels;  // filter bytes removed
};

DecodedPng decode_png(const std::string& png) {
  DecodedPng out;
  REQUIRE(png.size() >= 8);
  REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  std::string idat;
  std::vector<std::string> types;
  std::size_t at = 8;
  while (at < png.size()) {
    REQUIRE(at + 12 <= png.size());
    const std::uint32_t length = be32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    const std::string type = png.substr(at + 4, 4);
    const std::string data = png.substr(at + 8, length);
    const auto* typed = reinterpret_cast<const unsigned char*>(png.data() + at + 4);
    CHECK(be32(png, at + 8 + length) == bitwise_crc32(typed, 4 + length));
    types.push_back(type);
    if (type == "IHDR") {
      REQUIRE(length == 13);
      out.width = be32(data, 0);
      out.height = be32(data, 4);
      out.bit_depth = std::uint8_t(data[8]);
      out.color_type = std::uint8_t(data[9]);
      out.compression = std::uint8_t(data[10]);
      out.filter = std::uint8_t(data[11]);
      out.interlace = std::uint8_t(data[12]);
    } else if (type == "IDAT") {
      idat += data;
      ++out.idat_chunks;
    }
    at += 12 + length;
  }
  REQUIRE(types.size() >= 3);
  CHECK(types.front() == "IHDR");
  CHECK(types.back() == "IEND");

  // zlib (RFC 1950): CMF, FLG, deflate blocks, Adler-32.
  REQUIRE(idat.size() >= 6);
  const int cmf = std::uint8_t(idat[0]), flg = std::uint8_t(idat[1]);
  CHECK((cmf & 0x0F) == 8);            // deflate
  CHECK((cmf >> 4) <= 7);              // window at most 32 KiB
  CHECK((cmf * 256 + flg) % 31 == 0);  // FCHECK
  CHECK((flg & 0x20) == 0);            // no preset dictionary
  std::string raw;
  std::size_t pos = 2;
  bool final_block = false;
  while (!final_block) {
    REQUIRE(pos < idat.size());
    const int head = std::uint8_t(idat[pos]);
    final_block = head & 1;
    REQUIRE(((head >> 1) & 3) == 0);  // stored block; the remaining bits pad to the byte
    REQUIRE(pos + 5 <= idat.size());
    const unsigned len = std::uint8_t(idat[pos + 1]) | std::uint8_t(idat[pos + 2]) << 8;
    const unsigned nlen = std::uint8_t(idat[pos + 3]) | std::uint8_t(idat[pos + 4]) << 8;
    REQUIRE((len ^ 0xFFFFu) == nlen);
    REQUIRE(pos + 5 + len <= idat.size());
    raw += idat.substr(pos + 5, len);
    pos += 5 + len;
    ++out.stored_blocks;
  }
  REQUIRE(pos + 4 == idat.size());
  std::uint32_t a = 1, b = 0;
  for (const char c : raw) {
    a = (a + std::uint8_t(c)) % 65521;
    b = (b + a) % 65521;
  }
  CHECK(be32(idat, pos) == (b << 16 | a));

  const std::size_t channels = out.color_type == 2 ? 3 : 1;
  const std::size_t row_bytes = out.width * channels;
  REQUIRE(raw.size() == (row_bytes + 1) * out.height);
  for (std::size_t row = 0; row < out.height; ++row) {
    REQUIRE(raw[row * (row_bytes + 1)] == 0);  // filter type None
    const char* begin = raw.data() + row * (row_bytes + 1) + 1;
    out.pixels.insert(out.pixels.end(), begin, begin + row_bytes);
  }
  return out;
}

/// Pixel (col, row) of a decoded image as a colour (grey images give r = g = b).
io::Color pixel(const DecodedPng& png, std::size_t col, std::size_t row) {
  if (png.color_type == 0) {
    const std::uint8_t v = png.pixels[row * png.width + col];
    return {v, v, v};
  }
  const std::uint8_t* p = png.pixels.data() + 3 * (row * png.width + col);
  return {p[0], p[1], p[2]};
}

std::uint8_t level(double t) { return std::uint8_t(std::lround(255 * t)); }

struct NmPoint {
  double x, y;
};

/// Whether `image` shows exactly `text` (ink {0, 0, 0} on white) in the box of its glyphs with the
/// top-left corner at (left, top): ink where the font inks, white elsewhere.
bool shows_text(const io::Image& image, index_t left, index_t top, const std::string& text,
                index_t scale = 1) {
  const index_t width = io::text_width(text, scale), rows = 9 * scale;
  io::Image reference(width, rows, io::PixelFormat::rgb8);
  io::draw_text(reference, 0, 0, text, {0, 0, 0}, scale);
  if (left < 0 || top < 0 || left + width > image.width || top + rows > image.height) return false;
  for (index_t row = 0; row < rows; ++row)
    for (index_t col = 0; col < width; ++col)
      if (image.get(left + col, top + row).r != reference.get(col, row).r) return false;
  return true;
}

struct IntegerPoint {  // like layout::Point: integer coordinates (here read as nm)
  std::int64_t x, y;
};

}  // namespace

namespace Catch {
template <>
struct StringMaker<io::Color> {
  static std::string convert(const io::Color& c) {
    std::ostringstream out;  // not "(" + std::to_string(...): g++ 12 -O3 warns falsely (-Wrestrict)
    out << '(' << int(c.r) << ", " << int(c.g) << ", " << int(c.b) << ')';
    return out.str();
  }
};
}  // namespace Catch

TEST_CASE("PNG grey and RGB images decode to their pixels", "[io][png]") {
  const std::uint8_t grey[6] = {0, 10, 20, 200, 254, 255};  // 3 x 2, row 0 at the top
  const std::string path = test::temp_path("grey.png");
  io::write_png_grey(path, grey, 3, 2);
  const DecodedPng g = decode_png(test::read_file(path));
  CHECK(g.width == 3);
  CHECK(g.height == 2);
  CHECK(g.bit_depth == 8);
  CHECK(g.color_type == 0);
  CHECK(g.compression == 0);
  CHECK(g.filter == 0);
  CHECK(g.interlace == 0);
  CHECK(g.pixels == std::vector<std::uint8_t>(grey, grey + 6));

  const std::uint8_t rgb[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3};  // 2 x 2
  io::write_png_rgb(path, rgb, 2, 2);
  const DecodedPng c = decode_png(test::read_file(path));
  CHECK(c.width == 2);
  CHECK(c.height == 2);
  CHECK(c.color_type == 2);
  CHECK(c.pixels == std::vector<std::uint8_t>(rgb, rgb + 12));
  std::filesystem::remove(path);
}

TEST_CASE("A grey image turned RGB keeps its levels and takes coloured pixels", "[io][png]") {
  io::Image grey(3, 2, io::PixelFormat::grey8, io::Color{200, 200, 200});
  grey.set(1, 0, io::Color{10, 10, 10});
  grey.set(2, 1, io::Color{255, 0, 0});  // stored as its luma, 76
  io::Image rgb = io::to_rgb(grey);
  CHECK(rgb.format == io::PixelFormat::rgb8);
  CHECK(rgb.get(0, 0) == io::Color{200, 200, 200});
  CHECK(rgb.get(1, 0) == io::Color{10, 10, 10});
  CHECK(rgb.get(2, 1) == io::Color{76, 76, 76});
  rgb.set(0, 1, io::Color{255, 0, 0});
  CHECK(rgb.get(0, 1) == io::Color{255, 0, 0});
  CHECK(io::to_rgb(rgb).pixels == rgb.pixels);
}

TEST_CASE("PNG data larger than a stored block and an IDAT chunk stays exact", "[io][png]") {
  // 700 x 600 RGB: 1 260 600 bytes of scanlines -> 20 stored blocks of at most 65535 bytes, and a
  // zlib stream longer than one 1 MiB IDAT chunk.
  io::Image image(700, 600, io::PixelFormat::rgb8);
  for (std::size_t k = 0; k < image.pixels.size(); ++k) image.pixels[k] = std::uint8_t(k * 7 % 251);
  const DecodedPng png = decode_png(io::encode_png(image));
  CHECK(png.stored_blocks == 20);
  CHECK(png.idat_chunks == 2);
  CHECK(png.pixels == image.pixels);
}

TEMPLATE_LIST_TEST_CASE("Fields render in grey with y up and the automatic or given range",
                        "[io][png]", test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // 4 x 3 field, value i + 4 j: 0 .. 11.
  std::vector<T> values(12);
  for (int k = 0; k < 12; ++k) values[std::size_t(k)] = T(k);
  const auto field = test::field_with<S>(Grid(4, 3, 1.0), values);

  const DecodedPng automatic = decode_png(io::encode_png(io::render_field(field)));
  REQUIRE(automatic.width == 4);
  REQUIRE(automatic.height == 3);
  CHECK(automatic.color_type == 0);
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i)
      CHECK(pixel(automatic, std::size_t(i), std::size_t(2 - j)).r == level((i + 4 * j) / 11.0));

  io::RenderOptions options;
  options.range = io::ValueRange{2, 6};
  const DecodedPng given = decode_png(io::encode_png(io::render_field(field, options)));
  for (int j = 0; j < 3; ++j)
    for (int i = 0; i < 4; ++i) {
      const double t = std::clamp((i + 4 * j - 2) / 4.0, 0.0, 1.0);
      CHECK(pixel(given, std::size_t(i), std::size_t(2 - j)).r == level(t));
    }

  // Magnified 3 times: sample (i, j) fills columns 3i..3i+2 and rows 3(2 - j)..3(2 - j)+2.
  options.magnify = 3;
  const io::Image big = io::render_field(field, options);
  REQUIRE(big.width == 12);
  REQUIRE(big.height == 9);
  CHECK(big.field_area.magnify == 3);
  for (index_t row = 0; row < 9; ++row)
    for (index_t col = 0; col < 12; ++col) {
      const int i = int(col / 3), j = 2 - int(row / 3);
      CHECK(big.get(col, row).r == level(std::clamp((i + 4 * j - 2) / 4.0, 0.0, 1.0)));
    }
}

TEMPLATE_LIST_TEST_CASE("A plane of a 3D field or a batch renders on its own", "[io][png]",
                        test::Cases) {
  using T = typename TestType::real;
  using S = typename TestType::space;
  // 2 x 2 x 2 volume in a batch of 2: plane p = b * nz + k holds the values 10 p + (0, 1, 2, 3).
  std::vector<T> values(16);
  for (int k = 0; k < 16; ++k) values[std::size_t(k)] = T(10 * (k / 4) + k % 4);
  const auto field = test::field_with<S>(Grid::volume(2, 2, 2, {1, 1, 1}), values, 2);
  io::RenderOptions options;
  options.plane = 3;
  options.range = io::ValueRange{30, 33};
  const io::Image image = io::render_field(field, options);
  CHECK(image.get(0, 1).r == 0);    // (i, j) = (0, 0) at the bottom left: 30
  CHECK(image.get(1, 1).r == 85);   // 31
  CHECK(image.get(0, 0).r == 170);  // 32
  CHECK(image.get(1, 0).r == 255);  // 33
  options.plane = 4;
  CHECK_THROWS_WITH(io::render_field(field, options),
                    Catch::Contains("options.plane") && Catch::Contains("[0, 4)"));
}

TEST_CASE("Viridis passes through its published anchors and interpolates between them",
          "[io][png]") {
  // 17 samples 0 .. 16 -> t = k / 16: even k on the anchors of viridisLite::viridis(9).
  std::vector<double> values(17);
  for (int k = 0; k < 17; ++k) values[std::size_t(k)] = k;
  const auto field = make_host_field(Grid(17, 1, 1.0), values);
  io::RenderOptions options;
  options.colormap = io::Colormap::viridis;
  const DecodedPng png = decode_png(io::encode_png(io::render_field(field, options)));
  CHECK(png.color_type == 2);
  CHECK(pixel(png, 0, 0) == io::Color{0x44, 0x01, 0x54});
  CHECK(pixel(png, 8, 0) == io::Color{0x21, 0x90, 0x8C});
  CHECK(pixel(png, 16, 0) == io::Color{0xFD, 0xE7, 0x25});
  CHECK(pixel(png, 12, 0) == io::Color{0x5D, 0xC8, 0x63});
  // Halfway between #440154 and #472D7B: (69.5, 23, 103.5) rounded half away from zero.
  CHECK(pixel(png, 1, 0) == io::Color{70, 23, 104});
  // Lightness rises monotonically (perceptual order): check the green channel's sum with red.
  for (int k = 1; k < 17; ++k)
    CHECK(pixel(png, std::size_t(k), 0).g >= pixel(png, std::size_t(k - 1), 0).g);
}

TEST_CASE("The diverging map is blue, neutral grey at its middle and red", "[io][png]") {
  CHECK(io::map_color(io::Colormap::diverging, 0) == io::Color{59, 76, 192});
  CHECK(io::map_color(io::Colormap::diverging, 0.5) == io::Color{221, 221, 221});
  CHECK(io::map_color(io::Colormap::diverging, 1) == io::Color{180, 4, 38});
  // A quarter: halfway between blue and grey, (140, 148.5, 206.5) rounded half away from zero.
  CHECK(io::map_color(io::Colormap::diverging, 0.25) == io::Color{140, 149, 207});
  // Symmetric values about the middle are equally far from grey in lightness order: blue side bluer.
  CHECK(io::map_color(io::Colormap::diverging, 0.4).b >
        io::map_color(io::Colormap::diverging, 0.6).b);
}

TEST_CASE("Contours are drawn in nm through the grid, y up, clipped to the field", "[io][png]") {
  // 10 x 8 pixels of 2 nm from (100, 50): x = 100 + 2 col, y = 50 + 2 (7 - row).
  const Grid grid(10, 8, 2.0, {100, 50, 0});
  const io::Color red{255, 0, 0};

  io::Image image(10, 8, io::PixelFormat::rgb8, {0, 0, 0});
  const std::vector<NmPoint> square = {{102, 52}, {108, 52}, {108, 58}, {102, 58}};
  io::draw_polyline(image, grid, square, red);
  // The ring covers columns 1..4 and rows 7 - 1 = 6 up to 7 - 4 = 3.
  for (index_t row = 0; row < 8; ++row)
    for (index_t col = 0; col < 10; ++col) {
      const bool inside = col >= 1 && col <= 4 && row >= 3 && row <= 6;
      const bool border = inside && (col == 1 || col == 4 || row == 3 || row == 6);
      CHECK(image.get(col, row) == (border ? red : io::Color{0, 0, 0}));
    }

  // An open line far beyond both sides is clipped to the whole row; one outside is not drawn.
  io::Image line(10, 8, io::PixelFormat::rgb8, {0, 0, 0});
  const std::vector<std::vector<IntegerPoint>> lines = {{{-1000000, 60}, {1000000, 60}},
                                                        {{0, 1000}, {500, 1000}}};
  io::draw_polylines(line, grid, lines, red, false);
  for (index_t row = 0; row < 8; ++row)
    for (index_t col = 0; col < 10; ++col) CHECK((line.get(col, row) == red) == (row == 2));

  // Over annotated figures, through the PNG: the contour lands on the same field pixels, moved
  // by the field area's offset; magnified, through the centres of the samples' blocks.
  const auto field = make_host_field(grid, std::vector<double>(80, 0.5));
  io::RenderOptions options;
  options.colormap = io::Colormap::viridis;
  options.scale_bar = true;
  options.length_bar = true;
  options.title = "contour";
  const std::vector<NmPoint> diagonal = {{100, 64}, {118, 46}};  // (col, row) (0, 0) to (9, 9)
  for (const index_t magnify : {1, 3}) {
    options.magnify = magnify;
    io::Image figure = io::render_field(field, options);
    const io::FieldArea area = figure.field_area;
    CHECK(area.left == 4);
    CHECK(area.top == 4 + 10 + 6);
    CHECK(area.magnify == magnify);
    const io::Image before = figure;
    io::draw_polyline(figure, grid, diagonal, {255, 255, 255}, false);
    const DecodedPng png = decode_png(io::encode_png(figure));
    for (index_t row = 0; row < figure.height; ++row)
      for (index_t col = 0; col < figure.width; ++col) {
        // Field pixel (u, v) = (col - left, row - top): the diagonal u = v from the centre of
        // sample (0, 0)'s block, clipped below row 8 m.
        const index_t u = col - area.left, v = row - area.top;
        const bool on_line = u == v && u >= (magnify - 1) / 2 && v < 8 * magnify;
        CHECK(pixel(png, std::size_t(col), std::size_t(row)) ==
              (on_line ? io::Color{255, 255, 255} : before.get(col, row)));
      }
  }
}

TEST_CASE("The annotation font draws its glyphs at the expected pixels", "[io][png][text]") {
  // "1.5e-3g" drawn by hand, 6 columns per character (5 and a blank one), 9 rows: capitals and
  // digits on rows 0-6, the x-height from row 2, the descender of g on rows 7-8.
  const char* const expected[9] = {
      "..#.........#####.............#####......", ".##.........#....................#.......",
      "..#.........####...###..........#....####", "..#.............#.#...#.#####....#..#...#",
      "..#.............#.#####...........#.#...#", "..#....##...#...#.#...........#...#.#...#",
      ".###...##....###...###.........###...####", "........................................#",
      ".....................................###.",
  };
  CHECK(io::text_width("1.5e-3g") == 41);
  CHECK(io::text_width("1.5e-3g", 3) == 123);
  CHECK(io::text_width("") == 0);
  const io::Color blue{0, 0, 255}, white{255, 255, 255};
  // At (2, 1) on a 45 x 12 image at scale 1, and at (-4, 3) at scale 2: what falls outside the
  // image (here the first glyph's blank left columns) is dropped.
  io::Image once(45, 12, io::PixelFormat::rgb8), twice(80, 22, io::PixelFormat::rgb8);
  io::draw_text(once, 2, 1, "1.5e-3g", blue);
  io::draw_text(twice, -4, 3, "1.5e-3g", blue, 2);
  for (index_t row = 0; row < 12; ++row)
    for (index_t col = 0; col < 45; ++col) {
      const bool inside = col >= 2 && col < 43 && row >= 1 && row < 10;
      const bool ink = inside && expected[row - 1][col - 2] == '#';
      CHECK(once.get(col, row) == (ink ? blue : white));
    }
  for (index_t row = 0; row < 22; ++row)
    for (index_t col = 0; col < 80; ++col) {
      const index_t r = (row - 3) / 2, c = (col + 4) / 2;
      const bool ink = row >= 3 && r < 9 && c < 41 && expected[r][c] == '#';
      CHECK(twice.get(col, row) == (ink ? blue : white));
    }
  // Outside printable ASCII: '?'.
  io::Image odd(5, 9, io::PixelFormat::grey8);
  io::draw_text(odd, 0, 0, "\t", {0, 0, 0});
  CHECK(shows_text(odd, 0, 0, "?"));
  CHECK_THROWS_WITH(io::draw_text(odd, 0, 0, "x", {0, 0, 0}, 0), Catch::Contains("scale"));
}

TEST_CASE("Colour-scale values are written with 3 significant digits", "[io][png][text]") {
  using Labels = std::array<std::string, 5>;
  CHECK(io::tick_labels({0, 1}) == Labels{"0", "0.25", "0.5", "0.75", "1"});
  CHECK(io::tick_labels({-1.5e-3, 1.5e-3}) ==
        Labels{"-1.5e-3", "-7.5e-4", "0", "7.5e-4", "1.5e-3"});
  // 0.2125 and 0.2375 round half away from zero in decimal (0.2375 is 0.23749999... in binary).
  CHECK(io::tick_labels({0.2, 0.25}) == Labels{"0.2", "0.213", "0.225", "0.238", "0.25"});
  CHECK(io::tick_labels({-300, 12345}) == Labels{"-300", "2.86k", "6.02k", "9.18k", "12.3k"});
  CHECK(io::tick_label(0.0123) == "0.0123");    // plain from 0.01
  CHECK(io::tick_label(0.00999) == "9.99e-3");  // below it, an exponent
  CHECK(io::tick_label(999.4) == "999");
  CHECK(io::tick_label(999.6) == "1k");  // the carry moves it a decade up
  CHECK(io::tick_label(9.995) == "10");
  CHECK(io::tick_label(-1234567) == "-1.23M");
  CHECK(io::tick_label(2.5e11) == "250G");
  CHECK(io::tick_label(1e12) == "1e12");
  CHECK(io::tick_label(-2.25e-5) == "-2.25e-5");
  CHECK(io::tick_label(-0.0) == "0");
  CHECK_THROWS_WITH(io::tick_label(INFINITY), Catch::Contains("finite"));
}

TEST_CASE("A field of categories gets a scale of named blocks", "[io][png]") {
  // Codes 0..3 on a 4 x 40 field, grey, text scale 1: the field area at (4, 10), the bar at
  // columns 12 to 23, ticks 24 to 27, names from 32. Block k (0 at the bottom) spans rows
  // 10 + [40 - 10 (k + 1), 40 - 10 k), grey k / 3, its tick and name at its middle row.
  std::vector<double> codes(4 * 40);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = double(i % 4);
  const auto field = make_host_field(Grid(4, 40, 1.0), codes);
  io::RenderOptions options;
  options.scale_bar = true;
  options.text_scale = 1;
  options.categories = {"gas", "si", "mask", "stop"};
  const io::Image image = io::render_field(field, options);
  REQUIRE(image.field_area.top == 10);
  const char* const names[4] = {"gas", "si", "mask", "stop"};
  for (index_t k = 0; k < 4; ++k) {
    const index_t first = 10 + 40 - 10 * (k + 1), middle = first + 4;
    for (index_t row = first; row < first + 10; ++row) {
      CHECK(image.get(12, row).r == level(double(k) / 3));
      CHECK(image.get(24, row).r == (row == middle ? 0 : 255));
    }
    CHECK(shows_text(image, 32, middle - 3, names[k]));
  }
  // Blocks under a line tall (5 rows): every other name from the top, "stop" and "si".
  const auto short_field = make_host_field(Grid(4, 20, 1.0), std::vector<double>(80, 1.0));
  const io::Image crowded = io::render_field(short_field, options);
  CHECK(shows_text(crowded, 32, 10 + 2 - 3, "stop"));
  CHECK(shows_text(crowded, 32, 10 + 12 - 3, "si"));
  CHECK(!shows_text(crowded, 32, 10 + 7 - 3, "mask"));
  CHECK(image.width == 32 + io::text_width("mask") + 4);
  // The field's colours are the codes' over 0..3 whatever the field holds.
  CHECK(image.get(4 + 3, 10).r == level(1.0));
  // Refused: one name, names without the scale, a range other than the codes'.
  options.categories = {"only"};
  CHECK_THROWS_WITH(io::render_field(field, options), Catch::Contains("options.categories"));
  options.categories = {"a", "b", "c", "d"};
  options.scale_bar = false;
  CHECK_THROWS_WITH(io::render_field(field, options), Catch::Contains("options.scale_bar"));
  options.scale_bar = true;
  options.range = io::ValueRange{0, 1};
  CHECK_THROWS_WITH(io::render_field(field, options),
                    Catch::Contains("options.range") && Catch::Contains("[0, 3]"));
}

TEST_CASE("The colour scale runs from max at the top to min at the bottom, labelled", "[io][png]") {
  // Field 5 x 13, range 0 .. 12, text_scale 1. Field area at (4, 10): padding 4, and 6 rows for
  // the top label's upper half; bar at columns 9 + 4 = 13 to 24, ticks 25 to 28, values from 33.
  std::vector<float> values(5 * 13, 0.0f);
  values.back() = 12;
  const auto field = make_host_field(Grid(5, 13, 1.0), values);
  io::RenderOptions options;
  options.scale_bar = true;
  options.text_scale = 1;
  const io::Image image = io::render_field(field, options);
  CHECK(image.field_area.left == 4);
  CHECK(image.field_area.top == 10);
  // Width: the value "12" ends at 33 + 11, then padding 4; height: 10 + 13 rows, 4 for the bottom
  // label's lower half, padding 4.
  REQUIRE(image.width == 48);
  REQUIRE(image.height == 31);
  const DecodedPng png = decode_png(io::encode_png(image));
  for (std::size_t row = 10; row < 23; ++row) {
    for (std::size_t col = 9; col < 13; ++col) CHECK(pixel(png, col, row).r == 255);  // gap
    for (std::size_t col = 13; col < 25; ++col)
      CHECK(pixel(png, col, row).r == level((22 - double(row)) / 12));
    const bool tick = (row - 10) % 3 == 0;  // rows 10 + round(k / 4 * 12) = 10, 13, ..., 22
    for (std::size_t col = 25; col < 29; ++col) CHECK(pixel(png, col, row).r == (tick ? 0 : 255));
  }
  // Ticks 3 rows apart: only the ends carry values, their capitals centred on the tick rows.
  CHECK(shows_text(image, 33, 10 - 3, "12"));
  CHECK(shows_text(image, 33, 22 - 3, "0"));

  // 41 rows: ticks 10 rows apart, each labelled; 21 rows: 5 apart, every other one labelled.
  io::RenderOptions given = options;
  given.range = io::ValueRange{0, 1};
  const auto tall = make_host_field(Grid(3, 41, 1.0), std::vector<double>(123, 0.5));
  const io::Image five = io::render_field(tall, given);
  const char* const labels[5] = {"1", "0.75", "0.5", "0.25", "0"};
  for (index_t k = 0; k < 5; ++k) CHECK(shows_text(five, 31, 10 + 10 * k - 3, labels[k]));
  const auto middle = make_host_field(Grid(3, 21, 1.0), std::vector<double>(63, 0.5));
  const io::Image three = io::render_field(middle, given);
  CHECK(shows_text(three, 31, 10 - 3, "1"));
  CHECK(shows_text(three, 31, 20 - 3, "0.5"));
  CHECK(shows_text(three, 31, 30 - 3, "0"));
  for (index_t row = 10 + 4; row < 20 - 3; ++row)  // between the capitals of "1" and "0.5"
    for (index_t col = 31; col < three.width; ++col) CHECK(three.get(col, row).r == 255);

  // Title and value label above, at text scale 2: padding 8, lines of 20 rows.
  given.title = "Ab";
  given.value_label = "dL/dmask";
  given.text_scale = 2;
  const io::Image titled = io::render_field(tall, given);
  CHECK(titled.field_area.left == 8);
  CHECK(titled.field_area.top == 8 + 20 + 20 + 12);
  CHECK(shows_text(titled, 8, 8, "Ab", 2));
  CHECK(shows_text(titled, 8 + 3 + 8, 28, "dL/dmask", 2));  // over the bar, 8 right of the field
  CHECK(titled.width == 8 + 3 + 8 + io::text_width("dL/dmask", 2) + 8);
  // The automatic text scale: one font pixel per 640 pixels of the longer side, rounded.
  io::RenderOptions titled_only;
  titled_only.title = "x";
  for (const index_t side : {959, 960, 1599, 1600}) {
    const auto row = make_host_field(Grid(side, 1, 1.0), std::vector<float>(std::size_t(side)));
    const index_t scale = side < 960 ? 1 : (side < 1600 ? 2 : 3);
    CHECK(io::render_field(row, titled_only).field_area.left == 4 * scale);
  }
}

TEST_CASE("The length bar is a round length, length / pitch pixels long", "[io][png]") {
  // The longest 1, 2, 5 x 10^k nm up to a quarter of nx pitch, by hand.
  struct Case {
    index_t nx;
    double pitch, length;
    const char* label;
  };
  const Case cases[] = {
      {64, 1, 10, "10 nm"},    {100, 1, 20, "20 nm"},    {256, 1, 50, "50 nm"},
      {400, 1, 100, "100 nm"}, {1000, 1, 200, "200 nm"}, {2048, 1, 500, "500 nm"},
      {64, 2, 20, "20 nm"},    {100, 2, 50, "50 nm"},    {256, 2, 100, "100 nm"},
      {400, 2, 200, "200 nm"}, {1000, 2, 500, "500 nm"}, {2048, 2, 1000, "1 um"},
      {64, 4, 50, "50 nm"},    {100, 4, 100, "100 nm"},  {256, 4, 200, "200 nm"},
      {400, 4, 200, "200 nm"}, {1000, 4, 1000, "1 um"},  {2048, 4, 2000, "2 um"},
  };
  for (const Case& c : cases) {
    INFO("nx " << c.nx << ", pitch " << c.pitch << " nm");
    const io::LengthBar bar = io::choose_length_bar(double(c.nx) * c.pitch);
    CHECK(bar.length_nm == c.length);
    CHECK(bar.label == c.label);
    // Drawn under an nx x 4 field: find the bar's first row down the field's left column, then
    // count its ink. 50 nm of 4 nm pixels is 12.5: 12 black pixels and one half grey.
    io::RenderOptions options;
    options.length_bar = true;
    const std::vector<float> ones(std::size_t(4 * c.nx), 1.0f);
    const io::Image image =
        io::render_field(make_host_field(Grid(c.nx, 4, c.pitch), ones), options);
    const io::FieldArea& area = image.field_area;
    index_t row = area.top + 4;
    while (row < image.height && image.get(area.left, row).r == 255) ++row;
    REQUIRE(row < image.height);
    index_t black = 0;
    while (image.get(area.left + black, row).r == 0) ++black;
    const double pixels = c.length / c.pitch;
    CHECK(black == index_t(pixels));
    CHECK(image.get(area.left + black, row).r == (pixels == std::floor(pixels) ? 255 : 128));
    CHECK(image.get(area.left - 1, row).r == 255);
  }
  // Magnified twice, 100 nm of 1 nm pixels is 200 pixels; the bar on 3 rows, its label 4 pixels
  // to the right with its top 2 rows above the bar's (text scale 1 below 960 pixels).
  io::RenderOptions options;
  options.length_bar = true;
  options.magnify = 2;
  const std::vector<float> ones(800, 1.0f);
  const io::Image image = io::render_field(make_host_field(Grid(400, 2, 1.0), ones), options);
  CHECK(image.field_area.left == 4);
  CHECK(image.field_area.top == 4);
  const index_t bar_top = 4 + 4 + 6 + 2;  // the field's bottom, 6 rows, then font rows 0-1
  for (index_t col = 4; col < 4 + 200; ++col) {
    CHECK(image.get(col, bar_top - 1).r == 255);
    for (index_t row = bar_top; row < bar_top + 3; ++row) CHECK(image.get(col, row).r == 0);
    CHECK(image.get(col, bar_top + 3).r == 255);
  }
  CHECK(image.get(4 + 200, bar_top).r == 255);
  CHECK(shows_text(image, 4 + 200 + 4, bar_top - 2, "100 nm"));

  CHECK(io::choose_length_bar(3).label == "0.5 nm");
  CHECK(io::choose_length_bar(4).label == "1 nm");
  CHECK(io::choose_length_bar(3.9e7).label == "5 mm");
  CHECK_THROWS_WITH(io::choose_length_bar(0), Catch::Contains("width_nm"));
  CHECK(io::magnification_for(Grid::volume(90, 40, 80, {1, 1, 1}), 400) == 5);
  CHECK(io::magnification_for(Grid(512, 100, 1.0), 400) == 1);
  CHECK(io::magnification_for(Grid(3, 3, 1.0), 400) == 64);
}

TEST_CASE("PNG errors name the path, the sample or the argument", "[io][png][errors]") {
  const std::uint8_t level0 = 0;
  REQUIRE_THROWS_AS(io::write_png_grey("/nonexistent-dir/x.png", &level0, 1, 1), io_error);
  REQUIRE_THROWS_WITH(
      io::write_png_grey("/nonexistent-dir/x.png", &level0, 1, 1),
      Catch::Contains("'/nonexistent-dir/x.png'") && Catch::Contains("No such file or directory"));
  CHECK_THROWS_AS(io::write_png_grey(test::temp_path("empty.png"), &level0, 0, 3),
                  invalid_argument);
  io::Image bad;
  CHECK_THROWS_WITH(io::encode_png(bad), Catch::Contains("a non-empty image"));

  std::vector<double> values(6, 1.0);
  values[5] = std::nan("");
  const Grid grid(3, 2, 1.0);
  CHECK_THROWS_AS(io::render_field(make_host_field(grid, values)), invalid_argument);
  CHECK_THROWS_WITH(io::render_field(make_host_field(grid, values)),
                    Catch::Contains("NaN at sample (i, j) = (2, 1)"));
  values[5] = INFINITY;
  CHECK_THROWS_WITH(io::render_field(make_host_field(grid, values)),
                    Catch::Contains("explicit options.range"));
  io::RenderOptions options;
  options.range = io::ValueRange{0, 2};
  CHECK(io::render_field(make_host_field(grid, values), options).get(2, 0).r ==
        255);  // +inf clamps
  options.range = io::ValueRange{1, 1};
  CHECK_THROWS_AS(io::render_field(make_host_field(grid, values), options), invalid_argument);
  CHECK_THROWS_WITH(io::render_field(make_host_field(grid, values), options),
                    Catch::Contains("options.range") && Catch::Contains("max > min"));

  const auto ones = make_host_field(grid, std::vector<double>(6, 1.0));
  options.range.reset();
  options.value_label = "intensity";
  CHECK_THROWS_WITH(io::render_field(ones, options),
                    Catch::Contains("options.value_label") && Catch::Contains("options.scale_bar"));
  options.value_label.clear();
  options.magnify = 0;
  CHECK_THROWS_WITH(io::render_field(ones, options),
                    Catch::Contains("options.magnify") && Catch::Contains("[1, 64]"));
  options.magnify = 1;
  options.text_scale = -1;
  CHECK_THROWS_WITH(io::render_field(ones, options), Catch::Contains("options.text_scale"));

  io::Image small(2, 2, io::PixelFormat::grey8);
  const std::vector<NmPoint> point = {{0, 0}};
  CHECK_THROWS_AS(io::draw_polyline(small, grid, point, {0, 0, 0}), shape_mismatch);
  io::Image shifted(4, 3, io::PixelFormat::grey8);  // 3 x 2 samples from row 2 need 4 rows
  shifted.field_area = {1, 2, 1};
  CHECK_THROWS_WITH(io::draw_polyline(shifted, grid, point, {0, 0, 0}),
                    Catch::Contains("field area at (1, 2)"));
  io::Image fits(3, 2, io::PixelFormat::grey8);
  const std::vector<NmPoint> nan_point = {{std::nan(""), 0}};
  CHECK_THROWS_WITH(io::draw_polyline(fits, grid, nan_point, {0, 0, 0}), Catch::Contains("finite"));
}
