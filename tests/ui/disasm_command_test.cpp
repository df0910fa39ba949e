// Tests of `kiln disasm` (ui/disasm_command): options, input selection, objdump-style lines.
#include "ui/disasm_command.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tests/ui/capture.h"

namespace kiln::ui {
namespace {

using test_support::Lines;
using Result = test_support::CommandResult;

Result RunDisasm(std::vector<std::string_view> args) { return test_support::RunCaptured(RunDisasmCommand, args); }

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::vector<uint8_t>& bytes) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (std::filesystem::temp_directory_path() /
             ("kiln_disasm_" + std::string(info->name()) + ".bin")).string();
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    if (f != nullptr) {
      std::fwrite(bytes.data(), 1, bytes.size(), f);
      std::fclose(f);
    }
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<uint8_t> ReadFile(const char* path) {
  std::vector<uint8_t> data;
  if (std::FILE* f = std::fopen(path, "rb")) {
    int c;
    while ((c = std::fgetc(f)) != EOF) data.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
  }
  return data;
}

TEST(DisasmCommand, RawFile_PrintsObjdumpStyleLines) {
  const TempFile file({0x48, 0x89, 0xe5, 0xc3});  // mov rbp, rsp; ret
  const Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "   0:\t48 89 e5             \tmov rbp, rsp\n"
            "   3:\tc3                   \tret\n");
  EXPECT_EQ(r.err, "");
}

TEST(DisasmCommand, Base_SetsAddressesAndColumnWidth) {
  const TempFile file({0x48, 0x89, 0xe5, 0xc3});
  const Result r = RunDisasm({"--base", "0x401000", file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "  401000:\t48 89 e5             \tmov rbp, rsp\n"
            "  401003:\tc3                   \tret\n");
}

TEST(DisasmCommand, OffsetAndLength_SelectAWindow) {
  const TempFile file({0xcc, 0x90, 0x90, 0xcc});
  const Result r = RunDisasm({"--base=0x100", "--offset=1", "--length", "2", file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            " 101:\t90                   \tnop\n"
            " 102:\t90                   \tnop\n");
}

TEST(DisasmCommand, Mode16_DecodesSixteenBitRegisters) {
  const TempFile file({0x89, 0xe5});
  const Result r = RunDisasm({"--mode", "16", file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out, "   0:\t89 e5                \tmov bp, sp\n");
}

TEST(DisasmCommand, InvalidByte_PrintsBadAndContinues) {
  const TempFile file({0x06, 0x90});  // push es is invalid in 64-bit mode
  const Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "   0:\t06                   \t(bad)\n"
            "   1:\t90                   \tnop\n");
}

TEST(DisasmCommand, CutOffInstruction_PrintsRemainingBytesAsBad) {
  const TempFile file({0x90, 0x48, 0x8b});  // nop; then a mov missing its ModRM
  const Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out,
            "   0:\t90                   \tnop\n"
            "   1:\t48 8b                \t(bad)\n");
}

TEST(DisasmCommand, LongInstruction_ContinuesBytesOnNextLine) {
  // mov rax, 0x1122334455667788 (10 bytes): 7 bytes, then a continuation line like objdump.
  const TempFile file({0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11});
  const Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  ASSERT_EQ(Lines(r.out), 2) << r.out;
  EXPECT_EQ(r.out.rfind("   0:\t48 b8 88 77 66 55 44 \t", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("0x1122334455667788\n   7:\t33 22 11 \n"), std::string::npos) << r.out;
}

TEST(DisasmCommand, BinTrue_DisassemblesTextAtItsAddress) {
  if (ReadFile("/bin/true").empty()) GTEST_SKIP() << "/bin/true is not readable";
  const Result r = RunDisasm({"/bin/true"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_GT(Lines(r.out), 100);
  EXPECT_EQ(r.err, "");
}

TEST(DisasmCommand, NonX86Elf_NeedsMode) {
  std::vector<uint8_t> elf = ReadFile("/bin/true");
  if (elf.size() < 64) GTEST_SKIP() << "/bin/true is not readable";
  elf[18] = 183;  // e_machine = EM_AARCH64
  elf[19] = 0;
  const TempFile file(elf);
  Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(Lines(r.err), 1);
  EXPECT_NE(r.err.find("not x86"), std::string::npos) << r.err;
  r = RunDisasm({"--mode", "64", "--length", "16", file.path()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
}

TEST(DisasmCommand, CorruptElf_IsOneLineError) {
  std::vector<uint8_t> elf = ReadFile("/bin/true");
  if (elf.size() < 64) GTEST_SKIP() << "/bin/true is not readable";
  elf.resize(elf.size() / 2);  // loses the section header table
  const TempFile file(elf);
  const Result r = RunDisasm({file.path()});
  EXPECT_EQ(r.code, kExitFailure);
  EXPECT_EQ(Lines(r.err), 1) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(DisasmCommand, BadCommandLines_AreUsageErrors) {
  const TempFile file({0x90});
  const std::vector<std::vector<std::string_view>> cases = {
      {},
      {"--mode", "8", file.path()},
      {"--base", "xyz", file.path()},
      {"--base"},
      {"--bogus", file.path()},
      {file.path(), file.path()},
  };
  for (const auto& args : cases) {
    const Result r = RunDisasm(args);
    EXPECT_EQ(r.code, kExitUsage) << (args.empty() ? "(none)" : args[0]);
    EXPECT_EQ(Lines(r.err), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(DisasmCommand, MissingFileOrWindowPastEnd_FailsWithOneLine) {
  const TempFile file({0x90, 0x90});
  for (const std::vector<std::string_view>& args :
       {std::vector<std::string_view>{"/nonexistent/kiln/file"},
        std::vector<std::string_view>{"--offset", "3", file.path()},
        std::vector<std::string_view>{"--offset", "1", "--length", "2", file.path()}}) {
    const Result r = RunDisasm(args);
    EXPECT_EQ(r.code, kExitFailure);
    EXPECT_EQ(Lines(r.err), 1) << r.err;
  }
}

}  // namespace
}  // namespace kiln::ui
