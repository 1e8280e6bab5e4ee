// PNG output checked by an independent decoder written here from the W3C PNG specification: chunk
// framing with a bitwise (table-free) CRC-32, the zlib header and Adler-32 of RFC 1950, deflate
// stored and fixed-Huffman blocks are not assumed (any other block type fails the test), and
// filter type 0 scanlines. Expected pixels are computed by hand from the documented mapping.

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "fabtwin/io/png.hpp"
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

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("fabtwin_test_" + name)).string();
}

std::uint8_t level(double t) { return std::uint8_t(std::lround(255 * t)); }

struct NmPoint {
  double x, y;
};

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
  const std::string path = temp_path("grey.png");
  io::write_png_grey(path, grey, 3, 2);
  const DecodedPng g = decode_png(read_file(path));
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
  const DecodedPng c = decode_png(read_file(path));
  CHECK(c.width == 2);
  CHECK(c.height == 2);
  CHECK(c.color_type == 2);
  CHECK(c.pixels == std::vector<std::uint8_t>(rgb, rgb + 12));
  std::filesystem::remove(path);
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
  CHECK(io::map_color(io::Colormap::diverging, 0.4).b > io::map_color(io::Colormap::diverging, 0.6).b);
}

TEST_CASE("The scale bar runs from max at the top to min at the bottom with five ticks",
          "[io][png]") {
  std::vector<float> values(5 * 9, 0.0f);
  values.back() = 8;  // range 0 .. 8
  const auto field = make_host_field(Grid(5, 9, 1.0), values);
  io::RenderOptions options;
  options.scale_bar = true;
  const DecodedPng png = decode_png(io::encode_png(io::render_field(field, options)));
  using Bar = io::ScaleBarLayout;
  REQUIRE(png.width == 5 + 4 + 12 + 4);
  REQUIRE(Bar::columns == 20);
  for (std::size_t row = 0; row < 9; ++row) {
    for (std::size_t col = 5; col < 9; ++col) CHECK(pixel(png, col, row).r == 255);  // gap
    for (std::size_t col = 9; col < 21; ++col)
      CHECK(pixel(png, col, row).r == level((8 - double(row)) / 8));
    const bool tick = row % 2 == 0;  // rows round(k / 4 * 8) = 0, 2, 4, 6, 8
    for (std::size_t col = 21; col < 25; ++col) CHECK(pixel(png, col, row).r == (tick ? 0 : 255));
  }
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

  // Over a rendered field with a scale bar, through the PNG: the contour stays in the field area.
  const auto field = make_host_field(grid, std::vector<double>(80, 0.5));
  io::RenderOptions options;
  options.colormap = io::Colormap::viridis;
  options.scale_bar = true;
  io::Image figure = io::render_field(field, options);
  const std::vector<NmPoint> diagonal = {{100, 64}, {118, 46}};  // (col, row) (0, 0) to (9, 9)
  io::draw_polyline(figure, grid, diagonal, {255, 255, 255}, false);
  const DecodedPng png = decode_png(io::encode_png(figure));
  for (std::size_t k = 0; k < 8; ++k) CHECK(pixel(png, k, k) == io::Color{255, 255, 255});
  CHECK(pixel(png, 8, 7) == pixel(png, 0, 7));  // beyond row 7 the line is clipped away
  CHECK(pixel(png, 1, 0) == pixel(png, 0, 7));
}

TEST_CASE("PNG errors name the path, the sample or the argument", "[io][png][errors]") {
  const std::uint8_t level0 = 0;
  REQUIRE_THROWS_AS(io::write_png_grey("/nonexistent-dir/x.png", &level0, 1, 1), io_error);
  REQUIRE_THROWS_WITH(
      io::write_png_grey("/nonexistent-dir/x.png", &level0, 1, 1),
      Catch::Contains("'/nonexistent-dir/x.png'") && Catch::Contains("No such file or directory"));
  CHECK_THROWS_AS(io::write_png_grey(temp_path("empty.png"), &level0, 0, 3), invalid_argument);
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

  io::Image small(2, 2, io::PixelFormat::grey8);
  const std::vector<NmPoint> point = {{0, 0}};
  CHECK_THROWS_AS(io::draw_polyline(small, grid, point, {0, 0, 0}), shape_mismatch);
  io::Image fits(3, 2, io::PixelFormat::grey8);
  const std::vector<NmPoint> nan_point = {{std::nan(""), 0}};
  CHECK_THROWS_WITH(io::draw_polyline(fits, grid, nan_point, {0, 0, 0}), Catch::Contains("finite"));
}
