// Segment limit and type checks on data accesses (SDM Vol.3 5.3 "Limit Checking", 5.4 "Type
// Checking", 5.5 "Privilege Levels" for the null selector; Vol.1 3.3.7.1 for 64-bit mode). One
// source of truth for the interpreter (jit/interp/exec.h) and the system CPU's own memory
// operands (machine/cpu/system_ops.cpp).
#pragma once

#include <cstdint>

#include "machine/cpu_state.h"

namespace kiln::jit::sem {

enum class SegmentAccess : uint8_t { kRead, kWrite };

/// Descriptor attribute bits as SegmentReg::attributes holds them (descriptor bits 40-47).
namespace seg_type {
inline constexpr uint16_t kWritableOrReadable = 1u << 1;  ///< W for data, R for code
inline constexpr uint16_t kExpandDownOrConforming = 1u << 2;  ///< E for data, C for code
inline constexpr uint16_t kCode = 1u << 3;
inline constexpr uint16_t kNonSystem = 1u << 4;  ///< S
inline constexpr uint16_t kPresent = 1u << 7;    ///< P; clear in a register loaded with a null selector
}  // namespace seg_type

/// 64-bit mode (long mode with a 64-bit code segment): no limit or type checks at all.
inline bool InMode64(const machine::CpuState& s) {
  return (s.efer & machine::efer::kLma) && (s.seg[machine::kCs].attributes & machine::seg_attr::kLong);
}

/// Protected mode outside virtual-8086 mode: where types and null selectors are checked. Real
/// and V86 mode check limits only (their segment caches hold data rights, and CS is writable).
inline bool TypesChecked(const machine::CpuState& s) {
  constexpr uint64_t kCr0Pe = 1, kVm = uint64_t{1} << 17;
  return (s.cr0 & kCr0Pe) && !(s.rflags_rest & kVm);
}

/// An expand-down data segment: offsets above the limit are the valid ones.
inline bool ExpandDown(const machine::SegmentReg& r) {
  using namespace seg_type;
  return (r.attributes & (kNonSystem | kCode | kExpandDownOrConforming)) == (kNonSystem | kExpandDownOrConforming);
}

/// The exception vector (12 = #SS, 13 = #GP; both with error code 0) that an access of `n` bytes
/// at `offset` through segment register `seg` (0-5) raises outside 64-bit mode, or 0 if allowed.
/// `offset` is the effective address already wrapped to the address size; the access's last byte
/// is offset + n - 1 without wrapping, so a word at 0xFFFF in a 64 KiB segment is out of limits.
inline uint8_t SegmentFault(const machine::CpuState& s, unsigned seg, uint64_t offset, uint64_t n, SegmentAccess access) {
  using namespace seg_type;
  constexpr uint8_t kSs = 12, kGp = 13;
  const machine::SegmentReg& r = s.seg[seg];
  if (TypesChecked(s)) {
    // A null selector (P clear: unusable), a write to code or read-only data, a read of
    // execute-only code: #GP(0) whatever the segment.
    if (!(r.attributes & kPresent)) return kGp;
    const bool code = r.attributes & kCode;
    const bool rw = r.attributes & kWritableOrReadable;
    if (access == SegmentAccess::kWrite ? (code || !rw) : (code && !rw)) return kGp;
  }
  const uint8_t limit_vector = seg == machine::kSs ? kSs : kGp;
  const uint64_t last = offset + n - 1;
  if (ExpandDown(r)) {
    // Valid offsets run from limit + 1 to 0xFFFF or 0xFFFFFFFF (the B flag, SDM Vol.3 3.4.5).
    const uint64_t upper = (r.attributes & machine::seg_attr::kDefault32) ? 0xFFFFFFFF : 0xFFFF;
    return offset > r.limit && last <= upper ? 0 : limit_vector;
  }
  return last <= r.limit ? 0 : limit_vector;
}

/// The segment registers whose accesses need SegmentFault(): bit i for register i. Empty in
/// 64-bit mode (no limits; stack references check for a non-canonical address in the engines'
/// slow paths) and without a machine (`kiln user` models no segmentation); otherwise a register
/// is left out only when no access through it can fault: an expand-up 4 GiB segment that, in
/// protected mode, is also a usable writable data segment (flat 32-bit code pays nothing).
inline uint8_t SegmentsToCheck(const machine::CpuState& s) {
  using namespace seg_type;
  if (!s.trap_system || InMode64(s)) return 0;
  const bool types = TypesChecked(s);
  uint8_t mask = 0;
  for (unsigned i = 0; i < 6; ++i) {
    const machine::SegmentReg& r = s.seg[i];
    bool check = r.limit != 0xFFFFFFFF || ExpandDown(r);
    // Usable (P), not a system descriptor (S), data (not code), writable.
    if (types) check = check || (r.attributes & (kPresent | kNonSystem | kCode | kWritableOrReadable)) !=
                                    (kPresent | kNonSystem | kWritableOrReadable);
    if (check) mask |= static_cast<uint8_t>(1u << i);
  }
  return mask;
}

}  // namespace kiln::jit::sem
