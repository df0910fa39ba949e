#!/usr/bin/env bash
# Kiln's main job today: build the release preset and disassemble a real program (default
# /bin/true, or the ELF/raw file given as $1) with `kiln disasm`, showing the first 40 lines.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target="${1:-/bin/true}"
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"

scripts/setup.sh
cmake --preset release
cmake --build --preset release

# Write the whole listing to a file first: piping straight into `head` would end kiln by SIGPIPE.
out="build/release/$(basename "$target").dis"
build/release/kiln disasm "$target" > "$out"
head -n 40 "$out"
echo "... $(wc -l < "$out") lines in total, in $out"
