; bench/migrate.sh's idle guest: a 64 KiB BIOS image for emu386-system and
; qemu-system-i386 alike.  Real mode: IRQ 0 from the PIT at 100 Hz counts
; ticks at 0x500; otherwise the CPU sits in HLT.  It writes one page of
; RAM (the IVT, the stack and its counter share page 0): the rest of the
; guest's RAM is never touched.
    bits 16
    org 0
start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov word [0x20], tick       ; IVT[8] = F000:tick
    mov word [0x22], 0xF000
    mov al, 0x11                ; PIC: ICW1-4, only IRQ 0 unmasked
    out 0x20, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x01
    out 0x21, al
    mov al, 0xFE
    out 0x21, al
    mov al, 0x34                ; PIT 0: mode 2, 11932 (100 Hz)
    out 0x43, al
    mov al, 0x9C
    out 0x40, al
    mov al, 0x2E
    out 0x40, al
    sti
idle:
    hlt
    jmp idle
tick:
    push ax
    inc word [0x500]
    mov al, 0x20
    out 0x20, al
    pop ax
    iret
    times 0xFFF0 - ($ - $$) db 0
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0
