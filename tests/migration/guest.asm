; guest.asm: the migration scenarios' guest (tests/migration/test_migration.py),
; a test kernel in the shape of tests/system (lib.inc, 32-bit protected mode).
;
; Each round it rewrites a 32 KiB chunk of the 1 MiB pattern area at 1 MiB
; (the chunk and its values follow the round number), writes the page at
; 0x80000 on odd rounds and clears it again on even ones (so a snapshot may
; find it zero after it held data), adds 1.5 to the x87's ST0, and prints a
; line with the round, the timer ticks (IRQ 0 from the PIT at about 1 kHz),
; a rolling sum of the pattern area, the OR of every 16th dword of 2-4 MiB
; (never written: it must stay zero, whatever the destination's heap
; holds), the sum of the page at 0x80000 and twice ST0.  Run with -m 4M and
; -icount: the transcript is then a function of the instruction count
; only, so a run resumed from a snapshot must print exactly the rest of an
; uninterrupted run's transcript.
%include "lib.inc"
    bits 32

ticks   equ scratch
round   equ scratch+4
fpuout  equ scratch+8

PAT_BASE  equ 0x100000
PAT_SIZE  equ 0x100000
ZERO_BASE equ 0x200000
ZERO_SIZE equ 0x200000
FLIP_PAGE equ 0x80000
CHUNK     equ 0x8000
ROUNDS    equ 24

irq0:
    push eax
    inc dword [ticks]
    mov al, 0x20                   ; non-specific EOI
    out 0x20, al
    pop eax
    iretd

onehalf: dd 1.5

main:
    mov al, 0x11                   ; the PICs: master 0x20, slave 0x28 on IRQ 2
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
    SETGATE 0x20, SEL_CODE, irq0, 0x8E
    mov al, 0x34                   ; PIT channel 0, mode 2, count 1193
    out 0x43, al
    mov al, 1193 & 0xFF
    out 0x40, al
    mov al, 1193 >> 8
    out 0x40, al
    mov dword [ticks], 0
    mov dword [round], 0
    fninit
    fldz
    sti
.round:
    mov eax, [round]               ; the chunk of this round, its values
    and eax, 31
    shl eax, 15
    lea edi, [eax + PAT_BASE]
    mov ecx, CHUNK / 4
    mov ebx, [round]
    imul ebx, ebx, 0x9E3779B9
.fill:
    mov [edi], ebx
    add ebx, 0x01000193
    add edi, 4
    dec ecx
    jnz .fill
    mov edi, FLIP_PAGE             ; odd rounds: data; even rounds: zero again
    mov ecx, 1024
    xor eax, eax
    test byte [round], 1
    jz .flip
    mov eax, [round]
    or eax, 0x80000000
.flip:
    rep stosd
    xor edx, edx                   ; rolling sum of the pattern area
    mov esi, PAT_BASE
    mov ecx, PAT_SIZE / 4
.sum:
    add edx, [esi]
    rol edx, 1
    add esi, 4
    dec ecx
    jnz .sum
    xor ebx, ebx                   ; the area nobody writes
    mov esi, ZERO_BASE
    mov ecx, ZERO_SIZE / 64
.zero:
    or ebx, [esi]
    add esi, 64
    dec ecx
    jnz .zero
    xor eax, eax                   ; the flipping page
    mov esi, FLIP_PAGE
    mov ecx, 1024
.page:
    add eax, [esi]
    add esi, 4
    dec ecx
    jnz .page
    fadd dword [cs:onehalf]
    fld st0
    fadd st0, st0
    fistp dword [fpuout]
    PRINTF `round %d ticks=%d sum=%8 zero=%8 page=%8 fpu2=%d\n`, dword [round], dword [ticks], edx, ebx, eax, dword [fpuout]
    inc dword [round]
    cmp dword [round], ROUNDS
    jb .round
    cli
    DONE 0

    ROM_END
