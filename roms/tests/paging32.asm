; paging32: paging outside long mode (SDM Vol.3 4.3, 4.4): legacy 32-bit paging with 4K pages
; (A and D bits in 4-byte entries, not-present and read-only faults with CR0.WP, INVLPG) and
; 4 MiB PSE pages; PAE paging with 2 MiB pages, NX through EFER.NXE, the PDPTE registers
; (loaded at MOV CR3, #GP(0) for a reserved bit).
%include "lib.inc"

%define PT0        0x204000           ; 4K pages for 0-4 MiB
%define PT1        0x205000           ; 4K pages for 4-8 MiB (the test window)
%define PAE_PDPT   0x206000
%define PAE_PD     0x207000           ; 0-1 GiB in 2 MiB pages
%define PAE_PDPT2  0x208000
%define PAE_PD2    0x209000
%define PAGE_A     (TEST_PAGE + 0x1000)
%define PAGE_B     (TEST_PAGE + 0x2000)
%define PAGE_NP    (TEST_PAGE + 0x3000)
%define PTE(addr)  (PT1 + (((addr) - TEST_PAGE) >> 12) * 4)

test_main:
    call setup_idt32
    print "legacy 32-bit paging", 10
    ; PD: 0-8 MiB through PT0/PT1 (4K pages, supervisor RW), 8-12 MiB a 4 MiB PSE page.
    mov edi, PD
    mov ecx, 3 * 1024
    xor eax, eax
    rep stosd                         ; PD, PT (unused here) and PT0 cleared
    mov edi, PT1
    mov ecx, 1024
    rep stosd
    mov dword [PD + 0], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PD + 8], 0x00800000 | 0x83
    xor ecx, ecx
.pte:
    mov eax, ecx
    shl eax, 12
    or eax, 3
    mov [PT0 + ecx * 4], eax
    add eax, 0x400000
    mov [PT1 + ecx * 4], eax
    inc ecx
    cmp ecx, 1024
    jb .pte
    mov dword [PTE(PAGE_NP)], 0
    mov eax, PD
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 4                    ; PSE
    mov cr4, eax
    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)     ; PG, WP
    mov cr0, eax

    mov dword [PAGE_A], 0xAAAA
    mov dword [PAGE_B], 0xBBBB
    mov dword [0x00800000 + 0x1234], 0x4444   ; the 4 MiB page
    expect dword [0x00800000 + 0x1234], 0x4444, 1

    ; Not present, a read then a write: error codes 0 and W, CR2.
    try .np_after
.np: mov eax, [PAGE_NP + 4]
.np_after:
    expect_exc 14, 0, .np, 2
    expect dword [exc_cr2], PAGE_NP + 4, 3
    try .np2_after
.np2: mov dword [PAGE_NP], 0
.np2_after:
    expect_exc 14, 2, .np2, 4

    ; Read-only: P | W with WP = 1; allowed with WP = 0.
    and dword [PTE(PAGE_B)], ~2
    invlpg [PAGE_B]
    try .ro_after
.ro: mov dword [PAGE_B], 1
.ro_after:
    expect_exc 14, 3, .ro, 5
    mov eax, cr0
    and eax, ~(1 << 16)
    mov cr0, eax
    mov dword [PAGE_B], 0xBBBB
    mov eax, cr0
    or eax, 1 << 16
    mov cr0, eax
    or dword [PTE(PAGE_B)], 2
    invlpg [PAGE_B]

    ; A and D bits in the PTE, and A in the PDE.
    and dword [PTE(PAGE_A)], ~0x60
    and dword [PD + 4], ~0x20
    invlpg [PAGE_A]
    mov eax, [PAGE_A]
    mov eax, [PTE(PAGE_A)]
    and eax, 0x60
    expect eax, 0x20, 6
    test dword [PD + 4], 0x20
    jnz .pde_a
    fail 7
