; debug32: the debug exception (#DB) and alignment check (#AC) in 32-bit protected mode (SDM
; Vol.3 17.2-17.3, 6.15): EFLAGS.TF single-step traps (none after the POPF that sets TF, none
; after INT n, whose handler runs with TF clear, and none after MOV SS until the next
; instruction), over instructions the engine runs and ones the machine emulates; DR0-DR3
; instruction breakpoints (a fault, suppressed once by RF) and data breakpoints (a trap, by
; length and R/W condition); I/O breakpoints (CR4.DE, also through REP OUTSB); DR6's
; B0-B3/BS/BD; DR7.GD; #AC(0) for a misaligned ring-3 access.
%include "lib.inc"

db_count equ EXC_VARS + 0x100         ; #DB taken
db_limit equ EXC_VARS + 0x104         ; at this count the handler clears TF in the frame
db_set_rf equ EXC_VARS + 0x108        ; nonzero: the handler sets RF in the frame
db_dr7   equ EXC_VARS + 0x10C         ; DR7 as the handler saw it
db_rips  equ EXC_VARS + 0x120         ; the EIP of each #DB (up to 8)
db_dr6   equ EXC_VARS + 0x140         ; DR6 at each #DB
int_flags equ EXC_VARS + 0x160        ; EFLAGS inside the INT 0x21 handler
data_var equ EXC_VARS + 0x200         ; the data breakpoints' target

%define TF (1 << 8)
%define RF (1 << 16)
%define AC (1 << 18)

; set_gate VECTOR, HANDLER: a DPL 3 32-bit interrupt gate.
%macro set_gate 2
    mov eax, %2
    mov word [IDT_BASE + %1 * 8], ax
    mov word [IDT_BASE + %1 * 8 + 2], SEL_CODE32
    mov word [IDT_BASE + %1 * 8 + 4], 0xEE00
    shr eax, 16
    mov word [IDT_BASE + %1 * 8 + 6], ax
%endmacro

; arm LIMIT, SET_RF: resets the #DB record.
%macro arm 2
    mov dword [db_count], 0
    mov dword [db_limit], %1
    mov dword [db_set_rf], %2
    xor eax, eax
    mov dr6, eax
%endmacro

%macro set_tf 0
    pushfd
    or dword [esp], TF
    popfd
%endmacro

test_main:
    call setup_idt32
    call setup_tss32
    set_gate 1, db_handler
    set_gate 0x21, int21_handler
    print "debug exceptions in 32-bit protected mode", 10

    ; --- single-step over engine and emulated instructions -----------------------------------
    arm 3, 0
    set_tf                            ; no trap after the POPF that sets TF
.s1: nop                              ; trap: EIP = .s2
.s2: mov ebx, cr0                     ; emulated by the machine: trap, EIP = .s3
.s3: nop                              ; trap: EIP = .s4, and the handler clears TF
.s4: nop
    expect dword [db_count], 3, 1
    expect dword [db_rips], .s2, 2
    expect dword [db_rips + 4], .s3, 3
    expect dword [db_rips + 8], .s4, 4
    mov eax, [db_dr6]
    and eax, 0x600F
    expect eax, 0x4000, 5             ; BS alone
    pushfd
    pop eax
    test eax, TF
    jz .tf_clear
    fail 6
.tf_clear:

    ; --- INT n clears TF in its handler; no trap after INT -----------------------------------
    arm 1, 0
    set_tf
    int 0x21                          ; the handler runs with TF clear, IRET restores it
.after_int:
    nop                               ; trap: EIP = .after_nop
.after_nop:
    expect dword [db_count], 1, 7
    expect dword [db_rips], .after_nop, 8
    expect dword [int_flags], 0, 9

    ; --- MOV SS: the trap waits for the next instruction -------------------------------------
    arm 1, 0
    mov ax, ss
    set_tf
    mov ss, ax                        ; no trap here
    nop                               ; the trap comes after this one
.after_ss:
    expect dword [db_count], 1, 10
    expect dword [db_rips], .after_ss, 11

    ; --- an instruction breakpoint: a fault, RF lets it run once -----------------------------
    arm 100, 1
    mov eax, .bp
    mov dr0, eax
    mov eax, 1                        ; L0, R/W0 = 00 (execution), LEN0 = 00
    mov dr7, eax
    xor ecx, ecx
.again:
.bp: inc ecx                          ; faults before it executes, twice (RF is cleared after it)
    cmp ecx, 2
    jb .again
    xor eax, eax
    mov dr7, eax
    expect ecx, 2, 12
    expect dword [db_count], 2, 13
    expect dword [db_rips], .bp, 14
    expect dword [db_rips + 4], .bp, 15
    mov eax, [db_dr6]
    and eax, 0x600F
    expect eax, 1, 16                 ; B0

    ; --- data breakpoints: traps after the access --------------------------------------------
    arm 100, 0
    mov eax, data_var
    mov dr1, eax
    mov eax, (1 << 2) | (01b << 20) | (11b << 22)   ; L1, writes only, 4 bytes
    mov dr7, eax
    mov dword [data_var], 5
.w1:
    mov eax, [data_var]               ; a read: no trap
    mov byte [data_var + 3], 1        ; inside the 4 bytes: trap
.w2:
    mov byte [data_var + 4], 1        ; past them: no trap
    mov eax, (1 << 3) | (11b << 20) | (00b << 22)   ; G1, reads and writes, 1 byte
    mov dr7, eax
    mov eax, [data_var - 3]           ; its last byte is the breakpoint's: trap
.r1:
    mov eax, [data_var + 1]           ; not the breakpoint's byte: no trap
    xor eax, eax
    mov dr7, eax
    mov eax, [data_var]               ; disabled: no trap
    expect dword [db_count], 3, 17
    expect dword [db_rips], .w1, 18
    expect dword [db_rips + 4], .w2, 19
    expect dword [db_rips + 8], .r1, 20
    mov eax, [db_dr6]
    and eax, 0x600F
    expect eax, 2, 21                 ; B1

    ; --- a breakpoint on a stack push (emulated PUSH SS writes through the same checks) ------
    arm 100, 0
    lea eax, [esp - 4]
    mov dr2, eax
    mov eax, (1 << 4) | (01b << 24) | (11b << 26)   ; L2, writes, 4 bytes
    mov dr7, eax
    push ss
.pushed:
    add esp, 4
    xor eax, eax
    mov dr7, eax
    expect dword [db_count], 1, 22
    expect dword [db_rips], .pushed, 23
    mov eax, [db_dr6]
    and eax, 0xF
    expect eax, 4, 24                 ; B2

    ; --- general detection: MOV DR with DR7.GD faults, GD is off in the handler -------------
    arm 100, 0
    mov eax, 1 << 13
    mov dr7, eax
.gd: mov eax, dr0                     ; #DB fault; retried after the handler with GD clear
    expect dword [db_count], 1, 25
    expect dword [db_rips], .gd, 26
    mov eax, [db_dr6]
    and eax, 0x600F
    expect eax, 0x2000, 27            ; BD
    mov eax, [db_dr7]
    and eax, 1 << 13
    expect eax, 0, 28
    mov eax, dr7
    and eax, 1 << 13
    expect eax, 0, 29

    ; --- I/O breakpoints (CR4.DE, R/W = 10): traps after the port access; a REP OUTSB traps --
    ; --- after each iteration, EIP at the instruction while iterations remain ---------------
    arm 100, 0
    mov eax, 0x80
    mov dr3, eax
    mov eax, (1 << 6) | (10b << 28) | (00b << 30)   ; L3, I/O, 1 byte
    mov dr7, eax
    out 0x80, al                      ; CR4.DE clear: R/W = 10 is not an I/O breakpoint
    mov eax, cr4
    or eax, 1 << 3                    ; DE
    mov cr4, eax
    out 0x80, al
.io1:
    out 0x81, al                      ; another port: no trap
    mov dx, 0x7F
    out dx, ax                        ; ports 0x7F-0x80: trap
.io2:
    in al, 0x80
.io3:
    mov esi, data_var
    mov ecx, 2
    mov dx, 0x80
    cld
.io_rep: rep outsb
.io4:
    xor eax, eax
    mov dr7, eax
    mov eax, cr4
    and eax, ~(1 << 3)
    mov cr4, eax
    expect dword [db_count], 5, 35
    expect dword [db_rips], .io1, 36
    expect dword [db_rips + 4], .io2, 37
    expect dword [db_rips + 8], .io3, 38
    expect dword [db_rips + 12], .io_rep, 39
    expect dword [db_rips + 16], .io4, 40
    expect ecx, 0, 41
    mov eax, [db_dr6 + 16]
    and eax, 0x600F
    expect eax, 8, 42                 ; B3

    ; --- #AC: CR0.AM, EFLAGS.AC, CPL 3 ------------------------------------------------------
    mov eax, cr0
    or eax, 1 << 18                   ; AM
    mov cr0, eax
    pushfd
    or dword [esp], AC
    popfd
    mov eax, [data_var + 1]           ; CPL 0: no alignment check
    pushfd
    and dword [esp], ~AC
    popfd
    to_user32 user_ac                 ; (it enters ring 3 with AC clear)
    print "back in ring 0", 10
    expect dword [exc_count], 1, 30
    expect dword [exc_vector], 17, 31
    expect dword [exc_code], 0, 32
    expect dword [exc_rip], user_ac.misaligned, 33
    pass

user_ac:
    mov ax, SEL_UDATA | 3
    mov ds, ax
    mov es, ax
    mov dword [exc_count], 0
    mov eax, [data_var + 4]           ; aligned: fine with AC clear or set
    mov eax, [data_var + 1]           ; AC still clear in ring 3's EFLAGS: fine
    pushfd
    or dword [esp], AC
    popfd
    mov eax, [data_var + 8]           ; aligned
    mov al, [data_var + 1]            ; a byte is always aligned
    try .back
.misaligned:
    mov eax, [data_var + 2]           ; #AC(0)
    fail 34
.back:
    int 0x30

; #DB: records EIP and DR6, clears DR6, sets RF in the frame when asked and clears TF at the limit.
db_handler:                           ; [esp] eip, +4 cs, +8 eflags
    push eax
    push ebx
    mov ebx, [db_count]
    cmp ebx, 8
    jae .full
    mov eax, [esp + 8]
    mov [db_rips + ebx * 4], eax
    mov eax, dr6
    mov [db_dr6 + ebx * 4], eax
.full:
    mov eax, dr7
    mov [db_dr7], eax
    xor eax, eax
    mov dr6, eax
    inc dword [db_count]
    cmp dword [db_set_rf], 0
    je .no_rf
    or dword [esp + 16], RF
.no_rf:
    mov eax, [db_count]
    cmp eax, [db_limit]
    jb .out
    and dword [esp + 16], ~TF
.out:
    pop ebx
    pop eax
    iretd

int21_handler:
    push eax
    pushfd
    pop eax
    and eax, TF
    mov [int_flags], eax
    pop eax
    iretd
