// `kiln disasm`: option parsing, ELF/raw input selection, and the objdump-style line writer.
#include "ui/disasm_command.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "frontend/disasm/printer.h"
#include "machine/elf_image.h"
#include "ui/cli/args.h"

namespace kiln::ui {
namespace {

constexpr char kUsage[] =
    "usage: kiln disasm [--mode 16|32|64] [--base ADDR] [--offset N] [--length N] FILE\n"
    "\n"
    "Disassembles FILE in Intel syntax, one objdump-style line per instruction.\n"
    "An x86-64 or i386 ELF file is disassembled from its .text section, at the section's\n"
    "address; any other file is raw code.\n"
    "\n"
    "  --mode 16|32|64  decoding mode (default: from the ELF class and machine; raw: 64)\n"
    "  --base ADDR      address of the first byte of .text, or of a raw file (raw default: 0)\n"
    "  --offset N       skip the first N bytes of .text or of the raw file\n"
    "  --length N       disassemble N bytes (default: up to the end)\n"
    "\n"
    "Numbers are decimal or 0x-prefixed hex.\n";

constexpr size_t kBytesPerLine = 7;          // objdump's x86 default
constexpr size_t kBytesColumnWidth = kBytesPerLine * 3;
constexpr size_t kFlushThreshold = 1 << 20;  // write stdout in ~1 MiB chunks
constexpr char kHexDigits[] = "0123456789abcdef";

// objdump's address column: the section's end address decides how many leading zeros are
// dropped (in steps of four digits); the remaining digits are printed with zeros as spaces.
int AddressWidth(uint64_t end_address, int mode_bits) {
  const int vma_digits = mode_bits == 64 ? 16 : 8;
  int digits = 1;
  for (uint64_t v = end_address >> 4; v != 0; v >>= 4) ++digits;
  const int zeros = vma_digits - digits;
  if (zeros <= 0) return digits;
  return vma_digits - ((zeros - 1) & ~3);
}

// Buffers output lines and writes them in large chunks.
class LineWriter {
 public:
  LineWriter(std::FILE* out, int address_width) : out_(out), address_width_(address_width) {
    buffer_.reserve(kFlushThreshold + 4096);
  }

  void Line(uint64_t address, std::span<const uint8_t> bytes, std::string_view text) {
    const size_t first = std::min(bytes.size(), kBytesPerLine);
    AppendAddress(address);
    AppendBytes(bytes.first(first));
    buffer_.append(kBytesColumnWidth - first * 3, ' ');
    buffer_ += '\t';
    buffer_ += text;
    buffer_ += '\n';
    for (size_t i = first; i < bytes.size(); i += kBytesPerLine) {  // objdump continuation lines
      AppendAddress(address + i);
      AppendBytes(bytes.subspan(i, std::min(kBytesPerLine, bytes.size() - i)));
      buffer_ += '\n';
    }
    if (buffer_.size() >= kFlushThreshold) Flush();
  }

  /// Writes what is buffered; false if any write failed.
  bool Finish() {
    Flush();
    return ok_ && std::fflush(out_) == 0;
  }

 private:
  void AppendAddress(uint64_t address) {
    char digits[16];
    int n = 0;
    do {
      digits[n++] = kHexDigits[address & 15];
      address >>= 4;
    } while (address != 0);
    if (address_width_ > n) buffer_.append(static_cast<size_t>(address_width_ - n), ' ');
    while (n > 0) buffer_ += digits[--n];
    buffer_ += ":\t";
  }

  void AppendBytes(std::span<const uint8_t> bytes) {
    for (const uint8_t b : bytes) {
      buffer_ += kHexDigits[b >> 4];
      buffer_ += kHexDigits[b & 15];
      buffer_ += ' ';
    }
  }

  void Flush() {
    if (buffer_.empty()) return;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), out_) != buffer_.size()) ok_ = false;
    buffer_.clear();
  }

  std::FILE* out_;
  int address_width_;
  std::string buffer_;
  bool ok_ = true;
};

struct Options {
  std::optional<int> mode_bits;
  std::optional<uint64_t> base;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  std::string path;
};

bool ReadWholeFile(const std::string& path, std::vector<uint8_t>& data, std::string& error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    error = std::strerror(errno);
    return false;
  }
  uint8_t chunk[1 << 16];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) data.insert(data.end(), chunk, chunk + n);
  const bool failed = std::ferror(f) != 0;
  const int saved_errno = errno;
  std::fclose(f);
  if (failed) {
    error = std::strerror(saved_errno);
    return false;
  }
  return true;
}

