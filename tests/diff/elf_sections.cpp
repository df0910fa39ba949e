// ELF64 section-table parsing with every offset checked against the file size.
#include "tests/diff/elf_sections.h"

#include <cstring>
#include <fstream>

namespace kiln::test {

namespace {

// ELF64 structure offsets (System V gABI, "ELF Header" and "Sections").
constexpr size_t kEhdrSize = 64;
constexpr size_t kShdrSize = 64;
constexpr uint16_t kMachineX86_64 = 62;
constexpr uint32_t kShtProgbits = 1;
constexpr uint64_t kShfExecinstr = 0x4;

template <class T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);  // the host is little-endian, like the files we accept
  return v;
}

class File {
 public:
  explicit File(const std::string& path) : f_(path, std::ios::binary) {
    if (f_) {
      f_.seekg(0, std::ios::end);
      size_ = static_cast<uint64_t>(f_.tellg());
    }
  }
  bool ok() const { return static_cast<bool>(f_); }
  uint64_t size() const { return size_; }
  bool Read(uint64_t offset, uint64_t count, std::vector<uint8_t>& out) {
    if (offset > size_ || count > size_ - offset) return false;
    out.resize(count);
    f_.seekg(static_cast<std::streamoff>(offset));
    f_.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(count));
    return static_cast<uint64_t>(f_.gcount()) == count;
  }

 private:
  std::ifstream f_;
  uint64_t size_ = 0;
};

}  // namespace

std::optional<std::vector<CodeSection>> ReadX86_64CodeSections(const std::string& path, std::string* why) {
  auto fail = [&](const char* what) {
    if (why) *why = what;
    return std::nullopt;
  };
  File file(path);
  if (!file.ok()) return fail("cannot open");
  std::vector<uint8_t> ehdr;
  if (!file.Read(0, kEhdrSize, ehdr)) return fail("too small for an ELF64 header");
  if (std::memcmp(ehdr.data(), "\x7f" "ELF", 4) != 0) return fail("not ELF");
  if (ehdr[4] != 2) return fail("not ELFCLASS64");
  if (ehdr[5] != 1) return fail("not little-endian");
  if (Load<uint16_t>(&ehdr[18]) != kMachineX86_64) return fail("not EM_X86_64");
  uint64_t shoff = Load<uint64_t>(&ehdr[40]);
  uint16_t shentsize = Load<uint16_t>(&ehdr[58]);
  uint16_t shnum = Load<uint16_t>(&ehdr[60]);
  uint16_t shstrndx = Load<uint16_t>(&ehdr[62]);
  if (shnum == 0) return fail("no section headers");
  if (shentsize != kShdrSize) return fail("unexpected e_shentsize");
  if (shstrndx >= shnum) return fail("bad e_shstrndx");
  std::vector<uint8_t> shdrs;
  if (!file.Read(shoff, uint64_t{shnum} * kShdrSize, shdrs)) return fail("section headers out of file");

  auto shdr = [&](unsigned i) { return &shdrs[size_t{i} * kShdrSize]; };
  std::vector<uint8_t> strtab;
  {
    const uint8_t* s = shdr(shstrndx);
    if (!file.Read(Load<uint64_t>(s + 24), Load<uint64_t>(s + 32), strtab)) {
      return fail("section name table out of file");
    }
  }
  std::vector<CodeSection> sections;
  for (unsigned i = 0; i < shnum; ++i) {
    const uint8_t* s = shdr(i);
    uint32_t name = Load<uint32_t>(s + 0);
    uint32_t type = Load<uint32_t>(s + 4);
    uint64_t flags = Load<uint64_t>(s + 8);
    if (type != kShtProgbits || (flags & kShfExecinstr) == 0) continue;
    CodeSection cs;
    if (name < strtab.size()) {
      const char* begin = reinterpret_cast<const char*>(&strtab[name]);
      cs.name.assign(begin, strnlen(begin, strtab.size() - name));
    }
    cs.address = Load<uint64_t>(s + 16);
    if (!file.Read(Load<uint64_t>(s + 24), Load<uint64_t>(s + 32), cs.bytes)) {
      return fail("code section out of file");
    }
    sections.push_back(std::move(cs));
  }
  return sections;
}

}  // namespace kiln::test
