#!/usr/bin/env bash
# The compiler launcher of a syntax-only CUDA build's units (CMakeLists.txt, FABTWIN_CUDA_SYNTAX_ONLY):
# runs the nvcc command it is given, whose host compiler only checks the host side and so writes no
# object, then leaves an empty file at the command's -o, so that the build tool sees the unit as
# built until one of its sources changes (the dependency file is written as usual).
set -euo pipefail
"$@"
object=
previous=
for argument in "$@"; do
  [[ $previous == -o ]] && object=$argument
  previous=$argument
done
[[ -n $object ]] || { echo "syntax_only_object.sh: no -o in the command: $*" >&2; exit 1; }
: >"$object"
