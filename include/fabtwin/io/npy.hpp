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
// the shape implies. Anything else is an io_error saying what was found and what was expected,
// checked in this order: the magic and version, the header, the dtype, the order, the data size.
// read_npy_header reads the preamble alone, for callers that choose the type from the file.
// Files are read and written through detail/file.hpp: errors name the path and the system's
// reason, and a write that fails leaves no partial file.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/complex.hpp"
#include "fabtwin/core/error.hpp"
#include "fabtwin/core/field.hpp"
#include "fabtwin/io/detail/file.hpp"

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
  require(shape.size() <= 64, "io::write_npy", "shape.size()", shape.size(), "at most 64 axes");
  index_t count = 1, bytes = 0;
  for (index_t extent : shape) {
    require(extent >= 0, "io::write_npy", "shape", extent, "non-negative extents");
    require(!__builtin_mul_overflow(count, extent, &count), "io::write_npy", "shape", extent,
            "extents whose product fits in 64 bits");
  }
  require(!__builtin_mul_overflow(count, index_t(sizeof(T)), &bytes), "io::write_npy", "shape",
          count, "a sample count whose bytes fit in 64 bits");
  static_assert(std::endian::native == std::endian::little,
                "fabtwin::io::write_npy writes the host's bytes as little-endian samples");
  detail::write_file(path,
                     {detail::npy_preamble<T>(shape),
                      std::string_view(reinterpret_cast<const char*>(data), std::size_t(bytes))},
                     "io::write_npy");
}

/// The shape (slowest axis first) and samples of an NPY file.
template <class T>
struct NpyArray {
  std::vector<index_t> shape;
  std::vector<T> data;
};

/// What the preamble of an NPY file says (read_npy_header), read without the samples.
struct NpyHeader {
  int major_version = 1, minor_version = 0;
  std::string descr;  ///< NumPy's dtype string as written, e.g. "<f4" (little-endian float32)
  bool fortran_order = false;     ///< true: the samples are stored fastest axis first
  std::vector<index_t> shape;     ///< extents as the file lists them
  std::size_t header_bytes = 0;   ///< bytes before the first sample (magic, version, length, dict)
  std::uintmax_t data_bytes = 0;  ///< bytes after them, as found in the file
};

namespace detail {

/// Reads the dict literal of an NPY header: the Python subset numpy.lib.format writes.
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, std::string path, std::string_view where)
      : text_(text), path_(std::move(path)), where_(where) {}

  /// Fills descr, fortran_order and shape of `header`.
  void parse(NpyHeader& header) {
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
  }

  /// Throws io_error: "fabtwin::<where>: 'path': header has X; expected Y".
  [[noreturn]] void fail(const std::string& found, const std::string& expected) const {
    throw io_error("fabtwin::" + where_ + ": '" + path_ + "': header has " + found + " at byte " +
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
  std::string path_, where_;
  std::size_t at_ = 0;
};

/// io_error "fabtwin::<where>: '<path>': found <found>; expected <expected>".
inline io_error npy_error(std::string_view where, const std::string& path, const std::string& found,
                          const std::string& expected) {
  return io_error("fabtwin::" + std::string(where) + ": '" + path + "': found " + found +
                  "; expected " + expected);
}

/// Reads and checks the preamble of the NPY file open in `in`, leaving `in` at the first sample:
/// the magic and version, then the header's length and dict.
inline NpyHeader read_npy_preamble(InputFile& in, std::string_view where) {
  const std::string path = in.path().string();
  const auto fail = [&](const std::string& found, const std::string& expected) {
    return npy_error(where, path, found, expected);
  };
  char start[12];
  std::size_t got = in.read(start, 10);
  if (got < 10 || std::memcmp(start, "\x93NUMPY", 6) != 0)
    throw fail(got < 10 ? std::to_string(got) + " bytes" : "no NPY magic",
               "a file starting with \"\\x93NUMPY\" and a version");
  NpyHeader header;
  header.major_version = std::uint8_t(start[6]);
  header.minor_version = std::uint8_t(start[7]);
  if (!(header.minor_version == 0 && header.major_version >= 1 && header.major_version <= 3))
    throw fail("format version " + std::to_string(header.major_version) + "." +
                   std::to_string(header.minor_version),
               "version 1.0, 2.0 or 3.0");
  const std::size_t prefix = header.major_version == 1 ? 10 : 12;
  if (prefix > got) got += in.read(start + got, prefix - got);
  if (got < prefix) throw fail(std::to_string(got) + " bytes", "a complete preamble");
  std::size_t header_length = 0;
  for (std::size_t k = prefix; k-- > 8;)
    header_length = header_length * 256 + std::uint8_t(start[k]);
  if (in.size() - prefix < header_length)
    throw fail("a header of " + std::to_string(header_length) + " bytes in a file of " +
                   std::to_string(in.size()),
               "the complete header (the file is truncated)");
  std::string dict;
  ::fabtwin::detail::allocate_or_throw(where, double(header_length), "the header of '" + path + "'",
                                       "the header length it declares",
                                       [&] { dict.resize(header_length); });
  if (in.read(dict.data(), header_length) < header_length)
    throw fail(
        "a header of " + std::to_string(header_length) + " bytes, of which the file holds fewer",
        "the complete header (the file is truncated)");
  NpyHeaderParser(dict, path, where).parse(header);
  header.header_bytes = prefix + header_length;
  header.data_bytes = in.size() - header.header_bytes;
  return header;
}

}  // namespace detail

