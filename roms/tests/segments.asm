; segments: 32-bit protected mode with segment bases (SDM Vol.3 3.4): data segments with a base
; in DS/ES/FS/GS, a code segment with a base (near CALL pushing offsets, an exception pushing the
; offset and the CS of that segment, INT3), far CALL into it and RETF out of it, and the same
; linear code run through two code segments (the decoded-code cache is keyed by linear address
; and checked against the CS base).
%include "lib.inc"

%define DATA_BASE (EXC_VARS + 0x200)
%define OFS(label) ((label) - LOAD_ADDR)  ; an offset in the code segment based at LOAD_ADDR

test_main:
    call setup_idt32
    print "segment bases in 32-bit protected mode", 10
    ; SEL_SPARE1: data, base DATA_BASE, limit 4 GiB. SEL_SPARE2: 32-bit code, base LOAD_ADDR.
    mov dword [gdt_spare], 0x0000FFFF | ((DATA_BASE & 0xFFFF) << 16)
    mov dword [gdt_spare + 4], ((DATA_BASE >> 16) & 0xFF) | 0x00CF9300 | (DATA_BASE & 0xFF000000)
    mov dword [gdt_spare + 8], 0x0000FFFF | ((LOAD_ADDR & 0xFFFF) << 16)
    mov dword [gdt_spare + 12], ((LOAD_ADDR >> 16) & 0xFF) | 0x00CF9B00 | (LOAD_ADDR & 0xFF000000)

    mov ax, SEL_SPARE1
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov dword [es:0x10], 0x1234
    expect dword [DATA_BASE + 0x10], 0x1234, 1
    mov dword [fs:0x14], 0x5678
    expect dword [DATA_BASE + 0x14], 0x5678, 2
    expect dword [gs:0x10], 0x1234, 3
    mov edi, 0x20
    mov eax, 0x9abc
    stosd                             ; ES:EDI
    expect dword [DATA_BASE + 0x20], 0x9abc, 4
    mov ax, SEL_DATA
    mov es, ax
    mov fs, ax
    mov gs, ax

    ; Into the based code segment with a far CALL; it comes back with RETF.
    mov ebx, esp
    call SEL_SPARE2:OFS(based)
after_far_call:
    expect esp, ebx, 5
    print "back in the flat code segment", 10
    pass

based:                                ; runs with CS base LOAD_ADDR: EIP = label - LOAD_ADDR
    expect dword [esp], after_far_call, 9     ; the far CALL pushed the flat EIP and CS
    expect dword [esp + 4], SEL_CODE32, 10
    print "in a code segment based at 1 MiB", 10      ; print_string is reached relative
    call .sub
.sub_ret:
    expect eax, OFS(.sub_ret), 11
    mov ax, cs
    expect ax, SEL_SPARE2, 12
    try OFS(.ud_after)
.ud: ud2
.ud_after:
    expect dword [exc_rip], OFS(.ud), 13
    expect dword [exc_cs], SEL_SPARE2, 14
    try OFS(.bp_after)
    int3
.bp_after:
    expect dword [exc_rip], OFS(.bp_after), 15
    retf
.sub:
    mov eax, [esp]                    ; the pushed return offset
    ret
