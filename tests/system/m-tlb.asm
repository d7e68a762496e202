; m-tlb: memory accesses in hot loops, so that emu386's native back end
; runs them as host code through the soft TLB (a loop of 300 rounds is
; translated after its second): every inline load, store and
; read-modify-write form, a segment with a base, accesses across two pages
; whose frames are not adjacent, a user-mode loop that reaches a page only
; the supervisor has touched, a write to a read-only page after many
; reads, the first writes to clean pages (the dirty bit), a page remapped
; inside the loop, a stack that runs off its page, and stores into a page
; that holds the code doing them.
%include "lib.inc"
    bits 32

S_FLAT  equ 0x40                   ; flat 32-bit code, base 0
S_BASED equ 0x48                   ; data, base PG, limit 4 GiB
PG      equ 0x400000               ; the test pages: PG + n*4K
FRAME   equ 0x100000               ; their frames: FRAME + n*4K
W       equ PG + 0x30000           ; the code page's writable alias
X       equ PG + 0x31000           ; and its executed alias
ROUNDS  equ 300


ring3_back:                        ; INT 0x30 from ring 3: back to ring 0
    RING3_BACK

add3:
    add edx, 3
    ret

; copied to the code page, run through X: adds its own patched immediate
smc_tmpl:
    xor edx, edx
    xor ecx, ecx
smc_loop:
    mov [W + (smc_imm - smc_tmpl)], ecx
    jmp short smc_j
smc_j:
    db 0x81, 0xC2                  ; add edx, imm32
smc_imm:
    dd 0
    mov [X + 0x800 + ecx*4], edx   ; data beside the code: its page holds code
    inc ecx
    cmp ecx, ROUNDS
    jb smc_loop
    ; the same page's data, without patching: a loop of stores only
    xor ecx, ecx
smc_loop2:
    mov [X + 0x200 + ecx*4], ecx
    add dword [X + 0x1FC], ecx
    inc ecx
    cmp ecx, ROUNDS
    jb smc_loop2
    retf
smc_end:

main:
    FILL_FRAMES
    SETDESC S_FLAT, 0, 0xFFFFF, 0x9B, 0xC
    SETDESC S_BASED, PG, 0xFFFFF, 0x93, 0xC
    mov eax, 7
    call pg_init
    MAP 0, 0, 7                    ; data, user read-write
    MAP 1, 5, 7                    ; a pair across which accesses run:
    MAP 2, 9, 7                    ;   frames 5 and 9, not adjacent
    MAP 3, 3, 3                    ; supervisor
    MAP 4, 4, 5                    ; user read-only
    MAP 7, 7, 3                    ; remapped in a loop
    MAP 10, 10, 7                  ; a user stack page; 9 not mapped
    MAP 0x20, 0x0C, 7              ; clean pages (no D yet)
    MAP 0x21, 0x0D, 7
    MAP 0x22, 0x0E, 7
    MAP 0x23, 0x0F, 7
    MAP 0x24, 0x0B, 7
    mov eax, W
    mov ecx, (FRAME + 0x6000) | 3
    call map4k
    mov eax, X
    mov ecx, (FRAME + 0x6000) | 3
    call map4k
    PAGING_ON
    mov dword [PG + 0x60], .jt     ; a jump table entry (CS offset)

    ; --- every inline form, on a page the TLB holds ---
    mov ax, S_BASED
    mov gs, ax
    mov esi, PG
    xor edx, edx
    xor ecx, ecx
.forms:
    mov eax, [esi+ecx*4]           ; load [b+i*4]
    add edx, eax
    mov [esi+ecx*4+0x800], edx     ; store [b+i*4+d]
    movzx eax, byte [esi+ecx+0x10] ; byte, word loads
    add edx, eax
    movzx eax, word [esi+0x22]
    add edx, eax
    mov [esi+0x40], dl             ; byte store
    mov dword [esi+0x44], 0x12345678 ; immediate store
    add [esi+0x48], edx            ; read-modify-write
    xor edx, [esi+0x48]            ; ALU with a memory source
    inc dword [esi+0x4C]
    imul eax, [esi+0x44]
    add edx, eax
    push dword [esi+0x48]          ; PUSH [m], PUSH imm, POP
    push 0x55
    pop eax
    pop ebx
    add edx, eax
    sub edx, ebx
    push ecx                       ; a run of pushes and pops
    push edx
    push esi
    pop esi
    pop edx
    pop ecx
    call add3                      ; CALL rel32 and RET
    mov eax, [gs:0x44]             ; through a segment with a base
    add edx, eax
    mov [gs:ecx*4+0x400], edx
    cmp dword [esi+0x4C], 150      ; a compare of memory and a branch
    jb .low
    add edx, 7
