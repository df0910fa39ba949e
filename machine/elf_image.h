// A bounds-checked reader of ELF32 and ELF64 little-endian files held in memory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::machine {

/// e_machine values Kiln cares about (System V ABI, "Machine Information").
inline constexpr uint16_t kElfMachine386 = 3;     ///< EM_386
inline constexpr uint16_t kElfMachineX86_64 = 62; ///< EM_X86_64

/// p_type / sh_type values used by the loaders (System V gABI).
inline constexpr uint32_t kElfSegmentLoad = 1;   ///< PT_LOAD
inline constexpr uint32_t kElfSectionNoBits = 8; ///< SHT_NOBITS: occupies no file bytes (.bss)

enum class ElfClass : uint8_t { k32, k64 };

/// One program header (Elf32_Phdr / Elf64_Phdr, widened to 64 bits).
struct ElfSegment {
  uint32_t type = 0;  ///< p_type (PT_LOAD, ...)
  uint32_t flags = 0; ///< p_flags (PF_X = 1, PF_W = 2, PF_R = 4)
  uint64_t offset = 0;
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  uint64_t file_size = 0;
  uint64_t mem_size = 0;
  uint64_t align = 0;
};

/// One section header (Elf32_Shdr / Elf64_Shdr, widened), with its name resolved.
struct ElfSection {
  std::string name;   ///< from the section-name string table; empty when the file has none
  uint32_t type = 0;  ///< sh_type (SHT_PROGBITS = 1, SHT_NOBITS = 8, ...)
  uint64_t flags = 0; ///< sh_flags (SHF_ALLOC = 2, SHF_EXECINSTR = 4, ...)
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t addralign = 0;
  uint64_t entsize = 0;
};

/// Where a section's bytes are: in the file and in the guest's address space.
struct ElfSectionLocation {
  uint64_t file_offset = 0;
  uint64_t size = 0;
  uint64_t vaddr = 0;
};

/// The parsed headers of an ELF file. Holds no pointer into the parsed bytes: slice the caller's
/// buffer with the offsets it reports, which Parse() has checked against that buffer's size
/// (for every segment's file range and every section but SHT_NOBITS ones).
class ElfImage {
 public:
  /// True when `bytes` starts with the ELF magic (7F 'E' 'L' 'F').
  static bool HasElfMagic(std::span<const uint8_t> bytes);

  /// Parses `bytes`. On failure returns nullopt and sets `error` to a one-line reason
  /// ("truncated section header table", ...). Never reads outside `bytes`.
  static std::optional<ElfImage> Parse(std::span<const uint8_t> bytes, std::string& error);

  ElfClass elf_class() const { return class_; }
  uint16_t type() const { return type_; }       ///< e_type (ET_EXEC = 2, ET_DYN = 3, ...)
  uint16_t machine() const { return machine_; } ///< e_machine (kElfMachineX86_64, ...)
  uint64_t entry() const { return entry_; }     ///< e_entry
  const std::vector<ElfSegment>& segments() const { return segments_; }
  const std::vector<ElfSection>& sections() const { return sections_; }

  /// The first section called `name` (".text"), or nullptr.
  const ElfSection* FindSection(std::string_view name) const;

  /// File offset, size and address of the section called `name`; nullopt when absent or when it
  /// has no bytes in the file (SHT_NOBITS).
  std::optional<ElfSectionLocation> LocateSection(std::string_view name) const;

 private:
  ElfClass class_ = ElfClass::k64;
  uint16_t type_ = 0;
  uint16_t machine_ = 0;
  uint64_t entry_ = 0;
  std::vector<ElfSegment> segments_;
  std::vector<ElfSection> sections_;
};

}  // namespace kiln::machine
