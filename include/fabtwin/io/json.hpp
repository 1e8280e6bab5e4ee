#pragma once
// A small JSON builder for figure metadata and results (RFC 8259), with readers for documents
// parsed by io::json::parse (json_read.hpp).
//
//   json::Value figure = json::Value::object();
//   figure["title"] = "aerial image";
//   figure["pitch_nm"] = 1.0;
//   figure["cd_nm"].push_back(45.25);   // a null member becomes an array on first push_back
//   io::write_json("figure.json", figure);
//
// Rules:
// - Objects keep their members in insertion order; operator[] adds a missing key.
// - Strings must be valid UTF-8 (refused otherwise: RFC 8259 section 8.1 requires it); they are
//   written with '"' and '\' escaped, control characters below U+0020 as \b \f \n \r \t or \u00XX,
//   everything else, non-ASCII included, passed through unchanged.
// - Integers are exact 64-bit signed values (unsigned ones above 2^63 - 1 are refused).
// - Floating-point numbers are written in the shortest form that reads back to the same value
//   (std::to_chars), with ".0" added to integral values so that readers keep them floating point;
//   a float is written as its own shortest form (0.1f -> 0.1). JSON has no NaN or infinity:
//   non-finite values are refused with invalid_argument when the Value is made.

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"

namespace fabtwin::io::json {

class Value {
 public:
  enum class Kind { null, boolean, number, string, array, object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool value) : kind_(Kind::boolean), text_(value ? "true" : "false") {}
  template <std::integral I>
  requires(!std::same_as<I, bool> && !std::same_as<I, char>) Value(I value) : kind_(Kind::number) {
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(std::int64_t))
      require(value <= I(std::numeric_limits<std::int64_t>::max()), "io::json::Value", "value",
              value, "an integer below 2^63");
    text_ = std::to_string(value);
  }
  Value(double value) : kind_(Kind::number), text_(format_real(value)) {}
  Value(float value) : kind_(Kind::number), text_(format_real(value)) {}
  Value(std::string_view value) : kind_(Kind::string), text_(checked_utf8(value)) {}
  Value(const std::string& value) : Value(std::string_view(value)) {}
  Value(const char* value) : Value(std::string_view(value)) {}

  static Value array() { return Value(Kind::array); }
  static Value object() { return Value(Kind::object); }

  Kind kind() const { return kind_; }
  /// Members of an object or elements of an array.
  std::size_t size() const { return items_.size(); }

  /// The member `key` of an object, added (null) when missing; a null Value becomes an object.
  Value& operator[](std::string_view key) {
    if (kind_ == Kind::null) kind_ = Kind::object;
    require_kind(Kind::object, "operator[]");
    auto item = items_.begin();
    for (std::size_t i = 0; i < keys_.size(); ++i, ++item)
      if (keys_[i] == key) return *item;
    keys_.push_back(checked_utf8(key));
    items_.emplace_back();
    return items_.back();
  }

  /// Appends to an array; a null Value becomes an array.
  Value& push_back(Value value) {
    if (kind_ == Kind::null) kind_ = Kind::array;
    require_kind(Kind::array, "push_back");
    items_.push_back(std::move(value));
    return items_.back();
  }

  // Readers, for documents read by io::json::parse (json_read.hpp). Each refuses a value of
  // another kind with invalid_argument naming `what` (the caller's name for it: "SITES.json
  // sites[2].x0"), its kind and the kind expected.

  /// A number's value (integers above 2^53 round to the nearest double).
  double number(std::string_view what = "value") const {
    expect(Kind::number, what);
    double value = 0;
    std::from_chars(text_.data(), text_.data() + text_.size(), value);
    return value;
  }
  const std::string& string(std::string_view what = "value") const {
    expect(Kind::string, what);
    return text_;
  }
  bool boolean(std::string_view what = "value") const {
    expect(Kind::boolean, what);
    return text_ == "true";
  }
  /// An object's member `key`, or nullptr when it has none (refused for other kinds).
  const Value* find(std::string_view key, std::string_view what = "value") const {
    expect(Kind::object, what);
    auto item = items_.begin();
    for (std::size_t i = 0; i < keys_.size(); ++i, ++item)
      if (keys_[i] == key) return &*item;
    return nullptr;
  }
  /// An object's member names, in order.
  const std::vector<std::string>& keys(std::string_view what = "value") const {
    expect(Kind::object, what);
    return keys_;
  }
  /// An array's elements or an object's member values, in order.
  const std::list<Value>& items(std::string_view what = "value") const {
    if (kind_ != Kind::object) expect(Kind::array, what);
    return items_;
  }

