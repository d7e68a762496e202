; g-task: hardware task switches: JMP and CALL to a 32-bit and a 16-bit TSS,
; task gates in the GDT, the LDT and the IDT (INT n, and an exception with
; its error code pushed on the new task's stack), IRET with NT=1 back to the
; previous task; the busy bits, NT and the back link as SDM vol. 3A table
; 7-3 gives them; the state saved in the outgoing TSS (EIP, EFLAGS, the
; general registers, the selectors; not the LDTR nor CR3); CR0.TS; the
; faults before the commit point (#GP busy, #TS limit, #NP, reported in the
; old task) and after it (bad selectors in the incoming TSS, reported in
; the new task, here through task gates for #TS/#NP/#GP as SDM 6.15 asks);
; CR3 loaded from the incoming TSS under paging.
;
; A 32-bit TSS's selector fields are printed as 16-bit values: a P6 writes
; zeros in their upper halves, a 486 leaves them undefined (SDM 22.28.2).
; The upper halves of the general registers in a 16-bit task are not
; printed: "modified and not maintained" (SDM 7.6).
%include "lib.inc"
    bits 32

TSS_A    equ 0x10000
TSS_B    equ 0x10100
TSS_C    equ 0x10200
TSS_X    equ 0x10300
TSS_H10  equ 0x10400
TSS_H11  equ 0x10500
TSS_H13  equ 0x10600
TSS_16   equ 0xD000            ; below 64 KiB: the 16-bit task reads it through DS
TSS_SM   equ 0x10800
LDT      equ 0x10F00
STK_A    equ 0x11000
STK_B    equ 0x11800
STK_C    equ 0x12000
STK_X    equ 0x12800
STK_H10  equ 0x13000
STK_H11  equ 0x13800
STK_H13  equ 0x14000
STK_16   equ 0xC000            ; SS = SEL_DATA16 (limit 0xFFFF)
PD2      equ 0x18000           ; a second page directory for task C
PT2      equ 0x19000

S_A      equ 0x40
S_B      equ 0x48
S_C      equ 0x50
S_X      equ 0x58
S_H10    equ 0x60
S_H11    equ 0x68
S_H13    equ 0x70
S_16     equ 0x78
S_SMALL  equ 0x80              ; 32-bit TSS descriptor with limit 0x66
S_NP     equ 0x88              ; TSS descriptor, not present
S_GATEB  equ 0x90              ; task gate -> S_B
S_GATE0  equ 0x98              ; task gate -> SEL_TSS0
S_LDT    equ 0xA0
S_DNP    equ 0xA8              ; data segment, not present
S_XO     equ 0xB0              ; execute-only code segment

; what the tasks record
b_efl    equ scratch+0
b_tr     equ scratch+4
b_link   equ scratch+8
b_cr0    equ scratch+12
b_t0type equ scratch+16
b_btype  equ scratch+20
b_t0eip  equ scratch+24
b_count  equ scratch+28
h_link   equ scratch+32
h_esp    equ scratch+36
h_efl    equ scratch+40
c_cr3    equ scratch+44
c_val    equ scratch+48

; EDI = TSS base, EAX = EIP, EDX = ESP: a 32-bit TSS for CPL-0 flat code
mk_tss32:
    push eax
    push ecx
    push edi
    push eax
    mov ecx, 0x68/4
    xor eax, eax
    rep stosd
    pop eax
    pop edi
    mov [edi+0x20], eax
    mov dword [edi+0x24], 2
    mov [edi+0x38], edx
    mov [edi+0x04], edx
    mov dword [edi+0x08], SEL_DATA
    mov eax, cr3
    mov [edi+0x1C], eax
    mov dword [edi+0x4C], SEL_CODE
    mov dword [edi+0x48], SEL_DATA
    mov dword [edi+0x50], SEL_DATA
    mov dword [edi+0x54], SEL_DATA
    mov dword [edi+0x58], SEL_DATA
    mov dword [edi+0x5C], SEL_DATA
    mov word [edi+0x66], 0x68      ; no I/O bitmap (past the limit)
    pop ecx
    pop eax
    ret

; EBX = a GDT selector: ESI = its descriptor's base
sel_base:
    push eax
    mov esi, ebx
    and esi, 0xFFF8
    mov eax, [GDT_BASE+esi+2]
    and eax, 0xFFFFFF
    movzx esi, byte [GDT_BASE+esi+7]
    shl esi, 24
    or esi, eax
    pop eax
    ret

; task A: entered by JMP; prints what it sees and the state task 0 left
task_a:
    pushfd
    pop eax
    str bx
    movzx ebx, bx
    movzx ecx, word [TSS_A]
    mov edx, cr0
    shr edx, 3
    and edx, 1
    PRINTF `task A (jmp): tr=%4 eflags=%8 (NT from its TSS) cr0.ts=%1 back link=%4 (not written)\n`, ebx, eax, edx, ecx
    movzx eax, byte [GDT_BASE+SEL_TSS0+5]
    movzx ebx, byte [GDT_BASE+S_A+5]
    PRINTF `task A: descriptor types: tss0=%2 (busy cleared by jmp) A=%2\n`, eax, ebx
    mov eax, [TSS0+0x20]
    sub eax, main.ret_a
    PRINTF `tss0 saved: eip=.ret_a+%4 eflags=%8\n`, eax, dword [TSS0+0x24]
    mov eax, [TSS0+0x38]
    sub eax, STACK0
    PRINTF `tss0 saved: eax=%8 ecx=%8 edx=%8 ebx=%8 esp-STACK0=%8 ebp=%8 esi=%8 edi=%8\n`, dword [TSS0+0x28], dword [TSS0+0x2C], dword [TSS0+0x30], dword [TSS0+0x34], eax, dword [TSS0+0x3C], dword [TSS0+0x40], dword [TSS0+0x44]
    movzx eax, word [TSS0+0x48]
    movzx ebx, word [TSS0+0x4C]
    movzx ecx, word [TSS0+0x50]
    movzx edx, word [TSS0+0x54]
    movzx esi, word [TSS0+0x58]
    movzx edi, word [TSS0+0x5C]
    PRINTF `tss0 saved: es=%4 cs=%4 ss=%4 ds=%4 fs=%4 gs=%4\n`, eax, ebx, ecx, edx, esi, edi
    movzx eax, word [TSS0+0x60]
    mov ebx, [TSS0+0x1C]
    PRINTF `tss0 not saved: ldt field=%4 (ldtr was 00a0) cr3 field=%8 (cr3 was 00020000)\n`, eax, ebx
    mov dword [TSS0+0x28], 0x12345678  ; task 0 gets its EAX from here
    jmp SEL_TSS0:0
    jmp task_a

; task B: records, then returns by IRET when NT is set, else by JMP to task 0
task_b:
    pushfd
    pop eax
    mov [b_efl], eax
    str bx
    movzx ebx, bx
    mov [b_tr], ebx
    movzx ebx, word [TSS_B]
    mov [b_link], ebx
    mov ebx, cr0
    shr ebx, 3
    and ebx, 1
    mov [b_cr0], ebx
    movzx ebx, byte [GDT_BASE+SEL_TSS0+5]
    mov [b_t0type], ebx
    movzx ebx, byte [GDT_BASE+S_B+5]
    mov [b_btype], ebx
    mov ebx, [TSS0+0x20]
    mov [b_t0eip], ebx
    inc dword [b_count]
    test eax, 0x4000
    jz .jmp
    mov eax, 0xB0B0B0B0
    iretd
.ri:
    jmp task_b
.jmp:
    jmp SEL_TSS0:0
    jmp task_b

; task C: reads CR3 and linear 0x400000
task_c:
    mov eax, cr3
    mov [c_cr3], eax
    mov eax, [0x400000]
    mov [c_val], eax
    jmp SEL_TSS0:0
    jmp task_c

; task X: the incoming task of the bad-selector tests
task_x:
    jmp SEL_TSS0:0
    jmp task_x

; The handler tasks behind the IDT task gates for #TS, #NP and #GP: record
; the error code (on the new task's stack), the back link (the task the
; exception is reported in) and that task's saved EIP, then let it go on:
; task 0 at the TRY's resume label, task X (whose selectors are bad) with
; good selectors at task_x.
%macro HTASK 2
%1:
    mov [h_esp], esp
    pop dword [exc_err]
    mov dword [exc_vec], %2
    pushfd
    pop dword [h_efl]
    str bx
    movzx ebx, bx
    call sel_base
    movzx ebx, word [esi]
    mov [h_link], ebx
    call sel_base
    mov eax, [esi+0x20]
    cmp ebx, SEL_TSS0
    jne %%x
    sub eax, [try_base]
    mov [exc_rel], eax
    mov eax, [resume]
    mov [esi+0x20], eax
    mov dword [resume], 0
    jmp %%r
%%x:
    sub eax, task_x
    mov [exc_rel], eax
    mov dword [esi+0x20], task_x
    mov dword [esi+0x4C], SEL_CODE
    mov dword [esi+0x48], SEL_DATA
    mov dword [esi+0x50], SEL_DATA
    mov dword [esi+0x54], SEL_DATA
    mov dword [esi+0x58], SEL_DATA
    mov dword [esi+0x5C], SEL_DATA
    mov dword [esi+0x60], 0
%%r:
    iretd
    jmp %1
%endmacro
    HTASK task_h10, 10
    HTASK task_h11, 11
    HTASK task_h13, 13

; the 16-bit task (CS = SEL_CODE16, SS = DS = ES = SEL_DATA16)
    bits 16
task_16:
    mov [scratch+0], ax            ; AX from the TSS
    mov [scratch+4], sp
    pushf
    pop word [scratch+8]
    str ax
    mov [scratch+12], ax
    mov ax, [TSS_16]
    mov [scratch+16], ax
    mov al, [GDT_BASE+S_16+5]
    mov [scratch+20], al
    mov ax, cs
    mov [scratch+24], ax
    mov ax, 0x1601
    mov cx, 0x1602
    mov dx, 0x1603
    mov bx, 0x1604
    mov bp, 0x1606
    mov si, 0x1607
    mov di, 0x1608
    test word [scratch+8], 0x4000
    jz .jmp
    iret
.ri:
    jmp task_16
.jmp:
    jmp SEL_TSS0:0
    jmp task_16
    bits 32

%macro PRINT_B 1
    PRINTF %1, dword [b_tr], dword [b_efl], dword [b_link], dword [b_cr0], dword [b_t0type], dword [b_btype]
%endmacro

; a bad-selector test: task X with TSS field %2 = %3, then JMP to it
%macro XTEST 3
    mov edi, TSS_X
    mov eax, task_x
    mov edx, STK_X
    call mk_tss32
    mov dword [TSS_X+(%2)], %3
    SETDESC S_X, TSS_X, 0x67, 0x89, 0
    mov dword [exc_vec], 0xFF
    mov dword [exc_err], 0
    mov dword [exc_rel], 0xFFFF
    mov dword [h_link], 0
    jmp S_X:0
    PRINTF %1, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [h_link]
%endmacro

main:
    mov edi, TSS_A
    mov eax, task_a
    mov edx, STK_A
    call mk_tss32
    mov dword [TSS_A+0x24], 0x4002     ; NT set in A's image
    mov word [TSS_A], 0x1234           ; a back link JMP must not write
    mov edi, TSS_B
    mov eax, task_b
    mov edx, STK_B
    call mk_tss32
    mov edi, TSS_H10
    mov eax, task_h10
    mov edx, STK_H10
    call mk_tss32
    mov edi, TSS_H11
    mov eax, task_h11
    mov edx, STK_H11
    call mk_tss32
    mov edi, TSS_H13
    mov eax, task_h13
    mov edx, STK_H13
    call mk_tss32
    mov edi, TSS_SM
    mov eax, task_x
    mov edx, STK_X
    call mk_tss32
    ; the 16-bit TSS
    mov edi, TSS_16
    mov ecx, 0x2C/4
    xor eax, eax
    rep stosd
    mov word [TSS_16+14], task_16      ; IP
    mov word [TSS_16+16], 0x0002       ; FLAGS
    mov word [TSS_16+18], 0x1111       ; AX
    mov word [TSS_16+26], STK_16       ; SP
    mov word [TSS_16+34], SEL_DATA16   ; ES
    mov word [TSS_16+36], SEL_CODE16   ; CS
    mov word [TSS_16+38], SEL_DATA16   ; SS
    mov word [TSS_16+40], SEL_DATA16   ; DS
    SETDESC S_A, TSS_A, 0x67, 0x89, 0
    SETDESC S_B, TSS_B, 0x67, 0x89, 0
    SETDESC S_H10, TSS_H10, 0x67, 0x89, 0
    SETDESC S_H11, TSS_H11, 0x67, 0x89, 0
    SETDESC S_H13, TSS_H13, 0x67, 0x89, 0
    SETDESC S_16, TSS_16, 0x2B, 0x81, 0
    SETDESC S_SMALL, TSS_SM, 0x66, 0x89, 0
    SETDESC S_NP, TSS_SM, 0x67, 0x09, 0
    SETDESC S_LDT, LDT, 0x0F, 0x82, 0
    SETDESC S_DNP, 0, 0xFFFFF, 0x13, 0xC
    SETDESC S_XO, ROMLIN, 0xFFFF, 0x99, 0x4
    mov dword [GDT_BASE+S_GATEB], S_B << 16
    mov dword [GDT_BASE+S_GATEB+4], 0x8500
    mov dword [GDT_BASE+S_GATE0], SEL_TSS0 << 16
    mov dword [GDT_BASE+S_GATE0+4], 0x8500
    mov dword [LDT], S_B << 16         ; LDT entry 0: task gate -> B
    mov dword [LDT+4], 0x8500
    SETGATE 0x50, S_B, 0, 0x85

    ; --- JMP to a 32-bit TSS: the state saved in the outgoing TSS ---
    mov ax, S_LDT
    lldt ax
    mov eax, PD_BASE
    mov cr3, eax                       ; paging is off: CR3 is just a value
    mov ax, SEL_DATA16
    mov fs, ax
    mov ax, SEL_DATA3
    mov gs, ax
    mov eax, 0xA0A0A0A0
    mov ecx, 0xC0C0C0C0
    mov edx, 0xD0D0D0D0
    mov ebx, 0xB0B0B0B0
    mov ebp, 0xBBBBBBBB
    mov esi, 0x51515151
    mov edi, 0xD1D1D1D1
    push dword 0x00000CD7              ; OF DF SF ZF AF PF CF
    popfd
    jmp S_A:0
.ret_a:
    pushfd
    cld
    pop dword [scratch+60]
    mov [scratch+56], eax
    mov [scratch+52], ebx
    str ax
    movzx eax, ax
    sldt bx
    movzx ebx, bx
    mov ecx, fs
    mov edx, gs
    PRINTF `back in task 0: tr=%4 ldtr=%4 (from its TSS) fs=%4 gs=%4 eflags=%8\n`, eax, ebx, ecx, edx, dword [scratch+60]
    mov eax, cr0
    shr eax, 3
    and eax, 1
    movzx ebx, byte [GDT_BASE+S_A+5]
    PRINTF `back in task 0: eax=%8 (written into TSS0 by A) ebx=%8 cr0.ts=%1 A type=%2\n`, dword [scratch+56], dword [scratch+52], eax, ebx
    mov ax, SEL_DATA
    mov fs, ax
    mov gs, ax

    ; --- CALL to a TSS: nesting, IRET with NT ---
    clts
    mov eax, 0x0A0A0A0A
    call S_B:0
.ret_b:
    mov [scratch+56], eax
    PRINT_B `task B (call): tr=%4 eflags=%8 (NT set) back link=%4 cr0.ts=%1 types tss0=%2 B=%2\n`
    pushfd
    pop eax
    movzx ebx, byte [GDT_BASE+S_B+5]
    mov ecx, [TSS_B+0x20]
    sub ecx, task_b.ri
    PRINTF `after iret: eflags=%8 eax=%8 (task 0 keeps its own) B type=%2 B saved eip=.ri+%4 eflags=%8 (NT cleared)\n`, eax, dword [scratch+56], ebx, ecx, dword [TSS_B+0x24]
    mov eax, [b_t0eip]
    sub eax, .ret_b
    PRINTF `tss0 saved eip by the call: .ret_b+%4\n`, eax
    ; through a task gate in the GDT
    call S_GATEB:0
    PRINT_B `call through a gdt task gate: tr=%4 eflags=%8 back link=%4 cr0.ts=%1 types tss0=%2 B=%2\n`
    mov word [TSS_B], 0x4321
    jmp S_GATEB:0
    PRINT_B `jmp through a gdt task gate: tr=%4 eflags=%8 back link=%4 cr0.ts=%1 types tss0=%2 B=%2\n`
    ; through a task gate in the LDT (LDTR is 0 since the return to task 0)
    mov ax, S_LDT
    lldt ax
    call 0x0004:0
    sldt ax
    movzx eax, ax
    PRINT_B `call through an ldt task gate: tr=%4 eflags=%8 back link=%4 cr0.ts=%1 types tss0=%2 B=%2\n`
    PRINTF `after the return: ldtr=%4 (TSS0's LDT field)\n`, eax
    ; through a task gate in the IDT
    int 0x50
.ret_int:
    PRINT_B `int 50 through an idt task gate: tr=%4 eflags=%8 back link=%4 cr0.ts=%1 types tss0=%2 B=%2\n`
    mov eax, [b_t0eip]
    sub eax, .ret_int
    PRINTF `int 50: tss0 saved eip=.ret_int+%4, task B entered %d times\n`, eax, dword [b_count]

    ; --- a 16-bit TSS ---
    call S_16:0
.ret16:
    movzx eax, word [scratch+0]
    movzx ebx, word [scratch+4]
    movzx ecx, word [scratch+8]
    movzx edx, word [scratch+12]
    movzx esi, word [scratch+16]
    movzx edi, byte [scratch+20]
    PRINTF `16-bit task (call): ax=%4 sp=%4 flags=%4 tr=%4 back link=%4 type=%2\n`, eax, ebx, ecx, edx, esi, edi
    movzx eax, word [TSS_16+14]
    sub eax, task_16.ri
    movzx ebx, word [TSS_16+16]
    movzx ecx, byte [GDT_BASE+S_16+5]
    PRINTF `16-bit tss saved: ip=.ri+%4 flags=%4 (NT cleared) type=%2\n`, eax, ebx, ecx
    movzx eax, word [TSS_16+18]
    movzx ebx, word [TSS_16+20]
    movzx ecx, word [TSS_16+22]
    movzx edx, word [TSS_16+24]
    movzx esi, word [TSS_16+26]
    movzx edi, word [TSS_16+28]
    PRINTF `16-bit tss saved: ax=%4 cx=%4 dx=%4 bx=%4 sp=%4 bp=%4\n`, eax, ebx, ecx, edx, esi, edi
    movzx eax, word [TSS_16+30]
    movzx ebx, word [TSS_16+32]
    movzx ecx, word [TSS_16+34]
    movzx edx, word [TSS_16+36]
    movzx esi, word [TSS_16+38]
    movzx edi, word [TSS_16+40]
    PRINTF `16-bit tss saved: si=%4 di=%4 es=%4 cs=%4 ss=%4 ds=%4\n`, eax, ebx, ecx, edx, esi, edi
    jmp S_16:0
    movzx eax, word [scratch+8]
    movzx ebx, byte [GDT_BASE+S_16+5]
    PRINTF `16-bit task (jmp): flags=%4, back by jmp: type=%2\n`, eax, ebx

    ; --- faults before the commit point: reported in task 0 ---
    TRY jmp SEL_TSS0:0
    REPORT `jmp to the busy tss0: vec=%2 err=%8 eip=+%4\n`
    TRY call SEL_TSS0:0
    REPORT `call to the busy tss0: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_GATE0:0
    REPORT `jmp through a task gate to the busy tss0: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_SMALL:0
    REPORT `jmp to a tss with limit 66: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_NP:0
    REPORT `jmp to a not-present tss: vec=%2 err=%8 eip=+%4\n`
    mov word [TSS0], S_B               ; B is not busy
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY iretd
    pushfd
    and dword [esp], ~0x4000
    popfd
    REPORT `iret with NT to a tss that is not busy: vec=%2 err=%8 eip=+%4\n`
    mov word [TSS0], SEL_DATA
    pushfd
    or dword [esp], 0x4000
    popfd
    TRY iretd
    pushfd
    and dword [esp], ~0x4000
    popfd
    REPORT `iret with NT, back link to a data segment: vec=%2 err=%8 eip=+%4\n`
    mov word [TSS0], 0

    ; --- the same and later faults through IDT task gates ---
    SETGATE 10, S_H10, 0, 0x85
    SETGATE 11, S_H11, 0, 0x85
    SETGATE 13, S_H13, 0, 0x85
    mov cx, 0x200
    TRY mov fs, cx
    mov eax, [h_esp]
    sub eax, STK_H13
    mov ebx, [h_efl]
    PRINTF `#GP through a task gate: vec=%2 err=%8 eip=+%4 in task %4; handler esp=STK%8 eflags=%8\n`, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [h_link], eax, ebx
    TRY jmp S_SMALL:0
    PRINTF `#TS limit 66 through a task gate: vec=%2 err=%8 eip=+%4 in task %4\n`, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [h_link]
    XTEST `incoming ldt = data segment: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x60, SEL_DATA16
    XTEST `incoming cs = data segment: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x4C, SEL_DATA
    XTEST `incoming ss dpl 3 at cpl 0: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x50, SEL_DATA3
    XTEST `incoming ds past the gdt limit: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x54, 0x200
    XTEST `incoming ds not present: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x54, S_DNP
    XTEST `incoming es execute-only: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x48, S_XO
    XTEST `incoming selectors all good: vec=%2 err=%8 eip=task_x+%4 in task %4\n`, 0x54, SEL_DATA
    movzx eax, byte [GDT_BASE+S_X+5]
    movzx ebx, byte [GDT_BASE+S_H10+5]
    movzx ecx, byte [GDT_BASE+S_H11+5]
    PRINTF `after them: types X=%2 H10=%2 H11=%2\n`, eax, ebx, ecx
    SETGATE 10, SEL_CODE, [cs:exc_table+10*4], 0x8E
    SETGATE 11, SEL_CODE, [cs:exc_table+11*4], 0x8E
    SETGATE 13, SEL_CODE, [cs:exc_table+13*4], 0x8E

    ; --- CR3 from the incoming TSS ---
    mov dword [0x100000], 0xAAAA1111
    mov dword [0x101000], 0xBBBB2222
    mov eax, 3
    call pg_init
    mov eax, 0x400000
    mov ecx, 0x100000 | 3
    call map4k
    mov esi, PD_BASE
    mov edi, PD2
    mov ecx, 1024
    rep movsd
    mov dword [PD2+4], PT2 | 3
    mov edi, PT2
    mov ecx, 1024
    xor eax, eax
    rep stosd
    mov dword [PT2], 0x101000 | 3
    PAGING_ON
    mov edi, TSS_C
    mov eax, task_c
    mov edx, STK_C
    call mk_tss32
    mov dword [TSS_C+0x1C], PD2
    SETDESC S_C, TSS_C, 0x67, 0x89, 0
    mov dword [TSS0+0x1C], PD_BASE
    jmp S_C:0
    mov eax, cr3
    mov ebx, [0x400000]
    PRINTF `task C: cr3=%8 [400000]=%8; back in task 0: cr3=%8 [400000]=%8\n`, dword [c_cr3], dword [c_val], eax, ebx
    mov dword [TSS0+0x1C], PD2         ; CR3 is loaded from here, not saved
    jmp S_C:0
    mov eax, cr3
    mov ebx, [0x400000]
    PRINTF `tss0 cr3 field set to PD2 before the switch: back in task 0: cr3=%8 [400000]=%8\n`, eax, ebx
    DONE 0
    ROM_END
