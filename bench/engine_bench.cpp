// Execution engines on one straight-line block of register and memory ALU work: the interpreter
// (which loops through the block with a JMP back to its start) against BlockJit's compiled block
// (called in a loop). items_per_second is guest instructions per second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "frontend/decoder.h"
#include "jit/engine/block_jit.h"
#include "jit/interp/interpreter.h"
#include "machine/cpu_state.h"
#include "machine/region_memory.h"

namespace {

using namespace kiln;

constexpr uint64_t kCode = 0x400000;
constexpr uint64_t kData = 0x600000;

// add rax,rbx; xor rcx,rax; shl rdx,3; lea rsi,[rax+rcx*2+8]; mov [rdi],rsi; add r8,[rdi];
// imul r9,r8; sub r10,r9; and r11,r10; or rax,r11; inc rbx; ror rcx,7; cmp rax,rcx; sbb rdx,rsi;
// mov r8d,eax; movzx r9d,cl
const std::vector<uint8_t> kBlock = {
    0x48, 0x01, 0xD8, 0x48, 0x31, 0xC1, 0x48, 0xC1, 0xE2, 0x03, 0x48, 0x8D, 0x74, 0x48, 0x08,
    0x48, 0x89, 0x37, 0x4C, 0x03, 0x07, 0x4D, 0x0F, 0xAF, 0xC8, 0x4D, 0x29, 0xCA, 0x4D, 0x21,
    0xD3, 0x4C, 0x09, 0xD8, 0x48, 0xFF, 0xC3, 0x48, 0xC1, 0xC9, 0x07, 0x48, 0x39, 0xC8, 0x48,
    0x19, 0xF2, 0x41, 0x89, 0xC0, 0x44, 0x0F, 0xB6, 0xC9};

struct Guest {
  machine::RegionMemory memory;
  machine::CpuState state;
  Guest() {
    std::string error;
    memory.AddRegion(kCode, 0x1000, error);
    memory.AddRegion(kData, 0x1000, error);
    state.efer = machine::efer::kLme | machine::efer::kLma;
    state.seg[machine::kCs].attributes = machine::seg_attr::kLong;
    state.rip = kCode;
    state.gpr[7] = kData;  // rdi
  }
};

std::vector<frontend::DecodedInsn> DecodeBlock() {
  std::vector<frontend::DecodedInsn> insns;
  for (size_t pos = 0; pos < kBlock.size();) {
    frontend::DecodedInsn insn;
    frontend::Decode(std::span<const uint8_t>(kBlock).subspan(pos), frontend::CpuMode::k64, insn);
    pos += insn.length;
    insns.push_back(insn);
  }
  return insns;
}

void BM_Interpreter(benchmark::State& bs) {
  Guest g;
  std::vector<uint8_t> code = kBlock;
  const auto back = static_cast<int8_t>(-static_cast<int>(code.size() + 2));
  code.push_back(0xEB);  // jmp back to the start
  code.push_back(static_cast<uint8_t>(back));
  g.memory.CopyIn(kCode, code.data(), code.size());
  jit::Interpreter interp(g.state, g.memory);
  const uint64_t per_round = DecodeBlock().size() + 1;
  for (auto _ : bs) interp.Run(per_round * 1000);
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * per_round * 1000));
}
BENCHMARK(BM_Interpreter);

void BM_BlockJitCallThreaded(benchmark::State& bs) {
  Guest g;
  std::string error;
  auto engine = jit::BlockJit::Create(error);
  if (!engine) {
    bs.SkipWithError(error.c_str());
    return;
  }
  const auto insns = DecodeBlock();
  const jit::BlockJit::BlockFn block = engine->Compile(kCode, insns, error);
  if (!block) {
    bs.SkipWithError(error.c_str());
    return;
  }
  uint64_t retired = 0;
  jit::Exit exit;
  for (auto _ : bs) {
    for (int i = 0; i < 1000; ++i) {
      g.state.rip = kCode;
      jit::BlockJit::Run(block, g.state, g.memory, exit, retired);
    }
  }
  bs.SetItemsProcessed(static_cast<int64_t>(retired));
}
BENCHMARK(BM_BlockJitCallThreaded);

void BM_BlockJitCompile(benchmark::State& bs) {
  std::string error;
  auto engine = jit::BlockJit::Create(error);
  if (!engine) {
    bs.SkipWithError(error.c_str());
    return;
  }
  const auto insns = DecodeBlock();
  for (auto _ : bs) benchmark::DoNotOptimize(engine->Compile(kCode, insns, error));
  bs.SetItemsProcessed(static_cast<int64_t>(bs.iterations() * insns.size()));
}
BENCHMARK(BM_BlockJitCompile)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
