; reset-kbc: every boot prints "boot" on port 0xE9 and resets the machine
; through the 8042 (command 0xFE to port 0x64), forever: without
; -no-reboot the machine resets in a loop.
%include "rom.inc"
main:
        E9STR msg
        mov al, 0xFE
        out 0x64, al
        jmp $                   ; the reset comes after the OUT
msg:    db "boot", 10, 0
        ROM_END
