; flood: writes a fixed 64-byte line to COM1's THR without end; every
; 1024 lines (64 KiB) it writes "mark N" (N in hex) on COM2, the test's
; view of the guest's progress.
;   -DPOLL   wait for THRE (LSR bit 5) before each byte, as a driver does;
;            when THRE stays clear for 200000 reads it writes "stall N"
;            on COM2 once, then keeps waiting (a full transmitter is the
;            UART's answer to a backend that cannot take bytes)
;   without  write as fast as the CPU goes, never reading LSR (bytes a
;            full transmitter cannot take are lost, and counted)
; COM1 is whatever backend the test gives it; COM2 a file.
%include "rom.inc"
COM1 equ 0x3F8
COM2 equ 0x2F8
main:
        mov dx, COM1
        call uart_init
        mov dx, COM2
        call uart_init
        mov si, hello
        mov dx, COM2
        call puts_port
        xor ebp, ebp            ; 64 KiB blocks written
.block: mov cx, 1024            ; lines in a block
.line:  mov si, line
.byte:  cs lodsb
        test al, al
        jz .eol
%ifdef POLL
        mov bl, al
        xor edi, edi            ; LSR reads without THRE
        mov dx, COM1+5
.wait:  in al, dx
        test al, 0x20
        jnz .ready
        inc edi
        cmp edi, 200000
        jne .wait
        push si                 ; once per stall; the line pointer kept
        mov si, stall
        mov dx, COM2
        call puts_port
        mov eax, ebp
        call puthex
        mov al, 10
        out dx, al
        pop si
        mov dx, COM1+5
        jmp .wait
.ready: mov al, bl
        mov si, si
%endif
        mov dx, COM1
        out dx, al
        jmp .byte
.eol:   loop .line
        inc ebp
        mov dx, COM2
        mov si, mark
        call puts_port
        mov eax, ebp
        call puthex
        mov al, 10
        out dx, al
        jmp .block

; puthex: EAX as 8 hex digits to port DX
puthex:
        push cx
        push ebx
        mov ebx, eax
        mov cx, 8
.d:     rol ebx, 4
        mov al, bl
        and al, 15
        add al, '0'
        cmp al, '9'
        jbe .o
        add al, 'A'-'0'-10
.o:     out dx, al
        loop .d
        pop ebx
        pop cx
        ret

hello:  db "flood: started", 10, 0
mark:   db "mark ", 0
stall:  db "stall ", 0
line:   db "flood 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu", 10, 0
        ROM_END