.pde_a:
    mov dword [PAGE_A], 0xAAAA
    mov eax, [PTE(PAGE_A)]
    and eax, 0x60
    expect eax, 0x60, 8

    ; INVLPG: PAGE_A remapped to PAGE_B's frame.
    mov eax, [PTE(PAGE_B)]
    mov [PTE(PAGE_A)], eax
    invlpg [PAGE_A]
    expect dword [PAGE_A], 0xBBBB, 9
    mov dword [PTE(PAGE_A)], PAGE_A | 3
    invlpg [PAGE_A]
    expect dword [PAGE_A], 0xAAAA, 10

    ; PAE: paging off, then PDPT -> PD with 2 MiB identity pages for 0-1 GiB.
    print "PAE paging", 10
    mov eax, cr0
    and eax, ~(1 << 31)
    mov cr0, eax
    mov edi, PAE_PDPT
    mov ecx, 1024 * 2
    xor eax, eax
    rep stosd
    mov dword [PAE_PDPT], PAE_PD | 1
    xor ecx, ecx
.pde:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [PAE_PD + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pde
    mov dword [PAE_PD + 3 * 8], 0     ; 6-8 MiB not present
    mov eax, cr4
    or eax, 1 << 5
    mov cr4, eax
    mov eax, PAE_PDPT
    mov cr3, eax
    mov eax, cr0
    or eax, 1 << 31
    mov cr0, eax
    expect dword [PAGE_A], 0xAAAA, 11
    try .pae_np_after
.pae_np: mov eax, [0x600010]
.pae_np_after:
    expect_exc 14, 0, .pae_np, 12
    expect dword [exc_cr2], 0x600010, 13

    ; NX in PAE paging: EFER.NXE and XD (bit 63) in the PDE of the 2 MiB page at 8 MiB.
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 11
    wrmsr
    mov byte [0x800000], 0xC3         ; RET
    call 0x800000
    or dword [PAE_PD + 4 * 8 + 4], 1 << 31
    invlpg [0x800000]
    try .nx_after
    call 0x800000
.nx_after:
    add esp, 4
    expect_exc 14, 0x11, 0x800000, 14

    ; The PDPTEs are registers loaded by MOV CR3: a PDPTE changed in memory is not used until
    ; CR3 is written again, and a reserved bit in one then raises #GP(0).
    or dword [PAE_PDPT], 1 << 1       ; bits 1-2 are reserved
    expect dword [PAGE_A], 0xAAAA, 15 ; the loaded PDPTE still translates
    try .pdpte_after
    mov eax, PAE_PDPT
.pdpte: mov cr3, eax
.pdpte_after:
    expect_exc 13, 0, .pdpte, 16
    and dword [PAE_PDPT], ~(1 << 1)
    mov eax, PAE_PDPT
    mov cr3, eax
    expect dword [PAGE_A], 0xAAAA, 17
    ; A PDPT whose first entry is good (another PD: 4-6 MiB -> 8-10 MiB) and whose second has
    ; a reserved bit: the #GP leaves every PDPTE register as it was.
    mov esi, PAE_PD
    mov edi, PAE_PD2
    mov ecx, 1024
    rep movsd
    mov dword [PAE_PD2 + 2 * 8], 0x800000 | 0x83
    mov dword [0x801000], 0x8888
    mov edi, PAE_PDPT2
    xor eax, eax
    mov ecx, 8
    rep stosd
    mov dword [PAE_PDPT2], PAE_PD2 | 1
    mov dword [PAE_PDPT2 + 8], PAE_PD | 1 | (1 << 5)   ; bit 5 is reserved
    try .pdpte2_after
    mov eax, PAE_PDPT2
.pdpte2: mov cr3, eax
.pdpte2_after:
    expect_exc 13, 0, .pdpte2, 18
    mov eax, cr3
    expect eax, PAE_PDPT, 19
    expect dword [PAGE_A], 0xAAAA, 20 ; still the old PDPTE 0
    and dword [PAE_PDPT2 + 8], ~(1 << 5)
    mov eax, PAE_PDPT2
    mov cr3, eax
    expect dword [PAGE_A], 0x8888, 21 ; now the new one
    pass
