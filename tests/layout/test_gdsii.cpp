// GDSII: the 8-byte real, streams built byte by byte in this file (hierarchy, arrays, paths,
// malformed records), the writer's exact bytes and round trip, and the shared 45 nm layout checked
// against a record walker written here independently of the reader.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "fabtwin/layout/gdsii.hpp"
#include "support/data.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

namespace {

std::string hex_bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out += char(b);
  return out;
}

// 8-byte reals by hand: value = fraction/2^56 · 16^(exponent − 64).
const std::map<double, std::string> real8_bytes = {
    {1.0, hex_bytes({0x41, 0x10, 0, 0, 0, 0, 0, 0})},       // 1/16 · 16
    {2.0, hex_bytes({0x41, 0x20, 0, 0, 0, 0, 0, 0})},       // 2/16 · 16
    {0.5, hex_bytes({0x40, 0x80, 0, 0, 0, 0, 0, 0})},       // 8/16
    {90.0, hex_bytes({0x42, 0x5A, 0, 0, 0, 0, 0, 0})},      // 0x5A/256 · 256
    {180.0, hex_bytes({0x42, 0xB4, 0, 0, 0, 0, 0, 0})},     // 0xB4/256 · 256
    {270.0, hex_bytes({0x43, 0x10, 0xE0, 0, 0, 0, 0, 0})},  // 0x10E/4096 · 4096
    {1e-3, hex_bytes({0x3E, 0x41, 0x89, 0x37, 0x4B, 0xC6, 0xA7, 0xF0})},
    {1e-9, hex_bytes({0x39, 0x44, 0xB8, 0x2F, 0xA0, 0x9B, 0x5A, 0x54})},
};

/// Builds GDSII streams record by record, independently of the writer.
struct Stream {
  std::string bytes;
  Stream& record(int type, int data_type, const std::string& body) {
    const std::size_t length = 4 + body.size();
    bytes += char(length >> 8);
    bytes += char(length & 0xff);
    bytes += char(type);
    bytes += char(data_type);
    bytes += body;
    return *this;
  }
  Stream& none(int type) { return record(type, 0, ""); }
  Stream& int16s(int type, std::initializer_list<int> values) {
    std::string body;
    for (int v : values) body += {char((v >> 8) & 0xff), char(v & 0xff)};
    return record(type, 2, body);
  }
  Stream& int32s(int type, const std::vector<std::int32_t>& values) {
    std::string body;
    for (std::int32_t v : values) {
      const auto u = std::uint32_t(v);
      body += {char(u >> 24), char((u >> 16) & 0xff), char((u >> 8) & 0xff), char(u & 0xff)};
    }
    return record(type, 3, body);
  }
  Stream& bits(int type, int value) {  // a 16-bit bit array (data type 1)
    return record(type, 1, std::string{char(value >> 8), char(value & 0xff)});
  }
  Stream& real8s(int type, std::initializer_list<double> values) {
    std::string body;
    for (double v : values) {
      // Hand-made bytes where this file has them; other values (30°, 1.5, ...) through the
      // writer's encoder, which the first test checks against the hand-made bytes.
      const auto known = real8_bytes.find(v);
      if (known != real8_bytes.end()) {
        body += known->second;
      } else {
        const auto encoded = gdsii::encode_real8(v);
        body.append(encoded.begin(), encoded.end());
      }
    }
    return record(type, 5, body);
  }
  Stream& ascii(int type, std::string text) {
    if (text.size() % 2) text += '\0';
    return record(type, 6, text);
  }
  Stream& begin_library() {
    int16s(0x00, {600});
    int16s(0x01, {2024, 1, 2, 3, 4, 5, 2024, 1, 2, 3, 4, 5});
    ascii(0x02, "TESTLIB");
    return real8s(0x03, {1e-3, 1e-9});
  }
  Stream& begin_structure(const std::string& name) {
    int16s(0x05, {2024, 1, 2, 3, 4, 5, 2024, 1, 2, 3, 4, 5});
    return ascii(0x06, name);
  }
  Stream& end_structure() { return none(0x07); }
  Stream& end_library() { return none(0x04); }
  Stream& boundary(int layer, int datatype, std::vector<std::int32_t> xy) {
    none(0x08).int16s(0x0D, {layer}).int16s(0x0E, {datatype});
    xy.push_back(xy[0]);
    xy.push_back(xy[1]);
    return int32s(0x10, xy).none(0x11);
  }
  /// A PATH of path type `type`; without `width` the WIDTH record is left out (the format's default
  /// width is 0).
  Stream& path(int layer, int datatype, std::optional<std::int32_t> width,
               const std::vector<std::int32_t>& xy, int type = 0) {
    none(0x09).int16s(0x0D, {layer}).int16s(0x0E, {datatype}).int16s(0x21, {type});
    if (width) int32s(0x0F, {*width});
    return int32s(0x10, xy).none(0x11);
  }
  Stream& box(int layer, int boxtype, const std::vector<std::int32_t>& xy) {
    return none(0x2D).int16s(0x0D, {layer}).int16s(0x2E, {boxtype}).int32s(0x10, xy).none(0x11);
  }
  Stream& sref(const std::string& name, std::int32_t x, std::int32_t y, bool mirror = false,
               double mag = 1, double angle = 0) {
    none(0x0A).ascii(0x12, name);
    strans(mirror, mag, angle);
    return int32s(0x10, {x, y}).none(0x11);
  }
  Stream& aref(const std::string& name, int columns, int rows, std::vector<std::int32_t> xy,
               bool mirror = false, double mag = 1, double angle = 0) {
    none(0x0B).ascii(0x12, name);
    strans(mirror, mag, angle);
    return int16s(0x13, {columns, rows}).int32s(0x10, xy).none(0x11);
  }
  Stream& strans(bool mirror, double mag, double angle) {
    if (!mirror && mag == 1 && angle == 0) return *this;
    bits(0x1A, mirror ? 0x8000 : 0);
    if (mag != 1) real8s(0x1B, {mag});
    if (angle != 0) real8s(0x1C, {angle});
    return *this;
  }
};

using Ring = std::vector<Point>;

/// Rings with the rotation removed (start at the smallest point), sorted, for order-free comparison.
std::vector<Ring> canonical(const PolygonSet& set) {
  std::vector<Ring> rings;
  for (const Polygon& polygon : set.polygons) {
    Ring r = polygon.points;
    auto less = [](const Point& a, const Point& b) { return a.x != b.x ? a.x < b.x : a.y < b.y; };
    std::rotate(r.begin(), std::min_element(r.begin(), r.end(), less), r.end());
    rings.push_back(r);
  }
  std::sort(rings.begin(), rings.end(), [](const Ring& a, const Ring& b) {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const Point& p, const Point& q) { return p.x != q.x ? p.x < q.x : p.y < q.y; });
  });
  return rings;
}

/// A counter-clockwise triangle ring from three points given in any orientation.
Ring ccw(Point a, Point b, Point c) {
  PolygonSet s{{Polygon{{a, b, c}}}, 1};
  normalise_orientation(s);
  return canonical(s)[0];
}

