#pragma once
// Lossless native storage of a KernelSet in a folder (NumPy and any JSON reader open it):
//   kernels.npy   complex128, shape (K, S, S), S = 2R + 1: spectra[k][j][i] as stored in memory
//                 (row j = bin offset q = j - R along y, column i = p = i - R along x);
//   weights.npy   float64, shape (K,);
//   kernels.json  one flat object: "format": "fabtwin.kernels", "version": 1, "radius": R,
//                 "count": K, "period_nm": L, "energy": the kept share, and optionally
//                 "description": free text.
// Doubles travel bit for bit: the NPY files hold the raw IEEE samples, and the JSON numbers are
// written in their shortest round-trip form (io/json.hpp) and read back with std::from_chars.
// load_kernels refuses, with an io_error naming the file, missing files, a malformed or
// incomplete kernels.json, another format or version, arrays whose shape disagrees with the JSON,
// and non-finite values.
// save_kernels writes all or nothing (io/detail/file.hpp): the three files are written under
// temporary names and renamed into place only when all are complete, the arrays first and
// kernels.json, which declares them, last (its old version is removed before the arrays are
// renamed). A failed save leaves an earlier set in the folder as it was, and a reader never finds a
// kernels.json beside arrays it does not describe.

#include <charconv>
#include <cmath>
#include <complex>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/config.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/io/detail/file.hpp"
#include "fabtwin/io/json.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/optics/kernel_set.hpp"

namespace fabtwin::optics {

/// Version of the folder layout written by save_kernels and the only one load_kernels reads.
inline constexpr int kernel_format_version = 1;

namespace detail {

inline constexpr const char* kernel_format_name = "fabtwin.kernels";

/// The members of a flat JSON object (RFC 8259) whose values are strings, numbers, booleans or
/// null: enough for kernels.json, whose nested values, if any, are refused. Strings are decoded
/// (escapes, \uXXXX with surrogate pairs, to UTF-8); other values keep their literal text.
class FlatJsonReader {
 public:
  struct Member {
    bool is_string = false;
    std::string text;
  };

  FlatJsonReader(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  std::map<std::string, Member> parse() {
    std::map<std::string, Member> members;
    expect('{');
    skip_space();
    if (peek() == '}') {
      ++at_;
    } else {
      for (;;) {
        skip_space();
        const std::string key = string_literal();
        expect(':');
        skip_space();
        Member value;
        if (peek() == '"') {
          value = {true, string_literal()};
        } else if (peek() == '{' || peek() == '[') {
          fail("a nested " + std::string(peek() == '{' ? "object" : "array") + " for \"" + key +
                   "\"",
               "a string, number, boolean or null (kernels.json is flat)");
        } else {
          value = {false, bare_literal()};
        }
        if (!members.emplace(key, value).second) fail("a second \"" + key + "\"", "each key once");
        skip_space();
        if (peek() == ',') {
          ++at_;
          continue;
        }
        expect('}');
        break;
      }
    }
    skip_space();
    if (at_ != text_.size()) fail("text after the object", "the end of the file");
    return members;
  }

  [[noreturn]] void fail(const std::string& found, const std::string& expected) const {
    throw io_error("fabtwin::optics::load_kernels: '" + file_ + "': found " + found + " at byte " +
                   std::to_string(at_) + "; expected " + expected);
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c)
      fail(at_ < text_.size() ? "'" + std::string(1, peek()) + "'" : "the end of the file",
           "'" + std::string(1, c) + "'");
    ++at_;
  }
  /// A literal up to the next delimiter: a number, true, false or null.
  std::string bare_literal() {
    const std::size_t start = at_;
    while (at_ < text_.size() &&
           std::string_view(",} \n\r\t").find(text_[at_]) == std::string_view::npos)
      ++at_;
    const std::string literal(text_.substr(start, at_ - start));
    if (literal.empty()) fail("no value", "a string, number, boolean or null");
    return literal;
  }
  unsigned hex4() {
    if (at_ + 4 > text_.size()) fail("a truncated \\u escape", "four hex digits");
    unsigned code = 0;
    const auto [ptr, ec] = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
    if (ec != std::errc() || ptr != text_.data() + at_ + 4)
      fail("a bad \\u escape", "four hex digits");
    at_ += 4;
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
  std::string string_literal() {
    if (peek() != '"')
      fail(at_ < text_.size() ? "'" + std::string(1, peek()) + "'" : "the end of the file",
           "a string in double quotes");
    ++at_;
    std::string out;
    for (;;) {
      if (at_ >= text_.size()) fail("an unterminated string", "a closing '\"'");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20)
        fail("a raw control character in a string", "an escape");
      if (c != '\\') {
        out += c;
        continue;
      }
      const char e = peek();
      ++at_;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
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
          if (code >= 0xD800 && code < 0xDC00) {  // a high surrogate: its low half must follow
            if (text_.substr(at_, 2) != "\\u") fail("a lone high surrogate", "a surrogate pair");
            at_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("a lone high surrogate", "a surrogate pair");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("a lone low surrogate", "a surrogate pair");
          }
          append_utf8(out, code);
          break;
        }
        default:
          fail("the escape '\\" + std::string(1, e) + "'",
               "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u");
      }
    }
  }

