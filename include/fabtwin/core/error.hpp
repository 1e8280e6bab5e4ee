#pragma once
// The exceptions fabtwin throws. Every message names the place, the argument, the value it got and
// what was expected, so that a fab tool can show it to its user unchanged (core/check.hpp builds
// such messages for argument checks).

#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace fabtwin {

/// Base of everything fabtwin throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A caller passed a value outside what the function accepts (zero size, NaN, negative dose, ...).
class invalid_argument : public error {
 public:
  using error::error;
};

/// Two fields, grids or transforms that must agree in shape do not.
class shape_mismatch : public invalid_argument {
 public:
  using invalid_argument::invalid_argument;
};

/// A file could not be read or written, or its contents are malformed.
class io_error : public error {
 public:
  using error::error;
};

/// A backend library (CUDA, cuFFT, FFTW, MPI) reported a failure.
class backend_error : public error {
 public:
  using error::error;
};

/// An allocation failed on the host or on a device.
class out_of_memory : public backend_error {
 public:
  using backend_error::backend_error;
};

namespace detail {

/// "fabtwin::optics::tcc_factor: out of memory: 5368709120 bytes (5.0 GiB) asked for the TCC
/// factor (2000 frequencies x 167772 source points), a size set by period_nm = 2048 and source_step
/// = 0.001"
inline std::string memory_message(std::string_view where, double bytes, std::string_view what,
                                  std::string_view cause) {
  char size[64];
  std::snprintf(size, sizeof size, "%.0f bytes (%.1f GiB)", bytes, bytes / (1024.0 * 1024 * 1024));
  std::string message = "fabtwin::";
  message.append(where).append(": out of memory: ").append(size).append(" asked for ");
  message.append(what).append(", a size set by ").append(cause);
  return message;
}

/// Runs `allocate`, which allocates memory sized by user input, and turns the std::bad_alloc of a
/// host that cannot give it (or the std::length_error of a container asked for more than it can
/// index) into out_of_memory (see memory_message): the caller learns which argument to change
/// instead of seeing a bare "std::bad_alloc".
template <class Allocate>
decltype(auto) allocate_or_throw(std::string_view where, double bytes, std::string_view what,
                                 std::string_view cause, Allocate&& allocate) {
  try {
    return std::forward<Allocate>(allocate)();
  } catch (const std::bad_alloc&) {
    throw out_of_memory(memory_message(where, bytes, what, cause));
  } catch (const std::length_error&) {
    throw out_of_memory(memory_message(where, bytes, what, cause));
  }
}

}  // namespace detail
}  // namespace fabtwin
