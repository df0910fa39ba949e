// pc-testdev's register map (QEMU hw/misc/pc-testdev.c, used by kvm-unit-tests' x86 tests).
#pragma once

#include <cstdint>

namespace kiln::devices::pc_testdev {

/// 4-byte scratch register ("testdev"): reads back what was written, any size and byte offset.
inline constexpr uint16_t kScratchPort = 0xe0;
inline constexpr uint16_t kScratchPorts = 4;
/// Flush page: a 4-byte write of a guest physical address asks the host to drop its mapping of
/// that page (QEMU mprotects the host page); reads return 0; other sizes are ignored.
inline constexpr uint16_t kFlushPort = 0xe4;
inline constexpr uint16_t kFlushPorts = 4;
/// The same scratch register again, but accessed one byte at a time (QEMU "ioport-byte"). Note
/// that it overlaps the debug console at 0xe9: register it only when no DebugCon sits there.
inline constexpr uint16_t kScratchBytePort = 0xe8;
inline constexpr uint16_t kScratchBytePorts = 4;
/// IRQ line control: a byte write of V to 0x2000 + n sets ISA/GSI line n to (V != 0); reads 0.
inline constexpr uint16_t kIrqLinePort = 0x2000;
inline constexpr uint16_t kIrqLines = 24;
/// 64 KiB of plain memory behind an MMIO handler at 0xff000000 (any access size).
inline constexpr uint64_t kIomemBase = 0xff000000;
inline constexpr uint64_t kIomemSize = 0x10000;

}  // namespace kiln::devices::pc_testdev
