#!/usr/bin/env bash
# full_layout over MPI ranks, run by ctest as example_full_layout (on two cores: mpirun -np 2):
#   - a 2 x 2 um window of gcd_45nm.gds cut into 4 tiles gives, on 1, 2 and 4 ranks, the same result
#     bit for bit, and the one-tile (single-domain) run to 1e-9 (the resist stages; test_dist
#     compares the optics, resist and etch chains with one domain in one process);
#   - a halo below the chain's range (320 nm of 768) leaves an error above 1e-4 against the single
#     domain, and --halo-check reports it; the default halo's check reports below 1e-9;
#   - a rank that fails (the output folder is a file) ends both ranks with its error, and a rank
#     killed from outside (SIGKILL) ends the job too, within a minute, leaving no summary.json.
#   full_layout_check.sh PROGRAM NPY_DIFFERENCE OUT_DIR     (from the repository root; 77: no layout)
set -euo pipefail
program=$1
difference=$2
out=$3
[[ -f ../shared/data/layouts/gcd_45nm.gds ]] || { echo "no ../shared/data/layouts/gcd_45nm.gds"; exit 77; }
# As root (CI containers), OpenMPI wants both variables; --oversubscribe lets 2 ranks share fewer cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
rm -rf "$out"
mkdir -p "$out"
window=12000,12000,14048,14048
fail=0
run() {  # run NAME RANKS ARGS...
  local name=$1 ranks=$2
  shift 2
  mpirun --oversubscribe -np "$ranks" "$program" --window "$window" --out "$out/$name" "$@" \
    >"$out/$name.json" 2>"$out/$name.log" || { echo "FAIL: $name exited $?"; cat "$out/$name.log"; fail=1; }
}
below() {  # below VALUE LIMIT: VALUE <= LIMIT
  awk -v v="$1" -v l="$2" 'BEGIN { exit !(v <= l) }'
}
for stages in resist; do
  run "$stages-single" 1 --stages "$stages" --tile 2048
  # The one-rank run measures the default halo's error too (--halo-check: its print is the same).
  run "$stages-np1" 1 --stages "$stages" --tile 1024 --halo-check
  run "$stages-np2" 2 --stages "$stages" --tile 1024
  run "$stages-np4" 4 --stages "$stages" --tile 1024
  grep -q '"tiles": 4,' "$out/$stages-np2.json" || { echo "FAIL: $stages: not 4 tiles"; fail=1; }
  ranks=$("$difference" "$out/$stages-np1/printed.npy" "$out/$stages-np2/printed.npy")
  four=$("$difference" "$out/$stages-np1/printed.npy" "$out/$stages-np4/printed.npy")
  single=$("$difference" "$out/$stages-single/printed.npy" "$out/$stages-np2/printed.npy")
  echo "$stages: 1 vs 2 ranks differ by $ranks, 1 vs 4 by $four; 4 tiles vs one domain by $single"
  [[ $ranks == 0 && $four == 0 ]] || { echo "FAIL: $stages: 1, 2 and 4 ranks differ"; fail=1; }
  below "$single" 1e-9 || { echo "FAIL: $stages: tiles differ from one domain by $single"; fail=1; }
done

run small-halo 2 --tile 1024 --halo 320 --halo-check
small=$("$difference" "$out/resist-single/printed.npy" "$out/small-halo/printed.npy")
reported=$(sed -n 's/.*"halo_error": \([^,]*\),/\1/p' "$out/small-halo.json")
default=$(sed -n 's/.*"halo_error": \([^,]*\),/\1/p' "$out/resist-np1.json")
echo "halo 320 nm: $small against one domain, $reported on the centre tile; default halo: $default"
below 1e-4 "$small" || { echo "FAIL: a 320 nm halo left only $small"; fail=1; }
below 1e-4 "$reported" || { echo "FAIL: --halo-check reported $reported for a 320 nm halo"; fail=1; }
below "$default" 1e-9 || { echo "FAIL: --halo-check reported $default for the default halo"; fail=1; }

# A rank that throws: the output folder is a file. Both ranks end, with the error named.
touch "$out/a-file"
if mpirun --oversubscribe -np 2 "$program" --window "$window" --out "$out/a-file" >/dev/null 2>"$out/abort.log"; then
  echo "FAIL: a run into a file as its folder succeeded"; fail=1
fi
grep -q "rank 0: error" "$out/abort.log" || { echo "FAIL: no rank error in:"; cat "$out/abort.log"; fail=1; }

# A rank killed from outside: mpirun ends the other and exits with an error, leaving no summary.
mpirun --oversubscribe -np 2 "$program" --window 8000,8000,16192,16192 --out "$out/killed" \
  >/dev/null 2>"$out/killed.log" &
launcher=$!
for _ in $(seq 600); do
  grep -q "rank 1: tile" "$out/killed.log" 2>/dev/null && break
  sleep 0.1
done
victim=$(pgrep -f -- "--out $out/killed" | grep -v "^$launcher\$" | tail -n 1)
kill -KILL "$victim"
start=$SECONDS
status=0
timeout 60 tail --pid="$launcher" -f /dev/null || { echo "FAIL: the job outlived a killed rank by 60 s"; fail=1; kill -KILL "$launcher"; }
wait "$launcher" || status=$?
echo "killed rank $victim: mpirun exited $status after $((SECONDS - start)) s"
[[ $status != 0 ]] || { echo "FAIL: mpirun exited 0 after a rank was killed"; fail=1; }
[[ ! -e "$out/killed/summary.json" ]] || { echo "FAIL: a killed run left a summary"; fail=1; }
if pgrep -f -- "--out $out/killed" >/dev/null; then echo "FAIL: a rank outlived the job"; fail=1; fi
exit $fail
