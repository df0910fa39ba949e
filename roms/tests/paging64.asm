; paging64: 4-level paging in 64-bit mode (SDM Vol.3 4.5-4.7, 4.10): page faults of each kind
; with CR2 and the error code (not present, write to read-only with CR0.WP = 1 and WP = 0, a
; reserved bit, NX fetch, a fetch straddling into a not-present page; from ring 3: a read of a
; supervisor page, writes to read-only and not-present pages, a fetch from a supervisor page),
; accessed and dirty bits, INVLPG and a CR3 reload after a PTE change, PCID and INVPCID, SMEP, and SMAP with
; EFLAGS.AC set through POPF.
%include "lib.inc"

; Pages of the 4K window (PT maps TEST_PAGE + n * 4K; identity unless a test remaps it).
%define PAGE_A     (TEST_PAGE + 0x1000)
%define PAGE_B     (TEST_PAGE + 0x2000)
%define PAGE_RO    (TEST_PAGE + 0x3000)
%define PAGE_CODE  (TEST_PAGE + 0x4000)
%define PAGE_RSVD  (TEST_PAGE + 0x5000)
%define PAGE_NP    (TEST_PAGE + 0x6000)
%define PAGE_SUP   (TEST_PAGE + 0x7000)

%define PTE(addr) (PT + (((addr) - TEST_PAGE) >> 12) * 8)
%define PML4_2     0x220000           ; a second set of 4-level tables (PCID)

test_main:
    enter_long_mode long_entry

bits 64
long_entry:
    call setup_idt64
    call setup_tss64
    print "paging in 64-bit mode", 10
    mov dword [PAGE_A], 0xAAAA
    mov dword [PAGE_B], 0xBBBB

    ; Not present: a write; error code W, CR2 = the address.
    mov qword [PTE(PAGE_NP)], 0
    invlpg [PAGE_NP]
    try .np_after
    mov rax, PAGE_NP + 8
.np: mov [rax], eax
.np_after:
    expect_exc 14, 2, .np, 1
    mov rax, PAGE_NP + 8
    expect [exc_cr2], rax, 2

    ; Read-only page: a supervisor write faults with CR0.WP = 1 (P | W) and succeeds with WP = 0.
    and qword [PTE(PAGE_RO)], ~2
    invlpg [PAGE_RO]
    mov rax, cr0
    or rax, 1 << 16
    mov cr0, rax
    try .ro_after
.ro: mov dword [PAGE_RO], 1
.ro_after:
    expect_exc 14, 3, .ro, 3
    mov rax, cr0
    and rax, ~(1 << 16)
    mov cr0, rax
    mov dword [PAGE_RO], 0x5a5a       ; WP = 0: supervisor writes ignore R/W
    expect dword [PAGE_RO], 0x5a5a, 4
    mov rax, cr0
    or rax, 1 << 16
    mov cr0, rax

    ; A reserved bit (51, above MAXPHYADDR) in a PTE: P | RSVD on a read.
    mov rax, 1 << 51
    or [PTE(PAGE_RSVD)], rax
    invlpg [PAGE_RSVD]
    try .rsvd_after
.rsvd: mov eax, [PAGE_RSVD]
.rsvd_after:
    expect_exc 14, 9, .rsvd, 5

    ; NX: EFER.NXE and XD in the PTE of a page of code: a fetch faults (P | I/D), RIP = CR2.
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 11
    wrmsr
    mov byte [PAGE_CODE], 0xC3        ; RET
    call PAGE_CODE                    ; executable first
    mov rax, 1 << 63
    or [PTE(PAGE_CODE)], rax
    invlpg [PAGE_CODE]
    try .nx_after
    call PAGE_CODE
.nx_after:
    add rsp, 8                        ; the CALL's return address
    expect_exc 14, 0x11, PAGE_CODE, 6
    expect qword [exc_cr2], PAGE_CODE, 7
    mov rax, ~(1 << 63)
    and [PTE(PAGE_CODE)], rax
    invlpg [PAGE_CODE]

    ; An instruction whose bytes straddle into a not-present page: #PF at its start, CR2 = the
    ; second page, error code I/D (EFER.NXE is on). The page before PAGE_NP (PAGE_RSVD, done
    ; with) is remapped to PAGE_A's frame to hold the instruction's first bytes.
    mov rax, [PTE(PAGE_A)]
    mov [PTE(PAGE_NP - 0x1000)], rax  ; the page before PAGE_NP: PAGE_A's frame, executable
    invlpg [PAGE_NP - 0x1000]
    mov byte [PAGE_NP - 2], 0xB8      ; MOV EAX, imm32: 5 bytes, 3 of them in PAGE_NP
    try .split_after
    mov eax, PAGE_NP - 2
    call rax
