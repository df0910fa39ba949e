// The flags the SDM leaves undefined (see undefined_flags.h).
//
// From the "Flags Affected" section of each instruction in the Intel SDM Vol.2 (and Vol.1
// Appendix A, "EFLAGS Cross-Reference"): "undefined" below is the SDM's word; "defined" includes
// flags it sets, clears or computes; "read" is every flag the operation looks at.
//
//   ADD SUB CMP NEG XADD CMPXCHG   all six defined               ADC SBB: read CF, all defined
//   AND OR XOR TEST                OF CF cleared, SF ZF PF set; AF undefined
//   INC DEC                        CF unaffected, the rest defined
//   SHL/SAL SHR SAR                masked count 0: unaffected. Else CF (undefined for SHL/SHR when
//                                  the count >= the operand width), SF ZF PF defined, OF defined
//                                  for a count of 1 and undefined otherwise, AF undefined
//   ROL ROR RCL RCR                masked count 0: unaffected. Else CF defined, OF defined for a
//                                  masked count of 1 and undefined otherwise; SF ZF AF PF
//                                  unaffected. RCL/RCR read CF
//   SHLD SHRD                      count 0: unaffected; count > operand width: all undefined.
//                                  Else CF SF ZF PF defined, OF for a count of 1 (else
//                                  undefined), AF undefined
//   MUL IMUL (all forms)           CF OF defined; SF ZF AF PF undefined
//   DIV IDIV                       all six undefined
//   BT BTS BTR BTC                 CF defined, ZF unaffected; OF SF AF PF undefined
//   BSF BSR                        ZF defined; CF OF SF AF PF undefined
//   LZCNT TZCNT                    CF ZF defined; OF SF AF PF undefined
//   POPCNT                         all defined (ZF from the source, the rest cleared)
//   ANDN                           SF ZF defined, OF CF cleared; AF PF undefined
//   BEXTR                          ZF defined, CF OF cleared; AF SF PF undefined
//   BLSI BLSR BLSMSK BZHI          CF ZF SF defined (BLSMSK clears ZF), OF cleared; AF PF undefined
//   ADCX / ADOX                    read and define CF / OF only
//   PDEP PEXT MULX RORX SARX SHLX SHRX CRC32 MOVBE   none
//   DAA DAS                        read CF AF; CF AF SF ZF PF defined; OF undefined
//   AAA AAS                        read AF; AF CF defined; OF SF ZF PF undefined
//   AAM AAD                        SF ZF PF defined; OF AF CF undefined
//   CMPXCHG8B/16B                  ZF defined, the rest unaffected
//   CLC STC / CMC                  CF defined / read and defined
//   SAHF / LAHF                    SF ZF AF PF CF defined from AH / read
//   PUSHF / POPF                   all read / all defined
//   SALC (undocumented), INTO      read CF / OF
//   Jcc SETcc CMOVcc FCMOVcc LOOPE LOOPNE   read their condition's flags
//   CMPS SCAS                      all defined (with a REP prefix only if ECX is not 0)
//   COMISS COMISD UCOMISS UCOMISD PTEST VTESTPS VTESTPD PCMPESTRI/M PCMPISTRI/M   all defined
//   FCOMI FCOMIP FUCOMI FUCOMIP    OF SF AF cleared; ZF PF CF defined, but left unchanged when an
//                                  unmasked invalid-operand exception is raised (so not surely set)
#include "tests/jit/undefined_flags.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "tests/jit/host_cpu.h"

