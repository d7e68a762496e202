; d-ring: privilege levels: IRET to ring 3 and the data-segment nulling,
; back through a DPL-3 interrupt gate with the stack switch from TSS0
; (ESP0/SS0), call gates with parameter copying, RETF to the outer level,
; the CPL-3 checks: gate DPL, privileged instructions, IOPL and the TSS I/O
; bitmap (port 0xE9 is opened in the bitmap, so ring 3 prints by itself).
%include "lib.inc"
    bits 32

S_GATE3  equ 0x40   ; call gate DPL 3 -> ring 0, 2 dword parameters
S_GATE0  equ 0x48   ; call gate DPL 0
S_DATA1  equ 0x50   ; data DPL 1

%macro CALLGATE 4                  ; sel, offset, param count, dpl
    mov dword [GDT_BASE+(%1)], SEL_CODE << 16 | (((%2)-$$) & 0xFFFF)
    mov dword [GDT_BASE+(%1)+4], (((%2)-$$) & 0xFFFF0000) | 0x8C00 | ((%4) << 13) | (%3)
%endmacro

int30:                             ; DPL-3 interrupt gate: record the frame
                                   ; (DS may be null: the stores go through SS)
    mov [ss:scratch], esp
    mov eax, [esp+4]
    mov [ss:scratch+4], eax           ; CS
    mov eax, [esp+12]
    mov [ss:scratch+8], eax           ; ESP
    mov eax, [esp+16]
    mov [ss:scratch+12], eax          ; SS
    mov ax, SEL_DATA
    mov ds, ax
    mov es, ax
    mov esp, STACK0
    jmp dword [scratch+60]

gate_target:                       ; ring 0 through the call gate
    mov [scratch+16], esp
    mov eax, [esp+4]
    mov [scratch+20], eax          ; CS
    mov eax, [esp+8]
    mov [scratch+24], eax          ; parameter 1 (the one pushed last)
    mov eax, [esp+12]
    mov [scratch+28], eax          ; parameter 2
    mov eax, [esp+16]
    mov [scratch+32], eax          ; ESP
    mov eax, [esp+20]
    mov [scratch+36], eax          ; SS
    mov eax, cs
    mov [scratch+40], eax
    mov ax, SEL_DATA               ; DPL 0: nulled by the RETF
    mov ds, ax
    mov ax, SEL_DATA3              ; DPL 3: kept
    mov es, ax
    mov ax, SEL_DATA16             ; DPL 0: nulled
    mov fs, ax
    retf 8

main:
    and byte [TSS0+TSS0_IOMAP+(0xE9>>3)], ~(1 << (0xE9 & 7))
    SETGATE 0x30, SEL_CODE, int30, 0xEE
    SETGATE 0x31, SEL_CODE, int30, 0x8E
    CALLGATE S_GATE3, gate_target, 2, 3
    CALLGATE S_GATE0, gate_target, 2, 0
    SETDESC S_DATA1, 0, 0xFFFFF, 0xB3, 0xC
    mov dword [scratch+60], back0
    mov ax, SEL_DATA3
    mov es, ax
    xor eax, eax
    mov gs, ax
    push dword SEL_DATA3
    push dword STACK3
    push dword 0x0002              ; IOPL 0
    push dword SEL_CODE3
    push dword ring3
    iretd
