; The hotplug suite's guest: a 64 KiB ROM for emu386-system -bios, a tiny
; NE2000 driver in real mode that copes with its card coming and going.
; Forever: look for an RTL8029 (10ec:8029) on PCI bus 0 through
; configuration mechanism #1; if there is one, enable its I/O space,
; initialise the DP8390 when the card (its I/O base) is new, send one
; 60-byte broadcast frame, and throw away what arrived (BNRY follows
; CURR).  Every 256 rounds it prints "R<rounds> F<found> T<sent>" in hex
; on the 0xE9 debug console: the test sees the guest alive and sending.
; Every wait is bounded: a card pulled in the middle of a sequence reads
; 0xFF everywhere, and the loop goes on.
    bits 16
    org 0

%define ROUNDS  0x500           ; dword counters in low RAM
%define FOUND   0x504
%define SENT    0x508
%define IOBASE  0x50C           ; word: the I/O base the DP8390 was set up at (0: none)

start:
    cli
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7000
    mov dword [ROUNDS], 0
    mov dword [FOUND], 0
    mov dword [SENT], 0
    mov word [IOBASE], 0
    mov si, banner
    call puts

main_loop:
    inc dword [ROUNDS]
    call find_card              ; DX = I/O base, CF clear; CF set: none
    jc .none
    inc dword [FOUND]
    cmp dx, [IOBASE]
    je .ready
    call nic_init               ; a new card (or one moved): set it up
    mov [IOBASE], dx
.ready:
    call nic_send
    call nic_drain
    jmp .report
.none:
    mov word [IOBASE], 0        ; the next card found is set up again
.report:
    test byte [ROUNDS], 0xFF
    jnz main_loop
    mov al, 'R'
    out 0xE9, al
    mov eax, [ROUNDS]
    call puthex
    mov al, ' '
    out 0xE9, al
    mov al, 'F'
    out 0xE9, al
    mov eax, [FOUND]
    call puthex
    mov al, ' '
    out 0xE9, al
    mov al, 'T'
    out 0xE9, al
    mov eax, [SENT]
    call puthex
    mov al, 10
    out 0xE9, al
    jmp main_loop

; find_card: scan bus 0's 32 slots, function 0.  DX = the I/O base of the
; first RTL8029 with an I/O BAR set, CF clear; CF set when there is none.
find_card:
    xor ebx, ebx                ; slot
.next:
    mov eax, ebx
    shl eax, 11
    or eax, 0x80000000
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    cmp eax, 0x802910EC
    je .found
    inc ebx
    cmp ebx, 32
    jb .next
    stc
    ret
.found:
    mov eax, ebx                ; command register: I/O space on
    shl eax, 11
    or eax, 0x80000004
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in ax, dx
    or ax, 1
    out dx, ax
    mov eax, ebx                ; BAR0
    shl eax, 11
    or eax, 0x80000010
    mov dx, 0xCF8
    out dx, eax
    mov dx, 0xCFC
    in eax, dx
    test al, 1                  ; an I/O BAR
    jz .nobar
    and eax, 0xFFFC
    jnz .assigned
    mov eax, 0xC000             ; unassigned (a -bios boot has no firmware to do it): ours
    out dx, eax
    in eax, dx
    and eax, 0xFFFC
    jz .nobar
.assigned:
    cmp ax, 0xFFFC              ; the card went away between the two reads
    je .nobar
    mov dx, ax
    clc
    ret
.nobar:
    stc
    ret

; outb to DX + offset (bl), value al; preserves dx
%macro nic_out 2
    push dx
    add dx, %1
    mov al, %2
    out dx, al
    pop dx
%endmacro

nic_init:
    push dx
    add dx, 0x1F                ; reset port: a read starts the reset
    in al, dx
    out dx, al
    pop dx
    nic_out 0x00, 0x21          ; page 0, stop, abort DMA
    nic_out 0x0E, 0x48          ; DCR: byte wide, normal, FIFO 8
    nic_out 0x0A, 0x00          ; RBCR
    nic_out 0x0B, 0x00
    nic_out 0x0C, 0x04          ; RCR: broadcasts
    nic_out 0x0D, 0x00          ; TCR: normal
    nic_out 0x01, 0x46          ; PSTART
    nic_out 0x02, 0x80          ; PSTOP
    nic_out 0x03, 0x46          ; BNRY
    nic_out 0x07, 0xFF          ; ISR: clear
    nic_out 0x0F, 0x00          ; IMR: polled, no interrupts
    nic_out 0x00, 0x61          ; page 1
    nic_out 0x07, 0x47          ; CURR
    nic_out 0x00, 0x22          ; page 0, start
    ret

; wait until ISR & bl, at most 4096 reads; then clear those bits
nic_wait_isr:
    push dx
    add dx, 0x07
    mov cx, 4096
.poll:
    in al, dx
    test al, bl
    jnz .done
    loop .poll
.done:
    mov al, bl
    out dx, al
    pop dx
    ret

nic_send:
    nic_out 0x0A, 60            ; remote byte count 60
    nic_out 0x0B, 0
    nic_out 0x08, 0x00          ; remote start 0x4000
    nic_out 0x09, 0x40
    nic_out 0x00, 0x12          ; remote write, start
    push dx
    add dx, 0x10                ; the data port
    mov si, frame
    mov cx, 60
.byte:
    mov al, [cs:si]
    out dx, al
    inc si
    loop .byte
    pop dx
    mov bl, 0x40                ; RDC
    call nic_wait_isr
    nic_out 0x04, 0x40          ; TPSR
    nic_out 0x05, 60            ; TBCR
    nic_out 0x06, 0
    nic_out 0x00, 0x26          ; transmit, start, abort DMA
    mov bl, 0x0A                ; PTX or TXE
    call nic_wait_isr
    inc dword [SENT]
    ret

; throw away what arrived: BNRY = CURR - 1 (with the ring's wrap)
nic_drain:
    nic_out 0x00, 0x62          ; page 1
    push dx
    add dx, 0x07
    in al, dx                   ; CURR
    pop dx
    mov ah, al
    nic_out 0x00, 0x22          ; page 0
    mov al, ah
    dec al
    cmp al, 0x46
    jae .ok
    mov al, 0x7F
.ok:
    push dx
    add dx, 0x03
    out dx, al                  ; BNRY
    add dx, 0x04
    mov al, 0x01                ; ISR: PRX acknowledged
    out dx, al
    pop dx
    ret

puts:
    mov al, [cs:si]
    test al, al
    jz .done
    out 0xE9, al
    inc si
    jmp puts
.done:
    ret

puthex:                         ; EAX as 8 hex digits
    mov cx, 8
.digit:
    rol eax, 4
    push eax
    and al, 0x0F
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '0' - 10
.out:
    out 0xE9, al
    pop eax
    loop .digit
    ret

banner: db "hotplug guest: looking for an RTL8029", 10, 0
frame:  db 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF      ; broadcast
        db 0x52, 0x54, 0x00, 0x12, 0x34, 0x56      ; source
        db 0x88, 0xB5                              ; local experimental ethertype
        db "emu386 hotplug guest frame"
        times 60 - ($ - frame) db 0

    times 0xFFF0 - ($ - $$) db 0
reset_vector:
    jmp 0xF000:start
    times 0x10000 - ($ - $$) db 0
