// The hot path: common legacy forms in 64-bit mode from compile-time tables, without branches
// on the form.
// Internal to the decoder: part of decoder.cpp's translation unit, which alone includes it (its
// code is inlined into Decode()'s paths), hence the unnamed namespace.
#pragma once

#include <algorithm>

#include "frontend/decode_common.h"

namespace kiln::frontend {
namespace {

// --- the hot path --------------------------------------------------------------------------
//
// 64-bit mode, one- and two-byte opcodes, at most two operands of the commonest methods (E G Z I
// Is J V W M R U Ev Wv, fixed GPRs, the constant 1), without legacy prefixes (REX allowed) or
// with up to four of 66, F2/F3 selecting the form, and segment overrides: 96% of libc's
// instructions. It reads tables computed at compile time and selects rather than branches where
// the choice varies from one instruction to the next (docs/decoder.md has the measurements): the
// instruction form and what the length needs come from one entry per opcode cell (and ModRM byte
// where the form depends on it; the ModRM and SIB bytes are read whether or not there are any:
// the window is readable), the memory operand's words from tables per ModRM and SIB byte, the
// header and the operands from a record per form, memory form and operand size, every operand
// built the same way whatever its kind. It writes the DecodedInsn only once every check has
// passed, so when it declines (other prefixes, maps and forms, anything invalid) nothing has been
// written, and the fast path below and the general decoder decode as before.

enum HotFlags : uint16_t {
  kHotOk = 1,          // the hot path decodes this form
  kHotModRm = 2,       // the form has a ModRM byte
  kHotOsz64 = 4,       // operand size 64 without REX.W (d64/f64)
  kHotNeedsMem = 8,    // an operand is memory only (M): the register form is #UD
  kHotMandatory = 16,  // selected by a 66/F3/F2 prefix (only reached with that prefix)
  kHotForce64 = 32,    // f64: operand size 64, 66 ignored
  kHotImmSigned = 128, // the immediate is sign-extended (Is, J)
  kHotNeedsReg = 256,  // an operand is register only (R, U): the memory form is #UD
};

// One operand slot, with its words per operand size (index 0: 4 bytes, 1: 8 bytes, 2: 2 bytes).
struct HotSlot {
  uint64_t reg_word[3] = {};  // word 0 of a register or immediate operand, register number 0
  uint32_t mem_word[3] = {};  // kind and size bits of word 0 of a memory operand
  uint8_t reg_shift = 24;     // where the register number is in the hot path's packed numbers:
                              // 0 ModRM.rm, 8 ModRM.reg, 16 opcode bits, 24 none (`fixed`)
  uint8_t fixed = 0;          // a fixed register's number (0 for other operands)
  uint8_t from_rm = 0;        // ModRM.rm: memory when ModRM.mod != 11b
  uint8_t from_imm = 0;       // the immediate (word 2)
  uint8_t constant = 0;       // word 2 of a constant operand (the 1 of D0/D1 shifts)
  uint8_t high[3] = {};       // a byte register 4-7 is AH..BH without REX
};
struct alignas(128) HotRec {
  Mnemonic mnemonic = Mnemonic::INVALID;
  uint8_t num_ops = 0;
  uint16_t flags = 0;
  uint8_t imm_len[3] = {};    // immediate bytes, per operand size
  uint32_t modrm_word = 0;    // DecodedInsn::modrm and ::has_modrm in place: 0x10000FF or 0
  uint64_t header0 = 0;       // DecodedInsn bytes 0-7 but the length, map and opcode
  HotSlot slot[2];
};

static_assert(sizeof(HotRec) == 128, "one record is indexed with a shift");

constexpr uint64_t RegWord(OperandKind kind, unsigned bytes, RegClass cls) {
  return static_cast<uint64_t>(kind) | kSegNoneBits | static_cast<uint64_t>(bytes) << 16 |
         static_cast<uint64_t>(cls) << 32;
}

constexpr HotRec HotRecOf(const InsnDef& def) {
  HotRec r;
  constexpr uint32_t kNotHot = attr::kVex | attr::kEvex | attr::kVsibOperand | attr::kSibMem | attr::kDistinct |
                               attr::kDistinctDst | attr::kForceReg;
  if ((def.attrs & kNotHot) || def.num_ops > 2) return r;
  r.mnemonic = def.mnemonic;
  r.num_ops = def.num_ops;
  uint16_t flags = kHotOk;
  if (def.attrs & attr::kHasModRm) flags |= kHotModRm;
  if (def.attrs & (attr::kDefault64 | attr::kForce64)) flags |= kHotOsz64;
  if (def.attrs & attr::kForce64) flags |= kHotForce64;
  if (def.attrs & attr::kMandatory) flags |= kHotMandatory;
  int immediates = 0;
  for (int i = 0; i < def.num_ops; ++i) {
    const OperandSpec& spec = def.ops[i];
    HotSlot& s = r.slot[i];
    for (int o = 0; o < 3; ++o) {
      const unsigned osz = o == 0 ? 4 : o == 1 ? 8 : 2;
      const auto size = [&](OperandSize z) -> unsigned {
        return z == OperandSize::k_adr ? 8 : ComputeSize(z, true, osz, 16);
      };
      const unsigned mem_bytes = size(spec.size);
      unsigned bytes = mem_bytes, imm = 0;
      enum { kGpr, kGprNoHigh, kVec, kImm } cls = kGpr;
      OperandKind kind = OperandKind::kReg;
      switch (spec.method) {
        case OperandMethod::kE: s.from_rm = 1; s.reg_shift = 0; break;
        case OperandMethod::kEv: s.from_rm = 1; s.reg_shift = 0; bytes = size(static_cast<OperandSize>(spec.extra)); break;
        case OperandMethod::kM: s.from_rm = 1; s.reg_shift = 0; flags |= kHotNeedsMem; break;
        case OperandMethod::kR: s.from_rm = 1; s.reg_shift = 0; flags |= kHotNeedsReg; break;
        case OperandMethod::kU: s.from_rm = 1; s.reg_shift = 0; flags |= kHotNeedsReg; cls = kVec; break;
        case OperandMethod::kG: s.reg_shift = 8; break;
        case OperandMethod::kZ: s.reg_shift = 16; break;
        case OperandMethod::kFixed: s.reg_shift = 24; s.fixed = spec.extra; cls = kGprNoHigh; break;
        case OperandMethod::kV: s.reg_shift = 8; cls = kVec; break;
        case OperandMethod::kW: s.from_rm = 1; s.reg_shift = 0; cls = kVec; break;
        case OperandMethod::kWv:
          s.from_rm = 1; s.reg_shift = 0; cls = kVec; bytes = size(static_cast<OperandSize>(spec.extra)); break;
        case OperandMethod::kI:
          s.from_imm = 1; cls = kImm; kind = OperandKind::kImm;
          imm = bytes = spec.size == OperandSize::k_z ? (osz == 2 ? 2 : 4) : bytes;
          break;
        case OperandMethod::kIs:
          s.from_imm = 1; cls = kImm; kind = OperandKind::kImm;
          imm = spec.size == OperandSize::k_b ? 1 : (osz == 2 ? 2 : 4);
          bytes = osz;
          break;
        case OperandMethod::kJ:
          s.from_imm = 1; cls = kImm; kind = OperandKind::kRel;
          imm = bytes = spec.size == OperandSize::k_b ? 1 : (osz == 2 ? 2 : 4);
          break;
        case OperandMethod::kOne: s.constant = 1; cls = kImm; kind = OperandKind::kImm; bytes = 1; break;
        default: return HotRec{};
      }
      if (bytes > 16 || mem_bytes > 0xFFFF) return HotRec{};
      s.mem_word[o] = static_cast<uint32_t>(OperandKind::kMem) | mem_bytes << 16;
      switch (cls) {
        case kImm:
          s.reg_word[o] = RegWord(kind, bytes, RegClass::kNone);
          r.imm_len[o] = static_cast<uint8_t>(imm);
          if (spec.method != OperandMethod::kI && imm != 0) flags |= kHotImmSigned;
          break;
        case kVec:
          s.reg_word[o] = RegWord(kind, bytes, bytes > 32 ? RegClass::kZmm : bytes > 16 ? RegClass::kYmm : RegClass::kXmm);
          break;
        case kGprNoHigh:
          s.reg_word[o] = RegWord(kind, bytes, bytes == 1 ? RegClass::kGpr8 : kGprClassBySize[bytes & 15]);
          break;
        case kGpr:
          s.reg_word[o] = RegWord(kind, bytes, kGprClassBySize[bytes & 15]);
          s.high[o] = bytes == 1;
          break;
      }
    }
    immediates += s.from_imm;
  }
  if (immediates > 1) return HotRec{};
  r.flags = flags;
  r.modrm_word = (flags & kHotModRm) ? 0x10000FF : 0;
  r.header0 = static_cast<uint64_t>(def.mnemonic) | static_cast<uint64_t>(def.num_ops) << 24 |
              static_cast<uint64_t>(CpuMode::k64) << 32;
  return r;
}

constexpr size_t kNumInsnDefs = std::size(detail::kInsnDefs);
// The record of every form, for the tables below (only evaluated by the compiler).
constexpr auto kAllHotRecs = [] {
  std::array<HotRec, kNumInsnDefs> t{};
  for (size_t i = 0; i < kNumInsnDefs; ++i) t[i] = HotRecOf(detail::kInsnDefs[i]);
  return t;
}();
constexpr size_t kNumHotRecs = [] {
  size_t n = 0;
  for (const HotRec& r : kAllHotRecs) n += (r.flags & kHotOk) != 0;
  return n;
}();
// The forms the hot path decodes, numbered in kInsnDefs order, and their records.
constexpr auto kHotRecIndex = [] {
  std::array<uint16_t, kNumInsnDefs> t{};
  uint16_t n = 0;
  for (size_t i = 0; i < kNumInsnDefs; ++i)
    if (kAllHotRecs[i].flags & kHotOk) t[i] = n++;
  return t;
}();
constexpr auto kHotRecs = [] {
  std::array<HotRec, kNumHotRecs> t{};
  for (size_t i = 0; i < kNumInsnDefs; ++i)
    if (kAllHotRecs[i].flags & kHotOk) t[kHotRecIndex[i]] = kAllHotRecs[i];
  return t;
}();

// The instruction form of a cell of map 00 or 0F in 64-bit mode without REX.W-, 67- or
// ModRM.rm-dependent selection, for the mandatory-prefix column `pfx` (0 none, 1 66, 2 F3, 3 F2),
// a ModRM byte of register form `reg_form` and ModRM.reg `reg`, and REX.B `rexb`; -1 when it
// depends on anything else or is invalid. `modrm_sel` is set when a selector reads ModRM,
// `rexb_sel` when one reads REX.B (90: NOP or XCHG R8, RAX).
constexpr int ResolveHot(DecodeNode node, unsigned pfx, bool reg_form, unsigned reg, unsigned rexb, bool& modrm_sel,
                         bool& rexb_sel) {
  for (;;) {
    switch (node.kind) {
      case NodeKind::kLeaf: return node.arg;
      case NodeKind::kSel_mode: node = detail::kNodes[node.arg + 1]; break;
      case NodeKind::kSel_pfx: node = detail::kNodes[node.arg + pfx]; break;
      case NodeKind::kSel_asz: node = detail::kNodes[node.arg + 2]; break;
      case NodeKind::kSel_l: node = detail::kNodes[node.arg + 0]; break;
      case NodeKind::kSel_mod: modrm_sel = true; node = detail::kNodes[node.arg + (reg_form ? 1 : 0)]; break;
      case NodeKind::kSel_reg: modrm_sel = true; node = detail::kNodes[node.arg + reg]; break;
      case NodeKind::kSel_rexb: rexb_sel = true; node = detail::kNodes[node.arg + rexb]; break;
      default: return -1;
    }
  }
}

// An entry of the cell tables below (0: not decoded by the hot path): in bits 0-15 the kHotRecs
// index times 8 plus the operand-size index without REX.W (kHotForms: 0 for 4 bytes, 1 for 8, 2
// for 2), so that or'ing REX.W into bit 0 gives the record (index 3, 2 with REX.W, is the same as
// 1: REX.W wins over 66); and, so that the length is known after one table load, the bits below.
// In the 66 column, a form whose operand size 66 makes 2 (not mandatory-prefixed, not f64) has
// index 2 and its immediate length with operand size 2 in the operand-size-4 bits: a lone 66 then
// needs no operand-size logic.
enum : uint32_t {
  kIdxHot = 1u << 16,       // the hot path decodes it
  kIdxModRm = 1u << 17,     // it has a ModRM byte
  kIdxLenShift = 20,        // opcode and immediate bytes with operand size 4 (bits 20-23) and
                            // 8 (bits 24-27): the length but REX and ModRM/SIB/displacement
  // For DecodeHot64<kSeveral>, which takes the operand size from several prefixes too:
  kIdxForce64 = 1u << 18,   // f64: operand size 64 whatever 66 says (else d64 where the index is 1)
  kIdxMandatory = 1u << 19, // selected by a 66/F3/F2 prefix
  kIdxImm16 = 1u << 31,     // the immediate is 2 bytes shorter with operand size 2 (Iz, Iv), and
                            // the length bits do not already say so
};
static_assert(kNumHotRecs * 8 <= 0x10000, "a cell entry holds the form's kHotForms index");
// `opcode_bytes`: 1 for map 00, 2 for map 0F; `pfx`: the mandatory-prefix column (1: 66).
constexpr uint32_t HotIdxEntry(size_t def, unsigned opcode_bytes, unsigned pfx) {
  const HotRec& r = kAllHotRecs[def];
  if (!(r.flags & kHotOk)) return 0;
  const bool osz16 = pfx == 1 && !(r.flags & (kHotMandatory | kHotForce64));
  const bool osz64 = !osz16 && (r.flags & kHotOsz64);
  return static_cast<uint32_t>(kHotRecIndex[def]) * 8 | (osz16 ? 2 : osz64 ? 1 : 0) | kIdxHot |
         ((r.flags & kHotModRm) ? kIdxModRm : 0) |
         ((r.flags & kHotForce64) ? kIdxForce64 : 0) | ((r.flags & kHotMandatory) ? kIdxMandatory : 0) |
         (!osz16 && r.imm_len[2] != r.imm_len[0] ? kIdxImm16 : 0) |
         (opcode_bytes + r.imm_len[osz16 ? 2 : 0]) << kIdxLenShift | (opcode_bytes + r.imm_len[1]) << (kIdxLenShift + 4);
}
// kIdxImm16 is enough to know the immediate with operand size 2.
static_assert(std::all_of(kAllHotRecs.begin(), kAllHotRecs.end(), [](const HotRec& r) {
  return r.imm_len[2] == r.imm_len[0] || r.imm_len[2] + 2 == r.imm_len[0];
}));
constexpr uint32_t kIdxSel = 1u << 29;      // kHotCells: look the form up in kHotSel by ModRM ...
constexpr uint32_t kIdxSelRexB = 1u << 30;  // ... and by REX.B

constexpr DecodeNode HotRoot(unsigned cell) {
  return detail::kNodes[(cell >> 8 ? detail::kMap0F : detail::kMap00) * 256 + (cell & 255)];
}

// Whether a cell (per mandatory-prefix column: index pfx * 512 + cell) needs kHotSel: its form
// depends on ModRM.mod or .reg, or on REX.B, or one of its forms is valid only with a memory
// operand (M) or only with a register (R, U).
struct HotSelUse {
  bool modrm = false;
  bool rexb = false;
};
constexpr HotSelUse HotSelUseOf(unsigned i) {
  HotSelUse u;
  for (unsigned sel = 0; sel < 32; ++sel) {
    if (sel == 16 && !u.rexb) break;  // REX.B = 1 only matters where a selector reads it
    bool modrm_sel = false, rexb_sel = false;
    const int def = ResolveHot(HotRoot(i & 511), i >> 9, (sel & 8) != 0, sel & 7, sel >> 4, modrm_sel, rexb_sel);
    if (def >= 0 && (kAllHotRecs[static_cast<size_t>(def)].flags & (kHotNeedsMem | kHotNeedsReg))) modrm_sel = true;
    u.modrm |= modrm_sel;
    u.rexb |= rexb_sel;
  }
  return u;
}
// One mandatory-prefix column per constant (each evaluation has its own step budget).
template <unsigned kPfx>
constexpr auto kHotSelUseColumn = [] {
  std::array<HotSelUse, 512> t{};
  for (unsigned i = 0; i < t.size(); ++i) t[i] = HotSelUseOf(kPfx * 512 + i);
  return t;
}();
constexpr auto kHotSelUse = [] {
  std::array<HotSelUse, 4 * 512> t{};
  for (unsigned i = 0; i < 512; ++i) {
    t[i] = kHotSelUseColumn<0>[i];
    t[512 + i] = kHotSelUseColumn<1>[i];
    t[1024 + i] = kHotSelUseColumn<2>[i];
    t[1536 + i] = kHotSelUseColumn<3>[i];
  }
  return t;
}();
// The first unit of 16 kHotSel entries of each cell that needs them (0: none); a cell whose form
// depends on REX.B has two units, the second for REX.B = 1.
constexpr auto kHotSelUnits = [] {
  std::array<uint16_t, 4 * 512> t{};
  unsigned n = 1;
  for (unsigned i = 0; i < t.size(); ++i) {
    const HotSelUse u = kHotSelUse[i];
    if (!u.modrm && !u.rexb) continue;
    t[i] = static_cast<uint16_t>(n);
    n += u.rexb ? 2 : 1;
  }
  return t;
}();
constexpr size_t kNumHotSelUnits = [] {
  size_t n = 1;
  for (unsigned i = 0; i < 4 * 512; ++i)
    if (kHotSelUnits[i]) n += kHotSelUse[i].rexb ? 2 : 1;
  return n;
}();

// `sel`: bit 4 REX.B, bit 3 ModRM.mod == 11b, bits 2-0 ModRM.reg.
constexpr uint32_t HotEntry(unsigned pfx, unsigned cell, unsigned sel) {
  bool modrm_sel = false, rexb_sel = false;
  const int def = ResolveHot(HotRoot(cell), pfx, (sel & 8) != 0, sel & 7, sel >> 4, modrm_sel, rexb_sel);
  if (def < 0) return 0;
  const HotRec& r = kAllHotRecs[static_cast<size_t>(def)];
  // Without 66/F2/F3 no form is mandatory-prefixed; F2/F3 forms that are not (REP/REPNE and the
  // forms where they are invalid or hints) are left to the general decoder.
  const bool mandatory = (r.flags & kHotMandatory) != 0;
  const bool reg_form = (sel & 8) != 0;
  const bool hot = (r.flags & kHotOk) && (!modrm_sel || (detail::kInsnDefs[def].attrs & attr::kHasModRm)) &&
                   (pfx == 0 ? !mandatory : pfx == 1 || mandatory) &&
                   !(reg_form && (r.flags & kHotNeedsMem)) &&   // M with a register: #UD
                   !(!reg_form && (r.flags & kHotNeedsReg));    // R, U with memory: #UD
  return hot ? HotIdxEntry(static_cast<size_t>(def), cell >> 8 ? 2 : 1, pfx) : 0;
}

// kHotCells[pfx * 512 + map * 256 + opcode]: the entry of a cell that does not need kHotSel,
// else kIdxSel (and kIdxSelRexB), u * 16 for its first unit u in kHotSelUnits and the length
// bits of its first hot form; the entry is then
// kHotSel[(u + REX.B if kIdxSelRexB) * 16 + (ModRM.mod == 11b) * 8 + ModRM.reg].
// What the length needs from an entry: whether there is a ModRM byte, and the opcode and
// immediate bytes per operand size.
constexpr uint32_t kIdxLengthBits = kIdxModRm | 0xFFu << kIdxLenShift;
// A cell that selects carries the length bits of its first hot form too, so that the length
// does not wait for the second lookup; forms whose length differs (F6/F7 /0, TEST with an
// immediate, against NOT, NEG, MUL ...) are told apart after it.
constexpr uint32_t HotSelLengthBits(unsigned cell_index) {
  for (unsigned sel = 0; sel < 16; ++sel) {
    const uint32_t e = HotEntry(cell_index >> 9, cell_index & 511, sel);
    if (e & kIdxHot) return e & kIdxLengthBits;
  }
  return 0;
}
constexpr auto kHotCellsAll = [] {
  std::array<uint32_t, 4 * 512> t{};
  for (unsigned i = 0; i < t.size(); ++i)
    t[i] = kHotSelUnits[i] ? kIdxSel | (kHotSelUse[i].rexb ? kIdxSelRexB : 0) | kHotSelUnits[i] * 16u |
                                 HotSelLengthBits(i)
                           : HotEntry(i >> 9, i & 511, 0);
  return t;
}();
// The hot path without prefixes takes the immediate's length by REX.W alone; that holds because
// the forms whose operand size is 64 without REX.W (d64, f64) have the same immediate either way.
constexpr bool SameImmediateForOsz64(uint32_t e) {
  return !(e & kIdxHot) || (e & 3) != 1 || ((e >> kIdxLenShift) & 15) == ((e >> (kIdxLenShift + 4)) & 15);
}
static_assert(std::all_of(kHotCellsAll.begin(), kHotCellsAll.end(), SameImmediateForOsz64));
// DecodeHot64 relies on this to tell prefixes from opcodes only when a cell is not hot.
static_assert([] {
  for (unsigned b = 0; b < 256; ++b)
    for (unsigned pfx = 0; pfx < 4; ++pfx)
      if (kPrefixClasses[b] != kNotPrefix && kHotCellsAll[pfx * 512 + b] != 0) return false;
  return true;
}());
constexpr auto kHotSelAll = [] {
  std::array<uint32_t, kNumHotSelUnits * 16> t{};
  for (unsigned i = 0; i < 4 * 512; ++i) {
    if (!kHotSelUnits[i]) continue;
    const unsigned units = kHotSelUse[i].rexb ? 2 : 1;
    for (unsigned u = 0; u < units; ++u)
      for (unsigned sel = 0; sel < 16; ++sel)
        t[(kHotSelUnits[i] + u) * 16u + sel] = HotEntry(i >> 9, i & 511, sel | u << 4);
  }
  return t;
}();
static_assert(std::all_of(kHotSelAll.begin(), kHotSelAll.end(), SameImmediateForOsz64));
// Calls note(entry, i) for each entry of cell i (pfx * 512 + map * 256 + opcode): the cell's own,
// or those of its units in the selection table.
template <class Cells, class Sel, class F>
constexpr void ForEachCellEntry(const Cells& cells, const Sel& sel, F note) {
  for (unsigned i = 0; i < cells.size(); ++i) {
    if (!kHotSelUnits[i]) {
      note(cells[i], i);
      continue;
    }
    const unsigned units = kHotSelUse[i].rexb ? 2 : 1;
    for (unsigned k = 0; k < units * 16; ++k) note(sel[kHotSelUnits[i] * 16u + k], i);
  }
}
// The mandatory prefix of each form selected by one (0 for the others), from the column of its
// cells: so that it comes with the form, like the map. 1 when columns disagree: such forms
// (WBINVD, selected by 66 and by F2) are left to the general decoder.
constexpr auto kHotRecMandatory = [] {
  std::array<uint8_t, kNumHotRecs> mandatory{};
  constexpr uint8_t kColumnPrefix[4] = {0, 0x66, 0xF3, 0xF2};
  const auto note = [&](uint32_t e, unsigned column) {
    if (!(e & kIdxHot) || !(e & kIdxMandatory)) return;
    uint8_t& m = mandatory[(e & 0xFFFF) >> 3];
    m = m && m != kColumnPrefix[column] ? 1 : kColumnPrefix[column];
  };
  ForEachCellEntry(kHotCellsAll, kHotSelAll, [&](uint32_t e, unsigned i) { note(e, i >> 9); });
  return mandatory;
}();
constexpr uint32_t WithoutAmbiguousMandatory(uint32_t e) {
  return (e & kIdxHot) && kHotRecMandatory[(e & 0xFFFF) >> 3] == 1 ? 0 : e;
}
constexpr auto kHotCells = [] {
  auto t = kHotCellsAll;
  for (uint32_t& e : t) e = WithoutAmbiguousMandatory(e);
  return t;
}();
constexpr auto kHotSel = [] {
  auto t = kHotSelAll;
  for (uint32_t& e : t) e = WithoutAmbiguousMandatory(e);
  return t;
}();
// The entry of every cell per ModRM selector, in one table so that the hot path finds it with one
// load: kHotEntries[(pfx * 512 + map * 256 + opcode) * 16 + (ModRM.mod == 11b) * 8 + ModRM.reg],
// 16 entries (one cache line) per cell, the same 16 for a cell whose form does not depend on
// ModRM. The one cell whose form depends on REX.B (90: NOP or XCHG r8, rAX) has the entries
// without REX.B, with kIdxRexBDeclines set where REX.B makes the form another.
constexpr uint32_t kIdxRexBDeclines = kIdxSelRexB;
// In kHotEntries: the form's length bits are not its cell's first form's (kHotCells), which
// DecodeHot64 takes the length from.
constexpr uint32_t kIdxLengthDiffers = 1u << 28;
constexpr auto kHotEntries = [] {
  std::array<uint32_t, 4 * 512 * 16> t{};
  for (unsigned i = 0; i < 4 * 512; ++i)
    for (unsigned sel = 0; sel < 16; ++sel) {
      uint32_t& e = t[i * 16 + sel];
      if (!kHotSelUnits[i]) {
        e = kHotCells[i];
        continue;
      }
      e = kHotSel[kHotSelUnits[i] * 16u + sel];
      if (kHotSelUse[i].rexb && (e & kIdxHot) && kHotSel[(kHotSelUnits[i] + 1) * 16u + sel] != e)
        e |= kIdxRexBDeclines;
      if ((e ^ kHotCells[i]) & kIdxLengthBits) e |= kIdxLengthDiffers;
    }
  return t;
}();
static_assert(std::none_of(kHotCells.begin(), kHotCells.end(), [](uint32_t e) { return (e & kIdxHot) && (e & kIdxSelRexB); }),
              "kIdxRexBDeclines is set only by kHotEntries");

// What a ModRM byte says about a memory operand with 64-bit addressing, without SIB (SDM Vol.2
// Table 2-2): word 0 of the operand (base, default segment) without REX.B, what REX.B flips in
// it, and the bytes from the ModRM byte to the end of the displacement.
struct HotModRm {
  uint64_t w0 = 0;
  uint64_t rexb_flip = 0;
  uint8_t end = 1;       // bytes from the ModRM byte to the end of the displacement (SIB included)
  uint8_t end_sib5 = 1;  // the same when SIB.base is 101b (no base with mod = 00b)
  uint8_t disp = 0;      // displacement bytes: 0, 1 or 4
  uint8_t disp_sib5 = 0; // the same when SIB.base is 101b
  uint8_t sib = 0;       // a SIB byte follows
};
constexpr auto kHotModRmTable = [] {
  std::array<HotModRm, 256> t{};
  for (unsigned m = 0; m < 192; ++m) {
    const unsigned mod = m >> 6, rm = m & 7;
    HotModRm& e = t[m];
    const unsigned disp = mod == 1 ? 1 : mod == 2 || (mod == 0 && rm == 5) ? 4 : 0;
    e.sib = rm == 4;
    e.disp = e.disp_sib5 = static_cast<uint8_t>(disp);
    if (rm == 4 && mod == 0) e.disp_sib5 = 4;
    e.end = static_cast<uint8_t>(1 + e.sib + e.disp);
    e.end_sib5 = static_cast<uint8_t>(1 + e.sib + e.disp_sib5);
    if (rm == 4) continue;
    if (mod == 0 && rm == 5) {
      e.w0 = RegBits({RegClass::kIp, 0}) << 48 | static_cast<uint64_t>(Seg::kDs) << 8;
      continue;
    }
    const Seg seg = rm == 5 ? Seg::kSs : Seg::kDs;  // RBP (not R13) defaults to SS
    e.w0 = RegBits({RegClass::kGpr64, static_cast<uint8_t>(rm)}) << 48 | static_cast<uint64_t>(seg) << 8;
    e.rexb_flip = uint64_t{8} << 56 | static_cast<uint64_t>(static_cast<unsigned>(seg) ^
                                                           static_cast<unsigned>(Seg::kDs)) << 8;
  }
  return t;
}();
// Per ModRM byte and SIB.base (index modrm * 8 + (SIB & 7)): the bytes from the ModRM byte to
// the end of the displacement (bits 0-7), so that the length takes one load, the
// displacement's bytes (bits 8-15) and the kHotSibBase index but REX.B (bits 16-23).
constexpr auto kHotModRmEnd = [] {
  std::array<uint32_t, 256 * 8> t{};
  for (unsigned i = 0; i < t.size(); ++i) {
    const HotModRm& m = kHotModRmTable[i >> 3];
    const bool sib_base5 = (i & 7) == 5;
    const unsigned sib_base = (i & 7) | ((i >> 3) < 0x40 ? 16 : 0);
    t[i] = (sib_base5 ? m.end_sib5 : m.end) | (sib_base5 ? m.disp_sib5 : m.disp) << 8 | sib_base << 16;
  }
  return t;
}();
// A SIB byte's base as word 0 of the memory operand (base register, default segment), per
// SIB.base, REX.B (bit 3) and ModRM.mod == 00b (bit 4), where base 101b means no base.
constexpr auto kHotSibBase = [] {
  std::array<uint64_t, 32> t{};
  for (unsigned i = 0; i < t.size(); ++i) {
    const unsigned base = i & 15;
    const Seg seg = base == 4 || base == 5 ? Seg::kSs : Seg::kDs;  // RSP and RBP default to SS
    t[i] = (i & 7) == 5 && (i & 16) ? static_cast<uint64_t>(Seg::kDs) << 8  // disp32, no base
                                    : RegBits({RegClass::kGpr64, static_cast<uint8_t>(base)}) << 48 |
                                          static_cast<uint64_t>(seg) << 8;
  }
  return t;
}();
// A SIB byte's index and scale as word 1 of the memory operand, per SIB byte and REX.X (bit 8);
// index 100b without REX.X means none.
constexpr auto kHotSibIndex = [] {
  std::array<uint64_t, 512> t{};
  for (unsigned i = 0; i < t.size(); ++i) {
    const unsigned index = ((i >> 3) & 7) | (i >> 8) << 3;
    if (index != 4)
      t[i] = static_cast<uint64_t>(RegClass::kGpr64) | index << 8 | static_cast<uint64_t>(1u << ((i >> 6) & 3)) << 16;
  }
  return t;
}();

// The register numbers an instruction may name, packed one per byte as DecodeHot64's operands
// pick them (HotForm::reg_byte): byte 0 ModRM.rm, byte 1 ModRM.reg, byte 2 the opcode's bits 2-0,
// byte 3 none (0); bytes 4-7 the same for byte registers, whose numbers 4-7 are AH..BH (16-19 in
// reg_add) without REX. The sum of three parts: per REX present and ModRM byte, per REX present
// and the opcode's bits 2-0, and what REX.B and REX.R add (per REX bits 2-0).
constexpr uint64_t PackedRegs(unsigned rm, unsigned reg, unsigned opc, bool rex) {
  const auto high = [rex](unsigned n) { return !rex && n >= 4 ? n + 12 : n; };
  return rm | reg << 8 | opc << 16 |
         static_cast<uint64_t>(high(rm) | high(reg) << 8 | high(opc) << 16) << 32;
}
constexpr auto kHotRegsOfModRm = [] {
  std::array<uint64_t, 512> t{};
  for (unsigned i = 0; i < t.size(); ++i) t[i] = PackedRegs(i & 7, (i >> 3) & 7, 0, i >= 256);
  return t;
}();
constexpr auto kHotRegsOfOpcode = [] {
  std::array<uint64_t, 16> t{};
  for (unsigned i = 0; i < t.size(); ++i) t[i] = PackedRegs(0, 0, i & 7, i >= 8);
  return t;
}();
constexpr auto kHotRegsOfRex = [] {
  std::array<uint64_t, 8> t{};
  for (unsigned r = 0; r < 8; ++r) t[r] = PackedRegs(r & 1 ? 8 : 0, r & 4 ? 8 : 0, r & 1 ? 8 : 0, true);
  return t;
}();

// The DecodedInsn header as four 64-bit words (little-endian hosts; checked here).
static_assert(offsetof(DecodedInsn, mnemonic) == 0 && offsetof(DecodedInsn, length) == 2 &&
              offsetof(DecodedInsn, operand_count) == 3 && offsetof(DecodedInsn, mode) == 4 &&
              offsetof(DecodedInsn, encoding) == 5 && offsetof(DecodedInsn, map) == 6 &&
              offsetof(DecodedInsn, opcode) == 7 && offsetof(DecodedInsn, modrm) == 8 &&
              offsetof(DecodedInsn, operand_size) == 9 && offsetof(DecodedInsn, address_size) == 10 &&
              offsetof(DecodedInsn, has_modrm) == 11 && offsetof(DecodedInsn, prefixes) == 12 &&
              offsetof(DecodedInsn, operands) == 32 && sizeof(Mnemonic) == 2);
static_assert(offsetof(Prefixes, lock) == 0 && offsetof(Prefixes, rep) == 1 && offsetof(Prefixes, repne) == 2 &&
              offsetof(Prefixes, operand_size) == 3 && offsetof(Prefixes, address_size) == 4 &&
              offsetof(Prefixes, segment) == 5 && offsetof(Prefixes, rex) == 6 &&
              offsetof(Prefixes, mandatory) == 7 && offsetof(Prefixes, vex_l) == 8 &&
              offsetof(Prefixes, vex_w) == 9 && sizeof(Prefixes) == 17);

// DecodedInsn bytes 8-15 per operand-size index: operand size 4, 8 or 2, address size 8.
constexpr uint64_t kHeader1[3] = {4ull << 8 | 8ull << 16, 8ull << 8 | 8ull << 16, 2ull << 8 | 8ull << 16};

// One form, with a memory operand or not, at one operand size (index o: 0 for 4 bytes, 1 for 8,
// 2 for 2): what the hot path needs once it has the length, in one cache line. Each operand slot
// is first written as a register or immediate operand: its word 0 with register number 0 plus
// the register's bits (the number picked from the packed numbers by `reg_byte`: none gives 0),
// and the immediate in word 2 where `imm_mask_sel` is set; then the memory operand is written over
// the slot at `mem_at`, which is past the operands when there is none. So an operand is built
// the same way whatever its kind, without branches.
struct alignas(64) HotForm {
  uint64_t header0 = 0;     // DecodedInsn bytes 0-7 but the length and opcode
  uint64_t header1 = 0;     // bytes 8-15; byte 8 (the ModRM byte) is 0xFF when there is one
  uint64_t word0[2] = {kSegNoneBits, kSegNoneBits};  // a default Operand's where unused
  uint64_t mem_word0 = 0;   // the memory operand's word 0 without base and segment
  uint64_t imm_mask = 0;    // the immediate's bytes, then ((bytes & mask) ^ xor) - sub: a sign
  uint32_t imm_xor = 0;     // extension where xor = sub is its sign bit, and the constant 1 of
  uint32_t imm_sub = 0;     // the D0-D3 shifts (no immediate byte) with xor = 1, sub = 0
  uint8_t reg_byte[2] = {3, 3}; // which of the packed register numbers is the slot's (3: none)
  int8_t imm_mask_sel[2] = {};  // -1: word 2 is the immediate
  uint8_t mem_at = 2 * sizeof(Operand);  // the memory operand's offset in `operands`; slot 2
                                         // (past the operands) when there is none
  uint8_t imm_len = 0;
  uint8_t mandatory = 0;  // the mandatory prefix that selects the form (Prefixes::mandatory)
};
static_assert(sizeof(HotForm) == 64);

// Where DecodeHot64's packed register numbers are (see there): 0 ModRM.rm, 8 ModRM.reg,
// 16 the opcode's bits 2-0, 24 none (0); 32 more for a byte register, whose numbers 4-7 are
// AH..BH without REX.
constexpr HotForm HotFormOf(const HotRec& r, bool mem, unsigned o) {
  HotForm f;
  if (!(r.flags & kHotOk)) return f;
  f.header0 = r.header0;
  f.header1 = kHeader1[o] | ((r.flags & kHotModRm) ? 0x10000FFull : 0);
  const unsigned imm_len = r.imm_len[o];
  constexpr uint64_t kMask[9] = {0, 0xFF, 0xFFFF, 0, 0xFFFFFFFF, 0, 0, 0, ~uint64_t{0}};
  constexpr uint32_t kSign[9] = {0, 0x80, 0x8000, 0, 0x80000000, 0, 0, 0, 0};
  f.imm_mask = kMask[imm_len];
  f.imm_len = static_cast<uint8_t>(imm_len);
  if (r.flags & kHotImmSigned) f.imm_xor = f.imm_sub = kSign[imm_len];
  for (unsigned i = 0; i < r.num_ops && i < 2; ++i) {
    const HotSlot& s = r.slot[i];
    if (s.from_rm && mem) {
      f.mem_word0 = s.mem_word[o];
      f.mem_at = static_cast<uint8_t>(i * sizeof(Operand));
      continue;  // the memory operand's words replace what the slot's would be
    }
    f.word0[i] = s.reg_word[o] + (static_cast<uint64_t>(s.fixed) << 40);
    f.reg_byte[i] = static_cast<uint8_t>(s.reg_shift / 8 + (s.high[o] ? 4 : 0));
    if (s.from_imm || s.constant) f.imm_mask_sel[i] = -1;
    if (s.constant) f.imm_xor = s.constant;
  }
  return f;
}
// The opcode map of each form's cells (2: cells of both maps name it), so that the header's map
// byte comes with the form.
constexpr auto kHotRecMaps = [] {
  std::array<uint8_t, kNumHotRecs> maps{};
  std::array<bool, kNumHotRecs> seen{};
  const auto note = [&](uint32_t e, unsigned cell) {
    if (!(e & kIdxHot)) return;
    const size_t r = (e & 0xFFFF) >> 3;
    const auto map = static_cast<uint8_t>(cell >> 8);
    maps[r] = seen[r] && maps[r] != map ? 2 : map;
    seen[r] = true;
  };
  ForEachCellEntry(kHotCells, kHotSel, [&](uint32_t e, unsigned i) { note(e, i & 511); });
  return maps;
}();
static_assert(std::none_of(kHotRecMaps.begin(), kHotRecMaps.end(), [](uint8_t m) { return m > 1; }));
// kHotForms[(form * 2 + memory) * 4 + o], where o = 3 (2 with REX.W or'd in) is the same as 1. A
// form without ModRM has the same record twice, so that DecodeHot64 picks the memory one by the
// ModRM byte alone.
constexpr auto kHotForms = [] {
  std::array<HotForm, kNumHotRecs * 8> t{};
  for (size_t i = 0; i < kNumHotRecs; ++i)
    for (unsigned m = 0; m < 2; ++m)
      for (unsigned o = 0; o < 4; ++o) {
        HotForm& f = t[(i * 2 + m) * 4 + o];
        f = HotFormOf(kHotRecs[i], m != 0 && (kHotRecs[i].flags & kHotModRm), o == 3 ? 1 : o);
        if (kHotRecs[i].flags & kHotOk) f.header0 |= uint64_t{kHotRecMaps[i]} << 48;
        f.mandatory = kHotRecMandatory[i];
      }
  return t;
}();

// What a REX byte (0: none) means to DecodeHot64, each field ready to add to a table index or
// shift by: a load per field costs less than taking the byte apart.
struct HotRex {
  uint64_t header2 = 0;     // DecodedInsn bytes 16-23, no prefixes
  uint64_t regs = 0;        // kHotRegsOfRex: what REX.B and REX.R add to the packed numbers
  uint16_t modrm_regs = 0;  // REX present << 8: the half of kHotRegsOfModRm
  uint16_t plain = 0;       // REX.B << 8: the half of plain_w0
  uint16_t sib_index = 0;   // REX.X << 8: the half of kHotSibIndex
  uint8_t sib_base = 0;     // REX.B << 3
  uint8_t opcode_regs = 0;  // REX present << 3: the half of kHotRegsOfOpcode
  uint8_t len_shift = 0;    // the shift to the cell entry's length bits for this REX.W (they
                            // differ only for MOV r64, imm64)
  uint8_t w = 0;            // REX.W
  uint8_t is_rex = 0;
  uint32_t hot_mask = 0;    // the entry bits that must be kIdxHot alone for the hot path to take
                            // it: kIdxHot, and kIdxRexBDeclines with REX.B
};
static_assert(sizeof(HotRex) == 32);
constexpr HotRex HotRexOf(unsigned rex) {
  HotRex r;
  if (rex != 0 && (rex & 0xF0) != 0x40) return r;
  r.header2 = kSegNoneBits | uint64_t{rex} << 16 | uint64_t{rex & 8} << 37;
  r.regs = kHotRegsOfRex[rex & 7];
  r.modrm_regs = static_cast<uint16_t>(rex ? 256 : 0);
  r.plain = static_cast<uint16_t>((rex & 1) << 8);
  r.sib_index = static_cast<uint16_t>((rex & 2) << 7);
  r.sib_base = static_cast<uint8_t>((rex & 1) << 3);
  r.hot_mask = kIdxHot | ((rex & 1) ? kIdxRexBDeclines : 0);
  r.opcode_regs = static_cast<uint8_t>(rex ? 8 : 0);
  r.len_shift = static_cast<uint8_t>(kIdxLenShift + ((rex >> 1) & 4));
  r.w = static_cast<uint8_t>((rex >> 3) & 1);
  r.is_rex = rex != 0;
  return r;
}

// The longest hot form with REX: the form's opcode bytes and immediate (its length bits), then
// ModRM, SIB and disp32.
constexpr unsigned kLongestHotForm = [] {
  unsigned longest = 0;
  const auto note = [&](uint32_t e) {
    if (!(e & kIdxHot)) return;
    const unsigned imm = std::max((e >> kIdxLenShift) & 15, (e >> (kIdxLenShift + 4)) & 15);
    longest = std::max(longest, 1 + imm + ((e & kIdxModRm) ? 6 : 0));
  };
  ForEachCellEntry(kHotCells, kHotSel, [&](uint32_t e, unsigned) { note(e); });
  return longest;
}();
// DecodeHot64<kNone> and <kOne> take at most one legacy prefix: with a full window, their
// instruction is within the 15 bytes without a check.
static_assert(1 + kLongestHotForm <= kMaxInsnLength);

// What one byte means to DecodeHot64 as a legacy prefix (a row of zeros but for the segment
// fields and the route when it is not one of 66, F2, F3 and the segment overrides, which
// DecodeHot64<kOne> takes alone).
struct alignas(16) HotPrefix {
  uint8_t opsize = 0;     // 66
  uint16_t column = 0;    // the mandatory-prefix column times 512 (kHotCells) when it is alone
  uint8_t rep = 0;        // F2 or F3
  Seg seg_last = Seg::kNone;
  Seg seg_eff = Seg::kNone;  // FS and GS only: ES/CS/SS/DS overrides are null in 64-bit mode
                             // (see Decoder::SegmentPrefix)
  uint8_t route = 0;      // as the first byte in 64-bit mode, where Decode() sends it (HotRoute)
  uint16_t header2_flip = 0;  // what it flips in DecodedInsn bytes 16-23: Prefixes::segment
  uint16_t mem_seg = 0;       // a memory operand's segment bits (word 0) ...
  uint16_t mem_seg_mask = 0;  // ... where this is set
};
static_assert(sizeof(HotPrefix) == 16);
// Where Decode() sends an instruction in 64-bit mode by its first byte.
enum HotRoute : uint8_t {
  kRouteHot,        // DecodeHot64<kNone>, the rest where it declines
  kRouteOnePrefix,  // 66, F2, F3, a segment override: DecodeHot64<kOne>, then <kSeveral>
  kRouteVex,        // C4, C5: the fast path (the hot path takes no VEX)
  kRouteEvex,       // 62: the general decoder (the fast path takes no EVEX)
};
constexpr HotPrefix HotPrefixOf(unsigned b) {
  HotPrefix p;
  if (b == 0xC4 || b == 0xC5) p.route = kRouteVex;
  if (b == 0x62) p.route = kRouteEvex;
  switch (kPrefixClasses[b]) {
    case kRepPrefix: p.rep = static_cast<uint8_t>(b); p.column = (b == 0xF3 ? 2 : 3) * 512; break;
    case kOpsizePrefix: p.opsize = 1; p.column = 512; break;
    case kSegPrefix:
      p.seg_last = SegOfPrefix(static_cast<uint8_t>(b));
      if (p.seg_last == Seg::kFs || p.seg_last == Seg::kGs) p.seg_eff = p.seg_last;
      break;
    default: return p;
  }
  p.route = kRouteOnePrefix;
  p.header2_flip = static_cast<uint16_t>((static_cast<unsigned>(p.seg_last) ^ static_cast<unsigned>(Seg::kNone)) << 8);
  if (p.seg_eff != Seg::kNone) {
    p.mem_seg = static_cast<uint16_t>(static_cast<unsigned>(p.seg_eff) << 8);
    p.mem_seg_mask = 0xFF00;
  }
  return p;
}

// The smaller tables of the hot path, in one object so that one base register reaches them all.
struct HotTables {
  uint32_t entries[4 * 512 * 16];  // kHotEntries
  uint16_t cell_length[2][4 * 512];  // per REX.W and cell, of its first hot form: the opcode
                                     // and immediate bytes, and 0xFF << 8 if it has ModRM
  uint32_t modrm_end[8 * 256];  // kHotModRmEnd, indexed by SIB.base * 256 + ModRM
  uint8_t sel_of_modrm[256];    // (ModRM.mod == 11b) * 8 + ModRM.reg: the kHotEntries column
  uint64_t plain_w0[512];       // per REX.B and ModRM byte: a memory operand's word 0 without SIB
  uint64_t sib_base[32];        // kHotSibBase
  uint64_t sib_index[512];      // kHotSibIndex
  uint64_t regs_of_modrm[512];  // kHotRegsOfModRm
  uint64_t regs_of_opcode[16];  // kHotRegsOfOpcode
  uint64_t reg_add[32];         // per packed register number: what it adds to an operand's word 0
  HotRex rex[0x50];             // per REX byte (0: none)
  HotPrefix prefix[256];        // per first byte
  uint64_t disp_ext[5];         // per displacement bytes: the mask of its bits, its sign bit << 32
};
constexpr HotTables MakeHotTables() {
  HotTables t{};
  for (size_t i = 0; i < std::size(t.entries); ++i) t.entries[i] = kHotEntries[i];
  for (unsigned w = 0; w < 2; ++w)
    for (size_t i = 0; i < std::size(t.cell_length[w]); ++i) {
      const uint32_t bits = kHotCells[i] & kIdxLengthBits;
      t.cell_length[w][i] = static_cast<uint16_t>(((bits >> (kIdxLenShift + 4 * w)) & 15) | ((bits & kIdxModRm) ? 0xFF00 : 0));
    }
  for (size_t i = 0; i < std::size(t.modrm_end); ++i) t.modrm_end[(i & 7) << 8 | i >> 3] = kHotModRmEnd[i];
  for (unsigned m = 0; m < 256; ++m) {
    t.sel_of_modrm[m] = static_cast<uint8_t>((m >= 0xC0 ? 8 : 0) | ((m >> 3) & 7));
    for (unsigned b = 0; b < 2; ++b) {
      const HotModRm& e = kHotModRmTable[m];
      t.plain_w0[b << 8 | m] = b ? e.w0 ^ e.rexb_flip : e.w0;
    }
  }
  for (size_t i = 0; i < 32; ++i) t.sib_base[i] = kHotSibBase[i];
  for (size_t i = 0; i < 512; ++i) t.sib_index[i] = kHotSibIndex[i];
  for (size_t i = 0; i < 512; ++i) t.regs_of_modrm[i] = kHotRegsOfModRm[i];
  for (size_t i = 0; i < 16; ++i) t.regs_of_opcode[i] = kHotRegsOfOpcode[i];
  t.disp_ext[1] = 0xFF | uint64_t{0x80} << 32;
  t.disp_ext[4] = 0xFFFFFFFF | uint64_t{0x80000000} << 32;
  for (uint64_t i = 0; i < 16; ++i) t.reg_add[i] = i << 40;
  for (uint64_t i = 16; i < 20; ++i)  // AH..BH: class kGpr8High rather than kGpr8, index 0-3
    t.reg_add[i] = (i - 16) << 40 |
                   (static_cast<uint64_t>(RegClass::kGpr8High) - static_cast<uint64_t>(RegClass::kGpr8)) << 32;
  for (unsigned rex = 0; rex < 0x50; ++rex) t.rex[rex] = HotRexOf(rex);
  for (unsigned b = 0; b < 256; ++b) t.prefix[b] = HotPrefixOf(b);
  return t;
}
constexpr HotTables kHotTables = MakeHotTables();

// `v`, computed here: an empty asm statement hides where it came from, so that the optimizer
// cannot sink its computation (a table load) into one side of a branch. A select between it and
// another value then stays a select: clang otherwise makes such selects branches, which
// mispredict when the choice varies from one instruction to the next.
template <class T>
[[gnu::always_inline]] inline T Computed(T v) {
  asm("" : "+r"(v));
  return v;
}

// A memory operand's words as the hot paths compute them: for every instruction, whether or not it
// has one, with or without SIB, picked without branches (which it is varies from one instruction
// to the next, and branches on it mispredict); they are stored over the memory operand's slot, if
// any. Words 0 (base, default segment) and 1 (index, scale) come from the tables per ModRM byte
// and per SIB byte, `plain`, `sib_base` and `sib_index` being what REX.B and REX.X (or VEX's,
// EVEX's) add to their indexes.
struct HotMemWords {
  uint64_t w0, w1;
};
[[gnu::always_inline]] inline HotMemWords HotMemoryWords(const HotTables& t, unsigned modrm, unsigned sib,
                                                        uint32_t modrm_bytes, unsigned plain, unsigned sib_base,
                                                        unsigned sib_index) {
  const uint64_t plain_w0 = t.plain_w0[plain + modrm];
  const uint64_t sib_w0 = Computed(t.sib_base[(modrm_bytes >> 16) + sib_base]);
  const uint64_t sib_w1 = t.sib_index[sib + sib_index];
  const bool is_sib = (modrm & 7) == 4;
  return {is_sib ? sib_w0 : plain_w0, sib_w1 & (0 - static_cast<uint64_t>(is_sib))};
}
// The displacement, `disp_len` bytes (0, 1 or 4) that end at `disp_end`, sign-extended with a mask.
[[gnu::always_inline]] inline uint64_t HotDisplacement(const HotTables& t, const uint8_t* bytes, unsigned disp_end,
                                                      unsigned disp_len) {
  const uint32_t disp_raw = static_cast<uint32_t>(LoadLe(bytes + disp_end - disp_len, 4));
  const uint32_t disp_mask = static_cast<uint32_t>(t.disp_ext[disp_len]);
  const uint32_t disp_sign = static_cast<uint32_t>(t.disp_ext[disp_len] >> 32);
  return static_cast<uint64_t>(
      static_cast<int64_t>(static_cast<int32_t>(((disp_raw & disp_mask) ^ disp_sign) - disp_sign)));
}

enum class HotResult : uint8_t {
  kDone,      // `insn` holds what the general decoder gives (status kOk)
  kDeclined,  // nothing was written
  kPrefixed,  // nothing was written: more legacy prefixes, for DecodeHot64<kSeveral>
};

// The legacy prefixes (66, F2, F3 and the segment overrides; REX aside) a DecodeHot64 takes.
enum class HotPrefixes : uint8_t {
  kNone,     // none: the first byte is no legacy prefix (the caller checked)
  kOne,      // exactly one, the first byte (the caller checked)
  kSeveral,  // up to four
};

// Decodes one instruction in 64-bit mode from a window of kWindow readable bytes of which
// `available` (at most 15) are the caller's. F2/F3 are taken only where they select a form.
template <HotPrefixes kPrefixes>
[[gnu::always_inline]] inline HotResult DecodeHot64(const uint8_t* bytes, size_t available, DecodedInsn& insn,
                                                 unsigned* length_out = nullptr) {
  if constexpr (std::endian::native != std::endian::little) return HotResult::kDeclined;
  const HotTables& t = kHotTables;
  // The first bytes in one load, taken apart with shifts: the length, which the caller needs
  // before it can decode the next instruction, then waits for one load, not one per byte.
  uint64_t head;
  unsigned start = 0;     // where REX or the opcode is
  unsigned column = 0;    // kHotCells' mandatory-prefix column times 512
  unsigned opsize = 0;    // 66 present
  uint16_t header2_flip = 0, mem_seg = 0, mem_seg_mask = 0;
  if constexpr (kPrefixes == HotPrefixes::kNone) {
    head = LoadLe(bytes, 8);
  } else if constexpr (kPrefixes == HotPrefixes::kOne) {
    // The prefix's meaning from a table row, without branches on which it is. Where the byte
    // after it is another prefix, its cell is no hot form.
    const HotPrefix& p = t.prefix[bytes[0]];
    start = 1;
    head = LoadLe(bytes + 1, 8);
    column = p.column;
    opsize = p.opsize;
    header2_flip = p.header2_flip;
    mem_seg = p.mem_seg;
    mem_seg_mask = p.mem_seg_mask;
  } else {
    start = 0;
    bool has_opsize = false;
    unsigned last_rep = 0;
    Seg seg_last = Seg::kNone, seg_eff = Seg::kNone;
    for (;;) {
      const unsigned c = bytes[start];
      const unsigned cls = kPrefixClasses[c];
      if (cls == kNotPrefix) break;
      if (cls == kRexPrefix) {
        // REX counts only directly before the opcode (SDM Vol.2 2.2.1): one before another
        // prefix is ignored.
        if (kPrefixClasses[bytes[start + 1]] == kNotPrefix) break;
      } else {
        const HotPrefix& q = t.prefix[c];
        if (q.route != kRouteOnePrefix) return HotResult::kDeclined;  // LOCK, 67
        if (q.rep) last_rep = q.rep;
        has_opsize = has_opsize || q.opsize;
        if (q.seg_last != Seg::kNone) seg_last = q.seg_last;  // the last one counts ...
        if (q.seg_eff != Seg::kNone) seg_eff = q.seg_eff;     // ... but ES/CS/SS/DS are null
      }
      if (++start > 4) return HotResult::kDeclined;
    }
    head = LoadLe(bytes + start, 8);
    column = (last_rep == 0xF3 ? 2 : last_rep == 0xF2 ? 3 : has_opsize ? 1 : 0) * 512;  // as kSel_pfx
    opsize = has_opsize;
    header2_flip = static_cast<uint16_t>((static_cast<unsigned>(seg_last) ^ static_cast<unsigned>(Seg::kNone)) << 8);
    if (seg_eff != Seg::kNone) {
      mem_seg = static_cast<uint16_t>(static_cast<unsigned>(seg_eff) << 8);
      mem_seg_mask = 0xFF00;
    }
  }
  // The next decode waits for the length, and so for these: REX and 0F are each told apart by
  // one compare, whose flags select both what depends on them.
  const bool is_rex = (head & 0xF0) == 0x40;
  const unsigned rex = is_rex ? head & 0xFF : 0;  // never 0 when there is one
  const HotRex& rx = t.rex[rex];
  const uint64_t at_b = is_rex ? head >> 8 : head;
  const bool is0f = (at_b & 0xFF) == 0x0F;
  const uint64_t at_op = is0f ? at_b >> 8 : at_b;
  const unsigned opcode = at_op & 0xFF;
  const unsigned modrm = (at_op >> 8) & 0xFF;
  const unsigned sib = (at_op >> 16) & 0xFF;
  // The form's entry, by the cell and the ModRM byte (which a cell whose form does not depend on
  // it ignores): no branch on whether it does, which would mispredict (15% of libc's instructions
  // are in cells such as 83, C7 and FF whose form does).
  const unsigned cell_index = column + unsigned{is0f} * 256 + opcode;
  const uint32_t entry = t.entries[cell_index * 16 + t.sel_of_modrm[modrm]];
  // The length: opcode bytes, ModRM, SIB and displacement (SDM Vol.2 Tables 2-2, 2-3), then the
  // immediate, whose size depends on REX.W only for MOV r64, imm64. From the cell's first form,
  // in a load beside the entry's rather than after the one of ModRM's column, and from a row
  // per REX.W, so that it takes two loads and three additions.
  const unsigned rex_w = (head & 0xF8) == 0x48;
  const uint16_t cell_length = t.cell_length[rex_w][cell_index];
  const uint32_t modrm_bytes = t.modrm_end[(at_op >> 8) & 0x7FF];  // ModRM, SIB.base
  unsigned length = start + unsigned{is_rex} + (cell_length & 0xFF) + (modrm_bytes & (cell_length >> 8));
  if (entry & kIdxLengthDiffers) [[unlikely]] {
    const unsigned modrm_end = modrm_bytes & 0xFF & (0u - ((entry >> 17) & 1));
    length = start + unsigned{is_rex} + modrm_end + ((entry >> rx.len_shift) & 15);
  }
  if ((entry & rx.hot_mask) != kIdxHot) {
    // Prefix bytes are no cell's opcode (their map 00 cells are invalid): a legacy prefix the
    // hot path did not take alone (LOCK, 67, a second one), or a REX before another prefix, is
    // told apart here, off the common path. A REX before a form the hot path does not take
    // (CDQE, MOVQ xmm, r64) is declined: the prefixed attempt would decline it too.
    if constexpr (kPrefixes != HotPrefixes::kSeveral) {
      const unsigned next = kPrefixClasses[bytes[start]];
      if (next != kNotPrefix && (next != kRexPrefix || kPrefixClasses[bytes[start + 1]] != kNotPrefix))
        return HotResult::kPrefixed;
    }
    return HotResult::kDeclined;
  }
  const unsigned has_modrm = (entry >> 17) & 1;
  const unsigned is_mem = modrm < 0xC0;  // a form without ModRM has the same record for both
  // The record: kHotForms[(form * 2 + memory) * 4 + o], where the entry's bits 0-15 are form * 8
  // plus o without REX.W (see kIdxHot), and o | 1 = 3 is the same as 1.
  unsigned record = (entry & 0xFFFF) | is_mem << 2 | rx.w;
  if constexpr (kPrefixes == HotPrefixes::kSeveral) {
    // The operand size (SDM Vol.1 3.6.1) where the entry's column does not say it: 66 with F2
    // or F3, which select the form (SDM Vol.2 2.1.2), so that 66 keeps its meaning.
    if (opsize && column != 512 && !rx.w && !(entry & kIdxForce64)) {
      record = (record & ~3u) | 2;
      if (entry & kIdxImm16) length -= 2;
    }
  }
  // Past the caller's bytes: the general decoder reports it. A full window needs no check (see
  // kLongestHotForm).
  if ((kPrefixes == HotPrefixes::kSeveral || available < kMaxInsnLength) && length > available)
    return HotResult::kDeclined;
  const HotForm& f = kHotForms[record];

  const uint64_t header[4] = {f.header0 | at_op << 56,
                              (f.header1 & (modrm | ~uint64_t{0xFF})) | static_cast<uint64_t>(opsize) << 56,
                              rx.header2 ^ header2_flip, 0};
  std::memcpy(static_cast<void*>(&insn), header, sizeof header);
  // The length in a store of its own, after the header's, so that a caller that reads it back
  // waits for the length and not for the whole first header word (a record load later); and in
  // a register for Decode()'s result, which a sweep's next decode waits for.
  insn.length = static_cast<uint8_t>(length);
  if (length_out) *length_out = length;
  if constexpr (kPrefixes != HotPrefixes::kNone) insn.prefixes.mandatory = f.mandatory;

  // The memory operand's words (HotMemoryWords), with an FS or GS override. The immediate is the
  // instruction's last bytes, and the displacement ends where it starts.
  HotMemWords mem = HotMemoryWords(t, modrm, sib, modrm_bytes, rx.plain, rx.sib_base, rx.sib_index);
  mem.w0 ^= (mem.w0 ^ mem_seg) & mem_seg_mask;
  const unsigned imm_at = length - f.imm_len;
  const uint64_t disp = HotDisplacement(t, bytes, imm_at, (modrm_bytes >> 8) & 0xFF & (0u - has_modrm));

  const uint64_t imm = ((LoadLe(bytes + imm_at, 8) & f.imm_mask) ^ f.imm_xor) - f.imm_sub;

  // The register numbers a slot may name, one per byte (see kHotRegsOfModRm).
  uint8_t regs[8];
  const uint64_t packed =
      t.regs_of_modrm[rx.modrm_regs + modrm] + t.regs_of_opcode[rx.opcode_regs + (opcode & 7)] + rx.regs;
  std::memcpy(regs, &packed, sizeof regs);
  auto* ops = reinterpret_cast<unsigned char*>(insn.operands.data());
  // Both slots as register or immediate operands (a slot the form does not use is written as a
  // default Operand, with no branch on the count), then the memory operand over its slot: past
  // the operands (slot 2, unspecified) when there is none. Stores rather than selects: the memory
  // operand's words are computed for every instruction, but picked by no instruction.
  const auto build = [&](unsigned i) __attribute__((always_inline)) {
    const uint64_t imm_sel = static_cast<uint64_t>(static_cast<int64_t>(f.imm_mask_sel[i]));
    const uint64_t w[3] = {f.word0[i] + t.reg_add[regs[f.reg_byte[i]]], 0, imm & imm_sel};
    std::memcpy(ops + i * sizeof(Operand), w, sizeof w);
  };
  build(0);
  build(1);
  const uint64_t m[3] = {f.mem_word0 | mem.w0, mem.w1, disp};
  std::memcpy(ops + f.mem_at, m, sizeof m);
  return HotResult::kDone;
}

}  // namespace
}  // namespace kiln::frontend
