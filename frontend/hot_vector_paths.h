// The hot paths for VEX and EVEX in 64-bit mode, built as the legacy hot path is.
// Internal to the decoder: part of decoder.cpp's translation unit, which alone includes it (its
// code is inlined into Decode()'s paths), hence the unnamed namespace.
#pragma once

#include <algorithm>

#include "frontend/hot_path.h"

namespace kiln::frontend {
namespace {

// --- the hot path for VEX ------------------------------------------------------------------
//
// VEX in 64-bit mode with no prefix before it (2.1% of libc's instructions, from its AVX2 string
// functions), decoded as DecodeHot64 decodes legacy forms: the form from one entry per opcode
// cell, VEX.W, VEX.L and ModRM.mod == 11b, the length from that entry and the ModRM byte, the
// header and up to three operands from one record per form, vector length, VEX.W and memory
// form, built the same way whatever their kind, the memory operand from the hot path's tables.
// It declines forms with four operands, with a selector on ModRM.reg or .rm, VSIB and the like,
// and every invalid encoding: the fast path and the general decoder take those, as before.

// A VEX form's record: the DecodedInsn header and the operands as DecodeHot64's HotForm has them,
// with a third slot (the vvvv register of most AVX forms).
struct alignas(64) HotVexForm {
  uint64_t header0 = 0;  // DecodedInsn bytes 0-7 but the length and opcode
  uint64_t header1 = 0;  // bytes 8-15; byte 8 (the ModRM byte) is 0xFF when there is one
  uint64_t header2 = 0;  // bytes 16-23 but VEX.vvvv
  uint64_t word0[3] = {kSegNoneBits, kSegNoneBits, kSegNoneBits};  // a default Operand's where unused
  uint32_t mem_word0 = 0;          // the memory operand's kind and size bits
  uint8_t reg_byte[3] = {3, 3, 3};  // which of DecodeHotVex64's packed register numbers (3: none)
  int8_t imm_sel[3] = {};          // -1: word 2 is the immediate (imm8)
  uint8_t mem_at = 3 * sizeof(Operand);  // the memory operand's offset in `operands`; past the
                                         // operands (slot 3) when there is none
  bool ok = false;
};
static_assert(sizeof(HotVexForm) == 64);

// What an entry of kVexTables holds besides the kVexForms index (bits 0-15).
enum : uint32_t {
  kVexModRm = 1u << 16,        // the form has a ModRM byte
  kVexImm8 = 1u << 17,         // and an imm8 after it
  kVexNeedsR0 = 1u << 28,      // an opmask register in ModRM.reg: VEX.R set is #UD
  kVexNeedsVvvv8 = 1u << 29,   // an opmask register in vvvv: vvvv must name 0-7
  kVexNeedsNoVvvv = 1u << 30,  // no vvvv operand: vvvv must be 1111b (0 un-inverted)
  kVexHot = 1u << 31,          // DecodeHotVex64 decodes it
};

// The form (a kInsnDefs row) of a VEX or EVEX cell for pp, L (EVEX: L'L, without EVEX.b), W and a
// register-form ModRM byte, as Decoder::WalkTree selects it in 64-bit mode; -1 when there is none
// (#UD) or the tree selects on ModRM.reg, ModRM.rm or VEX.B too.
constexpr int ResolveVex(DecodeNode node, unsigned pp, unsigned l, unsigned w, bool reg_form) {
  for (;;) {
    unsigned idx = 0;
    switch (node.kind) {
      case NodeKind::kLeaf: return node.arg;
      case NodeKind::kSel_mode: idx = 1; break;
      case NodeKind::kSel_pfx: idx = pp; break;
      case NodeKind::kSel_w: case NodeKind::kSel_wg: idx = w; break;
      case NodeKind::kSel_l: idx = l; break;
      case NodeKind::kSel_osz: idx = w ? 2 : 1; break;  // no 66 with VEX
      case NodeKind::kSel_asz: idx = 2; break;           // nor 67
      case NodeKind::kSel_mod: idx = reg_form; break;
      default: return -1;  // kInvalid, kSel_reg, kSel_rm, kSel_rexb
    }
    node = detail::kNodes[node.arg + idx];
  }
}

// The cells of the VEX and EVEX hot paths: by map (1-3 as 0-2), pp and opcode, with kSels
// selectors per cell: W, L (VEX: one bit; EVEX: L'L, two, 11b reserved) and ModRM.mod == 11b, as
// W << (1 + L's bits) | L << 1 | (ModRM.mod == 11b).
constexpr unsigned kNumVectorCells = 3 * 4 * 256;
template <unsigned kSels>
struct VectorSel {
  static constexpr unsigned kLBits = kSels == 8 ? 1 : 2;
  static constexpr unsigned L(unsigned sel) { return (sel >> 1) & ((1u << kLBits) - 1); }
  static constexpr unsigned W(unsigned sel) { return sel >> (1 + kLBits); }
  static constexpr bool RegForm(unsigned sel) { return (sel & 1) != 0; }
};
// The kInsnDefs row per cell of one map and selector, or -1: one constant per map, each within
// the compiler's budget for evaluating one, then the three in one object.
template <unsigned kSels>
constexpr auto VectorCellDefsOf(int map_index) {
  using S = VectorSel<kSels>;
  std::array<int16_t, 4 * 256 * kSels> t{};
  for (unsigned cell = 0; cell < 4 * 256; ++cell) {
    const DecodeNode root = detail::kNodes[static_cast<unsigned>(map_index) * 256 + (cell & 255)];
    for (unsigned sel = 0; sel < kSels; ++sel)
      t[cell * kSels + sel] = static_cast<int16_t>(
          S::L(sel) == 3 ? -1 : ResolveVex(root, cell >> 8, S::L(sel), S::W(sel), S::RegForm(sel)));
  }
  return t;
}
template <unsigned kSels>
struct VectorCellDefs {
  std::array<int16_t, 4 * 256 * kSels> map[3];
  constexpr int Def(unsigned cell, unsigned sel) const { return map[cell >> 10][(cell & 1023) * kSels + sel]; }
};

// Per encoding, kSels entries per cell with a hot form, found through a row number per cell; the
// other cells share row 0, which declines.
template <unsigned kSels, size_t kRows>
struct VectorTables {
  uint8_t map_of_field[32];  // the map field's cell block (1-3 as 0-2); 3, a block of row 0, else
  uint16_t cell_row[4 * 4 * 256];
  uint32_t entries[kRows * kSels];
};
template <unsigned kSels>
constexpr size_t VectorRowsOf(uint32_t (*entry)(unsigned cell, unsigned sel)) {
  size_t n = 1;
  for (unsigned cell = 0; cell < kNumVectorCells; ++cell) {
    bool any = false;
    for (unsigned sel = 0; sel < kSels; ++sel) any = any || entry(cell, sel) != 0;
    n += any;
  }
  return n;
}
template <unsigned kSels, size_t kRows>
constexpr VectorTables<kSels, kRows> VectorTablesOf(uint32_t (*entry)(unsigned cell, unsigned sel)) {
  VectorTables<kSels, kRows> t{};
  for (unsigned m = 0; m < 32; ++m) t.map_of_field[m] = static_cast<uint8_t>(m >= 1 && m <= 3 ? m - 1 : 3);
  uint16_t rows = 1;
  for (unsigned cell = 0; cell < kNumVectorCells; ++cell) {
    uint32_t row[kSels];
    bool any = false;
    for (unsigned sel = 0; sel < kSels; ++sel) any = (row[sel] = entry(cell, sel)) != 0 || any;
    if (!any) continue;
    t.cell_row[cell] = rows;
    for (unsigned sel = 0; sel < kSels; ++sel) t.entries[rows * kSels + sel] = row[sel];
    ++rows;
  }
  return t;
}

// The record of form `def` for VEX.pp, VEX.L, VEX.W and a memory operand or not, as Decoder::Run
// and Decoder::BuildOperand build it (ok = false: DecodeHotVex64 declines it). `map` is the
// mmmmm field (OpcodeMap's value).
constexpr HotVexForm HotVexFormOf(const InsnDef& def, unsigned map, unsigned pp, unsigned l, unsigned w, bool mem) {
  HotVexForm f;
  constexpr uint32_t kNotHot = attr::kEvex | attr::kVsibOperand | attr::kSibMem | attr::kDistinct |
                               attr::kDistinctDst | attr::kForceReg;
  if (!(def.attrs & attr::kVex) || (def.attrs & kNotHot) || def.num_ops > 3) return f;
  const bool modrm = (def.attrs & attr::kHasModRm) != 0;
  mem = mem && modrm;
  const unsigned osz = w || (def.attrs & (attr::kForce64 | attr::kDefault64)) ? 8 : 4;
  const auto vector = [](unsigned bytes) {
    return bytes > 32 ? RegClass::kZmm : bytes > 16 ? RegClass::kYmm : RegClass::kXmm;
  };
  for (unsigned i = 0; i < def.num_ops; ++i) {
    const OperandSpec& spec = def.ops[i];
    if (spec.size == OperandSize::k_adr) return HotVexForm{};
    const unsigned bytes = ComputeSize(spec.size, true, osz, 16u << l);
    // The register operand's class and size, and where its number comes from (reg_byte).
    RegClass cls = RegClass::kNone;
    unsigned reg_bytes = bytes, from = 3;
    bool memory = false, imm = false;
    switch (spec.method) {
      case OperandMethod::kV: cls = vector(bytes); from = 1; break;
      case OperandMethod::kH: cls = vector(bytes); from = 2; break;
      case OperandMethod::kW: memory = mem; cls = vector(bytes); from = 0; break;
      case OperandMethod::kU: if (mem) return HotVexForm{}; cls = vector(bytes); from = 0; break;
      case OperandMethod::kM: if (!mem) return HotVexForm{}; memory = true; break;
      case OperandMethod::kG: cls = kGprClassBySize[bytes & 15]; from = 1; break;
      case OperandMethod::kE: memory = mem; cls = kGprClassBySize[bytes & 15]; from = 0; break;
      case OperandMethod::kR: if (mem) return HotVexForm{}; cls = kGprClassBySize[bytes & 15]; from = 0; break;
      case OperandMethod::kB: cls = kGprClassBySize[bytes & 15]; from = 2; break;
      case OperandMethod::kK: cls = RegClass::kMask; reg_bytes = 8; from = 1; break;
      case OperandMethod::kKH: cls = RegClass::kMask; reg_bytes = 8; from = 2; break;
      case OperandMethod::kKR: if (mem) return HotVexForm{}; cls = RegClass::kMask; reg_bytes = 8; from = 4; break;
      case OperandMethod::kKE: memory = mem; cls = RegClass::kMask; reg_bytes = 8; from = 4; break;
      case OperandMethod::kI: if (bytes != 1) return HotVexForm{}; imm = true; break;
      default: return HotVexForm{};
    }
    if (bytes > 0xFFFF) return HotVexForm{};
    if (memory) {
      f.mem_word0 = static_cast<uint32_t>(OperandKind::kMem) | bytes << 16;
      f.mem_at = static_cast<uint8_t>(i * sizeof(Operand));
    } else if (imm) {
      f.word0[i] = RegWord(OperandKind::kImm, 1, RegClass::kNone);
      f.imm_sel[i] = -1;
    } else {
      f.word0[i] = RegWord(OperandKind::kReg, reg_bytes, cls);
      f.reg_byte[i] = static_cast<uint8_t>(from);
    }
  }
  constexpr uint8_t kPp[4] = {0, 0x66, 0xF3, 0xF2};
  f.header0 = static_cast<uint64_t>(def.mnemonic) | static_cast<uint64_t>(def.num_ops) << 24 |
              static_cast<uint64_t>(CpuMode::k64) << 32 | static_cast<uint64_t>(Encoding::kVex) << 40 |
              static_cast<uint64_t>(map) << 48;
  f.header1 = (modrm ? 0x10000FFull : 0) | uint64_t{osz} << 8 | uint64_t{8} << 16;
  f.header2 = kSegNoneBits | uint64_t{kPp[pp]} << 24 | uint64_t{l} << 32 | uint64_t{w} << 40;
  f.ok = true;
  return f;
}

// The VEX cells, 8 selectors each (W << 2 | L << 1 | (ModRM.mod == 11b)).
constexpr auto kVex0FCellDefs = VectorCellDefsOf<8>(detail::kMapV0F);
constexpr auto kVex0F38CellDefs = VectorCellDefsOf<8>(detail::kMapV0F38);
constexpr auto kVex0F3ACellDefs = VectorCellDefsOf<8>(detail::kMapV0F3A);
constexpr VectorCellDefs<8> kVexCellDefs{{kVex0FCellDefs, kVex0F38CellDefs, kVex0F3ACellDefs}};
constexpr int VexCellDef(unsigned cell, unsigned sel) { return kVexCellDefs.Def(cell, sel); }
// The mmmmm field of each form a VEX cell names.
constexpr auto kVexDefMap = [] {
  std::array<uint8_t, kNumInsnDefs> t{};
  for (unsigned cell = 0; cell < kNumVectorCells; ++cell)
    for (unsigned sel = 0; sel < 8; ++sel)
      if (const int def = VexCellDef(cell, sel); def >= 0)
        t[static_cast<size_t>(def)] = static_cast<uint8_t>((cell >> 10) + 1);
  return t;
}();
// A form's key: its kInsnDefs row, pp and the selector (whose ModRM.mod bit says memory or not).
constexpr size_t VexKey(size_t def, unsigned pp, unsigned sel) { return (def * 4 + pp) * 8 + sel; }
constexpr HotVexForm HotVexFormOfKey(size_t key) {
  const size_t def = key / 32;
  const unsigned pp = (key / 8) & 3, sel = key & 7;
  return HotVexFormOf(detail::kInsnDefs[def], kVexDefMap[def], pp, (sel >> 1) & 1, sel >> 2, (sel & 1) == 0);
}
// The kVexForms index of each key (0: none; kVexForms[0] is not a form).
constexpr auto kVexFormIndex = [] {
  std::array<uint16_t, kNumInsnDefs * 32> t{};
  uint16_t n = 0;
  for (unsigned cell = 0; cell < kNumVectorCells; ++cell)
    for (unsigned sel = 0; sel < 8; ++sel) {
      const int def = VexCellDef(cell, sel);
      if (def < 0) continue;
      const size_t key = VexKey(static_cast<size_t>(def), (cell >> 8) & 3, sel);
      if (t[key] == 0 && HotVexFormOfKey(key).ok) t[key] = ++n;
    }
  return t;
}();
constexpr size_t kNumVexForms = 1 + *std::max_element(kVexFormIndex.begin(), kVexFormIndex.end());
constexpr auto kVexForms = [] {
  std::array<HotVexForm, kNumVexForms> t{};
  for (size_t key = 0; key < kVexFormIndex.size(); ++key)
    if (kVexFormIndex[key] != 0) t[kVexFormIndex[key]] = HotVexFormOfKey(key);
  return t;
}();
static_assert(kNumVexForms <= 0x10000);

// A cell entry: the form's index, and what the length and the checks on VEX's fields need.
constexpr uint32_t VexEntry(unsigned cell, unsigned sel) {
  const int def = VexCellDef(cell, sel);
  if (def < 0) return 0;
  const uint16_t form = kVexFormIndex[VexKey(static_cast<size_t>(def), (cell >> 8) & 3, sel)];
  if (form == 0) return 0;
  const InsnDef& d = detail::kInsnDefs[def];
  uint32_t e = form | kVexHot;
  if (d.attrs & attr::kHasModRm) e |= kVexModRm;
  if (d.attrs & attr::kNoVvvv) e |= kVexNeedsNoVvvv;
  for (unsigned i = 0; i < d.num_ops; ++i) {
    if (d.ops[i].method == OperandMethod::kI) e |= kVexImm8;
    if (d.ops[i].method == OperandMethod::kK) e |= kVexNeedsR0;
    if (d.ops[i].method == OperandMethod::kKH) e |= kVexNeedsVvvv8;
  }
  return e;
}
constexpr size_t kNumVexRows = VectorRowsOf<8>(VexEntry);
constexpr auto kVexTables = VectorTablesOf<8, kNumVexRows>(VexEntry);
// The longest hot VEX form, 11 bytes (C4, two VEX bytes, opcode, ModRM, SIB, disp32, imm8), is
// within 15: with a full window no length check is needed.

// Decodes VEX (C4 or C5 first) in 64-bit mode from a window of kWindow readable bytes of which
// `available` (at most 15) are the caller's.
[[gnu::always_inline]] inline HotResult DecodeHotVex64(const uint8_t* bytes, size_t available, DecodedInsn& insn,
                                                    unsigned* length_out = nullptr) {
  if constexpr (std::endian::native != std::endian::little) return HotResult::kDeclined;
  const HotTables& t = kHotTables;
  const auto& v = kVexTables;
  const uint64_t head = LoadLe(bytes, 8);
  // The fields as the 3-byte form has them (SDM Vol.2 2.3.5): R X B (inverted) and mmmmm, then
  // W vvvv (inverted) L pp. The 2-byte form is the 3-byte one with X = B = 0, map 0F and W = 0.
  const bool three = (head & 0xFF) == 0xC4;
  const unsigned b1 = (head >> 8) & 0xFF;
  const unsigned rxbm = three ? b1 : (b1 & 0x80) | 0x61;
  const unsigned wvlp = three ? (head >> 16) & 0xFF : b1 & 0x7F;
  const uint64_t at_op = three ? head >> 24 : head >> 16;
  const unsigned start = three ? 3 : 2;
  const unsigned opcode = at_op & 0xFF;
  const unsigned modrm = (at_op >> 8) & 0xFF;
  const unsigned sib = (at_op >> 16) & 0xFF;
  const unsigned r = (~rxbm >> 7) & 1, x = (~rxbm >> 6) & 1, b = (~rxbm >> 5) & 1;
  const unsigned w = wvlp >> 7, vvvv = (~wvlp >> 3) & 15, l = (wvlp >> 2) & 1, pp = wvlp & 3;
  const unsigned cell = (v.map_of_field[rxbm & 0x1F] * 4u + pp) * 256 + opcode;
  const unsigned sel = w << 2 | l << 1 | unsigned{modrm >= 0xC0};
  const uint32_t entry = v.entries[v.cell_row[cell] * 8u + sel];
  const uint32_t fails = (vvvv != 0 ? kVexNeedsNoVvvv : 0) | (vvvv > 7 ? kVexNeedsVvvv8 : 0) | (r ? kVexNeedsR0 : 0);
  if ((entry & (kVexHot | fails)) != kVexHot) return HotResult::kDeclined;
  const uint32_t modrm_bytes = t.modrm_end[(at_op >> 8) & 0x7FF];  // ModRM, SIB.base
  const unsigned has_modrm = (entry & kVexModRm) != 0;
  const unsigned imm_len = (entry & kVexImm8) != 0;
  const unsigned length = start + 1 + (modrm_bytes & 0xFF & (0u - has_modrm)) + imm_len;
  if (available < kMaxInsnLength && length > available) return HotResult::kDeclined;
  const HotVexForm& f = kVexForms[entry & 0xFFFF];

  const uint64_t header[4] = {f.header0 | at_op << 56, f.header1 & (modrm | ~uint64_t{0xFF}),
                              f.header2 | uint64_t{vvvv} << 48, 0};
  std::memcpy(static_cast<void*>(&insn), header, sizeof header);
  insn.length = static_cast<uint8_t>(length);
  if (length_out) *length_out = length;

  // The memory operand's words, as DecodeHot64 computes them (VEX.B and VEX.X for REX's).
  const HotMemWords mem = HotMemoryWords(t, modrm, sib, modrm_bytes, b << 8, b << 3, x << 8);
  const uint64_t disp = HotDisplacement(t, bytes, length - imm_len, (modrm_bytes >> 8) & 0xFF & (0u - has_modrm));
  const uint64_t imm = bytes[length - 1];

  // The register numbers a slot may name, one per byte (HotVexForm::reg_byte): 0 ModRM.rm with
  // VEX.B, 1 ModRM.reg with VEX.R, 2 vvvv, 3 none, 4 ModRM.rm alone (an opmask register).
  uint8_t regs[8];
  const uint64_t packed = ((modrm & 7) | b << 3) | (((modrm >> 3) & 7) | r << 3) << 8 | vvvv << 16 |
                          static_cast<uint64_t>(modrm & 7) << 32;
  std::memcpy(regs, &packed, sizeof regs);
  auto* ops = reinterpret_cast<unsigned char*>(insn.operands.data());
  const auto build = [&](unsigned i) __attribute__((always_inline)) {
    const uint64_t imm_sel = static_cast<uint64_t>(static_cast<int64_t>(f.imm_sel[i]));
    const uint64_t words[3] = {f.word0[i] + (uint64_t{regs[f.reg_byte[i]]} << 40), 0, imm & imm_sel};
    std::memcpy(ops + i * sizeof(Operand), words, sizeof words);
  };
  build(0);
  build(1);
  build(2);
  const uint64_t m[3] = {f.mem_word0 | mem.w0, mem.w1, disp};
  std::memcpy(ops + f.mem_at, m, sizeof m);
  return HotResult::kDone;
}

// --- the hot path for EVEX -----------------------------------------------------------------
//
// EVEX in 64-bit mode with no prefix before it (0.7% of libc's instructions, from its AVX-512
// string functions), decoded as DecodeHotVex64 decodes VEX, with four operand slots, the opmask
// and zeroing fields in the header and the compressed displacement (disp8*N). It declines EVEX.b
// (broadcast, rounding), maps 5 and 6, VSIB and the forms whose checks it does not make: the
// general decoder takes those, as before.

// An EVEX form's record, per form, EVEX.L'L, EVEX.W and memory form. The header fields that come
// from the EVEX bytes alone (map, pp, L'L, W, vvvv, aaa, z) are not in it, so that forms that
// ignore W or L'L share records.
struct alignas(64) HotEvexForm {
  uint64_t header0 = 0;  // DecodedInsn bytes 0-7 but the length, map and opcode
  uint64_t word0[4] = {kSegNoneBits, kSegNoneBits, kSegNoneBits, kSegNoneBits};
  uint32_t mem_word0 = 0;
  uint8_t reg_byte[4] = {3, 3, 3, 3};  // which of DecodeHotEvex64's packed register numbers (3: none)
  int8_t imm_sel[4] = {};              // -1: word 2 is the immediate (imm8)
  uint8_t mem_at = 4 * sizeof(Operand);  // past the operands (slot 4) when there is none
  uint8_t disp8_shift = 0;  // log2 of N, the factor of a disp8 (SDM Vol.2 2.7.5)
  bool ok = false;
  constexpr bool operator==(const HotEvexForm&) const = default;
};
static_assert(sizeof(HotEvexForm) == 64);

// What an entry of kEvexTables holds besides the kEvexForms index (bits 0-15): the fields the
// instruction's EVEX bytes must not have for the form (each makes it #UD, which the general
// decoder reports).
enum : uint32_t {
  kEvexImm8 = 1u << 17,          // the form has an imm8
  kEvexNeedsR0 = 1u << 26,       // an opmask register in ModRM.reg: EVEX.R and R' must be 0
  kEvexNeedsR2Zero = 1u << 27,   // a GPR in ModRM.reg: EVEX.R' must be 0
  kEvexNoZero = 1u << 28,        // no zeroing-masking (also: a memory destination)
  kEvexNoMask = 1u << 29,        // no opmask, no zeroing
  kEvexNeedsNoVvvv = 1u << 30,   // no vvvv operand: vvvv must be 1111b and V' 1 (0 un-inverted)
  kEvexHot = 1u << 31,           // DecodeHotEvex64 decodes it
};

// The record of form `def` for EVEX.L'L `ll`, EVEX.W and a memory operand or not, as Decoder::Run,
// Decoder::BuildOperand and Decoder::ApplyEvexMemory build it without EVEX.b (ok = false:
// DecodeHotEvex64 declines it).
constexpr HotEvexForm HotEvexFormOf(const InsnDef& def, unsigned ll, unsigned w, bool mem) {
  HotEvexForm f;
  constexpr uint32_t kNotHot = attr::kVsibOperand | attr::kSibMem | attr::kDistinct | attr::kDistinctDst |
                               attr::kForceReg | attr::kNeedMask;
  if (!(def.attrs & attr::kEvex) || !(def.attrs & attr::kHasModRm) || (def.attrs & kNotHot) || def.num_ops > 4)
    return f;
  const unsigned osz = w ? 8 : 4;
  const auto vector = [](unsigned bytes) {
    return bytes > 32 ? RegClass::kZmm : bytes > 16 ? RegClass::kYmm : RegClass::kXmm;
  };
  bool seen_mem = false;
  for (unsigned i = 0; i < def.num_ops; ++i) {
    const OperandSpec& spec = def.ops[i];
    if (spec.size == OperandSize::k_adr) return HotEvexForm{};
    const unsigned bytes = ComputeSize(spec.size, true, osz, 16u << ll);
    RegClass cls = RegClass::kNone;
    unsigned reg_bytes = bytes, from = 3;
    bool memory = false, imm = false;
    switch (spec.method) {
      case OperandMethod::kV: cls = vector(bytes); from = 1; break;
      case OperandMethod::kH: cls = vector(bytes); from = 2; break;
      case OperandMethod::kW: memory = mem; cls = vector(bytes); from = 0; break;
      case OperandMethod::kU: if (mem) return HotEvexForm{}; cls = vector(bytes); from = 0; break;
      case OperandMethod::kM: if (!mem) return HotEvexForm{}; memory = true; break;
      case OperandMethod::kG: cls = kGprClassBySize[bytes & 15]; from = 1; break;
      case OperandMethod::kE: memory = mem; cls = kGprClassBySize[bytes & 15]; from = 4; break;
      case OperandMethod::kR: if (mem) return HotEvexForm{}; cls = kGprClassBySize[bytes & 15]; from = 4; break;
      case OperandMethod::kK: cls = RegClass::kMask; reg_bytes = 8; from = 1; break;
      case OperandMethod::kI: if (bytes != 1) return HotEvexForm{}; imm = true; break;
      default: return HotEvexForm{};
    }
    if (memory) {
      if (seen_mem || bytes > 0xFFFF) return HotEvexForm{};
      seen_mem = true;
      f.mem_word0 = static_cast<uint32_t>(OperandKind::kMem) | bytes << 16;
      f.mem_at = static_cast<uint8_t>(i * sizeof(Operand));
      // N: the access's size, or one element's for the forms that move single elements.
      const unsigned n = (def.attrs & attr::kT1sBw) ? (w ? 2 : 1) : (def.attrs & attr::kT1sDq) ? (w ? 8 : 4) : bytes;
      if (n == 0 || (n & (n - 1)) != 0) return HotEvexForm{};
      while ((1u << f.disp8_shift) < n) ++f.disp8_shift;
    } else if (imm) {
      f.word0[i] = RegWord(OperandKind::kImm, 1, RegClass::kNone);
      f.imm_sel[i] = -1;
    } else {
      f.word0[i] = RegWord(OperandKind::kReg, reg_bytes, cls);
      f.reg_byte[i] = static_cast<uint8_t>(from);
    }
  }
  f.header0 = static_cast<uint64_t>(def.mnemonic) | static_cast<uint64_t>(def.num_ops) << 24 |
              static_cast<uint64_t>(CpuMode::k64) << 32 | static_cast<uint64_t>(Encoding::kEvex) << 40;
  f.ok = true;
  return f;
}

// The EVEX cells, 16 selectors each (W << 3 | L'L << 1 | (ModRM.mod == 11b); L'L = 11b is reserved:
// no form).
constexpr auto kEvex0FCellDefs = VectorCellDefsOf<16>(detail::kMapE0F);
constexpr auto kEvex0F38CellDefs = VectorCellDefsOf<16>(detail::kMapE0F38);
constexpr auto kEvex0F3ACellDefs = VectorCellDefsOf<16>(detail::kMapE0F3A);
constexpr VectorCellDefs<16> kEvexCellDefs{{kEvex0FCellDefs, kEvex0F38CellDefs, kEvex0F3ACellDefs}};
constexpr int EvexCellDef(unsigned cell, unsigned sel) { return kEvexCellDefs.Def(cell, sel); }
// A form's key: its kInsnDefs row and the selector (whose ModRM.mod bit says memory or not).
constexpr HotEvexForm HotEvexFormOfKey(size_t key) {
  const unsigned sel = key & 15;
  return HotEvexFormOf(detail::kInsnDefs[key / 16], (sel >> 1) & 3, sel >> 3, (sel & 1) == 0);
}
// Which keys a cell names.
constexpr auto kEvexKeyNamed = [] {
  std::array<bool, kNumInsnDefs * 16> t{};
  for (unsigned cell = 0; cell < kNumVectorCells; ++cell)
    for (unsigned sel = 0; sel < 16; ++sel)
      if (const int def = EvexCellDef(cell, sel); def >= 0) t[static_cast<size_t>(def) * 16 + sel] = true;
  return t;
}();
// The kEvexForms index of each key of forms [begin, end) (0: none; kEvexForms[0] is not a form),
// numbered on from `last`. Keys of one form whose records are the same (it ignores W or L'L)
// share one. In four parts, each within the compiler's budget for evaluating one constant.
struct EvexFormIndexPart {
  std::array<uint16_t, kNumInsnDefs * 16> index{};
  uint16_t last = 0;
};
constexpr EvexFormIndexPart EvexFormIndexOf(size_t begin, size_t end, uint16_t last) {
  EvexFormIndexPart p;
  p.last = last;
  for (size_t def = begin; def < end; ++def) {
    HotEvexForm forms[16];
    for (unsigned sel = 0; sel < 16; ++sel) {
      const size_t key = def * 16 + sel;
      if (!kEvexKeyNamed[key]) continue;
      forms[sel] = HotEvexFormOfKey(key);
      if (!forms[sel].ok) continue;
      for (unsigned earlier = 0; earlier < sel && p.index[key] == 0; ++earlier)
        if (p.index[def * 16 + earlier] != 0 && forms[earlier] == forms[sel])
          p.index[key] = p.index[def * 16 + earlier];
      if (p.index[key] == 0) p.index[key] = ++p.last;
    }
  }
  return p;
}
constexpr size_t kEvexPartDefs = (kNumInsnDefs + 3) / 4;
constexpr EvexFormIndexPart kEvexFormIndex0 = EvexFormIndexOf(0, kEvexPartDefs, 0);
constexpr EvexFormIndexPart kEvexFormIndex1 = EvexFormIndexOf(kEvexPartDefs, 2 * kEvexPartDefs, kEvexFormIndex0.last);
constexpr EvexFormIndexPart kEvexFormIndex2 =
    EvexFormIndexOf(2 * kEvexPartDefs, 3 * kEvexPartDefs, kEvexFormIndex1.last);
constexpr EvexFormIndexPart kEvexFormIndex3 = EvexFormIndexOf(3 * kEvexPartDefs, kNumInsnDefs, kEvexFormIndex2.last);
constexpr uint16_t EvexFormIndex(size_t key) {
  const size_t part = key / 16 / kEvexPartDefs;
  return (part == 0 ? kEvexFormIndex0 : part == 1 ? kEvexFormIndex1 : part == 2 ? kEvexFormIndex2 : kEvexFormIndex3)
      .index[key];
}
constexpr size_t kNumEvexForms = 1 + size_t{kEvexFormIndex3.last};
constexpr auto kEvexForms = [] {
  std::array<HotEvexForm, kNumEvexForms> t{};
  for (size_t key = 0; key < kNumInsnDefs * 16; ++key)
    if (const uint16_t i = EvexFormIndex(key); i != 0 && !t[i].ok) t[i] = HotEvexFormOfKey(key);
  return t;
}();
static_assert(kNumEvexForms <= 0x10000);

constexpr uint32_t EvexEntry(unsigned cell, unsigned sel) {
  const int def = EvexCellDef(cell, sel);
  if (def < 0) return 0;
  const uint16_t form = EvexFormIndex(static_cast<size_t>(def) * 16 + sel);
  if (form == 0) return 0;
  const InsnDef& d = detail::kInsnDefs[def];
  uint32_t e = form | kEvexHot;
  if (d.attrs & attr::kNoVvvv) e |= kEvexNeedsNoVvvv;
  if (d.attrs & attr::kNoMask) e |= kEvexNoMask;
  if (d.attrs & attr::kNoZero) e |= kEvexNoZero;
  // Zeroing-masking cannot apply to a memory destination (SDM Vol.2 2.7.3).
  if (kEvexForms[form].mem_at == 0) e |= kEvexNoZero;
  for (unsigned i = 0; i < d.num_ops; ++i) {
    if (d.ops[i].method == OperandMethod::kI) e |= kEvexImm8;
    if (d.ops[i].method == OperandMethod::kK) e |= kEvexNeedsR0;
    if (d.ops[i].method == OperandMethod::kG) e |= kEvexNeedsR2Zero;
  }
  return e;
}
constexpr size_t kNumEvexRows = VectorRowsOf<16>(EvexEntry);
constexpr auto kEvexTables = VectorTablesOf<16, kNumEvexRows>(EvexEntry);
// The longest hot EVEX form, 12 bytes (62, three EVEX bytes, opcode, ModRM, SIB, disp32, imm8),
// is within 15: with a full window no length check is needed.

// Decodes EVEX (62 first) in 64-bit mode from a window of kWindow readable bytes of which
// `available` (at most 15) are the caller's.
[[gnu::always_inline]] inline HotResult DecodeHotEvex64(const uint8_t* bytes, size_t available, DecodedInsn& insn,
                                                     unsigned* length_out = nullptr) {
  if constexpr (std::endian::native != std::endian::little) return HotResult::kDeclined;
  const HotTables& t = kHotTables;
  const auto& e = kEvexTables;
  const uint64_t head = LoadLe(bytes, 8);
  // 62 P0 P1 P2 (SDM Vol.2 2.7.1): P0 = R X B R' 0 mmm, P1 = W vvvv 1 pp, P2 = z L'L b V' aaa,
  // with R X B R' vvvv V' inverted.
  const unsigned p0 = (head >> 8) & 0xFF, p1 = (head >> 16) & 0xFF, p2 = (head >> 24) & 0xFF;
  const uint64_t at_op = head >> 32;
  const unsigned opcode = at_op & 0xFF;
  const unsigned modrm = (at_op >> 8) & 0xFF;
  const unsigned sib = (at_op >> 16) & 0xFF;
  const unsigned r = (~p0 >> 7) & 1, x = (~p0 >> 6) & 1, b = (~p0 >> 5) & 1, r2 = (~p0 >> 4) & 1;
  const unsigned w = p1 >> 7, vvvv = (~p1 >> 3) & 15, pp = p1 & 3;
  const unsigned z = p2 >> 7, ll = (p2 >> 5) & 3, v2 = (~p2 >> 3) & 1, aaa = p2 & 7;
  const unsigned cell = (e.map_of_field[p0 & 0xF] * 4u + pp) * 256 + opcode;
  const unsigned sel = w << 3 | ll << 1 | unsigned{modrm >= 0xC0};
  const uint32_t entry = e.entries[e.cell_row[cell] * 16u + sel];
  const uint32_t fails = (vvvv != 0 || v2 ? kEvexNeedsNoVvvv : 0) | (aaa != 0 || z ? kEvexNoMask : 0) |
                         (z ? kEvexNoZero : 0) | (r || r2 ? kEvexNeedsR0 : 0) | (r2 ? kEvexNeedsR2Zero : 0);
  // P1 bit 2 must be 1; EVEX.b (P2 bit 4) is left to the general decoder; zeroing needs an opmask.
  const bool odd = (p1 & 4) == 0 || (p2 & 0x10) != 0 || (z && aaa == 0);
  if ((entry & (kEvexHot | fails)) != kEvexHot || odd) return HotResult::kDeclined;
  const uint32_t modrm_bytes = t.modrm_end[(at_op >> 8) & 0x7FF];  // ModRM, SIB.base
  const unsigned imm_len = (entry & kEvexImm8) != 0;
  const unsigned length = 5 + (modrm_bytes & 0xFF) + imm_len;
  if (available < kMaxInsnLength && length > available) return HotResult::kDeclined;
  const HotEvexForm& f = kEvexForms[entry & 0xFFFF];

  const uint64_t header[4] = {
      f.header0 | uint64_t{(p0 & 3u)} << 48 | at_op << 56,
      modrm | uint64_t{4u << w} << 8 | uint64_t{8} << 16 | uint64_t{1} << 24,
      kSegNoneBits | uint64_t{(0xF2F36600u >> (pp * 8)) & 0xFF} << 24 | uint64_t{ll} << 32 | uint64_t{w} << 40 |
          uint64_t{vvvv} << 48 | uint64_t{aaa} << 56,
      z};
  std::memcpy(static_cast<void*>(&insn), header, sizeof header);
  insn.length = static_cast<uint8_t>(length);
  if (length_out) *length_out = length;

  // The memory operand's words, as DecodeHot64 computes them (EVEX.B and EVEX.X for REX's), and
  // a disp8 times N.
  const HotMemWords mem = HotMemoryWords(t, modrm, sib, modrm_bytes, b << 8, b << 3, x << 8);
  const uint64_t disp = HotDisplacement(t, bytes, length - imm_len, (modrm_bytes >> 8) & 0xFF);
  const unsigned disp_shift = (modrm >> 6) == 1 ? f.disp8_shift : 0;
  const uint64_t scaled_disp = disp << disp_shift;
  const uint64_t imm = bytes[length - 1];

  // The register numbers a slot may name, one per byte (HotEvexForm::reg_byte): 0 ModRM.rm with
  // EVEX.B and X (a vector register), 1 ModRM.reg with EVEX.R and R', 2 vvvv with V', 3 none,
  // 4 ModRM.rm with EVEX.B (a GPR).
  uint8_t regs[8];
  const unsigned rm = (modrm & 7) | b << 3;
  const uint64_t packed = (rm | x << 4) | (((modrm >> 3) & 7) | r << 3 | r2 << 4) << 8 | (vvvv | v2 << 4) << 16 |
                          static_cast<uint64_t>(rm) << 32;
  std::memcpy(regs, &packed, sizeof regs);
  auto* ops = reinterpret_cast<unsigned char*>(insn.operands.data());
  const auto build = [&](unsigned i) __attribute__((always_inline)) {
    const uint64_t imm_sel = static_cast<uint64_t>(static_cast<int64_t>(f.imm_sel[i]));
    const uint64_t words[3] = {f.word0[i] + (uint64_t{regs[f.reg_byte[i]]} << 40), 0, imm & imm_sel};
    std::memcpy(ops + i * sizeof(Operand), words, sizeof words);
  };
  build(0);
  build(1);
  build(2);
  build(3);
  // The memory operand over its slot; where there is none, into a scratch copy (a select, not a
  // branch: which it is varies from one instruction to the next).
  const uint64_t m[3] = {f.mem_word0 | mem.w0, mem.w1, scaled_disp};
  unsigned char scratch[sizeof m];
  unsigned char* const mem_dst = f.mem_at < 4 * sizeof(Operand) ? ops + f.mem_at : scratch;
  std::memcpy(mem_dst, m, sizeof m);
  return HotResult::kDone;
}

}  // namespace
}  // namespace kiln::frontend
