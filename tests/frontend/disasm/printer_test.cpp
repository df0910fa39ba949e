// Tests of frontend/disasm/printer on hand-built DecodedInsn values (no decoder involved).
#include "frontend/disasm/printer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>

namespace kiln::frontend {
namespace {

constexpr Reg R64(uint8_t i) { return {RegClass::kGpr64, i}; }
constexpr Reg R32(uint8_t i) { return {RegClass::kGpr32, i}; }
constexpr uint8_t kRax = 0, kRcx = 1, kRbx = 3, kRsp = 4, kRbp = 5, kRsi = 6, kRdi = 7;

Operand RegOp(Reg r) {
  Operand op;
  op.kind = OperandKind::kReg;
  op.reg = r;
  op.size = RegWidth(r.cls);
  return op;
}

Operand MemOp(uint16_t size, Reg base, Reg index = {}, uint8_t scale = 0, int64_t disp = 0,
              Seg seg = Seg::kDs) {
  Operand op;
  op.kind = OperandKind::kMem;
  op.size = size;
  op.base = base;
  op.index = index;
  op.scale = index.valid() ? scale : 0;
  op.value = disp;
  op.seg = seg;
  return op;
}

Operand ImmOp(int64_t value, uint16_t size) {
  Operand op;
  op.kind = OperandKind::kImm;
  op.value = value;
  op.size = size;
  return op;
}

Operand RelOp(int64_t displacement, uint16_t size) {
  Operand op;
  op.kind = OperandKind::kRel;
  op.value = displacement;
  op.size = size;
  return op;
}

DecodedInsn Insn(Mnemonic m, std::initializer_list<Operand> ops, uint8_t length = 3,
                 CpuMode mode = CpuMode::k64) {
  DecodedInsn insn;
  insn.mnemonic = m;
  insn.length = length;
  insn.mode = mode;
  insn.operand_size = mode == CpuMode::k16 ? 2 : 4;
  insn.address_size = mode == CpuMode::k64 ? 8 : mode == CpuMode::k32 ? 4 : 2;
  for (const Operand& op : ops) insn.operands[insn.operand_count++] = op;
  return insn;
}

TEST(Printer, RegisterToRegister_PrintsIntelOrder) {
  DecodedInsn insn = Insn(Mnemonic::MOV, {RegOp(R64(kRbp)), RegOp(R64(kRsp))});
  insn.operand_size = 8;
  EXPECT_EQ(FormatInsn(insn, 0x401000), "mov rbp, rsp");
}

TEST(Printer, NoOperands_PrintsMnemonicOnly) {
  EXPECT_EQ(FormatInsn(Insn(Mnemonic::NOP, {}, 1), 0), "nop");
}

TEST(Printer, Invalid_PrintsBad) {
  EXPECT_EQ(FormatInsn(Insn(Mnemonic::INVALID, {}, 1), 0), "(bad)");
}

TEST(Printer, MemoryWithSegmentOverride_PrintsSizeSegmentBaseIndexScaleDisp) {
  DecodedInsn insn = Insn(Mnemonic::MOV, {MemOp(4, R64(kRax), R64(kRbx), 4, 0x10, Seg::kFs),
                                          RegOp(R32(kRcx))});
  insn.prefixes.segment = Seg::kFs;
  EXPECT_EQ(FormatInsn(insn, 0), "mov dword ptr fs:[rax+rbx*4+0x10], ecx");
}

TEST(Printer, MemoryWithoutOverride_OmitsSegment) {
  const DecodedInsn insn =
      Insn(Mnemonic::MOV, {RegOp(R64(kRax)), MemOp(8, R64(kRbp), {}, 0, -8, Seg::kSs)});
  EXPECT_EQ(FormatInsn(insn, 0), "mov rax, qword ptr [rbp-0x8]");
}

TEST(Printer, IgnoredOverrideIn64BitMode_PrintsEncodedSegment) {
  // 66 2E 0F 1F 84 00 00 00 00 00: the decoder keeps DS as effective segment; objdump and Zydis
  // print the encoded CS.
  DecodedInsn insn = Insn(Mnemonic::NOP, {MemOp(2, R64(kRax), R64(kRax), 1, 0, Seg::kDs)}, 10);
  insn.prefixes.segment = Seg::kCs;
  EXPECT_EQ(FormatInsn(insn, 0), "nop word ptr cs:[rax+rax*1]");
}

TEST(Printer, SizeKeywords_FollowOperandSize) {
  const struct {
    uint16_t size;
    const char* text;
  } cases[] = {{1, "byte ptr [rax]"},     {2, "word ptr [rax]"},     {4, "dword ptr [rax]"},
               {6, "fword ptr [rax]"},    {8, "qword ptr [rax]"},    {10, "tbyte ptr [rax]"},
               {16, "xmmword ptr [rax]"}, {32, "ymmword ptr [rax]"}, {64, "zmmword ptr [rax]"},
               {0, "[rax]"},              {28, "[rax]"},             {512, "[rax]"}};
  for (const auto& c : cases) {
    const DecodedInsn insn = Insn(Mnemonic::FLD, {MemOp(c.size, R64(kRax))});
    EXPECT_EQ(FormatInsn(insn, 0), std::string("fld ") + c.text) << c.size;
  }
}

TEST(Printer, Lea_HasNoSizeKeyword) {
  const DecodedInsn insn =
      Insn(Mnemonic::LEA, {RegOp(R64(kRax)), MemOp(8, R64(kRbx), R64(kRcx), 2, 0x20)});
  EXPECT_EQ(FormatInsn(insn, 0), "lea rax, [rbx+rcx*2+0x20]");
}

TEST(Printer, RipRelative_PrintsRipAndDisplacement) {
  DecodedInsn insn =
      Insn(Mnemonic::MOV, {RegOp(R64(kRax)), MemOp(8, Reg{RegClass::kIp, 0}, {}, 0, 0x10)}, 7);
  EXPECT_EQ(FormatInsn(insn, 0x1000), "mov rax, qword ptr [rip+0x10]");
  insn.operands[1].value = -0x20;
  EXPECT_EQ(FormatInsn(insn, 0x1000), "mov rax, qword ptr [rip-0x20]");
  insn.operands[1].value = 0;
  EXPECT_EQ(FormatInsn(insn, 0x1000), "mov rax, qword ptr [rip+0x0]");
  insn.address_size = 4;  // 67 prefix: EIP-relative
  EXPECT_EQ(FormatInsn(insn, 0x1000), "mov rax, qword ptr [eip+0x0]");
}

TEST(Printer, AbsoluteAddress_IsMaskedToAddressSize) {
  DecodedInsn insn = Insn(Mnemonic::MOV, {RegOp(R32(kRax)), MemOp(4, {}, {}, 0, 0x1234)});
  EXPECT_EQ(FormatInsn(insn, 0), "mov eax, dword ptr [0x1234]");
  insn.operands[1].value = -16;
  EXPECT_EQ(FormatInsn(insn, 0), "mov eax, dword ptr [0xfffffffffffffff0]");
  insn.address_size = 4;
  EXPECT_EQ(FormatInsn(insn, 0), "mov eax, dword ptr [0xfffffff0]");
}

TEST(Printer, IndexWithoutBase_PrintsScaledIndex) {
  const DecodedInsn insn =
      Insn(Mnemonic::MOV, {RegOp(R32(kRax)), MemOp(4, {}, R64(kRsi), 8, 0x100)});
  EXPECT_EQ(FormatInsn(insn, 0), "mov eax, dword ptr [rsi*8+0x100]");
}

TEST(Printer, SixteenBitAddressing_PrintsBxSi) {
  const Reg bx{RegClass::kGpr16, kRbx}, si{RegClass::kGpr16, kRsi};
  DecodedInsn insn = Insn(Mnemonic::MOV, {RegOp({RegClass::kGpr16, kRax}),
                                          MemOp(2, bx, si, 1, -2)}, 3, CpuMode::k16);
  EXPECT_EQ(FormatInsn(insn, 0), "mov ax, word ptr [bx+si*1-0x2]");
}

TEST(Printer, Immediates_AreHexMaskedToOperandSize) {
  DecodedInsn insn = Insn(Mnemonic::ADD, {RegOp(R32(kRax)), ImmOp(-1, 4)});
  EXPECT_EQ(FormatInsn(insn, 0), "add eax, 0xffffffff");
  insn = Insn(Mnemonic::ADD, {RegOp(R64(kRax)), ImmOp(-1, 8)});
  EXPECT_EQ(FormatInsn(insn, 0), "add rax, 0xffffffffffffffff");
  insn = Insn(Mnemonic::ADD, {RegOp({RegClass::kGpr8, kRax}), ImmOp(-128, 1)});
  EXPECT_EQ(FormatInsn(insn, 0), "add al, 0x80");
  insn = Insn(Mnemonic::ADD, {RegOp(R32(kRax)), ImmOp(0, 4)});
  EXPECT_EQ(FormatInsn(insn, 0), "add eax, 0x0");
  insn = Insn(Mnemonic::ENTER, {ImmOp(0x10, 2), ImmOp(0, 1)}, 4);
  EXPECT_EQ(FormatInsn(insn, 0), "enter 0x10, 0x0");
}

TEST(Printer, RelativeBranch_PrintsAbsoluteTarget) {
  DecodedInsn insn = Insn(Mnemonic::JMP, {RelOp(0x10, 8)}, 2);
  insn.operand_size = 8;
  EXPECT_EQ(FormatInsn(insn, 0x401000), "jmp 0x401012");
  insn.operands[0].value = -2;  // jmp $
  EXPECT_EQ(FormatInsn(insn, 0x401000), "jmp 0x401000");
  insn = Insn(Mnemonic::CALL, {RelOp(-0x10, 8)}, 5);
  insn.operand_size = 8;
  EXPECT_EQ(FormatInsn(insn, 0x5), "call 0xfffffffffffffffa");
}

TEST(Printer, RelativeBranchIn16BitMode_WrapsAt64K) {
  DecodedInsn insn = Insn(Mnemonic::JMP, {RelOp(0x20, 2)}, 3, CpuMode::k16);
  EXPECT_EQ(FormatInsn(insn, 0xfff0), "jmp 0x13");
  insn.operand_size = 4;  // 66 prefix: EIP-sized target
  EXPECT_EQ(FormatInsn(insn, 0xfff0), "jmp 0x10013");
}

TEST(Printer, RelativeBranchIn32BitMode_WrapsAt4G) {
  const DecodedInsn insn = Insn(Mnemonic::JZ, {RelOp(0x10, 4)}, 6, CpuMode::k32);
  EXPECT_EQ(FormatInsn(insn, 0xfffffff0), "jz 0x6");
}

TEST(Printer, FarPointer_PrintsSelectorColonOffset) {
  Operand far;
  far.kind = OperandKind::kFarPtr;
  far.selector = 0x1234;
  far.value = 0x5678;
  far.size = 4;
  const DecodedInsn insn = Insn(Mnemonic::JMPF, {far}, 5, CpuMode::k16);
  EXPECT_EQ(FormatInsn(insn, 0), "jmp 0x1234:0x5678");
}

TEST(Printer, FarIndirectCall_PrintsCallFword) {
  const DecodedInsn insn = Insn(Mnemonic::CALLF, {MemOp(6, R64(kRax))}, 2);
  EXPECT_EQ(FormatInsn(insn, 0), "call fword ptr [rax]");
}

TEST(Printer, LockPrefix_ComesFirst) {
  DecodedInsn insn = Insn(Mnemonic::ADD, {MemOp(4, R64(kRdi)), RegOp(R32(kRax))});
  insn.prefixes.lock = true;
  EXPECT_EQ(FormatInsn(insn, 0), "lock add dword ptr [rdi], eax");
  insn.prefixes.repne = true;
  EXPECT_EQ(FormatInsn(insn, 0), "xacquire lock add dword ptr [rdi], eax");
  insn.prefixes.repne = false;
  insn.prefixes.rep = true;
  EXPECT_EQ(FormatInsn(insn, 0), "xrelease lock add dword ptr [rdi], eax");
}

TEST(Printer, RepPrefixes_DependOnMnemonic) {
  DecodedInsn insn = Insn(Mnemonic::STOSB, {}, 2);
  insn.prefixes.rep = true;
  EXPECT_EQ(FormatInsn(insn, 0), "rep stosb");
  insn = Insn(Mnemonic::CMPSB, {}, 2);
  insn.prefixes.rep = true;
  EXPECT_EQ(FormatInsn(insn, 0), "repe cmpsb");
  insn = Insn(Mnemonic::SCASB, {}, 2);
  insn.prefixes.repne = true;
  EXPECT_EQ(FormatInsn(insn, 0), "repne scasb");
}

TEST(Printer, F2OnBranch_PrintsBnd) {
  DecodedInsn insn = Insn(Mnemonic::JMP, {RegOp(R64(kRax))}, 3);
  insn.prefixes.repne = true;
  EXPECT_EQ(FormatInsn(insn, 0), "bnd jmp rax");
  insn = Insn(Mnemonic::RET, {}, 2);
  insn.prefixes.repne = true;
  EXPECT_EQ(FormatInsn(insn, 0), "bnd ret");
}

TEST(Printer, EvexMasking_FollowsFirstOperand) {
  const Reg zmm1{RegClass::kZmm, 1}, zmm2{RegClass::kZmm, 2}, zmm3{RegClass::kZmm, 3};
  DecodedInsn insn = Insn(Mnemonic::VADDPS, {RegOp(zmm1), RegOp(zmm2), RegOp(zmm3)}, 6);
  insn.encoding = Encoding::kEvex;
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1, zmm2, zmm3");
  insn.prefixes.evex_aaa = 1;
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1 {k1}, zmm2, zmm3");
  insn.prefixes.evex_z = true;
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1 {k1}{z}, zmm2, zmm3");
  insn.encoding = Encoding::kVex;  // only EVEX has opmasks
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1, zmm2, zmm3");
}

TEST(Printer, EvexRoundingWithRegisters_PrintsRoundingOperand) {
  const Reg zmm1{RegClass::kZmm, 1}, zmm2{RegClass::kZmm, 2}, zmm3{RegClass::kZmm, 3};
  DecodedInsn insn = Insn(Mnemonic::VADDPS, {RegOp(zmm1), RegOp(zmm2), RegOp(zmm3)}, 6);
  insn.encoding = Encoding::kEvex;
  insn.prefixes.evex_b = true;
  insn.prefixes.evex_er = true;
  insn.prefixes.evex_rc = 3;
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1, zmm2, zmm3, {rz-sae}");
  insn.prefixes.evex_rc = 0;
  insn.prefixes.evex_aaa = 2;
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1 {k2}, zmm2, zmm3, {rn-sae}");
}

TEST(Printer, EvexSaeOnly_PrintsSae) {
  const Reg xmm0{RegClass::kXmm, 0}, xmm1{RegClass::kXmm, 1};
  DecodedInsn insn = Insn(Mnemonic::VUCOMISS, {RegOp(xmm0), RegOp(xmm1)}, 6);
  insn.encoding = Encoding::kEvex;
  insn.prefixes.evex_b = true;
  insn.prefixes.evex_sae = true;
  EXPECT_EQ(FormatInsn(insn, 0), "vucomiss xmm0, xmm1, {sae}");
}

TEST(Printer, EvexBroadcast_PrintsOneToN) {
  const Reg zmm1{RegClass::kZmm, 1}, zmm2{RegClass::kZmm, 2};
  Operand mem = MemOp(4, R64(kRax));
  mem.broadcast = 16;
  DecodedInsn insn = Insn(Mnemonic::VADDPS, {RegOp(zmm1), RegOp(zmm2), mem}, 6);
  insn.encoding = Encoding::kEvex;
  insn.prefixes.evex_b = true;  // with memory, EVEX.b means broadcast, not rounding
  EXPECT_EQ(FormatInsn(insn, 0), "vaddps zmm1, zmm2, dword ptr [rax]{1to16}");
}

TEST(Printer, VsibIndex_PrintsVectorRegister) {
  const Reg xmm2{RegClass::kXmm, 2};
  const DecodedInsn insn =
      Insn(Mnemonic::MOV, {RegOp(R32(kRax)), MemOp(4, R64(kRsp), xmm2, 4, 0x8)});
  EXPECT_EQ(FormatInsn(insn, 0), "mov eax, dword ptr [rsp+xmm2*4+0x8]");
}

TEST(Printer, FormatBytes_IsLowerCaseHexPairs) {
  const uint8_t bytes[] = {0x48, 0x89, 0xe5, 0x0f};
  EXPECT_EQ(FormatBytes(bytes), "48 89 e5 0f");
  EXPECT_EQ(FormatBytes({}), "");
}

}  // namespace
}  // namespace kiln::frontend