  /// The JSON text: compact when indent < 0, else one member or element a line, nested `indent`
  /// spaces deeper per level.
  std::string dump(int indent = -1) const {
    std::string out;
    write(out, indent, 0);
    return out;
  }

 private:
  explicit Value(Kind kind) : kind_(kind) {}

  template <class Real>
  static std::string format_real(Real value) {
    require(std::isfinite(value), "io::json::Value", "value", value,
            "a finite number (JSON has no NaN or infinity)");
    char buffer[64];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
    std::string text(buffer, end);
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
  }

  /// `text` unchanged when it is valid UTF-8 (RFC 3629: no overlong forms, no surrogates,
  /// nothing above U+10FFFF); invalid_argument naming the byte offset otherwise.
  static std::string checked_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const auto lead = static_cast<unsigned char>(text[i]);
      std::size_t length = 1;
      std::uint32_t code = lead;
      if (lead >= 0xF0 && lead <= 0xF4)
        length = 4, code = lead & 0x07u;
      else if (lead >= 0xE0 && lead <= 0xEF)
        length = 3, code = lead & 0x0Fu;
      else if (lead >= 0xC2 && lead <= 0xDF)
        length = 2, code = lead & 0x1Fu;
      else if (lead >= 0x80)
        length = 0;  // continuation byte, 0xC0, 0xC1 or above 0xF4
      bool valid = length > 0 && i + length <= text.size();
      for (std::size_t k = 1; valid && k < length; ++k) {
        const auto next = static_cast<unsigned char>(text[i + k]);
        valid = (next & 0xC0u) == 0x80u;
        code = (code << 6) | (next & 0x3Fu);
      }
      if (valid && length == 3) valid = code >= 0x800 && (code < 0xD800 || code > 0xDFFF);
      if (valid && length == 4) valid = code >= 0x10000 && code <= 0x10FFFF;
      require(
          valid, "io::json::Value", "string",
          [&] { return "bytes invalid at offset " + std::to_string(i); },
          "UTF-8 text (RFC 8259 section 8.1)");
      i += length;
    }
    return std::string(text);
  }

  void require_kind(Kind kind, std::string_view where) const {
    if (kind_ != kind)
      throw invalid_argument(
          argument_message("io::json::Value::" + std::string(where), "this",
                           std::string("a JSON ") + kind_name(kind_),
                           std::string("a JSON ") + kind_name(kind) + " or null"));
  }

  void expect(Kind kind, std::string_view what) const {
    if (kind_ != kind)
      throw invalid_argument(argument_message("io::json::Value", what,
                                              std::string("a JSON ") + kind_name(kind_),
                                              std::string("a JSON ") + kind_name(kind)));
  }
  static const char* kind_name(Kind kind) {
    static constexpr const char* names[] = {"null",   "boolean", "number",
                                            "string", "array",   "object"};
    return names[int(kind)];
  }

  static void write_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            out += "\\u00";
            out += hex[(c >> 4) & 0xF];
            out += hex[c & 0xF];
          } else {
            out += c;
          }
      }
    }
    out += '"';
  }

  void write(std::string& out, int indent, int depth) const {
    switch (kind_) {
      case Kind::null:
        out += "null";
        return;
      case Kind::string:
        write_string(out, text_);
        return;
      case Kind::boolean:
      case Kind::number:
        out += text_;
        return;
      case Kind::array:
      case Kind::object:
        break;
    }
    const bool object = kind_ == Kind::object;
    out += object ? '{' : '[';
    const auto newline = [&](int level) {
      if (indent < 0) return;
      out += '\n';
      out.append(std::size_t(indent) * std::size_t(level), ' ');
    };
    std::size_t i = 0;
    for (const Value& item : items_) {
      if (i) out += ',';
      newline(depth + 1);
      if (object) {
        write_string(out, keys_[i]);
        out += indent < 0 ? ":" : ": ";
      }
      item.write(out, indent, depth + 1);
      ++i;
    }
    if (!items_.empty()) newline(depth);
    out += object ? '}' : ']';
  }

  Kind kind_ = Kind::null;
  std::string text_;  // the literal of a boolean or number, the text of a string
  // A list, not a vector: adding a member must not move the others, so that
  // `v["a"] = v["b"]` (the right side is evaluated first) still copies from a live reference.
  std::list<Value> items_;         // elements of an array, member values of an object
  std::vector<std::string> keys_;  // member names of an object, parallel to items_
};

}  // namespace fabtwin::io::json

namespace fabtwin::io {

/// Writes `value` as JSON text (pretty printed with `indent` spaces, compact when negative) and a
/// final newline.
inline void write_json(const std::string& path, const json::Value& value, int indent = 2) {
  detail::write_file(path, value.dump(indent) + "\n", "io::write_json");
}

}  // namespace fabtwin::io
