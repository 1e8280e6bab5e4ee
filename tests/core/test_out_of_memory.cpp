// Allocation failures become out_of_memory naming the size and its cause (core/error.hpp), used at
// the library's large, user-sized allocations (the TCC factor and eigen step, file contents). The
// failures here are real ones that cost no memory: Eigen refuses a size whose byte count overflows
// before calling malloc, and std::vector one beyond max_size().

#include <catch2/catch.hpp>

#include <complex>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "fabtwin/core/error.hpp"

using namespace fabtwin;
using Catch::Matchers::Contains;

TEST_CASE("allocate_or_throw turns std::bad_alloc into out_of_memory with size and cause",
          "[core][errors]") {
  const Eigen::Index side = Eigen::Index(1) << 40;
  Eigen::MatrixXcd a;
  const double bytes = double(side) * double(side) * sizeof(std::complex<double>);
  const auto absurd = [&] {
    ::fabtwin::detail::allocate_or_throw("optics::tcc_factor", bytes, "the TCC factor",
                                         "period_nm = 1e12", [&] { a.resize(side, side); });
  };
  REQUIRE_THROWS_AS(absurd(), out_of_memory);
  CHECK_THROWS_WITH(absurd(),
                    Contains("fabtwin::optics::tcc_factor: out of memory") &&
                        Contains("19342813113834066795298816 bytes (18014398509481984.0 GiB)") &&
                        Contains("asked for the TCC factor, a size set by period_nm = 1e12"));
  CHECK(a.size() == 0);  // nothing was allocated
}

TEST_CASE("allocate_or_throw: a container's length_error too; values and other errors pass through",
          "[core][errors]") {
  std::vector<double> samples;
  CHECK_THROWS_AS(
      ::fabtwin::detail::allocate_or_throw("io::read_npy", 1e30, "the samples", "the shape",
                                           [&] { samples.reserve(samples.max_size() + 1); }),
      out_of_memory);
  const int value = ::fabtwin::detail::allocate_or_throw("x", 8, "y", "z", [] { return 42; });
  CHECK(value == 42);
  CHECK_THROWS_AS(
      ::fabtwin::detail::allocate_or_throw(
          "x", 8, "y", "z", []() -> int { throw invalid_argument("not about memory"); }),
      invalid_argument);
}

TEST_CASE("memory_message gives the bytes and GiB", "[core][errors]") {
  CHECK(::fabtwin::detail::memory_message("optics::tcc_factor", 5368709120.0, "the TCC factor",
                                          "the source step (167772 source points)") ==
        "fabtwin::optics::tcc_factor: out of memory: 5368709120 bytes (5.0 GiB) asked for the TCC "
        "factor, a size set by the source step (167772 source points)");
}
