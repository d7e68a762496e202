; The system-mode guest of the gdb suite: a tests/system kernel (lib.inc)
; that turns paging on with one page whose linear address differs from
; its physical one, then runs a few instructions the debugger breaks on,
; steps through and watches, and spins until the debugger releases it
; (the Ctrl-C case).  run.py reads the labels' addresses from nasm's map.
;
; GDB's pc is EIP and its breakpoints and memory are linear addresses, so
; the debugged part runs in a flat code segment (base 0): there EIP is the
; linear address, ROMLIN + the label's offset.  PRINTF and DONE read the
; image through lib.inc's code segment (base ROMLIN), so the kernel goes
; back to it before printing.  In the spin, the debugger's watchpoints
; on DATA_LIN see the loop's reads of `release` in the same page go by
; without stopping: only the watched bytes count.
%include "lib.inc"
    bits 32

PD       equ 0x10000          ; page directory
PT0      equ 0x11000          ; identity map of the first 4 MiB
PT1      equ 0x12000          ; linear 0x400000 -> physical DATA_PHYS
DATA_PHYS equ 0x20000
DATA_LIN  equ 0x400000        ; what the debugger reads: only the page tables say where it is
release  equ DATA_LIN + 8     ; the debugger writes 1 here to let the spin end
SEL_FLAT equ SEL_FREE         ; flat 32-bit code, base 0

main:
    SETDESC SEL_FLAT, 0, 0xFFFFF, 0x9B, 0xC
    jmp SEL_FLAT:dword ROMLIN + flat
flat:
    ; identity map 0-4 MiB, and one page at 4 MiB onto DATA_PHYS
    mov edi, PT0
    mov eax, 3                ; present, writable
.fill:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    cmp edi, PT0 + 4096
    jb .fill
    mov dword [PD], PT0 | 3
    mov dword [PD + 4], PT1 | 3
    mov dword [PT1], DATA_PHYS | 3
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    mov dword [DATA_LIN], 0x11111111
    mov dword [DATA_LIN + 4], 0
    mov dword [release], 0
    mov eax, 0x1234
    fninit
    fld1                      ; st0 = 1 for the debugger to read
bp_here:
    add eax, 1
    mov ebx, eax
    mov [DATA_LIN + 4], ebx   ; the watched store
after_store:
    mov ecx, [DATA_LIN]       ; a read for rwatch
after_read:
    add dword [DATA_LIN], 1   ; a read and a write for awatch
after_rmw:
spin:
    cmp dword [release], 0
    je spin
    jmp SEL_CODE:dword back
back:
    PRINTF `gdb kernel: eax=%8 value=%8\n`, eax, dword [DATA_LIN + 4]
    DONE 0

ROM_END
