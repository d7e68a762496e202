/* The GDB stub's packet layer (src/gdb): framing, checksums, escapes,
 * hostile packets, registers, memory (unmapped and through page tables)
 * and the engine's debug hook under breakpoints and single-step. */
#include <check.h>
#include "unit_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/cpu.h"
#include "gdb/gdb.h"
#include "gdb/gdb_mem.h"
#include "gdb/gdb_packet.h"
#include "gdb/gdb_regs.h"

/* ---- a GdbIo that records what the stub sends ---- */
typedef struct Sink {
    char buf[65536];
    size_t len;
} Sink;

static int sink_write(void *o, const void *b, size_t n)
{
    Sink *s = o;
    ck_assert_uint_lt(s->len + n, sizeof s->buf);
    memcpy(s->buf + s->len, b, n);
    s->len += n;
    s->buf[s->len] = 0;
    return 0;
}
static int no_accept(void *o, int wait) { (void)o; (void)wait; return 0; }
static long no_read(void *o, void *b, size_t c, int t) { (void)o; (void)b; (void)c; (void)t; return -1; }

static Sink sink;

static E386Gdb *stub(E386Cpu *cpu)
{
    GdbIo io = { no_accept, sink_write, no_read, NULL, &sink };
    sink.len = 0;
    sink.buf[0] = 0;
    E386Gdb *g = gdb_new(cpu, &io, 0);
    ck_assert_ptr_nonnull(g);
    return g;
}

/* send one packet body, return the body of the reply (framing checked) */
static const char *ask(E386Gdb *g, const char *body, int *act)
{
    static char out[65536];
    sink.len = 0;
    sink.buf[0] = 0;
    int a = gdb_handle_packet(g, body, strlen(body));
    if (act)
        *act = a;
    if (sink.len == 0)
        return NULL;
    /* $body#cs with a correct checksum */
    ck_assert_int_eq(sink.buf[0], '$');
    char *hash = strrchr(sink.buf, '#');
    ck_assert_ptr_nonnull(hash);
    GdbRx rx;
    gdb_rx_init(&rx);
    int ev = GDB_RX_NONE;
    for (size_t i = 0; i < sink.len; i++)
        ev = gdb_rx_byte(&rx, (uint8_t)sink.buf[i]);
    ck_assert_int_eq(ev, GDB_RX_PACKET);
    memcpy(out, rx.buf, rx.len + 1);
    return out;
}

static int feed_str(GdbRx *rx, const char *s)
{
    int ev = GDB_RX_NONE;
    for (; *s; s++) {
        ev = gdb_rx_byte(rx, (uint8_t)*s);
        if (ev != GDB_RX_NONE && s[1])
            return -100 - ev; /* an event before the end: not what the tests expect */
    }
    return ev;
}

START_TEST(test_frame_and_checksum)
{
    char out[64];
    size_t n = gdb_frame("OK", 2, out, sizeof out);
    ck_assert_uint_eq(n, 6);
    ck_assert(!memcmp(out, "$OK#9a", 6));
    /* '$', '#', '}' and '*' are escaped as '}' then the byte ^ 0x20 */
    n = gdb_frame("a}#$*", 5, out, sizeof out);
    out[n] = 0;
    ck_assert(!memcmp(out, "$a}]}\x03}\x04}\x0a#", 11));
    GdbRx rx;
    gdb_rx_init(&rx);
    ck_assert_int_eq(feed_str(&rx, out), GDB_RX_PACKET);
    ck_assert_uint_eq(rx.len, 5);
    ck_assert(!memcmp(rx.buf, "a}#$*", 5));
    /* too small a buffer: 0, never an overrun */
    ck_assert_uint_eq(gdb_frame("OK", 2, out, 5), 0);
    ck_assert_uint_eq(gdb_frame("}}}}", 4, out, 10), 0);
}
END_TEST

START_TEST(test_rx_events)
{
    GdbRx rx;
    gdb_rx_init(&rx);
    ck_assert_int_eq(feed_str(&rx, "$g#67"), GDB_RX_PACKET);
    ck_assert_str_eq(rx.buf, "g");
    ck_assert_int_eq(feed_str(&rx, "$g#68"), GDB_RX_BAD);    /* wrong checksum */
    ck_assert_int_eq(feed_str(&rx, "$g#6z"), GDB_RX_BAD);    /* not hex */
    ck_assert_int_eq(feed_str(&rx, "$g}#fa"), GDB_RX_BAD);   /* a dangling escape */
    ck_assert_int_eq(gdb_rx_byte(&rx, 0x03), GDB_RX_INTERRUPT);
    ck_assert_int_eq(gdb_rx_byte(&rx, '+'), GDB_RX_ACK);
    ck_assert_int_eq(gdb_rx_byte(&rx, '-'), GDB_RX_NAK);
    ck_assert_int_eq(gdb_rx_byte(&rx, 'x'), GDB_RX_NONE);    /* noise between packets */
    /* a '$' inside a packet: the first is lost, the second still parses */
    ck_assert_int_eq(gdb_rx_byte(&rx, '$'), GDB_RX_NONE);
    ck_assert_int_eq(gdb_rx_byte(&rx, 'm'), GDB_RX_NONE);
    ck_assert_int_eq(gdb_rx_byte(&rx, '$'), GDB_RX_BAD);
    ck_assert_int_eq(feed_str(&rx, "?#3f"), GDB_RX_PACKET);
    ck_assert_str_eq(rx.buf, "?");
    /* 0x03 inside a packet is data, not an interrupt */
    ck_assert_int_eq(feed_str(&rx, "$\x03#03"), GDB_RX_PACKET);
}
END_TEST

START_TEST(test_rx_overlong)
{
    GdbRx rx;
    gdb_rx_init(&rx);
    ck_assert_int_eq(gdb_rx_byte(&rx, '$'), GDB_RX_NONE);
    uint8_t sum = 0;
    for (int i = 0; i < 3 * GDB_MAX_PACKET; i++) {
        loop_assert_eq(gdb_rx_byte(&rx, 'a'), GDB_RX_NONE);
        sum = (uint8_t)(sum + 'a');
    }
    char tail[4];
    snprintf(tail, sizeof tail, "%02x", sum);
    ck_assert_int_eq(gdb_rx_byte(&rx, '#'), GDB_RX_NONE);
    ck_assert_int_eq(gdb_rx_byte(&rx, (uint8_t)tail[0]), GDB_RX_NONE);
    ck_assert_int_eq(gdb_rx_byte(&rx, (uint8_t)tail[1]), GDB_RX_BAD); /* refused, even with a good sum */
    ck_assert_uint_le(rx.len, GDB_MAX_PACKET);
    ck_assert_int_eq(feed_str(&rx, "$g#67"), GDB_RX_PACKET); /* and the next one is fine */
}
END_TEST

START_TEST(test_hex)
{
    const char *p = "ffffffff,";
    uint32_t v;
    ck_assert_int_eq(gdb_parse_hex32(&p, &v), 0);
    ck_assert_uint_eq(v, 0xffffffffu);
    ck_assert_int_eq(*p, ',');
    p = "100000000";
    ck_assert_int_eq(gdb_parse_hex32(&p, &v), -1); /* 33 bits */
    p = "00000000000000001";
    ck_assert_int_eq(gdb_parse_hex32(&p, &v), -1); /* absurdly long */
    p = "0000000012";
    ck_assert_int_eq(gdb_parse_hex32(&p, &v), 0);
    ck_assert_uint_eq(v, 0x12);
    p = ",1";
    ck_assert_int_eq(gdb_parse_hex32(&p, &v), -1);
    uint8_t b[2];
    ck_assert_int_eq(gdb_hex_decode("a5F0", b, 2), 0);
    ck_assert_uint_eq(b[0], 0xa5);
    ck_assert_uint_eq(b[1], 0xf0);
    ck_assert_int_eq(gdb_hex_decode("a5g0", b, 2), -1);
    ck_assert_int_eq(gdb_hex_decode("a", b, 1), -1); /* the NUL is not a digit */
}
END_TEST

