/* System mode through the public API: the power-on state, real-mode
 * interrupts through the IVT, HLT woken by INTR, the switch to protected
 * mode, paging with a page fault delivered through the IDT (error code,
 * CR2, the frame, accessed and dirty bits), MMIO and the floating bus.
 * The guest code is hand-assembled; each byte sequence says what it is. */
#include <check.h>
#include "unit_main.h"
#include <stdlib.h>
#include <string.h>
#include "e386.h"

typedef struct PortWrite { uint16_t port; int size; uint32_t v; } PortWrite;
typedef struct Bus {
    int nout;
    PortWrite out[32];
    int vector;       /* what INTA answers */
    int acks;
    E386Cpu *cpu;
    uint32_t mmio_last_off, mmio_last_v;
    int mmio_writes;
} Bus;

static uint32_t io_read(void *o, uint16_t port, int size)
{
    (void)o;
    (void)port; /* nothing answers: the bus floats */
    return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
}

static void io_write(void *o, uint16_t port, int size, uint32_t v)
{
    Bus *b = o;
    if (b->nout < 32)
        b->out[b->nout++] = (PortWrite){ port, size, v };
}

static int intr_ack(void *o)
{
    Bus *b = o;
    b->acks++;
    e386_set_irq(b->cpu, 0); /* an edge-triggered controller drops INTR on INTA */
    return b->vector;
}

static uint64_t clock_ns(void *o)
{
    (void)o;
    return 1000;
}

static const e386_sys_ops ops = { io_read, io_write, intr_ack, clock_ns };

static E386Cpu *machine(Bus *b)
{
    memset(b, 0, sizeof *b);
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    b->cpu = cpu;
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x100000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_system_init(cpu, &ops, b), 0);
    return cpu;
}

static void put(E386Cpu *cpu, uint32_t addr, const void *bytes, size_t n)
{
    ck_assert_int_eq(e386_mem_write(cpu, addr, bytes, n), 0);
}

static uint32_t get32(E386Cpu *cpu, uint32_t addr)
{
    uint8_t b[4];
    ck_assert_int_eq(e386_mem_read(cpu, addr, b, 4), 0);
    return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
}

/* start real-mode code at 0000:ip with SS:SP 0000:8000 */
static void start_real(E386Cpu *cpu, uint16_t ip)
{
    ck_assert_int_eq(e386_reg_write(cpu, E386_CS, 0), 0);
    e386_reg_write(cpu, E386_EIP, ip);
    e386_reg_write(cpu, E386_SS, 0);
    e386_reg_write(cpu, E386_ESP, 0x8000);
}

START_TEST(test_power_on_state)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0xfff0);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_CS), 0xf000);
    ck_assert_uint_eq(e386_seg_base(cpu, 1), 0xffff0000u);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), 0x0631);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EFLAGS), 2);
    /* nothing at the reset vector: the floating bus reads FF FF ..., an
     * invalid opcode, and with the IVT's vector 6 (0000:0000) pointing at
     * zeros ("add [bx+si], al" forever) the CPU just runs: it must not
     * fault out of e386_run */
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_INSN_LIMIT);
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_real_mode_int_and_iret)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    static const uint8_t ivt21[] = { 0x00, 0x20, 0x00, 0x00 };  /* 0000:2000 */
    static const uint8_t main_code[] = {
        0xcd, 0x21,       /* int 0x21 */
        0xb0, 0x42,       /* mov al, 'B' */
        0xe6, 0xe9,       /* out 0xe9, al */
        0xf4,             /* hlt */
    };
    static const uint8_t handler[] = {
        0xb0, 0x41,       /* mov al, 'A' */
        0xe6, 0xe9,       /* out 0xe9, al */
        0xcf,             /* iret */
    };
    put(cpu, 0x21 * 4, ivt21, sizeof ivt21);
    put(cpu, 0x1000, main_code, sizeof main_code);
    put(cpu, 0x2000, handler, sizeof handler);
    start_real(cpu, 0x1000);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_int_eq(b.nout, 2);
    ck_assert_uint_eq(b.out[0].port, 0xe9);
    ck_assert_uint_eq(b.out[0].v, 'A');
    ck_assert_uint_eq(b.out[1].v, 'B');
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1007);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESP), 0x8000);
    ck_assert(e386_halted(cpu));
    /* halted with IF clear and nothing pending: it stays halted */
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_hlt_woken_by_intr_after_sti_shadow)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    static const uint8_t ivt8[] = { 0x00, 0x30, 0x00, 0x00 };  /* 0000:3000 */
    static const uint8_t main_code[] = {
        0xfb,             /* sti */
        0xf4,             /* hlt */
        0xb0, 0x43,       /* mov al, 'C' */
        0xe6, 0xe9,       /* out 0xe9, al */
        0xfa,             /* cli */
        0xf4,             /* hlt */
    };
    static const uint8_t handler[] = { 0xb0, 0x49, 0xe6, 0xe9, 0xcf }; /* 'I', iret */
    put(cpu, 8 * 4, ivt8, sizeof ivt8);
    put(cpu, 0x1000, main_code, sizeof main_code);
    put(cpu, 0x3000, handler, sizeof handler);
    start_real(cpu, 0x1000);
    b.vector = 8;
    /* INTR is already high: STI's shadow lets HLT execute first, so the
     * return address pushed is the instruction after HLT */
    e386_set_irq(cpu, 1);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_int_eq(b.acks, 1);
    ck_assert_int_eq(b.nout, 2);
    ck_assert_uint_eq(b.out[0].v, 'I');
    ck_assert_uint_eq(b.out[1].v, 'C');
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1008);
    e386_cpu_free(cpu);
}
END_TEST

