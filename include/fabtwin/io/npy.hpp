#pragma once
// NPY files: arrays NumPy opens with numpy.load and saves with numpy.save.
// Format: the magic "\x93NUMPY", a version byte pair, a little-endian header length (uint16 in
// version 1.0, uint32 in 2.0 and 3.0), and a Python dict literal with the keys 'descr',
// 'fortran_order' and 'shape', padded with spaces to a multiple of 64 bytes and ended by '\n';
// then the raw samples. Reference: numpy.lib.format (NEP 1).
//
// The writer emits version 1.0, little-endian, C order. The reader takes versions 1.0, 2.0 and 3.0
// (3.0 only changes the header's text encoding to UTF-8, which the ASCII dicts of these dtypes do
// not notice) and only what the writer produces: little-endian float32, float64, complex64 and
// complex128 in C order, of exactly the requested type (no conversion) and exactly the byte count
// the shape implies. Anything else is an io_error saying what was found and what was expected.

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"

namespace fabtwin::io {
namespace detail {

template <class T>
constexpr const char* npy_descr() {
  static_assert(Scalar<T>, "fabtwin::io::write_npy writes float, double and their complex types");
  if constexpr (std::is_same_v<T, float>) return "<f4";
  if constexpr (std::is_same_v<T, double>) return "<f8";
  if constexpr (std::is_same_v<T, complex<float>>) return "<c8";
  if constexpr (std::is_same_v<T, complex<double>>) return "<c16";
  return "";
}

/// The full NPY 1.0 preamble (magic, version, length, padded header) for an array of `shape`.
template <class T>
std::string npy_preamble(const std::vector<index_t>& shape) {
  std::string tuple = "(";  // Python syntax: (), (5,), (3, 4)
  for (std::size_t i = 0; i < shape.size(); ++i)
    tuple += (i ? ", " : "") + std::to_string(shape[i]);
  tuple += shape.size() == 1 ? ",)" : ")";
  std::string dict =
      std::string("{'descr': '") + npy_descr<T>() + "', 'fortran_order': False, 'shape': " + tuple;
  dict += ", }";
  const std::size_t unpadded = 10 + dict.size() + 1;  // magic+version+length, dict, '\n'
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string preamble("\x93NUMPY\x01\x00", 8);
  preamble += char(dict.size() & 0xff);
  preamble += char(dict.size() >> 8);
  return preamble + dict;
}

}  // namespace detail

/// Writes `count` samples at `data` (host memory) as an array of `shape` (slowest axis first).
template <class T>
void write_npy(const std::string& path, const T* data, const std::vector<index_t>& shape) {
  // NumPy arrays have at most 64 axes (NPY_MAXDIMS), which also keeps the header far below the
  // 65535 bytes a version 1.0 length field can describe.
  ::fabtwin::detail::require(shape.size() <= 64, "io::write_npy", "shape.size()", shape.size(),
                             "at most 64 axes");
  index_t count = 1;
  for (index_t extent : shape) {
    ::fabtwin::detail::require(extent >= 0, "io::write_npy", "shape", extent,
                               "non-negative extents");
    count *= extent;
  }
  static_assert(std::endian::native == std::endian::little,
                "fabtwin::io::write_npy writes the host's bytes as little-endian samples");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw io_error("fabtwin::io::write_npy: cannot open '" + path +
                   "' for writing: " + std::strerror(errno));
  const std::string preamble = detail::npy_preamble<T>(shape);
  out.write(preamble.data(), std::streamsize(preamble.size()));
  out.write(reinterpret_cast<const char*>(data), std::streamsize(sizeof(T) * std::size_t(count)));
  if (!out) throw io_error("fabtwin::io::write_npy: writing '" + path + "' failed");
}

/// The shape (slowest axis first) and samples of an NPY file.
template <class T>
struct NpyArray {
  std::vector<index_t> shape;
  std::vector<T> data;
};

namespace detail {

/// Reads the dict literal of an NPY header: the Python subset numpy.lib.format writes.
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, std::string path) : text_(text), path_(std::move(path)) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<index_t> shape;
  };

  Header parse() {
    Header header;
    bool seen[3] = {false, false, false};
    expect('{');
    while (skip_space(), peek() != '}') {
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        header.descr = string_literal();
        seen[0] = true;
      } else if (key == "fortran_order") {
        header.fortran_order = boolean_literal();
        seen[1] = true;
      } else if (key == "shape") {
        header.shape = shape_tuple();
        seen[2] = true;
      } else {
        fail("key '" + key + "'", "only 'descr', 'fortran_order' and 'shape'");
      }
      skip_space();
      if (peek() != '}') expect(',');
    }
    ++at_;
    skip_space();
    if (at_ != text_.size()) fail(next_token() + " after the dict", "the end of the header");
    if (!(seen[0] && seen[1] && seen[2]))
      fail("a dict without " + std::string(!seen[0]   ? "'descr'"
                                           : !seen[1] ? "'fortran_order'"
                                                      : "'shape'"),
           "the keys 'descr', 'fortran_order' and 'shape'");
    return header;
  }

  /// Throws io_error: "fabtwin::io::read_npy: 'path': header has X; expected Y".
  [[noreturn]] void fail(const std::string& found, const std::string& expected) const {
    throw io_error("fabtwin::io::read_npy: '" + path_ + "': header has " + found + " at byte " +
                   std::to_string(at_) + " of the dict; expected " + expected);
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  void skip_space() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n')) ++at_;
  }
  /// What the parser sees next, quoted: up to 12 characters, without the header's padding.
  std::string next_token() const {
    if (at_ >= text_.size()) return "the end of the header";
    std::string_view excerpt = text_.substr(at_, 12);
    excerpt = excerpt.substr(0, excerpt.find_last_not_of(" \n") + 1);
    return "'" + std::string(excerpt) + "'";
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(next_token(), std::string("'") + c + "'");
    ++at_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(next_token(), "a quoted string");
    const std::size_t end = text_.find(quote, at_ + 1);
    if (end == std::string_view::npos) fail("an unterminated string", "a closing quote");
    const std::string value(text_.substr(at_ + 1, end - at_ - 1));
    at_ = end + 1;
    return value;
  }
  bool boolean_literal() {
    skip_space();
    const bool value = text_.substr(at_, 4) == "True";
    if (!value && text_.substr(at_, 5) != "False") fail(next_token(), "True or False");
    at_ += value ? 4 : 5;
    return value;
  }
  std::vector<index_t> shape_tuple() {
    std::vector<index_t> shape;
    expect('(');
    while (skip_space(), peek() != ')') {
      if (peek() < '0' || peek() > '9') fail(next_token(), "a non-negative integer extent");
      index_t extent = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (__builtin_mul_overflow(extent, index_t(10), &extent) ||
            __builtin_add_overflow(extent, index_t(peek() - '0'), &extent))
          fail("an extent that overflows 64 bits", "an extent below 2^63");
        ++at_;
      }
      shape.push_back(extent);
      skip_space();
      if (peek() != ')') expect(',');
    }
    ++at_;
    return shape;
  }

  std::string_view text_;
  std::string path_;
  std::size_t at_ = 0;
};

