// kiln_decoder_sweep DECODER PASSES: sweeps libc's .text PASSES times with one decoder, as
// kiln_bench_decoder does, and prints how many instructions one pass decodes. A plain program
// rather than a Google Benchmark so that `perf stat -e cycles:u` counts the decoder and nothing
// else: bench/decoder_cycles.sh runs it with PASSES = 0 (loading only) and PASSES = N and takes
// the difference. Host cycles per decoded instruction are steadier than wall time on a shared VM.
#include <Zydis/Zydis.h>
#include <capstone/capstone.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <vector>

#include "bench/libc_text.h"
#include "frontend/decoder.h"

namespace kiln::bench {
namespace {

// Keeps the compiler from dropping a decode whose result is not otherwise used.
template <class T>
void Keep(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

// Each sweep moves on by the decoded length, or by one byte where nothing decodes, with a branch
// rather than a select (see SkipUndecodedByte). All decoders are swept the same way.
uint64_t SweepKiln(std::span<const uint8_t> text) {
  uint64_t insns = 0;
  frontend::DecodedInsn insn;
  for (size_t pos = 0; pos < text.size(); ++insns) {
    const frontend::DecodeResult r = frontend::Decode(text.subspan(pos), frontend::CpuMode::k64, insn);
    Keep(insn);
    if (r.status == frontend::DecodeStatus::kOk) [[likely]] pos += r.length;
    else pos = SkipUndecodedByte(pos);
  }
  return insns;
}

// The start of every instruction of a sweep whose decode takes `path` (all of them when `path` is
// empty): computed before the passes (and in the loading-only run too, so that it is subtracted).
std::vector<uint32_t> StartsOnPath(std::span<const uint8_t> text, std::string_view path) {
  using frontend::detail::DecodePath;
  static constexpr std::string_view kNames[] = {"hot", "hot-prefixed", "hot-vex", "hot-evex", "fast", "general"};
  std::vector<uint32_t> starts;
  frontend::DecodedInsn insn;
  for (size_t pos = 0; pos < text.size();) {
    const auto bytes = text.subspan(pos);
    if (path.empty() || kNames[static_cast<int>(frontend::detail::PathOf(bytes, frontend::CpuMode::k64))] == path)
      starts.push_back(static_cast<uint32_t>(pos));
    pos += frontend::Decode(bytes, frontend::CpuMode::k64, insn) == frontend::DecodeStatus::kOk ? insn.length : 1;
  }
  return starts;
}

// Decodes at starts known in advance: no decode waits for the previous one's length, and with a
// path's starts only, the cost of that path (with the branch predictor trained on it alone).
uint64_t DecodeAtStarts(std::span<const uint8_t> text, const std::vector<uint32_t>& starts) {
  frontend::DecodedInsn insn;
  for (uint32_t pos : starts) {
    frontend::Decode(text.subspan(pos), frontend::CpuMode::k64, insn);
    Keep(insn);
  }
  return starts.size();
}

// The instructions at `starts`, one after the other in a buffer of their own, so that a sweep of it
// decodes only those (a path's instructions: its cost with each decode waiting for the previous
// length, against DecodeAtStarts).
std::vector<uint8_t> Concatenated(std::span<const uint8_t> text, const std::vector<uint32_t>& starts) {
  std::vector<uint8_t> out;
  frontend::DecodedInsn insn;
  for (uint32_t pos : starts) {
    const auto bytes = text.subspan(pos);
    const size_t length = frontend::Decode(bytes, frontend::CpuMode::k64, insn) == frontend::DecodeStatus::kOk ? insn.length : 1;
    out.insert(out.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
  }
  return out;
}

uint64_t SweepZydis(std::span<const uint8_t> text, bool operands) {
  ZydisDecoder d;
  ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
  uint64_t insns = 0;
  ZydisDecoderContext ctx;
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  for (size_t pos = 0; pos < text.size(); ++insns) {
    const ZyanStatus s = operands ? ZydisDecoderDecodeFull(&d, &text[pos], text.size() - pos, &insn, ops)
                                  : ZydisDecoderDecodeInstruction(&d, &ctx, &text[pos], text.size() - pos, &insn);
    Keep(insn);
    Keep(ops);
    if (ZYAN_SUCCESS(s)) [[likely]] pos += insn.length;
    else pos = SkipUndecodedByte(pos);
  }
  return insns;
}

// cs_disasm(), one instruction per call (it allocates the result each time).
uint64_t SweepCapstoneDisasm(csh h, std::span<const uint8_t> text) {
  uint64_t insns = 0;
  for (size_t pos = 0; pos < text.size(); ++insns) {
    cs_insn* insn = nullptr;
    const size_t n = cs_disasm(h, text.data() + pos, text.size() - pos, pos, 1, &insn);
    if (n) [[likely]] pos += insn->size;
    else pos = SkipUndecodedByte(pos);
    if (n) cs_free(insn, n);
  }
  return insns;
}

uint64_t SweepCapstoneIter(csh h, std::span<const uint8_t> text) {
  cs_insn* insn = cs_malloc(h);
  uint64_t insns = 0;
  const uint8_t* code = text.data();
  size_t size = text.size();
  uint64_t address = 0;
  for (; size > 0; ++insns) {
    if (!cs_disasm_iter(h, &code, &size, &address, insn)) {  // skip an undecodable byte
      ++code;
      --size;
      ++address;
    }
    Keep(*insn);
  }
  cs_free(insn, 1);
  return insns;
}

int Usage() {
  std::fprintf(stderr,
               "usage: kiln_decoder_sweep kiln|zydis|zydis-full|cs-disasm|cs-disasm-detail|cs-iter|cs-iter-detail PASSES\n"
               "       kiln_decoder_sweep kiln-starts[-hot|-hot-prefixed|-hot-vex|-hot-evex|-fast|-general] PASSES\n"
               "       kiln_decoder_sweep kiln-only-hot|-hot-prefixed|-hot-vex|-hot-evex|-fast|-general PASSES\n"
               "  (kiln-starts: Kiln at each instruction's start known in advance, all of them or those\n"
               "  that path decodes; kiln-only: a sweep of that path's instructions alone, copied one\n"
               "  after the other)\n");
  return 2;
}

int Main(int argc, char** argv) {
  if (argc != 3) return Usage();
  const std::string_view decoder = argv[1];
  const long passes = std::strtol(argv[2], nullptr, 10);
  if (passes < 0) return Usage();
  const std::vector<uint8_t> text = LoadText(kLibc);
  if (text.empty()) {
    std::fprintf(stderr, "cannot read .text of %s\n", kLibc);
    return 1;
  }
  const bool capstone = decoder.starts_with("cs-");
  csh h = 0;
  if (capstone) {
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) return 1;
    cs_option(h, CS_OPT_DETAIL, decoder.ends_with("-detail") ? CS_OPT_ON : CS_OPT_OFF);
  }
  uint64_t per_pass = 0;
  std::vector<uint32_t> starts;
  if (decoder.starts_with("kiln-starts")) {
    const std::string_view path = decoder.starts_with("kiln-starts-") ? decoder.substr(12) : "";
    starts = StartsOnPath(text, path);
    if (starts.empty()) return Usage();
  }
  std::vector<uint8_t> only;  // kiln-only-PATH
  if (decoder.starts_with("kiln-only-")) {
    const std::vector<uint32_t> path_starts = StartsOnPath(text, decoder.substr(10));
    if (path_starts.empty()) return Usage();
    only = Concatenated(text, path_starts);
  }
  for (long i = 0; i < passes; ++i) {
    if (decoder == "kiln") per_pass = SweepKiln(text);
    else if (decoder.starts_with("kiln-starts")) per_pass = DecodeAtStarts(text, starts);
    else if (decoder.starts_with("kiln-only-")) per_pass = SweepKiln(only);
    else if (decoder == "zydis") per_pass = SweepZydis(text, false);
    else if (decoder == "zydis-full") per_pass = SweepZydis(text, true);
    else if (decoder == "cs-disasm" || decoder == "cs-disasm-detail") per_pass = SweepCapstoneDisasm(h, text);
    else if (decoder == "cs-iter" || decoder == "cs-iter-detail") per_pass = SweepCapstoneIter(h, text);
    else return Usage();
  }
  if (capstone) cs_close(&h);
  std::printf("%llu\n", static_cast<unsigned long long>(per_pass));
  return 0;
}

}  // namespace
}  // namespace kiln::bench

int main(int argc, char** argv) { return kiln::bench::Main(argc, argv); }
