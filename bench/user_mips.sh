#!/usr/bin/env bash
# Interpreter throughput on whole programs: each benchmark in bench/programs/ built with
# gcc -O2 -static and run natively, under qemu-x86_64 (Debian's qemu-user, TCG) and under
# `kiln user`, side by side in one run. MIPS = instructions retired (counted by Kiln) / seconds.
# usage: bench/user_mips.sh [KILN]   (default build/release/kiln)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kiln="${1:-build/release/kiln}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
seconds() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
printf "%-12s %12s %10s %10s %10s %12s %12s\n" program instructions native_s qemu_s kiln_s kiln_MIPS kiln/qemu
for src in bench/programs/*.c; do
  name=$(basename "$src" .c)
  gcc -O2 -static -o "$out/$name" "$src" -lm
  insns=$("$kiln" user --stats "$out/$name" 2>&1 >/dev/null | sed -n 's/.*: \([0-9]*\) instructions.*/\1/p' || true)
  if ! "$kiln" user "$out/$name" > "$out/kiln.txt" 2>/dev/null || ! "$out/$name" | cmp -s - "$out/kiln.txt"; then
    printf "%-12s does not run correctly under kiln user yet (see: %s user %s)\n" "$name" "$kiln" "$src"
    continue
  fi
  native=$(seconds "$out/$name")
  qemu="-"
  if command -v qemu-x86_64 > /dev/null; then qemu=$(seconds qemu-x86_64 "$out/$name"); fi
  kiln_s=$(seconds "$kiln" user "$out/$name")
  mips=$(echo "$insns / $kiln_s / 1000000" | bc -l)
  ratio="-"
  if [ "$qemu" != "-" ]; then ratio=$(echo "$qemu / $kiln_s" | bc -l); fi
  printf "%-12s %12s %10.3f %10s %10.3f %12.1f %12s\n" "$name" "$insns" "$native" \
    "$(printf '%.3f' "$qemu" 2>/dev/null || echo -)" "$kiln_s" "$mips" "$(printf '%.3f' "$ratio" 2>/dev/null || echo -)"
done
