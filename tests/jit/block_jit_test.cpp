// The LLVM tier against the host CPU and the interpreter: the oracle generator's random sequences
// (oracle_cases.h) are compiled by BlockJit into host code, run, and must end in the state the
// host CPU and the interpreter end in (GPRs, arithmetic flags, DF, memory, exceptions). This is
// the proof that compiled blocks run the interpreter's semantics (step_abi.h) unchanged.
// KILN_JIT_CASES=N runs more cases than the CI-sized default.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "jit/engine/block_jit.h"
#include "jit/interp/interpreter.h"
#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

std::vector<frontend::DecodedInsn> DecodeAll(const std::vector<uint8_t>& code) {
  std::vector<frontend::DecodedInsn> insns;
  for (size_t pos = 0; pos < code.size();) {
    frontend::DecodedInsn insn;
    EXPECT_EQ(frontend::Decode(std::span<const uint8_t>(code).subspan(pos), frontend::CpuMode::k64, insn),
              frontend::DecodeStatus::kOk);
    if (insn.length == 0) break;
    pos += insn.length;
    insns.push_back(insn);
  }
  return insns;
}

EmulatedRun RunCompiled(jit::BlockJit& engine, const OracleCase& c, uint64_t& retired, double& compile_ms) {
  machine::RegionMemory memory;
  machine::CpuState s;
  std::string error;
  EXPECT_TRUE(PrepareKiln(c, memory, s, error)) << error;
  const auto insns = DecodeAll(c.code);
  const auto t0 = std::chrono::steady_clock::now();
  jit::BlockJit::BlockFn block = engine.Compile(insns, error);
  compile_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_NE(block, nullptr) << error;
  jit::Exit exit;
  if (block) block(&s, &memory, &exit, &retired);
  return Finish(exit, s, memory);
}

EmulatedRun RunInterpreted(const OracleCase& c) {
  machine::RegionMemory memory;
  machine::CpuState s;
  std::string error;
  EXPECT_TRUE(PrepareKiln(c, memory, s, error)) << error;
  jit::Interpreter interp(s, memory);
  return Finish(interp.Run(100), s, memory);
}

TEST(BlockJit, CompiledSequencesMatchTheHostCpuAndTheInterpreter) {
  std::string error;
  auto engine = jit::BlockJit::Create(error);
  ASSERT_NE(engine, nullptr) << error;
  long total = 1000;
  if (const char* env = std::getenv("KILN_JIT_CASES")) total = std::atol(env);
  std::mt19937_64 rng(0x4A49544A4954);
  std::vector<OracleCase> cases;
  for (long i = 0; i < total; ++i) cases.push_back(RandomCase(rng));
  std::vector<OracleResult> host;
  const bool have_host = RunOnHost(cases, host, error);
  long mismatches = 0;
  uint64_t retired = 0;
  double compile_ms = 0;
  for (long i = 0; i < total; ++i) {
    const OracleCase& c = cases[i];
    const EmulatedRun compiled = RunCompiled(*engine, c, retired, compile_ms);
    const EmulatedRun interpreted = RunInterpreted(c);
    OracleResult as_interpreted;
    as_interpreted.signal = 0;
    as_interpreted.out = interpreted.out;
    std::string why;
    if (compiled.vector != interpreted.vector)
      why = "interpreter vector " + std::to_string(interpreted.vector) + ", JIT vector " + std::to_string(compiled.vector);
    else if (compiled.vector < 0 && !(why = Difference(as_interpreted, compiled)).empty())
      why = "against the interpreter: " + why;
    else if (have_host && !(why = Difference(host[i], compiled)).empty())
      why = "against the host: " + why;
    if (!why.empty() && ++mismatches <= 15) ADD_FAILURE() << why << " for\n" << Listing(c.code);
  }
  std::printf("BlockJit: %ld compiled sequences (%llu instructions retired), %ld mismatches%s; "
              "%.1f ms per block compiled\n",
              total, static_cast<unsigned long long>(retired), mismatches,
              have_host ? " against host and interpreter" : " against the interpreter (no host oracle)",
              compile_ms / static_cast<double>(total));
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace kiln::test
