// The fast path for legacy encodings (and VEX in 64-bit mode without a prefix), state in locals.
// Internal to the decoder: part of decoder.cpp's translation unit, which alone includes it (its
// code is inlined into Decode()'s paths), hence the unnamed namespace.
#pragma once

#include "frontend/decode_common.h"

namespace kiln::frontend {
namespace {

// --- the fast path -------------------------------------------------------------------------
//
// Legacy-encoded instructions (97% of libc's code), and VEX in 64-bit mode without a legacy
// prefix (2%), decoded with all state in locals. The general Decoder keeps its state in an
// object whose address its out-of-line VEX/EVEX helpers take, so that state lives in memory,
// and every byte store into the DecodedInsn (a uint8_t may alias anything) forces it to be
// reloaded. The fast path covers the operand forms of the legacy and VEX maps and gives up on
// everything else (EVEX, VSIB, ...) and on every error. When it gives up it may have
// written header fields, which the general decoder resets, and operands: the only check after
// the operands is the length one, and the general decoder writes the same operands before it
// makes that check. Decode() then runs the general decoder from the start. So the result is the
// same whichever path decodes, operands past operand_count included.

// What the fast path knows about an instruction form, computed once per kInsnDefs row.
enum FastFlags : uint8_t {
  kFastOk = 1,         // every operand method is one the fast path builds, no EVEX checks
  kFastNeedsMem = 2,   // an operand is memory only (M): a register form is #UD
  kFastNeedsReg = 4,   // an operand is register only (R, U, N, KR): a memory form is #UD
  kFastNoVvvv = 8,     // VEX: vvvv must be 1111b (0 un-inverted)
  kFastNeedsRexR0 = 16, // VEX: an opmask register in ModRM.reg (K): VEX.R must be 0 (un-inverted)
  kFastNeedsVvvv8 = 32, // VEX: an opmask register in vvvv (KH): vvvv must name 0-7
};

// The operand lists that cover 97% of libc's legacy instructions, each built by straight-line
// code; kShapeGeneric builds any other list one operand at a time.
enum FastShape : uint8_t {
  kShapeGeneric, kShapeNone, kShapeEG, kShapeGE, kShapeJ, kShapeEIs, kShapeGM, kShapeZ,
  kShapeZI, kShapeVW, kShapeEI, kShapeE, kShapeWV, kShapeVHW,
};

struct FastDef {
  uint8_t flags = 0;
  uint8_t shape = kShapeGeneric;
};

constexpr uint8_t FastFlagsOf(const InsnDef& def) {
  constexpr uint32_t kSlowAttrs = attr::kEvex | attr::kVsibOperand | attr::kSibMem | attr::kDistinct |
                                  attr::kDistinctDst;
  if (def.attrs & kSlowAttrs) return 0;
  const bool vex = (def.attrs & attr::kVex) != 0;
  uint8_t flags = kFastOk;
  if (vex && (def.attrs & attr::kNoVvvv)) flags |= kFastNoVvvv;
  for (int i = 0; i < def.num_ops; ++i) {
    switch (def.ops[i].method) {
      case OperandMethod::kM: flags |= kFastNeedsMem; break;
      case OperandMethod::kR: case OperandMethod::kU: case OperandMethod::kN:
        flags |= kFastNeedsReg; break;
      // VEX only: the vvvv register, the register in imm8[7:4] and the opmask registers.
      case OperandMethod::kH: case OperandMethod::kB: case OperandMethod::kL: case OperandMethod::kKE:
        if (!vex) return 0;
        break;
      case OperandMethod::kK:
        if (!vex) return 0;
        flags |= kFastNeedsRexR0;
        break;
      case OperandMethod::kKH:
        if (!vex) return 0;
        flags |= kFastNeedsVvvv8;
        break;
      case OperandMethod::kKR:
        if (!vex) return 0;
        flags |= kFastNeedsReg;
        break;
      case OperandMethod::kE: case OperandMethod::kEv: case OperandMethod::kG:
      case OperandMethod::kZ: case OperandMethod::kFixed: case OperandMethod::kFixedSeg:
      case OperandMethod::kI: case OperandMethod::kIs: case OperandMethod::kOne:
      case OperandMethod::kJ: case OperandMethod::kO: case OperandMethod::kV:
      case OperandMethod::kW: case OperandMethod::kWv: case OperandMethod::kP:
      case OperandMethod::kQ: case OperandMethod::kQv: case OperandMethod::kSt0:
      case OperandMethod::kSti:
        break;
      default: return 0;
    }
  }
  return flags;
}

constexpr uint8_t FastShapeOf(const InsnDef& def) {
  using M = OperandMethod;
  const M m0 = def.ops[0].method, m1 = def.ops[1].method;
  switch (def.num_ops) {
    case 0: return kShapeNone;
    case 1:
      if (m0 == M::kJ) return kShapeJ;
      if (m0 == M::kZ) return kShapeZ;
      if (m0 == M::kE) return kShapeE;
      return kShapeGeneric;
    case 2:
      if (m0 == M::kE && m1 == M::kG) return kShapeEG;
      if (m0 == M::kG && m1 == M::kE) return kShapeGE;
      if (m0 == M::kE && m1 == M::kIs) return kShapeEIs;
      if (m0 == M::kG && m1 == M::kM) return kShapeGM;
      if (m0 == M::kZ && m1 == M::kI) return kShapeZI;
      if (m0 == M::kV && m1 == M::kW) return kShapeVW;
      if (m0 == M::kE && m1 == M::kI) return kShapeEI;
      if (m0 == M::kW && m1 == M::kV) return kShapeWV;
      return kShapeGeneric;
    case 3:
      if (m0 == M::kV && m1 == M::kH && def.ops[2].method == M::kW) return kShapeVHW;
      return kShapeGeneric;
    default: return kShapeGeneric;
  }
}

constexpr auto kFastDefs = [] {
  std::array<FastDef, std::size(detail::kInsnDefs)> t{};
  for (size_t i = 0; i < t.size(); ++i) {
    t[i].flags = FastFlagsOf(detail::kInsnDefs[i]);
    t[i].shape = FastShapeOf(detail::kInsnDefs[i]);
  }
  return t;
}();

// The prefix state the decode tree's selectors read, packed so that the out-of-line walk
// below takes it in one register.
struct WalkContext {
  CpuMode mode;
  bool opsize;
  bool addrsize;
  uint8_t rex;
  uint8_t modrm;  // the byte after the opcode, which is the ModRM byte if a selector needs one
  uint8_t pfx;    // the kSel_pfx column: from 66/F3/F2, or VEX.pp
  uint8_t vex_l;  // VEX.L (0 in legacy encodings)
};

struct WalkResult {
  uint16_t def;     // kInsnDefs index
  bool ok;          // false: no instruction (kInvalid)
  bool read_modrm;  // a selector consumed the ModRM byte
};

// Walks the decode tree below a selector node for a legacy encoding, as Decoder::WalkTree does.
// Out of line: four opcodes in five need no walk, and keeping it out keeps the fast path's
// state in registers.
[[gnu::noinline]] WalkResult WalkLegacyTree(DecodeNode node, WalkContext c) {
  const bool is64 = c.mode == CpuMode::k64, k16 = c.mode == CpuMode::k16;
  const unsigned w = (c.rex >> 3) & 1;
  bool read_modrm = false;
  for (;;) {
    unsigned idx = 0;
    switch (node.kind) {
      case NodeKind::kInvalid: return {0, false, read_modrm};
      case NodeKind::kLeaf: return {node.arg, true, read_modrm};
      case NodeKind::kSel_mode: idx = is64; break;
      case NodeKind::kSel_pfx: idx = c.pfx; break;
      case NodeKind::kSel_w: idx = w; break;
      case NodeKind::kSel_wg: idx = is64 && w; break;
      case NodeKind::kSel_l: idx = c.vex_l; break;
      case NodeKind::kSel_osz: idx = is64 ? (w ? 2 : c.opsize ? 0 : 1) : (k16 != c.opsize ? 0 : 1); break;
      case NodeKind::kSel_asz: idx = is64 ? (c.addrsize ? 1 : 2) : (k16 != c.addrsize ? 0 : 1); break;
      case NodeKind::kSel_rexb: idx = c.rex & 1; break;
      case NodeKind::kSel_mod: read_modrm = true; idx = (c.modrm >> 6) == 3; break;
      case NodeKind::kSel_reg: read_modrm = true; idx = (c.modrm >> 3) & 7; break;
      case NodeKind::kSel_rm: read_modrm = true; idx = c.modrm & 7; break;
    }
    node = detail::kNodes[node.arg + idx];
  }
}

[[gnu::always_inline]] inline Reg LegacyGpr(unsigned index, uint16_t bytes, bool any_rex) {
  // Without REX the index is below 8, so bit 2 alone tells 4-7 from 0-3.
  if (bytes == 1 && !any_rex && (index & 4) != 0)
    return {RegClass::kGpr8High, static_cast<uint8_t>(index - 4)};
  return {kGprClassBySize[bytes & 15], static_cast<uint8_t>(index)};
}

[[gnu::always_inline]] inline Reg VectorRegOfSize(unsigned index, uint16_t bytes) {
  const RegClass cls = bytes > 32 ? RegClass::kZmm : bytes > 16 ? RegClass::kYmm : RegClass::kXmm;
  return {cls, static_cast<uint8_t>(index)};
}


// The fast path builds an Operand as its three 64-bit words (see RegBits) and stores those; on a
// big-endian host the fields are set one by one.
[[gnu::always_inline]] inline Operand OperandFromWords(uint64_t w0, uint64_t w1, uint64_t w2) {
  Operand op;
  if constexpr (std::endian::native == std::endian::little) {
    const uint64_t words[3] = {w0, w1, w2};
    std::memcpy(static_cast<void*>(&op), words, sizeof words);
  } else {
    op.kind = static_cast<OperandKind>(w0 & 0xFF);
    op.seg = static_cast<Seg>((w0 >> 8) & 0xFF);
    op.size = static_cast<uint16_t>(w0 >> 16);
    op.reg = {static_cast<RegClass>((w0 >> 32) & 0xFF), static_cast<uint8_t>(w0 >> 40)};
    op.base = {static_cast<RegClass>((w0 >> 48) & 0xFF), static_cast<uint8_t>(w0 >> 56)};
    op.index = {static_cast<RegClass>(w1 & 0xFF), static_cast<uint8_t>(w1 >> 8)};
    op.scale = static_cast<uint8_t>(w1 >> 16);
    op.value = static_cast<int64_t>(w2);
  }
  return op;
}

[[gnu::always_inline]] inline Operand RegOperand(Reg reg, uint16_t bytes) {
  return OperandFromWords(static_cast<uint64_t>(OperandKind::kReg) | kSegNoneBits |
                              static_cast<uint64_t>(bytes) << 16 | RegBits(reg) << 32,
                          0, 0);
}

[[gnu::always_inline]] inline Operand ImmOperand(OperandKind kind, int64_t value, uint16_t bytes) {
  return OperandFromWords(static_cast<uint64_t>(kind) | kSegNoneBits | static_cast<uint64_t>(bytes) << 16,
                          0, static_cast<uint64_t>(value));
}

[[gnu::always_inline]] inline int64_t SignExtend(uint64_t v, int n) {
  return n == 1 ? static_cast<int8_t>(v) : n == 2 ? static_cast<int16_t>(v) : static_cast<int32_t>(v);
}

// A memory operand's addressing form as the words of its Operand (see OperandFromWords): the
// base register and the default segment in word 0, the index and scale in word 1, the
// displacement in word 2. Built directly, so that the fast path keeps three values, not five.
struct MemWords {
  uint64_t w0 = static_cast<uint64_t>(Seg::kDs) << 8;
  uint64_t w1 = 0;
  int64_t disp = 0;
};

[[gnu::always_inline]] inline MemWords ToMemWords(const AddressForm& a) {
  return {RegBits(a.base) << 48 | static_cast<uint64_t>(a.default_seg) << 8,
          RegBits(a.index) | static_cast<uint64_t>(a.scale) << 16, a.disp};
}

// 32- and 64-bit addressing (SDM Vol.2 Tables 2-2 and 2-3), as DecodeAddressAt decodes it.
[[gnu::always_inline]] inline MemWords DecodeMem32(const uint8_t* bytes, unsigned& pos, unsigned mod,
                                                   unsigned rm, unsigned rex, unsigned address_size,
                                                   bool is64) {
  const uint64_t cls = static_cast<uint64_t>(address_size == 8 ? RegClass::kGpr64 : RegClass::kGpr32);
  MemWords m;
  unsigned base = rm;
  bool has_base = true;
  unsigned disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const uint8_t sib = bytes[pos++];
    const unsigned index = ((sib >> 3) & 7) | ((rex & 2) << 2);
    base = sib & 7;
    if (index != 4) m.w1 = cls | index << 8 | static_cast<uint64_t>(1u << (sib >> 6)) << 16;
    if (base == 5 && mod == 0) {
      has_base = false;
      disp_bytes = 4;
    }
  } else if (rm == 5 && mod == 0) {
    disp_bytes = 4;
    has_base = false;
    if (is64) m.w0 |= RegBits({RegClass::kIp, 0}) << 48;  // RIP-relative
  }
  if (has_base) {
    base |= (rex & 1) << 3;
    const Seg seg = base == 4 || base == 5 ? Seg::kSs : Seg::kDs;
    m.w0 = (cls | static_cast<uint64_t>(base) << 8) << 48 | static_cast<uint64_t>(seg) << 8;
  }
  if (disp_bytes == 1) m.disp = static_cast<int8_t>(bytes[pos]);
  else if (disp_bytes == 4) m.disp = static_cast<int32_t>(LoadLe(bytes + pos, 4));
  pos += disp_bytes;
  return m;
}

// How a fast-path attempt ended.
enum class FastResult : uint8_t {
  kDone,       // `insn` holds the instruction
  kFallback,   // run the general decoder
  kPrefixed,   // a legacy prefix: run FastDecoder<true>
};

// kPrefixes = false is the instantiation for instructions without legacy prefixes (REX aside),
// nine in ten in libc: the prefix state is then constant and folds away. kIs64 = true is
// 64-bit mode, where the mode-dependent choices fold away too.
template <bool kPrefixes, bool kIs64>
class FastDecoder {
 public:
  FastDecoder(const uint8_t* window, CpuMode mode) : bytes_(window), mode_(mode) {}

  /// Decodes a legacy-encoded instruction. kDone: `insn` holds exactly what the general decoder
  /// would produce (status kOk). Otherwise `insn` may hold a partly written header, which the
  /// general decoder resets, and operands that it will write again with the same values.
  FastResult Run(size_t available, DecodedInsn& insn);

 private:
  FastResult ParsePrefixes();
  bool ParseOpcode();
  bool ParseVex(uint8_t first);
  const InsnDef* FindDef();
  void ReadModRm();
  void SetSizes(uint32_t attrs, bool opsize);
  [[gnu::always_inline]] uint16_t SizeBytes(OperandSize size) const {
    if (size == OperandSize::k_adr) return address_size_;
    return kSizeTable[static_cast<size_t>(size)][size_column_];
  }
  [[gnu::always_inline]] uint64_t ReadImm(int n) {
    const uint64_t v = LoadLe(bytes_ + pos_, n);
    pos_ += static_cast<unsigned>(n);
    return v;
  }
  Operand Memory(uint16_t bytes) const;
  // The operand forms that the shapes combine (SDM Vol.2 A.2.1 letters).
  [[gnu::always_inline]] Operand RmGpr(OperandSize size) const {  // E
    const uint16_t bytes = SizeBytes(size);
    return is_mem_ ? Memory(bytes) : RegOperand(LegacyGpr(RmFull(), bytes, rex_ != 0), bytes);
  }
  [[gnu::always_inline]] Operand RegGpr(OperandSize size) const {  // G
    const uint16_t bytes = SizeBytes(size);
    return RegOperand(LegacyGpr(RegFull(), bytes, rex_ != 0), bytes);
  }
  [[gnu::always_inline]] Operand OpcodeGpr(OperandSize size) const {  // Z
    const uint16_t bytes = SizeBytes(size);
    return RegOperand(LegacyGpr((opcode_ & 7) | (RexB() << 3), bytes, rex_ != 0), bytes);
  }
  [[gnu::always_inline]] Operand Imm(OperandSize size) {  // I: Iz is at most 4 bytes; Iv (MOV r64, imm64) is 8
    const int n = size == OperandSize::k_z ? (operand_size_ == 2 ? 2 : 4) : SizeBytes(size);
    return ImmOperand(OperandKind::kImm, static_cast<int64_t>(ReadImm(n)), static_cast<uint16_t>(n));
  }
  [[gnu::always_inline]] Operand SignedImm(OperandSize size) {  // Is
    const int n = size == OperandSize::k_b ? 1 : (operand_size_ == 2 ? 2 : 4);
    return ImmOperand(OperandKind::kImm, SignExtend(ReadImm(n), n), operand_size_);
  }
  [[gnu::always_inline]] Operand Relative(OperandSize size) {  // J
    const int n = size == OperandSize::k_b ? 1 : (operand_size_ == 2 ? 2 : 4);
    return ImmOperand(OperandKind::kRel, SignExtend(ReadImm(n), n), static_cast<uint16_t>(n));
  }
  [[gnu::always_inline]] Operand RegVector(OperandSize size) const {  // V
    const uint16_t bytes = SizeBytes(size);
    return RegOperand(VectorRegOfSize(RegFull(), bytes), bytes);
  }
  [[gnu::always_inline]] Operand RmVector(OperandSize size) const {  // W
    const uint16_t bytes = SizeBytes(size);
    return is_mem_ ? Memory(bytes) : RegOperand(VectorRegOfSize(RmFull(), bytes), bytes);
  }
  [[gnu::always_inline]] Operand VvvvVector(OperandSize size) const {  // H
    const uint16_t bytes = SizeBytes(size);
    return RegOperand(VectorRegOfSize(vvvv_, bytes), bytes);
  }
  Operand BuildOperand(const OperandSpec& spec);
  void BuildOperands(const InsnDef& def, uint8_t shape, DecodedInsn& insn);
  void WriteHeader(const InsnDef& def, uint8_t mandatory_prefix, DecodedInsn& insn) const;