static E386Cpu *user_cpu(void)
{
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    e386_cpu_reset_user(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0x1000, 0x2000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    return cpu;
}

START_TEST(test_malformed_packets)
{
    E386Cpu *cpu = user_cpu();
    E386Gdb *g = stub(cpu);
    static const char *bad[] = {
        "m", "m1000", "m1000,", "mzz,4", "m1000,4x", "m,4", "m100000000,1",
        "M1000,2:zz00", "M1000,2:00", "M1000,1:0000", "M1000,2000:00", "M1000,2",
        "p", "p20", "p99", "pffffffff", "p8x", "P8", "P8=", "P8=123", "P8=zz000000", "P20=00000000",
        "G0", "Gzz", "G123",
        "Z0", "Z0,", "Z0,1000", "Z0,1000,", "Z0,zz,1", "Z2,1000,0", "Z2,1000,41", "Z2,ffffffff,2",
        "cxyz", "s12345678901", "Cxx", "vCont;x", "vCont;", "vCont;C", "vCont;S;", "vCont;s:2", "qXfer:features:read:target.xml:zz,10",
        "qXfer:features:read:target.xml:100000,10", "qXfer:features:read:other.xml:0,10",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int act;
        const char *r = ask(g, bad[i], &act);
        ck_assert_msg(r && r[0] == 'E', "%s -> %s", bad[i], r ? r : "(nothing)");
        ck_assert_int_eq(act, GDB_ACT_NONE);
    }
    /* unknown packets get the empty reply */
    ck_assert_str_eq(ask(g, "qNoSuchThing", NULL), "");
    ck_assert_str_eq(ask(g, "vMustReplyEmpty", NULL), "");
    ck_assert_str_eq(ask(g, "Z3,1000,4", NULL), ""); /* read watchpoints: not supported */
    ck_assert_str_eq(ask(g, "Z9,1000,4", NULL), "");
    /* a NUL inside a text packet */
    sink.len = 0;
    ck_assert_int_eq(gdb_handle_packet(g, "m1\0,4", 5), GDB_ACT_NONE);
    ck_assert(strstr(sink.buf, "$E01#") != NULL);
    gdb_free(g);
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_memory)
{
    E386Cpu *cpu = user_cpu();
    E386Gdb *g = stub(cpu);
    ck_assert_str_eq(ask(g, "m0,4", NULL), "E0e");          /* unmapped */
    ck_assert_str_eq(ask(g, "m2ffe,4", NULL), "E0e");       /* runs off the mapping */
    ck_assert_str_eq(ask(g, "mfffffffe,4", NULL), "E0e");   /* past 4 GiB */
    ck_assert_str_eq(ask(g, "M0,1:00", NULL), "E0e");
    ck_assert_str_eq(ask(g, "M1ffe,4:11223344", NULL), "OK"); /* across two pages */
    ck_assert_str_eq(ask(g, "m1ffe,4", NULL), "11223344");
    ck_assert_str_eq(ask(g, "m1ffe,0", NULL), "");
    /* X: binary, escaped on the wire: 0x7d ('}') sent as "}]" */
    const char *x = "X1000,2:}]\x01";
    char frame[64];
    /* build the raw frame by hand: gdb_frame would escape our escape */
    uint8_t sum = 0;
    for (const char *c = x; *c; c++)
        sum = (uint8_t)(sum + (uint8_t)*c);
    snprintf(frame, sizeof frame, "$%s#%02x", x, sum);
    sink.len = 0;
    gdb_feed(g, (const uint8_t *)frame, strlen(frame));
    ck_assert(strstr(sink.buf, "$OK#") != NULL);
    ck_assert_str_eq(ask(g, "m1000,2", NULL), "7d01");
    /* a big read is clipped to what fits in a packet */
    const char *r = ask(g, "m1000,ffffffff", NULL);
    ck_assert_uint_eq(strlen(r), GDB_MAX_PACKET);
    gdb_free(g);
    e386_cpu_free(cpu);
}
END_TEST

START_TEST(test_registers)
{
    E386Cpu *cpu = user_cpu();
    E386Gdb *g = stub(cpu);
    e386_reg_write(cpu, E386_EAX, 0x11223344);
    e386_reg_write(cpu, E386_EIP, 0x1000);
    const char *r = ask(g, "g", NULL);
    ck_assert_uint_eq(strlen(r), 2 * GDB_G_BYTES);
    ck_assert(!strncmp(r, "44332211", 8));
    ck_assert_str_eq(ask(g, "p8", NULL), "00100000");
    ck_assert_str_eq(ask(g, "P0=78563412", NULL), "OK");
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x12345678);
    /* segments in GDB's order: cs (10) is 0x23 in user mode */
    ck_assert_str_eq(ask(g, "pa", NULL), "23000000");
    ck_assert_str_eq(ask(g, "Pa=ffff0000", NULL), "E16"); /* a selector the CPU refuses */
    /* x87: st0 after FNINIT is empty zero; fctrl 0x37f */
    ck_assert_str_eq(ask(g, "p18", NULL), "7f030000");
    ck_assert_str_eq(ask(g, "P10=0000000000000080ff3f", NULL), "OK"); /* st0 = 1.0 */
    ck_assert_str_eq(ask(g, "p10", NULL), "0000000000000080ff3f");
    /* G with what g gave back changes nothing and succeeds */
    char all[2 * GDB_G_BYTES + 2];
    all[0] = 'G';
    strcpy(all + 1, ask(g, "g", NULL));
    ck_assert_str_eq(ask(g, all, NULL), "OK");
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0x12345678);
    /* the target description names the i386 core feature */
    r = ask(g, "qXfer:features:read:target.xml:0,fff", NULL);
    ck_assert_int_eq(r[0], 'l');
    ck_assert(strstr(r, "org.gnu.gdb.i386.core") && strstr(r, "\"st7\"") && strstr(r, "\"fop\""));
    r = ask(g, "qXfer:features:read:target.xml:0,10", NULL);
    ck_assert_int_eq(r[0], 'm');
    ck_assert_uint_eq(strlen(r), 0x11);
    gdb_free(g);
    e386_cpu_free(cpu);
}
END_TEST

/* the engine under the stub: a breakpoint stops before the instruction,
 * a step after one, and a continue with nothing set needs no hook */
START_TEST(test_break_and_step)
{
    E386Cpu *cpu = user_cpu();
    static const uint8_t code[] = { 0x90, 0x90, 0x40, 0x40, 0xeb, 0xfa }; /* nop nop inc inc jmp -6 */
    ck_assert_int_eq(e386_mem_write(cpu, 0x1000, code, sizeof code), 0);
    e386_reg_write(cpu, E386_EIP, 0x1000);
    E386Gdb *g = stub(cpu);
    e386_exit ex;
    int act;
    ck_assert_str_eq(ask(g, "Z0,1002,1", NULL), "OK");
    ask(g, "c", &act);
    ck_assert_int_eq(act, GDB_ACT_RESUME);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_DEBUG);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1002);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 0);
    ck_assert_str_eq(ask(g, "?", NULL), "T05thread:01;swbreak:;");
    /* continuing from the breakpoint runs its instruction, then the loop comes back to it */
    ask(g, "c", &act);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_DEBUG);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1002);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EAX), 2);
    /* one step */
    ask(g, "vCont;s:1", &act);
    ck_assert_int_eq(act, GDB_ACT_RESUME);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_DEBUG);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1003);
    ck_assert_str_eq(ask(g, "?", NULL), "T05thread:01;");
    /* a write watchpoint on a stored byte */
    ck_assert_str_eq(ask(g, "z0,1002,1", NULL), "OK");
    ck_assert_str_eq(ask(g, "Z2,1003,1", NULL), "OK");
    ask(g, "c", &act);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_INSN_LIMIT); /* nothing stores there */
    ck_assert_str_eq(ask(g, "M1003,1:41", NULL), "OK");     /* the debugger's own write is no hit */
    ask(g, "c", &act);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_INSN_LIMIT);
    ck_assert_str_eq(ask(g, "z2,1003,1", NULL), "OK");
    /* nothing set: continue runs without the hook */
    ask(g, "c", &act);
    ck_assert_ptr_null(cpu->debug_hook);
    ck_assert_int_eq(e386_run(cpu, 1000, &ex), E386_EXIT_INSN_LIMIT);
    /* a Ctrl-C in the same read as the continue still stops (SIGINT) */
    static const uint8_t c_then_intr[] = "$c#63\x03";
    ck_assert_int_eq(gdb_feed(g, c_then_intr, sizeof c_then_intr - 1), GDB_ACT_RESUME);
    ck_assert_str_eq(ask(g, "?", NULL), "T02thread:01;");
    /* detach and kill are actions for the runner */
    ask(g, "D", &act);
    ck_assert_int_eq(act, GDB_ACT_DETACH);
    ask(g, "k", &act);
    ck_assert_int_eq(act, GDB_ACT_KILL);
    gdb_free(g);
    e386_cpu_free(cpu);
}
END_TEST

