// npy_difference A.npy B.npy: prints the largest |a - b| over two float64 arrays of one shape (for
// the scripts that compare runs: full_layout_check.sh). Exit 1, with the reason, when a file cannot
// be read or the shapes differ.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fabtwin/io/npy.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: npy_difference A.npy B.npy (float64 arrays of one shape)\n");
    return 2;
  }
  try {
    const auto a = fabtwin::io::read_npy<double>(argv[1]);
    const auto b = fabtwin::io::read_npy<double>(argv[2]);
    if (a.shape != b.shape) {
      std::fprintf(stderr, "npy_difference: '%s' and '%s' differ in shape\n", argv[1], argv[2]);
      return 1;
    }
    double largest = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i)
      largest = std::max(largest, std::fabs(a.data[i] - b.data[i]));
    std::printf("%.17g\n", largest);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "npy_difference: %s\n", e.what());
    return 1;
  }
}
