; b-pmode: protected mode: the switch (done by lib.inc), LAR/LSL/VERR/VERW,
; far jumps and calls between 32- and 16-bit code segments, the accessed
; bit, segment limits (expand-up and expand-down, byte and page granular),
; and the faults of segment loads and accesses with their error codes
; (#GP, #SS, #NP with the selector).
%include "lib.inc"
    bits 32

S_SMALL  equ 0x40   ; data, base 100000, limit fff, byte granular
S_DOWN   equ 0x48   ; data, expand-down, limit fff, B=1
S_NP     equ 0x50   ; data, not present
S_XO     equ 0x58   ; code, execute-only
S_RO     equ 0x60   ; data, read-only
S_PAGE   equ 0x68   ; data, base 0, limit 0x00fff pages (16 MiB)
S_STK    equ 0x70   ; data (stack), base 8000, limit fff
S_NA     equ 0x78   ; data, accessed bit clear
S_NPCODE equ 0x80   ; code, not present
S_DOWN16 equ 0x88   ; data, expand-down, limit fff, B=0

main:
    mov eax, cr0
    str ecx
    PRINTF `pm: cr0=%8 tr=%4\n`, eax, ecx
    SETDESC S_SMALL, 0x100000, 0xFFF, 0x93, 0x4
    SETDESC S_DOWN, 0x100000, 0xFFF, 0x97, 0x4
    SETDESC S_NP, 0x100000, 0xFFF, 0x13, 0x4
    SETDESC S_XO, ROMLIN, 0xFFFF, 0x99, 0x4
    SETDESC S_RO, 0x100000, 0xFFF, 0x91, 0x4
    SETDESC S_PAGE, 0, 0xFFF, 0x93, 0xC
    SETDESC S_STK, 0x8000, 0xFFF, 0x93, 0x4
    SETDESC S_NA, 0x100000, 0xFFF, 0x92, 0x4
    SETDESC S_NPCODE, ROMLIN, 0xFFFF, 0x1B, 0x4
    SETDESC S_DOWN16, 0x100000, 0xFFF, 0x97, 0x0

    ; LAR / LSL / VERR / VERW over the GDT (ZF in bit 6 of the flags)
    xor ebx, ebx
.lar:
    mov ecx, 0xFFFFFFFF
    mov edx, 0xFFFFFFFF
    lar ecx, bx
    pushfd
    pop esi
    lsl edx, bx
    pushfd
    pop edi
    and esi, 0x40
    and edi, 0x40
    PRINTF `sel %4: lar zf=%2 %8 lsl zf=%2 %8\n`, ebx, esi, ecx, edi, edx
    verr bx
    pushfd
    pop esi
    verw bx
    pushfd
    pop edi
    and esi, 0x40
    and edi, 0x40
    PRINTF `sel %4: verr zf=%2 verw zf=%2\n`, ebx, esi, edi
    add ebx, 8
    cmp ebx, 0x98
    jb .lar
    mov ebx, 0x1FF                 ; past the GDT limit
    mov ecx, 0x1234
    lar ecx, bx
    pushfd
    pop esi
    and esi, 0x40
    PRINTF `sel 01ff: lar zf=%2 ecx=%8\n`, esi, ecx

    ; accessed bit: set by a load
    mov al, [GDT_BASE+S_NA+5]
    mov cx, S_NA
    mov fs, cx
    mov cl, [GDT_BASE+S_NA+5]
    PRINTF `accessed: access byte %2 before the load, %2 after\n`, eax, ecx

    ; far jumps and calls through a 16-bit code segment
    mov eax, 1
    jmp SEL_CODE16:code16
back32:
    PRINTF `far jmp to 16-bit code and back: eax=%8\n`, eax
    call SEL_CODE16:call16
    PRINTF `far call into 16-bit code, o32 retf: eax=%8\n`, eax
    push dword SEL_CODE
    push dword .retf_to
    retf
.retf_to:
    PRINTF `retf to the same level: ok\n`

    ; limits
    mov ax, S_SMALL
    mov fs, ax
    TRY mov al, [fs:0xFFF]
    REPORT `limit: byte at fff: vec=%2 err=%8 eip=+%4\n`
    TRY mov al, [fs:0x1000]
    REPORT `limit: byte at 1000: vec=%2 err=%8 eip=+%4\n`
    TRY mov eax, [fs:0xFFD]
    REPORT `limit: dword at ffd: vec=%2 err=%8 eip=+%4\n`
    TRY mov eax, [fs:0xFFC]
    REPORT `limit: dword at ffc: vec=%2 err=%8 eip=+%4\n`
    mov ax, S_DOWN
    mov fs, ax
    TRY mov al, [fs:0xFFF]
    REPORT `expand-down: byte at fff: vec=%2 err=%8 eip=+%4\n`
    TRY mov al, [fs:0x1000]
    REPORT `expand-down: byte at 1000: vec=%2 err=%8 eip=+%4\n`
    TRY mov eax, [fs:0xFFFFFFFC]
    REPORT `expand-down: dword at fffffffc: vec=%2 err=%8 eip=+%4\n`
    TRY mov eax, [fs:0xFFFFFFFD]
    REPORT `expand-down: dword at fffffffd: vec=%2 err=%8 eip=+%4\n`
    mov ax, S_DOWN16
    mov fs, ax
    TRY mov al, [fs:0xFFFF]
    REPORT `expand-down B=0: byte at ffff: vec=%2 err=%8 eip=+%4\n`
    TRY mov al, [fs:0x10000]
    REPORT `expand-down B=0: byte at 10000: vec=%2 err=%8 eip=+%4\n`
    mov ax, S_PAGE
    mov fs, ax
    lsl ecx, eax
    TRY mov al, [fs:0xFFFFFF]
    REPORT `4k granular: byte at ffffff: vec=%2 err=%8 eip=+%4\n`
    TRY mov al, [fs:0x1000000]
    REPORT `4k granular: byte at 1000000: vec=%2 err=%8 eip=+%4\n`
    PRINTF `4k granular: lsl %8\n`, ecx
    mov ax, S_RO
    mov fs, ax
    TRY mov byte [fs:0], 1
    REPORT `write to read-only data: vec=%2 err=%8 eip=+%4\n`
    TRY mov byte [cs:0], 1
    REPORT `write through cs: vec=%2 err=%8 eip=+%4\n`
    xor eax, eax
    mov fs, ax
    TRY mov al, [fs:0]
    REPORT `access through null fs: vec=%2 err=%8 eip=+%4\n`
    ; the stack segment: a fault through SS is #SS(0)
    mov ax, S_STK
    mov ss, ax
    mov esp, 0xF00
    mov ebp, 0x1000
    TRY mov eax, [ebp]
    REPORT `limit through ss: vec=%2 err=%8 eip=+%4\n`
    mov ax, SEL_DATA
    mov ss, ax
    mov esp, STACK0

    ; segment loads
    mov cx, S_NP
    TRY mov ds, cx
    REPORT `mov ds, not present: vec=%2 err=%8 eip=+%4\n`
    TRY mov ss, cx
    REPORT `mov ss, not present: vec=%2 err=%8 eip=+%4\n`
    mov cx, S_XO
    TRY mov ds, cx
    REPORT `mov ds, execute-only code: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_CODE
    TRY mov es, cx
    REPORT `mov es, readable code: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_DATA
    mov es, cx
    mov cx, S_RO
    TRY mov ss, cx
    REPORT `mov ss, read-only data: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_CODE
    TRY mov ss, cx
    REPORT `mov ss, code: vec=%2 err=%8 eip=+%4\n`
    xor ecx, ecx
    TRY mov ss, cx
    REPORT `mov ss, null: vec=%2 err=%8 eip=+%4\n`
    mov cx, 3
    TRY mov fs, cx
    REPORT `mov fs, null with rpl 3: vec=%2 err=%8 eip=+%4\n`
    mov cx, 0x200
    TRY mov fs, cx
    REPORT `mov fs, past the gdt limit: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_DATA | 3
    TRY mov fs, cx
    REPORT `mov fs, dpl 0 data with rpl 3: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_DATA3
    TRY mov ss, cx
    REPORT `mov ss, dpl 3 data at cpl 0: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_DATA3
    TRY mov fs, cx
    REPORT `mov fs, dpl 3 data at cpl 0: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_TSS0
    TRY mov fs, cx
    REPORT `mov fs, tss: vec=%2 err=%8 eip=+%4\n`
    mov cx, 0x44                   ; TI=1 with a null LDTR
    TRY mov fs, cx
    REPORT `mov fs, ldt selector, no ldt: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_SMALL:0
    REPORT `jmp far to data: vec=%2 err=%8 eip=+%4\n`
    TRY jmp S_NPCODE:0
    REPORT `jmp far to not-present code: vec=%2 err=%8 eip=+%4\n`
    TRY jmp SEL_CODE:0x10000
    REPORT `jmp far past the code limit: vec=%2 err=%8 eip=+%4\n`

    ; an LDT
    SETDESC 0x90, 0x4000, 0x0F, 0x82, 0x0   ; LDT at 4000, 2 entries
    mov dword [0x4000], 0
    mov dword [0x4004], 0
    mov dword [0x4008], 0x0000FFFF  ; LDT 0x0C: data base 0x120000 limit ffff
    mov dword [0x400C], 0x00409312
    mov ax, 0x90
    lldt ax
    mov dword [0x120010], 0x600DF00D
    mov ax, 0x0C
    mov fs, ax
    mov eax, [fs:0x10]
    sldt ecx
    PRINTF `ldt: sldt=%4 fs=000c reads %8\n`, ecx, eax
    mov cx, 0x14
    TRY mov fs, cx
    REPORT `mov fs, past the ldt limit: vec=%2 err=%8 eip=+%4\n`
    mov cx, SEL_DATA
    TRY lldt cx
    REPORT `lldt with a data descriptor: vec=%2 err=%8 eip=+%4\n`
    DONE 0

    bits 16
code16:
    mov eax, 0x1616
    jmp dword SEL_CODE:back32
call16:
    mov eax, 0x1617
    o32 retf
    bits 32
    ROM_END