/* system mode: linear addresses through the guest's page tables, with no
 * accessed bit set by the debugger's walk */
static uint32_t io_read(void *o, uint16_t p, int s) { (void)o; (void)p; (void)s; return 0xffffffffu; }
static void io_write(void *o, uint16_t p, int s, uint32_t v) { (void)o; (void)p; (void)s; (void)v; }
static int intr_ack(void *o) { (void)o; return 8; }
static uint64_t clock_ns(void *o) { (void)o; return 0; }

/* guest memory is little-endian whatever the host is */
static int poke32(E386Cpu *cpu, uint32_t addr, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    return e386_mem_write(cpu, addr, b, 4);
}

START_TEST(test_paged_memory)
{
    static const e386_sys_ops ops = { io_read, io_write, intr_ack, clock_ns };
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x100000, E386_PROT_READ | E386_PROT_WRITE), 0);
    ck_assert_int_eq(e386_system_init(cpu, &ops, NULL), 0);
    uint32_t pde = 0x11000 | 3, pte = 0x20000 | 3, big = 0x00000083;
    ck_assert_int_eq(poke32(cpu, 0x10000 + 4 * 1, pde), 0); /* 4 MiB .. */
    ck_assert_int_eq(poke32(cpu, 0x11000, pte), 0);         /* .. -> 0x20000 */
    ck_assert_int_eq(poke32(cpu, 0x10000 + 4 * 2, big), 0); /* 8 MiB: a 4 MiB page at 0 */
    ck_assert_int_eq(poke32(cpu, 0x20010, 0xcafef00d), 0);
    cpu->cr3 = 0x10000;
    cpu->cr4 |= 0x10; /* PSE */
    cpu->cr0 |= 0x80000001u;
    uint8_t b[4] = { 0 };
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x400010, b, 4, 0), 0);
    ck_assert_uint_eq(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24, 0xcafef00d);
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x820010, b, 4, 0), 0); /* the large page: physical 0x20010 */
    ck_assert_uint_eq(b[0], 0x0d);
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x0, b, 4, 0), -1);      /* PDE 0 not present */
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x401000, b, 4, 0), -1); /* PTE not present */
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x400ffe, b, 4, 0), -1); /* runs into it: nothing copied */
    uint8_t raw[4];
    ck_assert_int_eq(e386_mem_read(cpu, 0x11000, raw, 4), 0);
    ck_assert_uint_eq(raw[0] | raw[1] << 8 | raw[2] << 16 | (uint32_t)raw[3] << 24, pte); /* no accessed bit */
    uint32_t now; /* (written and read back in host order: any host) */
    ck_assert_int_eq(gdb_mem_rw(cpu, 0x400010, (uint8_t *)&(uint32_t){ 0x12345678 }, 4, 1), 0);
    ck_assert_int_eq(e386_mem_read(cpu, 0x20010, &now, 4), 0);
    ck_assert_uint_eq(now, 0x12345678);
    e386_cpu_free(cpu);
}
END_TEST

/* the engine's watch slots (system mode): the instruction completes, then
 * e386_run stops with the slot, the kinds and the address */