  bool Is64() const { return kIs64; }
  CpuMode Mode() const { return kIs64 ? CpuMode::k64 : mode_; }
  // VEX is decoded here in 64-bit mode without legacy prefixes (the common case; the general
  // decoder takes the rest): elsewhere the VEX state is constant and folds away.
  static constexpr bool kVexHere = kIs64 && !kPrefixes;
  bool IsVex() const { return kVexHere && vex_; }
  // The kSel_pfx column: 66, F3, F2 in legacy encodings, VEX.pp (in the same order) in VEX.
  unsigned PfxColumn() const {
    if (IsVex()) return vex_pp_;
    return LastRep() == 0xF3 ? 2 : LastRep() == 0xF2 ? 3 : OpsizePrefix() ? 1 : 0;
  }
  // The legacy prefix state (constant without legacy prefixes).
  uint8_t LastRep() const { return kPrefixes ? last_rep_ : 0; }
  bool OpsizePrefix() const { return kPrefixes && opsize_prefix_; }
  bool AddrsizePrefix() const { return kPrefixes && addrsize_prefix_; }
  bool LockPrefix() const { return kPrefixes && lock_; }
  Seg SegmentPrefix() const { return kPrefixes ? segment_prefix_ : Seg::kNone; }
  Seg EffectiveSeg() const { return kPrefixes ? effective_seg_ : Seg::kNone; }
  unsigned RexW() const { return (rex_ >> 3) & 1; }
  unsigned RexR() const { return (rex_ >> 2) & 1; }
  unsigned RexB() const { return rex_ & 1; }
  unsigned RegFull() const { return reg_ | (RexR() << 3); }
  unsigned RmFull() const { return rm_ | (RexB() << 3); }

