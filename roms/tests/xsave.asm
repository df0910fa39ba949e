; xsave: the XSAVE feature set on the system CPU. CPUID (XSAVE, AVX, AVX2; OSXSAVE mirrors
; CR4.OSXSAVE; leaf 0Dh sizes), #UD for XGETBV/XSETBV/XSAVE/AVX before CR4.OSXSAVE, XSETBV's #GP
; cases (bit 0 clear, AVX without SSE, an unsupported bit, ECX != 0, CPL 3), an AVX instruction
; (#UD until XCR0 enables AVX), XSAVE and XRSTOR of YMM state in the standard and compacted
; formats, XRSTOR's header #GP, a misaligned area, #NM with CR0.TS. Legacy SSE: #UD before
; CR4.OSFXSR and with CR0.EM, #NM with CR0.TS (FXSAVE: #NM for both). SDM Vol.1 ch. 13, Vol.2
; XSAVE/XRSTOR/XSETBV/XGETBV, Vol.3 13.1.
%include "lib.inc"

%define AREA  (TEST_PAGE + 0x1000)    ; standard-format area (64-byte aligned)
%define AREA2 (TEST_PAGE + 0x2000)    ; compacted-format area

test_main:
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "xsave", 10

    ; CPUID: XSAVE (1:ECX[26]), AVX (28), FMA (12), F16C (29), AVX2 (7:EBX[5]); OSXSAVE (27) clear.
    mov eax, 1
    cpuid
    mov eax, ecx
    and eax, (1 << 26) | (1 << 27) | (1 << 28) | (1 << 12) | (1 << 29)
    expect eax, (1 << 26) | (1 << 28) | (1 << 12) | (1 << 29), 1
    mov eax, 7
    xor ecx, ecx
    cpuid
    and ebx, 1 << 5
    expect ebx, 1 << 5, 2

    ; Before CR4.OSXSAVE: XGETBV, XSETBV and XSAVE raise #UD.
    try .ud1_after
    xor ecx, ecx
.ud1: xgetbv
.ud1_after:
    expect_exc 6, 0, .ud1, 3
    try .ud2_after
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
.ud2: xsetbv
.ud2_after:
    expect_exc 6, 0, .ud2, 4
    try .ud3_after
    mov eax, 7
    xor edx, edx
.ud3: xsave [AREA]
.ud3_after:
    expect_exc 6, 0, .ud3, 5

    ; Before CR4.OSFXSR: legacy SSE instructions raise #UD (SDM Vol.3 13.1.3), the fast-path
    ; forms (packed arithmetic, 16-byte moves) and the others alike; CRC32 is not SSE state.
    try .sse_ud1_after
.sse_ud1: addps xmm0, xmm1
.sse_ud1_after:
    expect_exc 6, 0, .sse_ud1, 40
    try .sse_ud2_after
.sse_ud2: movaps xmm0, [AREA]
.sse_ud2_after:
    expect_exc 6, 0, .sse_ud2, 41
    try .sse_ud3_after
.sse_ud3: ldmxcsr [AREA]
.sse_ud3_after:
    expect_exc 6, 0, .sse_ud3, 42
    mov dword [exc_vector], 0xFF
    crc32 eax, ebx
    expect dword [exc_vector], 0xFF, 43

    ; CR4.OSFXSR, OSXMMEXCPT, OSXSAVE; CPUID mirrors OSXSAVE; XCR0 starts as x87 only.
    mov rax, cr4
    or rax, (1 << 9) | (1 << 10) | (1 << 18)
    mov cr4, rax
    mov eax, 1
    cpuid
    and ecx, 1 << 27
    expect ecx, 1 << 27, 6
    xor ecx, ecx
    xgetbv
    expect eax, 1, 7
    expect edx, 0, 8

    ; An AVX instruction with XCR0 = 1: #UD.
    try .avx_ud_after
.avx_ud: vaddps ymm0, ymm0, ymm0
.avx_ud_after:
    expect_exc 6, 0, .avx_ud, 9

    ; XSETBV's #GP(0) cases.
    mov r8d, 0                        ; bit 0 clear
    mov r9d, 0
    mov r10d, 0
    mov r11d, 10
    call xsetbv_gp
    mov r8d, 5                        ; AVX without SSE
    mov r11d, 11
    call xsetbv_gp
    mov r8d, 0xF                      ; bit 3: not supported
    mov r11d, 12
    call xsetbv_gp
    mov r8d, 3                        ; XCR1 does not exist
    mov r10d, 1
    mov r11d, 13
    call xsetbv_gp
    mov r10d, 0                       ; a bit above 31
    mov r9d, 1
    mov r11d, 14
    call xsetbv_gp
    xor ecx, ecx
    xgetbv
    expect eax, 1, 15                 ; unchanged

    ; XSETBV at CPL 3: #GP(0) (checked in ring 3; it comes back with int 0x30).
    copy_section user, USER_CODE
    to_user user_tests
    print "back in ring 0", 10

    ; XCR0 = x87 | SSE | AVX; leaf 0Dh: supported 7, 832 bytes for XCR0 and for everything.
    xor ecx, ecx
    mov eax, 7
    xor edx, edx
    xsetbv
    xor ecx, ecx
    xgetbv
    expect eax, 7, 20
    mov eax, 0xD
    xor ecx, ecx
    cpuid
    expect eax, 7, 21
    expect ebx, 832, 22
    expect ecx, 832, 23
    mov eax, 0xD
    mov ecx, 2
    cpuid
    expect eax, 256, 24
    expect ebx, 576, 25

    ; AVX now works: ymm1 = 8 x 2.0 (upper lane too).
    vbroadcastss ymm0, [rel one]
    vaddps ymm1, ymm0, ymm0
    vextractf128 xmm2, ymm1, 1
    movd eax, xmm2
    expect eax, 0x40000000, 26

    ; XSAVE (standard): XSTATE_BV has SSE and AVX, YMM1_H is at 576 + 16.
    mov rdi, AREA
    mov ecx, 832 / 8
    xor eax, eax
    rep stosq
    mov eax, 7
    xor edx, edx
    xsave [AREA]
    mov rax, [AREA + 512]
    and eax, 6
    expect eax, 6, 27
    expect dword [AREA + 576 + 16], 0x40000000, 28
    expect dword [AREA + 160 + 16], 0x40000000, 29   ; XMM1
    expect dword [AREA + 24], 0x1F80, 30             ; MXCSR

    ; XRSTOR brings YMM1 back after VZEROALL.
    vzeroall
    mov eax, 7
    xor edx, edx
    xrstor [AREA]
    vextractf128 xmm2, ymm1, 1
    movd eax, xmm2
    expect eax, 0x40000000, 31

    ; XSAVEC (compacted): XCOMP_BV = bit 63 | RFBM, AVX right after the header.
    mov rdi, AREA2
    mov ecx, 832 / 8
    xor eax, eax
    rep stosq
    mov eax, 7
    xor edx, edx
    xsavec [AREA2]
    mov rax, [AREA2 + 520]
    mov rcx, 0x8000000000000007
    expect rax, rcx, 32
    expect dword [AREA2 + 576 + 16], 0x40000000, 33
    vzeroall
    mov eax, 7
    xor edx, edx
    xrstor [AREA2]
    vextractf128 xmm2, ymm1, 1
    movd eax, xmm2
    expect eax, 0x40000000, 34

    ; XRSTOR #GP(0): XSTATE_BV bit 3 (not in XCR0); a misaligned area; state unchanged.
    mov qword [AREA + 512], 0xF
    try .rs_gp_after
    mov eax, 7
    xor edx, edx
.rs_gp: xrstor [AREA]
.rs_gp_after:
    expect_exc 13, 0, .rs_gp, 35
    try .mis_after
    mov eax, 7
    xor edx, edx
.mis: xsave [AREA + 32]
.mis_after:
    expect_exc 13, 0, .mis, 36

    ; CR0.TS: XSAVE raises #NM.
    mov rax, cr0
    or rax, 1 << 3
    mov cr0, rax
    try .nm_after
    mov eax, 7
    xor edx, edx
.nm: xsave [AREA]
.nm_after:
    expect_exc 7, 0, .nm, 37
    ; ... and so do SSE instructions, FXSAVE and a scalar conversion from memory.
    try .sse_nm1_after
.sse_nm1: addps xmm0, xmm1
.sse_nm1_after:
    expect_exc 7, 0, .sse_nm1, 44
    try .sse_nm2_after
.sse_nm2: movdqu xmm0, [AREA]
.sse_nm2_after:
    expect_exc 7, 0, .sse_nm2, 45
    try .sse_nm3_after
.sse_nm3: cvtss2si eax, [AREA]
.sse_nm3_after:
    expect_exc 7, 0, .sse_nm3, 46
    try .sse_nm4_after
.sse_nm4: pshufb xmm0, xmm1
.sse_nm4_after:
    expect_exc 7, 0, .sse_nm4, 47
    try .sse_nm5_after
.sse_nm5: fxsave [AREA]
.sse_nm5_after:
    expect_exc 7, 0, .sse_nm5, 48
    clts
    ; CR0.EM: SSE and MMX instructions raise #UD, FXSAVE #NM.
    mov rax, cr0
    or rax, 1 << 2
    mov cr0, rax
    try .em1_after
.em1: mulsd xmm0, xmm1
.em1_after:
    expect_exc 6, 0, .em1, 49
    try .em2_after
.em2: paddb mm0, mm1
.em2_after:
    expect_exc 6, 0, .em2, 50
    try .em3_after
.em3: fxsave [AREA]
.em3_after:
    expect_exc 7, 0, .em3, 51
    mov rax, cr0
    and rax, ~(1 << 2)
    mov cr0, rax
    addps xmm0, xmm1                  ; enabled again

    ; XCR0 back to x87 | SSE: AVX raises #UD again, XSAVE's size shrinks to 576.
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
    xsetbv
    try .avx_ud2_after
.avx_ud2: vaddps ymm0, ymm0, ymm0
.avx_ud2_after:
    expect_exc 6, 0, .avx_ud2, 38
    mov eax, 0xD
    xor ecx, ecx
    cpuid
    expect ebx, 576, 39
    pass

; xsetbv_gp: XSETBV with EAX = r8d, EDX = r9d, ECX = r10d raises #GP(0); failure r11.
xsetbv_gp:
    try .after
    mov eax, r8d
    mov edx, r9d
    mov ecx, r10d
.insn: xsetbv
.after:
    cmp qword [exc_vector], 13
    jne .bad
    cmp qword [exc_code], 0
    jne .bad
    lea rax, [rel .insn]
    cmp [exc_rip], rax
    jne .bad
    ret
.bad:
    print "xsetbv did not raise #GP(0)", 10
    mov eax, r11d
    out DEBUG_EXIT, al
    cli
    hlt

align 4
one: dd 1.0

section user vstart=USER_CODE align=16
bits 64
%define PRINT_ROUTINE user_print
print_routine user_print
user_tests:
    try .gp_after
    xor ecx, ecx
    mov eax, 3
    xor edx, edx
.gp: xsetbv
.gp_after:
    expect_exc 13, 0, .gp, 16
    xor ecx, ecx
    xgetbv                            ; XGETBV is allowed at any CPL
    expect eax, 1, 17
    int 0x30
user_end:
