; dead_cpu: a CPU that halts with interrupts disabled and nothing left that could wake it (no
; NMI source) is a dead machine: Kiln must say so in one line, with the registers under
; -d cpu_reset, and exit instead of waiting forever (roms/run_rom.sh checks the stop).
%include "lib.inc"

test_main:
    print "CLI, HLT", 10
    print "STOP", 10
    cli
    hlt
    fail 1                            ; never reached
