; tasks32: call gates and hardware task switches in 32-bit protected mode (SDM Vol.3 5.8, 7.3):
; a far CALL from ring 3 through a 32-bit call gate to ring 0 (the inner stack from the TSS, two
; parameters copied, RETF 8 back to the outer level), a JMP through a gate at the same level, a
; gate whose DPL is below the CPL (#GP(gate)); CALL to a TSS (busy bits, previous-task link, NT,
; CR0.TS, registers saved and restored) and IRET back; JMP through a task gate and JMP back;
; #GP for a busy TSS, #TS for a TSS below 104 bytes; and the double-fault idiom: #DF through a
; task gate in the IDT, with its error code on the new task's stack.
%include "lib.inc"

%define GDT2        0x220000          ; lib.inc's GDT copied here and extended
%define TSS_B       0x222000
%define TSS_C       0x222100
%define TSS_SMALL   0x222200
%define STACK_B     0x8C000
%define STACK_C     0x8A000

%define SEL_GATE_U  0x78              ; 32-bit call gate, DPL 3 -> SEL_CODE32:gate_target, 2 params
%define SEL_GATE_K  0x80              ; 32-bit call gate, DPL 0 -> SEL_CODE32:jmp_target
%define SEL_TSS_B   0x88
%define SEL_TASKGATE_B 0x90           ; task gate -> SEL_TSS_B
%define SEL_TSS_C   0x98
%define SEL_TSS_SMALL 0xA0            ; limit 0x40: too small
%define GDT2_END    0xA8

gate_esp  equ EXC_VARS + 0x100        ; what the gate target saw
gate_p1   equ EXC_VARS + 0x104
gate_p2   equ EXC_VARS + 0x108
gate_cs   equ EXC_VARS + 0x10C
gate_uesp equ EXC_VARS + 0x110
gate_uss  equ EXC_VARS + 0x114
gate_ss   equ EXC_VARS + 0x118
user_esp_after equ EXC_VARS + 0x11C
b_flags   equ EXC_VARS + 0x120
b_link    equ EXC_VARS + 0x124
b_tr      equ EXC_VARS + 0x128
b_cr0     equ EXC_VARS + 0x12C
b_a_type  equ EXC_VARS + 0x130
b2_flags  equ EXC_VARS + 0x134
b2_a_type equ EXC_VARS + 0x138
jmp_seen  equ EXC_VARS + 0x13C

; gate32 SLOT, SELECTOR, OFFSET, DPL, PARAMS: a 32-bit call gate descriptor in GDT2.
%macro gate32 5
    mov eax, %3
    mov word [GDT2 + %1], ax
    mov word [GDT2 + %1 + 2], %2
    mov byte [GDT2 + %1 + 4], %5
    mov byte [GDT2 + %1 + 5], 0x8C | (%4 << 5)
    shr eax, 16
    mov word [GDT2 + %1 + 6], ax
%endmacro

; tss_desc SLOT, BASE, LIMIT: an available 32-bit TSS descriptor (DPL 0) in GDT2.
%macro tss_desc 3
    mov word [GDT2 + %1], %3
    mov eax, %2
    mov word [GDT2 + %1 + 2], ax
    shr eax, 16
    mov byte [GDT2 + %1 + 4], al
    mov byte [GDT2 + %1 + 5], 0x89
    mov byte [GDT2 + %1 + 6], 0
    mov byte [GDT2 + %1 + 7], ah
%endmacro

; new_task TSS, EIP, ESP: a ring-0 flat task with interrupts off.
%macro new_task 3
    mov edi, %1
    mov ecx, 104 / 4
    xor eax, eax
    rep stosd
    mov dword [%1 + 32], %2
    mov dword [%1 + 36], 2
    mov dword [%1 + 56], %3
    mov dword [%1 + 72], SEL_DATA     ; ES
    mov dword [%1 + 76], SEL_CODE32   ; CS
    mov dword [%1 + 80], SEL_DATA     ; SS
    mov dword [%1 + 84], SEL_DATA     ; DS
    mov dword [%1 + 88], SEL_DATA     ; FS
    mov dword [%1 + 92], SEL_DATA     ; GS
    mov word [%1 + 102], 104
%endmacro

test_main:
    call setup_idt32
    call setup_tss32
    print "call gates and task switches in 32-bit protected mode", 10
    mov esi, gdt
    mov edi, GDT2
    mov ecx, gdt_end - gdt
    rep movsb
    mov edi, GDT2 + (gdt_end - gdt)
    mov ecx, GDT2_END - (gdt_end - gdt)
    xor eax, eax
    rep stosb
    gate32 SEL_GATE_U, SEL_CODE32, gate_target, 3, 2
    gate32 SEL_GATE_K, SEL_CODE32, jmp_target, 0, 0
    tss_desc SEL_TSS_B, TSS_B, 103
    mov dword [GDT2 + SEL_TASKGATE_B], SEL_TSS_B << 16
    mov dword [GDT2 + SEL_TASKGATE_B + 4], 0x8500       ; task gate, DPL 0, P
    tss_desc SEL_TSS_C, TSS_C, 103
    tss_desc SEL_TSS_SMALL, TSS_SMALL, 0x40
    lgdt [gdt2_desc]

    ; --- a JMP through a call gate at the same level -----------------------------------------
    jmp SEL_GATE_K:0
.jumped:
    expect dword [jmp_seen], 1, 1

    ; --- ring 3 -> ring 0 through a call gate with parameters, RETF 8 back ------------------
    to_user32 user_main
    print "back in ring 0", 10
    expect dword [gate_cs], SEL_UCODE32 | 3, 2
    expect dword [gate_p1], 0x2222, 3                   ; the parameters in the caller's order
    expect dword [gate_p2], 0x1111, 4
    expect dword [gate_uesp], USER_STACK - 8, 5
    expect dword [gate_uss], SEL_UDATA | 3, 6
    expect dword [gate_ss], SEL_DATA, 7
    expect dword [gate_esp], RSP0_TOP - 24, 8           ; SS, ESP, 2 parameters, CS, EIP
    expect dword [user_esp_after], USER_STACK, 9        ; RETF 8 released the parameters

    ; --- CALL to a TSS and IRET back ---------------------------------------------------------
    new_task TSS_B, task_b, STACK_B
    mov ebx, 0x12345678
    mov ebp, 0x9ABC
    call SEL_TSS_B:0
.returned:
    expect ebx, 0x12345678, 10                          ; task A's registers from its TSS
    expect ebp, 0x9ABC, 11
    expect dword [b_link], SEL_TSS, 12                  ; the previous-task link
    mov eax, [b_flags]
    and eax, 1 << 14
    expect eax, 1 << 14, 13                             ; NT in the nested task
    expect dword [b_tr], SEL_TSS_B, 14
    mov eax, [b_cr0]
    and eax, 8
    expect eax, 8, 15                                   ; CR0.TS
    mov eax, [b_a_type]
    and eax, 0xF
    expect eax, 0xB, 16                                 ; task A stayed busy during the call
    str ax
    expect ax, SEL_TSS, 17
    mov al, [GDT2 + SEL_TSS_B + 5]
    and al, 0xF
    expect al, 0x9, 18                                  ; IRET left task B available
    pushfd
    pop eax
    and eax, 1 << 14
    expect eax, 0, 19
    clts

    ; --- JMP through a task gate, JMP back ---------------------------------------------------
    jmp SEL_TASKGATE_B:0
.back_from_b:
    mov eax, [b2_flags]
    and eax, 1 << 14
    expect eax, 0, 20                                   ; JMP does not nest
    mov eax, [b2_a_type]
    and eax, 0xF
    expect eax, 0x9, 21                                 ; JMP left task A available
    mov al, [GDT2 + SEL_TSS_B + 5]
    and al, 0xF
    expect al, 0x9, 22                                  ; and the JMP back left B available
    str ax
    expect ax, SEL_TSS, 23

    ; --- faults: a busy TSS, a TSS too small ------------------------------------------------
    try .busy_after
.busy: jmp SEL_TSS:0
.busy_after:
    expect_exc 13, SEL_TSS, .busy, 24
    try .small_after
.small: call SEL_TSS_SMALL:0
.small_after:
    expect_exc 10, SEL_TSS_SMALL, .small, 25

    ; --- #DF through a task gate --------------------------------------------------------------
    new_task TSS_C, task_c, STACK_C
    mov dword [IDT_BASE + 8 * 8], SEL_TSS_C << 16
    mov dword [IDT_BASE + 8 * 8 + 4], 0x8500            ; task gate for vector 8
    and byte [IDT_BASE + 13 * 8 + 5], 0x7F              ; #GP's gate not present: #NP, then #DF
    mov ax, 0xFFF8                                      ; beyond the GDT: #GP(0xFFF8)
.df: mov ds, ax
    fail 26

user_main:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    push dword 0x1111
    push dword 0x2222
    call (SEL_GATE_U | 3):0
    mov [user_esp_after], esp
    ; A gate below the CPL: #GP(gate selector).
    try .low_after
.low: call SEL_GATE_K:0
.low_after:
    expect_exc 13, SEL_GATE_K, .low, 27
    int 0x30

gate_target:                          ; ring 0, on SS0:ESP0
    mov [gate_esp], esp
    mov eax, [esp + 4]
    mov [gate_cs], eax
    mov eax, [esp + 8]
    mov [gate_p1], eax
    mov eax, [esp + 12]
    mov [gate_p2], eax
    mov eax, [esp + 16]
    mov [gate_uesp], eax
    mov eax, [esp + 20]
    mov [gate_uss], eax
    mov ax, ss
    movzx eax, ax
    mov [gate_ss], eax
    retf 8

jmp_target:
    mov dword [jmp_seen], 1
    jmp SEL_CODE32:test_main.jumped

task_b:
    pushfd
    pop eax
    mov [b_flags], eax
    movzx eax, word [TSS_B]
    mov [b_link], eax
    str ax
    movzx eax, ax
    mov [b_tr], eax
    mov eax, cr0
    mov [b_cr0], eax
    movzx eax, byte [GDT2 + SEL_TSS + 5]
    mov [b_a_type], eax
    mov ebx, 0xBBBB
    mov ebp, 0xBBBB
    iretd                             ; NT: back to the task in the link
    ; Entered again by the JMP through the task gate.
    pushfd
    pop eax
    mov [b2_flags], eax
    movzx eax, byte [GDT2 + SEL_TSS + 5]
    mov [b2_a_type], eax
    jmp SEL_TSS:0

task_c:                               ; the double-fault task
    print "double fault task", 10
    expect dword [esp], 0, 30                           ; #DF's error code
    expect esp, STACK_C - 4, 31
    expect dword [TSS_BASE + 32], test_main.df, 32      ; task A saved at the faulting instruction
    str ax
    expect ax, SEL_TSS_C, 33
    expect word [TSS_C], SEL_TSS, 34
    pass

gdt2_desc:
    dw GDT2_END - 1
    dd GDT2
