; e-paging: two-level paging with 4 KiB and PSE 4 MiB pages: accessed and
; dirty bits as the CPU writes them, #PF error codes and CR2 for every
; combination of present / write / user / PDE-PTE rights / CR0.WP at CPL 0
; and CPL 3, an access across a page boundary, INVLPG, CR3 reloads against
; PGE global pages.
%include "lib.inc"
    bits 32

PG      equ 0x400000               ; the test pages: PG + n*4K
FRAME   equ 0x100000               ; their frames: FRAME + n*4K

; TRY + print vector, error code, CR2 relative to PG, eip
%macro PF 2+
    TRY %2
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF %1, dword [exc_vec], dword [exc_err], eax, dword [exc_rel]
%endmacro

ring3_back:                        ; INT 0x30 from ring 3: back to ring 0
    RING3_BACK

main:
    ; frames 0-15 hold their number
    mov edi, FRAME
    xor eax, eax
.fill:
    mov [edi], eax
    add edi, 0x1000
    inc eax
    cmp eax, 16
    jb .fill
    mov eax, 7
    call pg_init
    PAGING_ON
    mov eax, cr0
    PRINTF `paging on: cr0=%8\n`, eax

    ; --- A and D bits ---
    MAP 0, 0, 3
    PTE `fresh pte: %3\n`, 0
    mov eax, [PG]
    PTE `after a read: pte=%3\n`, 0
    mov eax, [PD_BASE + (PG >> 22)*4]
    and eax, 0xFFF
    PRINTF `after a read: pde=%3\n`, eax
    mov dword [PG+4], 1
    PTE `after a write: pte=%3\n`, 0
    MAP 1, 1, 3
    mov dword [PG+0x1004], 1
    PTE `write only: pte=%3\n`, 1
    MAP 2, 2, 3
    TRY add dword [PG+0x2FFE], 1   ; the read half of a RMW across pages 2|3
    PTE `page 2 after a rmw across 2|3 (3 not mapped; D implementation-defined): pte=%3\n`, 2
    mov eax, [exc_cr2]
    sub eax, PG
    PRINTF `rmw across 2|3: vec=%2 err=%8 cr2=PG+%5\n`, dword [exc_vec], dword [exc_err], eax

    ; --- #PF at CPL 0 ---
    MAP 4, 4, 0                    ; not present
    MAP 5, 5, 1                    ; read-only
    MAP 6, 6, 5                    ; user read-only
    PF `cpl0 read not present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x4010]
    PF `cpl0 write not present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x4020], eax
    PF `cpl0 dword across 3|4 not present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x3FFE]
    MAP 3, 3, 3
    PF `cpl0 dword across 3|4, 3 present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x3FFE]
    PF `cpl0 wp=0 write read-only: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov dword [PG+0x5000], 0x55
    PTE `wp=0 write read-only: pte=%3\n`, 5
    mov eax, cr0
    or eax, 1 << 16
    mov cr0, eax
    PF `cpl0 wp=1 write read-only: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov dword [PG+0x5008], 0x55
    PF `cpl0 wp=1 write user read-only: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov dword [PG+0x6008], 0x55
    PF `cpl0 wp=1 read read-only: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x5008]
    mov esi, PG+0x6000
    mov edi, PG+0x5000
    PF `cpl0 wp=1 movsd ro->ro: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, movsd
    mov eax, cr0
    and eax, ~(1 << 16)
    mov cr0, eax

    ; --- #PF at CPL 3 (IOPL 3 to print) ---
    MAP 7, 7, 7                    ; user read-write
    MAP 8, 8, 3                    ; supervisor read-write
    MAP 9, 9, 4                    ; user, not present
    TO_RING3 .back0
    mov eax, cs
    PRINTF `ring 3: cs=%4\n`, eax
    PF `cpl3 read user rw: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x7000]
    PF `cpl3 write user rw: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x7000], eax
    PF `cpl3 read not present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x9000]
    PF `cpl3 write not present: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x9004], eax
    PF `cpl3 read supervisor: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x8000]
    PF `cpl3 write supervisor: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x8000], eax
    PF `cpl3 read user ro: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x6000]
    PF `cpl3 write user ro: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x6000], eax
    PF `cpl3 read supervisor ro: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov eax, [PG+0x5000]
    PF `cpl3 write across 7|8 (user|supervisor): vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, mov [PG+0x7FFE], eax
    PF `cpl3 pop to a supervisor page: vec=%2 err=%8 cr2=PG+%5 eip=+%4\n`, db 0x36, 0x8F, 0x05, 0x00, 0x80, 0x40, 0x00 ; pop dword [ss:PG+0x8000]
    int 0x30
.back0:
    PTE `user rw page after cpl3 read+write: pte=%3\n`, 7
    PTE `supervisor page after cpl3 faults: pte=%3\n`, 8

    ; PDE rights combine with PTE rights: a PDE without U or W
    mov dword [PD_BASE + 2*4], PT_POOL_END | 5     ; PDE 2 (800000): user, read-only
    mov dword [PT_POOL_END], (FRAME + 0xA000) | 7   ; PTE: user, writable
    mov dword [PD_BASE + 3*4], (PT_POOL_END + 0x1000) | 3 ; PDE 3 (c00000): supervisor
    mov dword [PT_POOL_END + 0x1000], (FRAME + 0xB000) | 7
    mov eax, cr3
    mov cr3, eax
    mov dword [scratch+60], .back1
    RING3 .ring3b
.ring3b:
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    TRY mov eax, [0x800000]
    REPORT `cpl3 read, pde u/ro, pte u/rw: vec=%2 err=%8 eip=+%4\n`
    TRY mov [0x800000], eax
    mov ebx, [exc_cr2]
    PRINTF `cpl3 write, pde u/ro, pte u/rw: vec=%2 err=%8 cr2=%8\n`, dword [exc_vec], dword [exc_err], ebx
    TRY mov eax, [0xC00000]
    mov ebx, [exc_cr2]
    PRINTF `cpl3 read, pde s/rw, pte u/rw: vec=%2 err=%8 cr2=%8\n`, dword [exc_vec], dword [exc_err], ebx
    int 0x30
.back1:
    mov eax, cr0
    or eax, 1 << 16
    mov cr0, eax
    TRY mov [0x800004], eax
    REPORT `cpl0 wp=1 write, pde ro, pte rw: vec=%2 err=%8 eip=+%4\n`
    mov eax, cr0
    and eax, ~(1 << 16)
    mov cr0, eax
    mov eax, [PD_BASE + 2*4]
    and eax, 0xFFF
    mov ecx, [PT_POOL_END]
    and ecx, 0xFFF
    PRINTF `pde/pte after the accesses: %3 %3\n`, eax, ecx

    ; --- PSE 4 MiB pages ---
    mov eax, cr4
    or eax, 0x10
    mov cr4, eax
    mov dword [PD_BASE + 4*4], 0x800000 | 0x83     ; 1000000 -> 800000, 4 MiB
    mov dword [PD_BASE + 5*4], 0x800000 | 0x87     ; 1400000 -> 800000, user
    mov eax, cr3
    mov cr3, eax
    mov dword [0x1000000 + 0x123458], 0xB16B00B5
    mov eax, [0x1400000 + 0x123458]
    mov ecx, [PD_BASE + 4*4]
    mov edx, [PD_BASE + 5*4]
    PRINTF `pse: read through the alias %8, pde written=%8 read=%8\n`, eax, ecx, edx
    mov dword [PD_BASE + 4*4], 0x800000 | 0x81     ; read-only now
    invlpg [0x1000000]
    mov eax, cr0
    or eax, 1 << 16
    mov cr0, eax
    TRY mov [0x13FFFFC], eax
    mov ebx, [exc_cr2]
    PRINTF `pse: wp=1 write to a read-only 4 MiB page: vec=%2 err=%8 cr2=%8\n`, dword [exc_vec], dword [exc_err], ebx
    mov eax, cr0
    and eax, ~(1 << 16)
    mov cr0, eax

    ; --- INVLPG, CR3 reloads, global pages ---
    MAP 10, 10, 3
    MAP 11, 11, 0x103              ; global (ignored until CR4.PGE)
    mov eax, cr4
    or eax, 0x80                   ; PGE
    mov cr4, eax
    mov eax, [PG+0xA000]
    mov ebx, [PG+0xB000]
    PRINTF `tlb: page 10 holds %2, page 11 (global) %2\n`, eax, ebx
    mov eax, PG+0xA000
    call pte_of
    mov dword [edi], (FRAME + 0xC000) | 3          ; remap without a flush
    mov eax, PG+0xB000
    call pte_of
    mov dword [edi], (FRAME + 0xD000) | 0x103
    mov eax, [PG+0xA000]
    mov ebx, [PG+0xB000]
    PRINTF `tlb: remapped, no flush (stale, implementation-defined): %2 %2\n`, eax, ebx
    mov eax, cr3
    mov cr3, eax
    mov eax, [PG+0xA000]
    mov ebx, [PG+0xB000]
    PRINTF `tlb: after mov cr3 (global kept, implementation-defined): %2 %2\n`, eax, ebx
    invlpg [PG+0xB000]
    mov ebx, [PG+0xB000]
    PRINTF `tlb: after invlpg of the global page: %2\n`, ebx
    mov eax, PG+0xB000
    call pte_of
    mov dword [edi], (FRAME + 0xE000) | 0x103
    mov ebx, [PG+0xB000]
    mov eax, cr4
    and eax, ~0x80
    mov cr4, eax
    mov ecx, [PG+0xB000]
    PRINTF `tlb: global remapped again: %2 before, %2 after clearing CR4.PGE\n`, ebx, ecx
    ; a not-present entry is not cached: mapping it needs no flush
    MAP 12, 12, 0
    TRY mov eax, [PG+0xC000]
    mov eax, PG+0xC000
    call pte_of
    mov dword [edi], (FRAME + 0xC000) | 3
    TRY mov eax, [PG+0xC000]
    PRINTF `not-present then mapped without a flush: vec=%2 value=%2\n`, dword [exc_vec], eax

    ; paging off again: linear = physical
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    mov eax, [FRAME + 0x5000]
    PRINTF `paging off: frame 5 = %8\n`, eax
    DONE 0
    ROM_END
