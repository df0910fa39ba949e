// Tests of machine/chardev: file truncate/append, buffering and flush, errors, null, specs.
#include "machine/chardev.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace kiln::machine {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Put(devices::CharBackend& b, const std::string& s) { b.Write(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

TEST(FileCharBackend, TruncatesByDefaultAndAppendsOnRequest) {
  const std::string path = ::testing::TempDir() + "/kiln_chardev_test.txt";
  std::string error;
  {
    auto b = FileCharBackend::Open(path, false, error);
    ASSERT_NE(b, nullptr) << error;
    Put(*b, "first\n");
  }
  {
    auto b = FileCharBackend::Open(path, false, error);
    ASSERT_NE(b, nullptr) << error;
    Put(*b, "second\n");
  }
  EXPECT_EQ(Slurp(path), "second\n");
  {
    auto b = FileCharBackend::Open(path, true, error);
    ASSERT_NE(b, nullptr) << error;
    Put(*b, "third");
    b->Flush();
    EXPECT_EQ(Slurp(path), "second\nthird");
    uint8_t byte;
    EXPECT_EQ(b->Read(&byte, 1), 0u);
    EXPECT_TRUE(b->error().empty());
  }
  std::remove(path.c_str());
}

TEST(FileCharBackend, NewlineFlushesPartialLineWaits) {
  const std::string path = ::testing::TempDir() + "/kiln_chardev_flush.txt";
  std::string error;
  auto b = FileCharBackend::Open(path, false, error);
  ASSERT_NE(b, nullptr) << error;
  Put(*b, "abc");
  EXPECT_EQ(Slurp(path), "");
  Put(*b, "d\n");
  EXPECT_EQ(Slurp(path), "abcd\n");
  b.reset();
  std::remove(path.c_str());
}

TEST(FileCharBackend, UnopenablePath_ClearError) {
  std::string error;
  auto b = FileCharBackend::Open("/nonexistent-dir/x/y.txt", false, error);
  EXPECT_EQ(b, nullptr);
  EXPECT_NE(error.find("cannot open '/nonexistent-dir/x/y.txt'"), std::string::npos) << error;
}

TEST(NullCharBackend, SwallowsAndReadsNothing) {
  NullCharBackend b;
  Put(b, "anything");
  uint8_t buf[4];
  EXPECT_EQ(b.Read(buf, 4), 0u);
}

TEST(OpenCharBackend, Specs) {
  std::string error;
  EXPECT_NE(OpenCharBackend("null", error), nullptr);
  EXPECT_NE(OpenCharBackend("stdio", error), nullptr);
  const std::string path = ::testing::TempDir() + "/kiln_chardev_spec.txt";
  auto f = OpenCharBackend("file:" + path + ",append", error);
  ASSERT_NE(f, nullptr) << error;
  f.reset();
  std::remove(path.c_str());
  EXPECT_EQ(OpenCharBackend("pty", error), nullptr);
  EXPECT_NE(error.find("unknown character backend"), std::string::npos);
  EXPECT_EQ(OpenCharBackend("file:", error), nullptr);
}

}  // namespace
}  // namespace kiln::machine