/* Real mode -> protected mode -> paging; a read of a not-present page
 * faults into the IDT's #PF handler, which reports the error code and
 * CR2 on port 0xE9. */
START_TEST(test_protected_mode_paging_page_fault)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    static const uint8_t gdt[] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00, /* 0x08: flat 32-bit code */
        0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00, /* 0x10: flat data */
    };
    static const uint8_t gdtr[] = { 23, 0, 0x00, 0x05, 0, 0 };     /* limit 23, base 0x500 */
    static const uint8_t idtr[] = { 0xff, 0, 0x00, 0x08, 0, 0 };   /* limit 255, base 0x800 */
    static const uint8_t pf_gate[] = { 0x00, 0x30, 0x08, 0x00, 0x00, 0x8e, 0x00, 0x00 }; /* 08:3000, int gate */
    static const uint8_t code[] = {
        0x0f, 0x01, 0x16, 0x00, 0x06,        /* 1000 lgdt [0x600] */
        0x0f, 0x01, 0x1e, 0x10, 0x06,        /* 1005 lidt [0x610] */
        0x0f, 0x20, 0xc0,                    /* 100a mov eax, cr0 */
        0x66, 0x83, 0xc8, 0x01,              /* 100d or eax, 1 */
        0x0f, 0x22, 0xc0,                    /* 1011 mov cr0, eax */
        0x66, 0xea, 0x1c, 0x10, 0, 0, 0x08, 0, /* 1014 jmp dword 0x08:0x101c */
        0x66, 0xb8, 0x10, 0x00,              /* 101c mov ax, 0x10 */
        0x8e, 0xd8,                          /* 1020 mov ds, ax */
        0x8e, 0xd0,                          /* 1022 mov ss, ax */
        0xbc, 0x00, 0x80, 0x00, 0x00,        /* 1024 mov esp, 0x8000 */
        0xb8, 0x00, 0x00, 0x01, 0x00,        /* 1029 mov eax, 0x10000 */
        0x0f, 0x22, 0xd8,                    /* 102e mov cr3, eax */
        0x0f, 0x20, 0xc0,                    /* 1031 mov eax, cr0 */
        0x0d, 0x00, 0x00, 0x00, 0x80,        /* 1034 or eax, 0x80000000 */
        0x0f, 0x22, 0xc0,                    /* 1039 mov cr0, eax */
        0xa1, 0x00, 0x00, 0x04, 0x00,        /* 103c mov eax, [0x40000]: not present */
        0xf4,                                /* 1041 hlt */
    };
    static const uint8_t handler[] = {
        0x58,                                /* pop eax (the error code) */
        0xe6, 0xe9,                          /* out 0xe9, al */
        0x0f, 0x20, 0xd0,                    /* mov eax, cr2 */
        0xe7, 0xe9,                          /* out 0xe9, eax */
        0xc7, 0x05, 0x00, 0x00, 0x03, 0x00, 0x55, 0, 0, 0, /* mov dword [0x30000], 0x55 */
        0xf4,                                /* hlt */
    };
    put(cpu, 0x500, gdt, sizeof gdt);
    put(cpu, 0x600, gdtr, sizeof gdtr);
    put(cpu, 0x610, idtr, sizeof idtr);
    put(cpu, 0x800 + 14 * 8, pf_gate, sizeof pf_gate);
    put(cpu, 0x1000, code, sizeof code);
    put(cpu, 0x3000, handler, sizeof handler);
    /* page directory at 0x10000, one table at 0x11000 mapping the first
     * MiB one to one (P|RW), except 0x40000 */
    uint8_t pde[4] = { 0x03, 0x10, 0x01, 0x00 }; /* 0x11003 */
    put(cpu, 0x10000, pde, 4);
    for (uint32_t pg = 0; pg < 256; pg++) {
        uint32_t pte = pg == 0x40 ? 0 : (pg << 12) | 3;
        uint8_t e[4] = { (uint8_t)pte, (uint8_t)(pte >> 8), (uint8_t)(pte >> 16), 0 };
        put(cpu, 0x11000 + pg * 4, e, 4);
    }
    start_real(cpu, 0x1000);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_int_eq(b.nout, 2);
    ck_assert_uint_eq(b.out[0].size, 1);
    ck_assert_uint_eq(b.out[0].v, 0);          /* not present, read, supervisor */
    ck_assert_uint_eq(b.out[1].size, 4);
    ck_assert_uint_eq(b.out[1].v, 0x40000);    /* CR2 */
    /* the frame below the error code: EIP of the faulting MOV, CS, EFLAGS */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESP), 0x7ff4);
    ck_assert_uint_eq(get32(cpu, 0x7ff4), 0x103c);
    ck_assert_uint_eq(get32(cpu, 0x7ff8), 0x08);
    ck_assert_uint_eq(get32(cpu, 0x7ffc) & 0x202, 0x202 & get32(cpu, 0x7ffc));
    /* accessed and dirty bits as the CPU sets them */
    ck_assert_uint_eq(get32(cpu, 0x10000), 0x11023);        /* PDE: A */
    ck_assert_uint_eq(get32(cpu, 0x11000 + 1 * 4), 0x1023); /* code page: A, not D */
    ck_assert_uint_eq(get32(cpu, 0x11000 + 7 * 4), 0x7063); /* stack page: A and D */
    ck_assert_uint_eq(get32(cpu, 0x11000 + 0x30 * 4), 0x30063);
    ck_assert_uint_eq(get32(cpu, 0x30000), 0x55);
    e386_cpu_free(cpu);
}
END_TEST