inline std::string read_whole_file(const std::string& path, std::string_view where) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw io_error("fabtwin::" + std::string(where) + ": cannot open '" + path +
                   "' for reading: " + std::strerror(errno));
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad())
    throw io_error("fabtwin::" + std::string(where) + ": reading '" + path + "' failed");
  return bytes;
}

}  // namespace detail

/// Reads an NPY file holding samples of type T (see the rules at the top of this file).
template <class T>
NpyArray<T> read_npy(const std::string& path) {
  static_assert(std::endian::native == std::endian::little,
                "fabtwin::io::read_npy reads little-endian samples as the host's bytes");
  const std::string bytes = detail::read_whole_file(path, "io::read_npy");
  const auto fail = [&path](const std::string& found, const std::string& expected) {
    return io_error("fabtwin::io::read_npy: '" + path + "': found " + found + "; expected " +
                    expected);
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw fail(bytes.size() < 10 ? std::to_string(bytes.size()) + " bytes" : "no NPY magic",
               "a file starting with \"\\x93NUMPY\" and a version");
  const int major = std::uint8_t(bytes[6]), minor = std::uint8_t(bytes[7]);
  if (!(minor == 0 && (major == 1 || major == 2 || major == 3)))
    throw fail("format version " + std::to_string(major) + "." + std::to_string(minor),
               "version 1.0, 2.0 or 3.0");
  const std::size_t prefix = major == 1 ? 10 : 12;
  if (bytes.size() < prefix)
    throw fail(std::to_string(bytes.size()) + " bytes", "a complete preamble");
  std::size_t header_length = 0;
  for (std::size_t k = prefix; k-- > 8;)
    header_length = header_length * 256 + std::uint8_t(bytes[k]);
  if (bytes.size() - prefix < header_length)
    throw fail("a header of " + std::to_string(header_length) + " bytes in a file of " +
                   std::to_string(bytes.size()),
               "the complete header (the file is truncated)");

  const auto header =
      detail::NpyHeaderParser(std::string_view(bytes).substr(prefix, header_length), path).parse();
  const std::string descr = detail::npy_descr<T>();
  if (header.descr != descr)
    throw fail(
        "dtype '" + header.descr + "'" + (header.descr.starts_with('>') ? " (big-endian)" : ""),
        "'" + descr + "' (little-endian " + (is_complex_v<T> ? "complex" : "real") + ", " +
            std::to_string(8 * sizeof(T)) + " bits; no conversion is done)");
  if (header.fortran_order) throw fail("'fortran_order': True", "C order ('fortran_order': False)");

  index_t count = 1, total_bytes = 0;
  for (const index_t extent : header.shape)
    if (__builtin_mul_overflow(count, extent, &count))
      throw fail("a shape whose size overflows 64 bits", "a shape that fits in memory");
  if (__builtin_mul_overflow(count, index_t(sizeof(T)), &total_bytes))
    throw fail("a shape whose size overflows 64 bits", "a shape that fits in memory");
  const std::size_t data_bytes = bytes.size() - prefix - header_length;
  const auto expected_bytes = std::size_t(total_bytes);
  if (data_bytes != expected_bytes)
    throw fail(std::to_string(data_bytes) + " bytes of data" +
                   (data_bytes < expected_bytes ? " (the file is truncated)" : " (trailing bytes)"),
               std::to_string(expected_bytes) + " bytes for " + std::to_string(count) +
                   " samples of " + std::to_string(sizeof(T)) + " bytes");
  NpyArray<T> array{header.shape, std::vector<T>(std::size_t(count))};
  if (count > 0)
    std::memcpy(array.data.data(), bytes.data() + prefix + header_length, expected_bytes);
  return array;
}

/// Reads an NPY file into a host field on `grid`: its shape must be what write_npy writes for such
/// a field, ([batch,] [nz,] ny, nx) with nz only for 3D grids; shape_mismatch otherwise.
template <class T>
Field<T, Host> read_npy_field(const std::string& path, const Grid& grid) {
  NpyArray<T> array = read_npy<T>(path);
  std::vector<index_t> spatial{grid.ny(), grid.nx()};
  if (grid.rank() == 3) spatial.insert(spatial.begin(), grid.nz());
  const auto& shape = array.shape;
  const bool batched = shape.size() == spatial.size() + 1;
  const bool matches =
      (shape.size() == spatial.size() || batched) && (!batched || shape[0] > 0) &&
      std::equal(spatial.begin(), spatial.end(), shape.end() - index_t(spatial.size()));
  if (!matches) {
    const auto tuple = [](const std::vector<index_t>& s) {
      std::string text = "(";
      for (std::size_t i = 0; i < s.size(); ++i) text += (i ? ", " : "") + std::to_string(s[i]);
      return text + ")";
    };
    throw shape_mismatch(::fabtwin::detail::argument_message(
        "io::read_npy_field", "shape of '" + path + "'", tuple(shape),
        tuple(spatial) + ", or that with a leading batch axis, for a grid of " +
            ::fabtwin::detail::describe(grid)));
  }
  return make_host_field(grid, array.data, batched ? shape[0] : 1);
}

/// Writes a field (any space) with shape (batch, nz, ny, nx), leaving out batch and nz when 1.
template <class T, class Space>
void write_npy(const std::string& path, const Field<T, Space>& field) {
  std::vector<index_t> shape;
  if (field.batch() > 1) shape.push_back(field.batch());
  if (field.grid().rank() == 3) shape.push_back(field.grid().nz());
  shape.push_back(field.grid().ny());
  shape.push_back(field.grid().nx());
  const std::vector<T> samples = to_vector(field);
  write_npy(path, samples.data(), shape);
}

}  // namespace fabtwin::io
