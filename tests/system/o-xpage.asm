; o-xpage: direct jumps into another linear page from hot code, with
; paging on.  A block so linked may run only while the page still maps
; the frame its successor was translated from: emu386's native back end
; checks the TLB inline at each such jump (a JMP rel32, the taken side of
; a Jcc, a CALL rel32, and a block that runs over a page's end into the
; next).  In a loop of 300 rounds the four targets' pages are remapped to
; frames holding other code at round 150, their TLB entries invalidated
; and refilled at once by a read (so that the entry's tag matches again
; and only its frame tells the old mapping from the new), and mapped back
; at round 225, their entries then filled by aliases 4 MiB up that map the
; other frames (so that only the tag tells).  Each form adds 1 to its own
; register per round in the first frames and 0x10000 in the others.
%include "lib.inc"
    bits 32

S_FLAT  equ 0x40                   ; flat 32-bit code, base 0
PG      equ 0x400000               ; the test pages: PG + n*4K
FRAME   equ 0x100000               ; their frames: FRAME + n*4K (identity-mapped too)
CODE1   equ PG + 0x1000            ; the loop
CODE2   equ PG + 0x2000            ; the jump, branch and call targets
CODE3   equ PG + 0x3000            ; a block at its end runs into
CODE4   equ PG + 0x4000            ; this page
FA      equ FRAME + 0x2000         ; CODE2's frame, then
FB      equ FRAME + 0x7000
FD      equ FRAME + 0x4000         ; CODE4's frame, then
FE      equ FRAME + 0x8000
ALIAS   equ 0x400000               ; CODE2 and CODE4 + ALIAS: FB and FE, same TLB entries
ROUNDS  equ 300

; ADDJMP at, run, reg, k, target: at physical `at` (run at linear `run`),
; ADD reg, k then JMP rel32 to linear target
%macro ADDJMP 5
    mov byte [%1], 0x81
    mov byte [%1+1], 0xC0 + %3     ; ADD r32, imm32
    mov dword [%1+2], %4
    mov byte [%1+6], 0xE9
    mov dword [%1+7], (%5) - ((%2) + 11)
%endmacro
; ADDRET at, reg, k: ADD reg, k then RET
%macro ADDRET 3
    mov byte [%1], 0x81
    mov byte [%1+1], 0xC0 + %2
    mov dword [%1+2], %3
    mov byte [%1+6], 0xC3
%endmacro
R_EDX equ 2
R_EBX equ 3
R_EBP equ 5
R_ESI equ 6

; the loop, copied to CODE1 and called there through S_FLAT; EDI: the PTE
; of CODE2 (CODE4's is 8 bytes on); the rel32 fields are filled in main
lt:
    xor ecx, ecx
    xor edx, edx
    xor ebx, ebx
    xor esi, esi
    xor ebp, ebp
lt_loop:
    db 0xE9                        ; JMP rel32 CODE2+0x100 (ADD EDX)
lt_j: dd 0
lt_b1:
    cmp ecx, ROUNDS + 1            ; always taken: to CODE2+0x200 (ADD EBX)
    db 0x0F, 0x82                  ; JB rel32
lt_c: dd 0
lt_b2:
    db 0xE8                        ; CALL rel32 CODE2+0x300 (ADD ESI, RET)
lt_k: dd 0
    db 0xE9                        ; JMP rel32 CODE3+0xFFA (ADD EBP over the page end)
lt_f: dd 0
lt_b3:
    cmp ecx, 150
    jne lt_back
    mov dword [edi], FB | 3        ; CODE2 and CODE4 to their other frames
    mov dword [edi+8], FE | 3
    invlpg [CODE2]
    invlpg [CODE4]
    mov eax, [CODE2]               ; and the TLB entries filled again
    mov eax, [CODE4]
    jmp short lt_next
lt_back:
    cmp ecx, 225
    jne lt_next
    mov dword [edi], FA | 3        ; back to the first frames; the TLB entries
    mov dword [edi+8], FD | 3      ; then hold the aliases 4 MiB up (the same
    invlpg [CODE2]                 ; entries), which map the other frames
    invlpg [CODE4]
    mov eax, [CODE2 + ALIAS]
    mov eax, [CODE4 + ALIAS]
lt_next:
    inc ecx
    cmp ecx, ROUNDS
    jb lt_loop
    retf
lt_end:

main:
    SETDESC S_FLAT, 0, 0xFFFFF, 0x9B, 0xC
    mov eax, 3
    call pg_init
    MAP 1, 1, 3
    MAP 2, 2, 3
    MAP 3, 3, 3
    MAP 4, 4, 3
    mov eax, CODE2 + ALIAS
    mov ecx, FB | 3
    call map4k
    mov eax, CODE4 + ALIAS
    mov ecx, FE | 3
    call map4k
    ; the loop, its jumps' targets filled in
    mov esi, ROMLIN + lt
    mov edi, FRAME + 0x1000
    mov ecx, lt_end - lt
    rep movsb
    mov dword [FRAME + 0x1000 + (lt_j - lt)], (CODE2 + 0x100) - (CODE1 + (lt_j - lt) + 4)
    mov dword [FRAME + 0x1000 + (lt_c - lt)], (CODE2 + 0x200) - (CODE1 + (lt_c - lt) + 4)
    mov dword [FRAME + 0x1000 + (lt_k - lt)], (CODE2 + 0x300) - (CODE1 + (lt_k - lt) + 4)
    mov dword [FRAME + 0x1000 + (lt_f - lt)], (CODE3 + 0xFFA) - (CODE1 + (lt_f - lt) + 4)
    ; the targets in both frames of CODE2 and of CODE4
    ADDJMP FA + 0x100, CODE2 + 0x100, R_EDX, 1, CODE1 + (lt_b1 - lt)
    ADDJMP FB + 0x100, CODE2 + 0x100, R_EDX, 0x10000, CODE1 + (lt_b1 - lt)
    ADDJMP FA + 0x200, CODE2 + 0x200, R_EBX, 1, CODE1 + (lt_b2 - lt)
    ADDJMP FB + 0x200, CODE2 + 0x200, R_EBX, 0x10000, CODE1 + (lt_b2 - lt)
    ADDRET FA + 0x300, R_ESI, 1
    ADDRET FB + 0x300, R_ESI, 0x10000
    ; ADD EBP, 0x100 in the last 6 bytes of CODE3: its block ends there
    mov byte [FRAME + 0x3FFA], 0x81
    mov byte [FRAME + 0x3FFB], 0xC0 + R_EBP
    mov dword [FRAME + 0x3FFC], 0x100
    ADDJMP FD, CODE4, R_EBP, 1, CODE1 + (lt_b3 - lt)
    ADDJMP FE, CODE4, R_EBP, 0x10000, CODE1 + (lt_b3 - lt)
    PAGING_ON
    mov eax, CODE2
    call pte_of
    call S_FLAT:CODE1
    sub ebp, ROUNDS * 0x100
    PRINTF `jmp rel32: edx=%8  jcc: ebx=%8  call rel32: esi=%8  over a page end: ebp=%8\n`, edx, ebx, esi, ebp
    DONE 0
    ROM_END
