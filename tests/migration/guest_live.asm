; guest_live.asm: the live-migration scenarios' guest (tests/migration/
; test_live.py), a test kernel in the shape of tests/system (lib.inc,
; 32-bit protected mode, no interrupts).
;
; It rewrites the 256 pages at 1 MiB one after another (page 97*i mod 256
; at iteration i), each time with the next generation of that page's
; contents: even generations by REP STOSD (one value), odd ones by a loop
; of MOVs (a value that grows along the page), so both the string-op and
; the ordinary store paths write guest RAM.  A table at 0x20000 holds each
; page's generation.  Every 256 iterations it checks every page against
; its generation and that 2-4 MiB (never written) is still zero, and
; prints `pass N ok sum=X` (X a checksum of the 1 MiB) or `pass N FAIL
; page=P zero=Z`.  What it prints depends only on the pass number, never
; on time or on where a migration switched over: a source's transcript
; followed by its destination's equals an uninterrupted run's, and a page
; the migration lost or a destination's non-zero heap shows as FAIL.
; The check stores to a heartbeat dword (outside what it sums) for every
; page and every 64 KiB of the zero area: a migration round that falls
; wholly inside the check would otherwise find nothing dirty, and with a
; downtime limit of 0 the migration would complete when the scenario
; needs it live (seen on a fast host: 'completed' after 6 rounds, the
; guest at its tenth pass of 400).
%include "lib.inc"
    bits 32

iter    equ scratch
passno  equ scratch+4
bad     equ scratch+8
beat    equ scratch+12

GEN       equ 0x20000
WORK      equ 0x100000
NPAGES    equ 256
ZERO_BASE equ 0x200000
ZERO_SIZE equ 0x200000
%ifndef PASSES
PASSES    equ 150
%endif
STEP      equ 0x01000193

; eax = the first dword of page edx at generation ebx (0 for generation 0)
seed:
    xor eax, eax
    test ebx, ebx
    jz .zero
    push ecx
    mov eax, ebx
    imul eax, eax, 0x9E3779B9
    mov ecx, edx
    imul ecx, ecx, 0x85EBCA6B
    add eax, ecx
    pop ecx
.zero:
    ret

verify:
    xor esi, esi                   ; the checksum
    mov dword [bad], 0xFFFFFFFF    ; the first page found wrong
    xor edx, edx
.page:
    mov [beat], edx                ; dirties a page while the check runs
    mov ebx, [GEN + edx*4]
    call seed
    xor ebp, ebp                   ; what each dword adds: STEP for odd generations
    test bl, 1
    jz .go
    mov ebp, STEP
.go:
    mov edi, edx
    shl edi, 12
    add edi, WORK
    mov ecx, 1024
.dw:
    cmp [edi], eax
    je .next
    cmp dword [bad], 0xFFFFFFFF
    jne .next
    mov [bad], edx
.next:
    add esi, [edi]
    rol esi, 1
    add eax, ebp
    add edi, 4
    dec ecx
    jnz .dw
    inc edx
    cmp edx, NPAGES
    jb .page
    xor ebx, ebx                   ; the area nobody writes
    mov edi, ZERO_BASE
    mov ecx, ZERO_SIZE / 64
.z:
    test ecx, 1023
    jnz .zr
    mov [beat], ecx
.zr:
    or ebx, [edi]
    add edi, 64
    dec ecx
    jnz .z
    cmp dword [bad], 0xFFFFFFFF
    jne .fail
    test ebx, ebx
    jnz .fail
    PRINTF `pass %d ok sum=%8\n`, dword [passno], esi
    ret
.fail:
    PRINTF `pass %d FAIL page=%8 zero=%8\n`, dword [passno], dword [bad], ebx
    ret

main:
    mov dword [iter], 0
    mov dword [passno], 0
.iter:
    mov edx, [iter]
    imul edx, edx, 97
    and edx, NPAGES - 1            ; the page of this iteration
    inc dword [GEN + edx*4]
    mov ebx, [GEN + edx*4]
    call seed
    mov edi, edx
    shl edi, 12
    add edi, WORK
    mov ecx, 1024
    test bl, 1
    jnz .loop
    rep stosd
    jmp .filled
.loop:
    mov [edi], eax
    add eax, STEP
    add edi, 4
    dec ecx
    jnz .loop
.filled:
    inc dword [iter]
    test dword [iter], 255
    jnz .iter
    call verify
    inc dword [passno]
    cmp dword [passno], PASSES
    jb .iter
    DONE 0

    ROM_END
