; j-triple: #DF and the triple fault.  A #GP whose gate is not present
; raises #NP, which with a first contributory exception is a double fault;
; the #DF handler runs (error code 0).  Then #UD with the #UD, #NP and #DF
; gates not present: #UD (benign) finds no gate, raising #NP, handled
; serially; #NP finds no gate, #NP again: two contributory exceptions make
; #DF; #DF finds no gate: triple fault.  emu386-system -no-reboot exits with status 3; Bochs
; (cpu: reset_on_triple_fault=0) panics "3rd (13) exception with no
; resolution", which run.py also reports as exit=3.  The line after the
; triple fault must never be printed.
%include "lib.inc"
    bits 32

main:
    mov byte [IDT_BASE+13*8+5], 0x0E   ; #GP gate not present
    mov cx, 0x200                      ; past the GDT limit: #GP(200)
    TRY mov fs, cx
    REPORT `#GP with no gate: vec=%2 err=%8 eip=+%4\n`
    mov byte [IDT_BASE+13*8+5], 0x8E
    mov byte [IDT_BASE+6*8+5], 0x0E    ; #UD, #NP, #DF gates not present
    mov byte [IDT_BASE+11*8+5], 0x0E
    mov byte [IDT_BASE+8*8+5], 0x0E
    PRINTF `now #UD -> #NP (benign then contributory: serial), #NP -> #NP (contributory twice) -> #DF, no #DF gate: triple fault\n`
    ud2
    PRINTF `after the triple fault: must not be printed\n`
    DONE 1
    ROM_END