START_TEST(test_engine_watch)
{
    static const e386_sys_ops ops = { io_read, io_write, intr_ack, clock_ns };
    E386Cpu *user = user_cpu();
    ck_assert_int_eq(e386_debug_watch(user, 0, 0x1000, 4, E386_WATCH_WRITE), -1); /* user mode */
    e386_cpu_free(user);
    E386Cpu *cpu = e386_cpu_new();
    ck_assert_ptr_nonnull(cpu);
    ck_assert_int_eq(e386_mem_map(cpu, 0, 0x100000, E386_PROT_READ | E386_PROT_WRITE | E386_PROT_EXEC), 0);
    ck_assert_int_eq(e386_system_init(cpu, &ops, NULL), 0);
    ck_assert_int_eq(e386_debug_watch(cpu, -1, 0x2000, 4, E386_WATCH_READ), -1);
    ck_assert_int_eq(e386_debug_watch(cpu, E386_DEBUG_WATCH_MAX, 0x2000, 4, E386_WATCH_READ), -1);
    ck_assert_int_eq(e386_debug_watch(cpu, 0, 0x2000, 4, 8), -1);
    ck_assert_int_eq(e386_debug_watch(cpu, 0, 0x2000, 0, E386_WATCH_READ), -1);
    ck_assert_int_eq(e386_debug_watch(cpu, 0, 0xfffffffe, 4, E386_WATCH_READ), -1);
    /* real mode at 0:1000: mov ax,[2000]; nop; mov [2004],ax; hlt */
    static const uint8_t code[] = { 0xa1, 0x00, 0x20, 0x90, 0xa3, 0x04, 0x20, 0xf4 };
    ck_assert_int_eq(e386_mem_write(cpu, 0x1000, code, sizeof code), 0);
    ck_assert_int_eq(e386_reg_write(cpu, E386_CS, 0), 0);
    ck_assert_int_eq(e386_reg_write(cpu, E386_EIP, 0x1000), 0);
    ck_assert_int_eq(e386_debug_watch(cpu, 1, 0x2004, 2, E386_WATCH_WRITE), 0);
    ck_assert_int_eq(e386_debug_watch(cpu, 2, 0x2001, 1, E386_WATCH_READ), 0);
    e386_exit ex;
    ck_assert_int_eq(e386_run(cpu, 100, &ex), E386_EXIT_DEBUG);
    ck_assert_int_eq(ex.vector, 2);
    ck_assert_uint_eq(ex.error_code, E386_WATCH_READ);
    ck_assert_uint_eq(ex.fault_addr, 0x2001);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1003);
    ck_assert_int_eq(e386_run(cpu, 100, &ex), E386_EXIT_DEBUG);
    ck_assert_int_eq(ex.vector, 1);
    ck_assert_uint_eq(ex.error_code, E386_WATCH_WRITE);
    ck_assert_uint_eq(e386_reg_read(cpu, E386_EIP), 0x1007);
    /* cleared: the HLT comes */
    ck_assert_int_eq(e386_debug_watch(cpu, 1, 0, 0, 0), 0);
    ck_assert_int_eq(e386_debug_watch(cpu, 2, 0, 0, 0), 0);
    ck_assert_int_eq(cpu->dbg_data, 0);
    ck_assert_int_eq(e386_run(cpu, 100, &ex), E386_EXIT_HLT);
    e386_cpu_free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gdb");
    TCase *tc = tcase_create("gdb");
    tcase_set_timeout(tc, 60); /* a hang guard */
    tcase_add_test(tc, test_frame_and_checksum);
    tcase_add_test(tc, test_rx_events);
    tcase_add_test(tc, test_rx_overlong);
    tcase_add_test(tc, test_hex);
    tcase_add_test(tc, test_malformed_packets);
    tcase_add_test(tc, test_memory);
    tcase_add_test(tc, test_registers);
    tcase_add_test(tc, test_break_and_step);
    tcase_add_test(tc, test_paged_memory);
    tcase_add_test(tc, test_engine_watch);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