/// The preamble of the NPY file at `path` (dtype, order, shape, sizes), without reading its samples;
/// io_error when the file is missing or its magic, version or header is malformed. The dtype, order
/// and data size are reported, not checked: read_npy checks them.
inline NpyHeader read_npy_header(const std::string& path) {
  detail::InputFile in(path, "io::read_npy_header");
  return detail::read_npy_preamble(in, "io::read_npy_header");
}

/// Reads an NPY file holding samples of type T (see the rules at the top of this file).
template <class T>
NpyArray<T> read_npy(const std::string& path) {
  static_assert(std::endian::native == std::endian::little,
                "fabtwin::io::read_npy reads little-endian samples as the host's bytes");
  constexpr const char* where = "io::read_npy";
  detail::InputFile in(path, where);
  NpyHeader header = detail::read_npy_preamble(in, where);
  const auto fail = [&path](const std::string& found, const std::string& expected) {
    return detail::npy_error(where, path, found, expected);
  };
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
  const auto expected_bytes = std::size_t(total_bytes);
  const auto expect_data = [&](std::uintmax_t data_bytes) {
    return fail(
        std::to_string(data_bytes) + " bytes of data" +
            (data_bytes < expected_bytes ? " (the file is truncated)" : " (trailing bytes)"),
        std::to_string(expected_bytes) + " bytes for " + std::to_string(count) + " samples of " +
            std::to_string(sizeof(T)) + " bytes");
  };
  if (header.data_bytes != expected_bytes) throw expect_data(header.data_bytes);
  NpyArray<T> array{std::move(header.shape), {}};
  ::fabtwin::detail::allocate_or_throw(where, double(expected_bytes),
                                       "the samples of '" + path + "'", "the shape in its header",
                                       [&] { array.data.resize(std::size_t(count)); });
  // The file may have changed since it was opened: what is read is checked again.
  const std::size_t got = in.read(array.data.data(), expected_bytes);
  char extra;
  if (got < expected_bytes || in.read(&extra, 1) != 0)
    throw expect_data(got < expected_bytes ? got : expected_bytes + 1);
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
    throw shape_mismatch(
        argument_message("io::read_npy_field", "shape of '" + path + "'", tuple(shape),
                         tuple(spatial) + ", or that with a leading batch axis, for a grid of " +
                             ::fabtwin::describe(grid)));
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
