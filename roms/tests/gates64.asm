; gates64: 64-bit call gates in long mode (SDM Vol.3 5.8.3.1): a far CALL from ring 3 through a
; DPL 3 gate to 64-bit ring-0 code (RSP0 from the TSS, SS null with RPL 0, SS:RSP and CS:RIP
; pushed as quadwords) and RETFQ back to ring 3; a far JMP through a gate at ring 0; #GP(selector)
; for a 16-bit gate type and for a TSS descriptor (no task switches in long mode); and EFLAGS.TF
; single-stepping in 64-bit mode.
%include "lib.inc"

gate_rsp  equ EXC_VARS + 0x100
gate_rip  equ EXC_VARS + 0x108
gate_cs   equ EXC_VARS + 0x110
gate_ursp equ EXC_VARS + 0x118
gate_uss  equ EXC_VARS + 0x120
gate_ss   equ EXC_VARS + 0x128
jmp_seen  equ EXC_VARS + 0x130
db_count  equ EXC_VARS + 0x138
db_rip    equ EXC_VARS + 0x140
db_dr6    equ EXC_VARS + 0x148

%define SEL_GATE64  0x78              ; 16 bytes: 0x78 and 0x80

test_main:
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "64-bit call gates", 10
    copy_section user, USER_CODE
    ; #DB: a gate of its own (interrupt gate, DPL 0).
    lea rax, [rel db_handler]
    mov word [IDT_BASE + 1 * 16], ax
    shr rax, 16
    mov word [IDT_BASE + 1 * 16 + 6], ax
    mov byte [IDT_BASE + 1 * 16 + 5], 0x8E

    ; A far JMP through the gate at ring 0 (DPL 3 >= CPL 0, the target at CPL 0).
    lea rax, [rel jmp_target]
    call set_gate
    jmp far dword [rel gate_far]
.jumped:
    expect qword [jmp_seen], 1, 1

    ; Ring 3 -> ring 0 through the gate, RETFQ back.
    lea rax, [rel gate_target]
    call set_gate
    to_user user_main
    print "back in ring 0", 10
    mov rax, user_main.ret
    expect qword [gate_rip], rax, 2
    expect qword [gate_cs], SEL_UCODE64 | 3, 3
    expect qword [gate_ursp], USER_STACK, 4
    expect qword [gate_uss], SEL_UDATA | 3, 5
    expect qword [gate_ss], 0, 6                        ; null SS, RPL = the new CPL
    expect qword [gate_rsp], RSP0_TOP - 32, 7

    ; A 16-bit call gate type does not exist in long mode: #GP(selector).
    mov byte [rel gdt_spare + 5], 0xE4
    try .g16_after
.g16: jmp far dword [rel gate_far]
.g16_after:
    expect_exc 13, SEL_GATE64, .g16, 8
    ; Nor do task switches: JMP to the TSS descriptor is #GP(selector).
    try .tss_after
.tss: jmp far dword [rel tss_far]
.tss_after:
    expect_exc 13, SEL_TSS, .tss, 9

    ; Single-stepping in 64-bit mode: a trap after each instruction with TF set at its start.
    mov qword [db_count], 0
    pushfq
    or qword [rsp], 1 << 8
    popfq
.s1: nop                              ; trap: RIP = .s2; the handler clears TF
.s2: nop
    expect qword [db_count], 1, 10
    lea rax, [rel .s2]
    expect qword [db_rip], rax, 11
    mov rax, [db_dr6]
    and eax, 0x400F
    expect eax, 0x4000, 12
    pass

; Points gate 0x78 at RAX (a 64-bit call gate, DPL 3, to SEL_CODE64).
set_gate:
    mov word [rel gdt_spare], ax
    mov word [rel gdt_spare + 2], SEL_CODE64
    mov word [rel gdt_spare + 4], 0xEC00
    shr rax, 16
    mov word [rel gdt_spare + 6], ax
    shr rax, 16
    mov dword [rel gdt_spare + 8], eax
    mov dword [rel gdt_spare + 12], 0
    ret

gate_target:
    mov [gate_rsp], rsp
    mov rax, [rsp]
    mov [gate_rip], rax
    mov rax, [rsp + 8]
    mov [gate_cs], rax
    mov rax, [rsp + 16]
    mov [gate_ursp], rax
    mov rax, [rsp + 24]
    mov [gate_uss], rax
    xor eax, eax
    mov ax, ss
    mov [gate_ss], rax
    o64 retf

jmp_target:
    mov qword [jmp_seen], 1
    jmp long_entry.jumped

db_handler:
    inc qword [db_count]
    mov rax, [rsp]
    mov [db_rip], rax
    mov rax, dr6
    mov [db_dr6], rax
    and qword [rsp + 16], ~(1 << 8)
    iretq

gate_far:
    dd 0
    dw SEL_GATE64
tss_far:
    dd 0
    dw SEL_TSS

section user vstart=USER_CODE align=16
bits 64
%define PRINT_ROUTINE user_print
print_routine user_print
user_main:
    print "ring 3", 10
    call far dword [rel user_gate_far]
.ret:
    mov ax, cs
    expect ax, SEL_UCODE64 | 3, 20
    mov ax, ss
    expect ax, SEL_UDATA | 3, 21
    expect rsp, USER_STACK, 22
    int 0x30
user_gate_far:
    dd 0
    dw SEL_GATE64 | 3
user_end:
