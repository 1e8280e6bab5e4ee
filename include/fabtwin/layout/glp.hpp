#pragma once
// Reader for the ICCAD-2013 mask-optimisation clips (.glp, a GL1 text dump), and their placement
// on the contest's 2048 x 2048 canvas of 1 nm pixels.
//
// Format, one statement per line, tokens separated by blanks, /* ... */ comments:
//   BEGIN                     start (the rest of the line is a comment)
//   EQUIV a b MICRON +X,+Y    a µm are b database units (the clips: 1 µm = 1000 units, so 1 nm)
//   CNAME name                cell name
//   LEVEL name                declares a level (layer)
//   CELL name PRIME           the cell's body follows
//   RECT N level x y w h      the closed box [x, x + w] x [y, y + h], w and h > 0
//   PGON N level x1 y1 ...    a polygon, at least three vertices (a repeated first vertex at the
//                             end is dropped), edges that do not cross, positive area (not all
//                             vertices on one line, no sliver traced out and back)
//   ENDMSG                    end; only blank lines may follow
// Contest placement (physics.md §1): the clip is drawn shifted by (+512, +512) into the canvas, and
// canvas pixel (column x, row y) is the point (x, y) of the shifted clip.

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/layout/geometry.hpp"
#include "fabtwin/layout/predicates.hpp"
#include "fabtwin/layout/shapes.hpp"
#include "fabtwin/layout/transform.hpp"

namespace fabtwin::layout {

/// Side of the ICCAD-2013 canvas in pixels (1 nm each).
inline constexpr coord_t iccad2013_canvas_size = 2048;
/// Shift from clip coordinates to canvas coordinates.
inline constexpr Point iccad2013_offset{512, 512};

/// The placement of a clip on the contest canvas: canvas point = clip point + (512, 512).
inline Transform iccad2013_placement() { return Transform::translation(iccad2013_offset); }

/// A copy of `clip` (nm units) moved onto the contest canvas. invalid_argument for a clip with no
/// polygon, or one that is not wholly on the canvas once placed: canvas pixel (i, j) is the point
/// (i, j), so every placed coordinate must lie in [0, 2047] (clip coordinates in [-512, 1535]). A
/// clip partly off the canvas would be scored on its visible part only, and one wholly off it as a
/// perfect print with every EPE probe failing; the ten contest clips lie in [80, 1146] (placed
/// [592, 1658]).
inline PolygonSet place_on_iccad2013_canvas(const PolygonSet& clip) {
  constexpr std::string_view where = "layout::place_on_iccad2013_canvas";
  require(clip.unit_nm == 1.0, where, "clip.unit_nm", clip.unit_nm,
          "1 (the canvas has 1 nm pixels)");
  require(!clip.polygons.empty(), where, "clip.polygons", "{} (no polygon)",
          "a clip with at least one polygon to place");
  const Box box = bounds(clip);
  // Placed bounds, computed before placing: Transform::apply would refuse a shift past 2^31 - 1.
  const Box placed{box.x0 + iccad2013_offset.x, box.y0 + iccad2013_offset.y,
                   box.x1 + iccad2013_offset.x, box.y1 + iccad2013_offset.y};
  const Box canvas{0, 0, iccad2013_canvas_size - 1, iccad2013_canvas_size - 1};
  if (!(placed.x0 >= canvas.x0 && placed.y0 >= canvas.y0 && placed.x1 <= canvas.x1 &&
        placed.y1 <= canvas.y1)) {
    std::ostringstream value;
    value << box << " (placed: " << placed
          << (placed.intersects(canvas) ? ", partly off the canvas)" : ", wholly off the canvas)");
    throw invalid_argument(argument_message(
        where, "clip bounds", value.str(),
        "a clip inside the 2048 x 2048 canvas [0, 2047] x [0, 2047] once shifted by (512, 512), "
        "i.e. clip coordinates in [-512, 1535]"));
  }
  const Transform placement = iccad2013_placement();
  PolygonSet out;
  out.unit_nm = 1.0;
  for (const Polygon& polygon : clip.polygons) out.polygons.push_back(placement.apply(polygon));
  return out;
}

namespace detail {

class GlpParser {
 public:
  GlpParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  PolygonSet run(std::string_view level) {
    bool ended = false, in_cell = false;
    std::size_t position = 0;
    while (position < text_.size()) {
      const std::size_t eol = std::min(text_.find('\n', position), text_.size());
      std::string_view line = text_.substr(position, eol - position);
      position = eol + 1;
      ++line_number_;
      tokens_ = split(strip_comments(line));
      if (tokens_.empty()) continue;
      const std::string_view keyword = tokens_[0];
      if (ended) fail("text after ENDMSG", keyword, "only blank lines");
      if (keyword == "BEGIN") {
        // The rest of the line is free text (a generator banner).
      } else if (keyword == "EQUIV") {
        arity(5, "EQUIV a b MICRON +X,+Y");
        if (in_cell || !polygons_.empty()) fail("EQUIV", "after shapes", "EQUIV before CELL");
        const coord_t microns = positive(tokens_[1], "EQUIV microns"),
                      units = positive(tokens_[2], "EQUIV units");
        if (tokens_[3] != "MICRON") fail("EQUIV unit", tokens_[3], "MICRON");
        if (tokens_[4] != "+X,+Y") fail("EQUIV axes", tokens_[4], "+X,+Y");
        unit_nm_ = double(microns) * 1000.0 / double(units);
      } else if (keyword == "CNAME") {
        arity(2, "CNAME name");
      } else if (keyword == "LEVEL") {
        arity(2, "LEVEL name");
        levels_.insert(std::string(tokens_[1]));
      } else if (keyword == "CELL") {
        if (tokens_.size() != 3 || tokens_[2] != "PRIME")
          fail("CELL statement", line, "CELL name PRIME");
        if (in_cell) fail("second CELL", tokens_[1], "one flat cell per clip");
        in_cell = true;
      } else if (keyword == "RECT" || keyword == "PGON") {
        if (!in_cell) fail(keyword, "before CELL", "shapes inside CELL ... ENDMSG");
        shape(keyword == "RECT", level);
      } else if (keyword == "ENDMSG") {
        arity(1, "ENDMSG");
        ended = true;
      } else {
        fail("unknown keyword", keyword, "BEGIN, EQUIV, CNAME, LEVEL, CELL, RECT, PGON or ENDMSG");
      }
    }
    if (!ended) fail("end of file", "without ENDMSG", "ENDMSG as the last statement");
    if (!levels_.count(std::string(level))) {
      std::string known;
      for (const std::string& l : levels_) known += (known.empty() ? "" : ", ") + l;
      throw invalid_argument(argument_message(
          "layout::parse_glp", "level", std::string(level),
          "a level the clip declares {" + known + "} (" + std::string(source_) + ")"));
    }
    PolygonSet out;
    out.polygons = std::move(polygons_);
    out.unit_nm = unit_nm_;
    normalise_orientation(out);
    return out;
  }

 private:
  template <class Value>
  [[noreturn]] void fail(std::string_view what, const Value& value,
                         std::string_view expected) const {
    std::ostringstream out;
    out << "fabtwin::layout::parse_glp: " << source_ << " line " << line_number_ << ": " << what
        << " = '" << value << "'; expected " << expected;
    throw io_error(out.str());
  }

  std::string_view strip_comments(std::string_view line) {
    comment_free_.clear();
    for (std::size_t i = 0; i < line.size();) {
      if (line.compare(i, 2, "/*") == 0) {
        const std::size_t close = line.find("*/", i + 2);
        if (close == std::string_view::npos) fail("comment", line.substr(i), "a closing */");
        comment_free_ += ' ';
        i = close + 2;
      } else {
        comment_free_ += line[i++];
      }
    }
    return comment_free_;
  }

  static std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    auto blank = [](char c) {
      return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
    };
    while (i < line.size()) {
      while (i < line.size() && blank(line[i])) ++i;
      const std::size_t start = i;
      while (i < line.size() && !blank(line[i])) ++i;
      if (i > start) tokens.push_back(line.substr(start, i - start));
    }
    return tokens;
  }

