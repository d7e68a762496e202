; n-x87-fault: x87 stores to memory that faults (#PF: a page not present,
; a read-only page with CR0.WP) leave the FPU as it was -- the status
; word's C1 and sticky flags, TOP (no pop) -- as the fault is precise;
; then the same stores to a writable page, which set them.  ST(0) is 1/3:
; every store to a narrower format is inexact (PE) and rounds.
%include "lib.inc"
    bits 32

PG      equ 0x400000               ; page 0 not present, page 1 read-only, page 2 writable
FRAME   equ 0x100000

; TRY a store, then print the exception and the status word
%macro STORE 2+
    fnclex
    TRY %2
    fnstsw ax
    movzx eax, ax
    PRINTF %1, dword [exc_vec], dword [exc_err], eax
%endmacro

main:
    mov eax, 3
    call pg_init
    mov eax, PG
    xor ecx, ecx
    call map4k
    mov eax, PG+0x1000
    mov ecx, FRAME | 1
    call map4k
    mov eax, PG+0x2000
    mov ecx, (FRAME + 0x1000) | 3
    call map4k
    PAGING_ON
    mov eax, cr0
    or eax, 1 << 16                ; WP: the read-only page faults at CPL 0 too
    and eax, ~0xC                  ; no EM, no TS
    mov cr0, eax
    fninit
    mov dword [scratch], 3
    fld1
    fild dword [scratch]
    fdivp st1, st0                 ; ST(0) = 1/3, TOP = 7
    STORE `fst m64, not present: vec=%2 err=%8 sw=%4\n`, fst qword [PG+0x10]
    STORE `fstp m64, read-only: vec=%2 err=%8 sw=%4\n`, fstp qword [PG+0x1010]
    STORE `fst m32, not present: vec=%2 err=%8 sw=%4\n`, fst dword [PG+0x10]
    STORE `fstp m32, read-only: vec=%2 err=%8 sw=%4\n`, fstp dword [PG+0x1010]
    STORE `fist m32, not present: vec=%2 err=%8 sw=%4\n`, fist dword [PG+0x10]
    STORE `fistp m16, read-only: vec=%2 err=%8 sw=%4\n`, fistp word [PG+0x1010]
    STORE `fistp m64, not present: vec=%2 err=%8 sw=%4\n`, fistp qword [PG+0x10]
    ; across a page: the second page faults, the first is writable
    STORE `fst m64 across writable|not present: vec=%2 err=%8 sw=%4\n`, fst qword [PG+0x2FFC]
    ; FSTP m80 and FBSTP with C1 clear first (FXAM: C1 = the sign):
    ; Bochs clears C1 for FSTP m80 before its write, so also when it
    ; faults; the sticky flags and TOP are what these lines test
    fxam
    STORE `fstp m80, read-only (C1 was 0): vec=%2 err=%8 sw=%4\n`, fstp tword [PG+0x1010]
    STORE `fbstp, not present (C1 was 0): vec=%2 err=%8 sw=%4\n`, fbstp tword [PG+0x10]
    ; the same stores where they may write
    STORE `fst m64, writable: vec=%2 err=%8 sw=%4\n`, fst qword [PG+0x2010]
    STORE `fst m32, writable: vec=%2 err=%8 sw=%4\n`, fst dword [PG+0x2020]
    STORE `fist m32, writable: vec=%2 err=%8 sw=%4\n`, fist dword [PG+0x2030]
    STORE `fstp m64, writable: vec=%2 err=%8 sw=%4\n`, fstp qword [PG+0x2040]
    mov eax, [PG+0x2010]
    mov ebx, [PG+0x2014]
    mov ecx, [PG+0x2020]
    mov edx, [PG+0x2030]
    PRINTF `stored: m64=%8%8 m32=%8 int=%8\n`, ebx, eax, ecx, edx
    mov eax, [PG+0x2ffc]
    PRINTF `the writable half of the faulting store: %8\n`, eax
    DONE 0
    ROM_END
