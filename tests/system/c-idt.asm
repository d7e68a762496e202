; c-idt: the IDT: interrupt gates against trap gates (IF), 16-bit gates,
; software INT n and its checks (IDT limit, gate type, present bit, null
; selector, offset past the limit) with their error codes (IDT bit, EXT
; bit), and the exceptions of CPL-0 code with the EIP each pushes (fault:
; the instruction; trap: the next one).
%include "lib.inc"
    bits 32

; INT 0x40-0x43 handlers: record EFLAGS and ESP at entry, the frame
h_rec:
    pushfd
    pop dword [scratch]
    mov [scratch+4], esp
    mov eax, [esp]
    mov [scratch+8], eax           ; pushed EIP
    mov eax, [esp+8]
    mov [scratch+12], eax          ; pushed EFLAGS
    iretd
h_rec16:                           ; 32-bit code, 16-bit frame
    pushfd
    pop dword [scratch]
    mov [scratch+4], esp
    movzx eax, word [esp]
    mov [scratch+8], eax
    movzx eax, word [esp+4]
    mov [scratch+12], eax
    o16 iret

main:
    SETGATE 0x40, SEL_CODE, h_rec, 0x8E        ; interrupt gate
    SETGATE 0x41, SEL_CODE, h_rec, 0x8F        ; trap gate
    SETGATE 0x42, SEL_CODE, h_rec16, 0x86      ; 16-bit interrupt gate
    SETGATE 0x43, SEL_CODE, h_rec, 0x0E        ; not present
    SETGATE 0x44, SEL_CODE, h_rec, 0x8C        ; a call gate in the IDT
    SETGATE 0x45, 0, h_rec, 0x8E               ; null selector
    SETGATE 0x46, SEL_CODE, 0x10000, 0x8E      ; offset past the CS limit
    SETGATE 0x47, SEL_DATA, h_rec, 0x8E        ; selector of a data segment

    sti
    mov ebx, esp
    int 0x40
.r40:
    sub ebx, [scratch+4]
    mov ecx, [scratch+8]
    sub ecx, .r40
    and dword [scratch], 0x200
    and dword [scratch+12], 0x200
    PRINTF `int 40 interrupt gate: if in handler=%3 pushed if=%3 frame=%d bytes eip=+%4\n`, dword [scratch], dword [scratch+12], ebx, ecx
    mov ebx, esp
    int 0x41
    sub ebx, [scratch+4]
    and dword [scratch], 0x200
    PRINTF `int 41 trap gate: if in handler=%3 frame=%d bytes\n`, dword [scratch], ebx
    mov ebx, esp
    int 0x42
