#!/usr/bin/env bash
# Builds the host tests with AddressSanitizer and UBSan and runs them; any report fails the run.
# The preset compiles at -Og with -g1 (function names and line tables for the reports' stack
# traces, no variable information: a quarter less compile time than -g; -Og compiled the largest
# unit in 54 s against 94 s at -O1, and its tests ran 14 s against 11 s), and leaves out the
# ten-clip ICCAD comparison, whose code test_aerial runs on small fields, the [large] cases of
# test_socs_kernels and the thread-count comparisons of test_threads (tests/CMakeLists.txt), and
# the twin_chain and ilt_window programs and two of peb's option variants (examples/CMakeLists.txt).
# Of the examples it builds, it runs the quick ones and cli_checks (every program's bad command
# lines and paths) but not the image and bake runs of peb, aerial_image and socs_kernels (52 s of
# the sanitizer run: numerics that test_resist, test_aerial and test_socs_kernels run there).
# Catch2's main is compiled unoptimised and uninstrumented, and so is, at -O2, the kernel generator
# the other tests use as a fixture (fabtwin_host_kernels; test_socs_kernels sanitizes its code).
# UBSan's checks trap (-fsanitize-undefined-trap-on-error) instead of calling its runtime, and ASan
# reports the trap (handle_sigill) with the stack and the source line; what the report no longer
# names is the kind of undefined behaviour (configure with the flag removed to see it), and GCC
# drops the vptr check, which needs the runtime. The handlers' calls were a fifth of the
# instrumented compile (test_layout's unit 36.3 -> 29.2 s): the build took 388 s on two cores and
# its tests 82 s, 333 s and 72 s with traps.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset asan
cmake --build --preset asan -j "$(nproc)"
ctest --preset asan -j "$(nproc)"
