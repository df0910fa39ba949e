; exceptions32: every exception that 32-bit protected mode at CPL 0 can provoke, delivered
; through 32-bit interrupt gates, with its vector, error code and pushed EIP (the faulting
; instruction for faults, the next one for traps): SDM Vol.3 6.15 and Table 6-1.
%include "lib.inc"

test_main:
    call setup_idt32
    print "exceptions in 32-bit protected mode", 10

    ; #DE: DIV by zero (a fault).
    try .de_after
    xor edx, edx
    mov eax, 1
    xor ecx, ecx
.de: div ecx
.de_after:
    expect_exc 0, 0, .de, 1

    ; #DB from INT1/ICEBP (F1): a trap, the pushed EIP is the next instruction.
    try .db_after
    db 0xF1
.db_after:
    expect_exc 1, 0, .db_after, 2

    ; #BP from INT3: a trap.
    try .bp_after
    int3
.bp_after:
    expect_exc 3, 0, .bp_after, 3

    ; #OF from INTO with OF = 1: a trap. With OF = 0 nothing happens.
    mov dword [exc_count], 0
    xor eax, eax                      ; OF = 0
    into
    expect dword [exc_count], 0, 4
    try .of_after
    mov al, 0x7f
    add al, 1                         ; OF = 1
    into
.of_after:
    expect_exc 4, 0, .of_after, 5

    ; #BR from BOUND with the index above the upper bound: a fault.
    try .br_after
    mov eax, 11
.br: bound eax, [bounds]
.br_after:
    expect_exc 5, 0, .br, 6
    mov eax, 10
    bound eax, [bounds]               ; in range: no exception

    ; #UD from UD2.
    try .ud_after
.ud: ud2
.ud_after:
    expect_exc 6, 0, .ud, 7

    ; #NP: a segment load of a not-present data segment; error code = the selector.
    try .np_after
    mov ax, SEL_NOTPRES
.np: mov ds, ax
.np_after:
    expect_exc 11, SEL_NOTPRES, .np, 8
    mov ax, ds
    expect ax, SEL_DATA, 9            ; DS unchanged

    ; #SS: the same descriptor loaded into SS.
    try .ss_after
    mov ax, SEL_NOTPRES
.ss: mov ss, ax
.ss_after:
    expect_exc 12, SEL_NOTPRES, .ss, 10

    ; #GP: a selector beyond the GDT limit; INT n beyond the IDT limit (error code: IDT bit).
    try .gp_after
    mov ax, 0x7ff8
.gp: mov ds, ax
.gp_after:
    expect_exc 13, 0x7ff8, .gp, 11
    try .gp2_after
.gp2: int 0x40
.gp2_after:
    expect_exc 13, 0x40 * 8 + 2, .gp2, 12

    ; #GP(0): a write to CR4 with a reserved bit.
    try .gp3_after
    mov eax, cr4
    or eax, 1 << 30
.gp3: mov cr4, eax
.gp3_after:
    expect_exc 13, 0, .gp3, 13

    ; #DF: #GP whose gate is not present raises #NP while delivering it (contributory twice).
    mov byte [IDT_BASE + 13 * 8 + 5], 0x6E     ; P = 0
    try .df_after
.df: mov ds, [bad_selector]
.df_after:
    expect dword [exc_vector], 8, 14  ; (the saved EIP of #DF is undefined: not checked)
    expect dword [exc_code], 0, 14
    mov byte [IDT_BASE + 13 * 8 + 5], 0xEE

    ; #PF under 32-bit paging (4 MiB pages, PSE): a read of a not-present page.
    call enable_paging32
    try .pf_after
    mov eax, 0x40000010
.pf: mov ebx, [eax]
.pf_after:
    expect_exc 14, 0, .pf, 15
    expect dword [exc_cr2], 0x40000010, 16
    ; Writing to a read-only page with CR0.WP = 1: error code P | W.
    try .pf2_after
.pf2: mov dword [0x00800000], 1
.pf2_after:
    expect_exc 14, 3, .pf2, 17
    expect dword [exc_cr2], 0x00800000, 18

    ; #NM: CR0.TS with an MMX instruction. (SSE and x87 instructions do not check CR0.TS in
    ; Kiln yet: roms/README.md.)
    mov eax, cr4
    or eax, (1 << 9) | (1 << 10)      ; OSFXSR, OSXMMEXCPT
    mov cr4, eax
    mov eax, cr0
    or eax, (1 << 3) | (1 << 1)       ; TS, MP
    and eax, ~(1 << 2)                ; EM = 0
    mov cr0, eax
    try .nm_after
.nm: paddb mm0, mm1
.nm_after:
    expect_exc 7, 0, .nm, 19
    clts
    paddb mm0, mm1                    ; TS = 0: no exception
    emms

    ; #XM: an unmasked SIMD floating-point exception (divide by zero) with CR4.OSXMMEXCPT.
    ldmxcsr [mxcsr_unmask_zero]
    xorps xmm1, xmm1
    movss xmm0, [one]
    try .xm_after
.xm: divss xmm0, xmm1
.xm_after:
    expect_exc 19, 0, .xm, 21
    ldmxcsr [mxcsr_default]

    ; SYSCALL and SYSRET outside 64-bit mode: #UD on an Intel CPU even with EFER.SCE, and CPUID
    ; reports SYSCALL only in long mode (SDM Vol.2 SYSCALL, SYSRET).
    mov eax, 0x80000001
    cpuid
    and edx, 1 << 11
    expect edx, 0, 22
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1                         ; SCE
    wrmsr
    try .syscall_after
.syscall: syscall
.syscall_after:
    expect_exc 6, 0, .syscall, 23
    try .sysret_after
.sysret: sysret
.sysret_after:
    expect_exc 6, 0, .sysret, 24

    pass

enable_paging32:
    ; A page directory at PD with 4 MiB identity pages for 0-1 GiB; 8-12 MiB read-only.
    mov edi, PD
    xor ecx, ecx
.pde:
    mov eax, ecx
    shl eax, 22
    or eax, 0x83                      ; P, RW, PS
    mov [edi + ecx * 4], eax
    inc ecx
    cmp ecx, 256
    jb .pde
    mov dword [PD + 2 * 4], 0x00800000 | 0x81   ; P, PS, read-only
    mov ecx, 256
.clear:
    mov dword [edi + ecx * 4], 0
    inc ecx
    cmp ecx, 1024
    jb .clear
    mov eax, PD
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 4                    ; PSE
    mov cr4, eax
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)     ; PG, WP
    mov cr0, eax
    ret

align 4
bounds: dd 0, 10
bad_selector: dw 0x7ff8
one: dd 1.0
mxcsr_unmask_zero: dd 0x1F80 & ~(1 << 9)
mxcsr_default: dd 0x1F80
