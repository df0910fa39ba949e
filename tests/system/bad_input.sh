#!/usr/bin/env bash
# Bad input to `kiln -kernel ...` (issue 6): each case must end Kiln with a non-zero status below
# 128 (no crash, no signal) and exactly one line on stderr, starting with "kiln: ".
# Usage: bad_input.sh KILN GUEST_DIR
set -uo pipefail
kiln="$1"
guest="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

head -c 100000 "$guest/vmlinuz" > "$work/truncated"
printf 'not a kernel at all\n' > "$work/text"
# A bzImage header whose protocol version is too old (2.00).
cp "$guest/vmlinuz" "$work/old-protocol"
printf '\x00\x02' | dd of="$work/old-protocol" bs=1 seek=$((0x206)) conv=notrunc status=none
truncate -s 600M "$work/huge-initrd"

failures=0
check() {  # check NAME EXPECTED-SUBSTRING ARGS...
  local name="$1" expect="$2"
  shift 2
  "$kiln" -nographic -serial null "$@" > "$work/out" 2> "$work/err" < /dev/null
  local status=$?
  local lines
  lines=$(wc -l < "$work/err")
  if [ "$status" -eq 0 ] || [ "$status" -ge 128 ] || [ "$lines" -ne 1 ] || ! grep -q "^kiln: .*$expect" "$work/err"; then
    echo "FAIL $name: status $status, $lines stderr lines, expected '$expect':"
    sed 's/^/    /' "$work/err"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(cat "$work/err")"
  fi
}

check missing-kernel "cannot open kernel" -kernel "$work/nonexistent" -m 512M
check kernel-is-a-directory "not a regular file" -kernel "$work" -m 512M
check truncated-kernel "truncated" -kernel "$work/truncated" -m 512M
check not-a-kernel "neither a Linux bzImage nor a Multiboot kernel" -kernel "$work/text" -m 512M
check old-protocol "too old" -kernel "$work/old-protocol" -m 512M
check missing-initrd "cannot open initrd" -kernel "$guest/vmlinuz" -initrd "$work/nonexistent" -m 512M
check initrd-too-big "does not fit" -kernel "$guest/vmlinuz" -initrd "$work/huge-initrd" -m 512M
check kernel-needs-memory "needs" -kernel "$guest/vmlinuz" -m 32M
check memory-zero "memory size" -kernel "$guest/vmlinuz" -m 0
check memory-garbage "memory size" -kernel "$guest/vmlinuz" -m lots
check memory-too-small "memory size" -kernel "$guest/vmlinuz" -m 8M
check memory-impossible "memory" -kernel "$guest/vmlinuz" -m 100000G
check unknown-flag "unknown option" -kernel "$guest/vmlinuz" -frobnicate
check bad-uuid "bad -uuid" -kernel "$guest/vmlinuz" -uuid 1234-5678
check smp-two "more than one CPU" -kernel "$guest/vmlinuz" -smp 2
check accel-kvm "not available" -kernel "$guest/vmlinuz" -accel kvm
check machine-q35 "not available" -kernel "$guest/vmlinuz" -machine q35
check missing-value "needs a value" -kernel
[ "$failures" -eq 0 ] && echo "all bad-input cases gave one clear error line" || exit 1
