; triple_fault: a guest that triple-faults (SDM Vol.3 6.15, Interrupt 8: a fault while
; delivering #DF shuts the processor down). INT3 with an empty IDT raises #GP (the gate is past
; the IDT's limit), delivering it raises #DF, delivering that faults again. With -no-reboot
; Kiln must stop with "triple fault" and a register dump, not hang or reset forever
; (roms/run_rom.sh checks the stop; the log's last line is "STOP" if the code got that far).
%include "lib.inc"

test_main:
    print "an empty IDT, then INT3", 10
    print "STOP", 10
    lidt [empty_idt]
    int3
    fail 1                            ; never reached

empty_idt:
    dw 0                              ; limit 0: no gate fits
    dd 0