// The hierarchy used below. A holds the triangle (0,0), (10,0), (0,20) on layer 1/0 and a square on
// 2/0; B places A rotated 270° at (5, 5); TOP places A four ways, an array of A, and B mirrored.
std::string hierarchy() {
  Stream s;
  s.begin_library();
  s.begin_structure("A")
      .boundary(1, 0, {0, 0, 10, 0, 0, 20})
      .boundary(2, 0, {0, 0, 4, 0, 4, 4, 0, 4});
  s.end_structure();
  s.begin_structure("B").sref("A", 5, 5, false, 1, 270).end_structure();
  s.begin_structure("TOP");
  s.sref("A", 100, 0);
  s.sref("A", 0, 100, false, 1, 90);
  s.sref("A", 200, 200, true, 2, 90);
  s.aref("A", 3, 2, {1000, 0, 1150, 0, 1000, 140}, false, 1, 180);
  s.sref("B", -1000, -1000, true);
  s.end_structure().end_library();
  return s.bytes;
}

}  // namespace

TEST_CASE("The 8-byte excess-64 real decodes and encodes the hand-made values", "[layout][gdsii]") {
  for (const auto& [value, bytes] : real8_bytes) {
    CHECK(gdsii::decode_real8(reinterpret_cast<const unsigned char*>(bytes.data())) == value);
    const auto encoded = gdsii::encode_real8(value);
    CHECK(std::string(encoded.begin(), encoded.end()) == bytes);
  }
  // A writer that truncated the fraction: the nearest double is still 1e-3.
  const std::string truncated = hex_bytes({0x3E, 0x41, 0x89, 0x37, 0x4B, 0xC6, 0xA7, 0xEF});
  CHECK(gdsii::decode_real8(reinterpret_cast<const unsigned char*>(truncated.data())) == 1e-3);
  const std::string negative = hex_bytes({0xC1, 0x28, 0, 0, 0, 0, 0, 0});  // −2.5
  CHECK(gdsii::decode_real8(reinterpret_cast<const unsigned char*>(negative.data())) == -2.5);
  CHECK(gdsii::encode_real8(0.0) == std::array<unsigned char, 8>{});
  CHECK_THROWS_AS(gdsii::encode_real8(1e300), invalid_argument);
}

TEST_CASE("A hand-built hierarchy flattens with reflection, magnification, rotation and arrays",
          "[layout][gdsii]") {
  const gdsii::Library lib = gdsii::parse_library(hierarchy());
  CHECK(lib.name() == "TESTLIB");
  CHECK(lib.unit_nm() == Approx(1.0));
  CHECK(lib.units().user_unit_m == Approx(1e-6));
  CHECK(lib.top_cell() == "TOP");
  CHECK(lib.structures().size() == 3);
  CHECK(lib.layers() == std::vector<gdsii::LayerKey>{{1, 0}, {2, 0}});
  const PolygonSet flat = lib.flatten({{1, 0}});
  CHECK(flat.unit_nm == Approx(1.0));
  std::vector<Ring> expected = {
      ccw({100, 0}, {110, 0}, {100, 20}),               // SREF at (100, 0)
      ccw({0, 100}, {0, 110}, {-20, 100}),              // rotated 90°: (x, y) -> (−y, x)
      ccw({200, 200}, {200, 220}, {240, 200}),          // reflected, ×2, 90°
      ccw({-995, -1005}, {-995, -995}, {-975, -1005}),  // via B: 270° at (5, 5), then reflected
  };
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {  // 180° turns (x, y) into (−x, −y); pitch (50, 0) and (0, 70)
      const coord_t x = 1000 + 50 * c, y = 70 * r;
      expected.push_back(ccw({x, y}, {x - 10, y}, {x, y - 20}));
    }
  std::sort(expected.begin(), expected.end(), [](const Ring& a, const Ring& b) {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](const Point& p, const Point& q) { return p.x != q.x ? p.x < q.x : p.y < q.y; });
  });
  CHECK(canonical(flat) == expected);
  for (const Polygon& p : flat.polygons) CHECK(twice_signed_area(p) > 0);
  // Layer 2 only, and both layers.
  CHECK(lib.flatten({{2, 0}}).polygons.size() == 10);
  CHECK(lib.flatten({{1, 0}, {2, 0}}).polygons.size() == 20);
  // A layer no structure holds selects nothing: refused, with the layers there are.
  CHECK_THROWS_WITH(lib.flatten({{7, 7}}), Contains("Library::flatten") &&
                                               Contains("'layer' = 7/7") && Contains("{1/0, 2/0}"));
  CHECK_THROWS_WITH(lib.flatten({{1, 0}, {2, 1}}), Contains("'layer' = 2/1"));
  CHECK_THROWS_WITH(lib.bounding_box("TOP", {{7, 7}}), Contains("'layer' = 7/7"));
  // Flattening B alone: one triangle.
  CHECK(canonical(lib.flatten({{1, 0}}, "B")) == std::vector<Ring>{ccw({5, 5}, {5, -5}, {25, 5})});
  CHECK(lib.bounding_box("B", {{1, 0}}) == Box{5, -5, 25, 5});
  CHECK(lib.bounding_box("TOP", {{1, 0}}) == Box{-995, -1005, 1100, 220});
}

TEST_CASE("Windows expand only instances that reach them and keep polygons that meet them",
          "[layout][gdsii]") {
  const gdsii::Library lib = gdsii::parse_library(hierarchy());
  CHECK(canonical(lib.read_window(Box{90, -5, 120, 25}, {{1, 0}})) ==
        std::vector<Ring>{ccw({100, 0}, {110, 0}, {100, 20})});
  // The window meets the triangle's bounds but not the triangle.
  CHECK(lib.read_window(Box{108, 15, 115, 25}, {{1, 0}}).polygons.empty());
  // Array instances in column 1 of both rows: (1050, 0) and (1050, 70).
  CHECK(lib.read_window(Box{1045, -30, 1052, 80}, {{1, 0}}).polygons.size() == 2);
  CHECK(lib.read_window(Box{-5000, -5000, 5000, 5000}, {{1, 0}}).polygons.size() == 10);
  // A window off the layout selects nothing: refused, naming the window and the top cell's bounds
  // (those of the flattened layer 1/0 above); the same window is inside the bounds of both layers.
  CHECK_THROWS_WITH(lib.read_window(Box{3000, 3000, 3001, 3001}, {{1, 0}}),
                    Contains("'window' = [3000, 3001] x [3000, 3001]") &&
                        Contains("[-995, 1100] x [-1005, 220]") && Contains("'TOP'") &&
                        Contains("{1/0}"));
  CHECK_THROWS_WITH(lib.read_window(Box{1101, -2000, 1200, 2000}, {{1, 0}}),
                    Contains("[-995, 1100]"));
  // Touching the bounds at their corner (1100, 220), which no polygon reaches: a window on the
  // layout that holds no polygon is legitimately empty.
  CHECK(lib.read_window(Box{1100, 220, 1200, 300}, {{1, 0}}).polygons.empty());
  CHECK_THROWS_WITH(lib.read_window(Box{0, 0, 0, 10}, {{1, 0}}),
                    Contains("window") && Contains("positive area"));
  CHECK_THROWS_AS(lib.read_window(Box{}, {{1, 0}}), invalid_argument);
  CHECK_THROWS_WITH(lib.flatten({}), Contains("layers"));
  CHECK_THROWS_WITH(lib.flatten({{1, 0}}, "NOPE"), Contains("NOPE"));
  gdsii::FlattenLimits small;
  small.max_visits = 5;
  CHECK_THROWS_WITH(lib.flatten({{1, 0}}, {}, small), Contains("max_visits"));
}

TEST_CASE("Paths of each end type flatten to hand-computed outlines", "[layout][gdsii]") {
  auto path = [](int type, std::vector<std::int32_t> xy, int width, int begin = -1, int end = -1) {
    Stream s;
    s.begin_library().begin_structure("P");
    s.none(0x09).int16s(0x0D, {3}).int16s(0x0E, {0}).int16s(0x21, {type}).int32s(0x0F, {width});
    if (begin >= 0) s.int32s(0x30, {begin});
    if (end >= 0) s.int32s(0x31, {end});
    s.int32s(0x10, xy).none(0x11).end_structure().end_library();
    return gdsii::parse_library(s.bytes).flatten({{3, 0}});
  };
  CHECK(canonical(path(0, {0, 0, 100, 0}, 10)) ==
        std::vector<Ring>{{{0, -5}, {100, -5}, {100, 5}, {0, 5}}});
  CHECK(canonical(path(2, {0, 0, 100, 0}, 10)) ==
        std::vector<Ring>{{{-5, -5}, {105, -5}, {105, 5}, {-5, 5}}});
  CHECK(canonical(path(4, {0, 0, 100, 0}, 10, 3, 7)) ==
        std::vector<Ring>{{{-3, -5}, {107, -5}, {107, 5}, {-3, 5}}});
  // Type 0 ignores extensions, as the manual says.
  CHECK(canonical(path(0, {0, 0, 100, 0}, 10, 3, 7)) ==
        std::vector<Ring>{{{0, -5}, {100, -5}, {100, 5}, {0, 5}}});
  const PolygonSet round = path(1, {0, 0, 0, 100}, 10);
  CHECK(round.polygons.size() == 3);
  CHECK(bounds(round) == Box{-5, -5, 5, 105});
  // Vertical L: up then right, width 20; outer corner of the miter at (−10, 110).
  const PolygonSet bend = path(0, {0, 0, 0, 100, 100, 100}, 20);
  CHECK(bend.polygons.size() == 3);
  CHECK(bounds(bend) == Box{-10, 0, 100, 110});
  // A magnified placement scales the width: P under MAG 2 is 200 long and 20 wide.
  Stream s;
  s.begin_library().begin_structure("P");
  s.none(0x09)
      .int16s(0x0D, {3})
      .int16s(0x0E, {0})
      .int32s(0x0F, {10})
      .int32s(0x10, {0, 0, 100, 0})
      .none(0x11);
  s.end_structure()
      .begin_structure("TOP")
      .sref("P", 0, 0, false, 2, 0)
      .end_structure()
      .end_library();
  CHECK(bounds(gdsii::parse_library(s.bytes).flatten({{3, 0}})) == Box{0, -10, 200, 10});
}

TEST_CASE("Malformed streams are refused with offset, record and expectation", "[layout][gdsii]") {
  const std::string good = hierarchy();
  CHECK_THROWS_WITH(gdsii::parse_library(good.substr(0, good.size() - 2)),
                    Contains("truncated") && Contains("byte offset"));
  CHECK_THROWS_WITH(gdsii::parse_library(good.substr(0, 30)), Contains("truncated"));
  CHECK_THROWS_AS(gdsii::parse_library(""), io_error);
  // Odd length, length below 4.
  CHECK_THROWS_WITH(gdsii::parse_library(hex_bytes({0, 5, 0, 2, 2, 88, 0})),
                    Contains("record length = 5"));
  CHECK_THROWS_WITH(gdsii::parse_library(hex_bytes({0, 2, 0, 2})), Contains("record length = 2"));
  // Unknown record type and wrong data type.
  CHECK_THROWS_WITH(gdsii::parse_library(hex_bytes({0, 4, 0x70, 0})), Contains("record type 0x70"));
  CHECK_THROWS_WITH(gdsii::parse_library(hex_bytes({0, 6, 0, 3, 2, 88})),
                    Contains("HEADER: data type = 3") && Contains("byte offset 0"));
  auto with_element = [](const std::function<void(Stream&)>& element) {
    Stream s;
    s.begin_library().begin_structure("A").boundary(1, 0, {0, 0, 1, 0, 0, 1}).end_structure();
    s.begin_structure("TOP");
    element(s);
    s.end_structure().end_library();
    return s.bytes;
  };
  // XY count: an open ring, too few points, an SREF with two points.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.none(0x08)
                          .int16s(0x0D, {1})
                          .int16s(0x0E, {0})
                          .int32s(0x10, {0, 0, 5, 0, 5, 5, 0, 5})
                          .none(0x11);
                    })),
                    Contains("record XY") && Contains("last point") && Contains("(0, 0)"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.none(0x08)
                          .int16s(0x0D, {1})
                          .int16s(0x0E, {0})
                          .int32s(0x10, {0, 0, 5, 0, 0, 0})
                          .none(0x11);
                    })),
                    Contains("point count = 3"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.none(0x0A).ascii(0x12, "A").int32s(0x10, {0, 0, 1, 1}).none(0x11);
                    })),
                    Contains("point count = 2") && Contains("SREF"));
  CHECK_THROWS_WITH(
      gdsii::parse_library(with_element([](Stream& s) {
        s.none(0x08).int16s(0x0D, {1}).int16s(0x0E, {0}).int32s(0x10, {0, 0, 5}).none(0x11);
      })),
      Contains("even count"));
  // Missing LAYER, and a record that does not belong to the element.
  CHECK_THROWS_WITH(
      gdsii::parse_library(with_element([](Stream& s) {
        s.none(0x08).int16s(0x0E, {0}).int32s(0x10, {0, 0, 5, 0, 0, 5, 0, 0}).none(0x11);
      })),
      Contains("without") && Contains("LAYER"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.none(0x08).int16s(0x0D, {1}).int16s(0x13, {1, 1}).none(0x11);
                    })),
                    Contains("record COLROW"));
  // Self-crossing boundary: names the structure and the crossing point.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.boundary(1, 0, {0, 0, 10, 10, 10, 0, 0, 10});
                    })),
                    Contains("'TOP'") && Contains("cross at (5, 5)"));
  // Undefined structure and cycles.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) { s.sref("MISSING", 0, 0); })),
                    Contains("MISSING") && Contains("record SNAME"));
  Stream cycle;
  cycle.begin_library();
  cycle.begin_structure("X").sref("Y", 0, 0).end_structure();
  cycle.begin_structure("Y").sref("Z", 0, 0).end_structure();
  cycle.begin_structure("Z").sref("X", 0, 0).end_structure().end_library();
  CHECK_THROWS_WITH(gdsii::parse_library(cycle.bytes), Contains("cycle = X -> Y -> Z -> X"));
  Stream self;
  self.begin_library().begin_structure("S").sref("S", 1, 1).end_structure().end_library();
  CHECK_THROWS_WITH(gdsii::parse_library(self.bytes), Contains("cycle = S -> S"));
  // Unsupported features are refused, not approximated.
  CHECK_THROWS_WITH(
      gdsii::parse_library(with_element([](Stream& s) {
        s.none(0x0A).ascii(0x12, "A").bits(0x1A, 0x0004).int32s(0x10, {0, 0}).none(0x11);
      })),
      Contains("absolute"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.none(0x09)
                          .int16s(0x0D, {1})
                          .int16s(0x0E, {0})
                          .int32s(0x0F, {-10})
                          .int32s(0x10, {0, 0, 5, 0})
                          .none(0x11);
                    })),
                    Contains("WIDTH") && Contains("-10"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.aref("A", 0, 1, {0, 0, 0, 0, 0, 0});
                    })),
                    Contains("columns, rows = 0, 1"));
  // Coordinates pushed beyond 32 bits by a placement.
  Stream far;
  far.begin_library()
      .begin_structure("A")
      .boundary(1, 0, {0, 0, 2000000000, 0, 0, 10})
      .end_structure();
  far.begin_structure("TOP").sref("A", 0, 0, false, 2, 0).end_structure().end_library();
  const gdsii::Library far_lib = gdsii::parse_library(far.bytes);
  CHECK_THROWS_WITH(far_lib.flatten({{1, 0}}), Contains("(2000000000, 0)") && Contains("2^31"));
  // Several top cells: the default is refused, a named one works.
  Stream two;
  two.begin_library().begin_structure("A").boundary(1, 0, {0, 0, 1, 0, 0, 1}).end_structure();
  two.begin_structure("B").boundary(1, 0, {0, 0, 1, 0, 0, 1}).end_structure().end_library();
  const gdsii::Library two_lib = gdsii::parse_library(two.bytes);
  CHECK(two_lib.top_cells() == std::vector<std::string>{"A", "B"});
  CHECK_THROWS_WITH(two_lib.flatten({{1, 0}}), Contains("{A, B}"));
  CHECK(two_lib.flatten({{1, 0}}, "B").polygons.size() == 1);
  // Zero padding after ENDLIB is fine, other bytes are not.
  CHECK_NOTHROW(gdsii::parse_library(good + std::string(100, '\0')));
  CHECK_THROWS_WITH(gdsii::parse_library(good + "xy"), Contains("after ENDLIB"));
}

