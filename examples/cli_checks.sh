#!/usr/bin/env bash
# The examples against bad command lines and unusable paths: every case must end with the right
# exit status and a message naming what was wrong, never with an abort, and before any heavy work
# (the whole set takes seconds). Run by ctest as example_cli_checks:
#   cli_checks.sh BIN_DIR SCRATCH_DIR
# BIN_DIR holds the example programs; SCRATCH_DIR is emptied and used for fixtures and outputs.

set -u
bin=$1
scratch=$2
rm -rf "$scratch"
mkdir -p "$scratch"
failures=0
checks=0

# report NAME OK: counts a check and prints it, with the stderr of the run when OK is 0.
report() {
  local name=$1 ok=$2
  checks=$((checks + 1))
  if ((ok)); then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    sed 's/^/        stderr: /' "$scratch/stderr"
    failures=$((failures + 1))
  fi
}

# expect STATUSES TEXT PROGRAM ARGS...: the program must exit with one of STATUSES ("2", "1|2"),
# say TEXT on stderr (a fixed string), and not abort (no "terminate called", no status 134).
expect() {
  local want=$1 text=$2
  shift 2
  timeout 60 "$bin/$1" "${@:2}" >"$scratch/stdout" 2>"$scratch/stderr"
  local got=$? ok=1
  [[ "|$want|" == *"|$got|"* ]] || ok=0
  grep -qF -- "$text" "$scratch/stderr" || ok=0
  grep -q "terminate called" "$scratch/stderr" && ok=0
  report "[$got] $* -> '$text'" $ok
}

# expect_help PROGRAM [ARGS...]: --help (anywhere) prints the usage on stdout and exits 0.
expect_help() {
  timeout 60 "$bin/$1" "${@:2}" >"$scratch/stdout" 2>"$scratch/stderr"
  local got=$? ok=1
  ((got == 0)) || ok=0
  grep -q "^usage: $1" "$scratch/stdout" || ok=0
  grep -q "^Exit status: 0 done, 1 error, 2 bad command line" "$scratch/stdout" || ok=0
  [[ -s "$scratch/stderr" ]] && ok=0
  report "[$got] $* prints its usage" $ok
}

# no_summary DIR: a run that failed left no summary.json in DIR.
no_summary() {
  local ok=1
  [[ -e "$1/summary.json" ]] && ok=0
  report "no summary.json in $1" $ok
}

# no_stdout: the run just checked printed nothing on stdout (a failed run of a program that prints
# its result there must not leave a file that looks complete behind a redirection).
no_stdout() {
  local ok=1
  [[ -s "$scratch/stdout" ]] && ok=0
  report "nothing on stdout" $ok
}

# Fixtures: a regular file, a folder, and ICCAD kernel folders whose fh3.bin is a folder (fh0-2
# are valid 1 x 1 kernels: six big-endian int32 nx = ny = 1, type 2, 0, 0, 0, then 1 + 0i).
file="$scratch/regular_file"
echo "not a folder" >"$file"
folder="$scratch/a_folder"
mkdir -p "$folder"
kernels="$scratch/kernels"
for set in M1OPC M1OPC_def; do
  mkdir -p "$kernels/$set/fh3.bin"
  printf '4\n1\n1\n1\n1\n' >"$kernels/$set/scales.txt"
  for k in 0 1 2; do
    printf '\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x3f\x80\x00\x00\x00\x00\x00\x00' \
      >"$kernels/$set/fh$k.bin"
  done
done
clip="$scratch/clip.glp"
printf 'BEGIN\nEQUIV 1 1000 MICRON +X,+Y\nCNAME Temp_Top\nLEVEL M1\nCELL Temp_Top PRIME\n   RECT N M1 0 0 100 100\nENDMSG\n' >"$clip"
socs=(--wavelength 193 --na 1.35 --index 1.43664 --source annular:0.6:0.9 --source-step 0.05 --field 1024 --pitch 4)

