// Interpreter handlers for VEX-encoded instructions (AVX, AVX2): the VEX forms of SSE-SSE4.2,
// AES and PCLMULQDQ, and the 256-bit and AVX/AVX2-only instructions. A VEX instruction writes
// its whole destination register: bits above 128 (VEX.128) or 256 (VEX.256) become zero (SDM
// Vol.1 14.1.3). VEX.vvvv names an extra source (non-destructive three-operand forms). Memory
// operands need no alignment except those of VMOVAPS/APD/DQA and the non-temporal moves.
//
// Three kinds of handler:
// - native ones below for both widths (moves, integer lanes through IntegerBinary per 128-bit
//   block, floating-point arithmetic and compares, masks, tests, broadcasts, permutes, inserts);
// - the legacy SSE handler of the same instruction, run on a copy of the operands (RunLegacy):
//   the first source (VEX.vvvv) is copied into a scratch register that stands in for the legacy
//   destination, 16-byte memory sources are read into a second scratch register (so that the
//   legacy alignment check does not apply), and the result is copied to the destination with the
//   upper bits zeroed. A VEX.256 instruction that works per 128-bit lane runs it once per lane.
//   The scratch registers are ZMM30 and ZMM31, which only AVX-512 code can name; they are
//   restored afterwards.
#include <array>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include "jit/interp/exec.h"
#include "jit/interp/sse_fp_common.h"
#include "jit/interp/vector_access.h"
#include "jit/interp/vector_int_ops.h"
#include "jit/semantics/flags.h"
#include "jit/semantics/sse_fp.h"
#include "jit/semantics/vector_int.h"

namespace kiln::jit::interp {
namespace {

using frontend::Mnemonic;
using M = Mnemonic;
namespace v = sem::vec;
namespace fp = sem::fp;

using Wide = std::array<uint8_t, 32>;
constexpr unsigned kScratchDest = 31, kScratchSource = 30;
constexpr uint64_t kCr4Osxsave = 1u << 18;

bool IsVector(const Operand& op) {
  return op.kind == OperandKind::kReg && (op.reg.cls == RegClass::kXmm || op.reg.cls == RegClass::kYmm);
}
unsigned Width(const Exec& e) { return e.insn.prefixes.vex_l ? 32 : 16; }
unsigned Imm(const Exec& e, int n) { return static_cast<unsigned>(e.insn.operands[n].value) & 0xFF; }
uint8_t* Reg(Exec& e, const Operand& op) { return e.s.zmm[op.reg.index & 31]; }

/// The SSE mnemonic of a VEX mnemonic ("vpaddb" -> PADDB), or INVALID.
Mnemonic LegacyOf(Mnemonic m) {
  static const std::array<Mnemonic, frontend::kMnemonicCount> kTable = [] {
    std::unordered_map<std::string_view, Mnemonic> by_name;
    for (int i = 0; i < frontend::kMnemonicCount; ++i)
      by_name.emplace(frontend::MnemonicName(static_cast<Mnemonic>(i)), static_cast<Mnemonic>(i));
    std::array<Mnemonic, frontend::kMnemonicCount> table{};
    for (int i = 0; i < frontend::kMnemonicCount; ++i) {
      const std::string_view name = frontend::MnemonicName(static_cast<Mnemonic>(i));
      if (name.size() < 2 || name[0] != 'v') continue;
      if (const auto it = by_name.find(name.substr(1)); it != by_name.end()) table[i] = it->second;
    }
    return table;
  }();
  return kTable[static_cast<size_t>(m)];
}

/// Operand n: a vector register (its low 32 bytes), a GPR's bytes, or op.size bytes of memory
/// (zero-extended); `aligned`: memory must be aligned to its size (#GP(0)).
bool ReadWide(Exec& e, int n, Wide& v, Step& step, bool aligned = false) {
  const Operand& op = e.insn.operands[n];
  v.fill(0);
  if (op.kind == OperandKind::kReg) {
    if (IsVector(op)) {
      std::memcpy(v.data(), Reg(e, op), 32);
    } else {
      const uint64_t g = e.ReadReg(op.reg);
      for (unsigned i = 0; i < op.size && i < 8; ++i) v[i] = static_cast<uint8_t>(g >> (8 * i));
    }
    return true;
  }
  const uint64_t offset = e.Offset(op), linear = e.SegmentBase(op.seg) + offset;
  if (aligned && (linear & (op.size - 1))) {
    step = e.RaiseWithCode(vec::kGp, 0);
    return false;
  }
  return e.ReadSegmentBytes(op.seg, offset, linear, v.data(), op.size > 32 ? 32 : op.size, step);
}

/// A VEX write of `width` bytes to a vector register: the bits above are zeroed.
void WriteRegister(Exec& e, const Operand& op, const uint8_t* r, unsigned width) {
  uint8_t* z = Reg(e, op);
  std::memmove(z, r, width);
  std::memset(z + width, 0, 64 - width);
}

/// Writes the destination (operand 0): a vector register (zeroing above `width`) or memory.
bool WriteDest(Exec& e, const Wide& r, unsigned width, Step& step, bool aligned = false) {
  const Operand& op = e.insn.operands[0];
  if (op.kind == OperandKind::kReg) {
    WriteRegister(e, op, r.data(), width);
    return true;
  }
  const uint64_t offset = e.Offset(op), linear = e.SegmentBase(op.seg) + offset;
  if (aligned && (linear & (op.size - 1))) {
    step = e.RaiseWithCode(vec::kGp, 0);
    return false;
  }
  return e.WriteSegmentBytes(op.seg, offset, linear, r.data(), op.size, step);
}

// --- moves ----------------------------------------------------------------------------------

Step Move(Exec& e, bool aligned) {
  Step step = Step::kNext;
  Wide r;
  if (!ReadWide(e, 1, r, step, aligned) || !WriteDest(e, r, Width(e), step, aligned)) return step;
  return e.Next();
}

// --- integer lanes --------------------------------------------------------------------------

/// The byte-wise operations glibc's AVX2 string functions run most, as plain loops the host
/// compiler vectorizes (the same results as IntegerBinary's); false for the others.
bool BytewiseFast(Mnemonic legacy, const Wide& a, const Wide& b, Wide& r) {
  switch (legacy) {
    case M::PCMPEQB: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] == b[i] ? 0xFF : 0; return true;
    case M::PMINUB: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] < b[i] ? a[i] : b[i]; return true;
    case M::PMAXUB: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] > b[i] ? a[i] : b[i]; return true;
    case M::POR: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] | b[i]; return true;
    case M::PAND: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] & b[i]; return true;
    case M::PXOR: for (unsigned i = 0; i < 32; ++i) r[i] = a[i] ^ b[i]; return true;
    case M::PANDN: for (unsigned i = 0; i < 32; ++i) r[i] = static_cast<uint8_t>(~a[i] & b[i]); return true;
    case M::PSUBB: for (unsigned i = 0; i < 32; ++i) r[i] = static_cast<uint8_t>(a[i] - b[i]); return true;
    case M::PADDB: for (unsigned i = 0; i < 32; ++i) r[i] = static_cast<uint8_t>(a[i] + b[i]); return true;
    default: return false;
  }
}

