// Interpreter handlers for AES-NI (AESENC, AESENCLAST, AESDEC, AESDECLAST, AESIMC,
// AESKEYGENASSIST) and PCLMULQDQ, in portable software (jit/semantics/aes.h, vector_int.h).
// The legacy forms' m128 operand must be 16-byte aligned.
#include <cstring>

#include "jit/interp/exec.h"
#include "jit/interp/vector_access.h"
#include "jit/semantics/aes.h"
#include "jit/semantics/vector_int.h"

namespace kiln::jit::interp {
namespace {

namespace aes = sem::aes;
using frontend::Mnemonic;

Step Run(Exec& e, Mnemonic m) {
  Step step = Step::kNext;
  Vec a, b;
  if (!ReadVec(e, 0, a, step) || !ReadVec(e, 1, b, step, /*aligned=*/true)) return step;
  const unsigned imm = e.insn.operand_count > 2 ? static_cast<unsigned>(e.insn.operands[2].value) & 0xFF : 0;
  Vec r;
  switch (m) {
    case Mnemonic::AESENC: r = aes::Encrypt(a, b, false); break;
    case Mnemonic::AESENCLAST: r = aes::Encrypt(a, b, true); break;
    case Mnemonic::AESDEC: r = aes::Decrypt(a, b, false); break;
    case Mnemonic::AESDECLAST: r = aes::Decrypt(a, b, true); break;
    case Mnemonic::AESIMC: r = aes::InverseMixColumns(b); break;
    case Mnemonic::AESKEYGENASSIST: r = aes::KeyGenAssist(b, static_cast<uint8_t>(imm)); break;
    default:  // PCLMULQDQ: imm[0] picks dest's quadword, imm[4] the source's
      r = sem::vec::CarrylessMultiply(sem::vec::Get<uint64_t, 16>(a, imm & 1), sem::vec::Get<uint64_t, 16>(b, (imm >> 4) & 1));
      break;
  }
  std::memcpy(Xmm(e, e.insn.operands[0]), r.data(), 16);
  return e.Next();
}

}  // namespace

bool ExecuteAes(Exec& e, Step& step) {
  using M = Mnemonic;
  if (e.insn.encoding != frontend::Encoding::kLegacy) return false;
  switch (e.insn.mnemonic) {
    case M::AESENC:
    case M::AESENCLAST:
    case M::AESDEC:
    case M::AESDECLAST:
    case M::AESIMC:
    case M::AESKEYGENASSIST:
    case M::PCLMULQDQ: step = Run(e, e.insn.mnemonic); return true;
    default: return false;
  }
}

}  // namespace kiln::jit::interp