  void arity(std::size_t n, std::string_view form) const {
    if (tokens_.size() != n) fail(std::string(tokens_[0]) + " token count", tokens_.size(), form);
  }

  /// A decimal integer within the signed 32-bit range of layout coordinates.
  coord_t number(std::string_view token) const {
    std::int64_t value = 0;
    const char* end = token.data() + token.size();
    const char* first = token.data() + (!token.empty() && token[0] == '+' ? 1 : 0);
    const auto [ptr, ec] = std::from_chars(first, end, value);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc() && ptr == end && (value > max_coordinate || value < -max_coordinate)))
      fail("number", token, "an integer within ±(2^31 - 1)");
    if (ec != std::errc() || ptr != end || first == end) fail("number", token, "a decimal integer");
    return value;
  }
  coord_t positive(std::string_view token, std::string_view what) const {
    const coord_t v = number(token);
    if (v <= 0) fail(what, token, "a positive integer");
    return v;
  }

  void shape(bool rect, std::string_view wanted) {
    if (tokens_.size() < 3)
      fail(std::string(tokens_[0]) + " token count", tokens_.size(),
           rect ? "RECT N level x y w h" : "PGON N level x1 y1 x2 y2 x3 y3 ...");
    if (tokens_[1] != "N") fail("shape flag", tokens_[1], "N");
    const std::string_view shape_level = tokens_[2];
    if (!levels_.count(std::string(shape_level)))
      fail("level", shape_level, "a level declared by a LEVEL line before");
    Polygon polygon;
    if (rect) {
      arity(7, "RECT N level x y w h");
      const coord_t x = number(tokens_[3]), y = number(tokens_[4]);
      const coord_t w = positive(tokens_[5], "RECT width"), h = positive(tokens_[6], "RECT height");
      if (x + w > max_coordinate || y + h > max_coordinate)
        fail("RECT far corner", std::to_string(x + w) + " " + std::to_string(y + h),
             "coordinates within ±(2^31 - 1)");
      polygon = box_polygon(Box{x, y, x + w, y + h});
    } else {
      const std::size_t n = tokens_.size() - 3;
      if (n % 2 != 0) fail("PGON coordinate count", n, "an even count (x y pairs)");
      for (std::size_t i = 3; i < tokens_.size(); i += 2)
        polygon.points.push_back({number(tokens_[i]), number(tokens_[i + 1])});
      if (polygon.points.size() > 1 && polygon.points.front() == polygon.points.back())
        polygon.points.pop_back();
      if (polygon.points.size() < 3)
        fail("PGON vertex count", polygon.points.size(), "at least 3 vertices");
      if (const std::optional<Crossing> crossing = find_self_intersection(polygon))
        fail("PGON", describe(*crossing), "a polygon whose edges do not cross");
      if (!encloses_area(polygon))
        fail("PGON of zero area", describe_vertices(polygon),
             "a polygon that encloses some area, not vertices all on one line or a sliver traced "
             "out and back");
    }
    if (shape_level == wanted) polygons_.push_back(std::move(polygon));
  }

  std::string_view text_, source_;
  std::size_t line_number_ = 0;
  std::string comment_free_;
  std::vector<std::string_view> tokens_;
  std::set<std::string> levels_;
  std::vector<Polygon> polygons_;
  double unit_nm_ = 1.0;
};

}  // namespace detail

/// The polygons of `level` in a .glp text (`source` names it in error messages), oriented
/// counter-clockwise, unit_nm from EQUIV (1 for the contest clips). io_error, with the line number,
/// for malformed statements; invalid_argument when the clip declares no such level.
inline PolygonSet parse_glp(std::string_view text, std::string_view level = "M1",
                            std::string_view source = "<text>") {
  return detail::GlpParser(text, source).run(level);
}

/// Reads a .glp file (see parse_glp); io_error naming the path and the reason when it cannot be
/// read.
inline PolygonSet read_glp(const std::filesystem::path& file, std::string_view level = "M1") {
  return parse_glp(io::detail::read_file(file, "layout::read_glp"), level, file.string());
}

}  // namespace fabtwin::layout
