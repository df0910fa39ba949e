; mode_switch: 32-bit protected mode -> long mode (PAE, 4-level paging, EFER.LME, a far jump to
; a 64-bit code segment) -> compatibility mode -> 32-bit protected mode (paging off, LME off) ->
; 16-bit protected mode -> real mode (CR0.PE cleared; INT n, #UD and #DE through the IVT) ->
; protected mode -> long mode a second time. SDM Vol.3 9.8 and 10.8.5 (mode switching).
%include "lib.inc"

%define REAL_BASE 0x8000              ; where the 16-bit code runs (below 64 KiB)

test_main:
    print "protected mode", 10
    mov ecx, 0xC0000080
    rdmsr
    expect eax, 0, 1                  ; EFER clear at the Multiboot entry
    enter_long_mode long_entry

bits 64
long_entry:
    mov rax, 1
    shl rax, 40                       ; a 64-bit register: fails as 32-bit code
    shr rax, 39
    expect rax, 2, 2
    mov ecx, 0xC0000080
    rdmsr
    test eax, 1 << 10                 ; EFER.LMA
    jnz .lma
    fail 3
.lma:
    mov ax, cs
    expect ax, SEL_CODE64, 4
    cmp qword [rel second_time], 0
    jne .done
    print "long mode", 10
    ; To compatibility mode: a far return to the 32-bit code segment.
    push SEL_CODE32
    lea rax, [rel compat]
    push rax
    retfq
.done:
    print "long mode again", 10
    pass

second_time: dq 0

bits 32
compat:
    mov ax, SEL_DATA
    mov ds, ax
    mov ss, ax
    mov eax, cr0
    and eax, ~(1 << 31)               ; paging off: long mode deactivates (LMA = 0)
    mov cr0, eax
    mov ecx, 0xC0000080
    rdmsr
    test eax, 1 << 10
    jz .no_lma
    fail 5
.no_lma:
    and eax, ~(1 << 8)                ; LME off
    wrmsr
    mov eax, cr4
    and eax, ~(1 << 5)
    mov cr4, eax
    print "protected mode again", 10
    ; Copy the 16-bit code below 64 KiB and enter it through the 16-bit code segment.
    copy_section real16, REAL_BASE
    jmp SEL_CODE16:pm16

back_in_protected:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK_TOP
    mov eax, cr0
    test al, 1
    jnz .pe
    fail 6
.pe:
    expect dword [int_count], 1, 7
    print "protected mode from real mode", 10
    mov dword [second_time], 1
    enter_long_mode long_entry

section real16 vstart=REAL_BASE align=16
bits 16
%define PRINT_ROUTINE print_string16
pm16:                                 ; 16-bit protected mode
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    mov eax, 0x12345678
    mov ax, 0x9abc                    ; 16-bit operand size by default
    cmp eax, 0x12349abc
    je .ok16
    mov al, 8
    out DEBUG_EXIT, al
.ok16:
    mov eax, cr0
    and al, ~1                        ; PE off: real mode
    mov cr0, eax
    jmp 0:real_mode

real_mode:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    lidt [real_idt]
    print "real mode", 10
    ; An INT through the real-mode IVT.
    mov word [0x80 * 4], int80
    mov word [0x80 * 4 + 2], 0
    int 0x80
    cmp dword [int_count], 1
    je .int_ok
    mov al, 9
    out DEBUG_EXIT, al
.int_ok:
    ; Faults through the IVT push the faulting instruction's IP: #UD (UD2) and #DE (DIV by 0).
    mov word [6 * 4], skip2_handler
    mov word [6 * 4 + 2], 0
    mov word [0 * 4], skip2_handler
    mov word [0 * 4 + 2], 0
.ud: ud2
    cmp word [fault_ip], .ud
    je .ud_ok
    mov al, 10
    out DEBUG_EXIT, al
.ud_ok:
    xor dx, dx
    mov ax, 1
    xor cx, cx
.de: div cx
    cmp word [fault_ip], .de
    je .de_ok
    mov al, 11
    out DEBUG_EXIT, al
.de_ok:
    cli
    lgdt [gdt_desc16]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:back_in_protected

int80:
    inc dword [int_count]
    iret

skip2_handler:                        ; records the pushed IP and returns past a 2-byte insn
    push bp
    mov bp, sp
    push ax
    mov ax, [bp + 2]
    mov [fault_ip], ax
    add word [bp + 2], 2
    pop ax
    pop bp
    iret

print_routine print_string16

align 4
int_count: dd 0
fault_ip: dw 0
real_idt:
    dw 0x3ff
    dd 0
gdt_desc16:
    dw gdt_end - gdt - 1
    dd gdt
real16_end:
