; k-smc: self-modifying code through an alias mapping: two linear pages map
; one physical page; code is written through one and executed through the
; other, again and again, and a routine in the page rewrites an
; instruction ahead of itself through the other alias.  Translated code
; must follow every store to its physical page.
%include "lib.inc"
    bits 32

S_FLAT  equ 0x40                   ; flat 32-bit code, base 0
W       equ 0x400000               ; the writable alias
X       equ 0x401000               ; the executed alias
FRAME   equ 0x180000

; the template copied into the page: mov eax, imm32; retf
tmpl:
    mov eax, 0x11111111
    retf
tmpl_end:
; a routine that patches its own next instruction through W:
; at X+0x100: mov dword [W+0x100+patch-self+1], ecx ; jmp short $+2 ; mov eax, imm ; retf
self:
    mov [W+0x100+(self_imm-self)], ecx
    jmp short .j
.j:
self_mov:
    db 0xB8                        ; mov eax, imm32
self_imm:
    dd 0x22222222
    retf
self_end:

main:
    SETDESC S_FLAT, 0, 0xFFFFF, 0x9B, 0xC
    mov eax, 3
    call pg_init
    mov eax, W
    mov ecx, FRAME | 3
    call map4k
    mov eax, X
    mov ecx, FRAME | 3
    call map4k
    PAGING_ON
    ; copy the template through W
    mov esi, ROMLIN + tmpl
    mov edi, W
    mov ecx, tmpl_end - tmpl
    rep movsb
    mov esi, ROMLIN + self
    mov edi, W + 0x100
    mov ecx, self_end - self
    rep movsb
    call S_FLAT:X
    PRINTF `first call through X: eax=%8\n`, eax
    mov ebx, 0x10000000
    mov edx, 5
.again:
    add ebx, 0x01010101
    mov [W+1], ebx                 ; patch the immediate through W
    call S_FLAT:X
    PRINTF `patched through W to %8, X runs: eax=%8\n`, ebx, eax
    dec edx
    jnz .again
    ; patch the opcode: mov eax -> mov ecx (B9), eax stays
    mov byte [W], 0xB9
    mov eax, 0x5A5A5A5A
    call S_FLAT:X
    PRINTF `opcode patched to mov ecx: eax=%8 ecx=%8\n`, eax, ecx
    ; the routine that rewrites its own next instruction
    mov ecx, 0x33333333
    call S_FLAT:X+0x100
    PRINTF `self-patching routine, run 1: eax=%8\n`, eax
    mov ecx, 0x44444444
    call S_FLAT:X+0x100
    PRINTF `self-patching routine, run 2: eax=%8\n`, eax
    ; a store through the executed alias itself, same page
    mov byte [X], 0xB8
    mov dword [X+1], 0x55555555
    call S_FLAT:X
    PRINTF `patched through X itself: eax=%8\n`, eax
    ; remap X to another frame holding other code: a TLB flush suffices
    mov esi, ROMLIN + tmpl
    mov edi, FRAME + 0x1000
    mov ecx, tmpl_end - tmpl
    rep movsb
    mov dword [FRAME + 0x1001], 0x66666666
    mov eax, X
    mov ecx, (FRAME + 0x1000) | 3
    call map4k
    invlpg [X]
    call S_FLAT:X
    PRINTF `X remapped to another frame: eax=%8\n`, eax
    DONE 0
    ROM_END
