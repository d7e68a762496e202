; reset-triple: every boot prints "boot" on port 0xE9 and triple-faults
; (an IDT limit of 0, then INT3: no gate for #BP, #GP, #DF), forever:
; without -no-reboot the machine resets in a loop.
%include "rom.inc"
main:
        E9STR msg
        lidt [cs:null_idt]
        int3
        jmp $
null_idt: dw 0
        dd 0
msg:    db "boot", 10, 0
        ROM_END
