// The general decoder: every encoding and every check, with its state in an object (Decoder).
// References: Intel SDM Vol.2 chapter 2 (instruction format) and appendix A (opcode maps).
// Internal to the decoder: part of decoder.cpp's translation unit, which alone includes it (its
// code is inlined into Decode()'s paths), hence the unnamed namespace.
#pragma once

#include "frontend/decode_common.h"

namespace kiln::frontend {
namespace {

class Decoder {
 public:
  Decoder(const uint8_t* window, CpuMode mode, DecodedInsn& insn)
      : bytes_(window), mode_(mode), insn_(insn) {}

  DecodeStatus Run();
  /// How far decoding looked: every byte before this index was examined.
  size_t Extent() const { return std::max(pos_, peeked_); }

 private:
  bool Next(uint8_t& out) {
    out = bytes_[pos_++];
    return true;
  }
  bool Peek(uint8_t& out) {
    out = bytes_[pos_];
    peeked_ = std::max(peeked_, pos_ + 1);
    return true;
  }
  // Reads a little-endian value of `n` bytes (1, 2, 4 or 8).
  bool NextLe(int n, uint64_t& out) {
    out = LoadLe(bytes_ + pos_, n);
    pos_ += static_cast<size_t>(n);
    return true;
  }
  bool Fail(DecodeStatus s) {
    status_ = s;
    return false;
  }

  bool ParsePrefixes();
  void SegmentPrefix(Seg seg) {
    insn_.prefixes.segment = seg;
    // In 64-bit mode ES/CS/SS/DS overrides are null prefixes: they do not even cancel an
    // earlier FS/GS override (SDM Vol.1 3.4.2.1; AMD APM Vol.3 1.2.4).
    if (!Is64() || seg == Seg::kFs || seg == Seg::kGs) effective_seg_ = seg;
  }
  bool ParseOpcode();
  [[gnu::noinline]] bool ParseVex(uint8_t first);
  [[gnu::noinline]] bool ParseEvex();
  bool WalkTree(const InsnDef*& def);
  bool ReadModRm();
  bool DecodeAddress();
  bool BuildOperands(const InsnDef& def);
  [[gnu::noinline]] bool RegistersDistinct(uint32_t attrs) const;
  [[gnu::noinline]] bool CheckEvexB(uint32_t attrs);
  [[gnu::noinline]] bool CheckVexFields(uint32_t attrs, bool vsib);
  [[gnu::noinline]] void ApplyEvexMemory(uint32_t attrs, bool vsib);
  bool BuildOperand(const OperandSpec& spec, int n, Operand& op);
  uint16_t SizeBytes(OperandSize size) const;
  Reg Gpr(unsigned index, uint16_t bytes) const;
  Reg VectorReg(unsigned index, uint16_t bytes) const;
  void SetMemory(Operand& op, uint16_t bytes) const;

  bool Is64() const { return mode_ == CpuMode::k64; }
  unsigned Vvvv() const { return Is64() ? insn_.prefixes.vvvv : insn_.prefixes.vvvv & 7u; }
  bool RexW() const { return (rex_ & 8) != 0; }
  unsigned RexR() const { return (rex_ >> 2) & 1; }
  unsigned RexX() const { return (rex_ >> 1) & 1; }
  unsigned RexB() const { return rex_ & 1; }

  const uint8_t* bytes_;  // the read window (kWindow readable bytes)
  size_t pos_ = 0;
  size_t peeked_ = 0;
  CpuMode mode_;
  DecodedInsn& insn_;
  DecodeStatus status_ = DecodeStatus::kOk;

  // Prefix state.
  uint8_t last_rep_ = 0;  // last F2/F3 seen
  bool opsize_prefix_ = false;
  bool addrsize_prefix_ = false;
  bool lock_ = false;
  Seg effective_seg_ = Seg::kNone;  // the override that applies to memory operands
  uint8_t rex_ = 0;  // REX bits (W R X B in bits 3..0), also filled from VEX/EVEX
  Encoding encoding_ = Encoding::kLegacy;
  int map_ = 0;      // table map index (kMap00 ...)
  uint8_t vex_pp_ = 0;
  uint8_t opcode_ = 0;

  // ModRM state.
  bool modrm_read_ = false;
  uint8_t mod_ = 0, reg_ = 0, rm_ = 0;
  AddressForm addr_;
  bool is_mem_ = false;
  bool vsib_ok_ = false;  // a SIB byte was present (VSIB needs one)
  // The operand-size column of kSizeTable for this instruction (set with operand_size_).
  unsigned size_column_ = 0;
  uint8_t vsib_index_ = 0, vsib_scale_ = 0;

