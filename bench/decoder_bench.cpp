// Decoder throughput on libc's code: Kiln against Zydis and Capstone, linear sweep, instructions/s.
// Every sweep moves on by the decoded length, or by one byte where nothing decodes, with a
// branch rather than a select (see SkipUndecodedByte). All decoders are swept the same way.
#include <Zydis/Zydis.h>
#include <benchmark/benchmark.h>
#include <capstone/capstone.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "bench/libc_text.h"
#include "frontend/decoder.h"

namespace kiln::bench {
namespace {

const std::vector<uint8_t>& Text() {
  static const std::vector<uint8_t> text = LoadText(kLibc);
  return text;
}

bool NeedText(benchmark::State& state) {
  if (!Text().empty()) return true;
  state.SkipWithError("cannot read .text of /usr/lib/x86_64-linux-gnu/libc.so.6");
  return false;
}

void Finish(benchmark::State& state, uint64_t insns) {
  state.SetItemsProcessed(static_cast<int64_t>(insns));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Text().size()));
  state.counters["insns_per_pass"] = static_cast<double>(insns) / static_cast<double>(state.iterations());
}

void BM_KilnDecode(benchmark::State& state) {
  if (!NeedText(state)) return;
  std::span<const uint8_t> text(Text());
  uint64_t insns = 0;
  for (auto _ : state) {
    frontend::DecodedInsn insn;
    size_t pos = 0;
    while (pos < text.size()) {
      const frontend::DecodeResult r = frontend::Decode(text.subspan(pos), frontend::CpuMode::k64, insn);
      benchmark::DoNotOptimize(insn);
      if (r.status == frontend::DecodeStatus::kOk) [[likely]] pos += r.length;
      else pos = SkipUndecodedByte(pos);
      ++insns;
    }
  }
  Finish(state, insns);
}
BENCHMARK(BM_KilnDecode)->Unit(benchmark::kMillisecond);

void InitZydis(ZydisDecoder& d) {
  ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisDecoderEnableMode(&d, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
}

void BM_ZydisDecodeInstruction(benchmark::State& state) {  // no operands
  if (!NeedText(state)) return;
  ZydisDecoder d;
  InitZydis(d);
  const auto& text = Text();
  uint64_t insns = 0;
  for (auto _ : state) {
    ZydisDecoderContext ctx;
    ZydisDecodedInstruction insn;
    size_t pos = 0;
    while (pos < text.size()) {
      ZyanStatus s = ZydisDecoderDecodeInstruction(&d, &ctx, &text[pos], text.size() - pos, &insn);
      benchmark::DoNotOptimize(insn);
      if (ZYAN_SUCCESS(s)) [[likely]] pos += insn.length;
      else pos = SkipUndecodedByte(pos);
      ++insns;
    }
  }
  Finish(state, insns);
}
BENCHMARK(BM_ZydisDecodeInstruction)->Unit(benchmark::kMillisecond);

void BM_ZydisDecodeFull(benchmark::State& state) {  // with operands
  if (!NeedText(state)) return;
  ZydisDecoder d;
  InitZydis(d);
  const auto& text = Text();
  uint64_t insns = 0;
  for (auto _ : state) {
    ZydisDecodedInstruction insn;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    size_t pos = 0;
    while (pos < text.size()) {
      ZyanStatus s = ZydisDecoderDecodeFull(&d, &text[pos], text.size() - pos, &insn, ops);
      benchmark::DoNotOptimize(insn);
      benchmark::DoNotOptimize(ops);
      if (ZYAN_SUCCESS(s)) [[likely]] pos += insn.length;
      else pos = SkipUndecodedByte(pos);
      ++insns;
    }
  }
  Finish(state, insns);
}
BENCHMARK(BM_ZydisDecodeFull)->Unit(benchmark::kMillisecond);

void BM_CapstoneDisasmIter(benchmark::State& state, bool detail) {
  if (!NeedText(state)) return;
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
    state.SkipWithError("cs_open failed");
    return;
  }
  cs_option(h, CS_OPT_DETAIL, detail ? CS_OPT_ON : CS_OPT_OFF);
  cs_insn* insn = cs_malloc(h);
  const auto& text = Text();
  uint64_t insns = 0;
  for (auto _ : state) {
    const uint8_t* code = text.data();
    size_t size = text.size();
    uint64_t address = 0;
    while (size > 0) {
      if (!cs_disasm_iter(h, &code, &size, &address, insn)) {  // skip an undecodable byte
        ++code;
        --size;
        ++address;
      }
      benchmark::DoNotOptimize(insn);
      ++insns;
    }
  }
  cs_free(insn, 1);
  cs_close(&h);
  Finish(state, insns);
}
BENCHMARK_CAPTURE(BM_CapstoneDisasmIter, detail_off, false)->Unit(benchmark::kMillisecond);

// cs_disasm() itself, as the issue names it: one call per instruction (so that an undecodable byte
// can be skipped, as in the other sweeps), which allocates and frees the result each time.
// detail_off (Capstone's default): the text only; detail_on: with the operands, as Kiln's result
// and Zydis's DecodeFull have them.
void BM_CapstoneDisasm(benchmark::State& state, bool detail) {
  if (!NeedText(state)) return;
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK) {
    state.SkipWithError("cs_open failed");
    return;
  }
  cs_option(h, CS_OPT_DETAIL, detail ? CS_OPT_ON : CS_OPT_OFF);
  const auto& text = Text();
  uint64_t insns = 0;
  for (auto _ : state) {
    size_t pos = 0;
    while (pos < text.size()) {
      cs_insn* insn = nullptr;
      const size_t n = cs_disasm(h, text.data() + pos, text.size() - pos, pos, 1, &insn);
      if (n) [[likely]] pos += insn->size;
      else pos = SkipUndecodedByte(pos);
      if (n) cs_free(insn, n);
      ++insns;
    }
  }
  cs_close(&h);
  Finish(state, insns);
}
BENCHMARK_CAPTURE(BM_CapstoneDisasm, detail_off, false)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CapstoneDisasm, detail_on, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CapstoneDisasmIter, detail_on, true)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace kiln::bench

BENCHMARK_MAIN();
