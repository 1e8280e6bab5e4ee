#pragma once
// Lossless native storage of a KernelSet in a folder (NumPy and any JSON reader open it):
//   kernels.npy   complex128, shape (K, S, S), S = 2R + 1: spectra[k][j][i] as stored in memory
//                 (row j = bin offset q = j - R along y, column i = p = i - R along x);
//   weights.npy   float64, shape (K,);
//   kernels.json  one flat object: "format": "fabtwin.kernels", "version": 1, "radius": R,
//                 "count": K, "period_nm": L, "energy": the kept share, and optionally
//                 "support_nm": the kernels' spatial range (ambit.hpp; absent: unbounded) and
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
#include "fabtwin/io/json_read.hpp"
#include "fabtwin/io/npy.hpp"
#include "fabtwin/optics/kernel_set.hpp"

namespace fabtwin::optics {

/// Version of the folder layout written by save_kernels and the only one load_kernels reads.
inline constexpr int kernel_format_version = 1;

namespace detail {

inline constexpr const char* kernel_format_name = "fabtwin.kernels";

/// The number member `key` of kernels.json, as T (an integer type or double), read exactly from
/// its literal (a JSON number keeps its shortest round-trip text, io/json.hpp).
template <class T>
T json_number(const io::json::Value& doc, const std::string& key, const std::string& file) {
  const auto fail = [&](const std::string& found) {
    return io_error("fabtwin::optics::load_kernels: '" + file + "': found " + found +
                    "; expected \"" + key + "\" as a " +
                    (std::is_integral_v<T> ? "non-negative integer" : "finite number"));
  };
  const io::json::Value* member = doc.find(key);
  if (!member) throw fail("no \"" + key + "\"");
  const std::string text = member->dump();
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (member->kind() != io::json::Value::Kind::number || ec != std::errc() ||
      ptr != text.data() + text.size())
    throw fail("\"" + key + "\": " + text);
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
  if (set.support_nm > 0) meta["support_nm"] = set.support_nm;
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
  const io::json::Value members = io::json::parse(json_text, json_file);
  if (members.kind() != io::json::Value::Kind::object)
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file + "': found " +
                   members.dump() + "; expected one JSON object");
  const io::json::Value* format = members.find("format");
  if (!format || format->kind() != io::json::Value::Kind::string ||
      format->string() != detail::kernel_format_name)
    throw io_error("fabtwin::" + std::string(where) + ": '" + json_file + "': found " +
                   (!format ? std::string("no \"format\"")
                            : "\"format\": " + (format->kind() == io::json::Value::Kind::string
                                                    ? format->string()
                                                    : format->dump())) +
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
  if (members.find("support_nm"))
    set.support_nm = detail::json_number<double>(members, "support_nm", json_file);

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