  // EVEX state: the un-inverted R' and V' register extensions (bit 4 of a register number).
  uint8_t evex_r2_ = 0, evex_v2_ = 0;
  uint8_t evex_v_bit_raw_ = 1;

  uint8_t operand_size_ = 4;
  uint8_t address_size_ = 8;
};

bool Decoder::ParsePrefixes() {
  for (;;) {
    const uint8_t b = bytes_[pos_];
    const uint8_t cls = kPrefixClasses[b];
    if (cls == kNotPrefix || (cls == kRexPrefix && !Is64())) return true;
    if (pos_ >= static_cast<size_t>(kMaxInsnLength) - 1) {
      // Fifteen bytes and still no opcode: too long (Decode() reports it from the extent).
      pos_ = kMaxInsnLength + 1;
      return Fail(DecodeStatus::kTooLong);
    }
    ++pos_;
    if (cls == kRexPrefix) {
      // REX counts only directly before the opcode (SDM Vol.2 2.2.1): a later legacy prefix
      // cancels it, so it is recorded here and cleared by the next prefix.
      rex_ = b & 0x0F;
      insn_.prefixes.rex = b;
      continue;
    }
    rex_ = 0;
    insn_.prefixes.rex = 0;
    switch (cls) {
      case kLockPrefix: lock_ = true; break;
      case kRepPrefix: last_rep_ = b; break;
      case kOpsizePrefix: opsize_prefix_ = true; break;
      case kAddrsizePrefix: addrsize_prefix_ = true; break;
      default: SegmentPrefix(SegOfPrefix(b)); break;
    }
  }
}

// --- opcode, VEX, EVEX -------------------------------------------------------------------

bool Decoder::ParseVex(uint8_t first) {
  // VEX may not follow 66, F2, F3, LOCK or REX (SDM Vol.2 2.3.2).
  if (opsize_prefix_ || last_rep_ || lock_ || insn_.prefixes.rex) return Fail(DecodeStatus::kInvalid);
  encoding_ = Encoding::kVex;
  uint8_t b1;
  if (!Next(b1)) return false;
  uint8_t r = (~b1 >> 7) & 1;
  uint8_t x = 0, b = 0, w = 0, mmmmm = 1, rest;
  if (first == 0xC4) {
    x = (~b1 >> 6) & 1;
    b = (~b1 >> 5) & 1;
    mmmmm = b1 & 0x1F;
    if (!Next(rest)) return false;
    w = rest >> 7;
  } else {
    rest = b1;
  }
  if (!Is64()) {
    // Outside 64-bit mode R and X are 1 (that is what told VEX from LES/LDS) and B is ignored.
    r = x = b = 0;
  }
  // VEX.vvvv keeps all four bits here, so that "must be 1111b" is checked on all of them;
  // outside 64-bit mode only registers 0-7 exist and bit 3 is dropped when a register is named.
  insn_.prefixes.vvvv = (~rest >> 3) & 0xF;
  insn_.prefixes.vex_l = (rest >> 2) & 1;
  insn_.prefixes.vex_w = w;
  vex_pp_ = rest & 3;
  rex_ = static_cast<uint8_t>((w << 3) | (r << 2) | (x << 1) | b);
  switch (mmmmm) {
    case 1: map_ = detail::kMapV0F; insn_.map = OpcodeMap::k0F; break;
    case 2: map_ = detail::kMapV0F38; insn_.map = OpcodeMap::k0F38; break;
    case 3: map_ = detail::kMapV0F3A; insn_.map = OpcodeMap::k0F3A; break;
    default: return Fail(DecodeStatus::kInvalid);
  }
  return Next(opcode_);
}

bool Decoder::ParseEvex() {
  // EVEX (SDM Vol.2 2.7.1): 62 P0 P1 P2 opcode, with R X B R' and V' stored inverted.
  if (opsize_prefix_ || last_rep_ || lock_ || insn_.prefixes.rex) return Fail(DecodeStatus::kInvalid);
  encoding_ = Encoding::kEvex;
  uint8_t p0, p1, p2;
  if (!Next(p0) || !Next(p1) || !Next(p2)) return false;
  // P0 bit 3 is reserved (0) and P1 bit 2 is fixed (1) in AVX-512.
  if ((p0 & 0x08) != 0 || (p1 & 0x04) == 0) return Fail(DecodeStatus::kInvalid);
  uint8_t r = (~p0 >> 7) & 1, x = (~p0 >> 6) & 1, b = (~p0 >> 5) & 1;
  evex_r2_ = (~p0 >> 4) & 1;
  evex_v2_ = (~p2 >> 3) & 1;
  if (!Is64()) {
    // Outside 64-bit mode only registers 0-7 exist: R, X (known 1 from the LES/LDS test), B and
    // R' are ignored, and so is V' (SDM Vol.2 2.7.1).
    r = x = b = 0;
    evex_r2_ = 0;
    evex_v2_ = 0;
  }
  const uint8_t w = p1 >> 7;
  rex_ = static_cast<uint8_t>((w << 3) | (r << 2) | (x << 1) | b);
  insn_.prefixes.vex_w = w;
  insn_.prefixes.vvvv = (~p1 >> 3) & 0xF;
  vex_pp_ = p1 & 3;
  insn_.prefixes.vex_l = (p2 >> 5) & 3;
  insn_.prefixes.evex_b = (p2 >> 4) & 1;
  insn_.prefixes.evex_z = p2 >> 7;
  insn_.prefixes.evex_aaa = p2 & 7;
  evex_v_bit_raw_ = (p2 >> 3) & 1;
  switch (p0 & 7) {
    case 1: map_ = detail::kMapE0F; insn_.map = OpcodeMap::k0F; break;
    case 2: map_ = detail::kMapE0F38; insn_.map = OpcodeMap::k0F38; break;
    case 3: map_ = detail::kMapE0F3A; insn_.map = OpcodeMap::k0F3A; break;
    case 5: map_ = detail::kMapE5; insn_.map = OpcodeMap::kMap5; break;
    case 6: map_ = detail::kMapE6; insn_.map = OpcodeMap::kMap6; break;
    default: return Fail(DecodeStatus::kInvalid);
  }
  return Next(opcode_);
}

bool Decoder::ParseOpcode() {
  uint8_t b;
  if (!Next(b)) return false;
  if (b == 0x0F) {
    uint8_t b1;
    if (!Next(b1)) return false;
    if (b1 == 0x38 || b1 == 0x3A) {
      map_ = b1 == 0x38 ? detail::kMap0F38 : detail::kMap0F3A;
      insn_.map = b1 == 0x38 ? OpcodeMap::k0F38 : OpcodeMap::k0F3A;
      return Next(opcode_);
    }
    map_ = detail::kMap0F;
    insn_.map = OpcodeMap::k0F;
    opcode_ = b1;
    return true;
  }
  if (b == 0xC4 || b == 0xC5 || b == 0x62) {
    // Outside 64-bit mode these are LES/LDS/BOUND unless the next byte has mod = 11b.
    bool escape = Is64();
    if (!escape) {
      uint8_t next;
      if (!Peek(next)) return false;
      escape = (next & 0xC0) == 0xC0;
    }
    if (escape) return b == 0x62 ? ParseEvex() : ParseVex(b);
  }
  map_ = detail::kMap00;
  insn_.map = OpcodeMap::kPrimary;
  opcode_ = b;
  return true;
}

// --- the table walk ----------------------------------------------------------------------

bool Decoder::ReadModRm() {
  if (modrm_read_) return true;
  uint8_t m;
  if (!Next(m)) return false;
  modrm_read_ = true;
  insn_.modrm = m;
  insn_.has_modrm = true;
  mod_ = m >> 6;
  reg_ = (m >> 3) & 7;
  rm_ = m & 7;
  return true;
}

bool Decoder::WalkTree(const InsnDef*& def) {
  const DecodeNode* node = &detail::kNodes[map_ * 256 + opcode_];
  if (node->kind == NodeKind::kLeaf) {  // most opcodes need no selector
    def = &detail::kInsnDefs[node->arg];
    return true;
  }
  for (;;) {
    unsigned idx = 0;
    switch (node->kind) {
      case NodeKind::kInvalid: return Fail(DecodeStatus::kInvalid);
      case NodeKind::kLeaf: def = &detail::kInsnDefs[node->arg]; return true;
      case NodeKind::kSel_mode: idx = Is64(); break;
      case NodeKind::kSel_pfx:
        if (encoding_ != Encoding::kLegacy) idx = vex_pp_;
        else idx = last_rep_ == 0xF3 ? 2 : last_rep_ == 0xF2 ? 3 : opsize_prefix_ ? 1 : 0;
        break;
      case NodeKind::kSel_w: idx = RexW(); break;
      case NodeKind::kSel_wg: idx = Is64() && RexW(); break;
      case NodeKind::kSel_l:
        if (encoding_ == Encoding::kEvex && insn_.prefixes.evex_b) {
          // EVEX.b with register operands turns L'L into the rounding mode (512-bit form).
          if (!ReadModRm()) return false;
          idx = mod_ == 3 ? 2 : insn_.prefixes.vex_l;
        } else {
          idx = insn_.prefixes.vex_l;
        }
        break;
      case NodeKind::kSel_osz:
        idx = Is64() ? (RexW() ? 2 : opsize_prefix_ ? 0 : 1)
                     : ((mode_ == CpuMode::k16) != opsize_prefix_ ? 0 : 1);
        break;
      case NodeKind::kSel_asz:
        idx = Is64() ? (addrsize_prefix_ ? 1 : 2)
                     : ((mode_ == CpuMode::k16) != addrsize_prefix_ ? 0 : 1);
        break;
      case NodeKind::kSel_rexb: idx = RexB(); break;
      case NodeKind::kSel_mod:
        if (!ReadModRm()) return false;
        idx = mod_ == 3;
        break;
      case NodeKind::kSel_reg:
        if (!ReadModRm()) return false;
        idx = reg_;
        break;
      case NodeKind::kSel_rm:
        if (!ReadModRm()) return false;
        idx = rm_;
        break;
    }
    node = &detail::kNodes[node->arg + idx];
  }
}

bool Decoder::DecodeAddress() {
  SibFields sib;
  addr_ = DecodeAddressAt(bytes_, pos_, mod_, rm_, rex_, address_size_, Is64(), sib);
  if (sib.present) {
    vsib_ok_ = true;
    vsib_index_ = sib.index;
    vsib_scale_ = sib.scale;
  }
  return true;
}


uint16_t Decoder::SizeBytes(OperandSize size) const {
  if (size == OperandSize::k_adr) return address_size_;
  return kSizeTable[static_cast<size_t>(size)][size_column_];
}

Reg Decoder::Gpr(unsigned index, uint16_t bytes) const {
  static constexpr RegClass kClassBySize[16] = {
      RegClass::kGpr64, RegClass::kGpr8,  RegClass::kGpr16, RegClass::kGpr64,
      RegClass::kGpr32, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
      RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
      RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64};
  // Without REX, byte registers 4-7 are AH, CH, DH, BH (SDM Vol.2 3.1.1.1 "rb").
  if (bytes == 1 && index >= 4 && index < 8 && !insn_.prefixes.rex && encoding_ == Encoding::kLegacy)
    return {RegClass::kGpr8High, static_cast<uint8_t>(index - 4)};
  return {kClassBySize[bytes & 15], static_cast<uint8_t>(index)};
}

Reg Decoder::VectorReg(unsigned index, uint16_t bytes) const {
  const RegClass cls = bytes > 32 ? RegClass::kZmm : bytes > 16 ? RegClass::kYmm : RegClass::kXmm;
  return {cls, static_cast<uint8_t>(index)};
}

void Decoder::SetMemory(Operand& op, uint16_t bytes) const {
  op.kind = OperandKind::kMem;
  op.size = bytes;
  op.base = addr_.base;
  op.index = addr_.index;
  op.scale = addr_.scale;
  op.value = addr_.disp;
  op.seg = effective_seg_ == Seg::kNone ? addr_.default_seg : effective_seg_;
}

bool Decoder::BuildOperand(const OperandSpec& spec, int n, Operand& op) {
  const uint16_t bytes = SizeBytes(spec.size);
  // Register numbers with their REX/VEX/EVEX extensions, computed only by the cases that use
  // them. Vector registers reach 16-31 through EVEX.R' (reg), EVEX.X (rm) and EVEX.V' (vvvv).
  const auto reg_full = [this] { return reg_ | (RexR() << 3); };
  const auto rm_full = [this] { return rm_ | (RexB() << 3); };
  const auto vreg_full = [this] { return reg_ | (RexR() << 3) | (evex_r2_ << 4); };
  const auto vrm_full = [this] {
    return rm_ | (RexB() << 3) | (encoding_ == Encoding::kEvex ? RexX() << 4 : 0);
  };
  const auto vvvv_full = [this] { return Vvvv() | (evex_v2_ << 4); };
  switch (spec.method) {
    case OperandMethod::kNone: return true;
    case OperandMethod::kE:
      if (is_mem_) SetMemory(op, bytes);
      else { op.kind = OperandKind::kReg; op.reg = Gpr(rm_full(), bytes); op.size = bytes; }
      return true;
    case OperandMethod::kEv:
      if (is_mem_) SetMemory(op, bytes);
      else {
        const uint16_t rbytes = SizeBytes(static_cast<OperandSize>(spec.extra));
        op.kind = OperandKind::kReg; op.reg = Gpr(rm_full(), rbytes); op.size = rbytes;
      }
      return true;
    case OperandMethod::kM:
      if (!is_mem_) return Fail(DecodeStatus::kInvalid);
      SetMemory(op, bytes);
      return true;
    case OperandMethod::kR:
      if (is_mem_) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = Gpr(rm_full(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kG:
      if (evex_r2_) return Fail(DecodeStatus::kInvalid);  // EVEX.R' names no GPR
      op.kind = OperandKind::kReg; op.reg = Gpr(reg_full(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kZ:
      op.kind = OperandKind::kReg; op.reg = Gpr((opcode_ & 7) | (RexB() << 3), bytes); op.size = bytes;
      return true;
    case OperandMethod::kB:
      op.kind = OperandKind::kReg; op.reg = Gpr(Vvvv(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kFixed:
      op.kind = OperandKind::kReg; op.reg = Gpr(spec.extra, bytes); op.size = bytes;
      if (bytes == 1) op.reg = {RegClass::kGpr8, spec.extra};
      return true;
    case OperandMethod::kFixedSeg:
      op.kind = OperandKind::kReg; op.reg = {RegClass::kSeg, spec.extra}; op.size = 2;
      return true;
    case OperandMethod::kI: {
      // Iz is at most 4 bytes; Iv (MOV r64, imm64) is the only 8-byte immediate.
      const int n_bytes = spec.size == OperandSize::k_z ? (operand_size_ == 2 ? 2 : 4) : bytes;
      uint64_t v;
      if (!NextLe(n_bytes, v)) return false;
      op.kind = OperandKind::kImm; op.value = static_cast<int64_t>(v); op.size = static_cast<uint16_t>(n_bytes);
      return true;
    }
    case OperandMethod::kIs: {
      const int n_bytes = spec.size == OperandSize::k_b ? 1 : (operand_size_ == 2 ? 2 : 4);
      uint64_t v;
      if (!NextLe(n_bytes, v)) return false;
      int64_t s = n_bytes == 1 ? static_cast<int8_t>(v) : n_bytes == 2 ? static_cast<int16_t>(v)
                                                                       : static_cast<int32_t>(v);
      op.kind = OperandKind::kImm; op.value = s; op.size = operand_size_;
      return true;
    }
    case OperandMethod::kOne:
      op.kind = OperandKind::kImm; op.value = 1; op.size = 1;
      return true;
    case OperandMethod::kJ: {
      const int n_bytes = spec.size == OperandSize::k_b ? 1 : (operand_size_ == 2 ? 2 : 4);
      uint64_t v;
      if (!NextLe(n_bytes, v)) return false;
      op.kind = OperandKind::kRel;
      op.value = n_bytes == 1 ? static_cast<int8_t>(v) : n_bytes == 2 ? static_cast<int16_t>(v)
                                                                      : static_cast<int32_t>(v);
      op.size = static_cast<uint16_t>(n_bytes);
      return true;
    }
    case OperandMethod::kO: {
      uint64_t v;
      if (!NextLe(address_size_, v)) return false;
      addr_ = AddressForm{};
      addr_.disp = static_cast<int64_t>(v);
      SetMemory(op, bytes);
      return true;
    }
    case OperandMethod::kA: {
      uint64_t off, sel;
      if (!NextLe(operand_size_ == 2 ? 2 : 4, off) || !NextLe(2, sel)) return false;
      op.kind = OperandKind::kFarPtr; op.value = static_cast<int64_t>(off);
      op.selector = static_cast<uint16_t>(sel); op.size = static_cast<uint16_t>(operand_size_ == 2 ? 4 : 6);
      return true;
    }
    case OperandMethod::kS:
      // Sreg 6 and 7 are reserved; MOV to CS is #UD (SDM Vol.2 MOV).
      if (reg_ > 5 || (n == 0 && reg_ == 1)) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kSeg, reg_}; op.size = 2;
      return true;
    case OperandMethod::kC:
      if (lock_ && !Is64() && reg_full() == 0) {
        // LOCK MOV CR0 is AMD's alias of CR8 (not on Intel): invalid here.
        return Fail(DecodeStatus::kInvalid);
      }
      if (reg_full() != 0 && reg_full() != 2 && reg_full() != 3 && reg_full() != 4 && reg_full() != 8)
        return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kCr, static_cast<uint8_t>(reg_full())}; op.size = bytes;
      return true;
    case OperandMethod::kD:
      if (reg_full() > 7) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kDr, static_cast<uint8_t>(reg_full())}; op.size = bytes;
      return true;
    case OperandMethod::kV:
      op.kind = OperandKind::kReg; op.reg = VectorReg(vreg_full(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kW:
      if (is_mem_) SetMemory(op, bytes);
      else { op.kind = OperandKind::kReg; op.reg = VectorReg(vrm_full(), bytes); op.size = bytes; }
      return true;
    case OperandMethod::kWv:
      if (is_mem_) SetMemory(op, bytes);
      else {
        const uint16_t rbytes = SizeBytes(static_cast<OperandSize>(spec.extra));
        op.kind = OperandKind::kReg; op.reg = VectorReg(vrm_full(), rbytes); op.size = rbytes;
      }
      return true;
    case OperandMethod::kQv:
      if (is_mem_) SetMemory(op, bytes);
      else {
        op.kind = OperandKind::kReg; op.reg = {RegClass::kMmx, rm_};
        op.size = SizeBytes(static_cast<OperandSize>(spec.extra));
      }
      return true;
    case OperandMethod::kU:
      if (is_mem_) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = VectorReg(vrm_full(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kH:
      op.kind = OperandKind::kReg; op.reg = VectorReg(vvvv_full(), bytes); op.size = bytes;
      return true;
    case OperandMethod::kL: {
      uint8_t imm;
      if (!Next(imm)) return false;
      unsigned r = imm >> 4;
      if (!Is64()) r &= 7;
      op.kind = OperandKind::kReg; op.reg = VectorReg(r, bytes); op.size = bytes;
      return true;
    }
    case OperandMethod::kP:
      op.kind = OperandKind::kReg; op.reg = {RegClass::kMmx, reg_}; op.size = bytes;
      return true;
    case OperandMethod::kQ:
      if (is_mem_) SetMemory(op, bytes);
      else { op.kind = OperandKind::kReg; op.reg = {RegClass::kMmx, rm_}; op.size = bytes; }
      return true;
    case OperandMethod::kN:
      if (is_mem_) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kMmx, rm_}; op.size = bytes;
      return true;
    case OperandMethod::kK:
      // There are only eight opmask registers: VEX.R (or vvvv bit 3) set is #UD.
      if (RexR() || evex_r2_) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kMask, reg_}; op.size = 8;
      return true;
    case OperandMethod::kKH:
      if (Vvvv() > 7) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kMask, static_cast<uint8_t>(insn_.prefixes.vvvv & 7)}; op.size = 8;
      return true;
    case OperandMethod::kKR:
      if (is_mem_) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kMask, rm_}; op.size = 8;
      return true;
    case OperandMethod::kKE:
      if (is_mem_) SetMemory(op, bytes);
      else { op.kind = OperandKind::kReg; op.reg = {RegClass::kMask, rm_}; op.size = 8; }
      return true;
    case OperandMethod::kY: {
      // VSIB (SDM Vol.2 2.3.12): a SIB byte is required; its index names a vector register.
      if (!is_mem_ || !vsib_ok_) return Fail(DecodeStatus::kInvalid);
      SetMemory(op, insn_.prefixes.vex_w ? 8 : 4);  // one element
      op.index = VectorReg(vsib_index_ | (evex_v2_ << 4), bytes);
      op.scale = vsib_scale_;
      return true;
    }
    case OperandMethod::kT:
      if (RexR()) return Fail(DecodeStatus::kInvalid);  // only TMM0-7 exist
      op.kind = OperandKind::kReg; op.reg = {RegClass::kTmm, reg_}; op.size = 1024;
      return true;
    case OperandMethod::kTR:
      if (is_mem_ || RexB()) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kTmm, rm_}; op.size = 1024;
      return true;
    case OperandMethod::kTH:
      if (Vvvv() > 7) return Fail(DecodeStatus::kInvalid);
      op.kind = OperandKind::kReg; op.reg = {RegClass::kTmm, static_cast<uint8_t>(Vvvv())}; op.size = 1024;
      return true;
    case OperandMethod::kSt0:
      op.kind = OperandKind::kReg; op.reg = {RegClass::kSt, 0}; op.size = 10;
      return true;
    case OperandMethod::kSti:
      op.kind = OperandKind::kReg; op.reg = {RegClass::kSt, rm_}; op.size = 10;
      return true;
  }
  return Fail(DecodeStatus::kInvalid);
}

bool Decoder::RegistersDistinct(uint32_t a) const {
  // Gathers (SDM Vol.2 VPGATHERDD: "#UD if any two of dest, index and mask are the same"),
  // AMX dot products and the FP16 complex multiplies forbid overlapping registers.
  Reg regs[5];
  int n = 0;
  for (int i = 0; i < insn_.operand_count; ++i) {
    const Operand& op = insn_.operands[i];
    if (op.kind == OperandKind::kReg && op.reg.cls != RegClass::kMask) regs[n++] = op.reg;
    else if (op.kind == OperandKind::kMem && op.index.valid() && op.index.cls >= RegClass::kXmm &&
             op.index.cls <= RegClass::kZmm) regs[n++] = op.index;
  }
  // Compare register numbers: xmm1 and ymm1 are the same register.
  const int pairs_from = (a & attr::kDistinct) ? n : 1;
  for (int i = 0; i < pairs_from; ++i)
    for (int j = i + 1; j < n; ++j)
      if (regs[i].index == regs[j].index) return false;
  return true;
}

bool Decoder::CheckVexFields(uint32_t a, bool vsib) {
  Prefixes& p = insn_.prefixes;
  if (encoding_ == Encoding::kVex) return !((a & attr::kNoVvvv) && p.vvvv != 0);
  // EVEX: unused vvvv must be 1111b and V' 1, except that VSIB uses V' for its index.
  if ((a & attr::kNoVvvv) && (p.vvvv != 0 || (evex_v2_ && !vsib))) return false;
  if ((a & attr::kNoMask) && (p.evex_aaa != 0 || p.evex_z)) return false;
  if ((a & attr::kNeedMask) && p.evex_aaa == 0) return false;
  if ((a & attr::kNoZero) && p.evex_z) return false;
  if (p.evex_z && p.evex_aaa == 0) return false;  // zeroing needs an opmask
  // Outside 64-bit mode there are only eight registers: EVEX.V' must be 1 (stored inverted).
  if (!Is64() && evex_v_bit_raw_ == 0) return false;
  return true;
}

bool Decoder::CheckEvexB(uint32_t a) {
  Prefixes& p = insn_.prefixes;
  if (!p.evex_b) return p.vex_l != 3;  // L'L = 11b is reserved
  if (is_mem_) return (a & attr::kBcst) != 0 && p.vex_l != 3;
  // With registers, EVEX.b means embedded rounding (L'L is the rounding mode) or SAE; the
  // vector length is then 512 bits (SDM Vol.2 2.7.8).
  if (!(a & (attr::kEr | attr::kSae))) return false;
  if (a & attr::kEr) {
    p.evex_er = true;
    p.evex_rc = p.vex_l;
  } else {
    p.evex_sae = true;
  }
  p.vex_l = 2;
  return true;
}

void Decoder::ApplyEvexMemory(uint32_t a, bool vsib) {
  // Broadcast and compressed displacement (SDM Vol.2 2.7.5): disp8 is scaled by N, the size of
  // the memory access, or of one element when broadcasting.
  const Prefixes& p = insn_.prefixes;
  for (int i = 0; i < insn_.operand_count; ++i) {
    Operand& op = insn_.operands[i];
    if (op.kind != OperandKind::kMem) continue;
    const uint16_t element = (a & attr::kBcst2) ? 2 : (p.vex_w ? 8 : 4);
    uint16_t n = op.size;
    if (p.evex_b) {
      op.broadcast = static_cast<uint8_t>(op.size / element);
      op.size = element;
      n = element;
    } else if (vsib) {
      op.size = element;
      n = element;
    } else if (a & attr::kT1sBw) {
      n = p.vex_w ? 2 : 1;
    } else if (a & attr::kT1sDq) {
      n = p.vex_w ? 8 : 4;
    }
    if (mod_ == 1 && n > 1) op.value *= n;
    break;
  }
}

bool Decoder::BuildOperands(const InsnDef& def) {
  if (def.num_ops == 0) return true;
  // After CheckEvexB, which may have set the vector length for embedded rounding.
  static constexpr uint8_t kOszColumn[16] = {0, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};
  const unsigned vl = insn_.prefixes.vex_l;
  size_column_ = (Is64() ? 9u : 0u) + kOszColumn[operand_size_ & 15] + (vl > 2 ? 2u : vl);
  for (int i = 0; i < def.num_ops; ++i) {
    insn_.operands[i] = Operand{};
    if (!BuildOperand(def.ops[i], i, insn_.operands[i])) return false;
  }
  insn_.operand_count = def.num_ops;
  return true;
}

// --- the whole instruction -----------------------------------------------------------------

DecodeStatus Decoder::Run() {
  insn_.mode = mode_;
  if (!ParsePrefixes() || !ParseOpcode()) return status_;
  insn_.encoding = encoding_;
  insn_.opcode = opcode_;
  const InsnDef* def = nullptr;
  if (!WalkTree(def)) return status_;
  const uint32_t a = def->attrs;

  // A mandatory prefix that selected the opcode loses its legacy meaning (SDM Vol.2 2.1.2).
  const bool mandatory = (a & attr::kMandatory) != 0;
  uint8_t mandatory_prefix = 0;
  if (encoding_ == Encoding::kLegacy && mandatory) {
    mandatory_prefix = last_rep_ ? last_rep_ : 0x66;
  } else if (encoding_ != Encoding::kLegacy) {
    static constexpr uint8_t kPp[4] = {0, 0x66, 0xF3, 0xF2};
    mandatory_prefix = kPp[vex_pp_];
  }
  insn_.prefixes.mandatory = mandatory_prefix;
  const bool opsize = opsize_prefix_ && mandatory_prefix != 0x66;

  // Effective operand size (SDM Vol.1 3.6.1, Table 3-4).
  if (Is64()) {
    if ((a & attr::kForce64) || RexW()) operand_size_ = 8;
    else if (opsize) operand_size_ = 2;
    else operand_size_ = (a & attr::kDefault64) ? 8 : 4;
  } else {
    operand_size_ = (mode_ == CpuMode::k16) != opsize ? 2 : 4;
  }
  address_size_ = Is64() ? (addrsize_prefix_ ? 4 : 8)
                         : ((mode_ == CpuMode::k16) != addrsize_prefix_ ? 2 : 4);
  insn_.operand_size = operand_size_;
  insn_.address_size = address_size_;

  if ((a & attr::kNoRep) && last_rep_ && !mandatory) return DecodeStatus::kInvalid;
  const bool vsib = (a & attr::kVsibOperand) != 0;
  if (encoding_ != Encoding::kLegacy && !CheckVexFields(a, vsib)) return DecodeStatus::kInvalid;

  if (a & attr::kHasModRm) {
    if (!ReadModRm()) return status_;
    is_mem_ = mod_ != 3 && !(a & attr::kForceReg);
    if (is_mem_ && !DecodeAddress()) return status_;
  }
  if (encoding_ == Encoding::kEvex && !CheckEvexB(a)) return DecodeStatus::kInvalid;

  if ((a & attr::kSibMem) && (!is_mem_ || rm_ != 4)) return DecodeStatus::kInvalid;

  if (!BuildOperands(*def)) return status_;
  // LOCK needs a lockable instruction whose destination is memory (SDM Vol.2 LOCK). Checked
  // once the length is known: an over-long instruction is #GP, not #UD.
  if (lock_ && (!(a & attr::kLock) || !is_mem_)) return DecodeStatus::kInvalid;
  if ((a & (attr::kDistinct | attr::kDistinctDst)) && !RegistersDistinct(a)) return DecodeStatus::kInvalid;
  if (encoding_ == Encoding::kEvex) {
    // Zeroing-masking cannot apply to a memory destination (SDM Vol.2 2.7.3).
    if (insn_.prefixes.evex_z && def->num_ops > 0 && insn_.operands[0].kind == OperandKind::kMem)
      return DecodeStatus::kInvalid;
    if (is_mem_) ApplyEvexMemory(a, vsib);
  }

  insn_.mnemonic = def->mnemonic;
  insn_.length = static_cast<uint8_t>(pos_);
  Prefixes& p = insn_.prefixes;
  p.lock = lock_;
  p.operand_size = opsize_prefix_;
  p.address_size = addrsize_prefix_;
  if (encoding_ == Encoding::kLegacy) {
    p.vex_w = RexW();
    if (mandatory_prefix != 0xF3 && mandatory_prefix != 0xF2) {
      if (a & attr::kRep) p.rep = last_rep_ == 0xF3;
      if (a & attr::kRepCc) {
        p.rep = last_rep_ == 0xF3;
        p.repne = last_rep_ == 0xF2;
      }
    }
  }
  return DecodeStatus::kOk;
}

}  // namespace
}  // namespace kiln::frontend