static uint32_t mmio_rd(void *o, uint32_t off, int size)
{
    (void)o;
    return 0xabcd0000u | (off << 4) | (uint32_t)size;
}

static void mmio_wr(void *o, uint32_t off, int size, uint32_t v)
{
    Bus *b = o;
    (void)size;
    b->mmio_last_off = off;
    b->mmio_last_v = v;
    b->mmio_writes++;
}

/* Flat 32-bit protected mode: a GDT at 0x500 (0x08 code, 0x10 data),
 * then code from 0x1000 that loads it, sets PE, jumps to 0x101c and loads
 * DS and SS; the test's own code follows at 0x1029. */
static void enter_flat_pm(E386Cpu *cpu)
{
    static const uint8_t gdt[] = {
        0, 0, 0, 0, 0, 0, 0, 0,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00,
    };
    static const uint8_t gdtr[] = { 23, 0, 0x00, 0x05, 0, 0 };
    static const uint8_t code[] = {
        0x0f, 0x01, 0x16, 0x00, 0x06,          /* 1000 lgdt [0x600] */
        0x90, 0x90, 0x90, 0x90, 0x90,          /* 1005 */
        0x0f, 0x20, 0xc0,                      /* 100a mov eax, cr0 */
        0x66, 0x83, 0xc8, 0x01,                /* 100d or eax, 1 */
        0x0f, 0x22, 0xc0,                      /* 1011 mov cr0, eax */
        0x66, 0xea, 0x1c, 0x10, 0, 0, 0x08, 0, /* 1014 jmp dword 0x08:0x101c */
        0x66, 0xb8, 0x10, 0x00,                /* 101c mov ax, 0x10 */
        0x8e, 0xd8,                            /* 1020 mov ds, ax */
        0x8e, 0xd0,                            /* 1022 mov ss, ax */
        0xbc, 0x00, 0x80, 0x00, 0x00,          /* 1024 mov esp, 0x8000 */
    };
    put(cpu, 0x500, gdt, sizeof gdt);
    put(cpu, 0x600, gdtr, sizeof gdtr);
    put(cpu, 0x1000, code, sizeof code);
    start_real(cpu, 0x1000);
}

