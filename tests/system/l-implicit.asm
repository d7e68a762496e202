; l-implicit: page faults in the implicit supervisor-mode accesses (SDM vol.
; 3A 4.6: accesses to the GDT, LDT, IDT and TSS are supervisor-mode accesses
; whatever the CPL, so their #PF error code has U/S = 0 even at CPL 3):
; an IDT gate on a not-present page (INT n at CPL 0 and 3; the gate of a
; benign, a contributory exception and of #PF itself, with the #DF rules of
; SDM table 6-5: benign or contributory then #PF is handled serially, #PF
; then #PF is a double fault), a GDT descriptor on a not-present page and
; on a read-only page (the accessed-bit write, CR0.WP), and the ring-0
; stack on a not-present page: the stack switch from CPL 3 to TSS0's
; SS0:ESP0, and the pushes of an INT at CPL 0.  The stack cases fault again
; when the #PF is delivered through the same stack, so #PF goes through a
; task gate there: the handler task maps the page and returns by IRET, and
; the INT is restarted.
;
; #DF is an abort: its saved EIP is not printed.  CR2 after a #DF is the
; address of the second #PF (the gate of #PF), the last one detected.
%include "lib.inc"
    bits 32

P        equ 0x50000           ; the IDT layouts straddle P-0x1000 | P
G        equ 0x52000           ; the GDT copy straddles G-0x1000 | G
STKP     equ 0x60000           ; the page of the faulting ring-0 stack
TSS_P    equ 0x10000           ; the #PF handler task
STK_P    equ 0x11000
S_P      equ 0x40
pf_err   equ scratch+0
pf_cr2   equ scratch+4
pf_link  equ scratch+8
pf_eip   equ scratch+12
pf_cs    equ scratch+16
pf_esp   equ scratch+20
pf_ss    equ scratch+24
stk_esp  equ scratch+28
stk_cs   equ scratch+32

%macro SETPTE 2                    ; identity-map page %1 with flags %2
    mov eax, %1
    mov ecx, (%1) | (%2)
    call map4k
    invlpg [%1]
%endmacro
%macro NEWIDT 1                    ; a copy of the IDT at %1, loaded
    SETPTE P-0x1000, 3
    SETPTE P, 3
    mov esi, IDT_BASE
    mov edi, %1
    mov ecx, (IDT_LIMIT+1)/4
    rep movsd
    push dword %1
    push word IDT_LIMIT
    lidt [esp]
    add esp, 6
%endmacro
%macro PF 2+                       ; TRY, print vector, error code, CR2, eip
    TRY %2
    PRINTF %1, dword [exc_vec], dword [exc_err], dword [exc_cr2], dword [exc_rel]
%endmacro
%macro DF 2+                       ; TRY, print vector, error code, CR2
    TRY %2
    PRINTF %1, dword [exc_vec], dword [exc_err], dword [exc_cr2]
%endmacro

ring3_back:                        ; INT3 from ring 3: back to ring 0
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov esp, STACK0
    jmp dword [scratch+60]

stk_handler:                       ; INT 30/31: record ESP and CS, continue
    mov [ss:stk_esp], esp
    mov eax, [esp+4]
    mov [ss:stk_cs], eax
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov esp, STACK0
    jmp dword [scratch+60]

pf_task:                           ; #PF through a task gate
    pop dword [pf_err]
    mov eax, cr2
    mov [pf_cr2], eax
    movzx eax, word [TSS_P]
    mov [pf_link], eax
    mov eax, [TSS0+0x20]
    mov [pf_eip], eax
    movzx eax, word [TSS0+0x4C]
    mov [pf_cs], eax
    mov eax, [TSS0+0x38]
    mov [pf_esp], eax
    movzx eax, word [TSS0+0x50]
    mov [pf_ss], eax
    SETPTE STKP, 3                 ; the fix: the stack page is present
    iretd
    jmp pf_task

main:
    SETGATE 3, SEL_CODE, ring3_back, 0xEE
    SETGATE 0x30, SEL_CODE, stk_handler, 0xEE
    SETGATE 0x31, SEL_CODE, stk_handler, 0x8E
    SETGATE 0x40, SEL_CODE, stk_handler, 0xEE
    mov eax, 7
    call pg_init
    PAGING_ON

    ; --- IDT layout 1: gates 0-13 on a not-present page, 14 and up present ---
    NEWIDT P-0x70
    SETPTE P-0x1000, 0
    PF `idt gate 6 not present, ud2 (benign, then #PF: serial): vec=%2 err=%8 cr2=%8 eip=+%4\n`, ud2
    mov cx, 0x200
    PF `idt gate 13 not present, #GP (contributory, then #PF: serial): vec=%2 err=%8 cr2=%8 eip=+%4\n`, mov fs, cx

    ; --- layout 2: gates 0-11 present, 12 and up on a not-present page ---
    NEWIDT P-0x60
    SETPTE P, 0
    DF `#PF with its gate 14 not present (#PF, then #PF: #DF): vec=%2 err=%8 cr2=%8\n`, mov eax, [0x600000]
    mov cx, 0x200
    DF `#GP with gates 13 and 14 not present (#GP, #PF, #PF: #DF): vec=%2 err=%8 cr2=%8\n`, mov fs, cx
    DF `int 40 with gates 40 and 14 not present (#PF, #PF: #DF): vec=%2 err=%8 cr2=%8\n`, int 0x40

    ; --- layout 3: gates 0-31 present, 32 and up on a not-present page;
    ;     a GDT whose descriptors from 0x100 up are on a not-present page ---
    NEWIDT P-0x100
    SETPTE P, 0
    PF `cpl0 int 40, gate not present: vec=%2 err=%8 cr2=%8 eip=+%4\n`, int 0x40
    SETDESC 0x100, 0, 0xFFFFF, 0x92, 0xC           ; data DPL 0, not accessed
    SETDESC 0x108, 0, 0xFFFFF, 0xF2, 0xC           ; data DPL 3, not accessed
    SETPTE G-0x1000, 3
    SETPTE G, 3
    mov esi, GDT_BASE
    mov edi, G-0x100
    mov ecx, (GDT_LIMIT+1)/4
    rep movsd
    push dword G-0x100
    push word GDT_LIMIT
    lgdt [esp]
    add esp, 6
    SETPTE G, 0
    mov ax, 0x100
    PF `cpl0 mov fs, descriptor not present: vec=%2 err=%8 cr2=%8 eip=+%4\n`, mov fs, ax
    SETPTE PG_USER, 4                              ; a user page, not present
    mov dword [scratch+60], .back3
    RING3 .ring3
.ring3:
    mov ax, SEL_DATA3
    mov ds, ax
    mov es, ax
    PF `cpl3 int 40, gate not present (implicit: supervisor): vec=%2 err=%8 cr2=%8 eip=+%4\n`, int 0x40
    mov ax, 0x108 | 3
    PF `cpl3 mov fs, descriptor not present (implicit: supervisor): vec=%2 err=%8 cr2=%8 eip=+%4\n`, mov fs, ax
    PF `cpl3 read of a not-present user page (explicit: user): vec=%2 err=%8 cr2=%8 eip=+%4\n`, mov eax, [PG_USER]
    int3
.back3:
    ; the accessed bit of a descriptor on a read-only page
    SETPTE G, 1                                    ; present, read-only
    mov eax, cr0
    or eax, 1 << 16
    mov cr0, eax
    mov ax, 0x100
    TRY mov fs, ax
    mov eax, [exc_cr2]
    and eax, ~7
    PRINTF `cpl0 wp=1 mov fs, descriptor on a read-only page (accessed bit): vec=%2 err=%8 cr2 & ~7=%8 (the byte: implementation-defined) eip=+%4\n`, dword [exc_vec], dword [exc_err], eax, dword [exc_rel]
    mov eax, cr0
    and eax, ~(1 << 16)
    mov cr0, eax
    mov ax, 0x100
    TRY mov fs, ax
    REPORT `cpl0 wp=0 the same: vec=%2 err=%8 eip=+%4\n`
    movzx eax, byte [G-0x100+0x100+5]
    PRINTF `descriptor 100 after the load: access byte=%2\n`, eax
    mov ax, SEL_DATA
    mov fs, ax
    lgdt [cs:gdt_ptr]
    lidt [cs:idt_ptr]

    ; --- the ring-0 stack on a not-present page; #PF through a task gate ---
    mov edi, TSS_P
    mov ecx, 0x68/4
    xor eax, eax
    rep stosd
    mov dword [TSS_P+0x20], pf_task
    mov dword [TSS_P+0x24], 2
    mov dword [TSS_P+0x38], STK_P
    mov eax, cr3
    mov [TSS_P+0x1C], eax
    mov [TSS0+0x1C], eax           ; the return to task 0 loads CR3 from here
    mov dword [TSS_P+0x4C], SEL_CODE
    mov dword [TSS_P+0x48], SEL_DATA
    mov dword [TSS_P+0x50], SEL_DATA
    mov dword [TSS_P+0x54], SEL_DATA
    mov dword [TSS_P+0x58], SEL_DATA
    mov dword [TSS_P+0x5C], SEL_DATA
    mov word [TSS_P+0x66], 0x68
    SETDESC S_P, TSS_P, 0x67, 0x89, 0
    SETGATE 14, S_P, 0, 0x85
    SETPTE STKP, 2                                 ; not present
    mov dword [TSS0+4], STKP+0x1000                ; ESP0
    mov dword [scratch+60], .back_s3
    RING3 .ring3s
.ring3s:
    mov ebx, esp
.int30:
    int 0x30
.back_s3:
    mov dword [TSS0+4], STACK0
    mov eax, [pf_eip]
    sub eax, .int30
    mov ecx, [pf_esp]
    sub ecx, STACK3
    PRINTF `cpl3 int 30, ring-0 stack not present: #PF err=%8 in task %4, saved eip=.int30+%4 cs=%4 ss=%4 esp=STACK3+%8\n`, dword [pf_err], dword [pf_link], eax, dword [pf_cs], dword [pf_ss], ecx
    mov eax, [pf_cr2]
    sub eax, STKP
    PRINTF `cpl3 int 30: cr2=STKP+%4 (which byte of the frame faults first: implementation-defined)\n`, eax
    mov eax, [stk_esp]
    sub eax, STKP
    PRINTF `cpl3 int 30 restarted: handler esp=STKP+%4 cs pushed=%4\n`, eax, dword [stk_cs]
    SETPTE STKP, 2
    mov dword [scratch+60], .back_s0
    mov esp, STKP+0x1000
.int31:
    int 0x31
.back_s0:
    mov eax, [pf_eip]
    sub eax, .int31
    mov ecx, [pf_esp]
    sub ecx, STKP
    PRINTF `cpl0 int 31, stack not present: #PF err=%8 in task %4, saved eip=.int31+%4 cs=%4 ss=%4 esp=STKP+%4\n`, dword [pf_err], dword [pf_link], eax, dword [pf_cs], dword [pf_ss], ecx
    mov eax, [pf_cr2]
    sub eax, STKP
    mov ecx, [stk_esp]
    sub ecx, STKP
    PRINTF `cpl0 int 31: cr2=STKP+%4 (implementation-defined), restarted: handler esp=STKP+%4\n`, eax, ecx
    SETGATE 14, SEL_CODE, [cs:exc_table+14*4], 0x8E
    DONE 0
    ROM_END

PG_USER equ 0x70000
