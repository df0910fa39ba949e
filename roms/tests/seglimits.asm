; seglimits: segment limit and type checks on data accesses (SDM Vol.3 5.3 limit checking, 5.4
; type checking, 6.15 #GP/#SS; Vol.1 3.3.7.1 canonical addresses). In 32-bit protected mode:
; byte/word/dword accesses at the limit and one past it (specialised and generic instructions),
; expand-down segments with the 16- and 32-bit upper bound, #SS(0) for SS (explicit, EBP-based,
; POP/RET/LEAVE/POPA at the limit with ESP unchanged) against #GP(0) for the others, writes to
; read-only data and code segments, a read through an execute-only CS, null selectors, REP STOSD
; and REP MOVSB stopped at the limit mid-way. In real mode: a word at offset 0xFFFF, BP-based and
; POP accesses (#SS), REP STOSW stopping at the limit, and "unreal mode" (a 4 GiB limit cached in
; protected mode). In compatibility mode: limits, expand-down, null selectors, PUSH and POP at
; the limit of SS (the 64-bit handler needs no stack of its own there). In 64-bit mode: a
; non-canonical stack reference (RBP-based, PUSH/CALL with a non-canonical RSP on an IST stack)
; raises #SS(0), a non-canonical DS reference or SS override #GP(0) (as the AMD host does).
%include "lib.inc"

%define REAL_BASE 0x8000              ; the 16-bit code (below 64 KiB)
%define DATA_BASE 0x300000            ; the base of the test segments
%define PATTERN   0x11223344          ; what DATA_BASE's bytes hold before each check
%define SEL_TEST  SEL_SPARE1          ; descriptors the test writes (set_desc)
%define SEL_TEST2 SEL_SPARE2

; set_desc SELECTOR, BASE, LIMIT (20 bits), ACCESS BYTE, FLAGS (G, D/B, L, AVL): writes the
; descriptor into the GDT slot; a segment register load then caches it.
%macro set_desc 5
    mov dword [gdt + (%1)], ((%3) & 0xFFFF) | (((%2) & 0xFFFF) << 16)
    mov dword [gdt + (%1) + 4], (((%2) >> 16) & 0xFF) | ((%4) << 8) | ((((%3) >> 16) & 0xF) << 16) | ((%5) << 20) | ((((%2) >> 24) & 0xFF) << 24)
%endmacro

; faults VECTOR, N, INSTRUCTION: the instruction raises VECTOR with error code 0, at itself.
%macro faults 3+
%if __BITS__ == 64
    mov qword [exc_vector], 0xFF
%else
    mov dword [exc_vector], 0xFF
%endif
    try %%after
%%at: %3
%%after:
    expect_exc %1, 0, %%at, %2
%endmacro

; Refills the first 0x3000 bytes at DATA_BASE with PATTERN (through the flat DS/ES).
%macro refill 0
    push es
    push eax
    push ecx
    push edi
    mov ax, SEL_DATA
    mov es, ax
    mov edi, DATA_BASE
    mov ecx, 0x3000 / 4
    mov eax, PATTERN
    cld
    rep stosd
    pop edi
    pop ecx
    pop eax
    pop es
%endmacro