TEST_CASE(
    "Zero-area boundaries and BOXes and zero-width paths are kept aside; other BOXes must be "
    "rectangles",
    "[layout][gdsii]") {
  // TOP holds a triangle on 1/0 and then `element`, whose byte offset lands in `at`.
  auto with_element = [](const std::function<void(Stream&)>& element, std::size_t* at = nullptr) {
    Stream s;
    s.begin_library().begin_structure("TOP").boundary(1, 0, {0, 0, 10, 0, 0, 10});
    if (at) *at = s.bytes.size();
    element(s);
    s.end_structure().end_library();
    return s.bytes;
  };
  // The library holds the one degenerate shape `kind` on `key` at `at` with `points`; flattening
  // 1/0 alone is unaffected, selecting `key` is refused with the shape's record, layer, structure and
  // vertices.
  auto kept = [](const std::string& bytes, std::size_t at, gdsii::DegenerateShape::Kind kind,
                 gdsii::LayerKey key, const std::vector<Point>& points, const std::string& element,
                 const std::string& problem) {
    const gdsii::Library lib = gdsii::parse_library(bytes);
    REQUIRE(lib.degenerate_shapes().size() == 1);
    const gdsii::DegenerateShape& d = lib.degenerate_shapes()[0];
    CHECK(d.kind == kind);
    CHECK(d.key == key);
    CHECK(d.structure == 0);
    CHECK(d.offset == at);
    CHECK(d.points == points);
    CHECK(d.element() == element);
    CHECK(std::binary_search(lib.layers().begin(), lib.layers().end(), key));
    CHECK(canonical(lib.flatten({{1, 0}})) == std::vector<Ring>{ccw({0, 0}, {10, 0}, {0, 10})});
    CHECK_THROWS_AS(lib.flatten({key}), io_error);
    const std::string layer = std::to_string(key.layer) + "/" + std::to_string(key.datatype);
    CHECK_THROWS_WITH(lib.flatten({key}),
                      Contains("byte offset " + std::to_string(at) + ", " + element) &&
                          Contains("on layer " + layer) && Contains("in structure 'TOP'") &&
                          Contains(problem));
  };
  using Kind = gdsii::DegenerateShape::Kind;
  std::size_t at = 0;
  // Collinear vertices, and a sliver traced out along y = 0 and back in other pieces, with a spike
  // up and down x = 2: neither encloses area, although the sliver's vertices are not collinear.
  std::string bytes = with_element([](Stream& s) { s.boundary(9, 0, {0, 0, 10, 0, 5, 0}); }, &at);
  kept(bytes, at, Kind::zero_area_boundary, {9, 0}, {{0, 0}, {10, 0}, {5, 0}}, "BOUNDARY",
       "zero area, vertices (0, 0) (10, 0) (5, 0); expected a ring that encloses some area");
  bytes = with_element([](Stream& s) { s.boundary(9, 2, {0, 0, 4, 0, 2, 0, 2, 3, 2, 0}); }, &at);
  kept(bytes, at, Kind::zero_area_boundary, {9, 2}, {{0, 0}, {4, 0}, {2, 0}, {2, 3}, {2, 0}},
       "BOUNDARY", "(0, 0) (4, 0) (2, 0) (2, 3) (2, 0)");
  // Two triangles touching at (1, 1), run in opposite senses: zero signed area, but 2 of area.
  const gdsii::Library eight = gdsii::parse_library(with_element([](Stream& s) {
    s.boundary(5, 0, {0, 0, 1, 1, 2, 2, 2, 0, 1, 1, 0, 2});
  }));
  CHECK(eight.flatten({{5, 0}}).polygons.size() == 1);
  CHECK(eight.degenerate_shapes().empty());
  // A zero-area ring whose arms cross at (0, 0) (a plus sign traced out and back): the crossing is
  // structural, refused at read time before the area is looked at.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.boundary(9, 0, {-4, 0, 4, 0, 0, 0, 0, 4, 0, -4, 0, 0});
                    })),
                    Contains("record XY") && Contains("cross at (0, 0)"));

  // BOX: four corners of an axis-parallel rectangle of positive area, in either turning order.
  CHECK(bounds(gdsii::parse_library(with_element([](Stream& s) {
                 s.box(4, 0, {0, 0, 0, 8, 6, 8, 6, 0, 0, 0});
               })).flatten({{4, 0}})) == Box{0, 0, 6, 8});
  // Points spanning an area that are not such corners: refused at read time on any layer.
  CHECK_THROWS_WITH(
      gdsii::parse_library(with_element([](Stream& s) {
        s.box(4, 0, {0, 4, 4, 0, 8, 4, 4, 8, 0, 4});
      })),
      Contains("byte offset") && Contains("record XY") && Contains("box in structure 'TOP'") &&
          Contains("(0, 4) (4, 0) (8, 4) (4, 8)") && Contains("axis-parallel rectangle"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.box(4, 0, {0, 0, 8, 0, 6, 4, 2, 4, 0, 0});
                    })),
                    Contains("(0, 0) (8, 0) (6, 4) (2, 4)"));
  // Zero area as a ring, but bounds of positive area (a reader taking the bounds would draw a square),
  // and points on a diagonal line: both refused, not kept.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.box(4, 0, {0, 0, 4, 0, 4, 4, 4, 0, 0, 0});
                    })),
                    Contains("box in structure 'TOP'") && Contains("(0, 0) (4, 0) (4, 4) (4, 0)"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.box(4, 0, {0, 0, 2, 2, 4, 4, 1, 1, 0, 0});
                    })),
                    Contains("box in structure 'TOP'"));
  // Points on one axis-parallel line cover nothing however the BOX is read: kept, on layer 4/BOXTYPE.
  bytes = with_element([](Stream& s) { s.box(4, 3, {0, 0, 8, 0, 8, 0, 0, 0, 0, 0}); }, &at);
  kept(
      bytes, at, Kind::zero_area_box, {4, 3}, {{0, 0}, {8, 0}, {8, 0}, {0, 0}}, "BOX",
      "zero area, corners (0, 0) (8, 0) (8, 0) (0, 0); expected the corners of an axis-parallel rectangle");
  bytes = with_element([](Stream& s) { s.box(4, 0, {0, 0, 0, 8, 0, 2, 0, 5, 0, 0}); }, &at);
  kept(bytes, at, Kind::zero_area_box, {4, 0}, {{0, 0}, {0, 8}, {0, 2}, {0, 5}}, "BOX",
       "(0, 0) (0, 8) (0, 2) (0, 5)");

  // PATH: a zero width, written or implied by a missing WIDTH, is a line.
  bytes = with_element([](Stream& s) { s.path(1, 7, 0, {0, 0, 5, 0, 5, 9}, 2); }, &at);
  kept(bytes, at, Kind::zero_width_path, {1, 7}, {{0, 0}, {5, 0}, {5, 9}}, "PATH",
       "width 0 along (0, 0) (5, 0) (5, 9); expected a positive width");
  bytes = with_element([](Stream& s) { s.path(2, 0, std::nullopt, {0, 0, 5, 0}); }, &at);
  kept(bytes, at, Kind::zero_width_path, {2, 0}, {{0, 0}, {5, 0}}, "PATH",
       "width 0 along (0, 0) (5, 0)");
  // What is malformed stays refused at read time, zero width or not: a bad path type, one point.
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.path(2, 0, 0, {0, 0, 5, 0}, 3);
                    })),
                    Contains("record PATHTYPE") && Contains("path type = 3"));
  CHECK_THROWS_WITH(gdsii::parse_library(with_element([](Stream& s) {
                      s.path(2, 0, 0, {0, 0});
                    })),
                    Contains("point count = 1"));
}

