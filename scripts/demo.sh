#!/usr/bin/env bash
# Quick start: installs what is missing, builds the flagship example, runs it and says where its
# pictures and figures are.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset host >/dev/null
cmake --build --preset host -j "$(nproc)" --target twin_demo
out=$PWD/out/demo

# The flagship: the whole twin on a window of metal 1 of a real 45 nm design (twin_demo --help).
build/host/examples/twin_demo --out "$out" >/dev/null
cat <<MSG

fabtwin demo: a 1024 x 1024 nm window of metal 1 of ../shared/data/layouts/gcd_45nm.gds through
the differentiable process twin (4 nm pixels):
  1. aerial images through 24 SOCS kernels generated from the optics (193 nm, NA 1.35, water,
     annular 0.6-0.9) at five focus values, under three corners (nominal; dose +5 %; dose -5 % at
     60 nm defocus);
  2. a Dill exposure, the post-exposure bake (acid-quencher reaction-diffusion, Sentaurus
     parameters with activation energies, 90 s at 110 C) and a compact resist (blurred threshold);
  3. a pattern-scale etch bias (microloading: illustrative, not calibrated);
  4. a feature-scale etch (SF6/O2 level set, ray-traced fluxes) of the printed CD of one site;
  5. 12 iterations of pixel ILT through the same chain and corners;
  6. a calibration of dose, focus and resist blur to 25 synthetic CDs with 0.3 nm noise;
  7. a hotplate's 3 x 3 zone map recovered from 18 CDs across a field of repeated lines.
In $out:
  mask.png       the window as drawn
  aerial.png     the nominal aerial image with the printed contour
  contours.png   drawn (white), printed (red) and etched (cyan) contours, CD sites (yellow)
  pv_band.png    the nominal print with the outer and inner corners' contours
  profile.png    the x-z cross-section of the etched trench (and phi.npy, material.npy, etch.vti)
  ilt.png        the ILT mask with its print over the target
  plate_truth.png, plate_fit.png   the hotplate map that made the CDs and the one fitted to them
  printed.npy, etched.npy, ilt_mask.npy   (python3 -c "import numpy; numpy.load(...)")
  summary.json   every figure: EPE and PV band of the drawn and the ILT mask, CDs per site and
                 corner, the etch profile, the calibrations' values, errors and CD RMS
More programs (build/host/examples after 'cmake --build --preset host'): aerial_image, peb,
iccad13, layout_window, twin_chain, twin_calibrate, etch_profile, etch_trench, ilt_window.
MSG
