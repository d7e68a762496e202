; The monitor suite's guest: a 64 KiB ROM for emu386-system -bios.
; Real mode; prints one line on the 0xE9 debug console, programs the PIT
; at 100 Hz with IRQ 0 counting ticks at 0x500, and then sleeps in HLT,
; counting its wake-ups in ESI.  It never ends by itself: the monitor
; stops, resets and quits it.  Cheap to run (it halts between ticks), and
; every state is easy to recognise in `info registers`.
    bits 16
    org 0
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov si, banner
.print:
    mov al, [cs:si]
    test al, al
    jz .printed
    out 0xE9, al
    inc si
    jmp .print
.printed:
    mov word [8*4], tick            ; IRQ 0 is vector 8
    mov word [8*4+2], 0xF000
    mov dword [0x500], 0
    mov al, 0x11                    ; 8259A master: ICW1-ICW4, vectors 8-15
    out 0x20, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE                    ; only IRQ 0
    out 0x21, al
    mov al, 0x34                    ; 8254 counter 0, mode 2: 1193182 / 11932 = 100 Hz
    out 0x43, al
    mov ax, 11932
    out 0x40, al
    mov al, ah
    out 0x40, al
    xor esi, esi
    mov edi, 0x600D                 ; a mark info registers can look for
    sti
.idle:
    hlt
    inc esi                         ; one more wake-up
    jmp .idle

tick:
    inc dword [0x500]
    push ax
    mov al, 0x20                    ; EOI
    out 0x20, al
    pop ax
    iret

banner: db "monitor guest: up", 10, 0

    times 0xFFF0 - ($ - $$) db 0
    jmp 0xF000:start                ; the reset vector
    times 0x10000 - ($ - $$) db 0