namespace {

/// Layer 11/0 in a small hierarchy (CELL placed by TOP once turned and as a 2 x 2 array), with or
/// without degenerate shapes on 99/0: a zero-width PATH reaching far beyond the layout and a
/// zero-area BOUNDARY in CELL, another zero-area BOUNDARY in TOP. `offsets` gets their byte offsets.
std::string annotated(bool degenerate, std::vector<std::size_t>* offsets = nullptr) {
  Stream s;
  s.begin_library().begin_structure("CELL");
  s.boundary(11, 0, {0, 0, 100, 0, 100, 50, 0, 50});
  if (degenerate) {
    if (offsets) offsets->push_back(s.bytes.size());
    s.path(99, 0, 0, {-50000, 0, 50000, 0}, 2);
  }
  s.boundary(11, 0, {0, 60, 40, 60, 0, 90});
  if (degenerate) {
    if (offsets) offsets->push_back(s.bytes.size());
    s.boundary(99, 0, {0, 0, 0, 70000, 0, 30});
  }
  s.end_structure().begin_structure("TOP");
  if (degenerate) {
    if (offsets) offsets->push_back(s.bytes.size());
    s.boundary(99, 0, {-9000, -9000, 9000, 9000, 0, 0});
  }
  s.sref("CELL", 1000, 0, false, 1, 90).aref("CELL", 2, 2, {0, 0, 400, 0, 0, 300});
  s.boundary(11, 0, {-200, -200, -100, -200, -100, -100});
  s.end_structure().end_library();
  return s.bytes;
}

}  // namespace

TEST_CASE("Degenerate shapes on layers not selected change nothing; selecting them is refused",
          "[layout][gdsii]") {
  std::vector<std::size_t> offsets;
  const gdsii::Library dirty = gdsii::parse_library(annotated(true, &offsets));
  const gdsii::Library clean = gdsii::parse_library(annotated(false));
  REQUIRE(offsets.size() == 3);
  CHECK(clean.layers() == std::vector<gdsii::LayerKey>{{11, 0}});
  CHECK(dirty.layers() == std::vector<gdsii::LayerKey>{{11, 0}, {99, 0}});
  CHECK(clean.degenerate_shapes().empty());
  const std::vector<gdsii::DegenerateShape>& d = dirty.degenerate_shapes();
  REQUIRE(d.size() == 3);
  using Kind = gdsii::DegenerateShape::Kind;
  CHECK(d[0].kind == Kind::zero_width_path);
  CHECK(d[1].kind == Kind::zero_area_boundary);
  CHECK(d[2].kind == Kind::zero_area_boundary);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(d[i].key == gdsii::LayerKey{99, 0});
    CHECK(d[i].offset == offsets[i]);
    CHECK(dirty.structures()[d[i].structure].name == (i < 2 ? "CELL" : "TOP"));
  }

  // Layer 11/0 reads as from the library without them: 2 polygons in each of 5 placements of CELL
  // and one in TOP. TOP's own triangle, the turned CELL (x = 1000 − y) and the array's top row
  // (pitch 150, triangle apex at 150 + 90) bound it.
  const std::vector<gdsii::LayerKey> metal{{11, 0}};
  const PolygonSet flat = dirty.flatten(metal);
  CHECK(flat.polygons.size() == 11);
  CHECK(canonical(flat) == canonical(clean.flatten(metal)));
  CHECK(bounds(flat) == Box{-200, -200, 1000, 240});
  CHECK(dirty.bounding_box("TOP", metal) == Box{-200, -200, 1000, 240});
  CHECK(dirty.bounding_box("TOP", metal) == clean.bounding_box("TOP", metal));
  CHECK(dirty.bounding_box("CELL", metal) == Box{0, 0, 100, 90});
  CHECK(dirty.bounding_box("CELL", metal) == clean.bounding_box("CELL", metal));
  // Windows with the polygons counted by hand: the array's (0, 0) rectangle; all four array
  // rectangles and the (200, 0) triangle; both shapes of the turned CELL; TOP's triangle on its
  // hypotenuse; the (200, 150) triangle and the rectangle below it (touching at y = 200).
  const std::vector<std::pair<Box, std::size_t>> windows = {{Box{-5, -5, 5, 5}, 1},
                                                            {Box{90, 40, 210, 160}, 5},
                                                            {Box{900, 0, 1000, 50}, 2},
                                                            {Box{-150, -150, -140, -140}, 1},
                                                            {Box{200, 200, 250, 250}, 2}};
  for (const auto& [window, count] : windows) {
    INFO(window);
    const PolygonSet part = dirty.read_window(window, metal);
    CHECK(part.polygons.size() == count);
    CHECK(canonical(part) == canonical(clean.read_window(window, metal)));
  }

  // Selecting 99/0, alone or with 11/0: the first in file order is named, with the others counted.
  for (const std::vector<gdsii::LayerKey>& layers :
       {std::vector<gdsii::LayerKey>{{99, 0}}, std::vector<gdsii::LayerKey>{{11, 0}, {99, 0}}}) {
    CHECK_THROWS_AS(dirty.flatten(layers), io_error);
    CHECK_THROWS_WITH(
        dirty.flatten(layers),
        Contains("byte offset " + std::to_string(offsets[0]) + ", PATH on layer 99/0") &&
            Contains("in structure 'CELL'") && Contains("top cell 'TOP'") &&
            Contains("Library::flatten") && Contains("width 0 along (-50000, 0) (50000, 0)") &&
            Contains("expected a positive width") && Contains("without {99/0}") &&
            Contains("2 more"));
    CHECK_THROWS_AS(dirty.read_window(Box{0, 0, 10, 10}, layers), io_error);
    CHECK_THROWS_WITH(dirty.read_window(Box{0, 0, 10, 10}, layers),
                      Contains("Library::read_window"));
    CHECK_THROWS_AS(dirty.bounding_box("TOP", layers), io_error);
    CHECK_THROWS_WITH(dirty.bounding_box("TOP", layers),
                      Contains("Library::bounding_box") && Contains("2 more"));
  }
  // CELL reaches two of them.
  CHECK_THROWS_WITH(dirty.bounding_box("CELL", {{99, 0}}),
                    Contains("top cell 'CELL'") && Contains("PATH") && Contains("1 more"));
  CHECK_THROWS_WITH(dirty.flatten({{99, 0}}, "CELL"), Contains("1 more"));
  // A layer no structure holds is still the caller's mistake, not the file's.
  CHECK_THROWS_AS(dirty.flatten({{98, 0}}), invalid_argument);
}

