// Tests of machine/elf_image: real files, hand-built ELF32/ELF64 images, and corrupted copies.
#include "machine/elf_image.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace kiln::machine {
namespace {

std::vector<uint8_t> ReadFileOrEmpty(const char* path) {
  std::vector<uint8_t> data;
  std::FILE* f = std::fopen(path, "rb");
  if (f == nullptr) return data;
  uint8_t chunk[4096];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.insert(data.end(), chunk, chunk + n);
  std::fclose(f);
  return data;
}

void Put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  for (int i = 0; i < 2; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}
void Put64(std::vector<uint8_t>& b, size_t off, uint64_t v) {
  for (int i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A minimal ELF32 i386 executable: header, one PT_LOAD, sections "", ".text", ".shstrtab".
// Layout: ehdr 0..52, phdr 52..84, .text 84..92, .shstrtab 92..109, shdrs at 112 (3 x 40).
std::vector<uint8_t> MakeElf32() {
  std::vector<uint8_t> b(112 + 3 * 40, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 1, 1, 1};
  std::memcpy(b.data(), ident, sizeof ident);
  Put16(b, 16, 2);                   // e_type ET_EXEC
  Put16(b, 18, kElfMachine386);      // e_machine
  Put32(b, 20, 1);                   // e_version
  Put32(b, 24, 0x08048054);          // e_entry
  Put32(b, 28, 52);                  // e_phoff
  Put32(b, 32, 112);                 // e_shoff
  Put16(b, 40, 52);                  // e_ehsize
  Put16(b, 42, 32);                  // e_phentsize
  Put16(b, 44, 1);                   // e_phnum
  Put16(b, 46, 40);                  // e_shentsize
  Put16(b, 48, 3);                   // e_shnum
  Put16(b, 50, 2);                   // e_shstrndx
  Put32(b, 52 + 0, kElfSegmentLoad); // p_type
  Put32(b, 52 + 4, 0);               // p_offset
  Put32(b, 52 + 8, 0x08048000);      // p_vaddr
  Put32(b, 52 + 12, 0x08048000);     // p_paddr
  Put32(b, 52 + 16, 92);             // p_filesz
  Put32(b, 52 + 20, 92);             // p_memsz
  Put32(b, 52 + 24, 5);              // p_flags R+X
  Put32(b, 52 + 28, 0x1000);         // p_align
  const uint8_t text[] = {0x31, 0xc0, 0x40, 0xcd, 0x80, 0x90, 0x90, 0x90};  // xor eax,eax; ...
  std::memcpy(b.data() + 84, text, sizeof text);
  const char names[] = "\0.text\0.shstrtab";  // 17 bytes with the final NUL
  std::memcpy(b.data() + 92, names, sizeof names);
  const size_t sh = 112;
  // Section 1: .text
  Put32(b, sh + 40 + 0, 1);          // sh_name
  Put32(b, sh + 40 + 4, 1);          // SHT_PROGBITS
  Put32(b, sh + 40 + 8, 6);          // SHF_ALLOC | SHF_EXECINSTR
  Put32(b, sh + 40 + 12, 0x08048054);
  Put32(b, sh + 40 + 16, 84);
  Put32(b, sh + 40 + 20, 8);
  // Section 2: .shstrtab
  Put32(b, sh + 80 + 0, 7);
  Put32(b, sh + 80 + 4, 3);          // SHT_STRTAB
  Put32(b, sh + 80 + 16, 92);
  Put32(b, sh + 80 + 20, sizeof names);
  return b;
}

TEST(ElfImage, Elf32Handmade_ParsesHeaderSegmentsAndSections) {
  const std::vector<uint8_t> b = MakeElf32();
  std::string error;
  const auto elf = ElfImage::Parse(b, error);
  ASSERT_TRUE(elf) << error;
  EXPECT_EQ(elf->elf_class(), ElfClass::k32);
  EXPECT_EQ(elf->machine(), kElfMachine386);
  EXPECT_EQ(elf->type(), 2);
  EXPECT_EQ(elf->entry(), 0x08048054u);
  ASSERT_EQ(elf->segments().size(), 1u);
  EXPECT_EQ(elf->segments()[0].type, kElfSegmentLoad);
  EXPECT_EQ(elf->segments()[0].vaddr, 0x08048000u);
  EXPECT_EQ(elf->segments()[0].flags, 5u);
  ASSERT_EQ(elf->sections().size(), 3u);
  EXPECT_EQ(elf->sections()[0].name, "");
  EXPECT_EQ(elf->sections()[1].name, ".text");
  EXPECT_EQ(elf->sections()[2].name, ".shstrtab");
  const auto text = elf->LocateSection(".text");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->file_offset, 84u);
  EXPECT_EQ(text->size, 8u);
  EXPECT_EQ(text->vaddr, 0x08048054u);
  EXPECT_FALSE(elf->LocateSection(".data"));
  EXPECT_EQ(elf->FindSection(".nothing"), nullptr);
}

TEST(ElfImage, BinTrue_IsX86_64WithTextInsideAnExecutableSegment) {
  const std::vector<uint8_t> b = ReadFileOrEmpty("/bin/true");
  if (b.empty()) GTEST_SKIP() << "/bin/true is not readable";
  std::string error;
  const auto elf = ElfImage::Parse(b, error);
  ASSERT_TRUE(elf) << error;
  EXPECT_EQ(elf->elf_class(), ElfClass::k64);
  EXPECT_EQ(elf->machine(), kElfMachineX86_64);
  EXPECT_NE(elf->entry(), 0u);
  EXPECT_FALSE(elf->segments().empty());
  EXPECT_NE(elf->FindSection(".shstrtab"), nullptr);
  const auto text = elf->LocateSection(".text");
  ASSERT_TRUE(text);
  EXPECT_GT(text->size, 0u);
  EXPECT_LE(text->file_offset + text->size, b.size());
  // .text and the entry point lie inside one executable PT_LOAD segment.
  bool covered = false;
  for (const ElfSegment& s : elf->segments()) {
    if (s.type == kElfSegmentLoad && (s.flags & 1) != 0 && s.vaddr <= text->vaddr &&
        text->vaddr + text->size <= s.vaddr + s.mem_size && s.vaddr <= elf->entry() &&
        elf->entry() < s.vaddr + s.mem_size) {
      covered = true;
    }
  }
  EXPECT_TRUE(covered);
}

TEST(ElfImage, Ld32IfInstalled_IsI386) {
  const std::vector<uint8_t> b = ReadFileOrEmpty("/usr/lib32/ld-linux.so.2");
  if (b.empty()) GTEST_SKIP() << "no 32-bit loader installed";
  std::string error;
  const auto elf = ElfImage::Parse(b, error);
  ASSERT_TRUE(elf) << error;
  EXPECT_EQ(elf->elf_class(), ElfClass::k32);
  EXPECT_EQ(elf->machine(), kElfMachine386);
  EXPECT_TRUE(elf->LocateSection(".text"));
}

TEST(ElfImage, NotElf_FailsWithMessage) {
  const std::vector<uint8_t> b = {'#', '!', '/', 'b', 'i', 'n'};
  std::string error;
  EXPECT_FALSE(ElfImage::HasElfMagic(b));
  EXPECT_FALSE(ElfImage::Parse(b, error));
  EXPECT_NE(error.find("not an ELF"), std::string::npos) << error;
  EXPECT_FALSE(ElfImage::Parse({}, error));
}

TEST(ElfImage, EveryTruncationOfBinTrue_FailsCleanlyOrParses) {
  std::vector<uint8_t> b = ReadFileOrEmpty("/bin/true");
  if (b.empty()) b = MakeElf32();
  // Copy each prefix into its own buffer so that ASan sees any read past its end.
  for (size_t len = 0; len < b.size(); ++len) {
    const std::vector<uint8_t> prefix(b.begin(), b.begin() + len);
    std::string error;
    const auto elf = ElfImage::Parse(prefix, error);
    if (!elf) {
      EXPECT_FALSE(error.empty()) << "length " << len;
    }
  }
  // The section headers are at the end, so no strict prefix of these files parses.
  std::string error;
  EXPECT_FALSE(ElfImage::Parse(std::span(b).first(b.size() - 1), error));
  EXPECT_FALSE(error.empty());
}

TEST(ElfImage, CorruptedFields_AreRejectedWithMessages) {
  struct Case {
    const char* what;
    size_t offset;
    int width;
    uint64_t value;
  };
  const Case cases[] = {
      {"bad class", 4, 1, 3},
      {"big-endian", 5, 1, 2},
      {"bad version", 6, 1, 0},
      {"phoff past end", 28, 4, 0xfffffff0},
      {"shoff past end", 32, 4, 0xffffff00},
      {"phentsize too small", 42, 2, 8},
      {"shentsize too small", 46, 2, 4},
      {"huge shnum", 48, 2, 0xfff0},
      {"shstrndx out of range", 50, 2, 9},
      {"shstrndx names .text (no NUL)", 50, 2, 1},
      {"segment offset past end", 52 + 4, 4, 0xfffffff0},
      {"segment filesz > memsz", 52 + 16, 4, 1000},
      {".text size past end", 112 + 40 + 20, 4, 0x7fffffff},
      {"name offset outside strtab", 112 + 40, 4, 500},
      {"strtab size zero", 112 + 80 + 20, 4, 0},
  };
  for (const Case& c : cases) {
    std::vector<uint8_t> b = MakeElf32();
    if (c.width == 1) b[c.offset] = static_cast<uint8_t>(c.value);
    if (c.width == 2) Put16(b, c.offset, static_cast<uint16_t>(c.value));
    if (c.width == 4) Put32(b, c.offset, static_cast<uint32_t>(c.value));
    std::string error;
    EXPECT_FALSE(ElfImage::Parse(b, error)) << c.what;
    EXPECT_FALSE(error.empty()) << c.what;
  }
}

TEST(ElfImage, UnterminatedSectionName_IsRejected) {
  std::vector<uint8_t> b = MakeElf32();
  b[92 + 16] = 'x';  // overwrite the final NUL of ".shstrtab"
  std::string error;
  EXPECT_FALSE(ElfImage::Parse(b, error));
  EXPECT_NE(error.find("not terminated"), std::string::npos) << error;
}

TEST(ElfImage, Elf64OverflowingOffsets_AreRejected) {
  std::vector<uint8_t> b = ReadFileOrEmpty("/bin/true");
  if (b.empty()) GTEST_SKIP() << "/bin/true is not readable";
  ASSERT_EQ(b[4], 2);  // ELFCLASS64
  for (const uint64_t bad : {~uint64_t{0}, ~uint64_t{0} - 63, uint64_t{1} << 63}) {
    for (const size_t field : {size_t{32}, size_t{40}}) {  // e_phoff, e_shoff
      std::vector<uint8_t> copy = b;
      Put64(copy, field, bad);
      std::string error;
      EXPECT_FALSE(ElfImage::Parse(copy, error)) << "field " << field;
    }
  }
}

TEST(ElfImage, RandomByteFlipsInHeaders_NeverCrash) {
  std::vector<uint8_t> original = ReadFileOrEmpty("/bin/true");
  if (original.empty()) original = MakeElf32();
  std::mt19937 rng(12345);
  std::string error;
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> b = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      // Bias towards the ELF header and the section header table at the end of the file.
      const size_t tail = std::min<size_t>(2048, b.size());
      const size_t pos = rng() % 2 == 0 ? rng() % 64 : b.size() - 1 - rng() % tail;
      b[pos] = static_cast<uint8_t>(rng());
    }
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    if (ElfImage::Parse(b, error)) ++parsed;
  }
  EXPECT_GT(parsed, 0);  // some flips hit padding or unchecked fields
}

}  // namespace
}  // namespace kiln::machine
