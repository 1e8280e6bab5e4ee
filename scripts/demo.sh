#!/usr/bin/env bash
# Quick start: installs what is missing, builds the host examples, runs the flagship example and
# says where its output is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset host >/dev/null
cmake --build --preset host -j "$(nproc)" --target aerial_image iccad13 peb quickstart layout_window
data=../shared/data
out=$PWD/out

# The flagship: a real metal clip imaged through kernels generated from the optics.
build/host/examples/aerial_image --clip "$data/iccad2013/clips/M1_test1.glp" --out "$out/aerial_clip"
build/host/examples/aerial_image --out "$out/aerial_lines"
build/host/examples/iccad13 eval --kernels "$data/iccad2013/kernels" \
    --clip "$data/iccad2013/clips/M1_test1.glp" --out "$out/iccad13"
build/host/examples/peb --out "$out/peb" >/dev/null
build/host/examples/quickstart --out "$out/quickstart" >/dev/null
build/host/examples/layout_window --out "$out/layout_window" >/dev/null
cat <<MSG

fabtwin demo.
1. ICCAD-2013 clip M1_test1 (2048 x 2048 nm, 1 nm pixels) imaged at 193 nm through an NA 1.35
   water-immersion scanner with an annular 0.6-0.9 source: 24 SOCS kernels generated from the
   optics (TCC and its leading eigenpairs, a few seconds), then the exact band-limited image.
   Output in $out/aerial_clip:
     aerial.png     aerial image (viridis) with the printed contour in red
     mask.png       the clip as drawn
     intensity.npy  the image as float32   (python3 -c "import numpy; numpy.load(...)")
     summary.json   optics, kernel energy, printed area
2. 45 nm lines at 90 nm pitch, threshold anchored to print the central line at size: its CD and
   NILS are in $out/aerial_lines/summary.json, the picture in aerial.png there.
3. The same clip scored with the contest's own kernels and protocol (L2, PV band, EPE of the
   uncorrected mask; the JSON printed above): pictures and corner images in $out/iccad13.
4. The resist: 45 nm lines exposed through 80 nm of resist, baked 90 s at 110 C (acid-quencher
   reaction-diffusion, Sentaurus parameters) and developed (Mack): x-z cross-sections
   acid_xz.png, inhibitor_xz.png, profile_xz.png, the volume peb.vti (ParaView) and the opening's
   CDs and sidewall angle in summary.json, in $out/peb.
5. Earlier examples: $out/quickstart (a grating against its three-beam closed form) and
   $out/layout_window (a window of metal 1 of a real 45 nm GDSII design, rasterised, with
   contours.gds and coverage_contours.png).
MSG