TEST_CASE("A degenerate shape outside the chosen top cell's reach does not block it",
          "[layout][gdsii]") {
  // TOP places A; OTHER places MID, an array of BAD, whose zero-area BOUNDARY on 11/0 and zero-width
  // PATH on 12/0 sit two levels down.
  Stream s;
  s.begin_library();
  s.begin_structure("A").boundary(11, 0, {0, 0, 30, 0, 30, 20, 0, 20}).end_structure();
  s.begin_structure("BAD").boundary(11, 0, {0, 0, 5, 0, 5, 5, 0, 5});
  const std::size_t at = s.bytes.size();
  s.boundary(11, 0, {0, 0, 7, 7, 3, 3}).path(12, 0, 0, {0, 0, 0, 9}).end_structure();
  s.begin_structure("MID").aref("BAD", 2, 1, {0, 0, 20, 0, 0, 10}).end_structure();
  s.begin_structure("TOP").sref("A", 100, 200).end_structure();
  s.begin_structure("OTHER").sref("MID", 0, 0).end_structure().end_library();
  const gdsii::Library lib = gdsii::parse_library(s.bytes);
  CHECK(lib.top_cells() == std::vector<std::string>{"TOP", "OTHER"});
  CHECK(lib.layers() == std::vector<gdsii::LayerKey>{{11, 0}, {12, 0}});
  REQUIRE(lib.degenerate_shapes().size() == 2);
  CHECK(lib.structures()[lib.degenerate_shapes()[0].structure].name == "BAD");

  const std::vector<gdsii::LayerKey> metal{{11, 0}};
  CHECK(canonical(lib.flatten(metal, "TOP")) ==
        std::vector<Ring>{{{100, 200}, {130, 200}, {130, 220}, {100, 220}}});
  CHECK(lib.bounding_box("TOP", metal) == Box{100, 200, 130, 220});
  CHECK(lib.read_window(Box{120, 210, 140, 230}, metal, "TOP").polygons.size() == 1);
  CHECK(lib.bounding_box("A", metal) == Box{0, 0, 30, 20});
  // OTHER, MID and BAD reach it.
  for (const std::string top : {"OTHER", "MID", "BAD"}) {
    INFO(top);
    CHECK_THROWS_WITH(lib.flatten(metal, top),
                      Contains("byte offset " + std::to_string(at) + ", BOUNDARY on layer 11/0") &&
                          Contains("in structure 'BAD'") && Contains("top cell '" + top + "'") &&
                          Contains("(0, 0) (7, 7) (3, 3)"));
    CHECK_THROWS_AS(lib.read_window(Box{0, 0, 5, 5}, metal, top), io_error);
    CHECK_THROWS_AS(lib.bounding_box(top, metal), io_error);
    // Both layers that hold one are named, so that leaving them out is one retry.
    CHECK_THROWS_WITH(lib.flatten({{11, 0}, {12, 0}}, top), Contains("BOUNDARY on layer 11/0") &&
                                                                Contains("without {11/0, 12/0}") &&
                                                                Contains("1 more"));
  }
  // From TOP, 12/0 holds nothing at all: the ordinary refusal, listing what TOP does hold.
  CHECK_THROWS_AS(lib.flatten({{12, 0}}, "TOP"), invalid_argument);
  CHECK_THROWS_WITH(lib.flatten({{12, 0}}, "TOP"), Contains("'layers' = {12/0}") &&
                                                       Contains("top cell 'TOP'") &&
                                                       Contains(": {11/0}"));
}

TEST_CASE("A top cell with nothing on the layers is refused; bounding_box says empty",
          "[layout][gdsii]") {
  // E holds only layer 2/0 and is placed by TOP, which also holds 1/0.
  Stream s;
  s.begin_library();
  s.begin_structure("E").boundary(2, 0, {0, 0, 5, 0, 5, 5, 0, 5}).end_structure();
  s.begin_structure("TOP").boundary(1, 0, {0, 0, 10, 0, 0, 10}).sref("E", 100, 0).end_structure();
  s.end_library();
  const gdsii::Library lib = gdsii::parse_library(s.bytes);
  CHECK(lib.flatten({{1, 0}}).polygons.size() == 1);  // E adds nothing on 1/0: fine in a hierarchy
  CHECK(bounds(lib.flatten({{2, 0}})) == Box{100, 0, 105, 5});
  CHECK(lib.bounding_box("E", {{1, 0}}).empty());
  CHECK_THROWS_WITH(lib.flatten({{1, 0}}, "E"), Contains("Library::flatten") &&
                                                    Contains("'layers' = {1/0}") &&
                                                    Contains("top cell 'E'") && Contains("{2/0}"));
  CHECK_THROWS_WITH(lib.read_window(Box{0, 0, 10, 10}, {{1, 0}}, "E"),
                    Contains("read_window") && Contains("{2/0}"));
}

namespace {

/// A hierarchy with placements off the 90° lattice: A holds a triangle and a pentagon on 1/0 and a
/// square on 2/0; B places A rotated 30° and magnified 1.5, and A reflected and rotated 17.5°; C is
/// a reflected, rotated (123.4°), demagnified (0.7) 3 x 2 array of B whose lattice offsets need
/// rounding (P2 − P1 = (1000, 100) over 3 columns); TOP places C, A at 90° and half size (lattice
/// points at halves), and B reflected at 270°.
std::string rotated_hierarchy() {
  Stream s;
  s.begin_library();
  s.begin_structure("A").boundary(1, 0, {0, 0, 40, 0, 0, 25});
  s.boundary(1, 0, {50, 10, 80, 0, 95, 30, 70, 55, 45, 40})
      .boundary(2, 0, {0, 0, 10, 0, 10, 10, 0, 10});
  s.end_structure();
  s.begin_structure("B")
      .sref("A", 100, 50, false, 1.5, 30)
      .sref("A", -20, 0, true, 1, 17.5)
      .end_structure();
  s.begin_structure("C")
      .aref("B", 3, 2, {0, 0, 1000, 100, -50, 700}, true, 0.7, 123.4)
      .end_structure();
  s.begin_structure("TOP").sref("C", 5000, -3000, false, 3, 200).sref("A", 0, 0, false, 0.5, 90);
  s.sref("B", -3000, 2000, true, 1, 270).end_structure().end_library();
  return s.bytes;
}

}  // namespace

TEST_CASE(
    "bounding_box equals the flattened bounds under rotated, magnified and reflected placements",
    "[layout][gdsii]") {
  // By hand: a 100 x 100 square turned 45° in B, and B turned 45° again in TOP, is the square turned
  // 90°: [-100, 0] x [0, 100]. B itself spans x in [-70.7, 70.7], y in [0, 141.4]. Bounds of B's box
  // turned 45° would reach x = -150: the box of a box is not the box of the polygon.
  Stream s;
  s.begin_library();
  s.begin_structure("S").boundary(1, 0, {0, 0, 100, 0, 100, 100, 0, 100}).end_structure();
  s.begin_structure("B").sref("S", 0, 0, false, 1, 45).end_structure();
  s.begin_structure("TOP").sref("B", 0, 0, false, 1, 45).end_structure().end_library();
  const gdsii::Library square = gdsii::parse_library(s.bytes);
  CHECK(square.bounding_box("B", {{1, 0}}) == Box{-71, 0, 71, 141});
  CHECK(square.bounding_box("TOP", {{1, 0}}) == Box{-100, 0, 0, 100});
  CHECK(bounds(square.flatten({{1, 0}})) == Box{-100, 0, 0, 100});

  // The general hierarchy: every structure and layer selection against flatten().
  const gdsii::Library lib = gdsii::parse_library(rotated_hierarchy());
  const std::vector<std::vector<gdsii::LayerKey>> selections = {
      {{1, 0}}, {{2, 0}}, {{1, 0}, {2, 0}}};
  for (const std::string name : {"A", "B", "C", "TOP"})
    for (const auto& layers : selections) {
      INFO(name << " on " << layers.size() << " layer(s), first " << layers[0]);
      const Box flat = bounds(lib.flatten(layers, name));
      REQUIRE_FALSE(flat.empty());
      CHECK(lib.bounding_box(name, layers) == flat);
    }
}

TEST_CASE("Windows over rotated placements return exactly the flattened polygons that meet them",
          "[layout][gdsii]") {
  const gdsii::Library lib = gdsii::parse_library(rotated_hierarchy());
  const std::vector<gdsii::LayerKey> layers{{1, 0}, {2, 0}};
  const PolygonSet flat = lib.flatten(layers);
  const Box all = lib.bounding_box("TOP", layers);
  REQUIRE(all == bounds(flat));
  auto expected = [&](const Box& window) {
    PolygonSet meeting;
    for (const Polygon& p : flat.polygons)
      if (intersects(p, window)) meeting.polygons.push_back(p);
    return canonical(meeting);
  };
  // A 7 x 7 tiling of the bounds, and small windows at random places inside them.
  const coord_t w = (all.x1 - all.x0) / 7 + 1, h = (all.y1 - all.y0) / 7 + 1;
  std::size_t nonempty = 0, total = 0;
  for (int i = 0; i < 7; ++i)
    for (int j = 0; j < 7; ++j) {
      const Box window{all.x0 + i * w, all.y0 + j * h, all.x0 + (i + 1) * w, all.y0 + (j + 1) * h};
      const std::vector<Ring> got = canonical(lib.read_window(window, layers));
      CHECK(got == expected(window));
      nonempty += !got.empty();
      total += got.size();
    }
  CHECK(nonempty >= 5);  // TOP's three placements lie far apart: most tiles are empty
  CHECK(total >= flat.polygons.size());  // every polygon meets some tile
  // Small windows near the geometry: around a random flattened vertex, so that many of them graze
  // polygons and the culling of instances is tested where it matters.
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::size_t> pick(0, flat.polygons.size() - 1);
  std::uniform_int_distribution<coord_t> shift(-30, 30), side(1, 30);
  std::size_t grazing = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Polygon& p = flat.polygons[pick(rng)];
    const Point v = p.points[std::size_t(rng() % p.points.size())];
    const coord_t x0 = v.x + shift(rng), y0 = v.y + shift(rng);
    const Box window{x0, y0, x0 + side(rng), y0 + side(rng)};
    if (!window.intersects(all)) {  // beyond an outer vertex: off the layout
      CHECK_THROWS_AS(lib.read_window(window, layers), invalid_argument);
      continue;
    }
    const std::vector<Ring> want = expected(window);
    REQUIRE(canonical(lib.read_window(window, layers)) == want);
    grazing += !want.empty();
  }
  CHECK(grazing > 100);
}

TEST_CASE("TEXT, NODE and properties are skipped; BOX is read on its BOXTYPE", "[layout][gdsii]") {
  Stream s;
  s.begin_library().begin_structure("TOP");
  s.none(0x0C)
      .int16s(0x0D, {1})
      .int16s(0x16, {0})
      .record(0x17, 1, hex_bytes({0, 5}))
      .int32s(0x10, {3, 4});
  s.ascii(0x19, "label").none(0x11);
  s.none(0x15).int16s(0x0D, {1}).int16s(0x2A, {0}).int32s(0x10, {0, 0, 1, 1}).none(0x11);
  s.none(0x08).int16s(0x0D, {1}).int16s(0x0E, {0}).int32s(0x10, {0, 0, 5, 0, 0, 5, 0, 0});
  s.int16s(0x2B, {1}).ascii(0x2C, "prop").none(0x11);
  s.none(0x2D)
      .int16s(0x0D, {4})
      .int16s(0x2E, {2})
      .int32s(0x10, {0, 0, 8, 0, 8, 8, 0, 8, 0, 0})
      .none(0x11);
  s.end_structure().end_library();
  const gdsii::Library lib = gdsii::parse_library(s.bytes);
  CHECK(lib.layers() == std::vector<gdsii::LayerKey>{{1, 0}, {4, 2}});
  CHECK(lib.flatten({{1, 0}}).polygons.size() == 1);
  CHECK(bounds(lib.flatten({{4, 2}})) == Box{0, 0, 8, 8});
}

