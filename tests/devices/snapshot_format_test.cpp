// Tests of devices/snapshot: the byte layout (little-endian, sections with a length), reading
// back, nesting, skipping, and clean failures on truncated, misnamed and newer-version input.
#include "devices/snapshot.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

namespace kiln::devices {
namespace {

std::vector<uint8_t> Sample() {
  SnapshotWriter w;
  w.BeginSection("dev", 2);
  w.U8(0x12);
  w.U16(0x3456);
  w.U32(0x789abcde);
  w.U64(0x0102030405060708);
  w.I64(-2);
  w.Bool(true);
  const std::array<uint8_t, 3> bytes = {7, 8, 9};
  w.Bytes(bytes);
  w.BeginSection("sub", 1);
  w.U8(0xaa);
  w.EndSection();
  w.EndSection();
  return w.data();
}

TEST(SnapshotFormat, LayoutIsLittleEndianWithSectionHeaders) {
  const std::vector<uint8_t> b = Sample();
  const std::vector<uint8_t> expected = {
      3, 'd', 'e', 'v', 2, 0, 0, 0,                  // name, version 2
      44, 0, 0, 0,                                   // body length
      0x12, 0x56, 0x34, 0xde, 0xbc, 0x9a, 0x78,      // u8, u16, u32
      8, 7, 6, 5, 4, 3, 2, 1,                        // u64
      0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // i64 -2
      1,                                             // bool
      3, 0, 0, 0, 7, 8, 9,                           // bytes
      3, 's', 'u', 'b', 1, 0, 0, 0, 1, 0, 0, 0, 0xaa};
  EXPECT_EQ(b, expected);
}

TEST(SnapshotFormat, ReadsBackWhatWasWritten) {
  const std::vector<uint8_t> b = Sample();
  SnapshotReader r(b);
  EXPECT_EQ(r.BeginSection("dev", 3), 2u);  // a reader of versions 1-3 gets the version found
  EXPECT_EQ(r.U8(), 0x12);
  EXPECT_EQ(r.U16(), 0x3456);
  EXPECT_EQ(r.U32(), 0x789abcdeu);
  EXPECT_EQ(r.U64(), 0x0102030405060708u);
  EXPECT_EQ(r.I64(), -2);
  EXPECT_TRUE(r.Bool());
  std::array<uint8_t, 3> bytes{};
  r.Bytes(bytes);
  EXPECT_EQ(bytes, (std::array<uint8_t, 3>{7, 8, 9}));
  EXPECT_EQ(r.BeginSection("sub", 1), 1u);
  EXPECT_EQ(r.U8(), 0xaa);
  EXPECT_TRUE(r.EndSection());
  EXPECT_TRUE(r.EndSection());
  EXPECT_TRUE(r.AtEnd()) << r.error();
}

TEST(SnapshotFormat, SkipsASectionItDoesNotRead) {
  const std::vector<uint8_t> b = Sample();
  SnapshotReader r(b);
  std::string name;
  EXPECT_TRUE(r.SkipSection(&name));
  EXPECT_EQ(name, "dev");
  EXPECT_TRUE(r.AtEnd());
}

TEST(SnapshotFormat, WrongNameOrVersionFailsWithOneLine) {
  const std::vector<uint8_t> b = Sample();
  {
    SnapshotReader r(b);
    EXPECT_EQ(r.BeginSection("pit", 1), 0u);
    std::string error;
    EXPECT_FALSE(r.Finish(error));
    EXPECT_EQ(error, "snapshot: expected section 'pit', found 'dev'");
  }
  {
    SnapshotReader r(b);
    EXPECT_EQ(r.BeginSection("dev", 1), 0u);  // version 2 is newer than this reader
    EXPECT_EQ(r.error(), "snapshot: section 'dev' has version 2, this Kiln reads 1 to 1");
  }
}

TEST(SnapshotFormat, ErrorsAreStickyAndReadsStopAtTheSectionEnd) {
  const std::vector<uint8_t> b = Sample();
  SnapshotReader r(b);
  ASSERT_EQ(r.BeginSection("dev", 2), 2u);
  r.U64(), r.U64(), r.U64(), r.U64(), r.U64();  // 40 bytes
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.U64(), 0u);  // only 4 bytes of the section left: nothing is read from beyond it
  EXPECT_EQ(r.error(), "snapshot section 'dev': field past the end of the section");
  r.Fail("later problem");
  EXPECT_EQ(r.U8(), 0u);
  EXPECT_EQ(r.error(), "snapshot section 'dev': field past the end of the section");
  EXPECT_FALSE(r.EndSection());
}

TEST(SnapshotFormat, UnreadBytesAndBadValuesFail) {
  const std::vector<uint8_t> b = Sample();
  {
    SnapshotReader r(b);
    r.BeginSection("dev", 2);
    r.U8();
    EXPECT_FALSE(r.EndSection());
    EXPECT_EQ(r.error(), "snapshot section 'dev': 43 unread bytes at the end of the section");
  }
  {
    std::vector<uint8_t> bad = b;
    bad[12 + 23] = 2;  // the bool
    SnapshotReader r(bad);
    r.BeginSection("dev", 2);
    r.U8(), r.U16(), r.U32(), r.U64(), r.I64();
    r.Bool();
    EXPECT_EQ(r.error(), "snapshot section 'dev': a bool that is neither 0 nor 1");
  }
  {
    SnapshotReader r(b);
    r.BeginSection("dev", 2);
    r.U8(), r.U16(), r.U32(), r.U64(), r.I64(), r.Bool();
    std::array<uint8_t, 4> wrong{};
    r.Bytes(wrong);
    EXPECT_EQ(r.error(), "snapshot section 'dev': a byte string of 3 bytes where 4 belong");
  }
}

TEST(SnapshotFormat, EveryTruncationAndALyingLengthFailCleanly) {
  const std::vector<uint8_t> b = Sample();
  for (size_t n = 0; n < b.size(); ++n) {
    SnapshotReader r(std::span<const uint8_t>(b.data(), n));
    r.BeginSection("dev", 2);
    EXPECT_FALSE(r.ok()) << n;  // the section's length runs past the input
  }
  std::vector<uint8_t> lying = b;
  lying[8] = 0xff, lying[9] = 0xff, lying[10] = 0xff, lying[11] = 0xff;  // a 4 GiB body
  SnapshotReader r(lying);
  EXPECT_EQ(r.BeginSection("dev", 2), 0u);
  EXPECT_EQ(r.error(), "snapshot: truncated input");
  SnapshotReader skip(lying);
  EXPECT_FALSE(skip.SkipSection());
}

}  // namespace
}  // namespace kiln::devices
