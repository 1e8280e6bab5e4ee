#!/usr/bin/env bash
# Throughput of full_layout over MPI ranks on this machine: the resist twin over a 16 x 16 um
# window of gcd_45nm.gds (metal 1), tile cores of 2048 and 4096 nm, on 1 and 2 ranks, each pair
# measured back to back in this run. Prints a table (um^2/s, parallel efficiency T1 / (R T_R), the
# work ratio = pixels computed / pixels of the window, the halo's share of the work = 1 - 1/ratio)
# and writes every run's summary under OUT_DIR.
#   benchmarks/mpi_scaling.sh [FULL_LAYOUT] [OUT_DIR]     (from the repository root)
set -euo pipefail
program=${1:-build/host/examples/full_layout}
out=${2:-out/mpi_scaling}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$out"
field() { sed -n "s/.*\"$2\": \\([^,]*\\),*/\\1/p" "$1" | head -n 1; }
printf '| tile core | ranks | tiles | seconds | um^2/s | efficiency | work ratio | halo share |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for tile in 2048 4096; do
  base=""
  for ranks in 1 2; do
    json="$out/tile$tile-np$ranks.json"
    mpirun --oversubscribe -np "$ranks" "$program" --window 8000,8000,24000,24000 --tile "$tile" \
      --out "$out/tile$tile-np$ranks" >"$json" 2>"$out/tile$tile-np$ranks.log"
    seconds=$(field "$json" seconds)
    [[ -n $base ]] || base=$seconds
    awk -v t="$tile" -v r="$ranks" -v n="$(field "$json" tiles)" -v s="$seconds" \
      -v u="$(field "$json" um2_per_s)" -v b="$base" -v w="$(field "$json" work_ratio)" \
      'BEGIN { printf "| %d nm | %d | %d | %.1f | %.2f | %.1f %% | %.2f | %.0f %% |\n", t, r, n, s, u, 100 * b / (r * s), w, 100 * (1 - 1 / w) }'
  done
done
