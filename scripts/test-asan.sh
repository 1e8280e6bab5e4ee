#!/usr/bin/env bash
# Builds the host tests with AddressSanitizer and UBSan and runs them; any report fails the run.
# The preset compiles at -O1 with -g1 (function names and line tables for the reports' stack
# traces, no variable information: a quarter less compile time than -g), and leaves out the
# ten-clip ICCAD comparison, whose code test_aerial runs on small fields.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan
cmake --build --preset asan -j "$(nproc)"
ctest --preset asan -j "$(nproc)"
