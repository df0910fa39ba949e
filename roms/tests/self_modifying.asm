; self_modifying: stores into code (SDM Vol.3 11.6 "Self-Modifying Code"): the next instruction
; of the same block, code already run in the same page, code on another page and through another
; linear alias of its page, the second page of an instruction straddling two; and a store across a page boundary whose second page is not present
; (#PF with CR2 = the second page, nothing written on the first: SDM Vol.3 6.5 precise faults).
%include "lib.inc"

%define PAGE_X     (TEST_PAGE + 0x8000)   ; code copied here
%define PAGE_X2    (TEST_PAGE + 0x9000)   ; another mapping of PAGE_X's frame
%define PAGE_Y     (TEST_PAGE + 0xA000)   ; data; the page after it is not present
%define PAGE_Z     (TEST_PAGE + 0xD000)   ; an instruction straddles the page before and this
%define PTE(addr) (PT + (((addr) - TEST_PAGE) >> 12) * 8)

test_main:
    ; 32-bit, paging off: patch the next instruction (same block, not yet run).
    mov byte [.next32 + 1], 0x42
.next32:
    mov al, 0
    expect al, 0x42, 1
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "self-modifying code", 10

    ; The next instruction, in the same block, twice: the second time the block was decoded
    ; with the previous patch.
    xor ecx, ecx
.again:
    mov byte [rel .next + 1], cl
.next:
    mov bl, 0xFF
    expect bl, cl, 2
    inc ecx
    cmp ecx, 3
    jb .again

    ; Code earlier in the same page, already decoded: patched, then run again.
    call patched_later
    expect eax, 1, 3
    mov dword [rel patched_later + 1], 7
    call patched_later
    expect eax, 7, 4

    ; Code on another page: run, patch, run; then patch through an alias of its frame.
    mov rsi, routine
    mov rdi, PAGE_X
    mov ecx, routine_end - routine
    rep movsb
    mov rax, [PTE(PAGE_X)]
    mov [PTE(PAGE_X2)], rax
    invlpg [PAGE_X2]
    mov eax, PAGE_X
    call rax
    expect eax, 0x11, 5
    mov dword [PAGE_X + 1], 0x22
    mov eax, PAGE_X
    call rax
    expect eax, 0x22, 6
    mov dword [PAGE_X2 + 1], 0x33     ; the same physical page, another linear address
    mov eax, PAGE_X
    call rax
    expect eax, 0x33, 7

    ; An instruction straddling two pages, patched in its second page (the page of a block's
    ; last byte is watched too).
    mov rdi, PAGE_Z - 2
    mov byte [rdi], 0xB8              ; MOV EAX, imm32 across PAGE_Z - 0x1000 / PAGE_Z
    mov dword [rdi + 1], 0x55
    mov byte [rdi + 5], 0xC3
    call rdi
    expect eax, 0x55, 18
    mov byte [PAGE_Z], 0x66           ; the imm32's second byte, on the second page
    mov rdi, PAGE_Z - 2
    call rdi
    expect eax, 0x6655, 19

    ; A string store that overwrites code about to run (REP STOSB over a NOP sled + RET).
    mov rdi, PAGE_X
    mov al, 0x90
    mov ecx, 16
    rep stosb
    mov byte [PAGE_X + 16], 0xC3
    mov eax, 0x44
    mov ebx, PAGE_X
    call rbx
    expect eax, 0x44, 8

    ; A page-straddling store: 8 bytes at PAGE_Y + 0xFFC, the next page not present.
    mov qword [PTE(PAGE_Y + 0x1000)], 0
    invlpg [PAGE_Y + 0x1000]
    mov dword [PAGE_Y + 0xFFC], 0x11223344
    try .straddle_after
    mov rax, 0xAABBCCDDEEFF0011
.straddle: mov [PAGE_Y + 0xFFC], rax
.straddle_after:
    expect_exc 14, 2, .straddle, 9
    expect qword [exc_cr2], PAGE_Y + 0x1000, 10
    expect dword [PAGE_Y + 0xFFC], 0x11223344, 11
    ; 4 bytes at + 0xFFE, and a PUSH whose stack slot straddles.
    try .straddle2_after
.straddle2: mov dword [PAGE_Y + 0xFFE], 0
.straddle2_after:
    expect_exc 14, 2, .straddle2, 12
    expect qword [exc_cr2], PAGE_Y + 0x1000, 13
    expect dword [PAGE_Y + 0xFFC], 0x11223344, 14
    mov byte [IDT_BASE + 14 * 16 + 4], 1      ; #PF on IST1: its frame must not land in PAGE_Y
    mov rbx, rsp
    try .straddle3_after
    mov rsp, PAGE_Y + 0x1000 + 4
.straddle3: push rax
.straddle3_after:
    mov rcx, rsp
    mov rsp, rbx
    expect rcx, PAGE_Y + 0x1000 + 4, 15       ; RSP unchanged by the faulting PUSH
    expect_exc 14, 2, .straddle3, 16
    expect dword [PAGE_Y + 0xFFC], 0x11223344, 17
    pass

patched_later:
    mov eax, 1
    ret

routine:
    mov eax, 0x11
    ret
routine_end:
