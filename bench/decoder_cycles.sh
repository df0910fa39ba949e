#!/bin/sh
# Host cycles (and instructions, branch misses) per decoded instruction of one or more decoders
# on libc's .text, with perf stat: the figure docs/performance.md goes by, because it is steadier
# than wall time on a shared VM whose clock drifts.
#
#   bench/decoder_cycles.sh [-r ROUNDS] [-n PASSES] [-v] LABEL=SWEEP_BINARY:DECODER ...
#
# Each LABEL runs `SWEEP_BINARY DECODER PASSES` and `SWEEP_BINARY DECODER 0` (loading only) under
# perf stat; the rounds run every label in turn, so that old and new binaries share the VM's
# drift. Per label the minimum over the rounds of each count is taken, the loading-only minimum
# subtracted, and the rest divided by PASSES times the instructions one pass decodes.
# The events are cycles:u, instructions:u and branch-misses:u where the host has a PMU; in a VM
# without one (dmesg: "PMU not available due to virtualization") the one event is msr/tsc/: TSC
# ticks while the program runs, that is reference cycles at the TSC's rate (kernel time
# included). -v adds host instructions per decoded instruction counted exactly by
# valgrind's cachegrind (one pass minus loading), which needs no PMU and does not drift.
#
# Example, this tree against a copy of an older build and Capstone's cs_disasm:
#   bench/decoder_cycles.sh new=build/release/bench/kiln_decoder_sweep:kiln \
#       old=/tmp/sweep-old:kiln capstone=build/release/bench/kiln_decoder_sweep:cs-disasm
set -eu

usage() { echo "usage: $0 [-r ROUNDS] [-n PASSES] [-v] LABEL=SWEEP_BINARY:DECODER ..." >&2; exit 2; }
rounds=8
passes=10
valgrind=0
while getopts r:n:v opt; do
  case $opt in
    r) rounds=$OPTARG ;;
    n) passes=$OPTARG ;;
    v) valgrind=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || usage
command -v perf >/dev/null || { echo "perf is missing (Debian: linux-perf)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

events=cycles:u,instructions:u,branch-misses:u
if perf stat -x, -e cycles:u -o "$work/probe" true && grep -q 'not supported' "$work/probe"; then
  events=msr/tsc/
fi

# run LABEL BINARY DECODER PASSES: appends the counts of $events, in order, to $work/LABEL.PASSES
run() {
  perf stat -x, -e "$events" -o "$work/stat" "$2" "$3" "$4" > "$work/out"
  [ "$4" = 0 ] || cp "$work/out" "$work/$1.count"
  awk -F, '!/^#/ && NF > 2 { printf "%s ", $1 } END { print "" }' "$work/stat" >> "$work/$1.$4"
}

# cachegrind LABEL BINARY DECODER PASSES: host instructions of one run (of a copy without debug
# information: valgrind 3.19 cannot read clang's)
cachegrind() {
  [ -f "$work/$1.bin" ] || objcopy --strip-debug "$2" "$work/$1.bin"
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$work/$1.bin" "$3" "$4" 2>&1 >/dev/null |
    awk '/I *refs:/ { gsub(",", "", $NF); print $NF }'
}

round=1
while [ "$round" -le "$rounds" ]; do
  for spec in "$@"; do
    label=${spec%%=*}
    target=${spec#*=}
    run "$label" "${target%:*}" "${target##*:}" "$passes"
    run "$label" "${target%:*}" "${target##*:}" 0
  done
  round=$((round + 1))
done

echo "perf stat -e $events: minimum of $rounds rounds, $passes passes minus loading, per decoded instruction"
printf '%-14s %12s' label insns/pass
echo "$events" | tr , '\n' | while read -r e; do printf ' %16s' "$e"; done
[ "$valgrind" = 0 ] || printf ' %16s' host-insns
echo
for spec in "$@"; do
  label=${spec%%=*}
  target=${spec#*=}
  insns=$(cat "$work/$label.count")
  printf '%-14s %12d' "$label" "$insns"
  awk -v n="$((insns * passes))" '
    FNR == 1 { f++ }
    { for (i = 1; i <= NF; i++) if (FNR == 1 || $i < m[f, i]) m[f, i] = $i; k = NF }
    END { for (i = 1; i <= k; i++) printf " %16.2f", (m[1, i] - m[2, i]) / n }' "$work/$label.$passes" "$work/$label.0"
  if [ "$valgrind" = 1 ]; then
    one=$(cachegrind "$label" "${target%:*}" "${target##*:}" 1)
    zero=$(cachegrind "$label" "${target%:*}" "${target##*:}" 0)
    awk -v a="$one" -v b="$zero" -v n="$insns" 'BEGIN { printf " %16.1f", (a - b) / n }'
  fi
  echo
done