namespace kiln::test {
namespace {

using frontend::DecodedInsn;
using frontend::Mnemonic;
using frontend::OperandKind;
namespace rflags = machine::rflags;

constexpr uint64_t kCf = rflags::kCf, kPf = rflags::kPf, kAf = rflags::kAf, kZf = rflags::kZf,
                   kSf = rflags::kSf, kOf = rflags::kOf, kAll = rflags::kArith;

// The flags a condition suffix tests (SDM Vol.1 Appendix B), or -1 for none of them.
int64_t ConditionFlags(std::string_view cc) {
  struct Entry {
    std::string_view cc;
    uint64_t flags;
  };
  static constexpr Entry kConditions[] = {
      {"o", kOf},  {"no", kOf},  {"b", kCf},  {"nb", kCf},  {"z", kZf},  {"nz", kZf},  {"e", kZf},
      {"ne", kZf}, {"be", kCf | kZf},  {"nbe", kCf | kZf},  {"s", kSf},  {"ns", kSf},  {"p", kPf},
      {"np", kPf}, {"u", kPf},   {"nu", kPf},  {"l", kSf | kOf},  {"nl", kSf | kOf},
      {"le", kZf | kSf | kOf},   {"nle", kZf | kSf | kOf}};  // u/nu: FCMOVU/FCMOVNU
  for (const Entry& e : kConditions)
    if (e.cc == cc) return static_cast<int64_t>(e.flags);
  return -1;
}

// Shifts and rotates: what depends on the masked count (unknown for a CL count).
FlagUse ShiftUse(const DecodedInsn& insn) {
  const Mnemonic m = insn.mnemonic;
  const bool dbl = m == Mnemonic::SHLD || m == Mnemonic::SHRD;
  const bool rotate = m == Mnemonic::ROL || m == Mnemonic::ROR || m == Mnemonic::RCL || m == Mnemonic::RCR;
  const bool through_carry = m == Mnemonic::RCL || m == Mnemonic::RCR;
  const unsigned bits = insn.operands[0].size * 8u;
  const unsigned mask = bits == 64 ? 63 : 31;
  const int at = dbl ? 2 : 1;  // the count operand; D0/D1 have none (a count of 1)
  bool known = true;
  unsigned count = 1;
  if (insn.operand_count > at) {
    if (insn.operands[at].kind == OperandKind::kImm) count = static_cast<unsigned>(insn.operands[at].value) & mask;
    else known = false;  // CL
  }
  if (known && count == 0) return {};
  FlagUse u;
  if (through_carry) u.read = kCf;
  if (!known) {
    // Any count: 0 (nothing changes, so nothing is surely defined), 1, or more.
    u.undefined = kOf;
    if (!rotate) u.undefined |= kAf;
    if ((m == Mnemonic::SHL || m == Mnemonic::SHR) && bits < 32) u.undefined |= kCf;  // count >= width
    if (dbl && bits == 16) u.undefined = kAll;                                         // count > width
    return u;
  }
  const uint64_t of = count == 1 ? 0 : kOf;
  if (rotate) {
    u.defined = kCf | (kOf & ~of);
    u.undefined = of;
    return u;
  }
  if (dbl && count > bits) return {0, 0, kAll};
  u.defined = kSf | kZf | kPf | kCf | (kOf & ~of);
  u.undefined = kAf | of;
  if ((m == Mnemonic::SHL || m == Mnemonic::SHR) && count >= bits) {
    u.defined &= ~kCf;
    u.undefined |= kCf;
  }
  return u;
}

bool IsStringInsn(const DecodedInsn& insn, bool& compares) {
  if (insn.map != frontend::OpcodeMap::kPrimary || insn.opcode < 0xA4 || insn.opcode > 0xAF ||
      insn.opcode == 0xA8 || insn.opcode == 0xA9)  // A8/A9: TEST AL/eAX, imm
    return false;
  compares = insn.opcode == 0xA6 || insn.opcode == 0xA7 || insn.opcode == 0xAE || insn.opcode == 0xAF;
  return true;
}

}  // namespace

FlagUse FlagUseOf(const DecodedInsn& insn) {
  using M = Mnemonic;
  switch (insn.mnemonic) {
    case M::ADD: case M::SUB: case M::CMP: case M::NEG: case M::XADD: case M::CMPXCHG:
    case M::POPCNT:
      return {0, kAll, 0};
    case M::ADC: case M::SBB:
      return {kCf, kAll, 0};
    case M::AND: case M::OR: case M::XOR: case M::TEST:
      return {0, kAll & ~kAf, kAf};
    case M::INC: case M::DEC:
      return {0, kAll & ~kCf, 0};
    case M::SHL: case M::SHR: case M::SAR: case M::ROL: case M::ROR: case M::RCL: case M::RCR:
    case M::SHLD: case M::SHRD:
      return ShiftUse(insn);
    case M::MUL: case M::IMUL:
      return {0, kCf | kOf, kSf | kZf | kAf | kPf};
    case M::DIV: case M::IDIV:
      return {0, 0, kAll};
    case M::BT: case M::BTS: case M::BTR: case M::BTC:
      return {0, kCf, kOf | kSf | kAf | kPf};
    case M::BSF: case M::BSR:
      return {0, kZf, kCf | kOf | kSf | kAf | kPf};
    case M::LZCNT: case M::TZCNT:
      return {0, kCf | kZf, kOf | kSf | kAf | kPf};
    case M::ANDN: case M::BLSI: case M::BLSR: case M::BLSMSK: case M::BZHI:
      return {0, kCf | kOf | kZf | kSf, kAf | kPf};
    case M::BEXTR:
      return {0, kCf | kOf | kZf, kAf | kSf | kPf};
    case M::ADCX:
      return {kCf, kCf, 0};
    case M::ADOX:
      return {kOf, kOf, 0};
    case M::DAA: case M::DAS:
      return {kCf | kAf, kCf | kAf | kSf | kZf | kPf, kOf};
    case M::AAA: case M::AAS:
      return {kAf, kAf | kCf, kOf | kSf | kZf | kPf};
    case M::AAM: case M::AAD:
      return {0, kSf | kZf | kPf, kOf | kAf | kCf};
    case M::CMPXCHG8B: case M::CMPXCHG16B:
      return {0, kZf, 0};
    case M::CLC: case M::STC:
      return {0, kCf, 0};
    case M::CMC:
      return {kCf, kCf, 0};
    case M::SAHF:
      return {0, kSf | kZf | kAf | kPf | kCf, 0};
    case M::LAHF:
      return {kSf | kZf | kAf | kPf | kCf, 0, 0};
    case M::PUSHF: case M::PUSHFD: case M::PUSHFQ:
      return {kAll, 0, 0};
    case M::POPF: case M::POPFD: case M::POPFQ:
      return {0, kAll, 0};
    case M::SALC:
      return {kCf, 0, 0};
    case M::INTO:
      return {kOf, 0, 0};
    case M::LOOPE: case M::LOOPNE:
      return {kZf, 0, 0};
    case M::FCOMI: case M::FCOMIP: case M::FUCOMI: case M::FUCOMIP:
      return {0, kOf | kSf | kAf, 0};
    case M::COMISS: case M::COMISD: case M::UCOMISS: case M::UCOMISD: case M::VCOMISS: case M::VCOMISD:
    case M::VUCOMISS: case M::VUCOMISD: case M::PTEST: case M::VPTEST: case M::VTESTPS: case M::VTESTPD:
    case M::PCMPESTRI: case M::PCMPESTRM: case M::PCMPISTRI: case M::PCMPISTRM: case M::VPCMPESTRI:
    case M::VPCMPESTRM: case M::VPCMPISTRI: case M::VPCMPISTRM:
      return {0, kAll, 0};
    default:
      break;
  }
  bool compares = false;
  if (IsStringInsn(insn, compares)) {
    if (!compares) return {};
    return {0, insn.prefixes.rep || insn.prefixes.repne ? 0 : kAll, 0};
  }
  // Conditions: Jcc, SETcc, CMOVcc, FCMOVcc (JMP, JRCXZ and the like have no flag suffix).
  const std::string_view name = frontend::MnemonicName(insn.mnemonic);
  for (const std::string_view prefix : {"fcmov", "cmov", "set", "j"}) {
    if (!name.starts_with(prefix)) continue;
    const int64_t flags = ConditionFlags(name.substr(prefix.size()));
    if (flags >= 0) return {static_cast<uint64_t>(flags), 0, 0};
    break;
  }
  return {};
}

VendorFreedom VendorFreedomOf(const OracleCase& c) {
  VendorFreedom f;
  uint64_t undefined = 0;
  const std::span<const uint8_t> code(c.code);
  for (size_t pos = 0; pos < code.size();) {
    DecodedInsn insn;
    // Not an instruction Kiln decodes: the case expects #UD there, and nothing after it runs.
    if (frontend::Decode(code.subspan(pos), CpuModeOf(c.mode), insn) != frontend::DecodeStatus::kOk || !insn.length)
      break;
    f.flags_anywhere |= undefined;
    const FlagUse use = FlagUseOf(insn);
    if ((use.read & undefined) && !f.not_compared) {
      f.not_compared = kReadsUndefinedFlag;
      char buf[64];
      std::snprintf(buf, sizeof buf, " reads undefined flags 0x%llx",
                    static_cast<unsigned long long>(use.read & undefined));
      f.detail = frontend::FormatInsn(insn, kOracleCodeBase + pos) + buf;
    }
    undefined = (undefined & ~use.defined) | use.undefined;

    const Mnemonic m = insn.mnemonic;
    const frontend::Operand* ops = insn.operands.data();
    bool compares = false;
    const bool repeated_string = IsStringInsn(insn, compares) && (insn.prefixes.rep || insn.prefixes.repne);
    if (pos == 0 && repeated_string && compares) f.starts_with_repeated_compare = true;
    // With 32-bit addressing in 64-bit mode and ECX = 0 an Intel host zero-extends ECX (and, for
    // MOVS and STOS, ESI and EDI) although nothing iterates.
    if (repeated_string && c.mode == OracleMode::k64 && insn.address_size == 4 && !f.not_compared) {
      const uint64_t* g = c.in.gpr;
      const bool upper = ((g[machine::kRcx] | g[machine::kRsi] | g[machine::kRdi]) >> 32) != 0;
      if (pos != 0 || (static_cast<uint32_t>(g[machine::kRcx]) == 0 && upper)) {
        f.not_compared = kRepWithZeroEcx;
        f.detail = frontend::FormatInsn(insn, kOracleCodeBase + pos);
      }
    }
    if (m == Mnemonic::XRSTOR || m == Mnemonic::XRSTOR64) f.has_xrstor = true;
    if (m == Mnemonic::DPPS || m == Mnemonic::VDPPS || m == Mnemonic::DPPD || m == Mnemonic::VDPPD)
      f.dot_products.push_back(pos);
    if (m == Mnemonic::VGATHERDPS || m == Mnemonic::VGATHERQPS || m == Mnemonic::VPGATHERDD || m == Mnemonic::VPGATHERQD ||
        m == Mnemonic::VGATHERDPD || m == Mnemonic::VGATHERQPD || m == Mnemonic::VPGATHERDQ || m == Mnemonic::VPGATHERQQ) {
      if (insn.operand_count == 3 && ops[0].kind == OperandKind::kReg && ops[2].kind == OperandKind::kReg)
        f.gathers.push_back({ops[0].reg.index, ops[2].reg.index, ops[1].size, ops[0].size == 16});
    }
    // The 32-bit layouts (28 and 108 bytes) hold FOP in bits 16-26 of the dword at offset 16; the
    // cases address them as [rbx + disp] (RBX unchanged since the start).
    if ((m == Mnemonic::FNSTENV || m == Mnemonic::FNSAVE) && ops[0].kind == OperandKind::kMem &&
        (ops[0].size == 28 || ops[0].size == 108) && ops[0].base.valid() && ops[0].base.index == machine::kRbx &&
        !ops[0].index.valid()) {
      const int64_t at = static_cast<int64_t>(c.in.gpr[machine::kRbx] - kOracleDataBase) + ops[0].value + 18;
      if (at >= 0 && at + 2 <= static_cast<int64_t>(kOracleDataSize)) f.fop_in_images.push_back(static_cast<size_t>(at));
    }
    pos += insn.length;
  }
  f.flags_at_end = undefined;
  f.flags_anywhere |= undefined;
  return f;
}

namespace {

// Half 0 (XMM) or 1 (bits 128-255) of YMM `r`.
uint8_t* Lanes(OracleState& st, unsigned r, int half) { return half ? st.ymm_hi[r] : st.xmm[r]; }
const uint8_t* Lanes(const OracleState& st, unsigned r, int half) { return half ? st.ymm_hi[r] : st.xmm[r]; }

// A product of a dot product that is NaN or infinite, or may overflow to infinity.
template <class T>
bool SpecialProduct(const uint8_t* a, const uint8_t* b) {
  T x, y;
  std::memcpy(&x, a, sizeof x);
  std::memcpy(&y, b, sizeof y);
  if (!std::isfinite(x) || !std::isfinite(y)) return true;
  return std::fabs(static_cast<long double>(x) * y) > std::numeric_limits<T>::max() / 2;
}

// Whether the DPPS/DPPD (or VEX form) at code offset `pos` adds two NaN or infinite products. Its
// sources are read from the interpreter's state after the instructions before it.
bool AddsTwoSpecialProducts(const OracleCase& c, size_t pos) {
  DecodedInsn insn;
  if (frontend::Decode(std::span<const uint8_t>(c.code).subspan(pos), CpuModeOf(c.mode), insn) != frontend::DecodeStatus::kOk)
    return true;
  OracleCase prefix = c;
  prefix.code.resize(pos);
  const EmulatedRun before = RunOnInterpreter(prefix);
  if (before.vector >= 0) return false;  // a fault before it: it never runs
  const OracleState& st = before.out;
  const bool vex = insn.encoding == frontend::Encoding::kVex;
  const frontend::Operand& src1 = insn.operands[vex ? 1 : 0];
  const frontend::Operand& src2 = insn.operands[vex ? 2 : 1];
  const unsigned imm = static_cast<unsigned>(insn.operands[vex ? 3 : 2].value);
  const bool doubles = insn.mnemonic == Mnemonic::DPPD || insn.mnemonic == Mnemonic::VDPPD;
  const unsigned size = doubles ? 8 : 4;
  const int halves = src1.size == 32 ? 2 : 1;
  uint8_t mem[32];
  if (src2.kind == OperandKind::kMem) {
    if (!src2.base.valid() || src2.index.valid()) return true;
    const int64_t at = static_cast<int64_t>(st.gpr[src2.base.index] - kOracleDataBase) + src2.value;
    if (at < 0 || at + src2.size > static_cast<int64_t>(kOracleDataSize)) return false;  // it faults
    std::memcpy(mem, st.data + at, src2.size);
  }
  for (int half = 0; half < halves; ++half) {
    const uint8_t* a = Lanes(st, src1.reg.index, half);
    const uint8_t* b = src2.kind == OperandKind::kMem ? mem + 16 * half : Lanes(st, src2.reg.index, half);
    int specials = 0;
    for (unsigned j = 0; j < 16 / size; ++j)
      if ((imm >> (4 + j)) & 1)
        specials += doubles ? SpecialProduct<double>(a + 8 * j, b + 8 * j) : SpecialProduct<float>(a + 4 * j, b + 4 * j);
    if (specials >= 2) return true;
  }
  return false;
}

}  // namespace

HostComparison CompareWithHost(const OracleCase& c, const OracleResult& host, const EmulatedRun& kiln, bool amd) {
  if (amd) return {Difference(host, kiln, c.mode, c.x87_ulps), nullptr};
  const VendorFreedom f = VendorFreedomOf(c);
  if (f.not_compared) return {"", f.not_compared};
  for (const size_t pos : f.dot_products)
    if (AddsTwoSpecialProducts(c, pos)) return {"", kDotProductOfSpecials};
  // Where the vendor may choose, the host's value is taken to be Kiln's.
  OracleResult h = host;
  OracleState& ho = h.out;
  const OracleState& ko = kiln.out;
  uint64_t open = host.signal ? f.flags_anywhere : f.flags_at_end;
  if (f.starts_with_repeated_compare && host.signal && ((host.out.rflags ^ c.in.rflags) & rflags::kArith) == 0)
    open = rflags::kArith;
  ho.rflags = (host.out.rflags & ~open) | (ko.rflags & open);
  ho.x87.fop = ko.x87.fop;
  ho.x87.fdp = ko.x87.fdp;
  for (const size_t at : f.fop_in_images) std::memcpy(ho.data + at, ko.data + at, 2);
  if (f.has_xrstor && host.signal && host.trap == 13 && kiln.vector == 13) {
    std::memcpy(ho.xmm, ko.xmm, sizeof ho.xmm);
    std::memcpy(ho.ymm_hi, ko.ymm_hi, sizeof ho.ymm_hi);
    ho.mxcsr = ko.mxcsr;
    ho.x87 = ko.x87;
  }
  if (host.signal) {
    static constexpr uint8_t kZeros[16] = {};
    for (const VendorFreedom::Gather& g : f.gathers) {
      // Each mask element as Kiln's, extended from its sign bit, or cleared (an Intel host also
      // clears the elements 4-7 of a VEX.128 gather's mask whose sign bit is set).
      for (int half = 0; half < 2; ++half)
        for (unsigned e = 0; e < 16; e += g.element) {
          uint8_t* hl = Lanes(ho, g.mask, half) + e;
          const uint8_t* kl = Lanes(ko, g.mask, half) + e;
          uint8_t extended[8];
          std::memset(extended, (kl[g.element - 1] & 0x80) ? 0xFF : 0x00, sizeof extended);
          if (std::memcmp(hl, extended, g.element) == 0 || std::memcmp(hl, kZeros, g.element) == 0)
            std::memcpy(hl, kl, g.element);
        }
      if (g.xmm && std::memcmp(ho.ymm_hi[g.dest], kZeros, 16) == 0) std::memcpy(ho.ymm_hi[g.dest], ko.ymm_hi[g.dest], 16);
    }
  }
  return {Difference(h, kiln, c.mode, c.x87_ulps), nullptr};
}

HostComparison CompareWithHost(const OracleCase& c, const OracleResult& host, const EmulatedRun& kiln) {
  static const bool amd = HostIsAmd();
  return CompareWithHost(c, host, kiln, amd);
}

}  // namespace kiln::test