.low:
    cmp ecx, 100
    cmovae eax, [esi+0x48]         ; CMOVcc from memory
    add edx, eax
    jmp [esi+0x60]                 ; JMP [m]
.jt:
    inc ecx
    cmp ecx, ROUNDS
    jb .forms
    mov ax, SEL_DATA
    mov gs, ax
    mov eax, [PG+0x800+299*4]
    mov ebx, [PG+0x400+299*4]
    PRINTF `forms: edx=%8 [48]=%8 [4c]=%8 [40]=%2 last store=%8 based=%8\n`, edx, dword [PG+0x48], dword [PG+0x4C], dword [PG+0x40], eax, ebx

    ; --- across pages 1|2 (frames 5 and 9) ---
    mov esi, PG+0x1FF0
    xor edx, edx
    xor ecx, ecx
.cross:
    mov ebx, ecx
    and ebx, 15
    mov eax, [esi+ebx]             ; dword loads across the pages from ebx=13
    add edx, eax
    rol edx, 1
    movzx eax, word [esi+ebx]
    add edx, eax
    mov [esi+ebx+0x100], edx       ; not across
    mov [esi+ebx+1], edx           ; stores across from ebx=12
    add [esi+ebx], cx              ; word read-modify-write across at ebx=15
    inc ecx
    cmp ecx, ROUNDS
    jb .cross
    PRINTF `across 1|2: edx=%8 [ff0]=%8 [ffc]=%8 [1000]=%8 [100c]=%8\n`, edx, dword [PG+0x1FF0], dword [PG+0x1FFC], dword [PG+0x2000], dword [PG+0x200C]

    ; --- the dirty bit: first writes to clean pages from hot code ---
    mov ebx, PG+0x20000
    xor ecx, ecx
    mov edx, 100
.dirty:
    mov eax, [ebx+ecx*4]
    mov [ebx+ecx*4+4], eax
    dec edx
    jnz .dnext
    add ebx, 0x1000
    mov edx, 100
.dnext:
    inc ecx
    cmp ecx, ROUNDS
    jb .dirty
    PTE `dirty: page 20 pte=%3\n`, 0x20
    PTE `dirty: page 21 pte=%3\n`, 0x21
    PTE `dirty: page 22 pte=%3\n`, 0x22
    PTE `dirty: page 23 (untouched) pte=%3\n`, 0x23
    mov eax, [PG+0x21000+150*4]
    PRINTF `dirty: [page 21 + 600]=%8\n`, eax

    ; read-modify-writes of a clean page the loop has read
    xor ecx, ecx
.rmw:
    mov eax, [PG+0x24000]
    cmp ecx, 250                   ; ebx = PG, from round 250 PG+0x24000
    sbb ebx, ebx
    not ebx
    and ebx, 0x24000
    add ebx, PG
    add [ebx+0x10], ecx
    inc ecx
    cmp ecx, ROUNDS
    jb .rmw
    PTE `dirty: page 24 after reads, then read-modify-writes: pte=%3\n`, 0x24
    PRINTF `dirty: [page 24 + 10]=%8 [page 0 + 10]=%8\n`, dword [PG+0x24010], dword [PG+0x10]

    ; --- a page remapped and its entry invalidated inside a hot loop ---
    xor ecx, ecx
    xor edx, edx
.remap:
    mov eax, [PG+0x7010]
    add edx, eax
    cmp ecx, 150
    jne .rnext
    mov eax, PG+0x7000
    call pte_of
    mov dword [edi], (FRAME + 0x8000) | 3
    invlpg [PG+0x7000]
.rnext:
    inc ecx
    cmp ecx, ROUNDS
    jb .remap
    PRINTF `remap in the loop: sum=%8\n`, edx

    ; --- runs of pushes and pops across pages 1|2 ---
    mov [scratch+56], esp
    xor ecx, ecx
    xor edx, edx
