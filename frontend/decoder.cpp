// The x86-64 decoder: prefixes, REX/VEX, the table walk, ModRM/SIB/displacement and operands.
// References: Intel SDM Vol.2 chapter 2 (instruction format) and appendix A (opcode maps).
#include "frontend/decoder.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

#include "frontend/decode_tables.h"

namespace kiln::frontend {
namespace {

using detail::DecodeNode;
using detail::InsnDef;
using detail::NodeKind;
using detail::OperandMethod;
using detail::OperandSize;
using detail::OperandSpec;
namespace attr = detail::attr;

// A memory operand's addressing form, decoded from ModRM/SIB/displacement before the operands
// are built (several operand specs may refer to the same ModRM.rm).
struct AddressForm {
  Reg base;
  Reg index;
  uint8_t scale = 0;
  int64_t disp = 0;
  Seg default_seg = Seg::kDs;
};

// The decoder reads from a window of kWindow bytes that is always readable: the caller's buffer
// when it is at least that large, else a zero-padded copy. So a read needs no bounds check; the
// end of the real bytes is handled once, in Decode(), by comparing how far decoding read with
// how many bytes there were (reading past them means "need more bytes" or "too long").
// No instruction reads more than 15 prefix bytes + 5 opcode bytes + ModRM, SIB, disp32 and an
// immediate (at most 8 bytes in all), well inside the window.
constexpr size_t kWindow = 64;

// Little-endian loads that do not depend on the host's byte order.
inline uint64_t LoadLe(const uint8_t* p, int n) {
  switch (n) {
    case 1: return p[0];
    case 2: return static_cast<uint64_t>(p[0]) | static_cast<uint64_t>(p[1]) << 8;
    case 4: {
      uint32_t v;
      std::memcpy(&v, p, 4);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
      return v;
    }
    default: {
      uint64_t v;
      std::memcpy(&v, p, 8);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
      return v;
    }
  }
}

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

// --- prefixes -----------------------------------------------------------------------------

// What each byte is as a prefix; a table keeps the common case (no prefix) to one predictable
// branch instead of a jump through a switch for every instruction.
enum PrefixClass : uint8_t { kNotPrefix, kLockPrefix, kRepPrefix, kOpsizePrefix, kAddrsizePrefix,
                             kSegPrefix, kRexPrefix };
constexpr std::array<uint8_t, 256> kPrefixClasses = [] {
  std::array<uint8_t, 256> t{};
  t[0xF0] = kLockPrefix;
  t[0xF2] = t[0xF3] = kRepPrefix;
  t[0x66] = kOpsizePrefix;
  t[0x67] = kAddrsizePrefix;
  for (int b : {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}) t[b] = kSegPrefix;
  for (int b = 0x40; b <= 0x4F; ++b) t[b] = kRexPrefix;
  return t;
}();
constexpr Seg SegOfPrefix(uint8_t b) {
  switch (b) {
    case 0x26: return Seg::kEs;
    case 0x2E: return Seg::kCs;
    case 0x36: return Seg::kSs;
    case 0x3E: return Seg::kDs;
    case 0x64: return Seg::kFs;
    default: return Seg::kGs;
  }
}

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

// --- addressing ----------------------------------------------------------------------------

// The SIB fields VSIB needs (its index is a vector register, so AddressForm does not hold it).
struct SibFields {
  bool present = false;
  uint8_t index = 0;  // SIB.index with REX.X
  uint8_t scale = 0;  // 1, 2, 4 or 8
};

// Decodes the memory form of ModRM (mod != 11b) and the SIB byte and displacement that follow,
// reading from bytes[pos] on and advancing pos. A free function on plain values, shared by the
// general decoder and the fast path. SDM Vol.2 Tables 2-1 (16-bit), 2-2 and 2-3 (32/64-bit, SIB).
template <class Pos>
[[gnu::always_inline]] inline AddressForm DecodeAddressAt(const uint8_t* bytes, Pos& pos, unsigned mod, unsigned rm,
                                   unsigned rex, unsigned address_size, bool is64, SibFields& sib) {
  AddressForm addr;
  const auto next_le = [&](int n) {
    const uint64_t v = LoadLe(bytes + pos, n);
    pos += static_cast<Pos>(n);
    return v;
  };
  if (address_size == 2) {
    static constexpr uint8_t kBase[8] = {3, 3, 5, 5, 6, 7, 5, 3};   // BX BX BP BP SI DI BP BX
    static constexpr int8_t kIndex[8] = {6, 7, 6, 7, -1, -1, -1, -1};  // SI DI SI DI
    if (mod == 0 && rm == 6) {
      addr.disp = static_cast<int16_t>(next_le(2));
      return addr;
    }
    addr.base = {RegClass::kGpr16, kBase[rm]};
    if (kIndex[rm] >= 0) {
      addr.index = {RegClass::kGpr16, static_cast<uint8_t>(kIndex[rm])};
      addr.scale = 1;
    }
    if (rm == 2 || rm == 3 || rm == 6) addr.default_seg = Seg::kSs;
    if (mod == 1) addr.disp = static_cast<int8_t>(next_le(1));
    else if (mod == 2) addr.disp = static_cast<int16_t>(next_le(2));
    return addr;
  }

  const RegClass cls = address_size == 8 ? RegClass::kGpr64 : RegClass::kGpr32;
  unsigned base = rm;
  bool has_base = true;
  int disp_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    const uint8_t sib_byte = bytes[pos++];
    const unsigned scale = sib_byte >> 6;
    const unsigned index = ((sib_byte >> 3) & 7) | (((rex >> 1) & 1) << 3);
    base = sib_byte & 7;
    sib = {true, static_cast<uint8_t>(index), static_cast<uint8_t>(1u << scale)};
    if (index != 4) {  // index 100b without REX.X means "no index"
      addr.index = {cls, static_cast<uint8_t>(index)};
      addr.scale = static_cast<uint8_t>(1u << scale);
    }
    if (base == 5 && mod == 0) {
      has_base = false;
      disp_bytes = 4;
    }
  } else if (rm == 5 && mod == 0) {
    disp_bytes = 4;
    has_base = false;
    if (is64) addr.base = {RegClass::kIp, 0};  // RIP- (or EIP-) relative
  }
  if (has_base) {
    base |= (rex & 1) << 3;
    addr.base = {cls, static_cast<uint8_t>(base)};
    if (base == 4 || base == 5) addr.default_seg = Seg::kSs;
  }
  if (disp_bytes == 1) addr.disp = static_cast<int8_t>(next_le(1));
  else if (disp_bytes == 4) addr.disp = static_cast<int32_t>(next_le(4));
  return addr;
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

// --- operands ------------------------------------------------------------------------------

// Operand sizes in bytes for every (size code, 64-bit mode, operand size, vector length),
// computed by the compiler so that SizeBytes() is one table load (SDM Vol.2 A.2.2).
constexpr int kNumSizes = static_cast<int>(OperandSize::k_by64) + 1;
constexpr uint16_t ComputeSize(OperandSize size, bool is64, unsigned osz, unsigned vl) {
  switch (size) {
    case OperandSize::k_none: return 0;
    case OperandSize::k_b: return 1;
    case OperandSize::k_w: return 2;
    case OperandSize::k_d: return 4;
    case OperandSize::k_q: return 8;
    case OperandSize::k_dq: return 16;
    case OperandSize::k_qq: return 32;
    case OperandSize::k_v: return static_cast<uint16_t>(osz);
    case OperandSize::k_z: return osz == 2 ? 2 : 4;
    case OperandSize::k_y: return osz == 8 ? 8 : 4;
    case OperandSize::k_x: return static_cast<uint16_t>(vl);
    case OperandSize::k_h: return static_cast<uint16_t>(vl / 2);
    case OperandSize::k_p: return static_cast<uint16_t>(osz + 2);
    case OperandSize::k_s: return is64 ? 10 : 6;
    case OperandSize::k_a: return static_cast<uint16_t>(osz * 2);
    case OperandSize::k_r: return is64 ? 8 : 4;
    case OperandSize::k_t: return 10;
    case OperandSize::k_env: return osz == 2 ? 14 : 28;
    case OperandSize::k_fst: return osz == 2 ? 94 : 108;
    case OperandSize::k_fx: return 512;
    case OperandSize::k_xs: return 0;
    case OperandSize::k_agen: return 0;
    case OperandSize::k_xq: return static_cast<uint16_t>(vl / 4);
    case OperandSize::k_xo: return static_cast<uint16_t>(vl / 8);
    case OperandSize::k_adr: return 0;  // not in the table: depends on the address size
    case OperandSize::k_by48: return 48;
    case OperandSize::k_by64: return 64;
  }
  return 0;
}
// Index: [size][column], column = is64 * 9 + (operand size 2/4/8 -> 0/1/2) * 3 +
// (vector length 16/32/64 -> 0/1/2).
constexpr auto kSizeTable = [] {
  std::array<std::array<uint16_t, 18>, kNumSizes> t{};
  for (int s = 0; s < kNumSizes; ++s)
    for (int m = 0; m < 2; ++m)
      for (unsigned o = 0; o < 3; ++o)
        for (unsigned l = 0; l < 3; ++l)
          t[s][m * 9 + o * 3 + l] = ComputeSize(static_cast<OperandSize>(s), m != 0, 2u << o, 16u << l);
  return t;
}();

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

// A general-purpose register of `bytes` bytes. Without REX, byte registers 4-7 are AH, CH, DH,
// BH (SDM Vol.2 3.1.1.1 "rb").
constexpr RegClass kGprClassBySize[16] = {
    RegClass::kGpr64, RegClass::kGpr8,  RegClass::kGpr16, RegClass::kGpr64,
    RegClass::kGpr32, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
    RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64,
    RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64, RegClass::kGpr64};
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

// The fast path builds an Operand as its three 64-bit words and stores those, rather than one
// store per field (an operand has ten): on a little-endian host the words below are exactly
// the Operand's bytes (the layout is checked here); elsewhere the fields are set one by one.
static_assert(offsetof(Operand, kind) == 0 && offsetof(Operand, seg) == 1 && offsetof(Operand, size) == 2 &&
              offsetof(Operand, reg) == 4 && offsetof(Operand, base) == 6 && offsetof(Operand, index) == 8 &&
              offsetof(Operand, scale) == 10 && offsetof(Operand, broadcast) == 11 &&
              offsetof(Operand, selector) == 12 && offsetof(Operand, value) == 16 && sizeof(Reg) == 2);
constexpr uint64_t RegBits(Reg r) {
  return static_cast<uint64_t>(r.cls) | static_cast<uint64_t>(r.index) << 8;
}
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
constexpr uint64_t kSegNoneBits = static_cast<uint64_t>(Seg::kNone) << 8;

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

// What an entry of kVexEntries holds besides the kVexForms index (bits 0-15).
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
      if (const int def = VexCellDef(cell, sel); def >= 0) t[static_cast<size_t>(def)] = static_cast<uint8_t>((cell >> 10) + 1);
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
  const unsigned has_modrm = (entry >> 16) & 1;
  const unsigned imm_len = (entry >> 17) & 1;
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
        if (p.index[def * 16 + earlier] != 0 && forms[earlier] == forms[sel]) p.index[key] = p.index[def * 16 + earlier];
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
  const unsigned imm_len = (entry >> 17) & 1;
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

// The general decoder, from a window of kWindow readable bytes. Out of line, so that the fast
// path's caller keeps a small frame.
[[gnu::noinline]] DecodeStatus DecodeGeneral(const uint8_t* window, size_t size, CpuMode mode,
                                             DecodedInsn& insn) {
  // Reset the header only (one short memset): operands are reset as they are built, and
  // operands past operand_count are unspecified, so a decode does not write 100 unused bytes.
  static_assert(static_cast<int>(Mnemonic::INVALID) == 0 && static_cast<int>(Encoding::kLegacy) == 0 &&
                static_cast<int>(OpcodeMap::kPrimary) == 0);
  std::memset(static_cast<void*>(&insn), 0, offsetof(DecodedInsn, operands));
  insn.prefixes.segment = Seg::kNone;
  Decoder d(window, mode, insn);
  DecodeStatus s = d.Run();
  // Did decoding depend on bytes the caller did not give, or on more than 15?
  const size_t available = std::min<size_t>(size, kMaxInsnLength);
  if (d.Extent() > available) {
    s = size < static_cast<size_t>(kMaxInsnLength) ? DecodeStatus::kNeedMoreBytes : DecodeStatus::kTooLong;
  }
  if (s != DecodeStatus::kOk) {
    insn.mnemonic = Mnemonic::INVALID;
    insn.length = static_cast<uint8_t>(std::min(d.Extent(), available));
  }
  return s;
}

// Both paths, from a window of kWindow readable bytes.
// The fast path for one kind of mode, first without legacy prefixes, then with them. A function
// per mode.
template <bool kIs64>
[[gnu::always_inline]] inline FastResult RunFast(const uint8_t* window, size_t available, CpuMode mode, DecodedInsn& insn) {
  const FastResult r = FastDecoder<false, kIs64>(window, mode).Run(available, insn);
  if (r != FastResult::kPrefixed) return r;
  return FastDecoder<true, kIs64>(window, mode).Run(available, insn);
}

// `available` is min(size, 15), passed by the callers so that it is a constant for full windows.
// kTryHot: try the hot path first (Decode() tries it before it calls here for full windows).
// Also says which path decoded (detail::PathOf); Decode()'s callers drop that, and it folds away.
struct WindowResult {
  DecodeStatus status;
  detail::DecodePath path;
};
template <bool kTryHot>
[[gnu::always_inline]] inline WindowResult DecodeWindowOnPath(const uint8_t* window, size_t size, size_t available,
                                                              CpuMode mode, DecodedInsn& insn) {
  using detail::DecodePath;
  if (kTryHot && mode == CpuMode::k64 && (window[0] == 0xC4 || window[0] == 0xC5)) {
    if (DecodeHotVex64(window, available, insn) == HotResult::kDone) return {DecodeStatus::kOk, DecodePath::kHotVex};
  } else if (kTryHot && mode == CpuMode::k64 && window[0] == 0x62) {
    if (DecodeHotEvex64(window, available, insn) == HotResult::kDone)
      return {DecodeStatus::kOk, DecodePath::kHotEvex};
  } else if (kTryHot && mode == CpuMode::k64) {
    const bool one_prefix = kHotTables.prefix[window[0]].route == kRouteOnePrefix;
    const HotResult h = one_prefix ? DecodeHot64<HotPrefixes::kOne>(window, available, insn)
                                   : DecodeHot64<HotPrefixes::kNone>(window, available, insn);
    if (h == HotResult::kDone) return {DecodeStatus::kOk, one_prefix ? DecodePath::kHotPrefixed : DecodePath::kHot};
    if (h == HotResult::kPrefixed &&
        DecodeHot64<HotPrefixes::kSeveral>(window, available, insn) == HotResult::kDone)
      return {DecodeStatus::kOk, DecodePath::kHotPrefixed};
  }
  const FastResult r = mode == CpuMode::k64 ? RunFast<true>(window, available, mode, insn)
                                            : RunFast<false>(window, available, mode, insn);
  if (r == FastResult::kDone) return {DecodeStatus::kOk, DecodePath::kFast};
  return {DecodeGeneral(window, size, mode, insn), DecodePath::kGeneral};
}
template <bool kTryHot>
[[gnu::always_inline]] inline DecodeStatus DecodeWindow(const uint8_t* window, size_t size, size_t available,
                                                        CpuMode mode, DecodedInsn& insn) {
  return DecodeWindowOnPath<kTryHot>(window, size, available, mode, insn).status;
}

// The caller's bytes when they fill a window, else a zero-padded copy of them in `padded`.
const uint8_t* ReadableWindow(std::span<const uint8_t> bytes, uint8_t (&padded)[kWindow]) {
  if (bytes.size() >= kWindow) return bytes.data();
  if (!bytes.empty()) std::memcpy(padded, bytes.data(), bytes.size());
  return padded;
}

// Decode()'s result for kOk (0) and `length`, made as the 16-bit value it is returned in.
[[gnu::always_inline]] inline DecodeResult OkResult(unsigned length) {
  static_assert(static_cast<int>(DecodeStatus::kOk) == 0 && sizeof(DecodeResult) == 2);
  return std::bit_cast<DecodeResult>(static_cast<uint16_t>(length));
}

// Decode()'s result from a status and what the decode wrote.
[[gnu::always_inline]] inline DecodeResult ResultOf(DecodeStatus status, const DecodedInsn& insn) {
  return {status == DecodeStatus::kOk ? insn.length : uint8_t{0}, status};
}

// Fewer than kWindow bytes: decode from a zero-padded copy (out of line: the copy is rare).
[[gnu::noinline]] DecodeResult DecodeShort(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  alignas(16) uint8_t padded[kWindow] = {};
  return ResultOf(DecodeWindow<true>(ReadableWindow(bytes, padded), bytes.size(),
                                     std::min<size_t>(bytes.size(), kMaxInsnLength), mode, insn),
                  insn);
}

// The functions below take full windows: the caller's bytes reach kWindow or further, which is all
// that their size says to the general decoder (at least 15: never "need more bytes"), so that
// they do not take it.

// A full window that the hot path did not decode (out of line: Decode() stays a small function
// around the hot path). `prefixed`: the hot path stopped at a legacy prefix.
[[gnu::noinline]] DecodeResult DecodeFullWindow(const uint8_t* window, CpuMode mode, bool prefixed,
                                                DecodedInsn& insn) {
  unsigned length;
  if (prefixed && DecodeHot64<HotPrefixes::kSeveral>(window, kMaxInsnLength, insn, &length) == HotResult::kDone)
    return OkResult(length);
  return ResultOf(DecodeWindow<false>(window, kWindow, kMaxInsnLength, mode, insn), insn);
}

// VEX and EVEX in 64-bit mode that their hot paths declined, each in a function of its own so
// that the path for one legacy prefix (below) keeps a small frame. The fast path gives up on
// EVEX, so the general decoder decodes it at once.
[[gnu::noinline]] DecodeResult DecodeVexWindow64(const uint8_t* window, DecodedInsn& insn) {
  return ResultOf(DecodeWindow<false>(window, kWindow, kMaxInsnLength, CpuMode::k64, insn), insn);
}
[[gnu::noinline]] DecodeResult DecodeEvexWindow64(const uint8_t* window, DecodedInsn& insn) {
  return ResultOf(DecodeGeneral(window, kWindow, CpuMode::k64, insn), insn);
}

// A full window in 64-bit mode whose first byte routes it past DecodeHot64<kNone> (out of line:
// Decode() stays a small function around the hot path).
[[gnu::noinline]] DecodeResult DecodeFullWindowRouted(const uint8_t* window, unsigned route, DecodedInsn& insn) {
  unsigned length;
  if (route == kRouteVex) {
    if (DecodeHotVex64(window, kMaxInsnLength, insn, &length) == HotResult::kDone) return OkResult(length);
    return DecodeVexWindow64(window, insn);
  }
  if (route == kRouteEvex) {
    if (DecodeHotEvex64(window, kMaxInsnLength, insn, &length) == HotResult::kDone) return OkResult(length);
    return DecodeEvexWindow64(window, insn);
  }
  const HotResult h = DecodeHot64<HotPrefixes::kOne>(window, kMaxInsnLength, insn, &length);
  if (h == HotResult::kDone) return OkResult(length);
  return DecodeFullWindow(window, CpuMode::k64, h == HotResult::kPrefixed, insn);
}

}  // namespace

DecodeStatus detail::DecodeWithoutFastPath(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  alignas(16) uint8_t padded[kWindow] = {};
  return DecodeGeneral(ReadableWindow(bytes, padded), bytes.size(), mode, insn);
}

detail::DecodePath detail::PathOf(std::span<const uint8_t> bytes, CpuMode mode) {
  // Decode()'s attempts in Decode()'s order (its shortcut for EVEX skips a fast-path attempt
  // that gives up).
  alignas(16) uint8_t padded[kWindow] = {};
  DecodedInsn insn;
  return DecodeWindowOnPath<true>(ReadableWindow(bytes, padded), bytes.size(),
                                  std::min<size_t>(bytes.size(), kMaxInsnLength), mode, insn)
      .path;
}

namespace {

// A full window in 64-bit mode whose first byte routes it to DecodeHot64<kNone> (90% of libc's
// instructions): that, and the rest where it declines. Compiled once per host instruction set
// (below): BMI2's shifts by a register and three-operand logic take fewer instructions on the hot
// path, which is 5% faster for it in the x86-64-v3 build (docs/performance.md, tenth session).
// The paths out of line are rare, and compiling them twice too did not measure faster.
[[gnu::always_inline]] inline DecodeResult DecodeUnprefixed64(const uint8_t* window, DecodedInsn& insn) {
  unsigned length;
  const HotResult h = DecodeHot64<HotPrefixes::kNone>(window, kMaxInsnLength, insn, &length);
  if (h == HotResult::kDone) return OkResult(length);
  return DecodeFullWindow(window, CpuMode::k64, h == HotResult::kPrefixed, insn);
}
[[gnu::noinline]] DecodeResult DecodeUnprefixed64OnBaselineHost(const uint8_t* window, DecodedInsn& insn) {
  return DecodeUnprefixed64(window, insn);
}
#if KILN_DECODE_FOR_X86_64_V3
[[gnu::noinline, gnu::target("arch=x86-64-v3")]] DecodeResult DecodeUnprefixed64OnX86_64V3Host(const uint8_t* window,
                                                                                            DecodedInsn& insn) {
  return DecodeUnprefixed64(window, insn);
}
#endif

// Decode() through the hot path `kUnprefixed64` (one per host instruction set) or, each by a tail
// call, the other routes: so Decode() saves no registers, and only the hot path pays for the
// registers it saves (the one-prefix path is 5-10% faster than when both shared one function). A
// legacy prefix, VEX or EVEX first (10% of libc's instructions) is told apart before the hot path
// rather than by it: a branch here, which the predictor learns, costs less than the hot path's
// work done for nothing and the branches after it.
template <DecodeResult (*kUnprefixed64)(const uint8_t*, DecodedInsn&)>
[[gnu::always_inline]] inline DecodeResult DecodeVia(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  if (bytes.size() < kWindow) [[unlikely]] return DecodeShort(bytes, mode, insn);
  if (mode != CpuMode::k64) [[unlikely]] return DecodeFullWindow(bytes.data(), mode, false, insn);
  if (const unsigned route = kHotTables.prefix[bytes[0]].route) [[unlikely]]
    return DecodeFullWindowRouted(bytes.data(), route, insn);
  return kUnprefixed64(bytes.data(), insn);
}

// The hot path's build for this host. One load and a branch the predictor always gets right: as
// fast as an ifunc (measured), and sanitizers and static builds need nothing special for it.
[[gnu::always_inline]] inline DecodeResult DecodeUnprefixed64OnThisHost(const uint8_t* window, DecodedInsn& insn) {
#if KILN_DECODE_FOR_X86_64_V3
  if (__builtin_cpu_supports("x86-64-v3")) [[likely]] return DecodeUnprefixed64OnX86_64V3Host(window, insn);
#endif
  return DecodeUnprefixed64OnBaselineHost(window, insn);
}

}  // namespace

DecodeResult detail::DecodeOnBaselineHost(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnBaselineHost>(bytes, mode, insn);
}

#if KILN_DECODE_FOR_X86_64_V3
DecodeResult detail::DecodeOnX86_64V3Host(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnX86_64V3Host>(bytes, mode, insn);
}
#endif

DecodeResult Decode(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  return DecodeVia<DecodeUnprefixed64OnThisHost>(bytes, mode, insn);
}

}  // namespace kiln::frontend
