// SF6/O2 etch of a hole through a tapered hard mask, in 3D: a 60 nm hole on a 128 nm pitch
// through 60 nm of mask tapered 5 deg, 2 nm cells, 1 s, 100 rays per point by default (a volume
// costs what a cross-section's area does, times its depth in cells), its pictures (the x-z section
// through the axis) and figures, and the ARDE curve over other diameters.
//
// Usage: etch_hole [--opening NM] [--pitch NM] [--mask-thickness NM] [--mask-taper-deg D]
//                  [--grid NM] [--time S] [--rays-per-point N] [--arde-openings NM,NM,...]
//                  [--param NAME=VALUE ...] [--threads N] [--out DIR]
// Output: what etch_profile writes for the main hole (etch.vti holds the volume), and in
// summary.json "arde". Progress on stderr.

#include "support/etch_sweep.hpp"

int main(int argc, char** argv) {
  examples::FeatureDefaults defaults;
  defaults.feature = fabtwin::etch::Feature::hole;
  defaults.dimension = 3;
  defaults.opening = 60;
  defaults.pitch = 128;
  defaults.mask_thickness = 60;
  defaults.taper_deg = 5;
  defaults.grid = 2;
  defaults.time_s = 1;
  defaults.rays = 100;
  defaults.arde = "40,90";
  defaults.out = "out/etch_hole";
  return examples::run_feature_program(
      argc, argv, "etch_hole",
      "SF6/O2 etch of a hole through a tapered hard mask in 3D, its pictures and figures, and the\n"
      "ARDE curve over other diameters. Writes profile.png, phi.npy, material.npy, etch.vti,\n"
      "surface.vtp and, last, summary.json.",
      defaults);
}
