#pragma once
// NPY writer: arrays NumPy opens with numpy.load, in format 1.0 (little-endian, C order).
// Format: the magic "\x93NUMPY", version 1.0, a little-endian uint16 header length, and a Python
// dict literal padded with spaces to a multiple of 64 bytes and ended by '\n'; then raw samples.
// Reference: numpy.lib.format (NEP 1).

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
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
  std::string dict = std::string("{'descr': '") + npy_descr<T>() +
                     "', 'fortran_order': False, 'shape': " + tuple;
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
  index_t count = 1;
  for (index_t extent : shape) {
    ::fabtwin::detail::require(extent >= 0, "io::write_npy", "shape", extent, "non-negative extents");
    count *= extent;
  }
  static_assert(std::endian::native == std::endian::little,
                "fabtwin::io::write_npy writes the host's bytes as little-endian samples");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw io_error("fabtwin::io::write_npy: cannot open '" + path + "' for writing: " +
                   std::strerror(errno));
  const std::string preamble = detail::npy_preamble<T>(shape);
  out.write(preamble.data(), std::streamsize(preamble.size()));
  out.write(reinterpret_cast<const char*>(data), std::streamsize(sizeof(T) * std::size_t(count)));
  if (!out) throw io_error("fabtwin::io::write_npy: writing '" + path + "' failed");
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
