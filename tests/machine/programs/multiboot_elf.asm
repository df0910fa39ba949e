; A minimal Multiboot v1 kernel as a toolchain makes one: ELF32 i386, the header in its own
; section placed first by multiboot_elf.ld, code, data and a .bss stack in two PT_LOAD segments.
; Loaded by tests/machine/multiboot_test.cpp (not run: the test checks what the loader placed).
bits 32

section .multiboot
align 4
  dd 0x1BADB002                 ; magic
  dd 0x00000003                 ; flags: page-align modules, memory information
  dd -(0x1BADB002 + 0x00000003) ; checksum

section .text
global _start
_start:
  mov esp, stack_top
  cmp eax, 0x2BADB002
  jne .hang
  mov eax, [ebx]                ; the information structure's flags
.hang:
  cli
  hlt
  jmp .hang

section .data
message: db "kiln multiboot ELF kernel", 0

section .bss
align 16
stack: resb 16384
stack_top:
