#!/usr/bin/env bash
# Fuzzes the parsers (layout files, JSON) with libFuzzer, AddressSanitizer and UBSan.
#   scripts/fuzz.sh [seconds per harness, default 60] [harness ...: gdsii glp json]
# Each harness starts from its seed corpus in tests/fuzz/corpus/<name>/ and keeps what it finds in
# build/fuzz/corpus/<name>/ (outside the repository). Crashes are written to build/fuzz/ and fail the
# run. The parser headers need only -Iinclude.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=(gdsii glp json)

if ! command -v clang++ >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "clang++ missing; run as root to install it" >&2; exit 1; }
  apt-get update && apt-get install -y clang
fi
# The fuzzer runtime ships separately on some distributions.
probe=$(mktemp -d)
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
if ! clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
  [ "$(id -u)" -eq 0 ] || { echo "libFuzzer runtime missing; run as root to install it" >&2; exit 1; }
  version=$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p')
  apt-get update && apt-get install -y "libclang-rt-${version}-dev" || apt-get install -y "libclang-common-${version}-dev"
fi
rm -rf "$probe"

out=build/fuzz
mkdir -p "$out"
# The harnesses are built, then run, side by side: CI's two cores share the three for the time
# given (each runs fewer inputs than alone, in the same wall time).
pids=()
for name in "${harnesses[@]}"; do
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Iinclude "tests/fuzz/fuzz_${name}.cpp" -o "$out/fuzz_${name}" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
pids=()
for name in "${harnesses[@]}"; do
  mkdir -p "$out/corpus/$name"
  "$out/fuzz_${name}" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/${name}-" -print_final_stats=1 "$out/corpus/$name" \
    "tests/fuzz/corpus/$name" >"$out/${name}.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  name=${harnesses[$i]}
  status=0
  wait "${pids[$i]}" || status=$?
  echo "== fuzz_${name}: ${seconds} s, exit ${status}"
  cat "$out/${name}.log"
  ((status == 0)) || failed=1
done
exit $failed
