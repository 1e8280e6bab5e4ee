#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds the CUDA preset with every core, runs the whole test suite
# (templated cases on the Cuda space; the Host space and the host-only tests are the host preset's)
# and the benchmarks, and writes what they printed under $OUT (or build/gpu-check):
# gpu-check.txt (the report), one log per step and bench_*.json.
#
# It must fit a lent GPU's few minutes: every step has its own time limit (below), so the whole run
# ends within 8 minutes even when a step hangs, and the report says which steps ran out.
# A build/cuda already configured for this machine (a second call on a warm machine) is reused.
#
# A machine without the Debian development packages and without a registry: run
# scripts/gpu-fetch-deps.sh beforehand and carry .gpu-deps; they are unpacked into /tmp.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/build/gpu-check}
mkdir -p "$out"
report=$out/gpu-check.txt
: >"$report"
started=$SECONDS
say() { echo "$@" | tee -a "$report"; }
failures=0
step() {  # step NAME LIMIT_S COMMAND...: runs a step under a time limit, logs it, counts a failure
  local name=$1 limit=$2 begun=$SECONDS
  shift 2
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  local note=""
  ((rc == 124 || rc == 137)) && note=" (ran past its ${limit} s limit)"
  say "$name: exit $rc in $((SECONDS - begun)) s$note"
  ((rc == 0)) || failures=$((failures + 1))
  return $rc
}

say "fabtwin gpu-check $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
say "$(/usr/local/cuda/bin/nvcc --version | tail -n 2 | head -n 1), $(nproc) cores"

configure=(cmake --preset cuda)
if [ -d .gpu-deps ]; then
  prefix=/tmp/fabtwin-deps
  for deb in .gpu-deps/*.deb; do dpkg -x "$deb" "$prefix"; done
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  configure+=("-DCMAKE_PREFIX_PATH=$prefix/usr" "-DFFTW_ROOT=$prefix/usr")
  say "dependencies unpacked from .gpu-deps into $prefix"
fi

# Limits: configure 45 s, build 180 s (about 100 s on 16 cores), tests 75 s, four benchmarks 35 s
# each and bench_ilt 35 s (its Cuda cases only, the ILT iteration and full_layout's tile: the host
# ones take seconds per iteration on the bake): 7.9 minutes at most.
if step configure 45 "${configure[@]}" && step build 180 cmake --build --preset cuda -j "$(nproc)"; then
  step ctest 75 ctest --preset cuda -j 4 --timeout 60
  grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)" "$out/ctest.log" | tee -a "$report"
  for bench in build/cuda/benchmarks/bench_*; do
    name=$(basename "$bench")
    # One repetition of at least 0.2 s per case: the ratios to the baseline measured in the same
    # run are what the report keeps.
    limit=35 only=()
    if [[ $name == bench_ilt ]]; then only=(--benchmark_filter='_cuda'); fi
    step "$name" "$limit" "$bench" --benchmark_min_time=0.2 --benchmark_out="$out/$name.json" \
      --benchmark_out_format=json "${only[@]}"
    sed -n '/^Ratios to the baseline/,$p' "$out/$name.log" | tee -a "$report"
  done
fi
say "gpu-check: $failures failed step(s) in $((SECONDS - started)) s"
exit $((failures > 0))
