; exceptions64: exceptions in 64-bit mode through 16-byte interrupt gates, with vector, error
; code and pushed RIP; #DF on an IST stack from a page fault whose delivery faults (a kernel stack
; overflow). SDM Vol.3 6.14 (64-bit mode), 6.14.5 (IST), 6.15.
%include "lib.inc"

%define HOLE (TEST_PAGE + 0x5000)     ; pages the test makes not present
%define HOLE2 (TEST_PAGE + 0x7000)

test_main:
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "exceptions in 64-bit mode", 10

    ; #DE: IDIV overflow (INT64_MIN / -1).
    try .de_after
    mov rax, 0x8000000000000000
    cqo
    mov rcx, -1
.de: idiv rcx
.de_after:
    expect_exc 0, 0, .de, 1

    ; #DB from INT1/ICEBP: a trap.
    try .db_after
    db 0xF1
.db_after:
    expect_exc 1, 0, .db_after, 2

    ; #BP from INT3: a trap.
    try .bp_after
    int3
.bp_after:
    expect_exc 3, 0, .bp_after, 3

    ; #UD: UD2, and INTO (0xCE), which is invalid in 64-bit mode.
    try .ud_after
.ud: ud2
.ud_after:
    expect_exc 6, 0, .ud, 4
    try .ud2_after
.ud2: db 0xCE
.ud2_after:
    expect_exc 6, 0, .ud2, 5

    ; #GP(0): a load from a non-canonical address.
    try .gp_after
    mov rax, 0x8000000000000000
.gp: mov rbx, [rax]
.gp_after:
    expect_exc 13, 0, .gp, 6

    ; #NP and #SS: a not-present data segment into DS and SS; error code = the selector.
    try .np_after
    mov ax, SEL_NOTPRES
.np: mov ds, ax
.np_after:
    expect_exc 11, SEL_NOTPRES, .np, 7
    try .ss_after
    mov ax, SEL_NOTPRES
.ss: mov ss, ax
.ss_after:
    expect_exc 12, SEL_NOTPRES, .ss, 8

    ; #PF: a read of a not-present page; CR2 is the address, the error code 0.
    mov qword [PT + ((HOLE - TEST_PAGE) >> 12) * 8], 0
    invlpg [HOLE]
    try .pf_after
    mov rax, HOLE + 0x123
.pf: mov rbx, [rax]
.pf_after:
    expect_exc 14, 0, .pf, 9
    mov rax, HOLE + 0x123
    expect qword [exc_cr2], rax, 10

    ; #NM: CR0.TS with an MMX instruction (SSE does not check CR0.TS in Kiln yet).
    mov rax, cr4
    or rax, (1 << 9) | (1 << 10)      ; OSFXSR, OSXMMEXCPT
    mov cr4, rax
    mov rax, cr0
    or rax, (1 << 3) | (1 << 1)       ; TS, MP
    mov cr0, rax
    try .nm_after
.nm: paddb mm0, mm1
.nm_after:
    expect_exc 7, 0, .nm, 11
    clts
    emms

    ; #XM: divide by zero unmasked in MXCSR.
    ldmxcsr [rel mxcsr_unmask_zero]
    xorps xmm1, xmm1
    movss xmm0, [rel one]
    try .xm_after
.xm: divss xmm0, xmm1
.xm_after:
    expect_exc 19, 0, .xm, 12
    ldmxcsr [rel mxcsr_default]

    ; #DF on IST1: a #PF with RSP in the not-present page: pushing its frame faults again
    ; (#PF then #PF), so the CPU delivers #DF, through IST1, on a stack that works.
    mov rdi, IST1_TOP - 64
    mov ecx, 8
    xor eax, eax
    rep stosq
    mov qword [PT + ((HOLE2 - TEST_PAGE) >> 12) * 8], 0
    invlpg [HOLE2]
    mov [rel saved_rsp], rsp
    try .df_after
    mov rsp, HOLE + 0x800
.df: mov rax, [HOLE2]                 ; the first #PF, at HOLE2
.df_after:
    mov rsp, [rel saved_rsp]
    expect qword [exc_vector], 8, 13  ; (the saved RIP of #DF is undefined: not checked)
    expect qword [exc_code], 0, 14
    mov rax, HOLE + 0x800
    expect qword [IST1_TOP - 16], rax, 15     ; the interrupted RSP, in the IST1 frame
    expect qword [IST1_TOP - 32], SEL_CODE64, 16
    expect qword [IST1_TOP - 48], 0, 17       ; the error code
    mov rax, [exc_cr2]                ; CR2: the second #PF's address (in the frame's page),
                                      ; not the first one's (HOLE2)
    and rax, ~0xfff
    mov rcx, HOLE
    expect rax, rcx, 18
    pass

align 8
saved_rsp: dq 0
one: dd 1.0
mxcsr_unmask_zero: dd 0x1F80 & ~(1 << 9)
mxcsr_default: dd 0x1F80
