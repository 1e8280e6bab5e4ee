// npy_difference A.npy B.npy: prints the largest |a - b| over two float64 arrays of one shape (for
// the scripts that compare runs: full_layout_check.sh). Exit 1, with the reason, when a file cannot
// be read or the shapes differ.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "fabtwin/io/npy.hpp"

int main(int argc, char** argv) {
  constexpr const char* usage =
      "usage: npy_difference A.npy B.npy\n"
      "Prints the largest |a - b| over two float64 NPY arrays of one shape.\n"
      "Exit status: 0 done, 1 unreadable file or different shapes, 2 bad command line.\n";
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::fputs(usage, stdout);
      return 0;
    }
  if (argc != 3) {
    std::fputs(usage, stderr);
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
