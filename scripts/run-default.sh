#!/usr/bin/env bash
# Kiln's main job: install dependencies, build the release preset, make the default guest
# (Debian's stock kernel and a busybox initramfs, scripts/make-guest.sh) and boot it with the
# serial console on this terminal. Ctrl-A x quits; `poweroff -f` in the guest powers it off.
# Extra arguments go to kiln (e.g. -m 1G, -icount 0).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"

scripts/setup.sh
cmake --preset release
cmake --build --preset release
scripts/make-guest.sh build/guest
exec build/release/kiln -kernel build/guest/vmlinuz -initrd build/guest/initrd.img \
  -append "console=ttyS0" -m 512M -nographic "$@"
