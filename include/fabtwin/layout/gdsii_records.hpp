#pragma once
// GDSII stream records: the record table, the 8-byte excess-64 real, and a bounds-checked record
// walker. Reference: Calma GDSII Stream Format Manual, release 6.0 (1987), chapters "Record
// description" and "Data types".
//
// A record is a big-endian uint16 total length (header included, even, >= 4), a record type byte,
// a data type byte, then the body. Every read here checks the bounds first and reports problems as
// io_error with the byte offset of the record, its name, the value and what was expected.

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fabtwin/core/check.hpp"
#include "fabtwin/core/error.hpp"

namespace fabtwin::layout::gdsii {

enum class DataType : std::uint8_t {
  none = 0,
  bit_array = 1,
  int16 = 2,
  int32 = 3,
  real4 = 4,
  real8 = 5,
  ascii = 6
};

namespace record {
// Record types this library reads or writes; the others in the table are skipped where allowed.
inline constexpr std::uint8_t header = 0x00, bgnlib = 0x01, libname = 0x02, units = 0x03,
                              endlib = 0x04, bgnstr = 0x05, strname = 0x06, endstr = 0x07,
                              boundary = 0x08, path = 0x09, sref = 0x0A, aref = 0x0B, text = 0x0C,
                              layer = 0x0D, datatype = 0x0E, width = 0x0F, xy = 0x10, endel = 0x11,
                              sname = 0x12, colrow = 0x13, node = 0x15, texttype = 0x16,
                              presentation = 0x17, string = 0x19, strans = 0x1A, mag = 0x1B,
                              angle = 0x1C, reflibs = 0x1F, fonts = 0x20, pathtype = 0x21,
                              generations = 0x22, attrtable = 0x23, elflags = 0x26, nodetype = 0x2A,
                              propattr = 0x2B, propvalue = 0x2C, box = 0x2D, boxtype = 0x2E,
                              plex = 0x2F, bgnextn = 0x30, endextn = 0x31, tapenum = 0x32,
                              tapecode = 0x33, strclass = 0x34, format = 0x36, mask = 0x37,
                              endmasks = 0x38, libdirsize = 0x39, srfname = 0x3A, libsecur = 0x3B;
}  // namespace record

struct RecordInfo {
  const char* name;  // nullptr: not a record of release 6.0 (or one marked unreleased/discontinued)
  DataType type;
};

/// Release 6.0 records by type number. Unreleased and discontinued types (TEXTNODE, SPACING,
/// UINTEGER, USTRING, STYPTABLE, STRTYPE, ELKEY, LINKTYPE, LINKKEYS, RESERVED) are treated as
/// unknown.
inline constexpr std::array<RecordInfo, 0x3C> record_table = {{
    {"HEADER", DataType::int16},       {"BGNLIB", DataType::int16},
    {"LIBNAME", DataType::ascii},      {"UNITS", DataType::real8},
    {"ENDLIB", DataType::none},        {"BGNSTR", DataType::int16},
    {"STRNAME", DataType::ascii},      {"ENDSTR", DataType::none},
    {"BOUNDARY", DataType::none},      {"PATH", DataType::none},
    {"SREF", DataType::none},          {"AREF", DataType::none},
    {"TEXT", DataType::none},          {"LAYER", DataType::int16},
    {"DATATYPE", DataType::int16},     {"WIDTH", DataType::int32},
    {"XY", DataType::int32},           {"ENDEL", DataType::none},
    {"SNAME", DataType::ascii},        {"COLROW", DataType::int16},
    {nullptr, DataType::none},         {"NODE", DataType::none},
    {"TEXTTYPE", DataType::int16},     {"PRESENTATION", DataType::bit_array},
    {nullptr, DataType::none},         {"STRING", DataType::ascii},
    {"STRANS", DataType::bit_array},   {"MAG", DataType::real8},
    {"ANGLE", DataType::real8},        {nullptr, DataType::none},
    {nullptr, DataType::none},         {"REFLIBS", DataType::ascii},
    {"FONTS", DataType::ascii},        {"PATHTYPE", DataType::int16},
    {"GENERATIONS", DataType::int16},  {"ATTRTABLE", DataType::ascii},
    {nullptr, DataType::none},         {nullptr, DataType::none},
    {"ELFLAGS", DataType::bit_array},  {nullptr, DataType::none},
    {nullptr, DataType::none},         {nullptr, DataType::none},
    {"NODETYPE", DataType::int16},     {"PROPATTR", DataType::int16},
    {"PROPVALUE", DataType::ascii},    {"BOX", DataType::none},
    {"BOXTYPE", DataType::int16},      {"PLEX", DataType::int32},
    {"BGNEXTN", DataType::int32},      {"ENDEXTN", DataType::int32},
    {"TAPENUM", DataType::int16},      {"TAPECODE", DataType::int16},
    {"STRCLASS", DataType::bit_array}, {nullptr, DataType::none},
    {"FORMAT", DataType::int16},       {"MASK", DataType::ascii},
    {"ENDMASKS", DataType::none},      {"LIBDIRSIZE", DataType::int16},
    {"SRFNAME", DataType::ascii},      {"LIBSECUR", DataType::int16},
}};

/// "XY", or "record type 0x4f" for a number outside the table.
inline std::string record_name(std::uint8_t type) {
  if (type < record_table.size() && record_table[type].name) return record_table[type].name;
  static constexpr char digits[] = "0123456789abcdef";
  return std::string("record type 0x") + digits[type >> 4] + digits[type & 15];
}

/// The 8-byte real: sign bit, 7-bit exponent of 16 in excess 64, 56-bit fraction m:
/// value = ±(m / 2^56) · 16^(exponent − 64). The fraction has 56 bits, more than a double's 53, so a
/// decoded value is rounded to the nearest double.
inline double decode_real8(const unsigned char* bytes) {
  std::uint64_t fraction = 0;
  for (int i = 1; i < 8; ++i) fraction = (fraction << 8) | bytes[i];
  const int exponent = (bytes[0] & 0x7f) - 64;
  const double magnitude = std::ldexp(double(fraction), 4 * exponent - 56);
  return (bytes[0] & 0x80) ? -magnitude : magnitude;
}

/// The 8-byte real nearest `value` (exact: a double's 53-bit significand fits the 56-bit fraction).
/// Throws invalid_argument for values that are not finite or beyond 16^63.
inline std::array<unsigned char, 8> encode_real8(double value) {
  std::array<unsigned char, 8> bytes{};
  require(std::isfinite(value), "layout::gdsii::encode_real8", "value", value, "a finite number");
  if (value == 0) return bytes;
  int binary_exponent = 0;
  const double f =
      std::frexp(std::fabs(value), &binary_exponent);  // |value| = f·2^e, f in [0.5, 1)
  // Choose 16^E with E = ceil(e / 4), so that f·2^(e − 4E) lies in [1/16, 1): a normalised fraction.
  const int e16 = binary_exponent > 0 ? (binary_exponent + 3) / 4 : -((-binary_exponent) / 4);
  require(e16 + 64 >= 0 && e16 + 64 <= 127, "layout::gdsii::encode_real8", "value", value,
          "a magnitude between 16^-65 and 16^63");
  const auto fraction = std::uint64_t(std::ldexp(f, 56 + binary_exponent - 4 * e16));
  bytes[0] = static_cast<unsigned char>((value < 0 ? 0x80 : 0) | (e16 + 64));
  for (int i = 7; i >= 1; --i) bytes[i] = static_cast<unsigned char>(fraction >> (8 * (7 - i)));
  return bytes;
}

struct Record {
  std::size_t offset = 0;  // of the record's first byte in the stream
  std::uint8_t type = 0;
  DataType data_type = DataType::none;
  std::string_view body;  // the bytes after the 4-byte header

