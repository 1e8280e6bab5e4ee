// SF6/O2 etch of a trench through a tapered hard mask (the benchmark trench by default:
// 100 nm opening, 300 nm pitch, 100 nm mask tapered 10 deg, 3 nm cells, 6 s, 1000 rays per point),
// its pictures and figures, and the ARDE curve: the depth reached by openings of other widths at
// the same pitch in the same time (aspect-ratio dependent etching).
//
// Usage: etch_trench [--opening NM] [--pitch NM] [--mask-thickness NM] [--mask-taper-deg D]
//                    [--grid NM] [--time S] [--rays-per-point N] [--arde-openings NM,NM,...]
//                    [--param NAME=VALUE ...] [--threads N] [--out DIR]
// Output: what etch_profile writes for the main trench, and in summary.json "arde": the depth,
// mid CD and sidewall angle of each opening. Progress on stderr.

#include "support/etch_sweep.hpp"

int main(int argc, char** argv) {
  return examples::run_feature_program(
      argc, argv, "etch_trench",
      "SF6/O2 etch of a trench through a tapered hard mask, its pictures and figures, and the\n"
      "ARDE curve (depth against opening width at the same pitch and time). Writes profile.png,\n"
      "phi.npy, material.npy, etch.vti, surface.vtp, profile.vtp and, last, summary.json.",
      {});
}
