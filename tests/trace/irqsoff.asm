; irqsoff: the irqsoff tracer's test kernel (tests/trace/run.py,
; docs/tracing.md).  After one STI (the boot's own IF=0 stretch from
; reset is never measured: its start is unknown, as for Linux's tracer)
; it runs stretches with IF clear of known lengths, counted in
; instructions that begin with IF clear (the one that sets IF again
; included):
;
;   w_short  CLI, 10 NOPs, STI                          11
;   w_popf   PUSHFD, CLI, 50 NOPs, POPFD                51
;   w_gate   INT 0x40 through an interrupt gate:
;            30 NOPs and IRETD in h_gate                31
;   w_trap   INT 0x41 through a trap gate: IF stays set  -
;   w_task   JMP to a TSS whose EFLAGS has IF clear: 20 NOPs
;            and the JMP back to the kernel's task          21
;   w_loop   CLI, MOV ECX, 1000 x (DEC, JNZ), STI     2002   the maximum
;   w_long   CLI, 200 NOPs, STI                        201
;
;
; Built with -DWAIT_AT_END it idles after them (HLT, IF set) for the
; monitor's test.  The loop runs through chained blocks and its STI ends a block in the
; middle, so the count must come from the instruction, not the block.
%include "lib.inc"
    bits 32

h_gate:
    times 30 nop
h_gate_iret:
    iretd

h_trap:
    nop
    iretd

TSS_T equ 0x10000                  ; the second task's TSS (RAM)
SEL_TSS_T equ SEL_FREE

; the second task: runs with the EFLAGS of its TSS (IF clear), then
; switches back to the kernel's task, whose saved EFLAGS has IF set
task_t:
    times 20 nop
w_task_back:
    jmp SEL_TSS0:0

main:
    SETGATE 0x40, SEL_CODE, h_gate, 0x8E
    SETGATE 0x41, SEL_CODE, h_trap, 0x8F
    ; the second task's TSS: flat CPL-0 code at task_t, EFLAGS 2 (IF clear)
    mov edi, TSS_T
    mov ecx, 0x68/4
    xor eax, eax
    rep stosd
    mov dword [TSS_T+0x20], task_t
    mov dword [TSS_T+0x24], 2
    mov dword [TSS_T+0x38], 0x8000
    mov dword [TSS_T+0x4C], SEL_CODE
    mov dword [TSS_T+0x50], SEL_DATA
    mov dword [TSS_T+0x48], SEL_DATA
    mov dword [TSS_T+0x54], SEL_DATA
    mov dword [TSS_T+0x58], SEL_DATA
    mov dword [TSS_T+0x5C], SEL_DATA
    mov word [TSS_T+0x66], 0x68    ; no I/O bitmap
    SETDESC SEL_TSS_T, TSS_T, 0x67, 0x89, 0x0
    sti
w_short:
    cli
    times 10 nop
w_short_end:
    sti
w_popf:
    pushfd
w_popf_cli:
    cli
    times 50 nop
w_popf_end:
    popfd
w_gate:
    int 0x40
w_trap:
    int 0x41
w_task:
    jmp SEL_TSS_T:0
w_loop:
    cli
    mov ecx, 1000
w_loop_body:
    dec ecx
    jnz w_loop_body
w_loop_end:
    sti
w_long:
    cli
    times 200 nop
w_long_end:
    sti
    PRINTF `irqsoff: windows done\n`
%ifdef WAIT_AT_END
    ; the monitor's test: wait with IF set (no timer is programmed, so
    ; nothing wakes it) for the queries and quit
.idle:
    hlt
    jmp .idle
%endif
    DONE 0

    ROM_END