  std::string_view text_;
  std::string file_;
  std::size_t at_ = 0;
};

/// The number member `key` of kernels.json, as T (an integer type or double), read exactly.
template <class T>
T json_number(const std::map<std::string, FlatJsonReader::Member>& members, const std::string& key,
              const std::string& file) {
  const auto it = members.find(key);
  const auto fail = [&](const std::string& found) {
    return io_error("fabtwin::optics::load_kernels: '" + file + "': found " + found +
                    "; expected \"" + key + "\" as a " +
                    (std::is_integral_v<T> ? "non-negative integer" : "finite number"));
  };
  if (it == members.end()) throw fail("no \"" + key + "\"");
  const std::string& text = it->second.text;
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (it->second.is_string || ec != std::errc() || ptr != text.data() + text.size())
    throw fail("\"" + key + "\": " + (it->second.is_string ? "\"" + text + "\"" : text));
  if constexpr (std::is_integral_v<T>) {
    if (value < 0) throw fail("\"" + key + "\": " + text);
  } else {
    if (!std::isfinite(value)) throw fail("\"" + key + "\": " + text);
  }
  return value;
}

inline std::string shape_text(const std::vector<index_t>& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace detail

/// Saves `set` (validated; energy must be a finite share >= 0) into `dir`, created when missing:
/// kernels.npy, weights.npy and kernels.json, all or nothing (see the file comment). `description`
/// is stored as free text (UTF-8).
inline void save_kernels(const std::string& dir, const KernelSet& set,
                         std::string_view description = {}) {
  constexpr const char* where = "optics::save_kernels";
  set.validate(where);
  require(std::isfinite(set.energy) && set.energy >= 0, where, "set.energy", set.energy,
          "a finite, non-negative share of the TCC's trace");
  io::json::Value meta = io::json::Value::object();
  meta["format"] = detail::kernel_format_name;
  meta["version"] = kernel_format_version;
  meta["radius"] = set.radius;
  meta["count"] = set.count();
  meta["period_nm"] = set.period_nm;
  meta["energy"] = set.energy;
  if (!description.empty()) meta["description"] = description;  // refuses invalid UTF-8

  const std::filesystem::path folder(dir);
  io::detail::create_folder(folder, where);
  // std::complex<double> is stored as the two doubles (re, im) that NPY's '<c16' names.
  const std::string_view spectra(reinterpret_cast<const char*>(set.spectra.data()),
                                 set.spectra.size() * sizeof(std::complex<double>));
  const std::string_view weights(reinterpret_cast<const char*>(set.weights.data()),
                                 set.weights.size() * sizeof(double));
  // All or nothing (io/detail/file.hpp): the arrays, then kernels.json, which declares them.
  io::detail::StagedFiles files(where);
  files.stage(
      folder / "kernels.npy",
      {io::detail::npy_preamble<complex<double>>({set.count(), set.side(), set.side()}), spectra});
  files.stage(folder / "weights.npy", {io::detail::npy_preamble<double>({set.count()}), weights});
  files.stage(folder / "kernels.json", {meta.dump(2) + "\n"});
  files.commit();
}

/// Loads a set saved by save_kernels (see the file comment for what is refused).
inline KernelSet load_kernels(const std::string& dir) {
  constexpr const char* where = "optics::load_kernels";
  const std::filesystem::path folder(dir);
  for (const char* name : {"kernels.json", "kernels.npy", "weights.npy"}) {
    std::error_code ec;  // a path that exists but cannot be read is reported by the reads below
    if (std::filesystem::status(folder / name, ec).type() == std::filesystem::file_type::not_found)
      throw io_error("fabtwin::" + std::string(where) + ": '" + (folder / name).string() +
                     "' is missing; expected a kernel folder written by save_kernels "
                     "(kernels.json, kernels.npy, weights.npy)");
  }

  const std::string json_file = (folder / "kernels.json").string();
  const std::string json_text = io::detail::read_file(json_file, where);
  detail::FlatJsonReader reader(json_text, json_file);
  const auto members = reader.parse();
  const auto format = members.find("format");
  if (format == members.end() || !format->second.is_string ||
      format->second.text != detail::kernel_format_name)
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file + "': found " +
                   (format == members.end() ? std::string("no \"format\"")
                                            : "\"format\": " + format->second.text) +
                   "; expected \"format\": \"" + detail::kernel_format_name + "\"");
  const auto version = detail::json_number<long long>(members, "version", json_file);
  if (version != kernel_format_version)
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file +
                   "': found format version " + std::to_string(version) + "; expected version " +
                   std::to_string(kernel_format_version) + " (the only one this fabtwin reads)");

  KernelSet set;
  set.radius = detail::json_number<index_t>(members, "radius", json_file);
  if (set.radius > (index_t(1) << 30))  // keeps (2R + 1)^2 far from overflow
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file + "': found \"radius\": " +
                   std::to_string(set.radius) + "; expected a bin radius below 2^30");
  const auto count = detail::json_number<index_t>(members, "count", json_file);
  set.period_nm = detail::json_number<double>(members, "period_nm", json_file);
  set.energy = detail::json_number<double>(members, "energy", json_file);

  const std::string kernels_file = (folder / "kernels.npy").string();
  const std::string weights_file = (folder / "weights.npy").string();
  io::NpyArray<complex<double>> kernels = io::read_npy<complex<double>>(kernels_file);
  io::NpyArray<double> weights = io::read_npy<double>(weights_file);
  const std::vector<index_t> kernels_shape{count, set.side(), set.side()}, weights_shape{count};
  if (kernels.shape != kernels_shape)
    throw io_error("fabtwin::" + std::string(where) + ": '" + kernels_file + "': found shape " +
                   detail::shape_text(kernels.shape) + "; expected " +
                   detail::shape_text(kernels_shape) + " (count " + std::to_string(count) +
                   ", radius " + std::to_string(set.radius) + " in kernels.json)");
  if (weights.shape != weights_shape)
    throw io_error("fabtwin::" + std::string(where) + ": '" + weights_file + "': found shape " +
                   detail::shape_text(weights.shape) + "; expected " +
                   detail::shape_text(weights_shape) + " (count " + std::to_string(count) +
                   " in kernels.json)");
  set.weights = std::move(weights.data);
  set.spectra.reserve(kernels.data.size());
  for (const complex<double>& v : kernels.data) set.spectra.emplace_back(v.real(), v.imag());
  try {
    set.validate(where);
  } catch (const invalid_argument& e) {
    throw io_error(std::string(e.what()) + " (read from '" + dir + "')");
  }
  if (!(set.energy >= 0))
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file + "': found \"energy\": " +
                   std::to_string(set.energy) + "; expected a non-negative share");
  return set;
}

}  // namespace fabtwin::optics
