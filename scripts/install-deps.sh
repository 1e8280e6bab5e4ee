#!/usr/bin/env bash
# Installs the Debian packages fabtwin builds against, when they are missing. Runs apt-get as root
# (directly, or through sudo for other users). The CUDA Toolkit is not a Debian package: fabtwin
# expects it in /usr/local/cuda (its CCCL headers are needed even by host-only builds).
# Arguments name further packages a script needs (scripts/check-format.sh: clang-format-14).
set -euo pipefail

packages=(cmake ninja-build g++ catch2 libeigen3-dev libfftw3-dev libbenchmark-dev
          libopenmpi-dev openmpi-bin "$@")
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done

if ((${#missing[@]})); then
  echo "fabtwin: installing missing packages: ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "fabtwin: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if [ ! -f /usr/local/cuda/include/cccl/thrust/version.h ] && [ -z "${CUDAToolkit_ROOT:-}" ]; then
  echo "fabtwin: the CUDA Toolkit's CCCL headers were not found in /usr/local/cuda;" \
       "install the CUDA Toolkit there or set CUDAToolkit_ROOT" >&2
  exit 1
fi