  const uint8_t* bytes_;
  unsigned pos_ = 0;
  CpuMode mode_;
  uint8_t rex_ = 0;  // the REX byte directly before the opcode, 0 when none; in VEX, 0x40 and
                     // VEX's W, R, X and B un-inverted (so that byte registers are never AH..BH)
  bool vex_ = false;
  uint8_t vex_pp_ = 0, vex_l_ = 0, vvvv_ = 0;  // VEX fields, un-inverted
  uint8_t last_rep_ = 0;
  bool opsize_prefix_ = false;
  bool addrsize_prefix_ = false;
  bool lock_ = false;
  Seg segment_prefix_ = Seg::kNone;  // the last segment prefix (Prefixes::segment)
  Seg effective_seg_ = Seg::kNone;   // the override that applies to memory operands
  unsigned map_index_ = 0;
  OpcodeMap map_ = OpcodeMap::kPrimary;
  uint8_t opcode_ = 0;
  bool modrm_read_ = false;
  uint8_t modrm_ = 0, mod_ = 0, reg_ = 0, rm_ = 0;
  bool is_mem_ = false;
  MemWords mem_;  // when is_mem_
  uint8_t operand_size_ = 4;
  uint8_t address_size_ = 8;
  unsigned size_column_ = 0;
};

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline FastResult FastDecoder<kPrefixes, kIs64>::ParsePrefixes() {
  if constexpr (!kPrefixes) {
    // At most one REX and no legacy prefix: taken without a branch on whether there is a REX
    // (about every second instruction in 64-bit code has one, so such a branch mispredicts).
    const uint8_t b = bytes_[0];
    const bool is_rex = Is64() && (b & 0xF0) == 0x40;
    rex_ = is_rex ? b : 0;
    pos_ = is_rex ? 1 : 0;
    const uint8_t cls = kPrefixClasses[bytes_[pos_]];
    if (cls == kNotPrefix || (cls == kRexPrefix && !Is64())) return FastResult::kDone;
    return FastResult::kPrefixed;  // a legacy prefix, or REX before another prefix
  }
  for (;;) {
    const uint8_t b = bytes_[pos_];
    const uint8_t cls = kPrefixClasses[b];
    if (cls == kNotPrefix || (cls == kRexPrefix && !Is64())) return FastResult::kDone;
    if (!kPrefixes && cls != kRexPrefix) return FastResult::kPrefixed;
    if (pos_ >= static_cast<unsigned>(kMaxInsnLength) - 1) return FastResult::kFallback;  // too long
    ++pos_;
    if (cls == kRexPrefix) {
      rex_ = b;
      continue;
    }
    rex_ = 0;  // REX counts only directly before the opcode (SDM Vol.2 2.2.1)
    switch (cls) {
      case kLockPrefix: lock_ = true; break;
      case kRepPrefix: last_rep_ = b; break;
      case kOpsizePrefix: opsize_prefix_ = true; break;
      case kAddrsizePrefix: addrsize_prefix_ = true; break;
      default: {
        const Seg seg = SegOfPrefix(b);
        segment_prefix_ = seg;
        // In 64-bit mode ES/CS/SS/DS overrides are null prefixes (see Decoder::SegmentPrefix).
        if (!Is64() || seg == Seg::kFs || seg == Seg::kGs) effective_seg_ = seg;
        break;
      }
    }
  }
}

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline bool FastDecoder<kPrefixes, kIs64>::ParseOpcode() {
  const uint8_t b = bytes_[pos_++];
  if (b == 0x0F) {
    const uint8_t b1 = bytes_[pos_++];
    if (b1 == 0x38 || b1 == 0x3A) {
      map_index_ = b1 == 0x38 ? detail::kMap0F38 : detail::kMap0F3A;
      map_ = b1 == 0x38 ? OpcodeMap::k0F38 : OpcodeMap::k0F3A;
      opcode_ = bytes_[pos_++];
      return true;
    }
    map_index_ = detail::kMap0F;
    map_ = OpcodeMap::k0F;
    opcode_ = b1;
    return true;
  }
  // VEX, EVEX (and outside 64-bit mode LES/LDS/BOUND, told apart by the next byte).
  if (b == 0xC4 || b == 0xC5 || b == 0x62) {
    if constexpr (kVexHere) {
      if (b != 0x62) return ParseVex(b);
    }
    return false;
  }
  map_index_ = detail::kMap00;
  opcode_ = b;
  return true;
}

// VEX in 64-bit mode, as Decoder::ParseVex decodes it (SDM Vol.2 2.3.5, 2.3.6); false for the
// general decoder to report what is wrong.
template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline bool FastDecoder<kPrefixes, kIs64>::ParseVex(uint8_t first) {
  if (rex_ != 0) return false;  // VEX after REX is #UD
  const uint8_t b1 = bytes_[pos_++];
  unsigned mmmmm = 1, wrxb = (~b1 >> 5) & 4;  // R
  uint8_t rest = b1;
  if (first == 0xC4) {
    mmmmm = b1 & 0x1F;
    rest = bytes_[pos_++];
    wrxb = ((~b1 >> 5) & 7) | ((rest >> 4) & 8);  // R X B, W
  }
  if (mmmmm < 1 || mmmmm > 3) return false;
  static constexpr uint8_t kMapIndex[4] = {0, detail::kMapV0F, detail::kMapV0F38, detail::kMapV0F3A};
  map_index_ = kMapIndex[mmmmm];
  map_ = static_cast<OpcodeMap>(mmmmm);
  vex_ = true;
  rex_ = static_cast<uint8_t>(0x40 | wrxb);
  vvvv_ = (~rest >> 3) & 0xF;
  vex_l_ = (rest >> 2) & 1;
  vex_pp_ = rest & 3;
  opcode_ = bytes_[pos_++];
  return true;
}

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline void FastDecoder<kPrefixes, kIs64>::ReadModRm() {
  if (modrm_read_) return;
  modrm_ = bytes_[pos_++];
  modrm_read_ = true;
  mod_ = modrm_ >> 6;
  reg_ = (modrm_ >> 3) & 7;
  rm_ = modrm_ & 7;
}

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline const InsnDef* FastDecoder<kPrefixes, kIs64>::FindDef() {
  DecodeNode node = detail::kNodes[map_index_ * 256 + opcode_];
  if (node.kind == NodeKind::kLeaf) return &detail::kInsnDefs[node.arg];
  // The first selector inline for the common kinds (in libc: groups like 83 and FF select on
  // ModRM.reg, LEA and C7 on ModRM.mod, SSE forms on the prefix), deeper levels out of line.
  switch (node.kind) {
    case NodeKind::kSel_reg: ReadModRm(); node = detail::kNodes[node.arg + reg_]; break;
    case NodeKind::kSel_mod: ReadModRm(); node = detail::kNodes[node.arg + (mod_ == 3)]; break;
    case NodeKind::kSel_pfx: node = detail::kNodes[node.arg + PfxColumn()]; break;
    case NodeKind::kSel_mode: node = detail::kNodes[node.arg + Is64()]; break;
    default: break;
  }
  if (node.kind == NodeKind::kLeaf) return &detail::kInsnDefs[node.arg];
  const uint8_t modrm = modrm_read_ ? modrm_ : bytes_[pos_];
  const WalkResult w = WalkLegacyTree(node, {Mode(), OpsizePrefix(), AddrsizePrefix(), rex_, modrm,
                                             static_cast<uint8_t>(PfxColumn()), vex_l_});
  if (!w.ok) return nullptr;
  if (w.read_modrm) ReadModRm();
  return &detail::kInsnDefs[w.def];
}

// Effective operand and address sizes (SDM Vol.1 3.6.1, Table 3-4).
template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline void FastDecoder<kPrefixes, kIs64>::SetSizes(uint32_t a, bool opsize) {
  if (Is64()) {
    // Selects rather than branches: REX.W and the forms vary from one instruction to the next.
    const uint8_t narrow = opsize ? 2 : (a & attr::kDefault64) ? 8 : 4;
    operand_size_ = ((a & attr::kForce64) || RexW()) ? 8 : narrow;
    address_size_ = AddrsizePrefix() ? 4 : 8;
  } else {
    const bool k16 = Mode() == CpuMode::k16;
    operand_size_ = k16 != opsize ? 2 : 4;
    address_size_ = k16 != AddrsizePrefix() ? 2 : 4;
  }
  // The kSizeTable column; the vector length is 128 bits in legacy encodings (vex_l_ = 0).
  static constexpr uint8_t kOszColumn[16] = {0, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
  size_column_ = (Is64() ? 9u : 0u) + kOszColumn[operand_size_ & 15] + (IsVex() ? vex_l_ : 0u);
}

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline Operand FastDecoder<kPrefixes, kIs64>::Memory(uint16_t bytes) const {
  uint64_t w0 = mem_.w0 | static_cast<uint64_t>(OperandKind::kMem) | static_cast<uint64_t>(bytes) << 16;
  if (EffectiveSeg() != Seg::kNone) w0 = (w0 & ~uint64_t{0xFF00}) | static_cast<uint64_t>(EffectiveSeg()) << 8;
  return OperandFromWords(w0, mem_.w1, static_cast<uint64_t>(mem_.disp));
}

// One operand of any fast method, as Decoder::BuildOperand builds it for a legacy encoding.
// The checks that can fail there (M, R, U, N) were made by the caller.
template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline Operand FastDecoder<kPrefixes, kIs64>::BuildOperand(const OperandSpec& spec) {
  const uint16_t bytes = SizeBytes(spec.size);
  switch (spec.method) {
    case OperandMethod::kE: return RmGpr(spec.size);
    case OperandMethod::kEv: {
      if (is_mem_) return Memory(bytes);
      const uint16_t rbytes = SizeBytes(static_cast<OperandSize>(spec.extra));
      return RegOperand(LegacyGpr(RmFull(), rbytes, rex_ != 0), rbytes);
    }
    case OperandMethod::kM: return Memory(bytes);
    case OperandMethod::kR: return RegOperand(LegacyGpr(RmFull(), bytes, rex_ != 0), bytes);
    case OperandMethod::kG: return RegGpr(spec.size);
    case OperandMethod::kZ: return OpcodeGpr(spec.size);
    case OperandMethod::kFixed:
      if (bytes == 1) return RegOperand({RegClass::kGpr8, spec.extra}, bytes);
      return RegOperand(LegacyGpr(spec.extra, bytes, rex_ != 0), bytes);
    case OperandMethod::kFixedSeg: return RegOperand({RegClass::kSeg, spec.extra}, 2);
    case OperandMethod::kI: return Imm(spec.size);
    case OperandMethod::kIs: return SignedImm(spec.size);
    case OperandMethod::kOne: return ImmOperand(OperandKind::kImm, 1, 1);
    case OperandMethod::kJ: return Relative(spec.size);
    case OperandMethod::kO:
      mem_ = MemWords{};
      mem_.disp = static_cast<int64_t>(ReadImm(address_size_));
      return Memory(bytes);
    case OperandMethod::kV: return RegVector(spec.size);
    case OperandMethod::kW: return RmVector(spec.size);
    case OperandMethod::kWv: {
      if (is_mem_) return Memory(bytes);
      const uint16_t rbytes = SizeBytes(static_cast<OperandSize>(spec.extra));
      return RegOperand(VectorRegOfSize(RmFull(), rbytes), rbytes);
    }
    case OperandMethod::kU: return RegOperand(VectorRegOfSize(RmFull(), bytes), bytes);
    case OperandMethod::kP: return RegOperand({RegClass::kMmx, reg_}, bytes);
    case OperandMethod::kQ:
      return is_mem_ ? Memory(bytes) : RegOperand({RegClass::kMmx, rm_}, bytes);
    case OperandMethod::kQv:
      if (is_mem_) return Memory(bytes);
      return RegOperand({RegClass::kMmx, rm_}, SizeBytes(static_cast<OperandSize>(spec.extra)));
    case OperandMethod::kN: return RegOperand({RegClass::kMmx, rm_}, bytes);
    case OperandMethod::kSt0: return RegOperand({RegClass::kSt, 0}, 10);
    case OperandMethod::kSti: return RegOperand({RegClass::kSt, rm_}, 10);
    // VEX only (FastFlagsOf; the checks that can fail were made by the caller).
    case OperandMethod::kH: return VvvvVector(spec.size);
    case OperandMethod::kB: return RegOperand(LegacyGpr(vvvv_, bytes, true), bytes);
    case OperandMethod::kL: return RegOperand(VectorRegOfSize(static_cast<unsigned>(ReadImm(1) >> 4), bytes), bytes);
    case OperandMethod::kK: return RegOperand({RegClass::kMask, reg_}, 8);
    case OperandMethod::kKH: return RegOperand({RegClass::kMask, vvvv_}, 8);
    case OperandMethod::kKR: return RegOperand({RegClass::kMask, rm_}, 8);
    case OperandMethod::kKE: return is_mem_ ? Memory(bytes) : RegOperand({RegClass::kMask, rm_}, 8);
    default: return Operand{};  // not reached: FastFlagsOf admits only the methods above
  }
}

// Operands in order, so that immediates are read in encoding order.
template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline void FastDecoder<kPrefixes, kIs64>::BuildOperands(const InsnDef& def, uint8_t shape,
                                                              DecodedInsn& insn) {
  const OperandSize s0 = def.ops[0].size, s1 = def.ops[1].size;
  auto& ops = insn.operands;
  switch (shape) {
    case kShapeNone: return;
    case kShapeEG: ops[0] = RmGpr(s0); ops[1] = RegGpr(s1); return;
    case kShapeGE: ops[0] = RegGpr(s0); ops[1] = RmGpr(s1); return;
    case kShapeJ: ops[0] = Relative(s0); return;
    case kShapeEIs: ops[0] = RmGpr(s0); ops[1] = SignedImm(s1); return;
    case kShapeGM: ops[0] = RegGpr(s0); ops[1] = Memory(SizeBytes(s1)); return;
    case kShapeZ: ops[0] = OpcodeGpr(s0); return;
    case kShapeZI: ops[0] = OpcodeGpr(s0); ops[1] = Imm(s1); return;
    case kShapeVW: ops[0] = RegVector(s0); ops[1] = RmVector(s1); return;
    case kShapeEI: ops[0] = RmGpr(s0); ops[1] = Imm(s1); return;
    case kShapeE: ops[0] = RmGpr(s0); return;
    case kShapeWV: ops[0] = RmVector(s0); ops[1] = RegVector(s1); return;
    case kShapeVHW: ops[0] = RegVector(s0); ops[1] = VvvvVector(s1); ops[2] = RmVector(def.ops[2].size); return;
    default:
      for (int i = 0; i < def.num_ops; ++i) ops[i] = BuildOperand(def.ops[i]);
      return;
  }
}

// The header fields known once the instruction form is: written as soon as they are known,
// so that they need not stay live (DecodeGeneral rewrites the whole header if the fast path
// gives up later). The ModRM byte and the length are written when known.
template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline void FastDecoder<kPrefixes, kIs64>::WriteHeader(const InsnDef& def, uint8_t mandatory_prefix,
                                                                       DecodedInsn& insn) const {
  std::memset(static_cast<void*>(&insn), 0, offsetof(DecodedInsn, operands));
  insn.mnemonic = def.mnemonic;
  insn.operand_count = def.num_ops;
  insn.mode = Mode();
  insn.map = map_;
  insn.opcode = opcode_;
  insn.operand_size = operand_size_;
  insn.address_size = address_size_;
  Prefixes& p = insn.prefixes;
  p.lock = LockPrefix();
  p.operand_size = OpsizePrefix();
  p.address_size = AddrsizePrefix();
  p.segment = SegmentPrefix();
  p.rex = IsVex() ? 0 : rex_;
  p.mandatory = mandatory_prefix;
  p.vex_w = RexW() != 0;
  if (IsVex()) {
    insn.encoding = Encoding::kVex;
    p.vex_l = vex_l_;
    p.vvvv = vvvv_;
  }
  if (kPrefixes && mandatory_prefix != 0xF3 && mandatory_prefix != 0xF2) {
    if (def.attrs & attr::kRep) p.rep = LastRep() == 0xF3;
    if (def.attrs & attr::kRepCc) {
      p.rep = LastRep() == 0xF3;
      p.repne = LastRep() == 0xF2;
    }
  }
}

template <bool kPrefixes, bool kIs64>
[[gnu::always_inline]] inline FastResult FastDecoder<kPrefixes, kIs64>::Run(size_t available, DecodedInsn& insn) {
  if (const FastResult r = ParsePrefixes(); r != FastResult::kDone) return r;
  if (!ParseOpcode()) return FastResult::kFallback;
  const InsnDef* def = FindDef();
  if (def == nullptr) return FastResult::kFallback;
  const FastDef fast = kFastDefs[static_cast<size_t>(def - detail::kInsnDefs)];
  if (!(fast.flags & kFastOk)) return FastResult::kFallback;
  const uint32_t a = def->attrs;

  // A mandatory prefix that selected the opcode loses its legacy meaning (SDM Vol.2 2.1.2); in
  // VEX, pp stands for it.
  const bool mandatory = (a & attr::kMandatory) != 0;
  static constexpr uint8_t kPp[4] = {0, 0x66, 0xF3, 0xF2};
  const uint8_t mandatory_prefix = IsVex() ? kPp[vex_pp_] : mandatory ? (LastRep() ? LastRep() : 0x66) : 0;
  SetSizes(a, OpsizePrefix() && mandatory_prefix != 0x66);
  if ((a & attr::kNoRep) && LastRep() && !mandatory) return FastResult::kFallback;
  if (IsVex()) {
    // Decoder::CheckVexFields and the opmask operands' checks (Decoder::BuildOperand).
    if ((fast.flags & kFastNoVvvv) && vvvv_ != 0) return FastResult::kFallback;
    if ((fast.flags & kFastNeedsRexR0) && RexR()) return FastResult::kFallback;
    if ((fast.flags & kFastNeedsVvvv8) && vvvv_ > 7) return FastResult::kFallback;
  }
  WriteHeader(*def, mandatory_prefix, insn);
  if (a & attr::kHasModRm) {
    ReadModRm();
    is_mem_ = mod_ != 3 && !(a & attr::kForceReg);
    if (is_mem_) {
      SibFields sib;
      mem_ = address_size_ == 2 ? ToMemWords(DecodeAddressAt(bytes_, pos_, mod_, rm_, rex_, 2, false, sib))
                                : DecodeMem32(bytes_, pos_, mod_, rm_, rex_, address_size_, Is64());
    }
  }
  insn.modrm = modrm_;
  insn.has_modrm = modrm_read_;
  // The general decoder's failures, checked before any operand is written.
  if ((fast.flags & kFastNeedsMem) && !is_mem_) return FastResult::kFallback;
  if ((fast.flags & kFastNeedsReg) && is_mem_) return FastResult::kFallback;
  if (LockPrefix() && (!(a & attr::kLock) || !is_mem_)) return FastResult::kFallback;

  BuildOperands(*def, fast.shape, insn);
  // Past the caller's bytes (or 15): the general decoder reports kNeedMoreBytes or kTooLong.
  if (pos_ > available) return FastResult::kFallback;
  insn.length = static_cast<uint8_t>(pos_);
  return FastResult::kDone;
}

}  // namespace
}  // namespace kiln::frontend
