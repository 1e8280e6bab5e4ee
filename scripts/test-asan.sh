#!/usr/bin/env bash
# Builds the host tests with AddressSanitizer and UBSan and runs them; any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan
cmake --build --preset asan -j "$(nproc)"
ctest --preset asan -j "$(nproc)"
