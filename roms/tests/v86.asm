; v86: virtual-8086 mode (SDM Vol.3 chapter 20) without VME: entry through IRETD with VM set,
; real-mode addressing, the I/O permission bitmap for IN/OUT whatever the IOPL, the IOPL-sensitive
; instructions (CLI, STI, PUSHF, POPF, INT n, IRET raise #GP(0) at IOPL < 3 and work at IOPL 3),
; and exits to a ring-0 handler through the IDT with GS, FS, DS, ES, SS, ESP on the frame and the
; data segments nulled, the handler's IRETD returning to V86 mode.
%include "lib.inc"

%define V86_BASE  0x7000              ; the V86 code, CS = 0x0700
%define V86_SEG   0x0700
%define V86_SS    0x0800              ; stack 0x8000-0x8FFF
%define V86_SP    0x1000

gp_count  equ EXC_VARS + 0x100        ; #GP from V86 mode
gp_codes  equ EXC_VARS + 0x104        ; OR of their error codes
gp_ips    equ EXC_VARS + 0x108        ; the IPs of the first 8
ud_frame  equ EXC_VARS + 0x140        ; the #UD frame: EIP, CS, EFLAGS, ESP, SS, ES, DS, FS, GS
ud_ds     equ EXC_VARS + 0x170        ; DS in the handler
int_count equ EXC_VARS + 0x174
int_flags equ EXC_VARS + 0x178
int_es    equ EXC_VARS + 0x17C

%define VM (1 << 17)

; set_gate VECTOR, HANDLER: a DPL 3 32-bit interrupt gate.
%macro set_gate 2
    mov eax, %2
    mov word [IDT_BASE + %1 * 8], ax
    mov word [IDT_BASE + %1 * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + %1 * 8 + 4], 0xEE00
    shr eax, 16
    mov word [IDT_BASE + %1 * 8 + 6], ax
%endmacro

; enter_v86 ENTRY, IOPL: IRETD to V86_SEG:ENTRY; the #UD handler comes back after the macro.
%macro enter_v86 2
    mov dword [kernel_continue], %%back
    mov [kernel_rsp], esp
    push dword V86_SEG                ; GS
    push dword V86_SEG                ; FS
    push dword V86_SEG                ; DS
    push dword V86_SEG                ; ES
    push dword V86_SS
    push dword V86_SP
    push dword VM | (%2 << 12) | 2
    push dword V86_SEG
    push dword %1
    iretd
%%back:
%endmacro

test_main:
    call setup_idt32
    call setup_tss32
    set_gate 13, v86_gp
    set_gate 6, v86_ud
    set_gate 0x21, v86_int
    print "virtual-8086 mode", 10
    ; An I/O bitmap that allows port 0xe9 (debugcon) only.
    mov edi, TSS_BASE + 104
    mov ecx, 8192 / 4 + 1
    mov eax, -1
    rep stosd
    mov eax, 0xe9
    btr [TSS_BASE + 104], eax
    mov word [gdt_tss], 104 + 8192
    and byte [gdt_tss + 5], ~2
    mov ax, SEL_TSS
    ltr ax
    mov esi, section.v86code.start    ; the V86 code (vstart 0) to V86_BASE
    mov edi, V86_BASE
    mov ecx, v86code_end
    rep movsb

    ; --- IOPL 0: the sensitive instructions fault ---------------------------------------------
    mov dword [gp_count], 0
    mov dword [gp_codes], 0
    enter_v86 v86_iopl0, 0
    print 10, "back from V86 (IOPL 0)", 10
    expect dword [gp_count], 7, 1     ; CLI, STI, PUSHF, POPF, INT 0x21, IRET, OUT 0xf4
    expect dword [gp_codes], 0, 2
    expect dword [gp_ips], v86_iopl0.cli, 3
    expect dword [gp_ips + 8], v86_iopl0.pushf, 4
    expect dword [gp_ips + 24], v86_iopl0.out, 5
    expect word [V86_BASE + 0x100], 0x1234, 6          ; DS:0x100 is 0x7100
    expect dword [ud_frame], v86_iopl0.ud, 7
    expect dword [ud_frame + 4], V86_SEG, 8
    mov eax, [ud_frame + 8]
    and eax, VM
    expect eax, VM, 9                 ; VM in the saved EFLAGS
    expect dword [ud_frame + 12], V86_SP, 10
    expect dword [ud_frame + 16], V86_SS, 11
    expect dword [ud_frame + 20], 0x0900, 12           ; ES as V86 code set it
    expect dword [ud_frame + 24], V86_SEG, 13          ; DS
    expect dword [ud_frame + 28], V86_SEG, 14          ; FS
    expect dword [ud_frame + 32], V86_SEG, 15          ; GS
    expect dword [ud_ds], 0, 16                        ; DS null in the handler

    ; --- IOPL 3: they work ----------------------------------------------------------------------
    mov dword [gp_count], 0
    mov dword [int_count], 0
    enter_v86 v86_iopl3, 3
    print 10, "back from V86 (IOPL 3)", 10
    expect dword [gp_count], 0, 20
    expect dword [int_count], 1, 21
    mov eax, [int_flags]
    and eax, VM
    expect eax, VM, 22
    expect dword [int_es], V86_SEG, 23                 ; ES on the INT's frame
    expect word [V86_BASE + 0x102], 0x5678, 24         ; after INT and IRET, V86 code went on
    expect dword [ud_frame], v86_iopl3.ud, 25
    pass

; #GP from V86 mode: counts it, records the error code and IP, skips the instruction (1 byte, or
; 2 for INT n and OUT imm8).
v86_gp:                               ; [esp] code, +4 eip, +8 cs, +12 eflags, +16 esp, +20 ss, +24 es...
    push eax
    push ebx
    push ds
    mov ax, SEL_DATA
    mov ds, ax
    mov eax, [esp + 12]
    or [gp_codes], eax
    mov ebx, [gp_count]
    mov eax, [esp + 16]
    cmp ebx, 8
    jae .full
    mov [gp_ips + ebx * 4], eax
.full:
    inc dword [gp_count]
    movzx ebx, word [esp + 20]        ; CS: the linear address of the instruction
    shl ebx, 4
    add ebx, eax
    mov bl, [ebx]
    inc eax
    cmp bl, 0xCD
    je .two
    cmp bl, 0xE6
    jne .set
.two:
    inc eax
.set:
    mov [esp + 16], eax
    pop ds
    pop ebx
    pop eax
    add esp, 4
    iretd

; #UD ends a V86 session: records the frame and DS, back to the kernel after enter_v86.
v86_ud:                               ; [esp] eip, +4 cs, +8 eflags, +12 esp, +16 ss, +20 es, +24 ds, +28 fs, +32 gs
    mov [ss:ud_ds], ds
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov esi, esp
    mov edi, ud_frame
    mov ecx, 9
    rep movsd
    mov esp, [kernel_rsp]
    jmp [kernel_continue]

; INT 0x21 from V86 mode at IOPL 3.
v86_int:                              ; [esp] eip, +4 cs, +8 eflags, +12 esp, +16 ss, +20 es
    push eax
    push ds
    mov ax, SEL_DATA
    mov ds, ax
    inc dword [int_count]
    mov eax, [esp + 16]
    mov [int_flags], eax
    mov eax, [esp + 28]
    mov [int_es], eax
    pop ds
    pop eax
    iretd

section v86code vstart=0 align=16
bits 16
v86_iopl0:
    mov word [0x100], 0x1234          ; DS = 0x0700: linear 0x7100
    mov al, '.'
    out DEBUGCON, al                  ; allowed by the bitmap
.cli: cli
    sti
.pushf: pushf
    popf
    int 0x21
    iret
.out: out DEBUG_EXIT, al              ; denied by the bitmap
    mov ax, 0x0900
    mov es, ax
.ud: ud2

v86_iopl3:
    cli
    sti
    pushf
    pop ax
    push ax
    popf
    int 0x21                          ; through the DPL 3 gate to ring 0 and back
    ; IRET at IOPL 3: a real-mode style return to .after_iret.
    pushf
    push cs
    push word .after_iret
    iret
    mov word [0x102], 0xDEAD
.after_iret:
    mov word [0x102], 0x5678
    mov al, '.'
    out DEBUGCON, al
    mov ax, 0x0900
    mov es, ax
.ud: ud2
v86code_end:
