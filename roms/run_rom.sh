#!/bin/sh
# Runs one ROM test on kiln (with QEMU's test devices: isa-debug-exit at 0xf4, pc-testdev for
# IRQ lines, debugcon at 0xe9 into a log) and checks its verdict: exit status exactly 1 (the test wrote 0 to
# the isa-debug-exit port) and "PASS" as the last line of the debugcon log (a triple fault or a
# halt with -no-reboot also exits 1). On failure the log and kiln's messages are printed.
# Usage: run_rom.sh KILN -kernel|-bios IMAGE LOGDIR
set -u
kiln=$1 how=$2 image=$3 logdir=$4
name=$(basename "$image")
log="$logdir/$name.log"
err="$logdir/$name.stderr"
mkdir -p "$logdir"
rm -f "$log" "$err"
timeout 20 "$kiln" "$how" "$image" -m 128M -no-reboot -serial null \
  -device isa-debug-exit,iobase=0xf4,iosize=4 -device pc-testdev -debugcon "file:$log" 2>"$err"
status=$?
last=$(tail -n 1 "$log" 2>/dev/null)
if [ "$status" -eq 1 ] && [ "$last" = "PASS" ]; then
  exit 0
fi
echo "ROM test $name failed: kiln exit status $status (expected 1), last log line '$last'"
echo "--- debugcon log ($log) ---"
cat "$log" 2>/dev/null
echo "--- kiln stderr ---"
cat "$err"
exit 1