# --help anywhere, even after a bad option.
# ilt_window and twin_chain are built unless FABTWIN_BUILD_LONG_EXAMPLES is off (the sanitizer
# preset), so are the etch programs, which are built in host builds only.
long=()
[[ -x "$bin/ilt_window" ]] && long=(ilt_window)
twin=()
[[ -x "$bin/twin_chain" ]] && twin=(twin_chain)
calibrate=()
[[ -x "$bin/twin_calibrate" ]] && calibrate=(twin_calibrate)
demo=()
[[ -x "$bin/twin_demo" ]] && demo=(twin_demo)
etch_programs=()
for program in etch_profile etch_resist etch_trench etch_hole etch_layout; do
  [[ -x "$bin/$program" ]] && etch_programs+=("$program")
done
for program in aerial_image iccad13 socs_kernels peb layout_window quickstart \
  "${twin[@]}" "${etch_programs[@]}" "${long[@]}" "${demo[@]}"; do
  expect_help "$program" --help
  expect_help "$program" --out x -h
done
if ((${#calibrate[@]})); then
  expect_help twin_calibrate --help
  expect_help twin_calibrate fit --free x -h
fi
expect_help iccad13 eval --kernels x --help
expect_help iccad13 ilt --kernels x --help
expect_help aerial_image --count 2.7 --help

# An output folder that cannot be used: refused by name before the work, no summary left.
for out in "$file/out" /dev/null; do
  if ((${#demo[@]})); then expect 1 "'$out'" twin_demo --out "$out"; fi
  expect 1 "'$out'" aerial_image --out "$out"
  expect 1 "'$out'" peb --out "$out"
  expect 1 "'$out'" layout_window --out "$out"
  expect 1 "'$out'" quickstart --out "$out"
  if ((${#twin[@]})); then expect 1 "'$out'" twin_chain --clip "$clip" --out "$out"; fi
  if ((${#long[@]})); then expect 1 "'$out'" ilt_window --clip "$clip" --out "$out"; fi
  expect 1 "'$out'" socs_kernels "${socs[@]}" --count 4 --out "$out"
  expect 1 "'$out'" iccad13 eval --kernels "$kernels" --clip "$clip" --out "$out"
  expect 1 "'$out'" iccad13 ilt --kernels "$kernels" --clip "$clip" --out "$out"
done
no_summary "$file/out"
expect 2 "--out '': expected a folder to write into" aerial_image --out ""

# A run that fails part way removes the summary an earlier run left in its folder.
for program in aerial_image layout_window socs_kernels iccad13; do
  mkdir -p "$scratch/stale_$program"
  echo '{"completed": true}' >"$scratch/stale_$program/summary.json"
done
expect 1 "read_glp" aerial_image --clip "$scratch/missing.glp" --out "$scratch/stale_aerial_image"
no_summary "$scratch/stale_aerial_image"
expect 1 "read_library" layout_window --gds "$scratch/missing.gds" --out "$scratch/stale_layout_window"
no_summary "$scratch/stale_layout_window"
# A run that would outgrow the machine's memory (a 3D hole at 0.01 nm cells: 3e12 samples) is
# refused at once, before anything is allocated, and leaves no summary.
if [[ -x "$bin/etch_profile" ]]; then
  mkdir -p "$scratch/stale_etch_profile"
  echo '{"completed": true}' >"$scratch/stale_etch_profile/summary.json"
  expect 1 "the run's memory (bytes, estimated)" etch_profile --geometry hole --dim 3 \
    --opening 100 --pitch 300 --mask-thickness 100 --grid 0.01 --time 1 --model isotropic \
    --out "$scratch/stale_etch_profile"
  no_summary "$scratch/stale_etch_profile"
fi
if [[ -x "$bin/etch_layout" ]]; then
  mkdir -p "$scratch/stale_etch_layout"
  echo '{"completed": true}' >"$scratch/stale_etch_layout/summary.json"
  expect 1 "read_library" etch_layout --gds "$scratch/missing.gds" --out "$scratch/stale_etch_layout"
  no_summary "$scratch/stale_etch_layout"
  expect 2 "--grid 3: expected a cell size that cuts the --window sides" etch_layout --grid 3 \
    --out "$scratch/etch_layout_grid"
  expect 2 "--measure-at 0,0: expected a point X,Y inside the --window" etch_layout \
    --measure-at 0,0 --out "$scratch/etch_layout_measure"
  expect 2 "--halo 6: expected a halo of whole cells" etch_layout --halo 6 \
    --out "$scratch/etch_layout_halo"
  expect 2 "--cut 0,0,0,0: expected X0,Y0,X1,Y1 in nm, two distinct points" etch_layout \
    --cut 0,0,0,0 --out "$scratch/etch_layout_cut"
  expect 2 "expected a cut or a --window, not both" etch_layout --cut 0,0,100,0 \
    --window 0,0,100,100 --out "$scratch/etch_layout_both"
  expect 2 "expected a cut of at least 4 cells" etch_layout --cut 0,0,10,0 \
    --out "$scratch/etch_layout_short"
  expect 2 "--across y: expected no direction with --cut" etch_layout --cut 0,0,100,0 \
    --across y --out "$scratch/etch_layout_across"
fi
expect 1 "'options.count' = 1000" socs_kernels "${socs[@]}" --count 1000 --out "$scratch/stale_socs_kernels"
no_summary "$scratch/stale_socs_kernels"
expect 1 "iccad13: " iccad13 eval --kernels "$kernels" --clip "$clip" --out "$scratch/stale_iccad13"
no_summary "$scratch/stale_iccad13"
# A summary that cannot reach stdout fails the run, and summary.json is not written after it.
timeout 60 "$bin/quickstart" --out "$scratch/full_stdout" >/dev/full 2>"$scratch/stderr"
status=$?
report "[$status] quickstart --out DIR >/dev/full fails" $((status == 1))
no_summary "$scratch/full_stdout"

# A folder where a file is expected, a file where a folder is, and a kernel file that is a folder.
expect 2 "--clip $folder: expected a file, found a folder" aerial_image --clip "$folder"
expect 2 "--clip $folder: expected a file, found a folder" iccad13 eval --kernels "$kernels" --clip "$folder"
expect 2 "--mask $folder: expected a file, found a folder" iccad13 eval --kernels "$kernels" --clip "$clip" --mask "$folder"
expect 2 "--gds $folder: expected a file, found a folder" layout_window --gds "$folder"
if ((${#twin[@]})); then
  expect 2 "--clip $folder: expected a file, found a folder" twin_chain --clip "$folder"
  expect 2 "--pitch 3: expected a pitch that cuts the 2048 nm canvas" twin_chain --clip "$clip" --pitch 3
  expect 2 "--pitch 4nm" twin_chain --pitch 4nm
  expect 2 "--sites 0" twin_chain --sites 0
fi
if ((${#long[@]})); then
  expect 2 "--aware-focus 90: expected a focus within --focus-range" ilt_window --clip "$clip" --focus-range 60 --aware-focus 90
  expect 2 "--eval-pitch 3: expected a pitch that cuts the 2048 nm canvas" ilt_window --clip "$clip" --eval-pitch 3
  expect 2 "--dose-step 0.2: expected a step no larger than --dose-range" ilt_window --clip "$clip" --dose-step 0.2
  expect 2 "--tolerance 1: expected a relative tolerance in (0, 1)" ilt_window --tolerance 1
  expect 2 "--gds $file: expected either --clip or --gds, not both" ilt_window --clip "$clip" --gds "$file"
  expect 2 "--window-origin 1,x" ilt_window --window-origin 1,x
  expect 1 "no line 30 to 200 nm wide" ilt_window --clip "$clip" --contest-iterations 1 --aware-iterations 1 --pitch 16 --eval-pitch 16 --out "$scratch/ilt_window"
fi
if ((${#demo[@]})); then
  expect 2 "--window 0,0,1000,1200: expected a square window whose side is a multiple of 8 nm" \
    twin_demo --window 0,0,1000,1200
  expect 2 "--gds $folder: expected a file, found a folder" twin_demo --gds "$folder"
  expect 1 "'$scratch/regular_file'" twin_demo --gds "$file" --out "$scratch/demo"
  no_summary "$scratch/demo"
fi
if ((${#calibrate[@]})); then
  json="$scratch/calibrate"
  mkdir -p "$json"
  echo '{"dose_mj_cm2": 31}' >"$json/truth.json"
  echo '{"dosage": 31}' >"$json/unknown.json"
  printf '{"layout": "%s", "window": [-512, -512, 512, 512], "pitch_nm": 16,\n "sites": [%s]}\n' \
    "$clip" '{"x0": 300, "y0": 300, "x1": 400, "y1": 300}' >"$json/empty_site.json"
  printf '{"layout": "%s", "window": [-512, -512, 512, 256], "sites": [%s]}\n' \
    "$clip" '{"x0": 0, "y0": 50, "x1": 100, "y1": 50}' >"$json/oblong.json"
  printf '{"layout": "%s", "sites": []}\n' "$clip" >"$json/no_sites.json"
  printf '{"layout": "%s", "sites": [{"x0": 0, "y0": 50, "x1": 100}]}\n' "$clip" >"$json/no_y1.json"
  printf '{"layout": "%s", "window": [-512, -512, 512, 512], "pitch_nm": 16,\n "sites": [%s]}\n' \
    "$clip" '{"x0": -20, "y0": 50, "x1": 120, "y1": 50, "cd_nm": 100}' >"$json/meas.json"
  sim=(twin_calibrate simulate --truth "$json/truth.json")
  expect 2 "missing --truth TRUTH.json (required)" twin_calibrate simulate --sites "$file"
  expect 2 "--noise-nm -1" "${sim[@]}" --sites "$file" --noise-nm -1
  expect 2 "--truth $folder: expected a file, found a folder" twin_calibrate simulate --truth "$folder" --sites "$file"
  expect 2 "missing --free NAME,NAME,... (required)" twin_calibrate fit --measurements "$json/meas.json"
  expect 1 "regular_file:1:1: found 'n'; expected a JSON value" "${sim[@]}" --sites "$file"
  no_stdout
  expect 1 "expected a square window" "${sim[@]}" --sites "$json/oblong.json"
  expect 1 "sites' = []; expected at least one site" "${sim[@]}" --sites "$json/no_sites.json"
  expect 1 "sites[0] y1' = (missing)" "${sim[@]}" --sites "$json/no_y1.json"
  expect 1 "'name' = dosage" twin_calibrate simulate --truth "$json/unknown.json" --sites "$json/empty_site.json"
  no_stdout
  expect 1 "'sites[0]' = the cut line's midpoint is not inside a feature" "${sim[@]}" --sites "$json/empty_site.json"
  no_stdout
  expect 1 "'name' = dosage" twin_calibrate fit --measurements "$json/meas.json" --free dose_mj_cm2,dosage
  no_stdout
fi
expect 2 "--kernels $file: expected a folder, found a file" aerial_image --kernels "$file"
expect 2 "--kernels $file: expected a folder, found a file" iccad13 eval --kernels "$file" --clip "$clip"
expect "1|2" "aerial_image: " aerial_image --kernels "$kernels/M1OPC" --out "$scratch/fh3"
expect "1|2" "iccad13: " iccad13 eval --kernels "$kernels" --clip "$clip"

# A mask outside [0, 1] is refused with its first bad sample before any imaging: a 2048 x 2048
# float32 NPY of zeros but mask[5] = 1.5 (NPY 1.0: magic, version, header length 118 so that the
# data start at byte 128), read with three valid 1 x 1 kernels per set.
good="$scratch/good_kernels"
for set in M1OPC M1OPC_def; do
  mkdir -p "$good/$set"
  printf '3\n1\n1\n1\n' >"$good/$set/scales.txt"
  cp "$kernels/$set/fh0.bin" "$kernels/$set/fh1.bin" "$kernels/$set/fh2.bin" "$good/$set/"
done
bad_mask="$scratch/bad_mask.npy"
{
  printf '\x93NUMPY\x01\x00\x76\x00'
  printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (2048, 2048), }"
  head -c 20 /dev/zero
  printf '\x00\x00\xc0\x3f'
  head -c $((4 * (2048 * 2048 - 6))) /dev/zero
} >"$bad_mask"
expect 1 "mask[5] = 1.5; expected a transmission in [0, 1]" \
  iccad13 eval --kernels "$good" --clip "$clip" --mask "$bad_mask"

# Numbers and lists read whole, or refused with the option, the value and what was expected.
expect 2 "--count 2.7: expected a kernel count, a whole number >= 1" aerial_image --count 2.7
expect 2 "--count 2.7: expected a kernel count, a whole number >= 1" socs_kernels "${socs[@]}" --count 2.7
expect 2 "--pitch 4nm: expected a pixel pitch > 0 nm" layout_window --pitch 4nm
expect 2 "--pitch 4nm: expected a pixel pitch > 0 nm" aerial_image --pitch 4nm
expect 2 "--pitch 4nm: expected a pixel pitch > 0 nm" peb --pitch 4nm
expect 2 "--window 0,0,10,10xyz: expected X0,Y0,X1,Y1" layout_window --window 0,0,10,10xyz
expect 2 "--window 0,0,10,10,5: expected X0,Y0,X1,Y1" layout_window --window 0,0,10,10,5
expect 2 "--layer 70000/0: expected a layer L/D with L and D whole numbers in 0..65535" layout_window --layer 70000/0
expect 2 "--bake-s 0: expected a bake time > 0 s" peb --bake-s 0
expect 2 "--dz 0: expected a layer thickness > 0 nm" peb --dz 0
expect 2 "--thickness -80: expected a resist thickness > 0 nm" peb --thickness -80
expect 2 "--pattern lines:90:45xyz: expected lines:PITCH:CD" aerial_image --pattern lines:90:45xyz
expect 2 "--na 1.5: expected an NA below --index 1.43664" aerial_image --na 1.5
expect 2 "--source annular:0.9:0.6: expected a source the optics accept" aerial_image --source annular:0.9:0.6
mkdir -p "$scratch/map_folder.npy"
expect 2 "--source $scratch/map_folder.npy: expected a source spec or a map FILE.npy, found a folder" \
  aerial_image --source "$scratch/map_folder.npy"
expect 2 "--out: the value is not valid UTF-8" aerial_image --out $'\xff'

# Named choices: one of the listed words, and only where it acts.
expect 2 "--kernel-layout header: expected one of contest|header24" \
  iccad13 eval --kernels "$kernels" --clip "$clip" --kernel-layout header
expect 2 "--kernel-layout header24: expected --kernels DIR too" aerial_image --kernel-layout header24
expect 2 "--radiometric on: expected one of two-sided|wafer-side|off" socs_kernels "${socs[@]}" --count 2 --radiometric on

# Unknown options, missing values, repeats, stray words, a missing command or required option.
expect 2 "unknown option --bogus" aerial_image --bogus 1
expect 2 "unknown option --pitch=2 (write --pitch 2)" peb --pitch=2
expect 2 "--pitch: missing value; expected a pixel pitch > 0 nm" layout_window --pitch
expect 2 "--out: missing value before --pitch" aerial_image --out --pitch 2
expect 2 "--pitch given twice (2, then 4); give it once" peb --pitch 2 --pitch 4
expect 2 "unexpected argument stray" quickstart stray
expect 2 "missing the command 'eval'" iccad13
expect 2 "missing --clip FILE.glp (required)" iccad13 eval --kernels "$kernels"
ilt=(iccad13 ilt --kernels "$kernels" --clip "$clip")
expect 2 "missing --out DIR (required)" "${ilt[@]}"
expect 2 "--schedule 8:10,16:5: expected P:N" "${ilt[@]}" --out "$scratch/ilt" --schedule 8:10,16:5
expect 2 "--schedule 3:10: expected P:N" "${ilt[@]}" --out "$scratch/ilt" --schedule 3:10
expect 2 "--schedule 8:10,: expected P:N" "${ilt[@]}" --out "$scratch/ilt" --schedule 8:10,
expect 2 "--band-weight -1: expected a weight in [0, 1000]" "${ilt[@]}" --out "$scratch/ilt" --band-weight -1
expect 2 "--iterations 0: expected an iteration count, a whole number >= 1" "${ilt[@]}" --out "$scratch/ilt" --iterations 0
expect 2 "--resist pab" "${ilt[@]}" --out "$scratch/ilt" --resist pab
expect 2 "--optimiser bfgs" "${ilt[@]}" --out "$scratch/ilt" --optimiser bfgs
expect "1|2" "iccad13: " "${ilt[@]}" --out "$scratch/ilt"
no_summary "$scratch/ilt"
expect 2 "missing --count K (required)" socs_kernels "${socs[@]}"
expect 2 "--clip and --pattern exclude each other" aerial_image --clip "$clip" --pattern lines:90:45

# The etch: a geometry, a model or a parameter that cannot be is refused by name before the
# output folder is touched.
if [[ -x "$bin/etch_profile" ]]; then
  etch=(etch_profile --opening 40 --pitch 120 --mask-thickness 20 --time 0.1)
  expect 2 "missing --model isotropic|directional|sf6o2 (required)" "${etch[@]}" --out "$scratch/etch"
  expect 2 "--model ion: expected one of isotropic|directional|sf6o2" "${etch[@]}" --model ion --out "$scratch/etch"
  expect 1 "argument 'name' = bogus; expected one of rate_nm_s, mask_rate_nm_s, stop_rate_nm_s" \
    "${etch[@]}" --model isotropic --param bogus=1 --out "$scratch/etch"
  expect 1 "argument 'rate_nm_s' = fast; expected a finite number" \
    "${etch[@]}" --model isotropic --param rate_nm_s=fast --out "$scratch/etch"
  expect 1 "argument 'etchant_sticking' = 1.5; expected a value in [0, 1]" \
    "${etch[@]}" --model sf6o2 --param etchant_sticking=1.5 --out "$scratch/etch"
  expect 1 "argument '--sensitivity' = bogus; expected one of rate_nm_s" \
    "${etch[@]}" --model isotropic --sensitivity bogus --out "$scratch/etch"
  expect 1 "argument '--sensitivity etchant_sticking' = 1; expected a parameter that is not 0" \
    "${etch[@]}" --model sf6o2 --param etchant_sticking=1 --sensitivity etchant_sticking \
    --out "$scratch/etch"
  expect 1 "argument 'opening_nm' = 400; expected in (0, pitch_nm" \
    etch_profile --opening 400 --pitch 120 --mask-thickness 20 --time 0.1 --model isotropic --out "$scratch/etch"
  expect 1 "argument 'dimension' = 2; expected 3 for a hole" \
    "${etch[@]}" --geometry hole --model isotropic --out "$scratch/etch"
  if [[ -x "$bin/etch_trench" ]]; then
    expect 2 "--arde-openings 50,x: expected widths > 0 nm separated by commas" etch_trench --arde-openings 50,x
    expect 1 "argument 'opening_nm' = 400; expected in (0, pitch_nm" etch_trench --arde-openings 400 --out "$scratch/etch"
  fi
  expect 1 "'$scratch/missing.npy'" etch_resist --profile "$scratch/missing.npy" --time 1 --out "$scratch/etch"
  # A resist section too fine for the machine (4 x 4 pixels of 1 um at 0.001 nm cells, 4e6 x 4e6
  # samples) is refused before its domain is built.
  {
    printf '\x93NUMPY\x01\x00\x76\x00'
    printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 4), }"
    head -c 64 /dev/zero
  } >"$scratch/open_film.npy"
  expect 1 "the run's memory (bytes, estimated)" etch_resist --profile "$scratch/open_film.npy" \
    --pitch 1000 --grid 0.001 --time 1 --model isotropic --out "$scratch/etch"
  [[ -e "$scratch/etch" ]] && ok=0 || ok=1
  report "no output folder made for refused etch runs" $ok
fi

echo "$((checks - failures)) of $checks checks passed"
((failures == 0))
