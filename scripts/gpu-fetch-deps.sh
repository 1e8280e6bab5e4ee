#!/usr/bin/env bash
# Downloads (does not install) the Debian packages that scripts/gpu-check.sh needs, into .gpu-deps/,
# for a GPU machine that cannot reach a package registry: carry .gpu-deps there and gpu-check.sh
# unpacks them into a private prefix. Packages are downloaded for amd64, whatever this machine is.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .gpu-deps
cd .gpu-deps
apt-get download -oAPT::Architecture=amd64 catch2 libeigen3-dev libfftw3-dev libfftw3-single3 \
  libfftw3-double3 libbenchmark-dev libbenchmark1debian
ls -l
