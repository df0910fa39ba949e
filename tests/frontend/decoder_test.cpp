// Hand-written decoder cases for every encoding feature of the general-purpose maps, per mode.
// Expected forms follow the Intel SDM Vol.2 (chapter 2 and appendix A).
#include <gtest/gtest.h>

#include "tests/frontend/describe.h"

namespace kiln::test {
namespace {

using frontend::CpuMode;
constexpr CpuMode k16 = CpuMode::k16, k32 = CpuMode::k32, k64 = CpuMode::k64;

frontend::DecodedInsn DecodeOk(CpuMode mode, const std::string& hex) {
  frontend::DecodedInsn insn;
  const auto bytes = Hex(hex);
  EXPECT_EQ(frontend::Decode(bytes, mode, insn), frontend::DecodeStatus::kOk) << hex;
  return insn;
}

TEST(DecoderPrefixes, RepeatedOperandSizePrefix_CountsOnce) {
  EXPECT_EQ(DecodeHex(k64, "66 66 89 c8"), "mov ax, cx");
}

TEST(DecoderPrefixes, LastSegmentOverride_Wins) {
  EXPECT_EQ(DecodeHex(k32, "2e 64 8b 00"), "mov eax, m4:fs:[eax]");
  EXPECT_EQ(DecodeHex(k32, "64 2e 8b 00"), "mov eax, m4:cs:[eax]");
}

TEST(DecoderPrefixes, In64BitMode_OnlyFsAndGsOverridesApply) {
  EXPECT_EQ(DecodeHex(k64, "2e 8b 00"), "mov eax, m4:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "26 8b 45 00"), "mov eax, m4:ss:[rbp]");
  EXPECT_EQ(DecodeHex(k64, "65 8b 00"), "mov eax, m4:gs:[rax]");
  // A later DS override is a null prefix in 64-bit mode: FS still applies.
  EXPECT_EQ(DecodeHex(k64, "64 3e 8b 00"), "mov eax, m4:fs:[rax]");
  EXPECT_EQ(DecodeHex(k32, "64 3e 8b 00"), "mov eax, m4:ds:[eax]");
  EXPECT_EQ(DecodeOk(k64, "2e 8b 00").prefixes.segment, frontend::Seg::kCs);
}

TEST(DecoderPrefixes, OperandAndAddressSize_FollowTheMode) {
  EXPECT_EQ(DecodeHex(k16, "8b 00"), "mov ax, m2:ds:[bx+si*1]");
  EXPECT_EQ(DecodeHex(k16, "66 8b 00"), "mov eax, m4:ds:[bx+si*1]");
  EXPECT_EQ(DecodeHex(k16, "67 8b 00"), "mov ax, m2:ds:[eax]");
  EXPECT_EQ(DecodeHex(k32, "66 8b 00"), "mov ax, m2:ds:[eax]");
  EXPECT_EQ(DecodeHex(k32, "67 8b 00"), "mov eax, m4:ds:[bx+si*1]");
  EXPECT_EQ(DecodeHex(k64, "67 8b 00"), "mov eax, m4:ds:[eax]");
  EXPECT_EQ(DecodeHex(k64, "66 8b 00"), "mov ax, m2:ds:[rax]");
}

TEST(DecoderPrefixes, RexW_BeatsOperandSizePrefix) {
  EXPECT_EQ(DecodeHex(k64, "66 48 8b c1"), "mov rax, rcx");
}

TEST(DecoderPrefixes, RexFollowedByAnotherPrefix_IsIgnored) {
  EXPECT_EQ(DecodeHex(k64, "48 66 8b c1"), "mov ax, cx");
  EXPECT_EQ(DecodeOk(k64, "48 66 8b c1").prefixes.rex, 0);
}

TEST(DecoderPrefixes, RexSelectsSplInsteadOfAh) {
  EXPECT_EQ(DecodeHex(k64, "88 e0"), "mov al, ah");
  EXPECT_EQ(DecodeHex(k64, "40 88 e0"), "mov al, spl");
  EXPECT_EQ(DecodeHex(k64, "41 88 e0"), "mov r8b, spl");
  EXPECT_EQ(DecodeHex(k64, "44 88 e7"), "mov dil, r12b");
}

TEST(DecoderPrefixes, Rex_IsIncDecOutside64BitMode) {
  EXPECT_EQ(DecodeHex(k32, "40"), "inc eax");
  EXPECT_EQ(DecodeHex(k16, "4f"), "dec di");
  EXPECT_EQ(DecodeHex(k64, "41 50"), "push r8");
}

TEST(DecoderPrefixes, MandatoryPrefix_SelectsSseForm) {
  EXPECT_EQ(DecodeHex(k64, "0f 58 c1"), "addps xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "66 0f 58 c1"), "addpd xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "f3 0f 58 c1"), "addss xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "f2 0f 58 c1"), "addsd xmm0, xmm1");
  // F2/F3 take precedence over 66; the last of F2/F3 wins.
  EXPECT_EQ(DecodeHex(k64, "66 f3 0f 58 c1"), "addss xmm0, xmm1");
  EXPECT_EQ(DecodeHex(k64, "f3 f2 0f 58 c1"), "addsd xmm0, xmm1");
  EXPECT_EQ(DecodeOk(k64, "f3 0f 58 c1").prefixes.mandatory, 0xF3);
  EXPECT_FALSE(DecodeOk(k64, "f3 0f 58 c1").prefixes.rep);
}

TEST(DecoderPrefixes, MandatoryF3_KeepsOperandSizePrefix) {
  EXPECT_EQ(DecodeHex(k64, "66 f3 0f b8 c1"), "popcnt ax, cx");
  EXPECT_EQ(DecodeHex(k64, "f3 48 0f bc c1"), "tzcnt rax, rcx");
  EXPECT_EQ(DecodeHex(k64, "0f bc c1"), "bsf eax, ecx");
  EXPECT_EQ(DecodeHex(k64, "f2 0f bc c1"), "bsf eax, ecx");
  EXPECT_EQ(DecodeHex(k64, "66 f2 0f 38 f1 c1"), "crc32 eax, cx");
  EXPECT_EQ(DecodeHex(k64, "f2 48 0f 38 f0 c1"), "crc32 rax, cl");
}

TEST(DecoderPrefixes, Lock_NeedsLockableInstructionWithMemoryDestination) {
  EXPECT_EQ(DecodeHex(k64, "f0 01 08"), "add m4:ds:[rax], ecx");
  EXPECT_TRUE(DecodeOk(k64, "f0 01 08").prefixes.lock);
  EXPECT_EQ(DecodeHex(k64, "f0 01 c8"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "f0 8b 00"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "f0 48 0f c7 08"), "cmpxchg16b m16:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "f0 39 08"), "invalid");  // CMP is not lockable
}

TEST(DecoderPrefixes, RepOnStringInstructions) {
  auto movs = DecodeOk(k64, "f3 a4");
  EXPECT_EQ(Describe(movs), "movsb");
  EXPECT_TRUE(movs.prefixes.rep);
  auto cmps = DecodeOk(k64, "f2 a6");
  EXPECT_EQ(Describe(cmps), "cmpsb");
  EXPECT_TRUE(cmps.prefixes.repne);
  EXPECT_EQ(DecodeHex(k64, "48 a5"), "movsq");
  EXPECT_EQ(DecodeHex(k16, "a5"), "movsw");
  EXPECT_EQ(DecodeHex(k16, "66 a5"), "movsd");
}

TEST(DecoderLength, FifteenBytes_IsTheLimit) {
  EXPECT_EQ(DecodeHex(k64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"), "nop");
  EXPECT_EQ(DecodeHex(k64, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90"), "too-long");
  EXPECT_EQ(DecodeHex(k64, "66 66 66 66 66 66 66 66 66 66 66 66 66 b8 00 00"), "too-long");
}

TEST(DecoderLength, ShortBuffer_AsksForMoreBytes) {
  EXPECT_EQ(DecodeHex(k64, ""), "need-more");
  EXPECT_EQ(DecodeHex(k64, "48"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "0f"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "0f 38"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "e8 00 00"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "8b 04"), "need-more");
  EXPECT_EQ(DecodeHex(k64, "c5 f9"), "need-more");
  EXPECT_EQ(DecodeHex(k32, "c4"), "need-more");  // LES or VEX: depends on the next byte
}

TEST(DecoderModRm, SibForms64) {
  EXPECT_EQ(DecodeHex(k64, "48 8b 04 24"), "mov rax, m8:ss:[rsp]");
  EXPECT_EQ(DecodeHex(k64, "8b 44 8d 10"), "mov eax, m4:ss:[rbp+rcx*4+0x10]");
  EXPECT_EQ(DecodeHex(k64, "8b 04 25 78 56 34 12"), "mov eax, m4:ds:[0x12345678]");
  EXPECT_EQ(DecodeHex(k64, "8b 04 20"), "mov eax, m4:ds:[rax]");          // index 100b: none
  EXPECT_EQ(DecodeHex(k64, "42 8b 04 20"), "mov eax, m4:ds:[rax+r12*1]");  // REX.X: r12
  EXPECT_EQ(DecodeHex(k64, "41 8b 04 24"), "mov eax, m4:ds:[r12]");
  EXPECT_EQ(DecodeHex(k64, "41 8b 45 00"), "mov eax, m4:ds:[r13]");
  EXPECT_EQ(DecodeHex(k64, "8b 45 00"), "mov eax, m4:ss:[rbp]");
  EXPECT_EQ(DecodeHex(k64, "8b 84 c8 00 01 00 00"), "mov eax, m4:ds:[rax+rcx*8+0x100]");
  EXPECT_EQ(DecodeHex(k64, "8b 40 f0"), "mov eax, m4:ds:[rax-0x10]");
}

TEST(DecoderModRm, RipRelativeOnlyIn64BitMode) {
  EXPECT_EQ(DecodeHex(k64, "8b 05 10 00 00 00"), "mov eax, m4:ds:[rip+0x10]");
  EXPECT_EQ(DecodeHex(k32, "8b 05 10 00 00 00"), "mov eax, m4:ds:[0x10]");
}

TEST(DecoderModRm, SixteenBitForms) {
  EXPECT_EQ(DecodeHex(k16, "8b 46 02"), "mov ax, m2:ss:[bp+0x2]");
  EXPECT_EQ(DecodeHex(k16, "8b 06 34 12"), "mov ax, m2:ds:[0x1234]");
  EXPECT_EQ(DecodeHex(k16, "8b 40 ff"), "mov ax, m2:ds:[bx+si*1-0x1]");
  EXPECT_EQ(DecodeHex(k16, "8b 82 00 80"), "mov ax, m2:ss:[bp+si*1-0x8000]");
  EXPECT_EQ(DecodeHex(k32, "67 8b 07"), "mov eax, m4:ds:[bx]");
}

TEST(DecoderOperands, MoffsHasTheAddressSize) {
  EXPECT_EQ(DecodeHex(k64, "a1 88 77 66 55 44 33 22 11"), "mov eax, m4:ds:[0x1122334455667788]");
  EXPECT_EQ(DecodeHex(k64, "67 a1 44 33 22 11"), "mov eax, m4:ds:[0x11223344]");
  EXPECT_EQ(DecodeHex(k16, "a0 34 12"), "mov al, m1:ds:[0x1234]");
  EXPECT_EQ(DecodeHex(k32, "64 a3 10 00 00 00"), "mov m4:fs:[0x10], eax");
}

TEST(DecoderOperands, FarPointers) {
  EXPECT_EQ(DecodeHex(k32, "ea 78 56 34 12 00 10"), "jmpf 0x1000:0x12345678");
  EXPECT_EQ(DecodeHex(k16, "9a 34 12 00 f0"), "callf 0xf000:0x1234");
  EXPECT_EQ(DecodeHex(k64, "ea 78 56 34 12 00 10"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "ff 18"), "callf m6:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "48 ff 28"), "jmpf m10:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "ff d8"), "invalid");
}

TEST(DecoderOperands, Immediates) {
  EXPECT_EQ(DecodeHex(k64, "48 b8 88 77 66 55 44 33 22 11"), "mov rax, #0x1122334455667788");
  EXPECT_EQ(DecodeHex(k64, "48 c7 c0 ff ff ff ff"), "mov rax, #-0x1");
  EXPECT_EQ(DecodeHex(k64, "6a ff"), "push #-0x1");
  EXPECT_EQ(DecodeHex(k64, "83 c0 ff"), "add eax, #-0x1");
  EXPECT_EQ(DecodeHex(k64, "c8 10 00 02"), "enter #0x10, #0x2");
  EXPECT_EQ(DecodeHex(k16, "b8 34 12"), "mov ax, #0x1234");
  EXPECT_EQ(DecodeHex(k64, "66 05 34 12"), "add ax, #0x1234");
  EXPECT_EQ(DecodeHex(k64, "d1 e0"), "shl eax, #0x1");
  EXPECT_EQ(DecodeHex(k64, "c1 e0 05"), "shl eax, #0x5");
  EXPECT_EQ(DecodeHex(k64, "d3 f8"), "sar eax, cl");
}

TEST(DecoderBranches, RelativeSizesPerMode) {
  EXPECT_EQ(DecodeHex(k64, "eb fe"), "jmp rel-0x2");
  EXPECT_EQ(DecodeHex(k64, "e8 00 01 00 00"), "call rel0x100");
  // Intel ignores 66 on near branches in 64-bit mode: still rel32.
  EXPECT_EQ(DecodeHex(k64, "66 e9 00 01 00 00"), "jmp rel0x100");
  EXPECT_EQ(DecodeHex(k32, "66 e9 00 01"), "jmp rel0x100");
  EXPECT_EQ(DecodeHex(k16, "e9 00 01"), "jmp rel0x100");
  EXPECT_EQ(DecodeHex(k64, "0f 84 10 00 00 00"), "jz rel0x10");
  EXPECT_EQ(DecodeHex(k64, "e3 fe"), "jrcxz rel-0x2");
  EXPECT_EQ(DecodeHex(k64, "67 e3 fe"), "jecxz rel-0x2");
  EXPECT_EQ(DecodeHex(k16, "e3 fe"), "jcxz rel-0x2");
  EXPECT_EQ(DecodeOk(k64, "ff d0").operand_size, 8);
  EXPECT_EQ(DecodeHex(k64, "ff d0"), "call rax");
  EXPECT_EQ(DecodeHex(k64, "c2 08 00"), "ret #0x8");
}

TEST(DecoderModes, InstructionsInvalidIn64BitMode) {
  for (const char* hex : {"06", "07", "0e", "16", "1f", "27", "2f", "37", "3f", "60", "61", "9a 00 00 00 00 00 00",
                          "ce", "d4 0a", "d5 0a", "d6", "82 c0 01", "ea 00 00 00 00 00 00"}) {
    EXPECT_EQ(DecodeHex(k64, hex), "invalid") << hex;
  }
  EXPECT_EQ(DecodeHex(k32, "d4 0a"), "aam #0xa");
  EXPECT_EQ(DecodeHex(k32, "06"), "push es");
  EXPECT_EQ(DecodeHex(k32, "60"), "pushad");
  EXPECT_EQ(DecodeHex(k16, "60"), "pusha");
}

TEST(DecoderModes, DefaultAndForced64BitOperands) {
  EXPECT_EQ(DecodeHex(k64, "50"), "push rax");
  EXPECT_EQ(DecodeHex(k64, "66 50"), "push ax");
  EXPECT_EQ(DecodeHex(k64, "9c"), "pushfq");
  EXPECT_EQ(DecodeHex(k64, "66 9c"), "pushf");
  EXPECT_EQ(DecodeHex(k32, "9c"), "pushfd");
  EXPECT_EQ(DecodeHex(k64, "48 cf"), "iretq");
  EXPECT_EQ(DecodeHex(k64, "63 c1"), "movsxd eax, ecx");
  EXPECT_EQ(DecodeHex(k64, "48 63 c1"), "movsxd rax, ecx");
  EXPECT_EQ(DecodeHex(k32, "63 c1"), "arpl cx, ax");
}

TEST(DecoderModes, C4C5And62AreLesLdsBoundOutside64BitModeWithMemoryOperand) {
  EXPECT_EQ(DecodeHex(k32, "c4 00"), "les eax, m6:ds:[eax]");
  EXPECT_EQ(DecodeHex(k16, "c5 00"), "lds ax, m4:ds:[bx+si*1]");
  EXPECT_EQ(DecodeHex(k32, "62 00"), "bound eax, m8:ds:[eax]");
  EXPECT_EQ(DecodeHex(k32, "c5 f9 6f c1"), "vmovdqa xmm0, xmm1");
}

TEST(DecoderGroups, SelectedByModRmReg) {
  EXPECT_EQ(DecodeHex(k64, "f7 d8"), "neg eax");
  EXPECT_EQ(DecodeHex(k64, "f6 c0 01"), "test al, #0x1");
  EXPECT_EQ(DecodeHex(k64, "ff 30"), "push m8:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "ff 38"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "8f c0"), "pop rax");
  EXPECT_EQ(DecodeHex(k64, "8f c8"), "invalid");  // AMD XOP space
  EXPECT_EQ(DecodeHex(k64, "0f ba e0 03"), "bt eax, #0x3");
  EXPECT_EQ(DecodeHex(k64, "0f ba c0 03"), "invalid");
}

TEST(DecoderGroups, SelectedByModAndRm) {
  EXPECT_EQ(DecodeHex(k64, "0f 01 d0"), "xgetbv");
  EXPECT_EQ(DecodeHex(k64, "0f 01 10"), "lgdt m10:ds:[rax]");
  EXPECT_EQ(DecodeHex(k32, "0f 01 10"), "lgdt m6:ds:[eax]");
  EXPECT_EQ(DecodeHex(k64, "0f 01 f8"), "swapgs");
  EXPECT_EQ(DecodeHex(k32, "0f 01 f8"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "0f 01 f9"), "rdtscp");
  EXPECT_EQ(DecodeHex(k64, "0f ae e8"), "lfence");
  EXPECT_EQ(DecodeHex(k64, "0f ae 38"), "clflush m1:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "0f c7 f0"), "rdrand eax");
  EXPECT_EQ(DecodeHex(k64, "0f c7 08"), "cmpxchg8b m8:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "0f c7 c8"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "f3 0f 1e fa"), "endbr64");
  EXPECT_EQ(DecodeHex(k64, "0f 1f 44 00 00"), "nop m4:ds:[rax+rax*1], eax");  // as Intel XED models it
}

TEST(DecoderX87, MemoryAndRegisterForms) {
  EXPECT_EQ(DecodeHex(k64, "d9 e8"), "fld1");
  EXPECT_EQ(DecodeHex(k64, "dd 00"), "fld m8:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "db 28"), "fld m10:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "d8 c1"), "fadd st(0), st(1)");
  EXPECT_EQ(DecodeHex(k64, "dc c1"), "fadd st(1), st(0)");
  EXPECT_EQ(DecodeHex(k64, "de e9"), "fsubp st(1), st(0)");
  EXPECT_EQ(DecodeHex(k64, "df e0"), "fnstsw ax");
  EXPECT_EQ(DecodeHex(k64, "d9 d1"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "d9 30"), "fnstenv m28:ds:[rax]");
  EXPECT_EQ(DecodeHex(k16, "d9 30"), "fnstenv m14:ds:[bx+si*1]");
  EXPECT_EQ(DecodeHex(k64, "dd 30"), "fnsave m108:ds:[rax]");
  EXPECT_EQ(DecodeHex(k64, "df 2c 24"), "fild m8:ss:[rsp]");
}

TEST(DecoderSystem, ControlDebugAndSegmentRegisters) {
  EXPECT_EQ(DecodeHex(k64, "0f 20 c0"), "mov rax, cr0");
  EXPECT_EQ(DecodeHex(k64, "0f 22 d8"), "mov cr3, rax");
  EXPECT_EQ(DecodeHex(k64, "44 0f 20 c0"), "mov rax, cr8");
  EXPECT_EQ(DecodeHex(k64, "0f 20 c8"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "0f 20 00"), "mov rax, cr0");  // mod is ignored
  EXPECT_EQ(DecodeHex(k32, "0f 20 c0"), "mov eax, cr0");
  EXPECT_EQ(DecodeHex(k64, "0f 23 f8"), "mov dr7, rax");
  EXPECT_EQ(DecodeHex(k64, "44 0f 21 c0"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "8e d8"), "mov ds, ax");
  EXPECT_EQ(DecodeHex(k64, "8e c8"), "invalid");  // MOV to CS
  EXPECT_EQ(DecodeHex(k64, "8c c8"), "mov eax, cs");
  EXPECT_EQ(DecodeHex(k64, "8c 08"), "mov m2:ds:[rax], cs");
  EXPECT_EQ(DecodeHex(k64, "8e f0"), "invalid");  // Sreg 6
}

TEST(DecoderInvalid, UndefinedOpcodesAreInvalidNotFatal) {
  EXPECT_EQ(DecodeHex(k64, "0f 0b"), "ud2");
  EXPECT_EQ(DecodeHex(k64, "0f 04"), "invalid");
  EXPECT_EQ(DecodeHex(k64, "0f 0f c1 b4"), "invalid");  // AMD 3DNow!
  EXPECT_EQ(DecodeHex(k64, "0f ff c1"), "ud0 eax, ecx");
  EXPECT_EQ(DecodeHex(k64, "8d c0"), "invalid");        // LEA with a register
}

}  // namespace
}  // namespace kiln::test
