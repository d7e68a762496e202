; h-v86: virtual-8086 mode on a 386 without VME (CR4.VME = 0): entered by
; IRETD with VM=1 from CPL 0 and by a task switch to a TSS whose EFLAGS has
; VM; segment arithmetic and the 64 KiB limits in v86; the IOPL-sensitive
; instructions (CLI STI PUSHF POPF INT n IRET) executed at IOPL 3 and
; raising #GP(0) at IOPL 0, with the v86 frame (ES DS FS GS SS ESP EFLAGS CS
; EIP and the error code) on the ring-0 stack and DS/ES/FS/GS nulled in the
; handler; INT3 and INTO, which are not IOPL-sensitive; IN/OUT checked
; against the TSS I/O bitmap at every IOPL; INT n through a DPL-3 ring-0
; interrupt gate (VM in the pushed EFLAGS) and IRETD back to v86; the #GP of
; a gate with DPL 0 and of a gate to a DPL-3 code segment; #PF in v86.
;
; The EFLAGS image pushed for a #GP (a fault) has RF set: SDM vol. 3A
; 17.3.1.1, "for any fault-class exception except a debug exception
; generated in response to an instruction breakpoint, the value pushed for
; RF is 1"; INT3 (a trap) pushes RF=0.
;
; Port 0xE9 is opened in TSS0's I/O bitmap, so v86 code prints by itself
; while IOPL is 3 (the library's printf uses PUSHFD/POPFD).  At IOPL 0 the
; v86 code only records, and ring 0 prints afterwards.  V86 code leaves v86
; mode by INT3 through a DPL-3 gate (v86_exit), at any IOPL.
%include "lib.inc"
    bits 32

FRM      equ 0x5800            ; a recorded frame: 10 dwords
SEGS     equ 0x5840            ; DS ES FS GS, EFLAGS and CS in the handler
FRMX     equ 0x5860            ; the frame of the last INT3 exit (9 dwords)
SEGX     equ 0x58A0
RES      equ 0x5900            ; IOPL-0 results: vec err rel eflags per slot
v86_cont equ scratch+60
TSS_V    equ 0x10000           ; the v86 task's TSS, with a 32-byte bitmap
TSS_V_LIMIT equ 0x68+0x20
STK_V0   equ 0x11800           ; its ring-0 stack
S_V      equ 0x40

; RECFRAME buf, segbuf, n: inside a ring-0 handler whose EAX is pushed:
; record DS ES FS GS, EFLAGS and CS as seen in the handler, and the n
; dwords of the frame above the pushed EAX.  Stores go through SS.
%macro RECFRAME 3
    mov eax, ds
    mov [ss:%2], eax
    mov eax, es
    mov [ss:%2+4], eax
    mov eax, fs
    mov [ss:%2+8], eax
    mov eax, gs
    mov [ss:%2+12], eax
    pushfd
    pop eax
    mov [ss:%2+16], eax
    mov eax, cs
    mov [ss:%2+20], eax
    mov [ss:%2+24], esp
%assign i 0
%rep %3
    mov eax, [ss:esp+4+i*4]
    mov [ss:%1+i*4], eax
%assign i i+1
%endrep
%endmacro

int31_rec:                         ; INT 0x31 from v86: record, back by IRETD
    push eax
    RECFRAME FRM, SEGS, 9
    pop eax
    iretd

rec_frame13:                       ; #GP: record the frame, then the library
    push eax
    RECFRAME FRM, SEGS, 10
    pop eax
    jmp exc_stub_13

v86_exit:                          ; INT3 from v86: record, back to ring 0 code
    push eax
    RECFRAME FRMX, SEGX, 9
    pop eax
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov esp, STACK0
    jmp [v86_cont]

; V86 eflags, ip, continuation: IRETD to v86 at F000:ip with SS:SP =
; 0600:1000 (linear 0x7000), DS = 0 (for TRY), ES/FS/GS = 1111/2222/3333.
%macro V86 3
    mov dword [v86_cont], %3
    push dword 0x3333
    push dword 0x2222
    push dword 0
    push dword 0x1111
    push dword 0x0600
    push dword 0x1000
    push dword (%1) | 0x20000
    push dword 0xF000
    push dword %2
    iretd
%endmacro

; print the frame in buffer %1 (9 dwords from EIP) relative to label %2
%macro PFRAME 3
    mov eax, [%1]
    sub eax, %2
    PRINTF %3, eax, dword [%1+4], dword [%1+8], dword [%1+12], dword [%1+16], dword [%1+20], dword [%1+24], dword [%1+28], dword [%1+32]
%endmacro
%macro PSEGS 2
    mov eax, [%1+24]
    sub eax, STACK0
    neg eax
    PRINTF %2, dword [%1], dword [%1+4], dword [%1+8], dword [%1+12], dword [%1+16], dword [%1+20], eax
%endmacro

; ======================= v86 code =======================
    bits 16
; VT slot, insn: TRY it and keep vector, error code, EIP offset, EFLAGS
%macro VT 2+
    TRY %2
    mov eax, [exc_vec]
    mov [RES+(%1)*16], eax
    mov eax, [exc_err]
    mov [RES+(%1)*16+4], eax
    mov eax, [exc_rel]
    mov [RES+(%1)*16+8], eax
    mov eax, [exc_efl]
    mov [RES+(%1)*16+12], eax
%endmacro

v86_a:                             ; IOPL 3
    mov eax, cs
    mov ebx, ss
    movzx ecx, sp
    mov edx, es
    mov esi, fs
    mov edi, gs
    PRINTF `v86 by iretd: cs=%4 ss=%4 sp=%4 es=%4 fs=%4 gs=%4\n`, eax, ebx, ecx, edx, esi, edi
    pushfd
    pop eax
    PRINTF `v86 pushfd (VM and RF not in the image): %8\n`, eax
    ; segment arithmetic
    mov ax, 0x1234
    mov ds, ax
    mov dword [0x0010], 0xCAFE0001
    xor ax, ax
    mov ds, ax
    mov ax, 0x1200
    mov fs, ax
    mov eax, [fs:0x0350]
    mov bx, 0xFFFF
    mov fs, bx
    mov ebx, [fs:0x0010]
    PRINTF `v86 segments: 1234:0010 written, 1200:0350 read=%8, ffff:0010 (linear 100000)=%8\n`, eax, ebx
    TRY mov ax, [0xFFFF]
    REPORT `v86 word at ds:ffff: vec=%2 err=%8 eip=+%4\n`
    TRY mov al, [dword 0x10000]
    REPORT `v86 byte at ds:10000 (a32): vec=%2 err=%8 eip=+%4\n`
    TRY mov ax, [ss:0xFFFF]
    REPORT `v86 word at ss:ffff: vec=%2 err=%8 eip=+%4\n`
    ; the IOPL-sensitive instructions at IOPL 3
    cli
    pushf
    pop ax
    sti
    pushf
    pop bx
    cli
    push word 0x0202               ; IOPL 0 requested, IF=1
    popf
    pushf
    pop cx
    cli
    movzx eax, ax
    movzx ebx, bx
    movzx ecx, cx
    PRINTF `v86 iopl 3: flags after cli=%4 after sti=%4 after popf 0202=%4 (IOPL kept)\n`, eax, ebx, ecx
    push dword 0x00001202          ; popfd: VM=0 and IOPL 1 requested
    popfd
    pushfd
    pop eax
    PRINTF `v86 iopl 3: popfd 00001202 -> %8 (still v86, IOPL kept)\n`, eax
    pushf
    push cs
    push word .iret_to
    iret
    PRINTF `not reached\n`
.iret_to:
    PRINTF `v86 iopl 3: iret (16-bit frame) executed\n`
    mov ebx, esp
    int 0x31
.after31:
    mov eax, es
    mov ecx, fs
    mov edx, gs
    sub ebx, esp
    PRINTF `v86 after int 31 and iretd: es=%4 fs=%4 gs=%4 sp moved by %d\n`, eax, ecx, edx, ebx
    PFRAME FRM, .after31, `int 31 frame: eip=.after31+%4 cs=%4 eflags=%8 esp=%8 ss=%4 es=%4 ds=%4 fs=%4 gs=%4\n`
    PSEGS SEGS, `int 31 handler: ds=%4 es=%4 fs=%4 gs=%4 eflags=%8 cs=%4 frame at STACK0-%d\n`
    TRY int 0x32
    REPORT `v86 int 32 (gate dpl 0): vec=%2 err=%8 eip=+%4\n`
    TRY int 0x33
    REPORT `v86 int 33 (gate to dpl-3 code): vec=%2 err=%8 eip=+%4\n`
    TRY in al, 0xE9
    REPORT `v86 iopl 3: in e9 (bitmap: allowed): vec=%2 err=%8 eip=+%4\n`
    TRY in al, 0x80
    REPORT `v86 iopl 3: in 80 (bitmap: denied): vec=%2 err=%8 eip=+%4\n`
    TRY in ax, 0xE8
    REPORT `v86 iopl 3: in ax, e8 (e8 denied): vec=%2 err=%8 eip=+%4\n`
    TRY out 0x80, al
    REPORT `v86 iopl 3: out 80: vec=%2 err=%8 eip=+%4\n`
    int3
.exit:

v86_b:                             ; IOPL 0: record only
    VT 0, sti
    VT 1, pushf
    VT 2, popf
    VT 3, int 0x31
    VT 4, iret
    VT 5, pushfd
    VT 6, in al, 0xE9
    VT 7, in al, 0x80
    VT 8, out 0x80, al
    mov al, 0x7F
    add al, 1                      ; OF=1
    VT 9, into
    VT 10, cli
    int3
.exit:

v86_pf:                            ; IOPL 3, paging on
    TRY mov al, [0xA000]
    PRINTF `v86 read not-present page: vec=%2 err=%8 eip=+%4 cr2=%8\n`, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [exc_cr2]
    TRY mov al, [0xB000]
    PRINTF `v86 read supervisor page: vec=%2 err=%8 eip=+%4 cr2=%8\n`, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [exc_cr2]
    TRY mov byte [0xC004], 1
    PRINTF `v86 write user read-only page: vec=%2 err=%8 eip=+%4 cr2=%8\n`, dword [exc_vec], dword [exc_err], dword [exc_rel], dword [exc_cr2]
    mov ax, 0x0C00
    mov es, ax
    TRY mov al, [es:0x0010]
    PRINTF `v86 read user read-only page 0c00:0010: vec=%2 value=%2\n`, dword [exc_vec], eax
    int3
.exit:

v86_task:                          ; entered by a task switch, IOPL 3
    mov eax, cs
    mov ebx, ss
    movzx ecx, sp
    mov edx, ds
    mov esi, es
    PRINTF `v86 task: cs=%4 ss=%4 sp=%4 ds=%4 es=%4\n`, eax, ebx, ecx, edx, esi
    pushfd
    pop eax
    PRINTF `v86 task: pushfd=%8\n`, eax
    TRY str ax
    REPORT `v86 task: str: vec=%2 err=%8 eip=+%4\n`
    TRY in al, 0x80
    REPORT `v86 task: in 80 (its own bitmap: denied): vec=%2 err=%8 eip=+%4\n`
    int3
.exit:
    bits 32

; print IOPL-0 slot %1
%macro PSLOT 2
    PRINTF %2, dword [RES+(%1)*16], dword [RES+(%1)*16+4], dword [RES+(%1)*16+8], dword [RES+(%1)*16+12]
%endmacro

main:
    and byte [TSS0+TSS0_IOMAP+(0xE9>>3)], ~(1 << (0xE9 & 7))
    SETGATE 3, SEL_CODE, v86_exit, 0xEE
    SETGATE 0x31, SEL_CODE, int31_rec, 0xEE
    SETGATE 0x32, SEL_CODE, int31_rec, 0x8E
    SETGATE 0x33, SEL_CODE3, int31_rec, 0xEE
    mov dword [0x100000], 0x00100000

    ; --- IRETD to v86 at IOPL 3 ---
    V86 0x3002, v86_a, .back_a
.back_a:
    PFRAME FRMX, v86_a.exit, `int3 exit frame: eip=.exit+%4 cs=%4 eflags=%8 esp=%8 ss=%4 es=%4 ds=%4 fs=%4 gs=%4\n`
    PSEGS SEGX, `int3 handler: ds=%4 es=%4 fs=%4 gs=%4 eflags=%8 cs=%4 frame at STACK0-%d\n`

    ; --- IOPL 0 ---
    SETGATE 13, SEL_CODE, rec_frame13, 0x8E
    V86 0x0002, v86_b, .back_b
.back_b:
    SETGATE 13, SEL_CODE, [cs:exc_table+13*4], 0x8E
    PSLOT 0, `v86 iopl 0 sti: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 1, `v86 iopl 0 pushf: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 2, `v86 iopl 0 popf: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 3, `v86 iopl 0 int 31: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 4, `v86 iopl 0 iret: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 5, `v86 iopl 0 pushfd: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 6, `v86 iopl 0 in e9 (bitmap: allowed): vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 7, `v86 iopl 0 in 80 (bitmap: denied): vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 8, `v86 iopl 0 out 80: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 9, `v86 iopl 0 into with OF=1 (dpl-0 gate 4): vec=%2 err=%8 eip=+%4 eflags=%8\n`
    PSLOT 10, `v86 iopl 0 cli: vec=%2 err=%8 eip=+%4 eflags=%8\n`
    mov eax, [FRM+4]
    sub eax, [try_base]
    PRINTF `cli #GP frame: err=%8 eip=+%4 cs=%4 eflags=%8 esp=%8 ss=%4 es=%4 ds=%4 fs=%4 gs=%4\n`, dword [FRM], eax, dword [FRM+8], dword [FRM+12], dword [FRM+16], dword [FRM+20], dword [FRM+24], dword [FRM+28], dword [FRM+32], dword [FRM+36]
    PSEGS SEGS, `cli #GP handler: ds=%4 es=%4 fs=%4 gs=%4 eflags=%8 cs=%4 frame at STACK0-%d\n`
    PFRAME FRMX, v86_b.exit, `int3 exit at iopl 0: eip=.exit+%4 cs=%4 eflags=%8 esp=%8 ss=%4 es=%4 ds=%4 fs=%4 gs=%4\n`

    ; --- a task switch to a TSS with VM set ---
    mov edi, TSS_V
    mov ecx, (0x68+0x20)/4
    xor eax, eax
    rep stosd
    mov edi, TSS_V+0x68
    mov ecx, 0x20/4
    dec eax
    rep stosd
    and byte [TSS_V+0x68+(0xE9>>3)], ~(1 << (0xE9 & 7))
    mov word [TSS_V+0x66], 0x68
    mov dword [TSS_V+0x04], STK_V0
    mov dword [TSS_V+0x08], SEL_DATA
    mov dword [TSS_V+0x20], v86_task
    mov dword [TSS_V+0x24], 0x23002
    mov dword [TSS_V+0x38], 0x0F00
    mov dword [TSS_V+0x48], 0x4444     ; ES
    mov dword [TSS_V+0x4C], 0xF000     ; CS
    mov dword [TSS_V+0x50], 0x0600     ; SS
    mov dword [TSS_V+0x54], 0          ; DS
    mov dword [TSS_V+0x58], 0x5555     ; FS
    mov dword [TSS_V+0x5C], 0x6666     ; GS
    SETDESC S_V, TSS_V, TSS_V_LIMIT, 0x89, 0
    mov dword [v86_cont], .v_done
    jmp S_V:0
    jmp .back_v
.v_done:                           ; ring 0 in task V
    str ax
    movzx eax, ax
    mov [scratch], eax
    jmp SEL_TSS0:0
.back_v:
    mov eax, [SEGX+24]
    sub eax, STK_V0
    neg eax
    PRINTF `int3 from the v86 task: handler in task %4, frame at STK_V0-%d\n`, dword [scratch], eax
    PFRAME FRMX, v86_task.exit, `v86 task int3 frame: eip=.exit+%4 cs=%4 eflags=%8 esp=%8 ss=%4 es=%4 ds=%4 fs=%4 gs=%4\n`

    ; --- #PF in v86 ---
    mov eax, 7
    call pg_init
    mov eax, 0xA000
    mov ecx, 0xA000 | 6                ; not present
    call map4k
    mov eax, 0xB000
    mov ecx, 0xB000 | 3                ; supervisor
    call map4k
    mov eax, 0xC000
    mov ecx, 0xC000 | 5                ; user read-only
    call map4k
    mov byte [0xC010], 0x5A
    PAGING_ON
    V86 0x3002, v86_pf, .back_pf
.back_pf:
    mov eax, cr0
    and eax, 0x7FFFFFFF
    mov cr0, eax
    DONE 0
    ROM_END
