#!/usr/bin/env bash
# Runs `iccad13 ilt` on the ten ICCAD-2013 clips with its defaults, checks that `iccad13 eval`
# scores every written mask the same, and prints the per-clip table of docs/iccad2013.md (Markdown)
# with the averages. Usage: scripts/iccad13-ilt-table.sh [BUILD_DIR [OUT_DIR [ILT OPTION...]]]
#   BUILD_DIR  a host build (default build/host); OUT_DIR  where each clip's run goes
#   (default build/ilt-table); ILT OPTION  passed on to every `iccad13 ilt` (e.g. --optimiser
#   lbfgs). The data: ../shared/data/iccad2013 or $FABTWIN_DATA/iccad2013.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/host}
out=${2:-build/ilt-table}
shift $(($# < 2 ? $# : 2))
data=${FABTWIN_DATA:-../shared/data}/iccad2013
mkdir -p "$out"
echo "| clip | L2 | PVB (XOR) | PVB (outer not inner) | EPE | shapes | min shape area (nm²) | min shape distance (nm) | iterations | seconds |"
echo "|-----:|---:|----------:|----------------------:|----:|-------:|---------------------:|------------------------:|-----------:|--------:|"
for i in $(seq 1 10); do
  "$build/examples/iccad13" ilt --kernels "$data/kernels" --clip "$data/clips/M1_test$i.glp" \
    --out "$out/clip$i" "$@" 2>/dev/null >/dev/null
  "$build/examples/iccad13" eval --kernels "$data/kernels" --clip "$data/clips/M1_test$i.glp" \
    --mask "$out/clip$i/mask.npy" >"$out/clip$i/eval.json"
  python3 - "$out/clip$i/summary.json" "$out/clip$i/eval.json" "$i" <<'PY'
import json, sys
ilt, ev = (json.load(open(p)) for p in sys.argv[1:3])
for key in ("l2", "pvb", "pvb_outer_not_inner", "epe"):
    if ilt[key] != ev[key]:
        sys.exit(f"clip {sys.argv[3]}: ilt {key} {ilt[key]} but eval {ev[key]}")
d = ilt["min_shape_distance"]
print(f"| {sys.argv[3]} | {ilt['l2']} | {ilt['pvb']} | {ilt['pvb_outer_not_inner']} | {ilt['epe']} | "
      f"{ilt['shapes']} | {ilt['min_shape_area']} | {'-' if d is None else f'{d:.2f}'} | "
      f"{ilt['iterations']} | {ilt['seconds']:.2f} |")
PY
done | tee "$out/rows.md"
python3 - "$out/rows.md" <<'PY'
import sys
rows = [[c.strip() for c in line.strip().strip('|').split('|')] for line in open(sys.argv[1])]
mean = lambda k: sum(float(r[k]) for r in rows) / len(rows)
print(f"| mean | {mean(1):.0f} | {mean(2):.0f} | {mean(3):.0f} | {mean(4):.1f} | {mean(5):.0f} | "
      f"| | {mean(8):.0f} | {mean(9):.2f} |")
PY
