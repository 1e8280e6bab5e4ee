// ICCAD-2013 .glp clips: the ten contest clips against a line count done here, and hand-written
// texts for the format and its errors.

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fabtwin/layout/glp.hpp"
#include "support/data.hpp"

using namespace fabtwin;
using namespace fabtwin::layout;
using Catch::Contains;

TEST_CASE("The ten ICCAD-2013 clips agree with an independent line count", "[layout][glp][data]") {
  for (int clip = 1; clip <= 10; ++clip) {
    const std::string name = "iccad2013/clips/M1_test" + std::to_string(clip) + ".glp";
    const auto path = test::data_file(name);
    if (!path) return;
    INFO(name);
    // Independent reading: count RECT/PGON lines on M1, bounds from their numbers.
    std::ifstream in(*path);
    std::string line;
    std::size_t shapes = 0;
    Box box;
    double area = 0;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      std::string keyword, flag, level;
      words >> keyword >> flag >> level;
      if ((keyword != "RECT" && keyword != "PGON") || level != "M1") continue;
      ++shapes;
      std::vector<long> v;
      for (long n; words >> n;) v.push_back(n);
      if (keyword == "RECT") {
        box.include(Point{v[0], v[1]});
        box.include(Point{v[0] + v[2], v[1] + v[3]});
        area += double(v[2]) * double(v[3]);
      } else {
        double twice = 0;
        for (std::size_t i = 0; i < v.size(); i += 2) {
          box.include(Point{v[i], v[i + 1]});
          const std::size_t j = (i + 2) % v.size();
          twice += double(v[i]) * double(v[j + 1]) - double(v[j]) * double(v[i + 1]);
        }
        area += std::fabs(twice) / 2;
      }
    }
    const PolygonSet set = read_glp(*path);
    CHECK(set.unit_nm == 1.0);
    CHECK(set.polygons.size() == shapes);
    CHECK(bounds(set) == box);
    double sum = 0;
    for (const Polygon& p : set.polygons) {
      CHECK(signed_area(p) > 0);  // oriented counter-clockwise
      sum += signed_area(p);
    }
    CHECK(sum == area);
    // The clip fits the canvas once shifted.
    const Box placed = bounds(place_on_iccad2013_canvas(set));
    CHECK(placed == Box{box.x0 + 512, box.y0 + 512, box.x1 + 512, box.y1 + 512});
    CHECK(placed.x1 < iccad2013_canvas_size);
    CHECK(placed.y1 < iccad2013_canvas_size);
    // Other levels: M1_test3 declares E1TARGET without shapes; others declare only M1.
    if (clip == 3)
      CHECK(read_glp(*path, "E1TARGET").polygons.empty());
    else
      CHECK_THROWS_WITH(read_glp(*path, "E1TARGET"), Contains("E1TARGET") && Contains("{M1}"));
  }
}

TEST_CASE("Clip 1 holds the hand-read first shapes", "[layout][glp][data]") {
  const auto path = test::data_file("iccad2013/clips/M1_test1.glp");
  if (!path) return;
  const PolygonSet set = read_glp(*path);
  REQUIRE(set.polygons.size() == 10);
  // RECT N M1 80 492 452 88: the closed box [80, 532] x [492, 580].
  CHECK(set.polygons[0].points == std::vector<Point>{{80, 492}, {532, 492}, {532, 580}, {80, 580}});
  // PGON N M1 216 80 304 80 304 140 324 140 324 220 216 220 (already counter-clockwise).
  CHECK(set.polygons[1].points ==
        std::vector<Point>{{216, 80}, {304, 80}, {304, 140}, {324, 140}, {324, 220}, {216, 220}});
}

namespace {
std::string clip(const std::string& body) {
  return "BEGIN     /* test */\nEQUIV  1  1000  MICRON  +X,+Y\nCNAME T\nLEVEL M1\nLEVEL M2\n\nCELL T PRIME\n" +
         body + "ENDMSG\n";
}
}  // namespace

TEST_CASE("Hand-written clips: rectangles, polygons, levels, orientation", "[layout][glp]") {
  const std::string text = clip(
      "   RECT N M1  0 0 4 4\n"
      "\tPGON N M1 10 10 10 20 20 20 20 10\r\n"  // clockwise, CRLF: comes back counter-clockwise
      "   PGON N M2 0 0 5 0 0 5 0 0\n"           // closing vertex repeated: dropped
      "   RECT N M2 -7 -8 1 2 /* comment */\n");
  const PolygonSet m1 = parse_glp(text);
  REQUIRE(m1.polygons.size() == 2);
  CHECK(m1.polygons[0].points == std::vector<Point>{{0, 0}, {4, 0}, {4, 4}, {0, 4}});
  CHECK(m1.polygons[1].points == std::vector<Point>{{20, 10}, {20, 20}, {10, 20}, {10, 10}});
  const PolygonSet m2 = parse_glp(text, "M2");
  REQUIRE(m2.polygons.size() == 2);
  CHECK(m2.polygons[0].points.size() == 3);
  CHECK(bounds(m2.polygons[1]) == Box{-7, -8, -6, -6});
  // EQUIV 1 MICRON = 4000 units: 0.25 nm units.
  const std::string quarter =
      "EQUIV 1 4000 MICRON +X,+Y\nLEVEL M1\nCELL X PRIME\nRECT N M1 0 0 1 1\nENDMSG\n\n";
  CHECK(parse_glp(quarter).unit_nm == 0.25);
  CHECK(iccad2013_placement().apply(Point{0, 0}) == Point{512, 512});
  CHECK(place_on_iccad2013_canvas(m1).polygons[0].points[2] == Point{516, 516});
  // Two triangles touching at (1, 1) and run in opposite senses: zero signed area, but a region.
  CHECK(parse_glp(clip("PGON N M1 0 0 1 1 2 2 2 0 1 1 0 2\n")).polygons.size() == 1);
}

TEST_CASE("A clip is placed only when it lies wholly on the contest canvas", "[layout][glp]") {
  auto box = [](coord_t x0, coord_t y0, coord_t x1, coord_t y1) {
    PolygonSet set;
    set.polygons.push_back(box_polygon(Box{x0, y0, x1, y1}));
    return set;
  };
  // Canvas pixels are the points 0 .. 2047: clip coordinates -512 .. 1535 once shifted by 512.
  CHECK(bounds(place_on_iccad2013_canvas(box(-512, -512, 1535, 1535))) == Box{0, 0, 2047, 2047});
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(box(0, 0, 1536, 10)),
                    Contains("place_on_iccad2013_canvas") && Contains("[0, 1536] x [0, 10]") &&
                        Contains("placed: [512, 2048] x [512, 522], partly off the canvas") &&
                        Contains("[0, 2047]"));
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(box(-513, 0, 10, 10)), Contains("partly off"));
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(box(3000, 3000, 3100, 3100)),
                    Contains("placed: [3512, 3612] x [3512, 3612], wholly off the canvas"));
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(box(max_coordinate - 10, 0, max_coordinate, 10)),
                    Contains("wholly off"));
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(PolygonSet{}),
                    Contains("clip.polygons") && Contains("no polygon"));
  PolygonSet quarter = box(0, 0, 1, 1);
  quarter.unit_nm = 0.25;
  CHECK_THROWS_WITH(place_on_iccad2013_canvas(quarter), Contains("unit_nm"));
}

TEST_CASE("Malformed clips are refused with the line number", "[layout][glp]") {
  auto fails = [](const std::string& body, const std::string& a, const std::string& b) {
    CHECK_THROWS_WITH(parse_glp(clip(body)), Contains(a) && Contains(b));
  };
  fails("RECT N M1 0 0 4 4\nPGON N M1 0 0 1 0 1\n", "line 9", "PGON coordinate count = '5'");
  fails("CIRCLE N M1 0 0 4\n", "line 8", "unknown keyword = 'CIRCLE'");
  fails("RECT N M1 0 0 4294967296 4\n", "line 8", "4294967296");
  fails("RECT N M1 0 0 99999999999999999999999 4\n", "line 8", "within");
  fails("RECT N M1 0 0 -3 4\n", "line 8", "RECT width = '-3'; expected a positive integer");
  fails("RECT N M1 0 0 0 4\n", "line 8", "RECT width = '0'");
  fails("RECT N M1 0 0 4 -1\n", "line 8", "RECT height = '-1'");
  // Zero-area polygons, refused like zero-width rectangles: collinear vertices, and a sliver traced
  // out along y = 0 and back with a spike up x = 2 (not collinear, still no area).
  fails("RECT N M1 0 0 4 4\nPGON N M1 0 0 4 0 2 0\n", "line 9",
        "PGON of zero area = '(0, 0) (4, 0) (2, 0)'");
  fails("PGON N M1 0 0 4 0 2 0 2 3 2 0 0 0\n", "line 8", "(0, 0) (4, 0) (2, 0) (2, 3) (2, 0)'");
  fails("PGON N M2 0 0 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9\n", "line 8",
        "(0, 0) (1, 1) (2, 2) (3, 3) (4, 4) (5, 5) (6, 6) (7, 7) ... (2 more; 10 vertices)");
  fails("RECT N M1 0 zero 4 4\n", "line 8", "'zero'");
  fails("RECT N M1 0 0 4\n", "line 8", "RECT N level x y w h");
  fails("RECT N M3 0 0 4 4\n", "line 8", "level = 'M3'");
  fails("RECT Y M1 0 0 4 4\n", "line 8", "shape flag");
  fails("PGON N M1 0 0 10 10 10 0 0 10\n", "line 8", "cross at (5, 5)");
  fails("PGON N M1 0 0 10 10\n", "line 8", "at least 3");
  fails("RECT N M1 2147483000 0 1000 4\n", "line 8", "far corner");
  fails("CELL U PRIME\n", "line 8", "second CELL");
  fails("RECT N M1 0 0 4 4 /* open comment\n", "line 8", "closing */");
  CHECK_THROWS_WITH(parse_glp(clip("") + "RECT N M1 0 0 1 1\n"),
                    Contains("line 9") && Contains("after ENDMSG"));
  CHECK_THROWS_WITH(parse_glp("LEVEL M1\nCELL T PRIME\nRECT N M1 0 0 1 1\n"),
                    Contains("without ENDMSG"));
  CHECK_THROWS_WITH(parse_glp("LEVEL M1\nRECT N M1 0 0 1 1\nENDMSG\n"),
                    Contains("line 2") && Contains("before CELL"));
  CHECK_THROWS_WITH(parse_glp("EQUIV 1 1000 MICRON -X,+Y\n"), Contains("axes"));
  CHECK_THROWS_AS(parse_glp(clip(""), "M9"), invalid_argument);
  CHECK_THROWS_WITH(parse_glp("LEVEL M1\nCELL T\nENDMSG\n", "M1", "my.glp"),
                    Contains("my.glp line 2"));
  CHECK_THROWS_AS(read_glp("no/such/clip.glp"), io_error);
}
