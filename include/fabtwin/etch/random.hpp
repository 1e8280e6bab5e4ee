#pragma once
// Counter-based random numbers: the k-th number of stream (seed, a, b) is a hash of those four
// integers, so a kernel draws the same numbers whichever thread runs it and in whatever order
// (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011, on the idea). The hash
// is SplitMix64's finaliser (Steele, Lea and Flood, OOPSLA 2014) applied over the counter words;
// it passes BigCrush as a generator over consecutive counters.

#include <cstdint>

#include "fabtwin/core/config.hpp"

namespace fabtwin::etch {

FABTWIN_HD inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

struct CounterRandom {
  std::uint64_t seed = 0;
  /// A uniform number in [0, 1) for counter (a, b, k): 53 random bits.
  FABTWIN_HD double uniform(std::uint64_t a, std::uint64_t b, std::uint64_t k) const {
    const std::uint64_t h = mix64(mix64(mix64(seed ^ mix64(a)) ^ b) ^ k);
    return double(h >> 11) * 0x1.0p-53;
  }
};

}  // namespace fabtwin::etch
