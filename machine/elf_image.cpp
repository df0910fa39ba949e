// ELF32/ELF64 little-endian header parsing with every offset checked against the buffer.
// Field offsets follow the System V gABI, "ELF Header", "Program Header", "Section Header".
#include "machine/elf_image.h"

#include <cstdio>
#include <cstring>

namespace kiln::machine {
namespace {

constexpr uint8_t kElfClass32 = 1;   // EI_CLASS values
constexpr uint8_t kElfClass64 = 2;
constexpr uint8_t kElfDataLsb = 1;   // EI_DATA: two's complement, little-endian
constexpr uint8_t kElfVersionCurrent = 1;
constexpr uint16_t kShnUndef = 0;
constexpr uint16_t kShnXIndex = 0xffff;  // e_shstrndx escape: real index in shdr[0].sh_link
constexpr uint16_t kPnXNum = 0xffff;     // e_phnum escape: real count in shdr[0].sh_info

// Sizes of the on-disk structures.
constexpr uint64_t kEhdrSize[2] = {52, 64};
constexpr uint64_t kPhdrSize[2] = {32, 56};
constexpr uint64_t kShdrSize[2] = {40, 64};

// Reads little-endian fields of a structure that the caller has already bounds-checked.
class FieldReader {
 public:
  explicit FieldReader(const uint8_t* p) : p_(p) {}
  uint16_t U16(size_t off) const { return static_cast<uint16_t>(p_[off] | p_[off + 1] << 8); }
  uint32_t U32(size_t off) const {
    return static_cast<uint32_t>(p_[off]) | static_cast<uint32_t>(p_[off + 1]) << 8 |
           static_cast<uint32_t>(p_[off + 2]) << 16 | static_cast<uint32_t>(p_[off + 3]) << 24;
  }
  uint64_t U64(size_t off) const { return U32(off) | static_cast<uint64_t>(U32(off + 4)) << 32; }

