// Kiln's decoder against Zydis (and Capstone) on the default corpora: fails on unexplained differences.
#include <gtest/gtest.h>

#include <cstdio>

#include "tests/diff/corpus.h"
#include "tests/diff/diff_runner.h"

namespace kiln::test {
namespace {

constexpr uint64_t kRandomPerMode = 1'000'000;
constexpr uint64_t kElfInsnsPerFile = 150'000;
constexpr uint64_t kElfInsnsTotal = 2'000'000;

const KnownDifferences& Known() {
  static const KnownDifferences known = [] {
    std::string error;
    auto k = KnownDifferences::Load(DefaultKnownDifferencesPath(), &error);
    if (!k) {
      std::fprintf(stderr, "known differences: %s\n", error.c_str());
      return KnownDifferences{};
    }
    return *k;
  }();
  return known;
}

void ExpectNoUnexplained(const DiffStats& stats, const std::string& title) {
  std::string report = FormatReport(stats, &Known(), title);
  std::fputs(report.c_str(), stdout);
  EXPECT_GT(stats.compared, 0u);
  EXPECT_EQ(stats.unexplained, 0u) << "unexplained decoder differences; see the report above";
}

void RunRandom(Bits mode) {
  DiffRunner runner(mode, &Known());
  runner.RunRandom(kRandomPerMode, 0x4B494C4E00 + static_cast<uint64_t>(mode));
  ExpectNoUnexplained(runner.stats(), "random bytes, " + std::to_string(static_cast<int>(mode)) + "-bit");
}

TEST(DecoderDiff, Random16_MatchesZydis) { RunRandom(Bits::k16); }
TEST(DecoderDiff, Random32_MatchesZydis) { RunRandom(Bits::k32); }
TEST(DecoderDiff, Random64_MatchesZydis) { RunRandom(Bits::k64); }

TEST(DecoderDiff, SystemElfSample_MatchesZydis) {
  DiffRunner runner(Bits::k64, &Known());
  std::vector<std::string> files = DefaultElfSample();
  ASSERT_FALSE(files.empty());
  for (const std::string& f : files) {
    uint64_t left = kElfInsnsTotal - std::min(kElfInsnsTotal, runner.stats().compared);
    if (left == 0) break;
    std::string why;
    if (!runner.RunElf(f, std::min(kElfInsnsPerFile, left), &why)) {
      std::printf("skipped %s: %s\n", f.c_str(), why.c_str());
    }
  }
  ExpectNoUnexplained(runner.stats(), "system ELF sample (" + std::to_string(files.size()) + " files), 64-bit");
}

}  // namespace
}  // namespace kiln::test
