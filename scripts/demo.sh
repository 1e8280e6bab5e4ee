#!/usr/bin/env bash
# Quick start: installs what is missing, builds the host examples, runs the flagship example and
# says where its output is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset host >/dev/null
cmake --build --preset host -j "$(nproc)" --target quickstart
out=$PWD/out/quickstart
build/host/examples/quickstart --out "$out"
cat <<MSG

fabtwin demo: a 160 nm line/space grating imaged at 193 nm through an NA 1.35 immersion pupil,
checked against the three-beam closed form ("max_error_vs_closed_form" above).
Output in $out:
  intensity.npy  aerial image, 32 x 800 pixels of 2 nm   (python3 -c "import numpy; numpy.load(...)")
  mask.npy       the mask
  summary.json   the figures printed above
MSG
