; A minimal static Linux program for `kiln user`: write(1, "hello...") and exit(argc + 40).
bits 64
global _start
section .text
_start:
  mov eax, 1          ; write
  mov edi, 1
  lea rsi, [rel msg]
  mov edx, msg_len
  syscall
  mov rcx, [rsp]      ; argc
  lea eax, [rcx + 40] ; exit status = argc + 40
  mov edi, eax
  mov eax, 60
  syscall
section .rodata
msg: db "hello from kiln user", 10
msg_len equ $ - msg