  std::string name() const { return record_name(type); }

  /// io_error "fabtwin::layout::gdsii: byte offset 40, record XY: <what> = <value>; expected <...>".
  template <class Value>
  [[noreturn]] void fail(std::string_view what, const Value& value,
                         std::string_view expected) const {
    std::ostringstream out;
    out << "fabtwin::layout::gdsii: byte offset " << offset << ", record " << name() << ": " << what
        << " = " << value << "; expected " << expected;
    throw io_error(out.str());
  }

  /// Number of values of the record's data type in the body.
  std::size_t count() const {
    switch (data_type) {
      case DataType::int16:
      case DataType::bit_array:
        return body.size() / 2;
      case DataType::int32:
        return body.size() / 4;
      case DataType::real8:
        return body.size() / 8;
      default:
        return body.size();
    }
  }
  /// Requires exactly `n` values (or at least `n` with `at_least`).
  void require_count(std::size_t n, bool at_least = false) const {
    if (at_least ? count() < n : count() != n) {
      fail("value count", count(),
           (at_least ? "at least " : "exactly ") + std::to_string(n) + " values");
    }
  }
  std::int16_t int16(std::size_t i) const {
    const auto* b = reinterpret_cast<const unsigned char*>(body.data()) + 2 * i;
    return static_cast<std::int16_t>(std::uint16_t((b[0] << 8) | b[1]));
  }
  std::int32_t int32(std::size_t i) const {
    const auto* b = reinterpret_cast<const unsigned char*>(body.data()) + 4 * i;
    return static_cast<std::int32_t>((std::uint32_t(b[0]) << 24) | (std::uint32_t(b[1]) << 16) |
                                     (std::uint32_t(b[2]) << 8) | std::uint32_t(b[3]));
  }
  double real8(std::size_t i) const {
    return decode_real8(reinterpret_cast<const unsigned char*>(body.data()) + 8 * i);
  }
  /// ASCII body without the NUL padding GDSII adds to reach an even length.
  std::string ascii() const {
    std::string_view text = body;
    while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
    return std::string(text);
  }
};

/// Walks the records of a stream held in memory, validating each header.
class RecordReader {
 public:
  explicit RecordReader(std::string_view stream) : stream_(stream) {}

  std::size_t position() const { return position_; }
  bool at_end() const { return position_ >= stream_.size(); }

  /// The next record. Throws io_error when the stream ends inside a record, a length is odd, below
  /// 4 or runs past the end, the type is unknown, or the data type disagrees with the record table.
  Record next() {
    Record r;
    r.offset = position_;
    auto fail = [&](std::string_view what, const auto& value, std::string_view expected) {
      std::ostringstream out;
      out << "fabtwin::layout::gdsii: byte offset " << r.offset << ": " << what << " = " << value
          << "; expected " << expected;
      throw io_error(out.str());
    };
    const std::size_t left = stream_.size() - position_;
    if (left < 4)
      fail("truncated file: bytes left for a record header", left,
           "4 (a record header), or ENDLIB earlier");
    const auto* h = reinterpret_cast<const unsigned char*>(stream_.data()) + position_;
    const std::size_t length = std::size_t(h[0]) << 8 | h[1];
    r.type = h[2];
    const unsigned raw_data_type = h[3];
    if (length < 4 || length % 2 != 0)
      fail("record length", length, "an even length of at least 4 bytes");
    if (length > left)
      fail("truncated file: record length", length,
           "at most the " + std::to_string(left) + " bytes left in the stream");
    if (r.type >= record_table.size() || !record_table[r.type].name)
      fail("unknown record type", record_name(r.type), "a GDSII release 6.0 record type");
    const DataType expected = record_table[r.type].type;
    if (raw_data_type != unsigned(expected)) {
      std::ostringstream what;
      what << "record " << record_name(r.type) << ": data type";
      fail(what.str(), raw_data_type, "data type " + std::to_string(unsigned(expected)));
    }
    r.data_type = expected;
    r.body = stream_.substr(position_ + 4, length - 4);
    const std::size_t unit = expected == DataType::int32 ? 4 : expected == DataType::real8 ? 8 : 1;
    if (r.body.size() % unit != 0)
      r.fail("body length", r.body.size(), "a multiple of " + std::to_string(unit) + " bytes");
    if (expected == DataType::none && !r.body.empty())
      r.fail("body length", r.body.size(), "no body for a record without data");
    position_ += length;
    return r;
  }

 private:
  std::string_view stream_;
  std::size_t position_ = 0;
};

}  // namespace fabtwin::layout::gdsii
