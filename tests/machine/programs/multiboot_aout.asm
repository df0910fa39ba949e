; A Multiboot v1 kernel in the a.out-kludge form: a flat binary (nasm -f bin) whose header gives
; the load addresses (flag 16). Loaded by tests/machine/multiboot_test.cpp.
bits 32
org 0x200000

header:
  dd 0x1BADB002                 ; magic
  dd 0x00010000                 ; flags: the address fields below are valid
  dd -(0x1BADB002 + 0x00010000) ; checksum
  dd header                     ; header_addr
  dd header                     ; load_addr: the file starts here
  dd load_end                   ; load_end_addr
  dd bss_end                    ; bss_end_addr
  dd entry                      ; entry_addr

entry:
  mov esp, bss_end
  cli
.hang:
  hlt
  jmp .hang

message: db "kiln multiboot a.out kernel", 0
load_end:
bss_end equ load_end + 0x2000