.r42:
    sub ebx, [scratch+4]
    mov ecx, [scratch+8]
    sub ecx, .r42
    and dword [scratch], 0x200
    PRINTF `int 42 16-bit gate: if in handler=%3 frame=%d bytes ip=+%4\n`, dword [scratch], ebx, ecx
    cli
    TRY int 0x43
    REPORT `int 43 not present: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x44
    REPORT `int 44 call gate in the idt: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x45
    REPORT `int 45 null selector: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x46
    REPORT `int 46 offset past the limit: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x47
    REPORT `int 47 data segment: vec=%2 err=%8 eip=+%4\n`
    ; IDT limit: entry 0x40 is the last one inside
    push dword IDT_BASE
    push word 0x40*8+7
    lidt [esp]
    add esp, 6
    TRY int 0x40
    REPORT `limit 207, int 40: vec=%2 err=%8 eip=+%4\n`
    TRY int 0x41
    REPORT `limit 207, int 41: vec=%2 err=%8 eip=+%4\n`
    lidt [cs:idt_ptr]

    ; exceptions and their EIPs
    xor ecx, ecx
    mov eax, 1
    TRY div ecx
    REPORT `#DE div by 0: vec=%2 err=%8 eip=+%4\n`
    mov eax, 0x80000000
    cdq
    mov ecx, -1
    TRY idiv ecx
    REPORT `#DE idiv overflow: vec=%2 err=%8 eip=+%4\n`
    mov ax, 0x1000
    mov cl, 0x10
    TRY div cl
    REPORT `#DE div quotient 100: vec=%2 err=%8 eip=+%4\n`
    TRY int3
    REPORT `#BP int3: vec=%2 err=%8 eip=+%4\n`
    TRY int 3
    REPORT `#BP int 3: vec=%2 err=%8 eip=+%4\n`
    mov al, 0x7F
    add al, 1
    TRY into
    REPORT `#OF into: vec=%2 err=%8 eip=+%4\n`
    mov dword [scratch+16], 1
    mov dword [scratch+20], 5
    mov eax, 6
    TRY bound eax, [scratch+16]
    REPORT `#BR bound: vec=%2 err=%8 eip=+%4\n`
    TRY ud2
    REPORT `#UD ud2: vec=%2 err=%8 eip=+%4\n`
    TRY db 0xF0, 0x90                          ; lock nop
    REPORT `#UD lock nop: vec=%2 err=%8 eip=+%4\n`
    TRY db 0x0F, 0x20, 0xC8                    ; mov eax, cr1
    REPORT `#UD mov eax, cr1: vec=%2 err=%8 eip=+%4\n`
    TRY db 0x8C, 0xF8                          ; mov eax, sreg 7
    REPORT `#UD mov ax, sreg7: vec=%2 err=%8 eip=+%4\n`
    TRY db 0x8D, 0xC0                          ; lea eax, eax
    REPORT `#UD lea with a register: vec=%2 err=%8 eip=+%4\n`
    ; #NM: CR0.TS, CR0.EM
    mov eax, cr0
    or eax, 8
    mov cr0, eax
    TRY fninit
    REPORT `#NM fninit with TS: vec=%2 err=%8 eip=+%4\n`
    TRY wait
    REPORT `wait with TS, MP=0: vec=%2 err=%8 eip=+%4\n`
    or eax, 2
    mov cr0, eax
    TRY wait
    REPORT `#NM wait with TS and MP: vec=%2 err=%8 eip=+%4\n`
    clts
    mov eax, cr0
    PRINTF `clts: cr0=%8\n`, eax
    or eax, 4
    mov cr0, eax
    TRY fninit
    REPORT `#NM fninit with EM: vec=%2 err=%8 eip=+%4\n`
    and eax, ~6
    mov cr0, eax
    ; an exception with EXT set: #DE through a not-present gate 0
    mov byte [IDT_BASE+0*8+5], 0x0E
    xor ecx, ecx
    TRY div ecx
    REPORT `#DE through a not-present gate 0 (contributory twice: #DF): vec=%2 err=%8 eip=+%4\n`
    mov byte [IDT_BASE+0*8+5], 0x8E
    ; #GP(0) from privileged state at CPL 0 with bad values
    mov eax, cr4
    or eax, 1 << 12                            ; a reserved CR4 bit
    TRY mov cr4, eax
    REPORT `#GP mov cr4 reserved bit: vec=%2 err=%8 eip=+%4\n`
    mov eax, cr0
    and eax, 0x7FFFFFFE
    or eax, 0x80000000                         ; PG without PE
    TRY mov cr0, eax
    REPORT `#GP mov cr0 PG without PE: vec=%2 err=%8 eip=+%4\n`
    mov ecx, 0x12345
    TRY rdmsr
    REPORT `#GP rdmsr 12345: vec=%2 err=%8 eip=+%4\n`
    ; the exception handler frame: a fault in a handler-free EFLAGS state
    pushfd
    or dword [esp], 0x40000        ; AC
    popfd
    TRY ud2
    mov eax, [exc_efl]
    and eax, 0x40000
    PRINTF `#UD with AC=1: pushed AC=%5\n`, eax
    pushfd
    and dword [esp], ~0x40000
    popfd
    DONE 0
    ROM_END
