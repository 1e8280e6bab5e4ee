#!/usr/bin/env bash
# Quick start: installs what is missing, builds the host examples, runs the flagship example and
# says where its output is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset host >/dev/null
cmake --build --preset host -j "$(nproc)" --target quickstart layout_window
out=$PWD/out/quickstart
build/host/examples/quickstart --out "$out"
layout_out=$PWD/out/layout_window
build/host/examples/layout_window --out "$layout_out"
cat <<MSG

fabtwin demo: a 160 nm line/space grating imaged at 193 nm through an NA 1.35 immersion pupil,
checked against the three-beam closed form ("max_error_vs_closed_form" above).
Output in $out:
  intensity.npy  aerial image, 32 x 800 pixels of 2 nm   (python3 -c "import numpy; numpy.load(...)")
  mask.npy       the mask
  summary.json   the figures printed above

Then a 4 x 4 um window of metal 1 of a real 45 nm design (../shared/data/layouts/gcd_45nm.gds),
read without flattening the rest of the layout and rasterised at 4 nm.
Output in $layout_out:
  coverage.png            exact area coverage (anti-aliased), y up
  coverage_contours.png   the same in false colour with its 50 % contour in red and a scale bar
  coverage.npy, binary.npy   the coverage and the ICCAD centre-rule raster
  contours.gds            the traced contours as GDSII polygons (open in KLayout)
  summary.json            the figures printed above
MSG