START_TEST(test_mmio_alias_and_floating_bus)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    ck_assert_int_eq(e386_mmio_map(cpu, 0xfee00000u, 0x1000, mmio_rd, mmio_wr, &b), 0);
    /* a ROM seen twice: the alias shows the same bytes, and drops writes */
    ck_assert_int_eq(e386_mem_map(cpu, 0xffff0000u, 0x10000, E386_PROT_READ | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_mem_alias(cpu, 0xf0000, 0xffff0000u, 0x10000, E386_PROT_READ | E386_PROT_EXEC), 0);
    static const uint8_t rom[] = { 0x11, 0x22, 0x33, 0x44 };
    ck_assert_int_eq(e386_mem_write(cpu, 0xffff0000u + 0x100, rom, sizeof rom), 0);
    enter_flat_pm(cpu);
    static const uint8_t code[] = {
        0xbb, 0x00, 0x00, 0xe0, 0xfe,        /* 1029 mov ebx, 0xfee00000 */
        0x8b, 0x43, 0x10,                    /* 102e mov eax, [ebx+0x10]: MMIO read, 4 bytes */
        0xe7, 0xe9,                          /* 1031 out 0xe9, eax */
        0x66, 0x89, 0x43, 0x22,              /* 1033 mov [ebx+0x22], ax: MMIO write, 2 bytes */
        0xbb, 0x00, 0x00, 0x00, 0xc0,        /* 1037 mov ebx, 0xc0000000: unassigned */
        0xc7, 0x03, 0x78, 0x56, 0x34, 0x12,  /* 103c mov dword [ebx], 0x12345678: dropped */
        0x8b, 0x03,                          /* 1042 mov eax, [ebx] */
        0xe7, 0xe9,                          /* 1044 out 0xe9, eax */
        0xc6, 0x05, 0x00, 0x01, 0x0f, 0x00, 0x99, /* 1046 mov byte [0xf0100], 0x99: ROM, dropped */
        0xa1, 0x00, 0x01, 0x0f, 0x00,        /* 104d mov eax, [0xf0100] */
        0xe7, 0xe9,                          /* 1052 out 0xe9, eax */
        0xe4, 0x34,                          /* 1054 in al, 0x34 */
        0xe6, 0xe9,                          /* 1056 out 0xe9, al */
        0xf4,                                /* 1058 hlt */
    };
    put(cpu, 0x1029, code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_int_eq(b.nout, 4);
    ck_assert_uint_eq(b.out[0].v, 0xabcd0104u);  /* offset 0x10, size 4 */
    ck_assert_int_eq(b.mmio_writes, 1);
    ck_assert_uint_eq(b.mmio_last_off, 0x22);
    ck_assert_uint_eq(b.mmio_last_v, 0x0104);
    ck_assert_uint_eq(b.out[1].v, 0xffffffffu);  /* nothing answers */
    ck_assert_uint_eq(b.out[2].v, 0x44332211u);  /* the ROM is unchanged */
    ck_assert_uint_eq(b.out[3].v, 0xff);         /* unclaimed port */
    e386_cpu_free(cpu);
}
END_TEST

/* A #UD handler that is itself UD2 faults forever without completing an
 * instruction: e386_run must still return when its budget is spent (it
 * counted only completed instructions, so emu386-system hung). */
START_TEST(test_fault_loop_uses_the_budget)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    static const uint8_t ivt6[] = { 0x00, 0x10, 0x00, 0x00 }; /* 0000:1000 */
    static const uint8_t ud2[] = { 0x0f, 0x0b };
    put(cpu, 6 * 4, ivt6, sizeof ivt6);
    put(cpu, 0x1000, ud2, sizeof ud2);
    start_real(cpu, 0x1000);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_INSN_LIMIT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_ESP), 0x8000 - 6 * 1000);
    e386_cpu_free(cpu);
}
END_TEST

static void put32(E386Cpu *cpu, uint32_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(cpu, addr, b, 4);
}

/* The soft TLB keeps what the architecture lets it keep: a changed PTE is
 * not seen until INVLPG, a global page survives a CR3 reload, and clearing
 * CR4.PGE flushes everything. */
START_TEST(test_tlb_invlpg_and_global_pages)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    enter_flat_pm(cpu);
    put32(cpu, 0x10000, 0x11003);
    for (uint32_t pg = 0; pg < 256; pg++)
        put32(cpu, 0x11000 + pg * 4, (pg << 12) | 3);
    put32(cpu, 0x50000, 0x11111111);
    put32(cpu, 0x60000, 0x22222222);
    put32(cpu, 0x70000, 0x33333333);
    static const uint8_t code[] = {
        0xb8, 0x00, 0x00, 0x01, 0x00,                   /* mov eax, 0x10000 */
        0x0f, 0x22, 0xd8,                               /* mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0, /* paging on */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* out [0x50000]: 1111 */
        0xc7, 0x05, 0x40, 0x11, 0x01, 0x00, 0x03, 0x00, 0x06, 0x00, /* PTE 0x50 -> 0x60000 */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* still 1111: the TLB */
        0x0f, 0x01, 0x3d, 0x00, 0x00, 0x05, 0x00,       /* invlpg [0x50000] */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* 2222 */
        0x0f, 0x20, 0xe0, 0x0d, 0x80, 0, 0, 0, 0x0f, 0x22, 0xe0, /* CR4.PGE on */
        0xc7, 0x05, 0x40, 0x11, 0x01, 0x00, 0x03, 0x01, 0x06, 0x00, /* PTE: global */
        0x0f, 0x01, 0x3d, 0x00, 0x00, 0x05, 0x00,       /* invlpg */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* 2222, cached as global */
        0xc7, 0x05, 0x40, 0x11, 0x01, 0x00, 0x03, 0x00, 0x07, 0x00, /* PTE -> 0x70000 */
        0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8,             /* reload CR3 */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* still 2222: global */
        0x0f, 0x20, 0xe0, 0x25, 0x7f, 0xff, 0xff, 0xff, 0x0f, 0x22, 0xe0, /* CR4.PGE off */
        0xa1, 0x00, 0x00, 0x05, 0x00, 0xe7, 0xe9,       /* 3333 */
        0xf4,
    };
    put(cpu, 0x1029, code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    static const uint32_t want[] = { 0x11111111, 0x11111111, 0x22222222, 0x22222222, 0x22222222, 0x33333333 };
    ck_assert_int_eq(b.nout, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(b.out[i].v, want[i]);
    e386_cpu_free(cpu);
}
END_TEST

/* Blocks chain across linear pages and RET/CALL r/m find their target
 * in the jump cache, but only while the TLB maps the target's page as
 * when it was translated: after the PTE is changed and INVLPG drops the
 * entry, both the linked CALL rel32 and CALL EAX run the new page. */
START_TEST(test_cross_page_chain_follows_the_tlb)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    enter_flat_pm(cpu);
    put32(cpu, 0x10000, 0x11003);
    for (uint32_t pg = 0; pg < 256; pg++)
        put32(cpu, 0x11000 + pg * 4, (pg << 12) | 3);
    put32(cpu, 0x11140, 0x60003); /* linear 0x50000 -> 0x60000 */
    static const uint8_t old_page[] = { 0xb8, 0x11, 0x11, 0x11, 0x11, 0xe7, 0xe9, 0xc3 }; /* out 1111, ret */
    static const uint8_t new_page[] = { 0xb8, 0x22, 0x22, 0x22, 0x22, 0xe7, 0xe9, 0xc3 }; /* out 2222, ret */
    put(cpu, 0x60000, old_page, sizeof old_page);
    put(cpu, 0x70000, new_page, sizeof new_page);
    static const uint8_t code[] = {
        0xb8, 0x00, 0x00, 0x01, 0x00,                   /* 1029 mov eax, 0x10000 */
        0x0f, 0x22, 0xd8,                               /* 102e mov cr3, eax */
        0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0, /* 1031 paging on */
        0xb9, 0x03, 0x00, 0x00, 0x00,                   /* 103c mov ecx, 3 */
        0xe8, 0xba, 0xef, 0x04, 0x00,                   /* 1041 call 0x50000 */
        0xb8, 0x00, 0x00, 0x05, 0x00,                   /* 1046 mov eax, 0x50000 */
        0xff, 0xd0,                                     /* 104b call eax */
        0x83, 0xf9, 0x02,                               /* 104d cmp ecx, 2 */
        0x75, 0x11,                                     /* 1050 jne 0x1063 */
        0xc7, 0x05, 0x40, 0x11, 0x01, 0x00, 0x03, 0x00, 0x07, 0x00, /* 1052 PTE 0x50 -> 0x70000 */
        0x0f, 0x01, 0x3d, 0x00, 0x00, 0x05, 0x00,       /* 105c invlpg [0x50000] */
        0x49,                                           /* 1063 dec ecx */
        0x75, 0xdb,                                     /* 1064 jnz 0x1041 */
        0xf4,                                           /* 1066 hlt */
    };
    put(cpu, 0x1029, code, sizeof code);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    /* the third time round the CALL rel32 follows its link */
    static const uint32_t want[] = { 0x11111111, 0x11111111, 0x11111111, 0x11111111, 0x22222222, 0x22222222 };
    ck_assert_int_eq(b.nout, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(b.out[i].v, want[i]);
    e386_cpu_free(cpu);
}
END_TEST

/* JMP to a TSS and back: the outgoing state is saved, the incoming one
 * loaded, busy bits follow the JMPs, TR and CR0.TS are set. */
START_TEST(test_task_switch_by_jmp)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    enter_flat_pm(cpu);
    /* TSS descriptors 0x18 (base 0x2000) and 0x20 (base 0x2100), type 9 */
    put32(cpu, 0x500 + 0x18, 0x20000067);
    put32(cpu, 0x500 + 0x1c, 0x00008900);
    put32(cpu, 0x500 + 0x20, 0x21000067);
    put32(cpu, 0x500 + 0x24, 0x00008900);
    static const uint8_t gdtr[] = { 0x27, 0 };
    put(cpu, 0x600, gdtr, 2);
    uint32_t tb = 0x2100; /* task B's TSS */
    put32(cpu, tb + 0x20, 0x1100);   /* EIP */
    put32(cpu, tb + 0x24, 2);        /* EFLAGS */
    put32(cpu, tb + 0x28, 0xb0b0);   /* EAX */
    put32(cpu, tb + 0x38, 0x9000);   /* ESP */
    put32(cpu, tb + 0x48, 0x10);     /* ES */
    put32(cpu, tb + 0x4c, 0x08);     /* CS */
    put32(cpu, tb + 0x50, 0x10);     /* SS */
    put32(cpu, tb + 0x54, 0x10);     /* DS */
    static const uint8_t task_a[] = {
        0x66, 0xb8, 0x18, 0x00,             /* 1029 mov ax, 0x18 */
        0x0f, 0x00, 0xd8,                   /* 102d ltr ax */
        0xb8, 0xa0, 0xa0, 0x00, 0x00,       /* 1030 mov eax, 0xa0a0 */
        0xea, 0, 0, 0, 0, 0x20, 0x00,       /* 1035 jmp 0x20:0 (task B) */
        0xe7, 0xe9,                         /* 103c out 0xe9, eax: back in A */
        0xf4,                               /* 103e hlt */
    };
    static const uint8_t task_b[] = {
        0xe7, 0xe9,                         /* 1100 out 0xe9, eax */
        0xea, 0, 0, 0, 0, 0x18, 0x00,       /* 1102 jmp 0x18:0 (task A) */
    };
    put(cpu, 0x1029, task_a, sizeof task_a);
    put(cpu, 0x1100, task_b, sizeof task_b);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_int_eq(b.nout, 2);
    ck_assert_uint_eq(b.out[0].v, 0xb0b0);
    ck_assert_uint_eq(b.out[1].v, 0xa0a0);
    ck_assert_uint_eq(get32(cpu, 0x2000 + 0x20), 0x103c); /* A saved after its JMP */
    ck_assert_uint_eq(get32(cpu, 0x2100 + 0x20), 0x1109); /* B too */
    ck_assert_uint_eq(get32(cpu, 0x2100 + 0x28), 0xb0b0);
    ck_assert_uint_eq((get32(cpu, 0x500 + 0x1c) >> 8) & 0xf, 0xb); /* A busy */
    ck_assert_uint_eq((get32(cpu, 0x500 + 0x24) >> 8) & 0xf, 0x9); /* B available */
    e386_cpu_free(cpu);
}
END_TEST

/* CPUID reports exactly what system mode implements: a P6 without SSE */
/* Real-mode REP MOVS and STOS forward (16-bit offsets, segment bases,
 * word elements: the runs cpu/string.c seg_rep does a page at a time)
 * are their elements one after the other, each read whole and then
 * written, computed here on a copy of the memory: DI wrapping at 64 KiB,
 * elements crossing pages, more than one restart of 4096 elements (each
 * a pass the instruction count sees, as element by element), copies
 * onto themselves shifted by one and by three bytes, a copy to just
 * below its source, 32-bit offsets (a32), and a run into the segment's
 * limit: #GP at the first element past it, the registers at that one. */
enum { RR_CODE = 0x1000, RR_GP = 0x3000, RR_MEM = 0x100000 };

static uint32_t rr_reference(uint8_t *m, const uint32_t c[9], uint32_t *done)
{
    /* c: movs, size, a32, ds, si, es, di, n, eax */
    uint32_t size = c[1], amask = c[2] ? 0xffffffffu : 0xffffu, si = c[4], di = c[6], k;
    for (k = 0; k < c[7]; k++) {
        uint32_t so = (si + k * size) & amask, dof = (di + k * size) & amask;
        if (dof + size - 1 > 0xffff || (c[0] && so + size - 1 > 0xffff))
            break; /* #GP: past the real-mode limit */
        uint8_t el[4];
        for (uint32_t b = 0; b < size; b++)
            el[b] = c[0] ? m[c[3] * 16 + so + b] : (uint8_t)(c[8] >> 8 * b);
        for (uint32_t b = 0; b < size; b++)
            m[c[5] * 16 + dof + b] = el[b];
    }
    *done = k;
    return k;
}

START_TEST(test_real_mode_rep_runs_are_their_elements)
{
    static const uint32_t cases[][9] = {
        /* movs, size, a32, ds, si, es, di, n, eax */
        { 0, 2, 0, 0, 0, 0x2008, 0xf000, 0x1000, 0x1234 },      /* DI wraps mid-page */
        { 0, 1, 0, 0, 0, 0x2000, 0x0003, 10000, 0x99 },         /* three passes */
        { 0, 4, 0, 0, 0, 0x2000, 0x0002, 0x3000, 0xa1b2c3d4 },
        { 1, 2, 0, 0x3000, 0x0001, 0x2000, 0x0100, 0x2000, 0 }, /* odd SI: elements across pages */
        { 1, 1, 0, 0x2000, 0x0100, 0x2000, 0x0101, 5000, 0 },   /* onto itself, one byte on */
        { 1, 2, 0, 0x2000, 0x0100, 0x2000, 0x0103, 3000, 0 },   /* words three bytes on */
        { 1, 2, 0, 0x2000, 0x0101, 0x2000, 0x0100, 3000, 0 },   /* to just below the source */
        { 1, 4, 1, 0x3000, 0x0010, 0x2000, 0x8000, 0x1000, 0 }, /* a32 */
        { 1, 2, 0, 0x3004, 0xfff0, 0x2000, 0x4000, 0x100, 0 },  /* SI wraps mid-page */
        { 0, 4, 1, 0, 0, 0x2008, 0xff00, 0x100, 0x55aa55aa },   /* into the limit mid-page: #GP */
    };
    static uint8_t want[RR_MEM], got[RR_MEM];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint32_t *c = cases[i];
        Bus b;
        E386Cpu *cpu = machine(&b);
        for (uint32_t a = 0x10000; a < RR_MEM; a++) /* a pattern from 64 KiB on */
            got[a - 0x10000] = (uint8_t)(a * 13 + (a >> 11));
        put(cpu, 0x10000, got, RR_MEM - 0x10000);
        static const uint8_t ivt13[] = { RR_GP & 0xff, RR_GP >> 8, 0, 0 };
        static const uint8_t gp[] = { 0xf4 }; /* hlt */
        put(cpu, 13 * 4, ivt13, sizeof ivt13);
        put(cpu, RR_GP, gp, sizeof gp);
        uint8_t code[64];
        size_t n = 0;
        code[n++] = 0xb8, code[n++] = (uint8_t)c[3], code[n++] = (uint8_t)(c[3] >> 8); /* mov ax, ds */
        code[n++] = 0x8e, code[n++] = 0xd8;                                            /* mov ds, ax */
        code[n++] = 0xb8, code[n++] = (uint8_t)c[5], code[n++] = (uint8_t)(c[5] >> 8); /* mov ax, es */
        code[n++] = 0x8e, code[n++] = 0xc0;                                            /* mov es, ax */
        const uint32_t regs[4][2] = { { 0xbe, c[4] }, { 0xbf, c[6] }, { 0xb9, c[7] }, { 0xb8, c[8] } };
        for (int r = 0; r < 4; r++) { /* mov esi/edi/ecx/eax, imm32 */
            code[n++] = 0x66, code[n++] = (uint8_t)regs[r][0];
            for (int k = 0; k < 4; k++)
                code[n++] = (uint8_t)(regs[r][1] >> 8 * k);
        }
        if (c[1] == 4)
            code[n++] = 0x66;
        if (c[2])
            code[n++] = 0x67;
        code[n++] = 0xf3, code[n++] = (uint8_t)((c[0] ? 0xa4 : 0xaa) | (c[1] > 1)); /* rep movs/stos */
        code[n++] = 0xf4; /* hlt */
        put(cpu, RR_CODE, code, n);
        start_real(cpu, RR_CODE);
        /* the reference, on the same bytes: the memory from 0 as the machine has it */
        ck_assert_int_eq(e386_mem_read(cpu, 0, want, RR_MEM), 0);
        uint32_t done;
        rr_reference(want, c, &done);
        e386_exit ex;
        ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
        ck_assert_int_eq(e386_mem_read(cpu, 0, got, RR_MEM), 0);
        uint32_t amask = c[2] ? 0xffffffffu : 0xffffu, keep = ~amask;
        ck_assert_uint_eq(e386_reg_read(cpu, E386_ECX), (c[7] & keep) | ((c[7] - done) & amask));
        ck_assert_uint_eq(e386_reg_read(cpu, E386_EDI), (c[6] & keep) | ((c[6] + done * c[1]) & amask));
        if (c[0])
            ck_assert_uint_eq(e386_reg_read(cpu, E386_ESI), (c[4] & keep) | ((c[4] + done * c[1]) & amask));
        if (done < c[7]) {
            ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), RR_GP + 1); /* the #GP handler's HLT */
            memcpy(want + 0x7ff0, got + 0x7ff0, 0x10);                    /* and the #GP's frame */
        } else {
            /* 8 moves, the REP once a pass of 4096 elements (the
             * count the element-by-element path gave before seg_rep)
             * and the HLT once: a restart does not count the HLT after
             * the REP again (test_rep_restart_counts_what_follows_once) */
            ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), RR_CODE + n);
            ck_assert_uint_eq(e386_insn_count(cpu), 8 + (c[7] + 4095) / 4096 + 1);
        }
        ck_assert_msg(memcmp(got, want, RR_MEM) == 0, "case %zu: memory differs", i);
        e386_cpu_free(cpu);
    }
}
END_TEST

START_TEST(test_cpuid_features)
{
    Bus b;
    E386Cpu *cpu = machine(&b);
    static const uint8_t code[] = {
        0x66, 0xb8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 */
        0x0f, 0xa2,                         /* cpuid */
        0xf4,                               /* hlt */
    };
    put(cpu, 0x1000, code, sizeof code);
    start_real(cpu, 0x1000);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 0, &ex), E386_EXIT_HLT);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x0631);
    /* FPU DE PSE TSC MSR CX8 PGE CMOV */
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EDX), 0x0000a13du);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("system");
    TCase *tc = tcase_create("system");
    tcase_add_test(tc, test_power_on_state);
    tcase_add_test(tc, test_real_mode_int_and_iret);
    tcase_add_test(tc, test_hlt_woken_by_intr_after_sti_shadow);
    tcase_add_test(tc, test_protected_mode_paging_page_fault);
    tcase_add_test(tc, test_mmio_alias_and_floating_bus);
    tcase_add_test(tc, test_fault_loop_uses_the_budget);
    tcase_add_test(tc, test_cpuid_features);
    tcase_add_test(tc, test_real_mode_rep_runs_are_their_elements);
    tcase_add_test(tc, test_tlb_invlpg_and_global_pages);
    tcase_add_test(tc, test_cross_page_chain_follows_the_tlb);
    tcase_add_test(tc, test_task_switch_by_jmp);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
