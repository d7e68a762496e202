; spin: says so on port 0xE9, then spins with interrupts off forever
; (cli; jmp $): the emulator must still end on SIGINT/SIGTERM.
%include "rom.inc"
main:
        E9STR msg
        cli
        jmp $
msg:    db "spin: interrupts off, spinning", 10, 0
        ROM_END
