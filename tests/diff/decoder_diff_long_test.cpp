// The long differential runs (ctest label "long"): 10M random strings per mode, every system ELF.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/diff/corpus.h"
#include "tests/diff/diff_runner.h"

namespace kiln::test {
namespace {

constexpr uint64_t kRandomPerMode = 10'000'000;

const KnownDifferences& Known() {
  static const KnownDifferences known = [] {
    std::string error;
    auto k = KnownDifferences::Load(DefaultKnownDifferencesPath(), &error);
    return k ? *k : KnownDifferences{};
  }();
  return known;
}

void ExpectNoUnexplained(const DiffStats& stats, const std::string& title) {
  std::fputs(FormatReport(stats, &Known(), title).c_str(), stdout);
  EXPECT_GT(stats.compared, 0u);
  EXPECT_EQ(stats.unexplained, 0u) << "unexplained decoder differences; see the report above";
}

void RunRandom(Bits mode) {
  DiffRunner runner(mode, &Known());
  // A different seed from the default run, so the long run adds coverage.
  runner.RunRandom(kRandomPerMode, 0x4C4F4E4700 + static_cast<uint64_t>(mode));
  ExpectNoUnexplained(runner.stats(), "random bytes (long), " + std::to_string(static_cast<int>(mode)) + "-bit");
}

TEST(DecoderDiffLong, Random16_MatchesZydis) { RunRandom(Bits::k16); }
TEST(DecoderDiffLong, Random32_MatchesZydis) { RunRandom(Bits::k32); }
TEST(DecoderDiffLong, Random64_MatchesZydis) { RunRandom(Bits::k64); }

TEST(DecoderDiffLong, AllSystemElfs_MatchZydis) {
  DiffRunner runner(Bits::k64, &Known());
  uint64_t files = 0;
  for (const std::string& f : AllSystemFiles()) {
    files += runner.RunElf(f, UINT64_MAX);
  }
  ExpectNoUnexplained(runner.stats(), "all system ELFs (" + std::to_string(files) + " files), 64-bit");
}

}  // namespace
}  // namespace kiln::test