/// dest = op(src1, src2) on each 128-bit block (src1 = src2 for the one-source forms).
Step Integer(Exec& e, Mnemonic legacy) {
  Step step = Step::kNext;
  const int count = e.insn.operand_count;
  Wide a, b;
  if (!ReadWide(e, count - 1, b, step)) return step;
  if (count == 3) ReadWide(e, 1, a, step);
  else a = b;
  Wide r{};
  if (BytewiseFast(legacy, a, b, r)) {
    WriteDest(e, r, Width(e), step);
    return e.Next();
  }
  for (unsigned base = 0; base < Width(e); base += 16) {
    v::Bytes<16> x, y, z{};
    std::memcpy(x.data(), a.data() + base, 16);
    std::memcpy(y.data(), b.data() + base, 16);
    IntegerBinary<16>(legacy, x, y, z);
    std::memcpy(r.data() + base, z.data(), 16);
  }
  WriteDest(e, r, Width(e), step);
  return e.Next();
}

template <class From, class To>
Step Extend(Exec& e) {
  Step step = Step::kNext;
  Wide b;
  if (!ReadWide(e, 1, b, step)) return step;
  const Wide r = v::Extend<From, To, 32>(b);
  WriteDest(e, r, Width(e), step);
  return e.Next();
}

/// VPSLLVD/Q, VPSRLVD/Q, VPSRAVD: each element shifted by the count in the same element of src2.
template <class T, bool kLeft, bool kArithmetic>
Step ShiftVariable(Exec& e) {
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step)) return step;
  Wide r{};
  constexpr unsigned kBits = sizeof(T) * 8;
  for (unsigned i = 0; i < Width(e) / sizeof(T); ++i) {
    const T x = v::Get<T, 32>(a, i), n = v::Get<T, 32>(b, i);
    T out;
    if (kArithmetic) {
      using S = std::make_signed_t<T>;
      out = static_cast<T>(static_cast<S>(x) >> (n >= kBits ? kBits - 1 : n));
    } else {
      out = n >= kBits ? T{0} : kLeft ? static_cast<T>(x << n) : static_cast<T>(x >> n);
    }
    v::Set<T, 32>(r, i, out);
  }
  WriteDest(e, r, Width(e), step);
  return e.Next();
}

Step MoveMaskBytes(Exec& e) {
  const uint8_t* x = Reg(e, e.insn.operands[1]);
  uint32_t mask = 0;
  const unsigned width = Width(e);
  for (unsigned i = 0; i < 32; ++i) mask |= static_cast<uint32_t>(x[i] >> 7) << i;
  if (width == 16) mask &= 0xFFFF;
  e.WriteReg(e.insn.operands[0].reg, mask);
  return e.Next();
}

Step MoveMaskFloat(Exec& e, unsigned lane) {
  const uint8_t* x = Reg(e, e.insn.operands[1]);
  uint32_t mask = 0;
  for (unsigned i = 0; i < Width(e) / lane; ++i) mask |= static_cast<uint32_t>(x[lane * i + lane - 1] >> 7) << i;
  e.WriteReg(e.insn.operands[0].reg, mask);
  return e.Next();
}

/// VPTEST (all bits) and VTESTPS/PD (the sign bits of the elements): ZF = (a AND b) == 0,
/// CF = (NOT a AND b) == 0; AF, OF, PF, SF cleared.
Step Test(Exec& e, unsigned lane) {
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 0, a, step) || !ReadWide(e, 1, b, step)) return step;
  bool zero = true, carry = true;
  for (unsigned i = 0; i < Width(e); ++i) {
    const uint8_t bits = lane == 1 ? 0xFF : (i % lane == lane - 1 ? 0x80 : 0);
    if (a[i] & b[i] & bits) zero = false;
    if (~a[i] & b[i] & bits) carry = false;
  }
  sem::UpdateFlags(e.s.flags, machine::rflags::kArith,
                   (zero ? machine::rflags::kZf : 0) | (carry ? machine::rflags::kCf : 0));
  return e.Next();
}

/// VZEROUPPER / VZEROALL: bits 128 and up (or all bits) of the registers the mode can name.
Step ZeroRegisters(Exec& e, bool all) {
  const unsigned regs = e.mode == frontend::CpuMode::k64 ? 16 : 8;
  for (unsigned i = 0; i < regs; ++i) std::memset(e.s.zmm[i] + (all ? 0 : 16), 0, all ? 64 : 48);
  return e.Next();
}

/// VBROADCASTSS/SD/F128/I128, VPBROADCASTB/W/D/Q: the low `size` bytes of the source repeated.
Step Broadcast(Exec& e, unsigned size) {
  Step step = Step::kNext;
  Wide b;
  if (!ReadWide(e, 1, b, step)) return step;
  Wide r;
  for (unsigned i = 0; i < 32; i += size) std::memcpy(r.data() + i, b.data(), size);
  WriteDest(e, r, Width(e), step);
  return e.Next();
}

/// VINSERTF128/I128: src1 with the 128-bit half imm[0] replaced by src2.
Step Insert128(Exec& e) {
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step)) return step;
  std::memcpy(a.data() + 16 * (Imm(e, 3) & 1), b.data(), 16);
  WriteDest(e, a, 32, step);
  return e.Next();
}

/// VEXTRACTF128/I128: the 128-bit half imm[0] to an XMM register or m128.
Step Extract128(Exec& e) {
  Step step = Step::kNext;
  Wide r{};
  std::memcpy(r.data(), Reg(e, e.insn.operands[1]) + 16 * (Imm(e, 2) & 1), 16);
  if (!WriteDest(e, r, 16, step)) return step;
  return e.Next();
}

/// VPERM2F128/I128: each half from {src1.lo, src1.hi, src2.lo, src2.hi} by imm[1:0] / imm[5:4],
/// or zero with imm[3] / imm[7].
Step Permute128(Exec& e) {
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step)) return step;
  const unsigned imm = Imm(e, 3);
  Wide r{};
  for (unsigned half = 0; half < 2; ++half) {
    const unsigned sel = imm >> (4 * half);
    if (sel & 8) continue;
    std::memcpy(r.data() + 16 * half, ((sel & 2) ? b : a).data() + 16 * (sel & 1), 16);
  }
  WriteDest(e, r, 32, step);
  return e.Next();
}

