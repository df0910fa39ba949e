// The model-specific registers of Kiln's CPU model (SDM Vol.4 Table 2-2, the architectural ones).
#include "machine/cpu/msr.h"

namespace kiln::machine {
namespace {

namespace msr {
inline constexpr uint32_t kTsc = 0x10, kPlatformId = 0x17, kApicBase = 0x1B, kFeatureControl = 0x3A,
                          kBiosSignId = 0x8B, kArchCapabilities = 0x10A, kMtrrCap = 0xFE,
                          kSysenterCs = 0x174, kSysenterEsp = 0x175, kSysenterEip = 0x176, kMcgCap = 0x179,
                          kMcgStatus = 0x17A, kMcgCtl = 0x17B, kMiscEnable = 0x1A0, kPat = 0x277, kMtrrDefType = 0x2FF,
                          kEfer = 0xC0000080, kStar = 0xC0000081, kLstar = 0xC0000082, kCstar = 0xC0000083,
                          kSfmask = 0xC0000084, kFsBase = 0xC0000100, kGsBase = 0xC0000101,
                          kKernelGsBase = 0xC0000102, kTscAux = 0xC0000103;
}  // namespace msr

/// The machine-check architecture (SDM Vol.3 16.3): MCG_CAP says kMcBanks banks and that
/// MCG_CTL exists; bank i has CTL, STATUS, ADDR, MISC at 0x400 + 4i. Nothing ever reports an
/// error (Kiln's hardware does not fail), so STATUS stays 0 and only 0 may be written to it.
constexpr unsigned kMcBanks = 10;
constexpr uint32_t kMcBank0 = 0x400;
constexpr uint64_t kMcgCtlPresent = 1u << 8;
bool IsMcBank(uint32_t i) { return i >= kMcBank0 && i < kMcBank0 + 4 * kMcBanks; }
bool IsMcControl(uint32_t i) { return i == msr::kMcgCtl || (IsMcBank(i) && (i - kMcBank0) % 4 == 0); }

bool Canonical(uint64_t v) { return static_cast<uint64_t>(static_cast<int64_t>(v << 16) >> 16) == v; }

/// MTRRs: variable ranges 0x200-0x20F, fixed ranges 0x250, 0x258, 0x259, 0x268-0x26F.
bool IsMtrr(uint32_t i) {
  return (i >= 0x200 && i <= 0x20F) || i == 0x250 || i == 0x258 || i == 0x259 || (i >= 0x268 && i <= 0x26F);
}

uint64_t StorageDefault(uint32_t index) {
  switch (index) {
    case msr::kApicBase: return 0xFEE00000 | (1u << 11) | (1u << 8);  // enabled, bootstrap processor
    case msr::kPat: return 0x0007040600070406ull;                     // the power-on PAT
    case msr::kMiscEnable: return 1u;                                 // fast strings
    default: return IsMcControl(index) ? ~uint64_t{0} : 0;            // every error type reported
  }
}

}  // namespace

bool ReadMsr(SystemOps& o, std::map<uint32_t, uint64_t>& storage, uint32_t index, uint64_t& v) {
  CpuState& s = o.s;
  if (CpuBoard* board = o.cpu.board()) {
    const CpuBoard::MsrAccess a = board->ReadMsr(index, v);
    if (a != CpuBoard::MsrAccess::kNotMine) return a == CpuBoard::MsrAccess::kDone || o.Gp(0);
  }
  switch (index) {
    case msr::kTsc: v = o.cpu.ReadTsc(); return true;
    case msr::kEfer: v = s.efer; return true;
    case msr::kStar: v = s.star; return true;
    case msr::kLstar: v = s.lstar; return true;
    case msr::kCstar: v = s.cstar; return true;
    case msr::kSfmask: v = s.sfmask; return true;
    case msr::kFsBase: v = s.seg[kFs].base; return true;
    case msr::kGsBase: v = s.seg[kGs].base; return true;
    case msr::kKernelGsBase: v = s.kernel_gs_base; return true;
    case msr::kTscAux: v = s.tsc_aux; return true;
    case msr::kSysenterCs: v = s.sysenter_cs; return true;
    case msr::kSysenterEsp: v = s.sysenter_esp; return true;
    case msr::kSysenterEip: v = s.sysenter_eip; return true;
    // The microcode revision: high enough that no kernel deems Kiln's CPU in need of an update
    // (Linux checks it against errata lists by model).
    case msr::kBiosSignId: v = uint64_t{0x2C000000} << 32; return true;
    case msr::kPlatformId: v = 0; return true;
    case msr::kArchCapabilities: {
      // Kiln executes nothing speculatively, so it is immune to every speculative-execution and
      // data-sampling issue these bits name (SDM Vol.4 Table 2-2, IA32_ARCH_CAPABILITIES):
      // RDCL_NO, SSB_NO, MDS_NO, PSCHANGE_MC_NO, TAA_NO, SBDR_SSDP_NO, FBSDP_NO, PSDP_NO,
      // BHI_NO, PBRSB_NO, GDS_NO, RFDS_NO. Only when CPUID advertises the MSR.
      if (!(o.cpu.Model().leaf7_edx & (1u << 29))) return o.Gp(0);
      v = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 13) | (1u << 14) | (1u << 15) |
          (1u << 20) | (1u << 24) | (1u << 26) | (1u << 27);
      return true;
    }
    case msr::kMtrrCap: v = 0x508; return true;  // 8 variable ranges, fixed ranges, write-combining
    case msr::kMcgCap: v = kMcgCtlPresent | kMcBanks; return true;
    case msr::kMcgStatus: v = 0; return true;
    case msr::kApicBase: case msr::kPat: case msr::kMiscEnable: case msr::kMtrrDefType: case msr::kFeatureControl:
    case msr::kMcgCtl:
      break;
    default:
      if (!IsMtrr(index) && !IsMcBank(index)) return o.Gp(0);
      break;
  }
  auto it = storage.find(index);
  v = it == storage.end() ? StorageDefault(index) : it->second;
  return true;
}

bool WriteMsr(SystemOps& o, std::map<uint32_t, uint64_t>& storage, uint32_t index, uint64_t v) {
  CpuState& s = o.s;
  if (CpuBoard* board = o.cpu.board()) {
    const CpuBoard::MsrAccess a = board->WriteMsr(index, v);
    if (a != CpuBoard::MsrAccess::kNotMine) return a == CpuBoard::MsrAccess::kDone || o.Gp(0);
  }
  switch (index) {
    case msr::kTsc:
      if (CpuBoard* board = o.cpu.board()) board->WriteTsc(v);
      return true;
    case msr::kEfer: {
      // SCE, LME, NXE are writable; LMA is read-only; LME cannot change while paging is on.
      constexpr uint64_t kWritable = efer::kSce | efer::kLme | efer::kNxe;
      if (v & ~(kWritable | efer::kLma)) return o.Gp(0);
      if ((s.cr0 & cr0::kPg) && ((v ^ s.efer) & efer::kLme)) return o.Gp(0);
      s.efer = (v & kWritable) | (s.efer & efer::kLma);
      o.mem.FlushAll();
      o.engine.FlushTranslations();
      return true;
    }
    case msr::kStar: s.star = v; return true;
    case msr::kLstar: case msr::kCstar: case msr::kFsBase: case msr::kGsBase: case msr::kKernelGsBase:
    case msr::kSysenterEsp: case msr::kSysenterEip:
      if (!Canonical(v)) return o.Gp(0);
      if (index == msr::kLstar) s.lstar = v;
      if (index == msr::kCstar) s.cstar = v;
      if (index == msr::kFsBase) s.seg[kFs].base = v;
      if (index == msr::kGsBase) s.seg[kGs].base = v;
      if (index == msr::kKernelGsBase) s.kernel_gs_base = v;
      if (index == msr::kSysenterEsp) s.sysenter_esp = v;
      if (index == msr::kSysenterEip) s.sysenter_eip = v;
      return true;
    case msr::kSfmask: s.sfmask = v & 0xFFFFFFFF; return true;
    case msr::kTscAux: s.tsc_aux = v & 0xFFFFFFFF; return (v >> 32) == 0 || o.Gp(0);
    case msr::kSysenterCs: s.sysenter_cs = v & 0xFFFF; return true;
    case msr::kMcgStatus: return v == 0 || o.Gp(0);
    case msr::kBiosSignId: return true;  // "load the revision into the MSR": it always reads the same
    case msr::kFeatureControl: {
      // Writable until the lock bit (0) is set; VMX (bits 1-2) and SGX are not offered.
      const auto it = storage.find(index);
      if ((it != storage.end() && (it->second & 1)) || (v & ~uint64_t{1})) return o.Gp(0);
      break;
    }
    case msr::kPat:
      for (unsigned i = 0; i < 8; ++i) {
        const uint64_t type = (v >> (8 * i)) & 0xFF;
        if (type == 2 || type == 3 || type > 7) return o.Gp(0);
      }
      break;
    case msr::kApicBase: case msr::kMiscEnable: case msr::kMtrrDefType: break;
    default:
      if (IsMcBank(index)) {
        // CTL: which errors report (stored); STATUS: only cleared, a nonzero write is #GP
        // (no MCG_SER_P); ADDR and MISC: stored.
        if ((index - kMcBank0) % 4 == 1) return v == 0 || o.Gp(0);
        break;
      }
      if (index == msr::kMcgCtl) {
        if (v != 0 && v != ~uint64_t{0}) return o.Gp(0);  // all error types on or off
        break;
      }
      if (!IsMtrr(index)) return o.Gp(0);
      break;
  }
  storage[index] = v;
  return true;
}

}  // namespace kiln::machine
