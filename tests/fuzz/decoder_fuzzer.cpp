// libFuzzer target: the decoder must never crash, never read past its input, and keep its contract.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>

#include "frontend/decoder.h"

namespace kiln::fuzz {
namespace {

using frontend::CpuMode;
using frontend::DecodedInsn;
using frontend::DecodeStatus;
using frontend::kMaxInsnLength;

[[noreturn]] void Fail(const char* what) {
  // abort() makes libFuzzer report the input and keep it as a crash reproducer.
  std::fprintf(stderr, "decoder invariant violated: %s\n", what);
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) Fail(what);
}

/// One decode with the documented invariants (frontend/decoder.h, decoded_insn.h).
DecodeStatus DecodeChecked(std::span<const uint8_t> bytes, CpuMode mode, DecodedInsn& insn) {
  DecodeStatus status = frontend::Decode(bytes, mode, insn);
  switch (status) {
    case DecodeStatus::kOk:
      Check(insn.length >= 1 && insn.length <= kMaxInsnLength, "kOk: length not in 1..15");
      Check(insn.length <= bytes.size(), "kOk: length beyond the input");
      Check(insn.operand_count <= 4, "kOk: more than 4 operands");
      Check(insn.mode == mode, "kOk: mode not recorded");
      for (int i = 0; i < insn.operand_count; ++i) {
        Check(insn.operands[i].kind != frontend::OperandKind::kNone, "kOk: operand of kind none");
      }
      break;
    case DecodeStatus::kNeedMoreBytes:
      Check(bytes.size() < static_cast<size_t>(kMaxInsnLength), "kNeedMoreBytes with >= 15 bytes");
      break;
    case DecodeStatus::kInvalid:
    case DecodeStatus::kTooLong:
      break;
    default:
      Fail("unknown status");
  }
  return status;
}

}  // namespace
}  // namespace kiln::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kiln;
  // An exactly-sized heap copy: ASan then flags any read past the end of the input.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[size]);
  if (size) std::memcpy(copy.get(), data, size);
  std::span<const uint8_t> input(copy.get(), size);

  for (auto mode : {frontend::CpuMode::k16, frontend::CpuMode::k32, frontend::CpuMode::k64}) {
    if (size == 0) {
      frontend::DecodedInsn insn;
      fuzz::DecodeChecked(input, mode, insn);
      continue;
    }
    // Linear sweep from the first byte: each suffix ends exactly at the end of the heap copy.
    size_t pos = 0;
    while (pos < size) {
      frontend::DecodedInsn next;
      auto status = fuzz::DecodeChecked(input.subspan(pos), mode, next);
      if (status == frontend::DecodeStatus::kNeedMoreBytes) break;
      pos += status == frontend::DecodeStatus::kOk ? next.length : 1;
    }
  }
  return 0;
}