 private:
  const uint8_t* p_;
};

// True when [offset, offset + size) lies within a buffer of `total` bytes (overflow-safe).
bool InBounds(uint64_t offset, uint64_t size, uint64_t total) {
  return offset <= total && size <= total - offset;
}

// Location of a table of `count` entries of `entsize` bytes, or false when it does not fit.
bool TableInBounds(uint64_t offset, uint64_t count, uint64_t entsize, uint64_t total) {
  if (count == 0) return true;
  if (offset > total) return false;
  return count <= (total - offset) / entsize;
}

std::string Format(const char* fmt, unsigned long long a, unsigned long long b = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

struct TableInfo {
  uint64_t offset = 0;
  uint64_t count = 0;
  uint64_t entsize = 0;
};

ElfSegment ReadSegment(const FieldReader& r, bool is64) {
  ElfSegment s;
  s.type = r.U32(0);
  if (is64) {
    s.flags = r.U32(4);
    s.offset = r.U64(8);
    s.vaddr = r.U64(16);
    s.paddr = r.U64(24);
    s.file_size = r.U64(32);
    s.mem_size = r.U64(40);
    s.align = r.U64(48);
  } else {
    s.offset = r.U32(4);
    s.vaddr = r.U32(8);
    s.paddr = r.U32(12);
    s.file_size = r.U32(16);
    s.mem_size = r.U32(20);
    s.flags = r.U32(24);
    s.align = r.U32(28);
  }
  return s;
}

// Reads a section header; returns its sh_name offset through `name_offset`.
ElfSection ReadSection(const FieldReader& r, bool is64, uint32_t& name_offset) {
  ElfSection s;
  name_offset = r.U32(0);
  s.type = r.U32(4);
  if (is64) {
    s.flags = r.U64(8);
    s.addr = r.U64(16);
    s.offset = r.U64(24);
    s.size = r.U64(32);
    s.link = r.U32(40);
    s.info = r.U32(44);
    s.addralign = r.U64(48);
    s.entsize = r.U64(56);
  } else {
    s.flags = r.U32(8);
    s.addr = r.U32(12);
    s.offset = r.U32(16);
    s.size = r.U32(20);
    s.link = r.U32(24);
    s.info = r.U32(28);
    s.addralign = r.U32(32);
    s.entsize = r.U32(36);
  }
  return s;
}

}  // namespace

bool ElfImage::HasElfMagic(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F';
}

std::optional<ElfImage> ElfImage::Parse(std::span<const uint8_t> bytes, std::string& error) {
  const uint64_t total = bytes.size();
  if (!HasElfMagic(bytes)) {
    error = "not an ELF file (no 7f 45 4c 46 magic)";
    return std::nullopt;
  }
  if (total < 16) {
    error = "truncated ELF identification";
    return std::nullopt;
  }
  const uint8_t ei_class = bytes[4];
  if (ei_class != kElfClass32 && ei_class != kElfClass64) {
    error = Format("unsupported ELF class %llu", ei_class);
    return std::nullopt;
  }
  if (bytes[5] != kElfDataLsb) {
    error = Format("unsupported ELF data encoding %llu (only little-endian is supported)",
                   bytes[5]);
    return std::nullopt;
  }
  if (bytes[6] != kElfVersionCurrent) {
    error = Format("unsupported ELF version %llu", bytes[6]);
    return std::nullopt;
  }
  const bool is64 = ei_class == kElfClass64;
  const int c = is64 ? 1 : 0;
  if (total < kEhdrSize[c]) {
    error = Format("truncated ELF header (%llu bytes, need %llu)", total, kEhdrSize[c]);
    return std::nullopt;
  }

  ElfImage image;
  image.class_ = is64 ? ElfClass::k64 : ElfClass::k32;
  const FieldReader eh(bytes.data());
  image.type_ = eh.U16(16);
  image.machine_ = eh.U16(18);
  TableInfo ph, sh;
  uint32_t shstrndx;
  if (is64) {
    image.entry_ = eh.U64(24);
    ph.offset = eh.U64(32);
    sh.offset = eh.U64(40);
    ph.entsize = eh.U16(54);
    ph.count = eh.U16(56);
    sh.entsize = eh.U16(58);
    sh.count = eh.U16(60);
    shstrndx = eh.U16(62);
  } else {
    image.entry_ = eh.U32(24);
    ph.offset = eh.U32(28);
    sh.offset = eh.U32(32);
    ph.entsize = eh.U16(42);
    ph.count = eh.U16(44);
    sh.entsize = eh.U16(46);
    sh.count = eh.U16(48);
    shstrndx = eh.U16(50);
  }

  // Section header table, with the extended numbering escapes kept in section 0.
  const bool extended = sh.offset != 0 && (sh.count == 0 || shstrndx == kShnXIndex ||
                                           ph.count == kPnXNum);
  if (sh.offset == 0) sh.count = 0;
  if (sh.offset != 0 || sh.count != 0) {
    if (sh.entsize < kShdrSize[c]) {
      error = Format("section header entry size %llu is smaller than %llu", sh.entsize,
                     kShdrSize[c]);
      return std::nullopt;
    }
  }
  if (extended) {
    if (!TableInBounds(sh.offset, 1, sh.entsize, total)) {
      error = "section header table is out of bounds";
      return std::nullopt;
    }
    uint32_t unused;
    const ElfSection first = ReadSection(FieldReader(bytes.data() + sh.offset), is64, unused);
    if (sh.count == 0) sh.count = first.size;
    if (shstrndx == kShnXIndex) shstrndx = first.link;
    if (ph.count == kPnXNum) ph.count = first.info;
  }
  if (!TableInBounds(sh.offset, sh.count, sh.entsize, total)) {
    error = Format("section header table (%llu entries at offset 0x%llx) is out of bounds",
                   sh.count, sh.offset);
    return std::nullopt;
  }

  // Program headers.
  if (ph.count != 0 && ph.entsize < kPhdrSize[c]) {
    error = Format("program header entry size %llu is smaller than %llu", ph.entsize,
                   kPhdrSize[c]);
    return std::nullopt;
  }
  if (!TableInBounds(ph.offset, ph.count, ph.entsize, total)) {
    error = Format("program header table (%llu entries at offset 0x%llx) is out of bounds",
                   ph.count, ph.offset);
    return std::nullopt;
  }
  image.segments_.reserve(ph.count);
  for (uint64_t i = 0; i < ph.count; ++i) {
    const ElfSegment s =
        ReadSegment(FieldReader(bytes.data() + ph.offset + i * ph.entsize), is64);
    if (s.file_size != 0 && !InBounds(s.offset, s.file_size, total)) {
      error = Format("segment %llu (file offset 0x%llx) extends past the end of the file", i,
                     s.offset);
      return std::nullopt;
    }
    if (s.type == kElfSegmentLoad && s.file_size > s.mem_size) {
      error = Format("loadable segment %llu has a file size larger than its memory size", i);
      return std::nullopt;
    }
    image.segments_.push_back(s);
  }

  // Section headers, then their names.
  std::vector<uint32_t> name_offsets(sh.count);
  image.sections_.reserve(sh.count);
  for (uint64_t i = 0; i < sh.count; ++i) {
    const ElfSection s = ReadSection(FieldReader(bytes.data() + sh.offset + i * sh.entsize), is64,
                                     name_offsets[i]);
    // Section 0 is the null entry (and may carry the extended counts): no range to check.
    if (i != 0 && s.type != kElfSectionNoBits && s.size != 0 &&
        !InBounds(s.offset, s.size, total)) {
      error = Format("section %llu (file offset 0x%llx) extends past the end of the file", i,
                     s.offset);
      return std::nullopt;
    }
    image.sections_.push_back(s);
  }
  if (shstrndx != kShnUndef && sh.count != 0) {
    if (shstrndx >= sh.count) {
      error = Format("section name table index %llu is out of range (%llu sections)", shstrndx,
                     sh.count);
      return std::nullopt;
    }
    const ElfSection& strtab = image.sections_[shstrndx];
    if (strtab.type == kElfSectionNoBits || strtab.size == 0) {
      error = "section name table has no bytes in the file";
      return std::nullopt;
    }
    const uint8_t* table = bytes.data() + strtab.offset;
    for (uint64_t i = 0; i < sh.count; ++i) {
      const uint64_t start = name_offsets[i];
      if (start >= strtab.size) {
        error = Format("name of section %llu is outside the section name table", i);
        return std::nullopt;
      }
      const void* nul = std::memchr(table + start, 0, strtab.size - start);
      if (nul == nullptr) {
        error = Format("name of section %llu is not terminated", i);
        return std::nullopt;
      }
      image.sections_[i].name.assign(reinterpret_cast<const char*>(table + start),
                                     static_cast<const uint8_t*>(nul) - (table + start));
    }
  }
  return image;
}

const ElfSection* ElfImage::FindSection(std::string_view name) const {
  for (const ElfSection& s : sections_) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::optional<ElfSectionLocation> ElfImage::LocateSection(std::string_view name) const {
  const ElfSection* s = FindSection(name);
  if (s == nullptr || s->type == kElfSectionNoBits) return std::nullopt;
  return ElfSectionLocation{s->offset, s->size, s->addr};
}

}  // namespace kiln::machine
