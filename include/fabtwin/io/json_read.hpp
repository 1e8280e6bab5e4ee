#pragma once
// Reading JSON (RFC 8259) into json::Value: the inputs of the command-line tools (parameter sets,
// measurement sites, measurements).
//
//   const json::Value sites = io::read_json("sites.json");
//   for (const json::Value& site : sites.find("sites")->items()) ... site.find("x0")->number() ...
//
// Strict: one value and nothing after it but white space; no comments, trailing commas, single
// quotes, NaN or leading zeros; strings valid UTF-8 with \uXXXX escapes paired where surrogate;
// numbers finite as doubles; an object may not name a key twice (the second would silently win);
// nesting at most 256 deep (a deeper document is refused, not allowed to exhaust the stack). A
// malformed document throws io_error naming the source, the line and column, what was found and
// what was expected.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/io/json.hpp"

namespace fabtwin::io::json {

namespace detail {

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Value document() {
    skip_space();
    Value value = parse_value(0);
    skip_space();
    if (at_ < text_.size()) fail("the end of the document");
    return value;
  }

 private:
  static constexpr int max_depth = 256;

  [[noreturn]] void fail(std::string_view expected) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string found;
    if (at_ >= text_.size()) {
      found = "the end of the text";
    } else {
      const auto c = static_cast<unsigned char>(text_[at_]);
      found = c >= 0x20 && c < 0x7F ? "'" + std::string(1, char(c)) + "'"
                                    : "byte " + std::to_string(unsigned(c));
    }
    throw io_error("fabtwin::io::json::parse: " + std::string(source_) + ":" +
                   std::to_string(line) + ":" + std::to_string(column) + ": found " + found +
                   "; expected " + std::string(expected));
  }

  bool more() const { return at_ < text_.size(); }
  char peek() const { return more() ? text_[at_] : '\0'; }

  void skip_space() {
    while (more() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }
  void expect(char c, std::string_view expected) {
    if (peek() != c || !more()) fail(expected);
    ++at_;
  }
  void literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) fail("a JSON value");
    at_ += word.size();
  }

  Value parse_value(int depth) {
    if (depth > max_depth) fail("nesting at most 256 deep");
    switch (peek()) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Value(parse_string());
      case 't':
        literal("true");
        return Value(true);
      case 'f':
        literal("false");
        return Value(false);
      case 'n':
        literal("null");
        return Value(nullptr);
      default:
        return parse_number();
    }
  }

  Value parse_object(int depth) {
    ++at_;  // '{'
    Value object = Value::object();
    skip_space();
    if (peek() == '}' && more()) {
      ++at_;
      return object;
    }
    for (;;) {
      skip_space();
      if (peek() != '"' || !more()) fail("a member name in double quotes");
      const std::size_t key_at = at_;
      const std::string key = parse_string();
      if (object.find(key) != nullptr) {
        at_ = key_at;
        fail("a member name not given before in this object");
      }
      skip_space();
      expect(':', "':' after the member name");
      skip_space();
      object[key] = parse_value(depth + 1);
      skip_space();
      if (peek() == ',' && more()) {
        ++at_;
        continue;
      }
      expect('}', "',' or '}' after the member");
      return object;
    }
  }

  Value parse_array(int depth) {
    ++at_;  // '['
    Value array = Value::array();
    skip_space();
    if (peek() == ']' && more()) {
      ++at_;
      return array;
    }
    for (;;) {
      skip_space();
      array.push_back(parse_value(depth + 1));
      skip_space();
      if (peek() == ',' && more()) {
        ++at_;
        continue;
      }
      expect(']', "',' or ']' after the element");
      return array;
    }
  }

  unsigned hex4() {
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = peek();
      unsigned digit = 0;
      if (c >= '0' && c <= '9')
        digit = unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = unsigned(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = unsigned(c - 'A' + 10);
      else
        fail("four hexadecimal digits after \\u");
      code = code * 16 + digit;
      ++at_;
    }
    return code;
  }

  static void append_utf8(std::string& out, std::uint32_t code) {
    if (code < 0x80) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }

  std::string parse_string() {
    ++at_;  // '"'
    std::string out;
    const std::size_t start = at_;
    for (;;) {
      if (!more()) fail("'\"' closing the string");
      const char c = peek();
      if (c == '"') break;
      if (static_cast<unsigned char>(c) < 0x20) fail("a character above U+001F (escape it)");
      if (c != '\\') {
        out += c;
        ++at_;
        continue;
      }
      ++at_;
      const char e = peek();
      if (!more()) fail("an escape after '\\'");
      ++at_;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t code = hex4();
          if (code >= 0xDC00 && code <= 0xDFFF) fail("a high surrogate before a low one");
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (text_.substr(at_, 2) != "\\u") fail("\\u and a low surrogate after a high one");
            at_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("a low surrogate (DC00 to DFFF)");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          --at_;
          fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
    ++at_;  // '"'
    try {
      return Value(out).string();  // the Value checks the UTF-8
    } catch (const invalid_argument&) {
      at_ = start;
      fail("a string of valid UTF-8");
    }
  }

  Value parse_number() {
    const std::size_t start = at_;
    if (peek() == '-') ++at_;
    const auto digits = [&] {
      const std::size_t from = at_;
      while (more() && peek() >= '0' && peek() <= '9') ++at_;
      return at_ - from;
    };
    const std::size_t first_digit = at_;
    const std::size_t whole = digits();
    if (whole == 0) {
      at_ = start;
      fail("a JSON value");
    }
    if (whole > 1 && text_[first_digit] == '0') {
      at_ = first_digit;
      fail("a number without leading zeros");
    }
    bool integral = true;
    if (peek() == '.' && more()) {
      ++at_;
      integral = false;
      if (digits() == 0) fail("digits after the decimal point");
    }
    if ((peek() == 'e' || peek() == 'E') && more()) {
      ++at_;
      integral = false;
      if (peek() == '+' || peek() == '-') ++at_;
      if (digits() == 0) fail("digits in the exponent");
    }
    const char* begin = text_.data() + start;
    const char* end = text_.data() + at_;
    if (integral) {
      std::int64_t value = 0;
      const auto parsed = std::from_chars(begin, end, value);
      if (parsed.ec == std::errc{} && parsed.ptr == end) return Value(value);
    }
    double value = 0;
    const auto parsed = std::from_chars(begin, end, value);
    if (parsed.ec != std::errc{} || parsed.ptr != end || !std::isfinite(value)) {
      at_ = start;
      fail("a number within the range of a double");
    }
    return Value(value);
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t at_ = 0;
};

}  // namespace detail

/// The JSON value in `text`; `source` names it in errors (a file name).
inline Value parse(std::string_view text, std::string_view source = "JSON text") {
  return detail::Parser(text, source).document();
}

}  // namespace fabtwin::io::json

namespace fabtwin::io {

/// The JSON document in the file at `path` (io_error when it is missing, unreadable, a folder or
/// malformed: the message names the path, and the line and column for malformed text).
inline json::Value read_json(const std::filesystem::path& path) {
  return json::parse(detail::read_file(path, "io::read_json"), path.string());
}

}  // namespace fabtwin::io
