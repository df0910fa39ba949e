// Tests of ui/cli: dispatch, --help, --version, and one-line errors with exit code 2.
#include "ui/cli/cli.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "tests/ui/capture.h"
#include "ui/cli/args.h"

namespace kiln::ui {
namespace {

using test_support::Lines;
using Result = test_support::CommandResult;

Result RunKiln(std::vector<std::string_view> args) { return test_support::RunCaptured(RunCli, args); }

TEST(Cli, Help_ListsCommandsOnStdout) {
  const Result r = RunKiln({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("usage: kiln"), std::string::npos);
  EXPECT_NE(r.out.find("disasm"), std::string::npos);
  EXPECT_EQ(r.err, "");
}

TEST(Cli, Version_PrintsOneLine) {
  const Result r = RunKiln({"--version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_EQ(r.out.rfind("kiln ", 0), 0u);
  EXPECT_EQ(Lines(r.out), 1);
}

TEST(Cli, NoArguments_IsAUsageError) {
  const Result r = RunKiln({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(Lines(r.err), 1);
  EXPECT_EQ(r.out, "");
}

TEST(Cli, UnknownOption_IsOneLineAndExitTwo) {
  const Result r = RunKiln({"--frobnicate"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(Lines(r.err), 1);
  EXPECT_NE(r.err.find("--frobnicate"), std::string::npos);
}

TEST(Cli, UnknownCommand_IsOneLineAndExitTwo) {
  const Result r = RunKiln({"boot", "x"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(Lines(r.err), 1);
  EXPECT_NE(r.err.find("'boot'"), std::string::npos);
}

TEST(Cli, EveryCommand_HasNameSummaryAndHelp) {
  for (const Command& c : Commands()) {
    EXPECT_FALSE(c.name.empty());
    EXPECT_FALSE(c.summary.empty());
    const Result r = RunKiln({c.name, "--help"});
    EXPECT_EQ(r.code, kExitOk) << c.name;
    EXPECT_NE(r.out.find(c.name), std::string::npos) << c.name;
  }
}

TEST(ParseU64, AcceptsDecimalAndHex_RejectsTheRest) {
  EXPECT_EQ(ParseU64("0"), 0u);
  EXPECT_EQ(ParseU64("4096"), 4096u);
  EXPECT_EQ(ParseU64("0x7c00"), 0x7c00u);
  EXPECT_EQ(ParseU64("0XFFFFFFFFFFFFFFFF"), UINT64_MAX);
  EXPECT_EQ(ParseU64("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseU64("18446744073709551616"));
  EXPECT_FALSE(ParseU64("0x10000000000000000"));
  EXPECT_FALSE(ParseU64(""));
  EXPECT_FALSE(ParseU64("0x"));
  EXPECT_FALSE(ParseU64("-1"));
  EXPECT_FALSE(ParseU64("12k"));
  EXPECT_FALSE(ParseU64(" 1"));
}

}  // namespace
}  // namespace kiln::ui