TEST_CASE("The writer's bytes match a hand-made stream and read back", "[layout][gdsii]") {
  PolygonSet set;
  set.unit_nm = 1;
  set.polygons.push_back(Polygon{{{0, 0}, {10, 0}, {0, 10}}});
  gdsii::WriteOptions options;
  options.library_name = "LIB";
  options.structure_name = "TOP";
  options.layer = {5, 2};
  Stream expected;
  expected.int16s(0x00, {600}).int16s(0x01, {1970, 1, 1, 0, 0, 0, 1970, 1, 1, 0, 0, 0});
  expected.ascii(0x02, "LIB").real8s(0x03, {1e-3, 1e-9});
  expected.int16s(0x05, {1970, 1, 1, 0, 0, 0, 1970, 1, 1, 0, 0, 0}).ascii(0x06, "TOP");
  expected.boundary(5, 2, {0, 0, 10, 0, 0, 10}).none(0x07).none(0x04);
  const std::string bytes = gdsii::serialize(set, options);
  CHECK(bytes == expected.bytes);
  CHECK(bytes.size() == 6 + 28 + 8 + 20 + 28 + 8 + 4 + 6 + 6 + 36 + 4 + 4 + 4);

  // Round trip: a random rectilinear set in 0.25 nm units comes back unchanged.
  PolygonSet many;
  many.unit_nm = 0.25;
  for (coord_t i = 0; i < 40; ++i)
    many.polygons.push_back(
        Polygon{{{i, -i}, {i + 7 * i + 1, -i}, {i + 7 * i + 1, 3 * i + 2}, {i, 3 * i + 2}}});
  many.polygons.push_back(
      Polygon{{{-max_coordinate, -max_coordinate}, {max_coordinate, 0}, {0, max_coordinate}}});
  const gdsii::Library back = gdsii::parse_library(gdsii::serialize(many, {}));
  CHECK(back.unit_nm() == 0.25);
  CHECK(back.units().user_unit_m == Approx(1e-6));
  CHECK(back.top_cell() == "TOP");
  const PolygonSet read = back.flatten({{0, 0}});
  CHECK(canonical(read) == canonical(many));

  // Writing to a file and reading it back.
  const std::string file = "test_gdsii_roundtrip.gds";
  gdsii::write_file(file, many);
  CHECK(canonical(gdsii::read_library(file).flatten({{0, 0}})) == canonical(many));
  std::remove(file.c_str());
  CHECK_THROWS_AS(gdsii::read_library("no/such/file.gds"), io_error);

  // Refusals.
  PolygonSet huge;
  huge.polygons.push_back(Polygon{});
  for (coord_t i = 0; i < 8191; ++i) huge.polygons[0].points.push_back({i, i * i % 7});
  CHECK_THROWS_WITH(gdsii::serialize(huge), Contains("8191") && Contains("8190"));
  huge.polygons[0].points.resize(8190);
  CHECK_NOTHROW(gdsii::serialize(huge));
  options.structure_name = "has space";
  CHECK_THROWS_WITH(gdsii::serialize(set, options), Contains("structure_name"));
}

namespace {

/// An independent walk over the records of a flat stream: boundary counts per layer/datatype,
/// structure names, referenced names, and XY bounds; nothing from the reader is used.
struct Walk {
  std::map<std::pair<int, int>, std::size_t> boundaries;
  std::vector<std::string> structures;
  std::set<std::string> referenced;
  std::vector<std::vector<std::pair<long, long>>> rings;  // BOUNDARY points, closing point dropped
  double database_unit_m = 0;
};

Walk walk(const std::string& bytes) {
  Walk w;
  auto u8 = [&](std::size_t i) { return unsigned(static_cast<unsigned char>(bytes[i])); };
  auto i16 = [&](std::size_t i) {
    return int(std::int16_t(std::uint16_t(u8(i) << 8 | u8(i + 1))));
  };
  auto i32 = [&](std::size_t i) {
    return long(
        std::int32_t(std::uint32_t(u8(i) << 24 | u8(i + 1) << 16 | u8(i + 2) << 8 | u8(i + 3))));
  };
  int element = -1, layer = -1;
  for (std::size_t at = 0; at + 4 <= bytes.size();) {
    const std::size_t length = u8(at) << 8 | u8(at + 1);
    const int type = int(u8(at + 2));
    const std::string body = bytes.substr(at + 4, length - 4);
    if (type == 0x03) {
      // The second real: sign, excess-64 exponent, 56-bit fraction.
      double fraction = 0;
      for (int i = 1; i < 8; ++i) fraction = fraction * 256 + u8(at + 4 + 8 + i);
      w.database_unit_m =
          fraction / 72057594037927936.0 * std::pow(16.0, int(u8(at + 12) & 0x7f) - 64);
    }
    if (type == 0x06) w.structures.push_back(body.substr(0, body.find('\0')));
    if (type == 0x12) w.referenced.insert(body.substr(0, body.find('\0')));
    if (type == 0x08 || type == 0x09 || type == 0x0A || type == 0x0B || type == 0x0C ||
        type == 0x2D)
      element = type;
    if (type == 0x0D) layer = i16(at + 4);
    if (type == 0x0E && element == 0x08) ++w.boundaries[{layer, i16(at + 4)}];
    if (type == 0x10 && element == 0x08) {
      std::vector<std::pair<long, long>> ring;
      for (std::size_t k = at + 4; k + 8 <= at + length; k += 8)
        ring.push_back({i32(k), i32(k + 4)});
      ring.pop_back();
      w.rings.push_back(ring);
    }
    if (type == 0x04) break;
    at += length;
  }
  return w;
}

}  // namespace

TEST_CASE("The shared 45 nm GCD layout agrees with an independent record walk",
          "[layout][gdsii][data]") {
  const auto path = test::data_file("layouts/gcd_45nm.gds");
  if (!path) return;
  std::ifstream in(*path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const Walk w = walk(bytes);
  const gdsii::Library lib = gdsii::parse_library(bytes);

  // Top cell: the structures nobody references.
  std::vector<std::string> tops;
  for (const std::string& s : w.structures)
    if (!w.referenced.count(s)) tops.push_back(s);
  REQUIRE(tops.size() == 1);
  CHECK(lib.top_cell() == tops[0]);
  CHECK(lib.top_cell() == "TOP");
  CHECK(lib.unit_nm() == Approx(w.database_unit_m * 1e9));
  CHECK(lib.unit_nm() == Approx(0.1));  // 0.1 nm database unit, 1 µm user unit
  CHECK(lib.units().user_unit_m == Approx(1e-6));

  std::vector<gdsii::LayerKey> layers;
  for (const auto& [key, count] : w.boundaries)
    layers.push_back({std::uint16_t(key.first), std::uint16_t(key.second)});
  CHECK(lib.layers() == layers);
  REQUIRE(!layers.empty());
  CHECK(layers == std::vector<gdsii::LayerKey>{{11, 0}});
  const PolygonSet flat = lib.flatten(layers);
  CHECK(flat.polygons.size() == w.boundaries.at({11, 0}));
  CHECK(flat.polygons.size() == 1776);
  Box walked;
  for (const auto& ring : w.rings)
    for (const auto& [x, y] : ring) walked.include(Point{x, y});
  CHECK(bounds(flat) == walked);
  CHECK(walked == Box{11400, 13150, 317300, 308850});

  // A window: every polygon with a vertex inside must come back, none whose bounds miss it.
  const Box window{100000, 100000, 160000, 140000};
  std::size_t must = 0, may = 0;
  for (const auto& ring : w.rings) {
    Box b;
    bool vertex_inside = false;
    for (const auto& [x, y] : ring) {
      b.include(Point{x, y});
      vertex_inside =
          vertex_inside || (x >= window.x0 && x <= window.x1 && y >= window.y0 && y <= window.y1);
    }
    must += vertex_inside;
    may += b.intersects(window);
  }
  const PolygonSet part = lib.read_window(window, layers);
  CHECK(part.polygons.size() >= must);
  CHECK(part.polygons.size() <= may);
  CHECK(must > 10);
  for (const Polygon& p : part.polygons) CHECK(bounds(p).intersects(window));
  CHECK_THROWS_WITH(lib.read_window(Box{0, 0, 1000, 1000}, layers),
                    Contains("[11400, 317300] x [13150, 308850]") && Contains("'TOP'"));
  CHECK(lib.bounding_box("TOP", layers) == walked);

  // Round trip of the flattened layer through the writer.
  const gdsii::Library again = gdsii::parse_library(gdsii::serialize(flat, {}));
  CHECK(again.unit_nm() == Approx(0.1));
  CHECK(canonical(again.flatten({{0, 0}})) == canonical(flat));
}
