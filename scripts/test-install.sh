#!/usr/bin/env bash
# Installs fabtwin into a scratch prefix and builds and runs tests/install, an outside project that
# finds it with find_package(fabtwin CONFIG REQUIRED).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=$PWD/build/install-prefix
rm -rf "$prefix" build/install-consumer
cmake -S . -B build/install-package -G Ninja -DFABTWIN_BUILD_TESTS=OFF \
      -DFABTWIN_BUILD_EXAMPLES=OFF -DFABTWIN_BUILD_BENCHMARKS=OFF -DCMAKE_INSTALL_PREFIX="$prefix"
cmake --install build/install-package
cmake -S tests/install -B build/install-consumer -G Ninja -DCMAKE_PREFIX_PATH="$prefix"
cmake --build build/install-consumer
build/install-consumer/consumer
