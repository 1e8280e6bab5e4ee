#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds the CUDA preset, runs the whole test suite (templated
# cases on the Cuda space; the Host space is the host preset's) and the benchmarks, and writes
# what they printed under $OUT (or build/gpu-check): gpu-check.txt (the report), ctest.log and
# bench_*.json.
#
# A machine without the Debian development packages and without a registry: run
# scripts/gpu-fetch-deps.sh beforehand and carry .gpu-deps; they are unpacked into /tmp.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$PWD/build/gpu-check}
mkdir -p "$out"
report=$out/gpu-check.txt
: >"$report"
say() { echo "$@" | tee -a "$report"; }
failures=0
step() {  # step NAME COMMAND...: runs a step, logs it, and counts a failure without stopping
  local name=$1 started=$SECONDS
  shift
  "$@" >"$out/$name.log" 2>&1
  local rc=$?
  say "$name: exit $rc in $((SECONDS - started)) s"
  ((rc == 0)) || failures=$((failures + 1))
  return $rc
}

say "fabtwin gpu-check $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
say "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)"
say "$(/usr/local/cuda/bin/nvcc --version | tail -n 2 | head -n 1)"

configure=(cmake --preset cuda)
if [ -d .gpu-deps ]; then
  prefix=/tmp/fabtwin-deps
  for deb in .gpu-deps/*.deb; do dpkg -x "$deb" "$prefix"; done
  export LD_LIBRARY_PATH="$prefix/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  configure+=("-DCMAKE_PREFIX_PATH=$prefix/usr" "-DFFTW_ROOT=$prefix/usr")
  say "dependencies unpacked from .gpu-deps into $prefix"
fi

step configure "${configure[@]}" &&
  step build cmake --build --preset cuda -j "$(nproc)" &&
  {
    step ctest ctest --preset cuda -j 4
    grep -E "tests passed|tests failed" "$out/ctest.log" | tee -a "$report"
    for bench in build/cuda/benchmarks/bench_*; do
      name=$(basename "$bench")
      step "$name" "$bench" --benchmark_repetitions=3 --benchmark_out="$out/$name.json" \
        --benchmark_out_format=json
      sed -n '/^Ratios to the baseline/,$p' "$out/$name.log" | tee -a "$report"
    done
  }
say "gpu-check: $failures failed step(s)"
exit $((failures > 0))
