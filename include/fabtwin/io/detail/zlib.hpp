#pragma once
// The checksums and the zlib container PNG needs, written from the specifications: CRC-32 as PNG
// defines it (W3C PNG specification, annex D: reflected polynomial 0xEDB88320, initial value and
// final XOR 0xFFFFFFFF), Adler-32 and the zlib stream (RFC 1950), and deflate stored blocks
// (RFC 1951 section 3.2.4). Stored blocks do not compress; they keep the writer short, exact and
// dependency-free, which is what figures of a few megapixels need.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace fabtwin::io::detail {

/// Table of the CRC-32 of every byte value, built once at compile time.
inline constexpr std::array<std::uint32_t, 256> crc32_table = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}();

/// Continues a CRC-32 over `size` bytes; start with crc = 0.
inline std::uint32_t crc32(std::uint32_t crc, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = crc32_table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

/// Continues an Adler-32 (RFC 1950 section 8.2) over `size` bytes; start with adler = 1.
inline std::uint32_t adler32(std::uint32_t adler, const void* data, std::size_t size) {
  constexpr std::uint32_t base = 65521;  // largest prime below 2^16
  // 5552 is the longest run for which the sums cannot overflow 32 bits before reduction (RFC 1950
  // leaves this to the implementation; it follows from 255 n (n + 1) / 2 + (n + 1) (base - 1) <
  // 2^32).
  constexpr std::size_t run = 5552;
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t a = adler & 0xFFFFu, b = adler >> 16;
  while (size > 0) {
    const std::size_t n = size < run ? size : run;
    for (std::size_t i = 0; i < n; ++i) {
      a += bytes[i];
      b += a;
    }
    a %= base;
    b %= base;
    bytes += n;
    size -= n;
  }
  return (b << 16) | a;
}

inline void append_be32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((value >> shift) & 0xFFu);
}

/// A zlib stream (RFC 1950) holding `data` in deflate stored blocks of at most 65535 bytes.
inline std::string zlib_stored(const unsigned char* data, std::size_t size) {
  constexpr std::size_t max_block = 65535;  // LEN is a 16-bit field
  std::string out;
  out.reserve(size + 6 + 5 * (size / max_block + 1));
  // CMF = 0x78: method 8 (deflate), 32 KiB window; FLG = 0x01: level 0 ("fastest"), no preset
  // dictionary, and FCHECK making CMF * 256 + FLG a multiple of 31 (0x7801 = 31 * 991).
  out += char(0x78);
  out += char(0x01);
  std::size_t offset = 0;
  do {
    const std::size_t length = size - offset < max_block ? size - offset : max_block;
    const bool last = offset + length == size;
    out += char(last ? 1 : 0);    // BFINAL, BTYPE = 00 (stored); the rest of the byte is padding
    out += char(length & 0xFFu);  // LEN and NLEN, little-endian
    out += char(length >> 8);
    out += char(~length & 0xFFu);
    out += char((~length >> 8) & 0xFFu);
    out.append(reinterpret_cast<const char*>(data) + offset, length);
    offset += length;
  } while (offset < size);
  append_be32(out, adler32(1, data, size));  // Adler-32 of the uncompressed data, big-endian
  return out;
}

}  // namespace fabtwin::io::detail
