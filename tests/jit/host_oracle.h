// The host CPU as the oracle for whole instructions: runs short instruction sequences natively in
// a sandboxed child process (its own address space; faults caught and reported, never fatal) from
// a chosen register, flags and memory state, and reports the final state, so that the interpreter
// can be compared with it field by field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::test {

/// Where the oracle maps the test's memory, natively and in the interpreter alike.
inline constexpr uint64_t kOracleCodeBase = 0x10000000;
inline constexpr uint64_t kOracleDataBase = 0x20000000;
inline constexpr uint64_t kOracleDataSize = 4096;
inline constexpr uint64_t kOracleMaxCode = 256;  ///< bytes of test instructions per case

/// The x87 state as FXSAVE stores it (SDM Vol.2 FXSAVE Table 3-56).
struct OracleX87 {
  uint16_t fcw = 0x037F, fsw = 0;
  uint8_t ftw = 0;  ///< the abridged tag word: bit i set when physical register Ri is in use
  uint16_t fop = 0;
  uint64_t fip = 0, fdp = 0;
  uint8_t st[8][10] = {};  ///< ST(0)..ST(7) in stack order, 64-bit significand then sign/exponent
};

/// The architectural state a case starts from and ends in.
struct OracleState {
  uint64_t gpr[16] = {};
  uint64_t rflags = 0x202;
  alignas(16) uint8_t xmm[16][16] = {};  ///< XMM0-15, little-endian lanes
  uint32_t mxcsr = 0x1F80;
  uint64_t mm[8] = {};  ///< MM0-7: loaded and read back only in cases with `mmx` set
  OracleX87 x87;
  alignas(16) uint8_t ymm_hi[16][16] = {};  ///< bits 128-255 of YMM0-15: only in cases with `ymm` set
  uint8_t data[kOracleDataSize] = {};
};

/// The mode the case's instructions run in. k32 is 32-bit compatibility mode: the 64-bit child
/// far-jumps to Linux's 32-bit user code segment (USER32_CS, selector 23h) and back to 33h; only
/// EAX..EDI (the low halves of the first eight GPRs) are defined there.
enum class OracleMode : uint8_t { k64, k32 };

struct OracleCase {
  std::vector<uint8_t> code;  ///< the instructions under test (no control flow out of them)
  OracleState in;
  OracleMode mode = OracleMode::k64;
  bool mmx = false;  ///< 64-bit mode only: MM0-7 loaded from `in.mm` (the x87 unit in MMX state)
  /// Nonzero when the case ends in an x87 transcendental: its results may differ from the host
  /// by this many units in the last place (and C1, the rounding direction, may differ).
  int x87_ulps = 0;
  bool ymm = false;  ///< bits 128-255 of YMM0-15 loaded from `in.ymm_hi` and read back (YMM0-7 in k32)
};

struct OracleResult {
  int signal = 0;  ///< 0: ran to the end; else the host signal (SIGFPE for #DE, SIGSEGV, ...)
  int trap = -1;   ///< with a signal: the exception vector the kernel reports (REG_TRAPNO)
  OracleState out;
};

/// Runs every case on the host CPU in a forked child. Returns false (with `error`) if the
/// oracle itself could not run (not an x86-64 host, mmap at the fixed addresses refused).
bool RunOnHost(const std::vector<OracleCase>& cases, std::vector<OracleResult>& results, std::string& error);

}  // namespace kiln::test
