// The interpreter against the host CPU on random instruction sequences: every general-purpose
// form the generator (oracle_cases.h) produces runs natively in a sandboxed child (host_oracle.h)
// and on the interpreter from the same registers, flags and memory, and every GPR, the arithmetic
// flags, DF, the memory page and any exception must agree. The default run checks a CI-sized
// sample; KILN_ORACLE_CASES=N (the `long` test) runs more.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "frontend/mnemonic.h"
#include "jit/interp/interpreter.h"
#include "tests/jit/oracle_cases.h"

namespace kiln::test {
namespace {

TEST(InterpreterOracle, RandomSequencesMatchTheHostCpu) {
  long total = 1 << 14;
  if (const char* env = std::getenv("KILN_ORACLE_CASES")) total = std::atol(env);
  // KILN_ORACLE_MIX=sse-ext: only the SSE3-4.2/AES/MMX generator (to iterate on those quickly).
  const char* mix = std::getenv("KILN_ORACLE_MIX");
  const bool only_extensions = mix && std::string(mix) == "sse-ext";
  // KILN_ORACLE_MIX=avx: only VEX instructions; avx:GROUP (avx fp, avx int, avx move, avx2): one
  // group of them.
  const bool only_avx = mix && std::string(mix).starts_with("avx");
  const std::string avx_group = only_avx && std::string(mix).size() > 4 ? std::string(mix).substr(4) : "";
  std::mt19937_64 rng(0x4F5241434C45);
  long mismatches = 0, faults = 0;
  std::map<std::string, long> per_group;
  for (long done = 0; done < total;) {
    const long batch = std::min<long>(2000, total - done);
    std::vector<OracleCase> cases;
    for (long i = 0; i < batch; ++i) cases.push_back(only_avx ? RandomAvxCase(rng, avx_group.empty() ? nullptr : avx_group.c_str(),
                                                                 i % 6 == 1 ? OracleMode::k32 : OracleMode::k64)
                      : only_extensions ? (i % 3 == 2   ? RandomMmxCase(rng)
                                         : i % 6 == 1 ? RandomSseExtensionCase(rng, OracleMode::k32)
                                                      : RandomSseExtensionCase(rng))
                      : i % 4 == 3 ? RandomBranchCase(rng)
                      : i % 8 == 1 ? RandomStringCase(rng)
                      : i % 8 == 2 ? RandomSseExtensionCase(rng)
                      : i % 16 == 5 ? RandomMmxCase(rng)
                      : i % 16 == 6 ? RandomAvxCase(rng)
                      : i % 32 == 13 ? RandomSseExtensionCase(rng, OracleMode::k32)
                                   : RandomCase(rng));
    std::vector<OracleResult> host;
    std::string error;
    if (!RunOnHost(cases, host, error)) {
      // No oracle (sanitizer build, non-x86 host): still run every case, for the sanitizers.
      for (const OracleCase& c : cases) RunOnInterpreter(c);
      done += batch;
      if (done >= total) GTEST_SKIP() << error << "; ran " << total << " cases on the interpreter unchecked";
      continue;
    }
    for (long i = 0; i < batch; ++i) {
      const OracleCase& c = cases[i];
      const EmulatedRun k = RunOnInterpreter(c);
      CountGroups(c.code, per_group);
      if (host[i].signal != 0 || k.vector >= 0) ++faults;
      const std::string why = Difference(host[i], k, c.mode);
      if (!why.empty() && ++mismatches <= 15) ADD_FAILURE() << why << " for\n" << Listing(c.code, c.mode) << StartState(c);
    }
    done += batch;
  }
  std::printf("interpreter vs host CPU: %ld sequences (%ld with an exception on either side), %ld mismatches\n",
              total, faults, mismatches);
  std::printf("instructions checked, by group:\n");
  for (const auto& [group, count] : per_group) std::printf("  %-20s %ld\n", group.c_str(), count);
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace kiln::test
