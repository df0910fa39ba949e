#!/usr/bin/env bash
# Installs Kiln's build and test dependencies from Debian 12's packages.
# Idempotent: when every package is present it only checks and returns (well under a second).
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build ccache clang-19 lld-19 llvm-19-dev libzstd-dev nasm pkg-config
  # libraries
  libcapstone-dev libzydis-dev libsdl2-dev libgtest-dev libgmock-dev libbenchmark-dev
  # ACPICA's iasl: the ACPI table tests disassemble Kiln's tables with it (acpi_tables_test.cpp)
  acpica-tools
  # MPFR: the x87 transcendentals (jit/semantics/x87_transcendental.cpp)
  libmpfr-dev
  # runtime of sanitizers and libFuzzer for clang-19
  libclang-rt-19-dev
  # test corpora and reference peers: ld for the assembled test programs, gcc and glibc's static
  # libraries for the C ones, busybox-static for real programs under `kiln user`
  binutils file gcc libc6-dev busybox-static
  # peers for the whole-program benchmarks (bench/user_mips.sh): QEMU's user-mode TCG, bc; and
  # for the whole-system ones (bench/boot_linux.sh): QEMU's system TCG
  qemu-user bc qemu-system-x86
  # the default guest's test driver (scripts/make-guest.sh needs only apt and dpkg)
  python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
