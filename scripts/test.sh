#!/usr/bin/env bash
# The test command: installs what is missing, builds and runs every host test, then compiles the
# whole CUDA build (tests, examples, benchmarks; nvcc for sm_90, warnings as errors) when nvcc is
# present. The CUDA binaries are not run here: scripts/gpu-check.sh builds the `cuda` preset and
# runs them on a GPU machine. Here the `cuda-check` preset compiles the same sources with device
# code at nvcc's fastest compile level (-Ofc=max: cicc and ptxas still run, with nvcc's front end
# and its warnings as in `cuda`, but skip their costly optimisations) and the host side checked by
# the host compiler's front end alone (-fsyntax-only, warnings as errors), generated at -O0 and
# linked only in test_fft, test_nccl and etch_profile (FABTWIN_CUDA_SYNTAX_ONLY, CMakeLists.txt):
# nothing runs it. test_etch_spaces' unit took 51 s with cicc's full optimisation and ptxas at -O0
# (cicc 19 s, ptxas 21 s), 16 s at -Ofc=max (3 s, 2 s); the whole build 639 -> 521 s of CPU; with
# the host side checked and not generated, 792 -> 649 s (401 -> 332 s on two cores). What the full
# optimisation alone would reject (a kernel past a resource limit) shows when gpu-check.sh builds
# the `cuda` preset.
#
# FABTWIN_SKIP_CUDA=1 skips the CUDA build (a quicker loop while editing host code).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$SECONDS

scripts/install-deps.sh

# Where the CUDA build below compiles the benchmarks written over the space, the host build leaves
# them out of its default target (FABTWIN_HOST_ALL_BENCHMARKS; build one with --target bench_...).
nvcc=/usr/local/cuda/bin/nvcc
if [ "${FABTWIN_SKIP_CUDA:-0}" != 1 ] && [ -x "$nvcc" ]; then
  cmake --preset host -DFABTWIN_HOST_ALL_BENCHMARKS=OFF
else
  cmake --preset host -DFABTWIN_HOST_ALL_BENCHMARKS=ON
fi
cmake --build --preset host -j "$jobs"
ctest --preset host -j "$jobs"
host_done=$SECONDS

if [ "${FABTWIN_SKIP_CUDA:-0}" = 1 ]; then
  echo "fabtwin: CUDA build skipped (FABTWIN_SKIP_CUDA=1)"
elif [ -x "$nvcc" ]; then
  cmake --preset cuda-check
  cmake --build --preset cuda-check -j "$jobs"
  echo "fabtwin: CUDA build compiled with $("$nvcc" --version | tail -n 2 | head -n 1)" \
       "(not run: no GPU here; see scripts/gpu-check.sh)"
else
  echo "fabtwin: $nvcc not found, CUDA build not checked" >&2
  exit 1
fi
echo "fabtwin: host build and tests $((host_done - start)) s, CUDA build $((SECONDS - host_done)) s"