.run:
    mov eax, ecx
    and eax, 7
    lea esp, [PG+0x2004+eax*4]     ; the three slots across from eax < 2
    push ecx
    push edx
    push eax
    pop ebx
    pop esi
    pop edi
    add edx, ebx
    add edx, esi
    rol edx, 3
    add edx, edi
    inc ecx
    cmp ecx, ROUNDS
    jb .run
    mov esp, [scratch+56]
    PRINTF `push runs across 1|2: edx=%8 [ff8]=%8 [ffc]=%8 [1000]=%8 [1004]=%8\n`, edx, dword [PG+0x1FF8], dword [PG+0x1FFC], dword [PG+0x2000], dword [PG+0x2004]

    ; --- stores into the page that holds the running code ---
    mov esi, ROMLIN + smc_tmpl
    mov edi, W
    mov ecx, smc_end - smc_tmpl
    rep movsb
    call S_FLAT:X
    PRINTF `code page: sum=%8 last=%8 stores=%8 %8\n`, edx, dword [X+0x800+299*4], dword [X+0x1FC], dword [X+0x200+299*4]

    ; --- user mode ---
    mov eax, [PG+0x3008]           ; the supervisor's TLB entry for page 3
    mov eax, [PG+0x4008]
    TO_RING3 .back0
    ; a hot loop on a user page that reaches the supervisor's page 3
    xor ecx, ecx
    xor edx, edx
.sup:
    cmp ecx, 250                   ; ebx = PG, from round 250 PG+0x3000:
    sbb ebx, ebx                   ;   no branch, the same block every round
    not ebx
    and ebx, 0x3000
    add ebx, PG
    TRY mov eax, [ebx+8]
    cmp dword [exc_vec], 0xFFFFFFFF
    jne .supout
    add edx, eax
    inc ecx
    cmp ecx, ROUNDS
    jb .sup
.supout:
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 loop to a supervisor page: round %d vec=%2 err=%8 cr2=PG+%5 sum=%8\n`, ecx, dword [exc_vec], dword [exc_err], eax, edx
    ; reads of a read-only page, and from round 250 a write to it
    xor ecx, ecx
    xor edx, edx
.ro:
    mov eax, [PG+0x4008]
    add edx, eax
    cmp ecx, 250                   ; ebx = PG, from round 250 PG+0x4000
    sbb ebx, ebx
    not ebx
    and ebx, 0x4000
    add ebx, PG
    TRY mov [ebx+0xC], eax
    cmp dword [exc_vec], 0xFFFFFFFF
    jne .roout
    inc ecx
    cmp ecx, ROUNDS
    jb .ro
.roout:
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 write to a read-only page after reads: round %d vec=%2 err=%8 cr2=PG+%5 sum=%8\n`, ecx, dword [exc_vec], dword [exc_err], eax, edx
    ; the same with a read-modify-write
    xor ecx, ecx
.rormw:
    mov eax, [PG+0x4008]
    cmp ecx, 250
    sbb ebx, ebx
    not ebx
    and ebx, 0x4000
    add ebx, PG
    TRY add [ebx+0x10], ecx
    cmp dword [exc_vec], 0xFFFFFFFF
    jne .rormwout
    inc ecx
    cmp ecx, ROUNDS
    jb .rormw
.rormwout:
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 read-modify-write of a read-only page after reads: round %d vec=%2 err=%8 cr2=PG+%5 [page 4 + 10]=%8\n`, ecx, dword [exc_vec], dword [exc_err], eax, dword [PG+0x4010]
    ; a stack that runs off its page (page 9 is not mapped)
    mov [scratch+56], esp
    mov esp, PG+0xB000
    xor ecx, ecx
.push:
    TRY push ecx
    cmp dword [exc_vec], 0xFFFFFFFF
    jne .pushout
    inc ecx
    cmp ecx, 2000
    jb .push
.pushout:
    mov ebx, esp
    mov esp, [scratch+56]
    sub ebx, PG
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 pushes off the stack page: %d pushes, vec=%2 err=%8 cr2=PG+%5 esp=PG+%5\n`, ecx, dword [exc_vec], dword [exc_err], eax, ebx
    ; and pops back up over it, with calls and returns
    mov [scratch+56], esp
    mov esp, PG+0xA000
    xor edx, edx
    xor ecx, ecx
.pop:
    pop eax
    add edx, eax
    call add3
    inc ecx
    cmp ecx, 1024
    jb .pop
    mov ebx, esp
    mov esp, [scratch+56]
    sub ebx, PG
    PRINTF `cpl3 pops: sum=%8 esp=PG+%5\n`, edx, ebx
    int 0x30
.back0:
    PTE `user page after the loops: pte=%3\n`, 0
    PTE `supervisor page after the loops: pte=%3\n`, 3
    PTE `stack page: pte=%3\n`, 10
    DONE 0
    ROM_END