/// VPERMQ/VPERMPD: qword i = src qword imm[2i+1:2i].
Step PermuteQwordsImmediate(Exec& e) {
  Step step = Step::kNext;
  Wide b;
  if (!ReadWide(e, 1, b, step)) return step;
  const unsigned imm = Imm(e, 2);
  Wide r;
  for (unsigned i = 0; i < 4; ++i) std::memcpy(r.data() + 8 * i, b.data() + 8 * ((imm >> (2 * i)) & 3), 8);
  WriteDest(e, r, 32, step);
  return e.Next();
}

/// VPERMD/VPERMPS: dword i = src2 dword (src1 dword i AND 7).
Step PermuteDwords(Exec& e) {
  Step step = Step::kNext;
  Wide idx, b;
  if (!ReadWide(e, 1, idx, step) || !ReadWide(e, 2, b, step)) return step;
  Wide r;
  for (unsigned i = 0; i < 8; ++i) std::memcpy(r.data() + 4 * i, b.data() + 4 * (idx[4 * i] & 7), 4);
  WriteDest(e, r, 32, step);
  return e.Next();
}

/// VPERMILPS/PD: within each 128-bit block, element i from the element the control selects:
/// an immediate (two bits per single, one per double, PD's bits continuing into the upper
/// block) or the variable form's control vector (bits 1:0 of each dword, bit 1 of each qword).
Step PermuteInLane(Exec& e, bool doubles) {
  Step step = Step::kNext;
  const bool variable = e.insn.operands[2].kind != OperandKind::kImm;
  Wide src, control{};
  if (!ReadWide(e, 1, src, step) || (variable && !ReadWide(e, 2, control, step))) return step;
  const unsigned imm = variable ? 0 : Imm(e, 2);
  Wide r{};
  const unsigned size = doubles ? 8 : 4;
  for (unsigned i = 0; i < Width(e) / size; ++i) {
    const unsigned block = (i * size) & ~15u;
    unsigned sel;
    if (doubles) sel = variable ? (control[8 * i] >> 1) & 1 : (imm >> i) & 1;
    else sel = variable ? control[4 * i] & 3 : (imm >> (2 * (i & 3))) & 3;
    std::memcpy(r.data() + size * i, src.data() + block + size * sel, size);
  }
  WriteDest(e, r, Width(e), step);
  return e.Next();
}

/// VPBLENDD: dword i from src2 where imm bit i is set, else from src1.
Step BlendDwords(Exec& e) {
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step)) return step;
  const unsigned imm = Imm(e, 3);
  for (unsigned i = 0; i < Width(e) / 4; ++i)
    if ((imm >> i) & 1) std::memcpy(a.data() + 4 * i, b.data() + 4 * i, 4);
  WriteDest(e, a, Width(e), step);
  return e.Next();
}

/// VBLENDVPS/PD, VPBLENDVB: element from src2 where the sign bit of the mask operand's element
/// (the register in imm[7:4]) is set.
Step BlendVariable(Exec& e, unsigned size) {
  Step step = Step::kNext;
  Wide a, b, mask;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step) || !ReadWide(e, 3, mask, step)) return step;
  for (unsigned i = 0; i < Width(e); i += size)
    if (mask[i + size - 1] & 0x80) std::memcpy(a.data() + i, b.data() + i, size);
  WriteDest(e, a, Width(e), step);
  return e.Next();
}

/// VMASKMOVPS/PD, VPMASKMOVD/Q: elements whose mask (src1) sign bit is set are loaded (others
/// zero) or stored (others untouched in memory). Masked-off elements never fault.
Step MaskedMove(Exec& e, unsigned size) {
  Step step = Step::kNext;
  const bool store = e.insn.operands[0].kind == OperandKind::kMem;
  const Operand& mem = e.insn.operands[store ? 0 : 2];
  const uint64_t offset = e.Offset(mem);
  // The linear address of a selected element, after its segment checks.
  const auto element = [&](unsigned i, uint64_t& addr) {
    return e.Linear(mem.seg, offset + size * i, size, store ? SegmentAccess::kWrite : SegmentAccess::kRead, addr, step);
  };
  Wide mask;
  ReadWide(e, 1, mask, step);
  const unsigned n = Width(e) / size;
  uint64_t addr = 0;
  if (!store) {
    Wide r{};
    for (unsigned i = 0; i < n; ++i)
      if ((mask[size * i + size - 1] & 0x80) && (!element(i, addr) || !e.ReadBytes(addr, r.data() + size * i, size, step))) return step;
    WriteDest(e, r, Width(e), step);
    return e.Next();
  }
  Wide data, old{};
  ReadWide(e, 2, data, step);
  // Every selected element is checked before any is written, so that a fault stores nothing.
  for (unsigned i = 0; i < n; ++i)
    if ((mask[size * i + size - 1] & 0x80) && (!element(i, addr) || !e.ReadBytes(addr, old.data() + size * i, size, step))) return step;
  for (unsigned i = 0; i < n; ++i)
    if ((mask[size * i + size - 1] & 0x80) && (!element(i, addr) || !e.WriteBytes(addr, data.data() + size * i, size, step))) return step;
  return e.Next();
}

// --- floating point -------------------------------------------------------------------------

/// dest = fn(src1 lane, src2 lane) on every lane (packed) or lane 0 with src1's other lanes.
template <class T, class Fn>
Step FloatLanes(Exec& e, bool scalar, Fn fn) {
  Step step = Step::kNext;
  const bool unary = e.insn.operand_count == 2 || (e.insn.operand_count == 3 && e.insn.operands[2].kind == OperandKind::kImm);
  Wide a, b;
  if (!ReadWide(e, unary ? 1 : 2, b, step)) return step;
  if (unary) a = b;
  else ReadWide(e, 1, a, step);
  const unsigned width = scalar ? 16 : Width(e);
  const unsigned lanes = scalar ? 1 : width / sizeof(T);
  Wide r = a;
  uint32_t flags = 0;
  for (unsigned i = 0; i < lanes; ++i) {
    fp::Bits<T> x, y;
    std::memcpy(&x, a.data() + sizeof(T) * i, sizeof x);
    std::memcpy(&y, b.data() + sizeof(T) * i, sizeof y);
    const fp::Result<T> z = fn(x, y);
    flags |= z.flags;
    std::memcpy(r.data() + sizeof(T) * i, &z.value, sizeof z.value);
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteDest(e, r, width, step);
  return e.Next();
}

template <class T>
Step Arith(Exec& e, fp::ArithOp op, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  return FloatLanes<T>(e, scalar, [op, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::Arith<T>(op, a, b, csr); });
}
template <class T>
Step MinMax(Exec& e, bool max, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  return FloatLanes<T>(e, scalar, [max, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::MinMax<T>(max, a, b, csr); });
}
template <class T>
Step Compare(Exec& e, bool scalar) {
  const uint32_t csr = e.s.mxcsr;
  const unsigned predicate = Imm(e, 3) & 31;
  return FloatLanes<T>(e, scalar,
                       [predicate, csr](fp::Bits<T> a, fp::Bits<T> b) { return fp::Compare<T>(predicate, a, b, csr); });
}

/// The 256-bit conversions: VCVTDQ2PS, VCVT(T)PS2DQ (8 lanes), VCVTPS2PD, VCVTDQ2PD (4 lanes
/// from an XMM source), VCVTPD2PS, VCVT(T)PD2DQ (4 lanes into an XMM destination).
enum class Conversion : uint8_t { kIntToSingle, kSingleToInt, kSingleToDouble, kIntToDouble, kDoubleToSingle, kDoubleToInt };
Step Convert256(Exec& e, Conversion kind, bool truncate) {
  Step step = Step::kNext;
  Wide b;
  if (!ReadWide(e, 1, b, step)) return step;
  Wide r{};
  uint32_t flags = 0;
  const uint32_t csr = e.s.mxcsr;
  unsigned out_width = 32;
  switch (kind) {
    case Conversion::kIntToSingle:
      for (unsigned i = 0; i < 8; ++i) {
        const fp::Result<float> x = fp::FromInteger<float>(static_cast<int32_t>(v::Get<uint32_t, 32>(b, i)), csr);
        flags |= x.flags;
        v::Set<uint32_t, 32>(r, i, x.value);
      }
      break;
    case Conversion::kSingleToInt:
      for (unsigned i = 0; i < 8; ++i) {
        uint64_t out = 0;
        flags |= fp::ToInteger<float>(v::Get<uint32_t, 32>(b, i), 32, truncate, csr, out).flags;
        v::Set<uint32_t, 32>(r, i, static_cast<uint32_t>(out));
      }
      break;
    case Conversion::kSingleToDouble:
      for (unsigned i = 0; i < 4; ++i) {
        const fp::Result<double> x = fp::Convert<float, double>(v::Get<uint32_t, 32>(b, i), csr);
        flags |= x.flags;
        v::Set<uint64_t, 32>(r, i, x.value);
      }
      break;
    case Conversion::kIntToDouble:
      for (unsigned i = 0; i < 4; ++i) {
        const fp::Result<double> x = fp::FromInteger<double>(static_cast<int32_t>(v::Get<uint32_t, 32>(b, i)), csr);
        flags |= x.flags;
        v::Set<uint64_t, 32>(r, i, x.value);
      }
      break;
    case Conversion::kDoubleToSingle:
      out_width = 16;
      for (unsigned i = 0; i < 4; ++i) {
        const fp::Result<float> x = fp::Convert<double, float>(v::Get<uint64_t, 32>(b, i), csr);
        flags |= x.flags;
        v::Set<uint32_t, 32>(r, i, x.value);
      }
      break;
    case Conversion::kDoubleToInt:
      out_width = 16;
      for (unsigned i = 0; i < 4; ++i) {
        uint64_t out = 0;
        flags |= fp::ToInteger<double>(v::Get<uint64_t, 32>(b, i), 32, truncate, csr, out).flags;
        v::Set<uint32_t, 32>(r, i, static_cast<uint32_t>(out));
      }
      break;
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteDest(e, r, out_width, step);
  return e.Next();
}

/// VDPPS ymm: DPPS on each 128-bit lane, in the stages of exec_sse_fp_ext.cpp's DotProduct, each
/// stage spanning both lanes (the products, the first additions, the final ones): a stage commits
/// its flags like one instruction, and one with an unmasked exception raises #XM before the next.
Step DotProduct256(Exec& e) {
  namespace mx = fp::mxcsr;
  using Op = fp::ArithOp;
  Step step = Step::kNext;
  Wide a, b;
  if (!ReadWide(e, 1, a, step) || !ReadWide(e, 2, b, step)) return step;
  const unsigned imm = Imm(e, 3);
  const uint32_t csr = e.s.mxcsr;
  const uint32_t masks = (csr >> mx::kMaskShift) & mx::kFlags;
  uint32_t flags = 0, committed = 0;
  auto stage_ends = [&]() {
    const uint32_t pre = flags & (mx::kIe | mx::kDe | mx::kZe);
    if (pre & ~masks) flags = pre;
    committed |= flags;
    flags = 0;
    if ((committed & ~masks) == 0) return false;
    e.s.mxcsr |= committed;
    step = e.Raise((e.s.cr4 & kCr4Osxmmexcpt) ? vec::kXm : vec::kUd);
    return true;
  };
  auto op = [&](Op o, uint32_t x, uint32_t y) {
    const fp::Result<float> r = fp::Arith<float>(o, x, y, csr);
    flags |= r.flags;
    return r.value;
  };
  uint32_t p[8] = {};
  for (unsigned i = 0; i < 8; ++i)
    if ((imm >> (4 + (i & 3))) & 1) p[i] = op(Op::kMul, v::Get<uint32_t, 32>(a, i), v::Get<uint32_t, 32>(b, i));
  if (stage_ends()) return step;
  uint32_t low[2], high[2];
  for (unsigned l = 0; l < 2; ++l) {
    low[l] = op(Op::kAdd, p[4 * l], p[4 * l + 1]);
    high[l] = op(Op::kAdd, p[4 * l + 2], p[4 * l + 3]);
  }
  if (stage_ends()) return step;
  uint32_t sum[2];
  for (unsigned l = 0; l < 2; ++l) sum[l] = op(Op::kAdd, low[l], high[l]);
  if (stage_ends()) return step;
  e.s.mxcsr |= committed;
  Wide r{};
  for (unsigned i = 0; i < 8; ++i)
    if ((imm >> (i & 3)) & 1) v::Set<uint32_t, 32>(r, i, sum[i / 4]);
  WriteDest(e, r, 32, step);
  return e.Next();
}

/// VPGATHERDD/DQ/QD/QQ, VGATHERDPS/DPD/QPS/QPD: element i (of `elem` bytes, at base + the
/// sign-extended index element i * scale + disp) is loaded where the mask element's sign bit is
/// set. Elements complete in order, each clearing its mask element (selected or not, as the host
/// does); a fault leaves the elements before it done (restartable). At the end the whole mask is zero and the destination is zeroed
/// above its elements. #UD when the destination, index and mask registers are not all different.
Step Gather(Exec& e, unsigned elem, unsigned index_size) {
  const Operand& dst = e.insn.operands[0];
  const Operand& mem = e.insn.operands[1];
  const Operand& mask = e.insn.operands[2];
  const unsigned d = dst.reg.index & 31, x = mem.index.index & 31, k = mask.reg.index & 31;
  if (d == x || d == k || x == k) return e.Raise(vec::kUd);
  const unsigned n = Width(e) / (elem > index_size ? elem : index_size);
  uint64_t base = static_cast<uint64_t>(mem.value);
  if (mem.base.valid()) base += mem.base.cls == RegClass::kIp ? e.next_rip : e.ReadReg(mem.base);
  uint8_t* dest = e.s.zmm[d];
  uint8_t* m = e.s.zmm[k];
  const uint8_t* index = e.s.zmm[x];
  Step step = Step::kNext;
  for (unsigned i = 0; i < n; ++i) {
    if (!(m[elem * i + elem - 1] & 0x80)) {
      std::memset(m + elem * i, 0, elem);
      continue;
    }
    int64_t offset;
    if (index_size == 4) {
      int32_t v;
      std::memcpy(&v, index + 4 * i, 4);
      offset = v;
    } else {
      std::memcpy(&offset, index + 8 * i, 8);
    }
    uint64_t ea = base + static_cast<uint64_t>(offset) * mem.scale;
    if (e.insn.address_size == 4) ea &= 0xFFFFFFFF;
    uint8_t value[8];
    uint64_t addr;
    if (!e.Linear(mem.seg, ea, elem, SegmentAccess::kRead, addr, step) || !e.ReadBytes(addr, value, elem, step)) return step;
    std::memcpy(dest + elem * i, value, elem);
    std::memset(m + elem * i, 0, elem);
  }
  std::memset(m, 0, 64);
  std::memset(dest + elem * n, 0, 64 - elem * n);
  return e.Next();
}

/// F16C: VCVTPH2PS (4 or 8 halves to singles) and VCVTPS2PH (singles to halves, rounded by
/// imm[1:0], or by MXCSR.RC when imm[2] is set; to an XMM register or m64/m128).
Step ConvertHalves(Exec& e, bool to_single) {
  Step step = Step::kNext;
  Wide b;
  if (!ReadWide(e, 1, b, step)) return step;
  const unsigned n = Width(e) / 4;
  Wide r{};
  uint32_t flags = 0;
  if (to_single) {
    for (unsigned i = 0; i < n; ++i) {
      const fp::Result<float> x = fp::HalfToSingle(v::Get<uint16_t, 32>(b, i));
      flags |= x.flags;
      v::Set<uint32_t, 32>(r, i, x.value);
    }
  } else {
    const unsigned imm = Imm(e, 2);
    const unsigned rounding = (imm & 4) ? (e.s.mxcsr >> fp::mxcsr::kRoundingShift) & 3 : imm & 3;
    for (unsigned i = 0; i < n; ++i) {
      const fp::HalfResult x = fp::SingleToHalf(v::Get<uint32_t, 32>(b, i), rounding, e.s.mxcsr);
      flags |= x.flags;
      v::Set<uint16_t, 32>(r, i, x.value);
    }
  }
  // A memory destination's page fault comes before #XM and leaves MXCSR unchanged (as on the
  // host): the bytes are read and written back unchanged first.
  if (const Operand& dst = e.insn.operands[0]; dst.kind == OperandKind::kMem) {
    uint8_t old[16];
    uint64_t addr;
    if (!e.Linear(dst, dst.size, SegmentAccess::kWrite, addr, step) || !e.ReadBytes(addr, old, dst.size, step) ||
        !e.WriteBytes(addr, old, dst.size, step))
      return step;
  }
  if (!CommitFlags(e, flags, step)) return step;
  if (!WriteDest(e, r, to_single ? Width(e) : 16, step)) return step;
  return e.Next();
}

// --- FMA3 -----------------------------------------------------------------------------------

/// VF[N]MADD/VF[N]MSUB/VFMADDSUB/VFMSUBADD 132/213/231 PS/PD/SS/SD, decoded from the mnemonic:
/// with src1 = the destination, src2 = VEX.vvvv, src3 = r/m, 132 is src1 * src3 + src2, 213
/// src2 * src1 + src3, 231 src2 * src3 + src1. ADDSUB subtracts in the even lanes and adds in
/// the odd ones, SUBADD the reverse.
template <class T>
Step FusedMultiplyAdd(Exec& e, std::string_view name) {
  Step step = Step::kNext;
  const bool negate_product = name[2] == 'n';
  const std::string_view op = name.substr(negate_product ? 3 : 2);  // "madd132ps", "msubadd231pd", ...
  const bool addsub = op.starts_with("maddsub"), subadd = op.starts_with("msubadd");
  const bool subtract = !addsub && !subadd && op.starts_with("msub");
  const std::string_view order = op.substr(op.size() - 5, 3);
  const bool scalar = op.ends_with("ss") || op.ends_with("sd");
  Wide src[3];
  if (!ReadWide(e, 0, src[0], step) || !ReadWide(e, 1, src[1], step) || !ReadWide(e, 2, src[2], step)) return step;
  const int ia = order == "132" ? 0 : 1, ib = order == "213" ? 0 : 2, ic = order == "132" ? 1 : order == "213" ? 2 : 0;
  const unsigned width = scalar ? 16 : Width(e);
  const unsigned lanes = scalar ? 1 : width / sizeof(T);
  Wide r = src[0];
  uint32_t flags = 0;
  for (unsigned i = 0; i < lanes; ++i) {
    fp::Bits<T> x[3];
    for (int k = 0; k < 3; ++k) std::memcpy(&x[k], src[k].data() + sizeof(T) * i, sizeof(T));
    const bool negate_addend = subtract || (addsub && i % 2 == 0) || (subadd && i % 2 == 1);
    const fp::Result<T> z = fp::FusedMultiplyAdd<T>(x[ia], x[ib], x[ic], negate_product, negate_addend, e.s.mxcsr);
    flags |= z.flags;
    std::memcpy(r.data() + sizeof(T) * i, &z.value, sizeof(T));
  }
  if (!CommitFlags(e, flags, step)) return step;
  WriteDest(e, r, width, step);
  return e.Next();
}

// --- the legacy handlers on VEX operands ----------------------------------------------------

/// Instructions whose first operand is a vector register they only read.
bool ReadsOnlyFirst(Mnemonic legacy) {
  switch (legacy) {
    case M::PTEST: case M::COMISS: case M::COMISD: case M::UCOMISS: case M::UCOMISD: case M::PCMPESTRI:
    case M::PCMPISTRI: case M::PCMPESTRM: case M::PCMPISTRM: case M::MASKMOVDQU:
      return true;
    default: return false;
  }
}

/// The immediate of the upper 128-bit lane for the instructions whose VEX.256 immediate has
/// separate bits per lane.
unsigned UpperLaneImmediate(Mnemonic legacy, unsigned imm) {
  switch (legacy) {
    case M::SHUFPD: case M::BLENDPD: return imm >> 2;
    case M::BLENDPS: return imm >> 4;
    case M::MPSADBW: return imm >> 3;
    default: return imm;
  }
}

/// Runs the legacy form `legacy` on 128-bit lane `lane` of the VEX operands (see the top of
/// the file); the result, if the instruction writes a vector register, is left in the scratch
/// destination. `shift_immediate`: the VEX form of PSRLW/.../PSLLDQ by an immediate, whose
/// destination is VEX.vvvv (operand 0) and source operand 1.
bool RunLegacyLane(Exec& e, Mnemonic legacy, unsigned lane, bool shift_immediate, Step& step) {
  const DecodedInsn& in = e.insn;
  DecodedInsn li = in;
  li.encoding = frontend::Encoding::kLegacy;
  li.mnemonic = legacy;
  li.prefixes.vex_l = 0;
  // PCMPESTRI/M take 64-bit lengths with REX.W, the VEX forms with VEX.W (in 64-bit mode only).
  if (in.prefixes.vex_w && in.mode == frontend::CpuMode::k64) li.prefixes.rex |= 0x48;
  const int count = in.operand_count;
  // Which VEX operands become the legacy ones: dest (scratch) from `first`, then the rest.
  int first = 0, rest = 1;
  if (shift_immediate) {
    first = 1;
    rest = 2;
  } else if (count == 4 || (count == 3 && in.operands[2].kind != OperandKind::kImm)) {
    first = 1;  // the VEX.vvvv source
    rest = 2;
  }
  const Operand& d = in.operands[first];
  Operand scratch_dest = d;
  if (IsVector(d)) {
    scratch_dest.reg = {RegClass::kXmm, kScratchDest};
    scratch_dest.size = 16;
    std::memcpy(e.s.zmm[kScratchDest], Reg(e, d) + 16 * lane, 16);
  }
  li.operands[0] = IsVector(d) ? scratch_dest : in.operands[0];
  int n = 1;
  for (int i = rest; i < count; ++i, ++n) {
    Operand op = in.operands[i];
    // A 256-bit register source gives each lane its half; a 128-bit one (a shift count) is the
    // same for both.
    if (op.kind == OperandKind::kReg && IsVector(op) && lane == 1 && op.size == 32) {
      std::memcpy(e.s.zmm[kScratchSource], Reg(e, op) + 16, 16);
      op.reg = {RegClass::kXmm, kScratchSource};
    } else if (op.kind == OperandKind::kReg && IsVector(op)) {  // lane 0, or a 128-bit source
      op.reg.cls = RegClass::kXmm;
    } else if (op.kind == OperandKind::kMem && op.size >= 16) {
      // A full-vector memory source: read without the legacy alignment rule. A 256-bit
      // operand gives each lane its half; a 128-bit one (a shift count) is the same for both.
      uint64_t addr;
      if (!e.Linear(op.seg, e.Offset(op) + (op.size == 32 ? 16 * lane : 0), 16, SegmentAccess::kRead, addr, step) ||
          !e.ReadBytes(addr, e.s.zmm[kScratchSource], 16, step))
        return false;
      op = Operand{};
      op.kind = OperandKind::kReg;
      op.size = 16;
      op.reg = {RegClass::kXmm, kScratchSource};
    }
    if (op.kind == OperandKind::kImm && lane == 1) op.value = UpperLaneImmediate(legacy, static_cast<unsigned>(op.value) & 0xFF);
    li.operands[n] = op;
  }
  li.operand_count = static_cast<uint8_t>(n);
  Exec inner(e.s, e.mem, li, e.exit);
  inner.next_rip = e.next_rip;
  inner.uop = e.uop;
  uint8_t group = 0;
  if (!ExecuteOne(inner, step, group)) {
    step = e.Raise(vec::kUd);
    return false;
  }
  return step == Step::kNext;
}

bool RunLegacy(Exec& e, Mnemonic legacy, unsigned lanes, Step& step) {
  uint8_t saved[2][64];
  std::memcpy(saved[0], e.s.zmm[kScratchDest], 64);
  std::memcpy(saved[1], e.s.zmm[kScratchSource], 64);
  const bool shift_immediate = e.insn.map == frontend::OpcodeMap::k0F && e.insn.opcode >= 0x71 && e.insn.opcode <= 0x73;
  const Operand& d = e.insn.operands[0];
  const bool writes = IsVector(d) && !ReadsOnlyFirst(legacy);
  Wide r{};
  bool ok = true;
  if (lanes == 1) {
    ok = RunLegacyLane(e, legacy, 0, shift_immediate, step);
    std::memcpy(r.data(), e.s.zmm[kScratchDest], 16);
  } else {
    // Each lane runs with clear MXCSR flags; the flags of both are committed together, as one
    // instruction does (an unmasked exception in either lane writes no result).
    const uint32_t csr = e.s.mxcsr;
    uint32_t flags = 0;
    for (unsigned lane = 0; lane < 2 && ok; ++lane) {
      e.s.mxcsr = csr & ~fp::mxcsr::kFlags;
      Step lane_step = Step::kNext;
      const bool lane_ok = RunLegacyLane(e, legacy, lane, shift_immediate, lane_step);
      flags |= e.s.mxcsr & fp::mxcsr::kFlags;
      if (!lane_ok && !(lane_step == Step::kException && e.exit.vector == vec::kXm)) {
        step = lane_step;
        ok = false;
      }
      std::memcpy(r.data() + 16 * lane, e.s.zmm[kScratchDest], 16);
    }
    e.s.mxcsr = csr;
    if (ok && !CommitFlags(e, flags, step)) ok = false;
  }
  std::memcpy(e.s.zmm[kScratchDest], saved[0], 64);
  std::memcpy(e.s.zmm[kScratchSource], saved[1], 64);
  if (!ok) return true;
  if (writes) WriteRegister(e, d, r.data(), 16 * lanes);
  // VPCMPESTRM/VPCMPISTRM write XMM0; VEX zeroes its upper bits.
  if (legacy == M::PCMPESTRM || legacy == M::PCMPISTRM) std::memset(e.s.zmm[0] + 16, 0, 48);
  step = e.Next();
  return true;
}

/// Whether the VEX.256 form of `legacy` is two independent 128-bit lanes of the legacy
/// instruction (the ones not handled natively above).
bool RunsPerLane(Mnemonic legacy) {
  switch (legacy) {
    case M::PSHUFD: case M::PSHUFHW: case M::PSHUFLW: case M::SHUFPS: case M::SHUFPD:
    case M::PBLENDW: case M::BLENDPS: case M::BLENDPD: case M::MPSADBW: case M::PSRLW: case M::PSRLD:
    case M::PSRLQ: case M::PSLLW: case M::PSLLD: case M::PSLLQ: case M::PSRAW: case M::PSRAD:
    case M::PSRLDQ: case M::PSLLDQ: case M::MOVSLDUP: case M::MOVSHDUP: case M::MOVDDUP:
    case M::ADDSUBPS: case M::ADDSUBPD: case M::HADDPS: case M::HADDPD: case M::HSUBPS: case M::HSUBPD:
    case M::ROUNDPS: case M::ROUNDPD: case M::PALIGNR:
      return true;
    default: return false;
  }
}

}  // namespace

bool ExecuteAvx(Exec& e, Step& step) {
  if (e.insn.encoding != frontend::Encoding::kVex) return false;
  const Mnemonic m = e.insn.mnemonic;
  const Mnemonic legacy = LegacyOf(m);
  // Only the AVX/AVX2 vector instructions are this group's (BMI and the AVX-512 opmask
  // instructions are VEX-encoded too).
  const bool vector = legacy != M::INVALID || m == M::VZEROUPPER || m == M::VZEROALL ||
                      (e.insn.operand_count > 0 && IsVector(e.insn.operands[0])) ||
                      (e.insn.operand_count > 1 && IsVector(e.insn.operands[1]));
  if (!vector) return false;
  // VEX instructions need the OS to have enabled the AVX state (SDM Vol.1 14.3).
  if (!(e.s.cr4 & kCr4Osxsave) || (e.s.xcr0 & 6) != 6) {
    step = e.Raise(vec::kUd);
    return true;
  }
  if (e.s.cr0 & 8) {  // CR0.TS: #NM
    step = e.Raise(vec::kNm);
    return true;
  }
  // VPINSRD/VPEXTRD with VEX.W1 are VPINSRQ/VPEXTRQ, which do not exist outside 64-bit mode (the
  // host raises #UD; the decoder gives the D forms there).
  if ((m == M::VPINSRD || m == M::VPEXTRD) && e.insn.prefixes.vex_w && e.mode != frontend::CpuMode::k64) {
    step = e.Raise(vec::kUd);
    return true;
  }
  using Op = fp::ArithOp;
  switch (m) {
    case M::VMOVDQA: case M::VMOVAPS: case M::VMOVAPD: case M::VMOVNTDQ: case M::VMOVNTPS: case M::VMOVNTPD:
    case M::VMOVNTDQA:
      step = Move(e, true);
      return true;
    case M::VMOVDQU: case M::VMOVUPS: case M::VMOVUPD: case M::VLDDQU: step = Move(e, false); return true;
    case M::VZEROUPPER: step = ZeroRegisters(e, false); return true;
    case M::VZEROALL: step = ZeroRegisters(e, true); return true;
    case M::VPMOVMSKB: step = MoveMaskBytes(e); return true;
    case M::VMOVMSKPS: step = MoveMaskFloat(e, 4); return true;
    case M::VMOVMSKPD: step = MoveMaskFloat(e, 8); return true;
    case M::VPTEST: step = Test(e, 1); return true;
    case M::VTESTPS: step = Test(e, 4); return true;
    case M::VTESTPD: step = Test(e, 8); return true;
    case M::VPBROADCASTB: step = Broadcast(e, 1); return true;
    case M::VPBROADCASTW: step = Broadcast(e, 2); return true;
    case M::VPBROADCASTD: case M::VBROADCASTSS: step = Broadcast(e, 4); return true;
    case M::VPBROADCASTQ: case M::VBROADCASTSD: step = Broadcast(e, 8); return true;
    case M::VBROADCASTF128: case M::VBROADCASTI128: step = Broadcast(e, 16); return true;
    case M::VINSERTF128: case M::VINSERTI128: step = Insert128(e); return true;
    case M::VEXTRACTF128: case M::VEXTRACTI128: step = Extract128(e); return true;
    case M::VPERM2F128: case M::VPERM2I128: step = Permute128(e); return true;
    case M::VPERMQ: case M::VPERMPD: step = PermuteQwordsImmediate(e); return true;
    case M::VPERMD: case M::VPERMPS: step = PermuteDwords(e); return true;
    case M::VPERMILPS: step = PermuteInLane(e, false); return true;
    case M::VPERMILPD: step = PermuteInLane(e, true); return true;
    case M::VPBLENDD: step = BlendDwords(e); return true;
    case M::VPBLENDVB: step = BlendVariable(e, 1); return true;
    case M::VBLENDVPS: step = BlendVariable(e, 4); return true;
    case M::VBLENDVPD: step = BlendVariable(e, 8); return true;
    case M::VMASKMOVPS: case M::VPMASKMOVD: step = MaskedMove(e, 4); return true;
    case M::VMASKMOVPD: step = MaskedMove(e, 8); return true;
    case M::VPMASKMOVQ: step = MaskedMove(e, 8); return true;
    case M::VCVTPH2PS: step = ConvertHalves(e, true); return true;
    case M::VCVTPS2PH: step = ConvertHalves(e, false); return true;
    case M::VPGATHERDD: case M::VGATHERDPS: step = Gather(e, 4, 4); return true;
    case M::VPGATHERDQ: case M::VGATHERDPD: step = Gather(e, 8, 4); return true;
    case M::VPGATHERQD: case M::VGATHERQPS: step = Gather(e, 4, 8); return true;
    case M::VPGATHERQQ: case M::VGATHERQPD: step = Gather(e, 8, 8); return true;
    case M::VPSLLVD: step = ShiftVariable<uint32_t, true, false>(e); return true;
    case M::VPSLLVQ: step = ShiftVariable<uint64_t, true, false>(e); return true;
    case M::VPSRLVD: step = ShiftVariable<uint32_t, false, false>(e); return true;
    case M::VPSRLVQ: step = ShiftVariable<uint64_t, false, false>(e); return true;
    case M::VPSRAVD: step = ShiftVariable<uint32_t, false, true>(e); return true;
    case M::VADDPS: step = Arith<float>(e, Op::kAdd, false); return true;
    case M::VADDPD: step = Arith<double>(e, Op::kAdd, false); return true;
    case M::VADDSS: step = Arith<float>(e, Op::kAdd, true); return true;
    case M::VADDSD: step = Arith<double>(e, Op::kAdd, true); return true;
    case M::VSUBPS: step = Arith<float>(e, Op::kSub, false); return true;
    case M::VSUBPD: step = Arith<double>(e, Op::kSub, false); return true;
    case M::VSUBSS: step = Arith<float>(e, Op::kSub, true); return true;
    case M::VSUBSD: step = Arith<double>(e, Op::kSub, true); return true;
    case M::VMULPS: step = Arith<float>(e, Op::kMul, false); return true;
    case M::VMULPD: step = Arith<double>(e, Op::kMul, false); return true;
    case M::VMULSS: step = Arith<float>(e, Op::kMul, true); return true;
    case M::VMULSD: step = Arith<double>(e, Op::kMul, true); return true;
    case M::VDIVPS: step = Arith<float>(e, Op::kDiv, false); return true;
    case M::VDIVPD: step = Arith<double>(e, Op::kDiv, false); return true;
    case M::VDIVSS: step = Arith<float>(e, Op::kDiv, true); return true;
    case M::VDIVSD: step = Arith<double>(e, Op::kDiv, true); return true;
    case M::VSQRTPS: step = Arith<float>(e, Op::kSqrt, false); return true;
    case M::VSQRTPD: step = Arith<double>(e, Op::kSqrt, false); return true;
    case M::VSQRTSS: step = Arith<float>(e, Op::kSqrt, true); return true;
    case M::VSQRTSD: step = Arith<double>(e, Op::kSqrt, true); return true;
    case M::VMINPS: step = MinMax<float>(e, false, false); return true;
    case M::VMINPD: step = MinMax<double>(e, false, false); return true;
    case M::VMINSS: step = MinMax<float>(e, false, true); return true;
    case M::VMINSD: step = MinMax<double>(e, false, true); return true;
    case M::VMAXPS: step = MinMax<float>(e, true, false); return true;
    case M::VMAXPD: step = MinMax<double>(e, true, false); return true;
    case M::VMAXSS: step = MinMax<float>(e, true, true); return true;
    case M::VMAXSD: step = MinMax<double>(e, true, true); return true;
    case M::VCMPPS: step = Compare<float>(e, false); return true;
    case M::VCMPPD: step = Compare<double>(e, false); return true;
    case M::VCMPSS: step = Compare<float>(e, true); return true;
    case M::VCMPSD: step = Compare<double>(e, true); return true;
    case M::VPMOVSXBW: step = Extend<int8_t, int16_t>(e); return true;
    case M::VPMOVSXBD: step = Extend<int8_t, int32_t>(e); return true;
    case M::VPMOVSXBQ: step = Extend<int8_t, int64_t>(e); return true;
    case M::VPMOVSXWD: step = Extend<int16_t, int32_t>(e); return true;
    case M::VPMOVSXWQ: step = Extend<int16_t, int64_t>(e); return true;
    case M::VPMOVSXDQ: step = Extend<int32_t, int64_t>(e); return true;
    case M::VPMOVZXBW: step = Extend<uint8_t, uint16_t>(e); return true;
    case M::VPMOVZXBD: step = Extend<uint8_t, uint32_t>(e); return true;
    case M::VPMOVZXBQ: step = Extend<uint8_t, uint64_t>(e); return true;
    case M::VPMOVZXWD: step = Extend<uint16_t, uint32_t>(e); return true;
    case M::VPMOVZXWQ: step = Extend<uint16_t, uint64_t>(e); return true;
    case M::VPMOVZXDQ: step = Extend<uint32_t, uint64_t>(e); return true;
    default: break;
  }
  if (e.insn.prefixes.vex_l) {
    switch (m) {
      case M::VCVTDQ2PS: step = Convert256(e, Conversion::kIntToSingle, false); return true;
      case M::VCVTPS2DQ: step = Convert256(e, Conversion::kSingleToInt, false); return true;
      case M::VCVTTPS2DQ: step = Convert256(e, Conversion::kSingleToInt, true); return true;
      case M::VCVTPS2PD: step = Convert256(e, Conversion::kSingleToDouble, false); return true;
      case M::VCVTDQ2PD: step = Convert256(e, Conversion::kIntToDouble, false); return true;
      case M::VCVTPD2PS: step = Convert256(e, Conversion::kDoubleToSingle, false); return true;
      case M::VCVTPD2DQ: step = Convert256(e, Conversion::kDoubleToInt, false); return true;
      case M::VCVTTPD2DQ: step = Convert256(e, Conversion::kDoubleToInt, true); return true;
      case M::VDPPS: step = DotProduct256(e); return true;
      default: break;
    }
  }
  if (const std::string_view name = frontend::MnemonicName(m);
      legacy == M::INVALID && (name.starts_with("vfm") || name.starts_with("vfnm"))) {
    const bool doubles = name.back() == 'd';
    step = doubles ? FusedMultiplyAdd<double>(e, name) : FusedMultiplyAdd<float>(e, name);
    return true;
  }
  // The logic and unpack instructions of the float domain are the integer ones.
  Mnemonic integer = legacy;
  switch (legacy) {
    case M::ANDPS: case M::ANDPD: integer = M::PAND; break;
    case M::ANDNPS: case M::ANDNPD: integer = M::PANDN; break;
    case M::ORPS: case M::ORPD: integer = M::POR; break;
    case M::XORPS: case M::XORPD: integer = M::PXOR; break;
    case M::UNPCKLPS: integer = M::PUNPCKLDQ; break;
    case M::UNPCKHPS: integer = M::PUNPCKHDQ; break;
    case M::UNPCKLPD: integer = M::PUNPCKLQDQ; break;
    case M::UNPCKHPD: integer = M::PUNPCKHQDQ; break;
    default: break;
  }
  {
    v::Bytes<16> probe{};
    if (integer != M::INVALID && IsVector(e.insn.operands[0]) && e.insn.operands[e.insn.operand_count - 1].kind != OperandKind::kImm &&
        IntegerBinary<16>(integer, probe, probe, probe)) {
      step = Integer(e, integer);
      return true;
    }
  }
  // VEX.L is ignored (LIG) by the scalar instructions, whose operands are all 128 bits or less.
  bool wide = false;
  for (int i = 0; i < e.insn.operand_count; ++i) wide = wide || e.insn.operands[i].size == 32;
  if (legacy == M::INVALID || (wide && !RunsPerLane(legacy))) {
    return false;  // no such VEX instruction in AVX/AVX2 (VAES, VPCLMULQDQ 256, AVX-VNNI ...): #UD
  }
  return RunLegacy(e, legacy, wide ? 2 : 1, step);
}

}  // namespace kiln::jit::interp
