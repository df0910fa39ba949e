; ring_transitions: CPL 0 <-> CPL 3 in 64-bit mode: IRETQ and RETFQ to ring 3 and an interrupt
; gate back (the frame on the TSS's RSP0 stack), SYSCALL/SYSRET (SDM Vol.2 SYSCALL, SYSRET) and
; SYSENTER/SYSEXIT with REX.W (SDM Vol.2 SYSENTER, SYSEXIT) round trips, with the selectors,
; RCX/R11 and stacks they define; SWAPGS with the GS base MSRs.
%include "lib.inc"

%define KSTACK_SYSENTER 0x88000

; What the kernel entries saw, in a user page (ring 3 checks it).
syscall_count  equ EXC_VARS + 0x100
sysenter_count equ EXC_VARS + 0x108
sys_cs         equ EXC_VARS + 0x110
sys_ss         equ EXC_VARS + 0x118
sys_rcx        equ EXC_VARS + 0x120
sys_r11        equ EXC_VARS + 0x128
sys_rsp        equ EXC_VARS + 0x130
sys_rflags     equ EXC_VARS + 0x138

test_main:
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "ring transitions in 64-bit mode", 10
    copy_section user, USER_CODE

    ; GS base through IA32_GS_BASE, SWAPGS with IA32_KERNEL_GS_BASE, GS-relative addressing.
    mov qword [EXC_VARS + 0x200], 0x1111
    mov qword [EXC_VARS + 0x300], 0x2222
    mov ecx, 0xC0000101               ; GS_BASE
    mov eax, EXC_VARS + 0x200
    xor edx, edx
    wrmsr
    mov ecx, 0xC0000102               ; KERNEL_GS_BASE
    mov eax, EXC_VARS + 0x300
    wrmsr
    expect qword [gs:0], 0x1111, 50
    swapgs
    expect qword [gs:0], 0x2222, 51
    mov ecx, 0xC0000102
    rdmsr
    expect eax, EXC_VARS + 0x200, 52  ; the swapped-out base
    swapgs
    expect qword [gs:0], 0x1111, 53

    ; SYSCALL: EFER.SCE; STAR[47:32] = kernel CS (SS = +8); STAR[63:48] = the SYSRET base
    ; (64-bit CS = base + 16, SS = base + 8); LSTAR = the entry; SFMASK clears IF, DF and AC.
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1
    wrmsr
    mov eax, 0x80000001               ; in long mode CPUID reports SYSCALL
    cpuid
    and edx, 1 << 11
    expect edx, 1 << 11, 54
    mov ecx, 0xC0000081               ; STAR
    xor eax, eax
    mov edx, (SEL_UCODE32 << 16) | SEL_CODE64
    wrmsr
    mov ecx, 0xC0000082               ; LSTAR
    lea rax, [syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084               ; SFMASK
    mov eax, (1 << 9) | (1 << 10) | (1 << 18)
    xor edx, edx
    wrmsr
    ; SYSENTER: CS = SEL_CODE64 (SS = +8; SYSEXIT to 64-bit: CS = +32, SS = +40).
    mov ecx, 0x174
    mov eax, SEL_CODE64
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, KSTACK_SYSENTER
    wrmsr
    mov ecx, 0x176
    lea rax, [sysenter_entry]
    wrmsr

    ; Vector 1 with a DPL 0 gate: INT1 (ICEBP) from ring 3 still delivers #DB (no DPL check,
    ; like a hardware debug exception), while INT 1 (CD 01) raises #GP(vector * 8 + 2).
    mov byte [IDT_BASE + 1 * 16 + 5], 0x8E
    to_user user_main
    mov byte [IDT_BASE + 1 * 16 + 5], 0xEE
    print "back in ring 0", 10
    ; INT 0x30 from ring 3 pushed its 5-qword frame on RSP0.
    expect qword [rel ring0_entry_rsp], RSP0_TOP - 40, 1
    expect qword [syscall_count], 1, 2
    expect qword [sysenter_count], 1, 3

    ; RETFQ to an outer level: pops RIP, CS, then RSP and SS (SDM Vol.2 RET "Operation").
    lea rax, [rel .back2]
    mov [rel kernel_continue], rax
    mov [rel kernel_rsp], rsp
    push SEL_UDATA | 3
    push USER_STACK - 64
    push SEL_UCODE64 | 3
    push user_retf
    retfq
.back2:
    print "back in ring 0 again", 10
    pass

; The SYSCALL entry: CPL 0, RCX = the return RIP, R11 = the user RFLAGS; no stack switch.
syscall_entry:
    mov word [sys_cs], cs
    mov word [sys_ss], ss
    mov [sys_rcx], rcx
    mov [sys_r11], r11
    mov [sys_rsp], rsp
    pushfq                            ; (on the user stack: no stack switch)
    pop qword [sys_rflags]
    inc qword [syscall_count]
    add rax, 1
    o64 sysret

; The SYSENTER entry: CPL 0, RSP = IA32_SYSENTER_ESP.
sysenter_entry:
    mov word [sys_cs], cs
    mov word [sys_ss], ss
    mov [sys_rsp], rsp
    inc qword [sysenter_count]
    add rax, 2
    o64 sysexit                       ; RIP = RDX, RSP = RCX


section user vstart=USER_CODE align=16
bits 64
%define PRINT_ROUTINE user_print
print_routine user_print
user_main:
    print "ring 3", 10
    ; SYSCALL and back with SYSRET.
    pushfq
    or qword [rsp], (1 << 18) | (1 << 10)   ; AC, DF: SFMASK clears them in the kernel
    popfq
    mov rax, 41
    mov rbx, rsp
.sc: syscall
.sc_ret:
    cld
    expect rax, 42, 10
    expect rsp, rbx, 11
    mov ax, cs
    expect ax, (SEL_UCODE32 + 16) | 3, 12
    mov ax, ss
    expect ax, (SEL_UCODE32 + 8) | 3, 13
    mov rax, [sys_rcx]
    expect rax, .sc_ret, 14
    expect word [sys_cs], SEL_CODE64, 15
    expect word [sys_ss], SEL_CODE64 + 8, 16
    mov rax, [sys_r11]
    test rax, 1 << 18
    jnz .r11_ac
    fail 17
.r11_ac:
    mov rax, [sys_rflags]
    test rax, (1 << 18) | (1 << 10) | (1 << 9)
    jz .masked
    fail 18
.masked:
    pushfq
    and qword [rsp], ~(1 << 18)
    popfq

    ; SYSENTER and back with SYSEXIT (REX.W: to 64-bit code).
    mov rax, 40
    mov rcx, rsp
    mov rdx, .se_ret
    sysenter
.se_ret:
    expect rax, 42, 20
    expect rsp, rbx, 21
    mov ax, cs
    expect ax, (SEL_CODE64 + 32) | 3, 22
    mov ax, ss
    expect ax, (SEL_CODE64 + 40) | 3, 23
    expect word [sys_cs], SEL_CODE64, 24
    expect word [sys_ss], SEL_CODE64 + 8, 25
    expect qword [sys_rsp], KSTACK_SYSENTER, 26

    try .icebp_after
    db 0xF1
.icebp_after:
    expect_exc 1, 0, .icebp_after, 27
    try .int1_after
.int1: int 1
.int1_after:
    expect_exc 13, 1 * 8 + 2, .int1, 28
    int 0x30
user_retf:
    mov ax, cs
    expect ax, SEL_UCODE64 | 3, 40
    mov ax, ss
    expect ax, SEL_UDATA | 3, 41
    expect rsp, USER_STACK - 64, 42
    print "ring 3 through RETFQ", 10
    int 0x30
user_end:
