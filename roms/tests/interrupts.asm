; interrupts: external interrupts from the 8259A PICs (raised through pc-testdev's IRQ-line
; ports 0x2000 + n) in 32-bit protected mode and in 64-bit mode: IF and the PIC mask hold them
; off, STI's one-instruction shadow (the `sti; hlt` idiom wakes from HLT with EIP after the
; HLT), interrupt gates clear IF, a slave-PIC line through the cascade, EOI, and an interrupt
; arriving in ring 3 (64-bit: the frame on RSP0). SDM Vol.3 6.8.3
; (STI), 6.12.1.3 (IF and gates); 8259A datasheet (ICWs, OCW1/OCW2).
%include "lib.inc"

%define VEC_BASE   0x20               ; master at 0x20-0x27, slave at 0x28-0x2f
%define IRQ_LINE   3                  ; a master line
%define IRQ_SLAVE  10                 ; a slave line (cascade on IRQ 2)

irq_count  equ EXC_VARS + 0x100
irq_vector equ EXC_VARS + 0x108
irq_rip    equ EXC_VARS + 0x110
irq_flags  equ EXC_VARS + 0x118
irq_cs     equ EXC_VARS + 0x120
irq_rsp    equ EXC_VARS + 0x128

; raise LINE, VALUE: pc-testdev sets ISA line LINE to VALUE.
%macro set_line 2
    mov dx, 0x2000 + %1
    mov al, %2
    out dx, al
%endmacro

test_main:
    call setup_idt32
    ; Remap the PICs (ICW1-ICW4), mask everything but the cascade, IRQ_LINE and IRQ_SLAVE.
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, VEC_BASE
    out 0x21, al
    mov al, VEC_BASE + 8
    out 0xA1, al
    mov al, 4
    out 0x21, al
    mov al, 2
    out 0xA1, al
    mov al, 1
    out 0x21, al
    out 0xA1, al
    mov al, ~((1 << 2) | (1 << IRQ_LINE)) & 0xFF
    out 0x21, al
    mov al, ~(1 << (IRQ_SLAVE - 8)) & 0xFF
    out 0xA1, al
    ; Gates for the two vectors: 32-bit interrupt gates to irq_handler32.
    mov eax, irq_handler32
    mov ebx, VEC_BASE + IRQ_LINE
    call set_gate32
    mov ebx, VEC_BASE + IRQ_SLAVE
    call set_gate32
    print "external interrupts in 32-bit protected mode", 10

    ; IF = 0: the line goes up, nothing is delivered.
    set_line IRQ_LINE, 1
    nop
    nop
    expect dword [irq_count], 0, 1
    ; STI: delivered after the next instruction (the shadow), EIP pushed = after it.
    sti
.shadow: nop
.after_shadow:
    cli
    expect dword [irq_count], 1, 2
    expect dword [irq_vector], VEC_BASE + IRQ_LINE, 3
    expect dword [irq_rip], .after_shadow, 4
    test dword [irq_flags], 1 << 9
    jz .if_clear
    fail 5                            ; an interrupt gate clears IF in the handler
.if_clear:

    ; Masked in the PIC: held off with IF = 1; unmasking delivers it.
    in al, 0x21
    or al, 1 << IRQ_LINE
    out 0x21, al
    set_line IRQ_LINE, 1
    sti
    nop
    nop
    cli
    expect dword [irq_count], 1, 6
    in al, 0x21
    and al, ~(1 << IRQ_LINE)
    out 0x21, al
    sti
    nop
    nop
    cli
    expect dword [irq_count], 2, 7

    ; `sti; hlt`: the pending interrupt wakes the CPU after HLT (EIP pushed = after the HLT).
    set_line IRQ_LINE, 1
    sti
    hlt
.after_hlt:
    cli
    expect dword [irq_count], 3, 8
    expect dword [irq_rip], .after_hlt, 9

    ; A slave line: vector VEC_BASE + 10, EOI to both PICs.
    set_line IRQ_SLAVE, 1
    sti
    nop
    cli
    expect dword [irq_count], 4, 10
    expect dword [irq_vector], VEC_BASE + IRQ_SLAVE, 11

    enter_long_mode long_entry

set_gate32:                           ; EBX = vector, EAX = handler
    push eax
    mov word [IDT_BASE + ebx * 8], ax
    mov word [IDT_BASE + ebx * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + ebx * 8 + 4], 0x8E00
    shr eax, 16
    mov word [IDT_BASE + ebx * 8 + 6], ax
    pop eax
    ret

irq_handler32:                        ; lowers the line, EOI, records
    push eax
    push edx
    inc dword [irq_count]
    mov eax, [esp + 8]
    mov [irq_rip], eax
    pushfd
    pop eax
    mov [irq_flags], eax
    mov al, 0x0B                      ; OCW3: read ISR
    out 0x20, al
    in al, 0x20
    test al, 1 << 2
    jnz .slave
    mov dword [irq_vector], VEC_BASE + IRQ_LINE
    set_line IRQ_LINE, 0
    jmp .eoi
.slave:
    mov dword [irq_vector], VEC_BASE + IRQ_SLAVE
    set_line IRQ_SLAVE, 0
    mov al, 0x20
    out 0xA0, al
.eoi:
    mov al, 0x20
    out 0x20, al
    pop edx
    pop eax
    iretd

bits 64
long_entry:
    call setup_idt64
    lea rax, [rel irq_handler64]
    mov ebx, VEC_BASE + IRQ_LINE
    shl rbx, 4
    add rbx, IDT_BASE
    mov word [rbx], ax
    mov word [rbx + 2], SEL_CODE64
    mov word [rbx + 4], 0x8E00
    shr rax, 16
    mov word [rbx + 6], ax
    shr rax, 16
    mov dword [rbx + 8], eax
    print "external interrupts in 64-bit mode", 10
    set_line IRQ_LINE, 1
    sti
    nop
.after:
    cli
    expect qword [irq_count], 5, 20
    lea rax, [rel .after]
    expect qword [irq_rip], rax, 21

    ; An interrupt that arrives in ring 3: delivered on RSP0 with the user CS:RIP and SS:RSP in
    ; the frame (IOPL 3 lets ring 3 raise the line itself; the gate has DPL 0: no check for
    ; external interrupts).
    call setup_tss64
    copy_section user, USER_CODE
    to_user user_irq
    print "back in ring 0", 10
    expect qword [irq_count], 6, 22
    expect qword [irq_cs], SEL_UCODE64 | 3, 23
    expect qword [irq_rsp], RSP0_TOP - 40, 24
    pass

irq_handler64:
    mov [irq_rsp], rsp
    push rax
    push rdx
    inc qword [irq_count]
    mov rax, [rsp + 16]
    mov [irq_rip], rax
    mov rax, [rsp + 24]
    mov [irq_cs], rax
    set_line IRQ_LINE, 0
    mov al, 0x20
    out 0x20, al
    pop rdx
    pop rax
    iretq

section user vstart=USER_CODE align=16
bits 64
%define PRINT_ROUTINE user_print
print_routine user_print
user_irq:
    print "ring 3", 10
    sti                               ; IOPL 3
    set_line IRQ_LINE, 1              ; delivered right after this OUT
.after:
    cli
    expect qword [irq_count], 6, 30
    mov rax, .after
    expect qword [irq_rip], rax, 31
    int 0x30
user_end:
