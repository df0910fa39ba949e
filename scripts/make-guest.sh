#!/usr/bin/env bash
# Builds Kiln's default guest from Debian's packages only (issue 6), into the build tree:
#   OUT/vmlinuz      Debian's stock kernel (linux-image-*-amd64), extracted from the .deb
#   OUT/initrd.img   an uncompressed newc cpio initramfs (scripts/cpio_newc.py): busybox-static and an /init that mounts
#                    /proc, /sys and /dev, prints a banner and starts a shell on the console
# Usage: scripts/make-guest.sh [OUT]   (default: build/guest). Nothing here is committed, and
# nothing is installed on the host. Quick when OUT is already complete.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="$(mkdir -p "${1:-build/guest}" && cd "${1:-build/guest}" && pwd)"

if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$out/initrd.img" -nt scripts/make-guest.sh ]; then
  echo "make-guest: $out is up to date ($(cat "$out/kernel-release"))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# The kernel package the linux-image-amd64 metapackage points at (e.g. linux-image-6.1.0-56-amd64).
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
pkg="$(kernel_pkg)"
if [ -z "$pkg" ]; then
  $SUDO apt-get update -qq
  pkg="$(kernel_pkg)"
fi
[ -n "$pkg" ] || { echo "make-guest: cannot find Debian's linux-image-amd64 package" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current directory; _apt needs to be able to write there.
chmod 0777 "$work"
(cd "$work" && apt-get download -qq "$pkg" busybox-static 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
ls "$work"/linux-image-*.deb "$work"/busybox-static_*.deb > /dev/null

mkdir -p "$work/kernel" "$work/busybox"
dpkg-deb --fsys-tarfile "$work"/linux-image-*.deb | tar -x -C "$work/kernel" --wildcards './boot/vmlinuz-*'
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
release="${pkg#linux-image-}"

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,root,etc}
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo
echo "Kiln guest: Linux $(uname -r), busybox $(busybox | head -n 1 | cut -d' ' -f2)"
echo "'poweroff -f' powers the machine off."
# A shell with job control on the console (cttyhack gives it the console as its terminal).
exec setsid cttyhack sh -l
INIT
chmod 0755 "$root/init"
echo 'export PS1="kiln:\w# "' > "$root/etc/profile"
# /dev/console must exist in the archive: the kernel opens it for /init before devtmpfs is mounted.
python3 scripts/cpio_newc.py "$root" "$work/initrd.img" --node dev/console:600:c:5:1
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
cp "$work/initrd.img" "$out/initrd.img"
echo "$release" > "$out/kernel-release"
echo "make-guest: $out/vmlinuz ($release) and $out/initrd.img ($(du -k "$out/initrd.img" | cut -f1) KiB)"
