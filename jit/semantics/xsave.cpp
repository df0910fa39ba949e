// The XSAVE feature set on a byte image of the area (xsave.h).
#include "jit/semantics/xsave.h"

#include <cstring>

#include "jit/semantics/sse_fp.h"
#include "jit/semantics/x87_float.h"

namespace kiln::jit::sem::xsave {
namespace {

namespace sw = sem::x87::fsw;

// Guest memory is little-endian whatever the host is.
void Put16(uint8_t* p, uint64_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
void Put32(uint8_t* p, uint64_t v) {
  Put16(p, v);
  Put16(p + 2, v >> 16);
}
uint64_t Get16(const uint8_t* p) { return p[0] | p[1] << 8; }
uint64_t Get32(const uint8_t* p) { return Get16(p) | Get16(p + 2) << 16; }
uint64_t Get64(const uint8_t* p) { return Get32(p) | Get32(p + 4) << 32; }
void Put64(uint8_t* p, uint64_t v) {
  Put32(p, v);
  Put32(p + 4, v >> 32);
}

bool AllZero(const uint8_t* p, unsigned n) {
  for (unsigned i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

void SaveAvx(const CpuState& s, uint8_t* at, unsigned regs) {
  for (unsigned r = 0; r < regs; ++r) std::memcpy(at + 16 * r, s.zmm[r] + 16, 16);
}
void LoadAvx(CpuState& s, const uint8_t* at, unsigned regs) {
  for (unsigned r = 0; r < regs; ++r) std::memcpy(s.zmm[r] + 16, at + 16 * r, 16);
}

/// Where component 2 lives in an area of the given format.
uint32_t AvxOffset(bool compacted, uint64_t xcomp_bv) { return compacted ? CompactedOffset(xcomp_bv, 2) : kAvxOffset; }

}  // namespace

uint64_t InUse(const CpuState& s) {
  uint64_t in_use = 0;
  bool x87_init = s.fcw == 0x037F && s.fsw == 0 && s.ftw == 0xFFFF && s.fop == 0 && s.fip == 0 && s.fdp == 0 &&
                  s.fcs == 0 && s.fds == 0;
  for (const machine::X87Reg& r : s.st) x87_init = x87_init && r.significand == 0 && r.sign_exponent == 0;
  if (!x87_init) in_use |= kX87;
  for (unsigned r = 0; r < 16; ++r) {
    if (!AllZero(s.zmm[r], 16)) in_use |= kSse;
    if (!AllZero(s.zmm[r] + 16, 16)) in_use |= kAvx;
  }
  return in_use;
}

void SaveX87(const CpuState& s, uint8_t* b, bool rex_w) {
  std::memset(b, 0, 24);
  std::memset(b + 32, 0, 128);
  Put16(b + 0, s.fcw);
  Put16(b + 2, s.fsw);
  uint8_t abridged = 0;  // one bit per physical register: 1 = not empty
  for (unsigned p = 0; p < 8; ++p)
    if (((s.ftw >> (2 * p)) & 3) != 3) abridged = static_cast<uint8_t>(abridged | (1u << p));
  b[4] = abridged;
  Put16(b + 6, s.fop);
  if (rex_w) {
    Put64(b + 8, s.fip);
    Put64(b + 16, s.fdp);
  } else {
    Put32(b + 8, s.fip);
    Put16(b + 12, s.fcs);
    Put32(b + 16, s.fdp);
    Put16(b + 20, s.fds);
  }
  // ST0-ST7 in stack order: ST(i) is physical register (TOP + i) & 7.
  const unsigned top = (s.fsw >> sw::kTopShift) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    const machine::X87Reg& r = s.st[(top + i) & 7];
    Put64(b + 32 + 16 * i, r.significand);
    Put16(b + 40 + 16 * i, r.sign_exponent);
  }
}

void SaveMxcsr(const CpuState& s, uint8_t* b) {
  Put32(b + 24, s.mxcsr);
  Put32(b + 28, fp::mxcsr::kWritable);
}

void SaveXmm(const CpuState& s, uint8_t* b, unsigned regs) {
  for (unsigned x = 0; x < regs; ++x) std::memcpy(b + 160 + 16 * x, s.zmm[x], 16);
}

void LoadX87(CpuState& s, const uint8_t* b, bool rex_w) {
  s.fcw = static_cast<uint16_t>((Get16(b) & 0x1F3F) | 0x40);  // bit 6 reads as 1, 13-15 as 0
  s.fsw = static_cast<uint16_t>(Get16(b + 2));
  s.fop = static_cast<uint16_t>(Get16(b + 6) & 0x7FF);
  if (rex_w) {
    s.fip = Get64(b + 8);
    s.fdp = Get64(b + 16);
    s.fcs = s.fds = 0;
  } else {
    s.fip = Get32(b + 8);
    s.fcs = static_cast<uint16_t>(Get16(b + 12));
    s.fdp = Get32(b + 16);
    s.fds = static_cast<uint16_t>(Get16(b + 20));
  }
  const unsigned top = (s.fsw >> sw::kTopShift) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    machine::X87Reg& r = s.st[(top + i) & 7];
    r.significand = Get64(b + 32 + 16 * i);
    r.sign_exponent = static_cast<uint16_t>(Get16(b + 40 + 16 * i));
  }
  // The full tag word: empty where the abridged bit is 0, else from the register's contents.
  uint16_t ftw = 0;
  for (unsigned p = 0; p < 8; ++p) {
    const unsigned tag = ((b[4] >> p) & 1) ? x87::TagOf({s.st[p].significand, s.st[p].sign_exponent}) : 3;
    ftw = static_cast<uint16_t>(ftw | (tag << (2 * p)));
  }
  s.ftw = ftw;
  // ES and B summarize the unmasked exception flags that are set.
  if (s.fsw & ~s.fcw & sw::kFlags) s.fsw |= sw::kEs | sw::kB;
  else s.fsw = static_cast<uint16_t>(s.fsw & ~(sw::kEs | sw::kB));
}

void LoadXmm(CpuState& s, const uint8_t* b, unsigned regs) {
  for (unsigned x = 0; x < regs; ++x) std::memcpy(s.zmm[x], b + 160 + 16 * x, 16);
}

bool MxcsrValid(const uint8_t* b) { return !(Get32(b + 24) & ~uint64_t{fp::mxcsr::kWritable}); }

void InitX87(CpuState& s) {
  s.fcw = 0x037F;
  s.fsw = 0;
  s.ftw = 0xFFFF;
  s.fop = 0;
  s.fip = s.fdp = 0;
  s.fcs = s.fds = 0;
  for (machine::X87Reg& r : s.st) r = {};
}

uint32_t SaveExtent(SaveKind kind, uint64_t rfbm) {
  return kind == SaveKind::kXsavec ? CompactedSize(rfbm) : StandardSize(rfbm);
}

void Save(const CpuState& s, SaveKind kind, const Request& r, uint8_t* area) {
  const uint64_t rfbm = r.rfbm;
  const uint64_t in_use = InUse(s);
  uint8_t* header = area + kHeaderOffset;
  switch (kind) {
    case SaveKind::kXsave:
    case SaveKind::kXsaveopt: {
      // XSAVE writes every requested component; XSAVEOPT skips those in their initial
      // configuration (the init optimization), but MXCSR is saved whenever SSE or AVX is
      // requested (SDM Vol.1 13.7, 13.9).
      const uint64_t write = kind == SaveKind::kXsave ? rfbm : rfbm & in_use;
      if (write & kX87) SaveX87(s, area, r.rex_w);
      if (write & kSse) SaveXmm(s, area, r.Regs());
      if (rfbm & (kSse | kAvx)) SaveMxcsr(s, area);
      if (write & kAvx) SaveAvx(s, area + kAvxOffset, r.Regs());
      // XSTATE_BV: the requested bits from XINUSE, the others as they were; nothing else of
      // the header is written.
      Put64(header, (Get64(header) & ~rfbm) | (in_use & rfbm));
      break;
    }
    case SaveKind::kXsavec: {
      // Only components in use; SSE counts as in use when MXCSR is not 1F80H either (XINUSE
      // does not track MXCSR, and XSAVEC saves it with the XMM registers, SDM Vol.1 13.10).
      uint64_t saved = rfbm & in_use;
      if ((rfbm & kSse) && s.mxcsr != 0x1F80) saved |= kSse;
      if (saved & kX87) SaveX87(s, area, r.rex_w);
      if (saved & kSse) {
        SaveXmm(s, area, r.Regs());
        SaveMxcsr(s, area);
      }
      if (saved & kAvx) SaveAvx(s, area + CompactedOffset(rfbm, 2), r.Regs());
      Put64(header, saved);
      Put64(header + 8, kCompacted | rfbm);
      break;
    }
  }
}

uint32_t RestoreExtent(const uint8_t* area, uint64_t rfbm) {
  const uint64_t xstate_bv = Get64(area + kHeaderOffset), xcomp_bv = Get64(area + kHeaderOffset + 8);
  if (!(rfbm & kAvx) || !(xstate_bv & kAvx)) return kExtendedOffset;
  if (xcomp_bv & kCompacted) return (xcomp_bv & kAvx) ? CompactedOffset(xcomp_bv, 2) + kAvxSize : kExtendedOffset;
  return kAvxOffset + kAvxSize;
}

bool Restore(CpuState& s, uint64_t xcr0, const Request& r, const uint8_t* area) {
  const uint8_t* header = area + kHeaderOffset;
  const uint64_t xstate_bv = Get64(header), xcomp_bv = Get64(header + 8);
  const uint64_t rfbm = r.rfbm;
  const bool compacted = (xcomp_bv & kCompacted) != 0;
  // The #GP cases (SDM Vol.1 13.8.1, 13.8.2), checked before anything is loaded.
  if (compacted) {
    if ((xcomp_bv & ~kCompacted & ~xcr0) || (xstate_bv & ~xcomp_bv) || !AllZero(header + 16, 48)) return false;
  } else {
    if ((xstate_bv & ~xcr0) || !AllZero(header + 8, 16)) return false;
  }
  // MXCSR: the standard form loads it whenever SSE or AVX is requested; the compacted form with
  // SSE state from the area only (and sets 1F80H when SSE is initialized).
  const bool load_mxcsr = compacted ? (rfbm & xstate_bv & kSse) != 0 : (rfbm & (kSse | kAvx)) != 0;
  if (load_mxcsr && !MxcsrValid(area)) return false;

  const unsigned regs = r.Regs();
  if (rfbm & kX87) {
    if (xstate_bv & kX87) LoadX87(s, area, r.rex_w);
    else InitX87(s);
  }
  if (rfbm & kSse) {
    if (xstate_bv & kSse) {
      LoadXmm(s, area, regs);
    } else {
      for (unsigned x = 0; x < regs; ++x) std::memset(s.zmm[x], 0, 16);
      if (compacted) s.mxcsr = 0x1F80;
    }
  }
  if (load_mxcsr) s.mxcsr = static_cast<uint32_t>(Get32(area + 24));
  if (rfbm & kAvx) {
    if (xstate_bv & kAvx) LoadAvx(s, area + AvxOffset(compacted, xcomp_bv), regs);
    else
      for (unsigned x = 0; x < regs; ++x) std::memset(s.zmm[x] + 16, 0, 16);
  }
  return true;
}

}  // namespace kiln::jit::sem::xsave