test_main:
    call setup_idt32
    mov eax, cr4
    or eax, 1 << 9                    ; OSFXSR: SSE instructions run
    mov cr4, eax
    print "32-bit protected mode", 10
    refill

    ; --- expand-up data: base DATA_BASE, limit 0xFFF (byte granular) -------------------------
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x93, 0x4
    mov ax, SEL_TEST
    mov fs, ax
    mov eax, [fs:0xFFC]               ; the last dword, word and byte: allowed
    expect eax, PATTERN, 1
    mov ax, [fs:0xFFE]
    mov al, [fs:0xFFF]
    faults 13, 2, mov eax, [fs:0xFFD]
    faults 13, 3, mov ax, [fs:0xFFF]
    faults 13, 4, mov al, [fs:0x1000]
    mov ebx, 0xDEADBEEF
    faults 13, 5, mov [fs:0xFFE], ebx
    expect dword [DATA_BASE + 0xFFC], PATTERN, 6     ; nothing written
    faults 13, 7, add [fs:0xFFD], ebx
    faults 13, 8, inc dword [fs:0xFFE]
    expect dword [DATA_BASE + 0xFFC], PATTERN, 9
    mov ecx, 0xFFD
    faults 13, 10, movzx eax, word [fs:ecx + 2]
    faults 13, 11, movdqu xmm0, [fs:0xFF8]
    movdqu xmm0, [fs:0xFF0]
    faults 13, 12, fld qword [fs:0xFFC]
    mov ecx, 32                       ; BT with a register offset: the dword after [fs:0xFFC]
    faults 13, 13, bt dword [fs:0xFFC], ecx
    mov ebx, 0xF01
    mov al, 0xFF
    faults 13, 14, fs xlatb           ; [fs:ebx + al] = [fs:0x1000]
    faults 13, 15, push dword [fs:0xFFD]
    mov ebx, 0x12345678
    faults 13, 16, cmpxchg8b [fs:0xFF9]

    ; --- expand-down data: valid offsets above the limit, up to 0xFFFFFFFF (B = 1) ------------
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x97, 0x4
    mov ax, SEL_TEST
    mov gs, ax
    mov eax, [gs:0x1000]
    expect eax, PATTERN, 20
    mov eax, [gs:0x10000]             ; above 64 KiB: allowed with B = 1
    faults 13, 21, mov al, [gs:0xFFF]
    faults 13, 22, mov eax, [gs:0xFFE]
    faults 13, 23, mov byte [gs:0], 1
    ; ... up to 0xFFFF with B = 0.
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x97, 0x0
    mov ax, SEL_TEST
    mov gs, ax
    mov ax, [gs:0xFFFE]
    mov eax, [gs:0x1000]
    faults 13, 24, mov eax, [gs:0xFFFD]
    faults 13, 25, mov al, [gs:0x10000]
    faults 13, 26, mov al, [gs:0xFFF]

    ; --- SS: #SS(0) for stack references, #GP(0) for the same offsets elsewhere ---------------
    set_desc SEL_TEST2, 0, 0x97FFF, 0x93, 0x4
    mov ax, SEL_TEST2
    mov ss, ax                        ; ESP (0x90000 and below) stays inside
    mov eax, [ss:0x97FFC]
    faults 12, 30, mov eax, [ss:0x97FFD]
    mov ebp, 0x97FFE
    faults 12, 31, mov eax, [ebp]     ; EBP-based: SS
    faults 12, 32, add [ebp], eax
    mov eax, [ds:ebp]                 ; the same offset through the flat DS
    mov [saved_esp], esp
    mov esp, 0x97FFE
    faults 12, 33, pop eax
    expect esp, 0x97FFE, 34           ; ESP unchanged
    faults 12, 35, ret
    expect esp, 0x97FFE, 36
    pop ax                            ; a word fits: ESP moves to the limit + 1
    expect esp, 0x98000, 37
    mov esp, 0x97FF0
    mov ebx, 0x1234
    faults 12, 38, popad              ; 32 bytes from 0x97FF0: past the limit, no register changes
    expect ebx, 0x1234, 39
    expect esp, 0x97FF0, 40
    mov ebp, 0x97FFE
    mov esp, [saved_esp]
    faults 12, 41, leave              ; ESP = EBP, then a POP past the limit: ESP as it was
    expect esp, [saved_esp], 42
    expect ebp, 0x97FFE, 43
    mov ax, SEL_DATA
    mov ss, ax

    ; --- read-only data and code segments -----------------------------------------------------
    set_desc SEL_TEST, DATA_BASE, 0xFFFF, 0x91, 0x4
    mov ax, SEL_TEST
    mov fs, ax
    mov es, ax
    mov eax, [fs:0]                   ; reads are allowed
    faults 13, 50, mov [fs:0], eax
    faults 13, 51, mov byte [fs:4], 1
    faults 13, 52, add [fs:8], eax
    faults 13, 53, xchg [fs:8], eax
    mov edi, 0
    mov ecx, 4
    faults 13, 54, rep stosb          ; ES read-only: no iteration completes
    expect ecx, 4, 55
    expect edi, 0, 56
    set_desc SEL_TEST, DATA_BASE, 0xFFFF, 0x9B, 0x4  ; readable code
    mov ax, SEL_TEST
    mov fs, ax
    mov eax, [fs:0]
    faults 13, 57, mov [fs:0], eax
    mov eax, [cs:scratch]             ; CS (readable code): reads allowed, writes not
    faults 13, 58, mov [cs:scratch], eax
    ; An execute-only copy of the flat code segment: a read through CS faults.
    set_desc SEL_TEST2, 0, 0xFFFFF, 0x99, 0xC
    jmp SEL_TEST2:.execute_only
