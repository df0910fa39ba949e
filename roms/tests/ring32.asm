; ring32: CPL 0 <-> CPL 3 in 32-bit protected mode (no paging): IRETD and RETF to ring 3 with
; the data segments invalidated, exceptions from ring 3 delivered on the 32-bit TSS's SS0:ESP0 with
; SS:ESP in the frame (SDM Vol.3 6.12.1), privilege checks (#GP for MOV CR0, HLT, a DPL 0 data
; segment), SYSENTER/SYSEXIT without REX.W, and the TSS I/O permission bitmap at IOPL 0.
%include "lib.inc"

%define KSTACK_SYSENTER 0x88000

sys_cs  equ EXC_VARS + 0x110
sys_ss  equ EXC_VARS + 0x118
sys_esp equ EXC_VARS + 0x120

test_main:
    call setup_idt32
    call setup_tss32
    print "ring transitions in 32-bit protected mode", 10
    ; SYSENTER_CS = 0x18: SS = 0x20; SYSEXIT: CS = 0x28 (32-bit user code), SS = 0x30 (user
    ; data). (0x18 names the 64-bit code segment in lib.inc's GDT; SYSENTER loads a flat
    ; 32-bit CS without reading the GDT, as the SDM specifies.)
    mov ecx, 0x174
    mov eax, SEL_CODE64
    xor edx, edx
    wrmsr
    mov ecx, 0x175
    mov eax, KSTACK_SYSENTER
    wrmsr
    mov ecx, 0x176
    mov eax, sysenter_entry
    wrmsr

    to_user32 user_main
    print "back in ring 0", 10
    mov ax, cs
    expect ax, SEL_CODE32, 1
    expect dword [ring0_entry_rsp], RSP0_TOP - 20, 2   ; SS, ESP, EFLAGS, CS, EIP on ESP0
    expect dword [RSP0_TOP - 4], SEL_UDATA | 3, 3      ; the user SS in the frame
    expect dword [RSP0_TOP - 8], USER_STACK, 4         ; the user ESP

    ; The TSS I/O permission bitmap (SDM Vol.1 19.5.2) for ring 3 with IOPL 0: only port 0xe9
    ; (debugcon) allowed. TR is reloaded with the larger limit (busy bit cleared first).
    mov edi, TSS_BASE + 104
    mov ecx, 8192 / 4 + 1
    mov eax, -1
    rep stosd
    mov eax, 0xe9
    btr [TSS_BASE + 104], eax         ; (a register bit offset addresses the whole bit string)
    expect byte [TSS_BASE + 104 + 0xe9 / 8], 0xFF & ~(1 << (0xe9 % 8)), 33
    mov word [TSS_BASE + 0x66], 104
    mov word [gdt_tss], 104 + 8192    ; the limit: the bitmap and its 0xFF end byte
    and byte [gdt_tss + 5], ~2        ; available again
    mov ax, SEL_TSS
    ltr ax
    to_user32 user_io, 0
    print "back in ring 0", 10

    ; RETF to an outer level (32-bit): pops EIP, CS, ESP, SS; DS (DPL 0) becomes null.
    mov dword [kernel_continue], .back3
    mov [kernel_rsp], esp
    push SEL_UDATA | 3
    push USER_STACK - 32
    push SEL_UCODE32 | 3
    push user_retf
    retf
.back3:
    print "back in ring 0 again", 10
    pass

sysenter_entry:
    mov [sys_cs], cs
    mov [sys_ss], ss
    mov [sys_esp], esp
    add eax, 2
    sysexit                           ; EIP = EDX, ESP = ECX, CPL 3

user_main:
    mov ax, ds
    expect ax, 0, 10                  ; IRET to CPL 3 nulled DS (DPL 0 < CPL)
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    print "ring 3", 10
    mov ax, cs
    expect ax, SEL_UCODE32 | 3, 11
    mov ax, ss
    expect ax, SEL_UDATA | 3, 12

    ; #UD from ring 3: CS in the frame is the user's.
    try .ud_after
.ud: ud2
.ud_after:
    expect_exc 6, 0, .ud, 13
    expect dword [exc_cs], SEL_UCODE32 | 3, 14
    ; Privileged at CPL 3: MOV from CR0 and HLT raise #GP(0).
    try .cr_after
.cr: mov eax, cr0
.cr_after:
    expect_exc 13, 0, .cr, 15
    try .hlt_after
.hlt: hlt
.hlt_after:
    expect_exc 13, 0, .hlt, 16
    ; A DPL 0 data segment from CPL 3: #GP(selector).
    try .ds_after
    mov ax, SEL_DATA
.ds: mov ds, ax
.ds_after:
    expect_exc 13, SEL_DATA, .ds, 17

    ; SYSENTER and back with SYSEXIT.
    mov ebx, esp
    mov eax, 40
    mov ecx, esp
    mov edx, .se_ret
    sysenter
.se_ret:
    expect eax, 42, 20
    expect esp, ebx, 21
    mov ax, cs
    expect ax, (SEL_CODE64 + 16) | 3, 22
    mov ax, ss
    expect ax, (SEL_CODE64 + 24) | 3, 23
    expect word [sys_cs], SEL_CODE64, 24
    expect word [sys_ss], SEL_CODE64 + 8, 25
    expect dword [sys_esp], KSTACK_SYSENTER, 26
    int 0x30

user_io:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    print "ring 3, IOPL 0", 10        ; OUT to 0xe9: allowed by the bitmap
    try .out_after
    mov al, 0x55
.out: out DEBUG_EXIT, al              ; 0xf4: denied (#GP(0)) - else Kiln would exit now
.out_after:
    expect_exc 13, 0, .out, 30
    try .outw_after
    mov dx, 0xe8
.outw: out dx, ax                     ; 0xe8-0xe9: one denied port is enough
.outw_after:
    expect_exc 13, 0, .outw, 31
    try .cli_after
.cli: cli                             ; CPL > IOPL
.cli_after:
    expect_exc 13, 0, .cli, 32
    int 0x30

user_retf:
    mov ax, ds
    expect ax, 0, 40
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov ax, cs
    expect ax, SEL_UCODE32 | 3, 41
    mov ax, ss
    expect ax, SEL_UDATA | 3, 42
    expect esp, USER_STACK - 32, 43
    int 0x30
