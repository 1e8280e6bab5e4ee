#!/usr/bin/env bash
# twin_calibrate end to end, run by ctest as example_twin_calibrate: synthetic CDs on a window of
# gcd_45nm.gds from known parameters plus 0.3 nm of noise (simulate), then a fit of three of them
# from a wrong start (fit). The fit must land within 2 standard errors of the truth, with no
# warning, and its CD RMS must fall from nanometres to the noise (below 0.45 nm).
#   twin_calibrate_check.sh PROGRAM OUT_DIR     (from the repository root; 77: no layout)
set -euo pipefail
program=$1
out=$2
data=examples/data
[[ -f ../shared/data/layouts/gcd_45nm.gds ]] || { echo "no ../shared/data/layouts/gcd_45nm.gds"; exit 77; }
rm -rf "$out"
mkdir -p "$out"
"$program" simulate --truth "$data/gcd_m1_truth.json" --sites "$data/gcd_m1_sites.json" \
  --noise-nm 0.3 --seed 7 >"$out/meas.json"
"$program" fit --measurements "$out/meas.json" --free dose_mj_cm2,focus_nm,resist.blur_nm \
  --start "$data/gcd_m1_start.json" >"$out/fit.json"
cat "$out/fit.json"
fail=0
grep -q '"truth_within_2_std_errors": true' "$out/fit.json" || { echo "FAIL: truth not within 2 standard errors"; fail=1; }
grep -q '"warnings": \[\]' "$out/fit.json" || { echo "FAIL: the fit warned"; fail=1; }
grep -Eq '"cd_rms_nm": 0\.([0-3][0-9]*|4[0-4][0-9]*),' "$out/fit.json" || { echo "FAIL: CD RMS above 0.45 nm"; fail=1; }
grep -Eq '"cd_rms_start_nm": [1-9]' "$out/fit.json" || { echo "FAIL: the start's CD RMS below 1 nm"; fail=1; }
grep -Eq '"converged": true' "$out/fit.json" || { echo "FAIL: not converged"; fail=1; }
exit $fail
