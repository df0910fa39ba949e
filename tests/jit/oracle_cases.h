// Random general-purpose instruction sequences for the host-CPU oracle (host_oracle.h), and the
// pieces every engine's oracle test shares: setting Kiln up from a case, reading its final state
// back, and comparing it with the host's. The interpreter and the JIT are checked by the same
// generator, so a difference between them shows up as a difference from the host.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "frontend/decoded_insn.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_state.h"
#include "machine/region_memory.h"
#include "tests/jit/host_oracle.h"

namespace kiln::test {

/// 1-4 random general-purpose instructions (no control flow; memory as [rbx + disp8/32],
/// [ebx + disp] or [rbx + rbp * scale + disp] in the data page) and a random starting state, in
/// 64-bit or 32-bit (compatibility) mode.
OracleCase RandomCase(std::mt19937_64& rng, OracleMode mode = OracleMode::k64);

/// Random XMM0-15 contents (random bytes or edge lanes) and MXCSR (rounding mode, sticky flags,
/// DAZ/FTZ; exceptions masked).
void RandomVectorState(std::mt19937_64& rng, OracleState& st);

/// A RandomCase followed by a conditional branch over a MOV to CL: the final CL shows which way
/// the branch (Jcc with a random condition, rel8 or rel32; LOOP/LOOPE/LOOPNE/JRCXZ, also with
/// a 67 prefix) went.
OracleCase RandomBranchCase(std::mt19937_64& rng);

/// A string instruction (MOVS, STOS, LODS, CMPS, SCAS in every size, with REP/REPE/REPNE,
/// 66, REX.W, 67 and ignored segment prefixes) from RSI/RDI anywhere in the data page, with
/// counts up to thousands (runs that leave the page fault at the exact element), then a
/// RandomCase's instructions.
OracleCase RandomStringCase(std::mt19937_64& rng);

/// One SSE3, SSSE3, SSE4.1, SSE4.2 or AES-NI/PCLMULQDQ instruction (the rest of SSE2's integer
/// forms included), in 64-bit or compatibility mode (oracle_cases_sse_ext.cpp).
std::vector<uint8_t> RandomSseExtensionInsn(std::mt19937_64& rng, OracleMode mode = OracleMode::k64);

/// 1-4 RandomSseExtensionInsn instructions from a RandomCase state with string-like vectors and
/// memory (for the string compares) and small explicit lengths in RAX and RDX.
OracleCase RandomSseExtensionCase(std::mt19937_64& rng, OracleMode mode = OracleMode::k64);

/// 1-4 MMX instructions (MM-register forms of MMX, SSE, SSE2, SSSE3 and EMMS) with MM0-7 loaded
/// (OracleCase::mmx).
OracleCase RandomMmxCase(std::mt19937_64& rng);

/// The oracle group of an instruction of those extensions ("sse3/ssse3", "sse4.1", "sse4.2",
/// "aes/pclmul", "mmx" for any MM-register form), or nullptr.
const char* SseExtensionGroupOf(const frontend::DecodedInsn& insn);

/// Loads the x87 part of a case into `s` (tags from the abridged tag word and the contents) and
/// reads it back in FXSAVE form.
void LoadX87(const OracleX87& x, machine::CpuState& s);
void StoreX87(const machine::CpuState& s, OracleX87& x);

/// "" when the x87 states agree: FCW, FSW, the abridged tag word, the registers in use
/// bit-exactly, FOP, FIP and FDP; else the first difference.
/// With `ulps`, registers may differ by that many units in the last place and C1 is ignored.
std::string X87Difference(const OracleX87& host, const OracleX87& kiln, int ulps = 0);

/// One to four random x87 instructions (loads, stores, arithmetic, compares, control words,
/// environment, FXSAVE/FXRSTOR) from a random x87 state: edge operands in registers and memory,
/// random control words (every rounding and precision mode, unmasked exceptions, so that #MF
/// must match too), empty and full stacks. 64-bit or 32-bit (compatibility) mode.
/// oracle_cases_x87.cpp.
OracleCase RandomX87Case(std::mt19937_64& rng, OracleMode mode = OracleMode::k64);

/// 1-4 VEX-encoded AVX/AVX2 instructions (oracle_cases_avx.cpp) with YMM0-15 loaded
/// (OracleCase::ymm) from random or edge lanes, in 64-bit or compatibility mode; `only`: one
/// group ("avx fp", "avx int", "avx move", "avx2", "fma", "f16c", "gather") or nullptr for all.
OracleCase RandomAvxCase(std::mt19937_64& rng, const char* only = nullptr, OracleMode mode = OracleMode::k64);

/// XSAVE/XSAVEOPT/XSAVEC of a random state and XRSTOR round trips, with the #GP cases of the
/// header, MXCSR and alignment (oracle_cases_xsave.cpp), in 64-bit or compatibility mode.
OracleCase RandomXsaveCase(std::mt19937_64& rng, OracleMode mode = OracleMode::k64);

/// The oracle group of a VEX-encoded vector instruction, or nullptr.
const char* AvxGroupOf(const frontend::DecodedInsn& insn);

/// "" when bits 128-255 of YMM0-15 (YMM0-7 in compatibility mode) agree, else the first difference.
std::string YmmUpperDifference(const OracleState& host, const OracleState& kiln, OracleMode mode);

/// Maps the case's code (followed by HLT) and data and loads its registers into `s`, in 64-bit
/// mode or (OracleMode::k32) compatibility mode with flat 32-bit segments, at CPL 3.
bool PrepareKiln(const OracleCase& c, machine::RegionMemory& memory, machine::CpuState& s, std::string& error);

/// What Kiln ended with.
struct EmulatedRun {
  int vector = -1;  ///< -1: ran to the end; else the exception raised
  OracleState out;
};
EmulatedRun Finish(const jit::Exit& exit, const machine::CpuState& s, machine::RegionMemory& memory);

/// Runs the case on the interpreter (at most 100 instructions) and returns how it ended.
EmulatedRun RunOnInterpreter(const OracleCase& c);

/// "" when Kiln agrees with the host (GPRs - EAX..EDI in 32-bit mode -, arithmetic flags and DF,
/// the data page, or the same exception vector); else the first difference.
std::string Difference(const OracleResult& host, const EmulatedRun& kiln, OracleMode mode = OracleMode::k64,
                       int x87_ulps = 0);

/// Adds the case's instructions to `counts`, by instruction group ("alu", "string", ...).
void CountGroups(const std::vector<uint8_t>& code, std::map<std::string, long>& counts);

/// The case's starting registers and flags, one line, for failure messages.
std::string StartState(const OracleCase& c);

/// The case's instructions, disassembled one per line, for failure messages.
std::string Listing(const std::vector<uint8_t>& code, OracleMode mode = OracleMode::k64);

/// The decoder's mode for an oracle mode.
constexpr frontend::CpuMode CpuModeOf(OracleMode mode) {
  return mode == OracleMode::k32 ? frontend::CpuMode::k32 : frontend::CpuMode::k64;
}

}  // namespace kiln::test
