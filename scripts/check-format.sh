#!/usr/bin/env bash
# Checks that every C++ source in the repository is laid out as .clang-format says, with the
# clang-format that Debian 12 ships (another major version lays some constructs out differently,
# so the check pins it). Prints the files that differ and how to fix them; exits 1 if any do.
#   scripts/check-format.sh          check
#   scripts/check-format.sh --fix    rewrite the files in place
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  "") fix=0 ;;
  --fix) fix=1 ;;
  -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "check-format.sh: unknown argument '$1'; expected nothing, --fix or --help" >&2; exit 2 ;;
esac

scripts/install-deps.sh clang-format-14
format=clang-format-14

mapfile -t files < <(git ls-files -- '*.hpp' '*.cpp' '*.cu')
if ((fix)); then
  "$format" -i "${files[@]}"
  echo "fabtwin: formatted ${#files[@]} files"
  exit 0
fi

unformatted=()
for file in "${files[@]}"; do
  "$format" "$file" | cmp -s - "$file" || unformatted+=("$file")
done
if ((${#unformatted[@]})); then
  echo "fabtwin: ${#unformatted[@]} of ${#files[@]} files are not laid out as .clang-format says:" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  echo "run scripts/check-format.sh --fix (or $format -i FILE) and look at the diff" >&2
  exit 1
fi
echo "fabtwin: all ${#files[@]} C++ files are laid out as .clang-format says"
