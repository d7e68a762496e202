; f-pit: the 8259A PIC pair and the 8254 PIT: initialisation (ICW1-4),
; PIT channel 0 in mode 2 on IRQ 0, STI;HLT woken by each tick, EOI, the
; IRR and ISR through OCW3, masking in the IMR, an unacknowledged IRQ
; blocking the next one.  Timing-dependent values are never printed: the
; kernel polls the IRR instead of counting loop iterations.
%include "lib.inc"
    bits 32

ticks equ scratch

irq0:                              ; with EOI
    push eax
    inc dword [ticks]
    mov al, 0x0B                   ; OCW3: read the ISR
    out 0x20, al
    in al, 0x20
    mov [scratch+4], al
    mov al, 0x20                   ; non-specific EOI
    out 0x20, al
    pop eax
    iretd
irq0_noeoi:
    inc dword [ticks]
    iretd

; wait until IRR bit 0 is set (bounded); CF=1 on timeout
wait_irr0:
    push ecx
    push eax
    mov ecx, 200000000
.l: mov al, 0x0A                   ; OCW3: read the IRR
    out 0x20, al
    in al, 0x20
    test al, 1
    jnz .ok
    dec ecx
    jnz .l
    stc
.ok:
    pop eax
    pop ecx
    ret

main:
    ; the PICs: master at 0x20, slave at 0x28 on IRQ 2
    mov al, 0x11
    out 0x20, al
    out 0xA0, al
    mov al, 0x20
    out 0x21, al
    mov al, 0x28
    out 0xA1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xA1, al
    mov al, 0x01
    out 0x21, al
    out 0xA1, al
    mov al, 0xFE                   ; IRQ 0 only
    out 0x21, al
    mov al, 0xFF
    out 0xA1, al
    in al, 0x21
    mov bl, al
    in al, 0xA1
    PRINTF `pic: imr master=%2 slave=%2\n`, ebx, eax
    SETGATE 0x20, SEL_CODE, irq0, 0x8E
    ; PIT channel 0, mode 2, lobyte/hibyte, 1193 (about 1 kHz)
    mov al, 0x34
    out 0x43, al
    mov al, 1193 & 0xFF
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    mov dword [ticks], 0
    mov ecx, 10
.hlt:
    sti
    hlt
    cli
    loop .hlt
    movzx eax, byte [scratch+4]
    PRINTF `10 x sti;hlt: ticks=%d isr in the handler=%2\n`, dword [ticks], eax
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    PRINTF `isr after the eoi: %2\n`, eax
    ; the counter: latch and read, always within 1..1193
    mov al, 0x00
    out 0x43, al
    in al, 0x40
    mov ah, al
    in al, 0x40
    xchg al, ah
    movzx eax, ax
    xor ecx, ecx
    cmp eax, 1193
    ja .range
    cmp eax, 1
    jb .range
    inc ecx
.range:
    PRINTF `pit latch: count within 1..1193: %d\n`, ecx
    ; masked: IRR latches, nothing is delivered; unmasking delivers it
    mov al, 0xFF
    out 0x21, al
    mov dword [ticks], 0
    sti
    xor ebx, ebx
    call wait_irr0
    setc bl
    nop
    nop
    cli
    PRINTF `masked: irr timeout=%d, ticks while masked=%d\n`, ebx, dword [ticks]
    sti
    mov al, 0xFE
    out 0x21, al
    nop
    nop
    cli
    PRINTF `unmasked: ticks=%d\n`, dword [ticks]
    ; no EOI: the ISR bit blocks the next IRQ 0
    SETGATE 0x20, SEL_CODE, irq0_noeoi, 0x8E
    mov dword [ticks], 0
    sti
    hlt
    cli
    xor ebx, ebx
    call wait_irr0
    setc bl
    sti
    nop
    nop
    cli
    mov al, 0x0B
    out 0x20, al
    in al, 0x20
    PRINTF `no eoi: ticks=%d isr=%2 irr timeout=%d\n`, dword [ticks], eax, ebx
    mov al, 0x60                   ; specific EOI for IRQ 0
    out 0x20, al
    sti
    nop
    nop
    cli
    PRINTF `specific eoi: pending irq delivered, ticks=%d\n`, dword [ticks]
    ; the interrupt shadow of STI: an IRQ pending before STI is taken after
    ; the instruction that follows it
    mov al, 0x20
    out 0x20, al
    SETGATE 0x20, SEL_CODE, irq0, 0x8E
    call wait_irr0
    mov dword [ticks], 0
    sti
    mov ebx, [ticks]               ; still in the shadow
    mov ecx, [ticks]
    cli
    PRINTF `sti shadow: ticks after sti;mov=%d after the next=%d\n`, ebx, ecx
    ; stop the PIT: mode 0 with a long count, mask everything
    mov al, 0x30
    out 0x43, al
    mov al, 0xFF
    out 0x40, al
    out 0x40, al
    out 0x21, al
    DONE 0
    ROM_END