.split_after:
    add rsp, 8
    expect_exc 14, 0x10, PAGE_NP - 2, 25
    expect qword [exc_cr2], PAGE_NP, 26
    mov qword [PTE(PAGE_NP - 0x1000)], (PAGE_NP - 0x1000) | 7
    invlpg [PAGE_NP - 0x1000]

    ; Accessed and dirty bits: clear both, read (A set, D clear), write (D set).
    and qword [PTE(PAGE_B)], ~0x60
    invlpg [PAGE_B]
    mov eax, [PAGE_B]
    mov rax, [PTE(PAGE_B)]
    and eax, 0x60
    expect eax, 0x20, 8
    mov dword [PAGE_B], 0xBBBB
    mov rax, [PTE(PAGE_B)]
    and eax, 0x60
    expect eax, 0x60, 9
    ; The upper levels' A bits are set too.
    and qword [PD + 2 * 8], ~0x20
    invlpg [PAGE_B]
    mov eax, [PAGE_B]
    test qword [PD + 2 * 8], 0x20
    jnz .pde_a
    fail 10
.pde_a:

    ; INVLPG: PAGE_A remapped to PAGE_B's frame; after INVLPG the new mapping is used.
    expect dword [PAGE_A], 0xAAAA, 11
    mov rax, [PTE(PAGE_B)]
    mov [PTE(PAGE_A)], rax
    invlpg [PAGE_A]
    expect dword [PAGE_A], 0xBBBB, 12
    ; A CR3 reload: back to PAGE_A's own frame.
    mov qword [PTE(PAGE_A)], PAGE_A | 7
    mov rax, cr3
    mov cr3, rax
    expect dword [PAGE_A], 0xAAAA, 13

    ; PCID (CR4.PCIDE, SDM Vol.3 4.10.1): PCIDE cannot be set while CR3[11:0] != 0; CR3[11:0] is the PCID; bit 63
    ; of a MOV CR3 source (do not flush) is not stored; after INVLPG the new mapping is used.
    mov rax, PML4 | 8
    mov cr3, rax
    mov rax, cr4
    or rax, 1 << 17
    try .pcide_after
.pcide: mov cr4, rax
.pcide_after:
    expect_exc 13, 0, .pcide, 14
    mov rax, PML4
    mov cr3, rax
    mov rax, cr4
    or rax, 1 << 17
    mov cr4, rax                      ; CR3[11:0] = 0 now: allowed
    mov rax, PML4 | 1
    mov cr3, rax
    mov rax, cr3
    expect rax, PML4 | 1, 15
    mov rax, [PTE(PAGE_B)]
    mov [PTE(PAGE_A)], rax
    mov rax, (1 << 63) | PML4 | 1
    mov cr3, rax
    mov rax, cr3
    expect rax, PML4 | 1, 16
    invlpg [PAGE_A]
    expect dword [PAGE_A], 0xBBBB, 17
    mov qword [PTE(PAGE_A)], PAGE_A | 7
    mov rax, PML4 | 2
    mov cr3, rax                      ; PCID 2, flushing
    expect dword [PAGE_A], 0xAAAA, 18
    ; Another address space (copies of the four tables, PAGE_A -> PAGE_B's frame) under PCID 3,
    ; entered with the no-flush bit: its own translation is used, not PCID 2's cached one.
    mov rsi, PML4
    mov rdi, PML4_2
    mov ecx, 4 * 4096 / 8
    rep movsq
    mov qword [PML4_2], (PML4_2 + 0x1000) | 7
    mov qword [PML4_2 + 0x1000], (PML4_2 + 0x2000) | 7
    mov qword [PML4_2 + 0x2000 + 2 * 8], (PML4_2 + 0x3000) | 7
    mov qword [PML4_2 + 0x3000 + ((PAGE_A - TEST_PAGE) >> 12) * 8], PAGE_B | 7
    expect dword [PAGE_A], 0xAAAA, 27 ; (cached under PCID 2)
    mov rax, (1 << 63) | PML4_2 | 3
    mov cr3, rax
    expect dword [PAGE_A], 0xBBBB, 28
    mov rax, (1 << 63) | PML4 | 2
    mov cr3, rax
    expect dword [PAGE_A], 0xAAAA, 29

    ; INVPCID (CPUID.7.EBX[10]; SDM Vol.2 "INVPCID"): the descriptor is {PCID, linear address}.
    ; Each type makes a changed PTE visible under PCID 2: 0 one page, 1 one PCID, 3 all PCIDs,
    ; 2 all with globals. Then its #GP(0) cases: a type above 3, reserved descriptor bits, a
    ; non-canonical address for type 0.
    mov eax, 7
    xor ecx, ecx
    cpuid
    bt ebx, 10
    jc .have_invpcid
    fail 38
.have_invpcid:
    mov qword [invpcid_desc], 2
    mov qword [invpcid_desc + 8], PAGE_A
    mov rax, [PTE(PAGE_B)]
    mov [PTE(PAGE_A)], rax
    xor eax, eax
    invpcid rax, [invpcid_desc]       ; type 0: this page of PCID 2
    expect dword [PAGE_A], 0xBBBB, 39
    mov qword [PTE(PAGE_A)], PAGE_A | 7
    mov eax, 1
    invpcid rax, [invpcid_desc]       ; type 1: PCID 2
    expect dword [PAGE_A], 0xAAAA, 40
    mov rax, [PTE(PAGE_B)]
    mov [PTE(PAGE_A)], rax
    mov eax, 3
    invpcid rax, [invpcid_desc]       ; type 3: every PCID, not globals
    expect dword [PAGE_A], 0xBBBB, 41
    mov qword [PTE(PAGE_A)], PAGE_A | 7
    mov eax, 2
    invpcid rax, [invpcid_desc]       ; type 2: everything
    expect dword [PAGE_A], 0xAAAA, 42
    mov eax, 4
    try .invpcid_type_after
.invpcid_type: invpcid rax, [invpcid_desc]
.invpcid_type_after:
    expect_exc 13, 0, .invpcid_type, 43
    mov qword [invpcid_desc], 0x1002  ; bits 63:12 are reserved
    mov eax, 1
    try .invpcid_reserved_after
.invpcid_reserved: invpcid rax, [invpcid_desc]
.invpcid_reserved_after:
    expect_exc 13, 0, .invpcid_reserved, 44
    mov qword [invpcid_desc], 2
    mov rax, 0x0000800000000000       ; not canonical
    mov [invpcid_desc + 8], rax
    xor eax, eax
    try .invpcid_canonical_after
.invpcid_canonical: invpcid rax, [invpcid_desc]
.invpcid_canonical_after:
    expect_exc 13, 0, .invpcid_canonical, 45
    mov rax, cr4
    and rax, ~(1 << 17)
    mov cr4, rax
    mov rax, PML4
    mov cr3, rax

    ; Ring 3: a user read of a supervisor page (P | U) and a user write to a read-only page
    ; (P | W | U); and a privileged instruction (#GP(0)).
    and qword [PTE(PAGE_SUP)], ~4
    invlpg [PAGE_SUP]
    copy_section user, USER_CODE
    to_user user_tests
    print "back in ring 0", 10
    mov ax, cs
    expect ax, SEL_CODE64, 20

    ; SMEP: supervisor fetch from a user page: P | I/D.
    mov rax, cr4
    or rax, 1 << 20
    mov cr4, rax
    mov byte [PAGE_CODE], 0xC3
    try .smep_after
    call PAGE_CODE
.smep_after:
    add rsp, 8
    expect_exc 14, 0x11, PAGE_CODE, 21
    mov rax, cr4
    and rax, ~(1 << 20)
    mov cr4, rax
    call PAGE_CODE                    ; allowed again

    ; SMAP: a supervisor read of a user page faults (P) unless EFLAGS.AC = 1 (set with POPF:
    ; Kiln has no STAC/CLAC yet). After the AC=1 access, AC=0 must fault again. The exception
    ; record becomes a supervisor page first (the handler writes it).
    and qword [PTE(EXC_VARS)], ~4
    invlpg [EXC_VARS]
    mov rax, cr4
    or rax, 1 << 21
    mov cr4, rax
    try .smap_after
.smap: mov eax, [PAGE_A]
.smap_after:
    expect_exc 14, 1, .smap, 22
    pushfq
    or qword [rsp], 1 << 18
    popfq
    mov eax, [PAGE_A]                 ; AC = 1: allowed
    expect eax, 0xAAAA, 23
    pushfq
    and qword [rsp], ~(1 << 18)
    popfq
    try .smap2_after
.smap2: mov eax, [PAGE_A]
.smap2_after:
    expect_exc 14, 1, .smap2, 24
    mov rax, cr4
    and rax, ~(1 << 21)
    mov cr4, rax
    pass

align 16
invpcid_desc: dq 0, 0                 ; INVPCID's descriptor

section user vstart=USER_CODE align=16
bits 64
%define PRINT_ROUTINE user_print
print_routine user_print
user_tests:
    mov ax, cs
    and ax, 3
    expect ax, 3, 30
    print "ring 3", 10
    try .sup_after
.sup: mov eax, [PAGE_SUP]
.sup_after:
    expect_exc 14, 5, .sup, 31
    try .ro_after
.ro: mov dword [PAGE_RO], 1
.ro_after:
    expect_exc 14, 7, .ro, 32
    try .gp_after
.gp: mov rax, cr0
.gp_after:
    expect_exc 13, 0, .gp, 33
    mov eax, [PAGE_A]                 ; a user page: allowed
    expect eax, 0xAAAA, 34
    ; A user write to a not-present page: W | U. A user fetch from a supervisor page (the
    ; kernel's code): P | U | I/D (EFER.NXE is on), with RIP = CR2 = the target.
    try .np_after
.np: mov dword [PAGE_NP], 1
.np_after:
    expect_exc 14, 6, .np, 35
    try .fetch_after
    mov eax, test_main
    call rax
.fetch_after:
    add rsp, 8
    expect_exc 14, 0x15, test_main, 36
    expect qword [exc_cr2], test_main, 37
    int 0x30
user_end:
