// What the host-CPU oracle may not compare on a CPU that is not AMD's. Kiln reproduces AMD's
// values for the flags the Intel SDM leaves undefined (docs/flags.md), so on an AMD host every
// bit is compared; on another vendor's host those flags are the vendor's choice. This file holds
// the SDM's table of them ("Flags Affected" of each instruction in SDM Vol.2, summarized in
// Vol.1 Appendix A, "EFLAGS Cross-Reference") and the walk over a case's instructions that finds
// which flags are undefined when it ends and whether a later instruction reads one of them; and
// the few other differences an Intel host (Sapphire Rapids) showed from AMD's behaviour, which
// Kiln follows (see CompareWithHost).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "frontend/decoded_insn.h"
#include "tests/jit/oracle_cases.h"

namespace kiln::test {

/// How one instruction uses the six arithmetic flags (machine::rflags bits).
struct FlagUse {
  uint64_t read = 0;       ///< may read (a condition, a carry in, PUSHF, LAHF, ...)
  uint64_t defined = 0;    ///< always leaves with a value the SDM defines
  uint64_t undefined = 0;  ///< may leave with a value the SDM leaves undefined
};

/// The SDM's flags for `insn`. Conservative where the value is not known from the instruction
/// alone: a shift or rotate by CL may have a count of 0 (flags unchanged), 1 or more, so it
/// defines nothing and leaves undefined whatever some count would. Instructions without an
/// entry (moves, SSE/AVX/x87 arithmetic, ...) use no arithmetic flag.
FlagUse FlagUseOf(const frontend::DecodedInsn& insn);

/// The reasons a case is not compared with a non-AMD host (map keys for the tests' summaries).
inline constexpr const char* kReadsUndefinedFlag = "they read a flag the SDM leaves undefined";
inline constexpr const char* kRepWithZeroEcx =
    "a REP string instruction with 32-bit addressing and ECX = 0 (Intel clears the upper halves of "
    "RCX, RSI, RDI although nothing iterates; AMD and Kiln leave them)";
inline constexpr const char* kDotProductOfSpecials =
    "a DPPS/DPPD adds two NaN or infinite products (Intel returns another NaN than the SDM's "
    "order gives in some lanes; AMD and Kiln follow the SDM)";

/// What a case leaves to the vendor: the undefined flags by the table above, and the few other
/// places where an Intel host was seen to differ from AMD's (and Kiln's) behaviour.
struct VendorFreedom {
  uint64_t flags_at_end = 0;    ///< undefined when the case has run to its end
  uint64_t flags_anywhere = 0;  ///< undefined at some instruction boundary (where a fault may stop it)
  const char* not_compared = nullptr;  ///< set: the whole result depends on the vendor
  std::string detail;                  ///< with not_compared: the instruction (and the flags read)
  bool starts_with_repeated_compare = false;  ///< REPE/REPNE CMPS/SCAS first
  bool has_xrstor = false;
  std::vector<size_t> dot_products;  ///< code offsets of DPPS/DPPD/VDPPS/VDPPD
  struct Gather {
    unsigned dest, mask;  ///< XMM/YMM indexes
    unsigned element;     ///< the element size in bytes
    bool xmm;             ///< VEX.128: bits 128-255 of both are zeroed
  };
  std::vector<Gather> gathers;           ///< the VGATHER/VPGATHER instructions
  std::vector<size_t> fop_in_images;     ///< data offsets of FOP in 32-bit FNSTENV/FNSAVE images
};

/// Walks the case's instructions in order (the cases' only branches skip a MOV, which uses no
/// flag) and records, at each one, the flags undefined so far that it reads.
VendorFreedom VendorFreedomOf(const OracleCase& c);

struct HostComparison {
  std::string difference;              ///< the first difference, "" when they agree or not compared
  const char* not_compared = nullptr;  ///< set when the case was not compared (a k* reason above)
};

/// Compares Kiln's run of `c` with the host's. On an AMD host (`amd`): Difference() of the whole
/// state, every flag bit included. On another host the case is not compared when its result
/// depends on the vendor (VendorFreedom::not_compared, or a DPPS/DPPD that adds two NaN or
/// infinite products: with two NaNs an Intel host returns, in some lanes, the other one than the
/// SDM's order of additions gives); else the host's state is compared with the host's values
/// taken to be Kiln's where the vendor may choose:
/// - the flags the SDM leaves undefined at the end (at any boundary when the host faulted);
/// - FOP and FDP (registers, and FOP in FNSTENV/FNSAVE images): an Intel CPU keeps them only for
///   an instruction that raised an unmasked x87 exception (SDM Vol.1 8.1.8-8.1.9: FOP outside
///   compatibility mode, FDP with CPUID.(EAX=07H,ECX=0):EBX[6]); AMD and Kiln keep them for the
///   last non-control instruction;
/// - after a fault in a first REPE/REPNE CMPS/SCAS, flags equal to those before it (the SDM's
///   REP: "the EFLAGS value is restored to the state prior to the execution of the instruction";
///   AMD and Kiln keep those of the last completed iteration);
/// - after a #GP of XRSTOR on both sides, the x87/SSE/AVX state (restoring a compacted image with
///   a reserved MXCSR bit, an Intel host has already loaded the x87 state and the XMM registers,
///   and loaded or initialized the upper YMM halves, when it raises #GP; AMD and Kiln change
///   nothing);
/// - after a fault in a gather, mask elements equal to Kiln's extended from their sign bit (the
///   SDM's VGATHER first sets each mask element to all ones or zeros; AMD and Kiln do not) or
///   zero (an Intel host clears elements 4-7 of a VEX.128 gather's mask that have the sign bit),
///   and zeros in bits 128-255 of a VEX.128 gather's destination (AMD and Kiln zero them only
///   when the gather completes).
HostComparison CompareWithHost(const OracleCase& c, const OracleResult& host, const EmulatedRun& kiln, bool amd);
/// As above, for this host (tests/jit/host_cpu.h).
HostComparison CompareWithHost(const OracleCase& c, const OracleResult& host, const EmulatedRun& kiln);

}  // namespace kiln::test