ring3:
    mov eax, ds
    mov ebx, es
    mov ecx, fs
    mov edx, gs
    PRINTF `ring 3 after iret: ds=%4 es=%4 fs=%4 gs=%4\n`, eax, ebx, ecx, edx
    mov eax, cs
    mov ebx, ss
    pushfd
    pop ecx
    mov edx, esp
    sub edx, STACK3
    PRINTF `ring 3: cs=%4 ss=%4 eflags=%8 esp-STACK3=%8\n`, eax, ebx, ecx, edx
    mov ax, SEL_DATA3
    mov ds, ax
    TRY cli
    REPORT `cpl3 iopl0 cli: vec=%2 err=%8 eip=+%4\n`
    TRY hlt
    REPORT `cpl3 hlt: vec=%2 err=%8 eip=+%4\n`
    TRY mov eax, cr0
    REPORT `cpl3 mov eax, cr0: vec=%2 err=%8 eip=+%4\n`
    TRY lgdt [scratch]
    REPORT `cpl3 lgdt: vec=%2 err=%8 eip=+%4\n`
    TRY in al, 0x80
    REPORT `cpl3 in 80 (bitmap: denied): vec=%2 err=%8 eip=+%4\n`
    TRY in al, 0xE9
    REPORT `cpl3 in e9 (bitmap: allowed): vec=%2 err=%8 eip=+%4\n`
    TRY in ax, 0xE8
    REPORT `cpl3 in ax, e8 (e8 denied): vec=%2 err=%8 eip=+%4\n`
    TRY in ax, 0xE9
    REPORT `cpl3 in ax, e9 (ea denied): vec=%2 err=%8 eip=+%4\n`
    pushfd
    pop eax
    or eax, 0x3000
    push eax
    popfd                          ; IOPL is not changed at CPL 3
    pushfd
    pop eax
    PRINTF `cpl3 popfd with iopl 3: eflags=%8\n`, eax
    mov ax, SEL_DATA
    TRY mov fs, ax
    REPORT `cpl3 mov fs, dpl 0 data: vec=%2 err=%8 eip=+%4\n`
    mov ax, SEL_DATA3
    TRY mov ss, ax
    REPORT `cpl3 mov ss, dpl 3 data: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x31
    REPORT `cpl3 int 31 (dpl 0 gate): vec=%2 err=%8 eip=+%4\n`
    TRY call S_GATE0:0
    REPORT `cpl3 call through a dpl 0 call gate: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_GATE3:0
    REPORT `cpl3 jmp through a call gate to an inner level: vec=%2 err=%8 eip=+%4\n`
    ; the call gate
    mov ax, SEL_DATA3
    mov fs, ax
    push dword 0x2222
    push dword 0x1111
    mov ebx, esp
    call S_GATE3:0x12345678        ; the offset is ignored
.ret:
    mov ecx, esp
    sub ecx, ebx
    mov eax, ds
    mov edx, es
    mov esi, fs
    PRINTF `retf 8 to ring 3: esp moved by %d, ds=%4 es=%4 fs=%4\n`, ecx, eax, edx, esi
    mov ax, SEL_DATA3
    mov ds, ax
    mov eax, [scratch+16]
    sub eax, STACK0
    mov ecx, [scratch+32]
    sub ecx, ebx
    PRINTF `call gate: ring-0 esp-STACK0=%8 cs=%4 params %8 %8 outer esp=+%d ss=%4 cpl0 cs=%4\n`, eax, dword [scratch+20], dword [scratch+24], dword [scratch+28], ecx, dword [scratch+36], dword [scratch+40]
    mov ebx, esp
    int 0x30
back0:
    mov eax, [scratch]
    sub eax, STACK0
    mov ecx, [scratch+8]
    sub ecx, ebx
    PRINTF `int 30 from ring 3: ring-0 esp-STACK0=%8 cs=%4 outer esp=+%d ss=%4\n`, eax, dword [scratch+4], ecx, dword [scratch+12]
    ; IRET to ring 1 with a DPL-1 stack; RPL mismatch checks
    SETDESC 0x58, ROMLIN, 0xFFFF, 0xBB, 0x4        ; code DPL 1
    mov dword [scratch+60], back1
    push dword S_DATA1 | 1
    push dword STACK3
    push dword 0x0002
    push dword 0x58 | 1
    push dword ring1
    iretd
ring1:
    mov esi, cs
    mov ebx, ss
    mov ecx, ds
    int 0x30
back1:
    PRINTF `ring 1 through iret: cs=%4 ss=%4 ds=%4\n`, esi, ebx, ecx
    push dword SEL_DATA3
    push dword STACK3
    push dword 0x0002
    push dword SEL_CODE3 & ~3      ; RPL 0: not an outer level, DPL 3 code
    push dword ring3
    TRY iretd
    REPORT `iret to dpl 3 code with rpl 0: vec=%2 err=%8 eip=+%4\n`
    mov esp, STACK0
    push dword SEL_DATA
    push dword STACK3
    push dword 0x0002
    push dword SEL_CODE3
    push dword ring3
    TRY iretd
    REPORT `iret to ring 3 with a dpl 0 stack: vec=%2 err=%8 eip=+%4\n`
    mov esp, STACK0
    DONE 0
    ROM_END
