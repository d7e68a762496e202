; a-real: real mode from the reset vector: the reset state, segment
; arithmetic and the 64 KiB offset limit, IVT interrupts (INT n, INT3, INTO,
; faults), IRET and FLAGS, and "unreal" mode (descriptor caches keep a
; 4 GiB limit after a return to real mode).
%define REAL_MAIN
%include "lib.inc"
    bits 16

; real-mode exception stubs: vectors 0-31 through the IVT, recording like
; the protected-mode handler (IP relative to the TRYed instruction)
%assign v 0
%rep 32
rm_stub_ %+ v:
    push word v
    jmp rm_common
%assign v v+1
%endrep
rm_table:
%assign v 0
%rep 32
    dw rm_stub_ %+ v
%assign v v+1
%endrep

rm_common:                         ; [bp+2] vector, [bp+4] IP, CS, FLAGS
    push bp
    mov bp, sp
    push eax
    push ds
    xor ax, ax
    mov ds, ax
    movzx eax, word [bp+2]
    mov [exc_vec], eax
    movzx eax, word [bp+4]
    mov [exc_eip], eax
    sub eax, [try_base]
    mov [exc_rel], eax
    movzx eax, word [bp+6]
    mov [exc_cs], eax
    movzx eax, word [bp+8]
    mov [exc_efl], eax
    inc dword [exc_count]
    mov eax, [resume]
    test eax, eax
    jz .unexpected
    mov [bp+4], ax
    mov dword [resume], 0
    pop ds
    pop eax
    pop bp
    add sp, 2
    iret
.unexpected:
    PRINTF `unexpected real-mode interrupt: vec=%2 ip=%4 cs=%4 flags=%4\n`, dword [exc_vec], dword [exc_eip], dword [exc_cs], dword [exc_efl]
    DONE 0xEE

; INT 0x40: records its FLAGS and the frame, returns EAX+1
int40:
    push bp
    mov bp, sp
    pushf
    pop word [scratch]             ; FLAGS inside the handler
    push word [bp+2]
    pop word [scratch+2]           ; pushed IP
    push word [bp+4]
    pop word [scratch+4]           ; pushed CS
    push word [bp+6]
    pop word [scratch+6]           ; pushed FLAGS
    inc eax
    pop bp
    iret

main16:
    mov eax, cr0
    PRINTF `reset: cr0=%8\n`, eax
    mov ax, cs
    PRINTF `reset: cs=%4 after the far jump\n`, eax
    ; the IVT: 32 exception stubs, INT 0x40
    xor ecx, ecx
.ivt:
    mov ax, [cs:rm_table+ecx*2]
    mov [ecx*4], ax
    mov word [ecx*4+2], 0xF000
    inc ecx
    cmp ecx, 32
    jb .ivt
    mov word [0x40*4], int40
    mov word [0x40*4+2], 0xF000
    mov edi, VARS
    mov ecx, 0x80/4
    xor eax, eax
    a32 rep stosd

    ; --- segment arithmetic: 1234:5678 is linear 179b8 ---
    mov ax, 0x1234
    mov fs, ax
    mov dword [fs:0x5678], 0xCAFEF00D
    mov ax, 0x179B
    mov gs, ax
    mov eax, [gs:0x0008]
    PRINTF `seg: 179b:0008 reads %8 written at 1234:5678\n`, eax
    mov ax, 0xFFFF                 ; FFFF:0010 is linear 100000 (A20 on)
    mov fs, ax
    mov word [fs:0x0010], 0xA55A
    mov ax, [fs:0x0010]
    mov cx, [0]
    cmp ax, cx
    setne cl
    PRINTF `seg: ffff:0010 reads %4, differs from 0000:0000 (no wrap, A20 on): %1\n`, eax, ecx
    ; offsets wrap at 64 KiB only through the limit check
    mov ax, 0x2000
    mov fs, ax
    mov byte [fs:0xFFFF], 0x77
    mov al, [fs:0xFFFF]
    PRINTF `seg: byte at 2000:ffff = %2\n`, eax
    TRY mov ax, [fs:0xFFFF]
    REPORT `seg: word at offset ffff: vec=%2 err=%8 ip=+%4\n`
    xor bp, bp
    TRY mov ax, [bp+0xFFFF]
    REPORT `seg: word at ss:ffff: vec=%2 err=%8 ip=+%4\n`
    mov esi, 0x10000
    TRY a32 mov al, [fs:esi]
    REPORT `seg: a32 offset 10000: vec=%2 err=%8 ip=+%4\n`

    ; --- INT n, IRET ---
    mov eax, 41
    push word 0x08D7               ; OF SF ZF AF PF CF (IF=0, TF=0)
    popf
    stc
    int 0x40
.after_int:
    pushf
    pop cx
    movzx edx, word [scratch+4]
    PRINTF `int40: eax=%d handler-flags=%4 pushed-flags=%4 pushed-cs=%4 flags-after=%4\n`, eax, dword [scratch], dword [scratch+6], edx, ecx
    movzx eax, word [scratch+2]
    sub eax, .after_int
    PRINTF `int40: pushed ip - after-int = %4\n`, eax
    sti
    int 0x40
    cli
    movzx eax, word [scratch]
    movzx ecx, word [scratch+6]
    PRINTF `int40 with IF=1: handler-flags=%4 pushed-flags=%4\n`, eax, ecx
    ; IRET loads FLAGS: bits 1, 3, 5, 15 fixed; IOPL and NT load in real mode
    push word 0xFCFF               ; every bit but TF and IF
    push word 0xF000
    push word .iret_to
    iret
.iret_to:
    pushf
    pop ax
    PRINTF `iret: flags fcff -> %4\n`, eax
    push word 0x0002
    popf

    ; --- exceptions and traps through the IVT ---
    TRY int3
    REPORT `int3: vec=%2 err=%8 ip=+%4\n`
    mov al, 0x7F
    add al, 1                      ; OF=1
    TRY into
    REPORT `into OF=1: vec=%2 err=%8 ip=+%4\n`
    xor al, al
    TRY into
    REPORT `into OF=0: vec=%2 err=%8 ip=+%4\n`
    xor cx, cx
    mov ax, 1
    TRY div cx
    REPORT `div by 0: vec=%2 err=%8 ip=+%4\n`
    TRY ud2
    REPORT `ud2: vec=%2 err=%8 ip=+%4\n`
    mov word [scratch+8], 10
    mov word [scratch+10], 20
    mov ax, 21
    TRY bound ax, [scratch+8]
    REPORT `bound 21 in [10,20]: vec=%2 err=%8 ip=+%4\n`
    mov ax, 20
    TRY bound ax, [scratch+8]
    REPORT `bound 20 in [10,20]: vec=%2 err=%8 ip=+%4\n`
    ; the IVT base comes from IDTR in real mode too
    mov word [0x8000+0x40*4], int41
    mov word [0x8000+0x40*4+2], 0xF000
    push dword 0x8000
    push word 0x3FF
    lidt [esp]
    add esp, 6
    mov ax, 1
    int 0x40
    lidt [cs:rm_idt_ptr]
    PRINTF `lidt 8000: int 40 went to the relocated table: ax=%4\n`, eax

    ; --- unreal mode: enter protected mode, load 4 GiB limits, come back ---
    mov ebx, to_pm
    jmp enter_pm
int41:
    mov ax, 0x4141
    iret

    bits 32
to_pm:
    mov eax, cr0
    PRINTF `pm: cr0=%8\n`, eax
    mov ax, SEL_DATA               ; DS, ES, GS 4 GiB; FS 64 KiB
    mov ds, ax
    mov es, ax
    mov gs, ax
    mov ax, SEL_DATA16
    mov fs, ax
    mov ss, ax
    jmp SEL_CODE16:.pm16
    bits 16
.pm16:
    mov eax, cr0
    and al, 0xFE
    mov cr0, eax
    jmp 0xF000:.rm
.rm:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, STACK16
    lidt [cs:rm_idt_ptr]
    mov eax, cr0
    PRINTF `back in real mode: cr0=%8\n`, eax
    mov esi, 0x200000
    mov dword [esi], 0x12345678    ; DS limit is 4 GiB
    mov eax, [esi]
    PRINTF `unreal: ds:[200000] = %8\n`, eax
    mov ax, 0x1000                 ; a real-mode load: base 10000, limit kept
    mov gs, ax
    mov eax, [gs:esi-0x10000]
    PRINTF `unreal: gs=1000 gs:[1f0000] = %8\n`, eax
    TRY mov eax, [fs:esi]
    REPORT `unreal: fs (64 KiB) at 200000: vec=%2 err=%8 ip=+%4\n`
    DONE 0
    ROM_END
