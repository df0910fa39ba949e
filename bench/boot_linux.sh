#!/usr/bin/env bash
# Whole-system boot time (issue 6): the default guest (scripts/make-guest.sh) booted to its shell
# prompt by Kiln and by QEMU's TCG (Debian's qemu-system-x86), side by side in one run, with the
# same kernel, initramfs, -m and command line; ROUNDS rounds each, interleaved. Prints each time,
# the medians and their ratio. Run on an otherwise idle machine.
# usage: bench/boot_linux.sh [KILN] [ROUNDS]   (default build/release/kiln, 3)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kiln="${1:-build/release/kiln}"
rounds="${2:-3}"
guest=build/guest
scripts/make-guest.sh "$guest" > /dev/null
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || { echo "boot_linux.sh: qemu-system-x86_64 is missing (scripts/setup.sh installs it)" >&2; exit 1; }

boot() {  # boot EMULATOR [extra flags]: prints the seconds to the shell prompt
  python3 tests/system/boot_linux.py --boot-only --timeout 1200 "$@" | sed -n 's/^BOOT_SECONDS //p'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

kiln_times=() qemu_times=()
for ((i = 1; i <= rounds; i++)); do
  k=$(boot "$kiln" "$guest")
  q=$(boot "$qemu" "$guest" -- -accel tcg)
  echo "round $i: kiln ${k} s, qemu-system-x86_64 -accel tcg ${q} s"
  kiln_times+=("$k") qemu_times+=("$q")
done
km=$(printf '%s\n' "${kiln_times[@]}" | median)
qm=$(printf '%s\n' "${qemu_times[@]}" | median)
echo "guest: $(cat "$guest/kernel-release"), -m 512M, -append console=ttyS0, initramfs $(du -k "$guest/initrd.img" | cut -f1) KiB"
printf "median time to the shell prompt: kiln %.2f s, qemu (TCG) %.2f s, kiln/qemu %.2fx\n" "$km" "$qm" "$(echo "$km / $qm" | bc -l)"
