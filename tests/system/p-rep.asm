; p-rep: REP STOS and REP MOVS with paging on.  emu386 copies and fills a
; page at a time where the TLB of the current privilege lets each element
; do so (a write tag: a dirty page of RAM without translated code; a read
; tag for a source), and one element the general way elsewhere: runs
; across pages whose frames are not adjacent, into clean pages read
; before (their dirty bits), overlapping copies (a pattern repeats), an
; overlap that only the frames show (two pages that map one frame), a
; user-mode run into a read-only page (read before) and into a page only
; the supervisor may write (whose supervisor TLB entry allows it), and a
; copy into a page that is not present.  The registers at a fault show
; the elements done.
%include "lib.inc"
    bits 32

PG      equ 0x400000               ; the test pages: PG + n*4K
FRAME   equ 0x100000               ; their frames: FRAME + n*4K

; SUM addr, dwords: EAX = a rotate-and-add checksum of the dwords
%macro SUM 2
    mov esi, %1
    mov ecx, %2
    call sum
%endmacro

ring3_back:                        ; INT 0x30 from ring 3: back to ring 0
    RING3_BACK

sum:
    xor eax, eax
.l: rol eax, 5
    add eax, [esi]
    add esi, 4
    dec ecx
    jnz .l
    ret

main:
    FILL_FRAMES
    mov eax, 7
    call pg_init
    MAP 0, 0, 7                    ; user read-write
    MAP 1, 5, 7                    ; a pair whose frames are not adjacent
    MAP 2, 9, 7
    MAP 3, 3, 5                    ; user read-only
    MAP 4, 4, 3                    ; supervisor only
    MAP 6, 6, 7                    ; two pages, one frame
    MAP 7, 6, 7
    MAP 0x20, 0x0C, 7              ; clean pages (no D yet)
    MAP 0x21, 0x0D, 7
    MAP 0x22, 0x0E, 7
    MAP 0x23, 0x0F, 7              ; page 5 stays not present
    PAGING_ON
    cld

    ; --- STOSD across pages 1|2 ---
    mov edi, PG+0x1F80
    mov ecx, 0x40
    mov eax, 0xA5A50000
    rep stosd
    sub edi, PG
    PRINTF `stosd across 1|2: ecx=%8 edi=PG+%5 [1f7c]=%8 [1f80]=%8 [1ffc]=%8 [2000]=%8 [207c]=%8 [2080]=%8\n`, ecx, edi, dword [PG+0x1F7C], dword [PG+0x1F80], dword [PG+0x1FFC], dword [PG+0x2000], dword [PG+0x207C], dword [PG+0x2080]
    PRINTF `  in the frames: [5:ffc]=%8 [9:000]=%8 [9:07c]=%8\n`, dword [FRAME+0x5FFC], dword [FRAME+0x9000], dword [FRAME+0x907C]

    ; --- MOVSD from 1|2 to the clean pages 20|21, STOSB into 22, each
    ; read first (a read fills the TLB entry without a write tag) ---
    mov eax, [PG+0x20F40]
    mov eax, [PG+0x21000]
    mov eax, [PG+0x22010]
    mov esi, PG+0x1F00
    mov edi, PG+0x20F40
    mov ecx, 0x60
    rep movsd
    sub esi, PG
    sub edi, PG
    PRINTF `movsd 1|2 to 20|21: ecx=%8 esi=PG+%5 edi=PG+%5\n`, ecx, esi, edi
    SUM PG+0x20F40, 0x60
    PRINTF `  sum=%8 [20:f3c]=%8 [21:0c0]=%8\n`, eax, dword [PG+0x20F3C], dword [PG+0x210C0]
    mov edi, PG+0x22010
    mov ecx, 0x333
    mov al, 0x5C
    rep stosb
    SUM PG+0x22000, 0x400
    PRINTF `stosb into 22: sum=%8 [22:00c]=%8 [22:340]=%8 [22:344]=%8\n`, eax, dword [PG+0x2200C], dword [PG+0x22340], dword [PG+0x22344]
    PTE `dirty: page 20 pte=%3\n`, 0x20
    PTE `dirty: page 21 pte=%3\n`, 0x21
    PTE `dirty: page 22 pte=%3\n`, 0x22
    PTE `dirty: page 23 (untouched) pte=%3\n`, 0x23

    ; --- overlapping copies ---
    mov esi, PG+0x100              ; one byte ahead, on into page 1: a repeat
    mov edi, PG+0x101
    mov ecx, 0x1000
    rep movsb
    SUM PG+0xF00, 0x100
    PRINTF `movsb one ahead over 0|1: sum=%8 [0fc]=%8 [100]=%8 [1100]=%8 [1104]=%8\n`, eax, dword [PG+0xFC], dword [PG+0x100], dword [PG+0x1100], dword [PG+0x1104]
    mov esi, PG+0x6100             ; two ahead with dwords: each dword read whole
    mov edi, PG+0x6102
    mov ecx, 8
    rep movsd
    PRINTF `movsd two ahead: [6:100]=%8 %8 %8 %8 [6:120]=%8\n`, dword [PG+0x6100], dword [PG+0x6104], dword [PG+0x6108], dword [PG+0x610C], dword [PG+0x6120]
    mov esi, PG+0x6200             ; 8 bytes ahead in the frame, 4 KiB + 8 apart
    mov edi, PG+0x7208             ; in linear addresses
    mov ecx, 0x40
    rep movsd
    SUM PG+0x6200, 0x48
    PRINTF `movsd through two pages of one frame: sum=%8 [6:200]=%8 %8 [6:208]=%8 %8 [6:2f8]=%8 %8\n`, eax, dword [PG+0x6200], dword [PG+0x6204], dword [PG+0x6208], dword [PG+0x620C], dword [PG+0x62F8], dword [PG+0x62FC]

    ; --- a copy into a page that is not present ---
    mov esi, PG
    mov edi, PG+0x4F00
    mov ecx, 0x80
    TRY rep movsd
    sub esi, PG
    sub edi, PG
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `movsd into page 5 (not present): vec=%2 err=%8 cr2=PG+%5 ecx=%8 esi=PG+%5 edi=PG+%5 [4:ffc]=%8\n`, dword [exc_vec], dword [exc_err], eax, ecx, esi, edi, dword [PG+0x4FFC]

    ; --- user mode ---
    mov dword [PG+0x4800], 0x12345678 ; the supervisor's TLB entry for page 4, writable
    TO_RING3 .back0
    mov edi, PG+0xFC0              ; across 0|1, both user-writable
    mov ecx, 0x20
    mov eax, 0x3C3C0000
    rep stosd
    sub edi, PG
    PRINTF `cpl3 stosd across 0|1: ecx=%8 edi=PG+%5 [fc0]=%8 [1000]=%8 [103c]=%8 [1040]=%8\n`, ecx, edi, dword [PG+0xFC0], dword [PG+0x1000], dword [PG+0x103C], dword [PG+0x1040]
    mov eax, [PG+0x3000]           ; the read-only page's entry, for reads
    mov edi, PG+0x2F80             ; from page 2 into the read-only page 3
    mov ecx, 0x40
    mov eax, 0x77770000
    TRY rep stosd
    sub edi, PG
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 stosd into a read-only page: vec=%2 err=%8 cr2=PG+%5 ecx=%8 edi=PG+%5 [2ffc]=%8 [3000]=%8\n`, dword [exc_vec], dword [exc_err], eax, ecx, edi, dword [PG+0x2FFC], dword [PG+0x3000]
    mov edi, PG+0x4800             ; into the supervisor's page 4
    mov ecx, 4
    mov eax, 0x66660000
    TRY rep stosd
    sub edi, PG
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `cpl3 stosd into a supervisor page: vec=%2 err=%8 cr2=PG+%5 ecx=%8 edi=PG+%5\n`, dword [exc_vec], dword [exc_err], eax, ecx, edi
    int 0x30
.back0:
    PRINTF `supervisor page after: [4:800]=%8 [4:804]=%8\n`, dword [PG+0x4800], dword [PG+0x4804]
    PTE `page 0 pte=%3\n`, 0
    DONE 0
    ROM_END
