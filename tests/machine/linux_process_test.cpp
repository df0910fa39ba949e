// `kiln user`'s process model: a static ELF built from tests/machine/programs/hello.asm runs on
// the interpreter, writes through the write system call and exits with its status.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "machine/user/linux_process.h"

namespace kiln::test {
namespace {

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(LinuxProcess, HelloProgram_WritesAndExitsWithItsStatus) {
  const auto elf = ReadFile(KILN_TEST_HELLO_ELF);
  ASSERT_FALSE(elf.empty()) << KILN_TEST_HELLO_ELF;
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  machine::UserProcessOptions options;
  options.argv = {"hello", "a", "b"};
  options.stdout_file = out;
  std::string error;
  auto process = machine::LinuxProcess::Load(elf, options, error);
  ASSERT_NE(process, nullptr) << error;
  const machine::UserExit exit = process->Run();
  EXPECT_EQ(exit.kind, machine::UserExit::Kind::kExited) << exit.message;
  EXPECT_EQ(exit.status, 43);  // argc (3) + 40
  EXPECT_EQ(ReadAll(out), "hello from kiln user\n");
  std::fclose(out);
}

TEST(LinuxProcess, NotAnExecutable_IsOneClearError) {
  std::string error;
  const std::vector<uint8_t> junk = {'#', '!', '/', 'b', 'i', 'n'};
  EXPECT_EQ(machine::LinuxProcess::Load(junk, {}, error), nullptr);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(error.find('\n'), std::string::npos);
}

TEST(LinuxProcess, InstructionLimit_StopsTheRun) {
  const auto elf = ReadFile(KILN_TEST_HELLO_ELF);
  machine::UserProcessOptions options;
  options.argv = {"hello"};
  options.max_instructions = 3;
  std::FILE* out = std::tmpfile();
  options.stdout_file = out;
  std::string error;
  auto process = machine::LinuxProcess::Load(elf, options, error);
  ASSERT_NE(process, nullptr) << error;
  EXPECT_EQ(process->Run().kind, machine::UserExit::Kind::kInstructionLimit);
  std::fclose(out);
}

}  // namespace
}  // namespace kiln::test