// Parses the command line into `options`; returns kExitOk to go on, or an exit code to stop.
int ParseOptions(std::span<const std::string_view> args, const CommandIo& io, Options& options,
                 bool& help) {
  ArgCursor cursor(args);
  std::string error;
  bool options_done = false;
  while (!cursor.Done() && error.empty()) {
    std::optional<std::string_view> value;
    const std::string_view arg = cursor.Current();
    if (options_done || arg == "-" || !arg.starts_with("-")) {
      if (!options.path.empty()) {
        error = "more than one FILE given ('" + options.path + "', '" + std::string(arg) + "')";
        break;
      }
      options.path = std::string(cursor.Take());
    } else if (arg == "--") {
      cursor.Take();
      options_done = true;
    } else if (arg == "--help" || arg == "-h") {
      help = true;
      return kExitOk;
    } else if (cursor.TakeOption("--mode", value, error)) {
      if (!value) continue;
      if (*value == "16" || *value == "32" || *value == "64") {
        options.mode_bits = static_cast<int>(*ParseU64(*value));
      } else {
        error = "--mode must be 16, 32 or 64, not '" + std::string(*value) + "'";
      }
    } else if (cursor.TakeOption("--base", value, error) ||
               cursor.TakeOption("--offset", value, error) ||
               cursor.TakeOption("--length", value, error)) {
      if (!value) continue;
      const std::optional<uint64_t> number = ParseU64(*value);
      const std::string_view name = arg.substr(0, arg.find('='));
      if (!number) {
        error = std::string(name) + " needs a decimal or 0x-hex number, not '" +
                std::string(*value) + "'";
      } else if (name == "--base") {
        options.base = number;
      } else if (name == "--offset") {
        options.offset = *number;
      } else {
        options.length = number;
      }
    } else {
      error = "unknown option '" + std::string(arg) + "' (try 'kiln disasm --help')";
    }
  }
  if (error.empty() && options.path.empty()) error = "missing FILE (try 'kiln disasm --help')";
  if (!error.empty()) {
    std::fprintf(io.err, "kiln disasm: %s\n", error.c_str());
    return kExitUsage;
  }
  return kExitOk;
}

frontend::CpuMode ModeFromBits(int bits) {
  if (bits == 16) return frontend::CpuMode::k16;
  if (bits == 32) return frontend::CpuMode::k32;
  return frontend::CpuMode::k64;
}

}  // namespace

bool DisassembleToFile(std::span<const uint8_t> code, uint64_t address, int mode_bits,
                       std::FILE* out) {
  const frontend::CpuMode mode = ModeFromBits(mode_bits);
  LineWriter writer(out, AddressWidth(address + code.size(), mode_bits));
  frontend::DecodedInsn insn;
  size_t pos = 0;
  while (pos < code.size()) {
    const std::span<const uint8_t> rest = code.subspan(pos);
    const frontend::DecodeStatus status = frontend::Decode(rest, mode, insn);
    size_t length = 1;
    if (status == frontend::DecodeStatus::kOk && insn.length >= 1 && insn.length <= rest.size()) {
      length = insn.length;
      writer.Line(address + pos, rest.first(length), frontend::FormatInsn(insn, address + pos));
    } else {
      // A cut-off instruction at the end prints as one line; anything else skips one byte.
      if (status == frontend::DecodeStatus::kNeedMoreBytes &&
          rest.size() < static_cast<size_t>(frontend::kMaxInsnLength)) {
        length = rest.size();
      }
      writer.Line(address + pos, rest.first(length), "(bad)");
    }
    pos += length;
  }
  return writer.Finish();
}

int RunDisasmCommand(std::span<const std::string_view> args, const CommandIo& io) {
  Options options;
  bool help = false;
  if (const int status = ParseOptions(args, io, options, help); status != kExitOk) return status;
  if (help) {
    std::fputs(kUsage, io.out);
    return kExitOk;
  }
  const char* path = options.path.c_str();

  std::vector<uint8_t> file;
  std::string error;
  if (!ReadWholeFile(options.path, file, error)) {
    std::fprintf(io.err, "kiln disasm: cannot read '%s': %s\n", path, error.c_str());
    return kExitFailure;
  }

  // The input: an ELF's .text, or the whole file.
  std::span<const uint8_t> input(file);
  uint64_t address = 0;
  int mode_bits = 64;
  if (machine::ElfImage::HasElfMagic(file)) {
    const std::optional<machine::ElfImage> elf = machine::ElfImage::Parse(file, error);
    if (!elf) {
      std::fprintf(io.err, "kiln disasm: %s: %s\n", path, error.c_str());
      return kExitFailure;
    }
    const std::optional<machine::ElfSectionLocation> text = elf->LocateSection(".text");
    if (!text) {
      std::fprintf(io.err, "kiln disasm: %s: no .text section\n", path);
      return kExitFailure;
    }
    if (elf->machine() == machine::kElfMachineX86_64) {
      mode_bits = 64;
    } else if (elf->machine() == machine::kElfMachine386) {
      mode_bits = 32;
    } else if (!options.mode_bits) {
      std::fprintf(io.err, "kiln disasm: %s: ELF machine %u is not x86 (pass --mode to force)\n",
                   path, static_cast<unsigned>(elf->machine()));
      return kExitFailure;
    }
    input = input.subspan(text->file_offset, text->size);
    address = text->vaddr;
  }
  if (options.mode_bits) mode_bits = *options.mode_bits;
  if (options.base) address = *options.base;

  if (options.offset > input.size()) {
    std::fprintf(io.err,
                 "kiln disasm: %s: --offset %llu is past the end of the input (%zu bytes)\n", path,
                 static_cast<unsigned long long>(options.offset), input.size());
    return kExitFailure;
  }
  input = input.subspan(options.offset);
  address += options.offset;
  if (options.length) {
    if (*options.length > input.size()) {
      std::fprintf(io.err, "kiln disasm: %s: --length %llu runs past the end of the input "
                   "(%zu bytes after the offset)\n",
                   path, static_cast<unsigned long long>(*options.length), input.size());
      return kExitFailure;
    }
    input = input.first(*options.length);
  }

  if (!DisassembleToFile(input, address, mode_bits, io.out)) {
    std::fprintf(io.err, "kiln disasm: write error: %s\n", std::strerror(errno));
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace kiln::ui
