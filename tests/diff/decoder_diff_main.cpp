// kiln-decoder-diff: compares Kiln's decoder with Zydis and Capstone and prints a triage report.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/diff/corpus.h"
#include "tests/diff/diff_runner.h"

namespace {

using kiln::test::Bits;

constexpr char kUsage[] =
    "usage: kiln-decoder-diff [options]\n"
    "  --mode 16|32|64        mode for --random (default: all three); ELF code is always 64-bit\n"
    "  --random N             N random byte strings per mode (seeded, see --seed)\n"
    "  --seed S               random seed (default: the one the tests use)\n"
    "  --elf FILE...          sweep the code sections of these x86-64 ELF files\n"
    "  --sample               sweep the default ELF sample the tests use\n"
    "  --all-system-elfs      sweep every ELF under /usr/bin and /usr/lib/x86_64-linux-gnu\n"
    "  --max-insns N          per ELF file (default: 150000 with --sample, unlimited otherwise)\n"
    "  --known FILE           known-differences file (default: the checked-in one)\n"
    "  --no-capstone          skip the Capstone comparison\n"
    "  --zydis-explicit-only  compare only Zydis's EXPLICIT operands (default: EXPLICIT and\n"
    "                         IMPLICIT, i.e. every operand Intel syntax shows, as Kiln lists them)\n"
    "  --examples N           unexplained examples to print (default 50)\n"
    "  --groups N             unexplained groups to print (default 40)\n"
    "With no corpus option it runs what the default tests run: --random 1000000 and --sample.\n"
    "Exit status: 0 when every difference is explained by a rule, 1 otherwise, 2 on usage errors.\n";

[[noreturn]] void Usage(const char* error) {
  if (error) std::fprintf(stderr, "kiln-decoder-diff: %s\n", error);
  std::fputs(kUsage, error ? stderr : stdout);
  std::exit(error ? 2 : 0);
}

uint64_t ParseCount(const char* s) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 0);
  if (!end || *end != '\0') Usage("expected a number");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Bits> modes;
  uint64_t random = 0;
  bool random_given = false;
  uint64_t seed = 0;
  bool seed_given = false;
  std::vector<std::string> elfs;
  bool sample = false, all = false, use_capstone = true;
  auto zydis_operands = kiln::test::ZydisOperands::kVisible;
  uint64_t max_insns = 0;
  size_t examples = 50;
  size_t groups = 40;
  std::string known_path = kiln::test::DefaultKnownDifferencesPath();

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      Usage(nullptr);
    } else if (a == "--mode") {
      std::string m = value();
      if (m == "16") modes.push_back(Bits::k16);
      else if (m == "32") modes.push_back(Bits::k32);
      else if (m == "64") modes.push_back(Bits::k64);
      else Usage("--mode takes 16, 32 or 64");
    } else if (a == "--random") {
      random = ParseCount(value());
      random_given = true;
    } else if (a == "--seed") {
      seed = ParseCount(value());
      seed_given = true;
    } else if (a == "--elf") {
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) elfs.emplace_back(argv[++i]);
      if (elfs.empty()) Usage("--elf needs at least one file");
    } else if (a == "--sample") {
      sample = true;
    } else if (a == "--all-system-elfs") {
      all = true;
    } else if (a == "--max-insns") {
      max_insns = ParseCount(value());
    } else if (a == "--known") {
      known_path = value();
    } else if (a == "--no-capstone") {
      use_capstone = false;
    } else if (a == "--zydis-explicit-only") {
      zydis_operands = kiln::test::ZydisOperands::kExplicitOnly;
    } else if (a == "--examples") {
      examples = ParseCount(value());
    } else if (a == "--groups") {
      groups = ParseCount(value());
    } else {
      Usage(("unknown option " + a).c_str());
    }
  }
  if (!random_given && elfs.empty() && !sample && !all) {
    random = 1'000'000;
    sample = true;
  }
  if (modes.empty()) modes = {Bits::k16, Bits::k32, Bits::k64};

  std::string error;
  auto known = kiln::test::KnownDifferences::Load(known_path, &error);
  if (!known) {
    std::fprintf(stderr, "kiln-decoder-diff: %s\n", error.c_str());
    return 2;
  }

  uint64_t unexplained = 0;
  auto report = [&](kiln::test::DiffRunner& r, const std::string& title, double seconds) {
    std::fputs(kiln::test::FormatReport(r.stats(), &*known, title).c_str(), stdout);
    std::printf("(%.1f s)\n\n", seconds);
    unexplained += r.stats().unexplained;
  };
  using Clock = std::chrono::steady_clock;

  if (random > 0) {
    for (Bits mode : modes) {
      auto start = Clock::now();
      kiln::test::DiffRunner runner(mode, &*known, use_capstone, zydis_operands);
      runner.stats().max_examples = examples;
      runner.stats().max_groups = groups;
      runner.RunRandom(random, seed_given ? seed : 0x4B494C4E00 + static_cast<uint64_t>(mode));
      report(runner, "random bytes, " + std::to_string(static_cast<int>(mode)) + "-bit",
             std::chrono::duration<double>(Clock::now() - start).count());
    }
  }

  std::vector<std::string> files = elfs;
  uint64_t per_file = max_insns ? max_insns : UINT64_MAX;
  uint64_t total_cap = UINT64_MAX;
  if (sample) {
    for (auto& f : kiln::test::DefaultElfSample()) files.push_back(f);
    if (!max_insns) per_file = 150'000;
    total_cap = elfs.empty() && !all ? 2'000'000 : UINT64_MAX;  // the tests' cap
  }
  if (all) {
    for (auto& f : kiln::test::AllSystemFiles()) files.push_back(f);
  }
  if (!files.empty()) {
    auto start = Clock::now();
    kiln::test::DiffRunner runner(Bits::k64, &*known, use_capstone, zydis_operands);
    runner.stats().max_examples = examples;
      runner.stats().max_groups = groups;
    uint64_t used = 0;
    for (const std::string& f : files) {
      uint64_t left = total_cap - std::min(total_cap, runner.stats().compared);
      if (left == 0) break;
      std::string why;
      if (runner.RunElf(f, std::min(per_file, left), &why)) {
        ++used;
      } else if (!all) {
        std::fprintf(stderr, "skipped %s: %s\n", f.c_str(), why.c_str());
      }
    }
    report(runner, "ELF code (" + std::to_string(used) + " files), 64-bit",
           std::chrono::duration<double>(Clock::now() - start).count());
  }
  return unexplained == 0 ? 0 : 1;
}
