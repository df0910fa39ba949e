#!/bin/sh
# Runs one ROM test on kiln (with QEMU's test devices: isa-debug-exit at 0xf4, pc-testdev for
# IRQ lines, debugcon at 0xe9 into a log) and checks its verdict: exit status exactly 1 (the test wrote 0 to
# the isa-debug-exit port) and "PASS" as the last line of the debugcon log (a triple fault or a
# halt with -no-reboot also exits 1). On failure the log and kiln's messages are printed.
# With STOP_MESSAGE, the test is one that must end the machine (a triple fault, a dead CPU):
# it passes when kiln exits with status 1 within the time limit, the log's last line is "STOP",
# and kiln's stderr has "kiln: STOP_MESSAGE" and the register dump (-d cpu_reset).
# Usage: run_rom.sh KILN -kernel|-bios IMAGE LOGDIR [STOP_MESSAGE]
set -u
kiln=$1 how=$2 image=$3 logdir=$4 stop_message=${5:-}
name=$(basename "$image")
log="$logdir/$name.log"
err="$logdir/$name.stderr"
mkdir -p "$logdir"
rm -f "$log" "$err"
timeout 20 "$kiln" "$how" "$image" -m 128M -no-reboot -serial null -d cpu_reset \
  -device isa-debug-exit,iobase=0xf4,iosize=4 -device pc-testdev -debugcon "file:$log" 2>"$err"
status=$?
last=$(tail -n 1 "$log" 2>/dev/null)
if [ -z "$stop_message" ] && [ "$status" -eq 1 ] && [ "$last" = "PASS" ]; then
  exit 0
fi
if [ -n "$stop_message" ] && [ "$status" -eq 1 ] && [ "$last" = "STOP" ] &&
   grep -q "^kiln: $stop_message" "$err" && grep -q "^RIP=" "$err"; then
  exit 0
fi
if [ -n "$stop_message" ]; then
  echo "ROM test $name failed: kiln exit status $status (expected 1), last log line '$last' (expected STOP), stderr must have 'kiln: $stop_message' and the registers"
else
  echo "ROM test $name failed: kiln exit status $status (expected 1), last log line '$last'"
fi
echo "--- debugcon log ($log) ---"
cat "$log" 2>/dev/null
echo "--- kiln stderr ---"
cat "$err"
exit 1