.execute_only:
    faults 13, 59, mov eax, [cs:scratch]
    jmp SEL_CODE32:.readable_again
.readable_again:
    mov ax, SEL_DATA
    mov es, ax

    ; --- null selectors -----------------------------------------------------------------------
    xor eax, eax
    mov fs, ax
    mov gs, ax
    faults 13, 60, mov eax, [fs:0]
    faults 13, 61, mov [gs:0], eax
    faults 13, 62, push dword [fs:0]

    ; --- string instructions stopped at the limit ---------------------------------------------
    refill
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x93, 0x4
    mov ax, SEL_TEST
    mov es, ax
    cld
    mov edi, 0xFF0
    mov ecx, 8
    mov eax, 0xCAFEF00D
    faults 13, 70, rep stosd          ; four dwords fit, the fifth is at 0x1000
    expect ecx, 4, 71
    expect edi, 0x1000, 72
    expect dword [DATA_BASE + 0xFFC], 0xCAFEF00D, 73
    expect dword [DATA_BASE + 0x1000], PATTERN, 74
    mov esi, DATA_BASE + 0x2000       ; flat DS source, ES destination at its limit
    mov edi, 0xFFE
    mov ecx, 5
    faults 13, 75, rep movsb
    expect ecx, 3, 76
    expect esi, DATA_BASE + 0x2002, 77
    expect edi, 0x1000, 78
    xor edi, edi                      ; the whole segment, within the limit: no fault
    mov ecx, 0x1000
    mov al, 0x5A
    rep stosb
    expect ecx, 0, 79
    expect dword [DATA_BASE + 0xFFC], 0x5A5A5A5A, 80
    mov ax, SEL_DATA
    mov es, ax
    refill

    ; --- real mode, through 16-bit protected mode; FS keeps a 4 GiB limit (unreal mode) --------
    copy_section real16, REAL_BASE
    mov ax, SEL_DATA
    mov fs, ax
    jmp SEL_CODE16:pm16

back_in_protected:
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, STACK_TOP
    cmp word [real_status], 0
    je .real_ok
    movzx eax, word [real_status]
    show "real mode check failed", eax
    fail 90
.real_ok:
    print "real mode", 10
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    mov byte [IDT_BASE + 12 * 16 + 4], 1  ; #SS on IST1: the faulting RSP may be unusable
    ; To compatibility mode (a far return to the 32-bit code segment).
    push SEL_CODE32
    lea rax, [rel compat]
    push rax
    retfq

bits 32
compat:
    print "compatibility mode", 10
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x93, 0x4
    mov ax, SEL_TEST
    mov fs, ax
    mov eax, [fs:0xFFC]
    faults 13, 100, mov eax, [fs:0xFFD]
    faults 13, 101, mov [fs:0x1000], al
    set_desc SEL_TEST, DATA_BASE, 0xFFF, 0x97, 0x4
    mov ax, SEL_TEST
    mov gs, ax
    mov eax, [gs:0x1000]
    faults 13, 102, mov eax, [gs:0xFFC]
    xor eax, eax
    mov fs, ax
    faults 13, 103, mov eax, [fs:0]
    ; SS with a limit: PUSH and POP at it (the 64-bit handler runs on IST1).
    set_desc SEL_TEST2, 0, 0x97FFF, 0x93, 0x4
    mov [saved_esp], esp
    mov ax, SEL_TEST2
    mov ss, ax
    mov esp, 0x98002
    faults 12, 104, push eax          ; bytes 0x97FFE-0x98001
    expect esp, 0x98002, 105
    mov esp, 0x97FFE
    faults 12, 106, pop eax
    expect esp, 0x97FFE, 107
    push ax                           ; 0x97FFC-0x97FFD: allowed
    expect esp, 0x97FFC, 108
    mov ax, SEL_DATA
    mov ss, ax
    mov esp, [saved_esp]
    ; Back to 64-bit mode.
    jmp SEL_CODE64:long64

bits 64
[warning -prefix-seg]                 ; SS overrides below are the point: they do not make stack references
long64:
    print "64-bit mode", 10
    mov r14, 0x8000000000000000       ; non-canonical (expect_exc clobbers RAX)
    mov rax, r14
    faults 13, 110, mov rbx, [rax]    ; DS: #GP(0)
    mov rax, r14
    faults 13, 111, mov rbx, [ss:r14] ; an SS override is not a stack reference: #GP(0) (AMD host)
    mov rbp, r14
    faults 12, 112, mov rbx, [rbp + 8]
    faults 12, 113, add [rbp], rbx
    faults 12, 114, push qword [rbp]
    faults 13, 115, push qword [r14]
    mov rsi, r14
    faults 13, 116, ss lodsb
    faults 13, 117, lodsb
    faults 12, 118, movdqu xmm0, [rbp]
    ; A non-canonical RSP: PUSH, CALL and POP raise #SS(0) (on IST1) with RSP unchanged.
    mov r15, rsp
    mov rsp, r14
    faults 12, 119, push rbx
    mov rbx, rsp
    mov rsp, r15
    expect rbx, r14, 120
    mov rsp, r14
    faults 12, 121, call long64
    mov rbx, rsp
    mov rsp, r15
    expect rbx, r14, 122
    mov rsp, r14
    faults 12, 123, pop rcx
    mov rbx, rsp
    mov rsp, r15
    expect rbx, r14, 124
    pass

bits 32
align 4
saved_esp: dd 0
scratch: dd 0

; --- real mode ------------------------------------------------------------------------------
section real16 vstart=REAL_BASE align=16
bits 16
%define PRINT_ROUTINE print_string16

; rfaults VECTOR, N, INSTRUCTION: the instruction raises VECTOR (through the IVT), at itself;
; otherwise real_status = N and the test goes back to protected mode, which reports it.
%macro rfaults 3+
    mov word [rm_vector], 0xFF
    mov word [rm_resume], %%after
%%at: %3
%%after:
    cmp word [rm_vector], %1
    jne %%bad
    cmp word [rm_ip], %%at
    je %%ok
%%bad:
    mov word [real_status], %2
    jmp to_protected
%%ok:
%endmacro
; rexpect A, B, N: real_status = N and back to protected mode unless A == B.
%macro rexpect 3
    cmp %1, %2
    je %%ok
    mov word [real_status], %3
    jmp to_protected
%%ok:
%endmacro

pm16:                                 ; 16-bit protected mode: 64 KiB data segments
    mov ax, SEL_DATA16
    mov ds, ax
    mov es, ax
    mov gs, ax
    mov ss, ax
    mov sp, 0x7000
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
    mov word [12 * 4], rm_ss_handler
    mov word [12 * 4 + 2], 0
    mov word [13 * 4], rm_gp_handler
    mov word [13 * 4 + 2], 0
    mov al, [0xFFFF]                  ; the last byte: allowed
    rfaults 13, 1, mov ax, [0xFFFF]   ; a word at 0xFFFF does not wrap: #GP
    rfaults 13, 2, mov eax, [0xFFFD]
    rfaults 13, 3, mov [es:0xFFFF], ax
    mov bp, 0xFFFF
    rfaults 12, 4, mov ax, [bp]       ; BP-based: SS
    rfaults 12, 5, mov ax, [ss:0xFFFF]
    mov ax, [ds:bp - 1]               ; the word below: allowed
    mov sp, 0xFFFF
    rfaults 12, 6, pop ax
    rexpect sp, 0xFFFF, 7             ; SP unchanged
    mov sp, 0x7000
    mov di, 0xFFFD
    mov cx, 3
    cld
    rfaults 13, 8, rep stosw          ; one word fits, the next is at 0xFFFF
    rexpect cx, 2, 9
    rexpect di, 0xFFFF, 10
    ; Unreal mode: FS was loaded with a 4 GiB segment in protected mode and keeps its limit.
    mov eax, [fs:dword DATA_BASE]
    rexpect eax, PATTERN, 11
    mov word [real_status], 0

to_protected:
    cli
    lgdt [gdt_desc16]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword SEL_CODE32:back_in_protected

rm_ss_handler:
    mov word [rm_vector], 12
    jmp rm_common
rm_gp_handler:
    mov word [rm_vector], 13
rm_common:                            ; [sp] ip, [sp + 2] cs, [sp + 4] flags
    push bp
    mov bp, sp
    push ax
    mov ax, [bp + 2]
    mov [rm_ip], ax
    mov ax, [rm_resume]
    mov [bp + 2], ax
    pop ax
    pop bp
    iret

print_routine print_string16

align 4
real_status: dw 0xFFFF                ; 0 once every real-mode check passed
rm_vector: dw 0
rm_ip: dw 0
rm_resume: dw 0
real_idt:
    dw 0x3ff
    dd 0
gdt_desc16:
    dw gdt_end - gdt - 1
    dd gdt
real16_end:
