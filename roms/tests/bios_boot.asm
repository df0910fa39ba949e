; bios_boot: a 64 KiB firmware image (-bios), from the reset vector: real mode at F000:FFF0 with
; CS base FFFF0000 (SDM Vol.3 9.1.4), a far jump into the image's alias below 1 MiB, real-mode
; stack and calls, then real -> protected -> long mode (SDM Vol.3 9.9, 10.8.5).
%define BIOS_IMAGE
%define ROM_LINEAR 0xF0000            ; the image's alias below 1 MiB (CS = F000 in real mode)

section boot16 start=0 vstart=0
bits 16
%include "lib_macros.inc"
%define PRINT_ROUTINE print_string16

boot:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, 0x7000
    mov ax, cs
    mov ds, ax                        ; DS = F000: the image's strings and tables
    cmp ax, 0xF000
    je .cs_ok
    mov al, 1
    out DEBUG_EXIT, al
.cs_ok:
    print "real mode at the reset vector", 10
    call .nested                      ; the real-mode stack in RAM
    cmp bx, 0x1234
    je .stack_ok
    mov al, 2
    out DEBUG_EXIT, al
.stack_ok:
    o32 lgdt [gdt_desc_rom]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:protected_entry
.nested:
    push word 0x1234
    pop bx
    ret

print_routine print_string16

gdt_desc_rom:
    dw gdt_end - gdt - 1
    dd gdt

section code32 start=0x1000 vstart=0xF1000
bits 32
%define PRINT_ROUTINE print_string
protected_entry:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK_TOP
    print "protected mode", 10
    ; The same image at the top of 4 GiB.
    mov eax, [0xFFFF0000 + (signature - ROM_LINEAR)]
    expect eax, [signature], 3
    enter_long_mode long_entry

bits 64
long_entry:
    mov rax, 1
    shl rax, 36
    mov rcx, 0x1000000000
    expect rax, rcx, 4
    print "long mode", 10
    pass

signature: db "KILN"

bits 32
%include "lib.inc"

section reset start=0xFFF0 vstart=0xFFF0
bits 16
    jmp 0xF000:boot                   ; at FFFF_FFF0
    times 16 - ($ - $$) db 0
