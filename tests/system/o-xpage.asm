; o-xpage: jumps into another linear page from hot code, with paging on.
; A block so linked may run only while the page still maps the frame its
; successor was translated from: emu386's native back end checks the TLB
; inline at each such jump, direct (a JMP rel32, the taken side of a Jcc,
; a CALL rel32, a block that runs over a page's end into the next) and
; indirect (JMP r32, JMP m32, CALL r32, a RET into the remapped page,
; whose hint links and jump cache it probes).  In a loop of 300 rounds
; the targets' pages are remapped to frames holding other code at round
; 150, their TLB entries invalidated and refilled at once by a read (so
; that the entry's tag matches again and only its frame tells the old
; mapping from the new), and mapped back at round 225, their entries then
; filled by aliases 4 MiB up that map the other frames (so that only the
; tag tells).  Each form adds 1 to its own register per round in the
; first frames and 0x10000 in the others.  Then a ring-3 loop jumps into
; a page that the supervisor makes its own and whose supervisor TLB entry
; it fills: the jump must fault.
%include "lib.inc"
    bits 32

S_FLAT  equ 0x40                   ; flat 32-bit code, base 0
S_FLAT3 equ 0x48                   ; the same for ring 3
PG      equ 0x400000               ; the test pages: PG + n*4K
FRAME   equ 0x100000               ; their frames: FRAME + n*4K (identity-mapped too)
CODE1   equ PG + 0x1000            ; the loop
CODE2   equ PG + 0x2000            ; the jump, branch and call targets
CODE3   equ PG + 0x3000            ; a block at its end runs into
CODE4   equ PG + 0x4000            ; this page
CODE5   equ PG + 0x5000            ; the indirect jumps' targets (a page of
                                   ; their own: their TLB entry is theirs)
CODE6   equ PG + 0x6000            ; ring 3's target, made supervisor-only
CODE7   equ PG + 0x7000            ; ring 3's loop
FA      equ FRAME + 0x2000         ; CODE2's frame, then
FB      equ FRAME + 0x7000
FD      equ FRAME + 0x4000         ; CODE4's frame, then
FE      equ FRAME + 0x8000
FG      equ FRAME + 0x9000         ; CODE5's frame, then
FH      equ FRAME + 0xA000
ALIAS   equ 0x400000               ; CODE2, 4 and 5 + ALIAS: FB, FE and FH, same TLB entries
ROUNDS  equ 300
ACC_JR  equ scratch                ; the indirect forms' sums
ACC_JM  equ scratch + 4
ACC_CR  equ scratch + 8
ACC_RET equ scratch + 12
JTAB    equ scratch + 16           ; JMP m32's target

; ADDJMP at, run, reg, k, target: at physical `at` (run at linear `run`),
; ADD reg, k then JMP rel32 to linear target
%macro ADDJMP 5
    mov byte [%1], 0x81
    mov byte [%1+1], 0xC0 + %3     ; ADD r32, imm32
    mov dword [%1+2], %4
    mov byte [%1+6], 0xE9
    mov dword [%1+7], (%5) - ((%2) + 11)
%endmacro
; ADDMJMP at, run, acc, k, target: ADD dword [acc], k then JMP rel32 to target
%macro ADDMJMP 5
    mov byte [%1], 0x81
    mov byte [%1+1], 0x05          ; ADD m32, imm32 (disp32)
    mov dword [%1+2], %3
    mov dword [%1+6], %4
    mov byte [%1+10], 0xE9
    mov dword [%1+11], (%5) - ((%2) + 15)
%endmacro
; ADDMRET at, acc, k: ADD dword [acc], k then RET
%macro ADDMRET 3
    mov byte [%1], 0x81
    mov byte [%1+1], 0x05
    mov dword [%1+2], %2
    mov dword [%1+6], %3
    mov byte [%1+10], 0xC3
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
; of CODE2 (CODE4's and CODE5's are 8 and 12 bytes on); the rel32 fields
; are filled in main
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
    mov eax, CODE5 + 0x400         ; JMP r32 (ADD [ACC_JR])
    jmp eax
lt_b4:
    jmp [JTAB]                     ; JMP m32 to CODE5+0x480 (ADD [ACC_JM])
lt_b5:
    mov eax, CODE5 + 0x380         ; CALL r32 (ADD [ACC_CR], RET)
    call eax
    db 0xE9                        ; JMP rel32 CODE5+0x500: a CALL of lt_ret, whose
lt_r: dd 0                         ; RET goes back into CODE5 (ADD [ACC_RET])
lt_b6:
    cmp ecx, 150
    jne lt_back
    mov dword [edi], FB | 3        ; CODE2, 4 and 5 to their other frames
    mov dword [edi+8], FE | 3
    mov dword [edi+12], FH | 3
    invlpg [CODE2]
    invlpg [CODE4]
    invlpg [CODE5]
    mov eax, [CODE2]               ; and the TLB entries filled again
    mov eax, [CODE4]
    mov eax, [CODE5]
    jmp short lt_next
lt_back:
    cmp ecx, 225
    jne lt_next
    mov dword [edi], FA | 3        ; back to the first frames; the TLB entries
    mov dword [edi+8], FD | 3      ; then hold the aliases 4 MiB up (the same
    mov dword [edi+12], FG | 3     ; entries), which map the other frames
    invlpg [CODE2]
    invlpg [CODE4]
    invlpg [CODE5]
    mov eax, [CODE2 + ALIAS]
    mov eax, [CODE4 + ALIAS]
    mov eax, [CODE5 + ALIAS]
lt_next:
    inc ecx
    cmp ecx, ROUNDS
    jb lt_loop
    retf
lt_ret:
    ret
lt_end:

; ring 3's loop, copied to CODE7: a JMP rel32 into CODE6, which the
; supervisor makes its own at round 150 (INT 0x31), filling its TLB entry
; for CODE6 but not the user's: the next jump faults (#PF, resumed at l3_out)
l3:
    xor ecx, ecx
    xor edx, edx
l3_loop:
    db 0xE9                        ; JMP rel32 CODE6+0x100 (ADD EDX, 1)
l3_j: dd 0
l3_b1:
    cmp ecx, 150
    jne l3_next
    int 0x31
l3_next:
    inc ecx
    cmp ecx, ROUNDS
    jb l3_loop
l3_out:
    int 0x30
l3_end:

ring3_back:                        ; INT 0x30 from ring 3: back to ring 0
    RING3_BACK

make_supervisor:                   ; INT 0x31: CODE6 for the supervisor only
    push ds                        ; (ring 3 runs with DS null)
    push eax
    push edi
    mov ax, SEL_DATA
    mov ds, ax
    mov eax, CODE6
    call pte_of
    and dword [edi], ~4
    invlpg [CODE6]
    mov eax, [CODE6]               ; its supervisor TLB entry filled again
    pop edi
    pop eax
    pop ds
    iretd

main:
    SETDESC S_FLAT, 0, 0xFFFFF, 0x9B, 0xC
    SETDESC S_FLAT3, 0, 0xFFFFF, 0xFB, 0xC
    mov eax, 7
    call pg_init
    MAP 1, 1, 3
    MAP 2, 2, 3
    MAP 3, 3, 3
    MAP 4, 4, 3
    MAP 5, 9, 3
    MAP 6, 0xB, 7
    MAP 7, 0xC, 7
    mov eax, CODE2 + ALIAS
    mov ecx, FB | 3
    call map4k
    mov eax, CODE4 + ALIAS
    mov ecx, FE | 3
    call map4k
    mov eax, CODE5 + ALIAS
    mov ecx, FH | 3
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
    mov dword [FRAME + 0x1000 + (lt_r - lt)], (CODE5 + 0x500) - (CODE1 + (lt_r - lt) + 4)
    mov dword [JTAB], CODE5 + 0x480
    xor eax, eax
    mov [ACC_JR], eax
    mov [ACC_JM], eax
    mov [ACC_CR], eax
    mov [ACC_RET], eax
    ; the targets in both frames of CODE2 and of CODE4
    ADDJMP FA + 0x100, CODE2 + 0x100, R_EDX, 1, CODE1 + (lt_b1 - lt)
    ADDJMP FB + 0x100, CODE2 + 0x100, R_EDX, 0x10000, CODE1 + (lt_b1 - lt)
    ADDJMP FA + 0x200, CODE2 + 0x200, R_EBX, 1, CODE1 + (lt_b2 - lt)
    ADDJMP FB + 0x200, CODE2 + 0x200, R_EBX, 0x10000, CODE1 + (lt_b2 - lt)
    ADDRET FA + 0x300, R_ESI, 1
    ADDRET FB + 0x300, R_ESI, 0x10000
    ADDMJMP FG + 0x400, CODE5 + 0x400, ACC_JR, 1, CODE1 + (lt_b4 - lt)
    ADDMJMP FH + 0x400, CODE5 + 0x400, ACC_JR, 0x10000, CODE1 + (lt_b4 - lt)
    ADDMJMP FG + 0x480, CODE5 + 0x480, ACC_JM, 1, CODE1 + (lt_b5 - lt)
    ADDMJMP FH + 0x480, CODE5 + 0x480, ACC_JM, 0x10000, CODE1 + (lt_b5 - lt)
    ADDMRET FG + 0x380, ACC_CR, 1
    ADDMRET FH + 0x380, ACC_CR, 0x10000
    %assign f FG                   ; CALL rel32 lt_ret, then the RET's target
    %rep 2
    mov byte [f + 0x500], 0xE8
    mov dword [f + 0x501], (CODE1 + (lt_ret - lt)) - (CODE5 + 0x505)
    %assign f FH
    %endrep
    ADDMJMP FG + 0x505, CODE5 + 0x505, ACC_RET, 1, CODE1 + (lt_b6 - lt)
    ADDMJMP FH + 0x505, CODE5 + 0x505, ACC_RET, 0x10000, CODE1 + (lt_b6 - lt)
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
    PRINTF `jmp r32: %8  jmp m32: %8  call r32: %8  ret: %8\n`, dword [ACC_JR], dword [ACC_JM], dword [ACC_CR], dword [ACC_RET]

    ; --- ring 3: a jump into a page only the supervisor's TLB entry allows ---
    mov esi, ROMLIN + l3
    mov edi, FRAME + 0xC000
    mov ecx, l3_end - l3
    rep movsb
    mov dword [FRAME + 0xC000 + (l3_j - l3)], (CODE6 + 0x100) - (CODE7 + (l3_j - l3) + 4)
    ADDJMP FRAME + 0xB100, CODE6 + 0x100, R_EDX, 1, CODE7 + (l3_b1 - l3)
    SETGATE 0x30, SEL_CODE, ring3_back, 0xEE
    SETGATE 0x31, SEL_CODE, make_supervisor, 0xEE
    mov dword [scratch+60], .back0
    mov dword [exc_vec], 0xFFFFFFFF
    mov dword [resume], CODE7 + (l3_out - l3)
    push dword SEL_DATA3
    push dword STACK3
    push dword 0x3002
    push dword S_FLAT3 | 3
    push dword CODE7
    iretd
.back0:
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 jmp rel32 into a page made the supervisor's: round %d vec=%2 err=%8 cr2=PG+%5 edx=%8\n`, ecx, dword [exc_vec], dword [exc_err], eax, edx
    DONE 0
    ROM_END
