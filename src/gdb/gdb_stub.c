/* The GDB stub's packets: every request the debugger sends, checked like
 * hostile input (lengths, addresses, hex), answered with an error packet
 * when malformed -- never a crash and never a host fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "gdb/gdb_int.h"
#include "gdb/gdb_mem.h"
#include "gdb/gdb_regs.h"

enum { OUT_MAX = 2 * GDB_MAX_PACKET + 8 };

void gdb_send(E386Gdb *g, const char *body, size_t len)
{
    char *frame = malloc(OUT_MAX);
    size_t n = frame ? gdb_frame(body, len, frame, OUT_MAX) : 0;
    if (!n) { /* cannot happen for the replies built here; say so rather than send nothing */
        free(frame);
        frame = malloc(8);
        if (!frame)
            return;
        n = gdb_frame("E01", 3, frame, 8);
    }
    if (g->io.write(g->io.opaque, frame, n) < 0)
        g->connected = 0; /* the runner hangs up */
    free(g->last);
    g->last = frame;
    g->last_len = n;
}

void gdb_send_str(E386Gdb *g, const char *body) { gdb_send(g, body, strlen(body)); }

static void send_err(E386Gdb *g, int err)
{
    char b[8];
    snprintf(b, sizeof b, "E%02x", err & 0xff);
    gdb_send_str(g, b);
}

enum { ERR_BAD = 1, ERR_FAULT = 14, ERR_INVAL = 22, ERR_NOSPC = 28 };

void gdb_send_stop(E386Gdb *g)
{
    char b[64];
    switch (g->stop) {
    case STOP_INTR:
        snprintf(b, sizeof b, "T02thread:01;");
        break;
    case STOP_SWBREAK:
        snprintf(b, sizeof b, "T05thread:01;swbreak:;");
        break;
    case STOP_HWBREAK:
        snprintf(b, sizeof b, "T05thread:01;hwbreak:;");
        break;
    case STOP_WATCH:
        snprintf(b, sizeof b, "T05thread:01;%s:%08x;",
                 g->stop_type == 3 ? "rwatch" : g->stop_type == 4 ? "awatch" : "watch", (unsigned)g->stop_addr);
        break;
    default:
        snprintf(b, sizeof b, "T05thread:01;");
    }
    gdb_send_str(g, b);
}

/* "ADDR,LEN" then the expected terminator (':' or '\0') */
static int parse_addr_len(const char **p, uint32_t *addr, uint32_t *len, char end)
{
    if (gdb_parse_hex32(p, addr) < 0 || **p != ',')
        return -1;
    (*p)++;
    if (gdb_parse_hex32(p, len) < 0 || **p != end)
        return -1;
    return 0;
}

static void read_regs(E386Gdb *g)
{
    uint8_t raw[GDB_G_BYTES];
    char hex[2 * GDB_G_BYTES];
    size_t off = 0;
    for (int n = 0; n < GDB_NREGS; n++)
        off += (size_t)gdb_reg_get(g->cpu, n, raw + off);
    gdb_hex_encode(raw, off, hex);
    gdb_send(g, hex, 2 * off);
}

static void write_regs(E386Gdb *g, const char *p, size_t len)
{
    uint8_t raw[GDB_G_BYTES];
    /* a shorter G sets the registers it covers, whole ones only */
    if (len % 2 || len > 2 * GDB_G_BYTES || gdb_hex_decode(p, raw, len / 2) < 0) {
        send_err(g, ERR_INVAL);
        return;
    }
    size_t have = len / 2, off = 0;
    int bad = 0;
    for (int n = 0; n < GDB_NREGS; n++) {
        size_t sz = (size_t)gdb_reg_size(n);
        if (off + sz > have)
            break;
        bad |= gdb_reg_set(g->cpu, n, raw + off) < 0;
        off += sz;
    }
    if (bad)
        send_err(g, ERR_INVAL);
    else
        gdb_send_str(g, "OK");
}

static void read_reg(E386Gdb *g, const char *p)
{
    uint32_t n;
    uint8_t raw[GDB_REG_MAX];
    char hex[2 * GDB_REG_MAX];
    if (gdb_parse_hex32(&p, &n) < 0 || *p || n >= GDB_NREGS) {
        send_err(g, ERR_INVAL);
        return;
    }
    int sz = gdb_reg_get(g->cpu, (int)n, raw);
    gdb_hex_encode(raw, (size_t)sz, hex);
    gdb_send(g, hex, 2 * (size_t)sz);
}

static void write_reg(E386Gdb *g, const char *p)
{
    uint32_t n;
    uint8_t raw[GDB_REG_MAX];
    if (gdb_parse_hex32(&p, &n) < 0 || *p != '=' || n >= GDB_NREGS) {
        send_err(g, ERR_INVAL);
        return;
    }
    p++;
    size_t sz = (size_t)gdb_reg_size((int)n);
    if (strlen(p) != 2 * sz || gdb_hex_decode(p, raw, sz) < 0 || gdb_reg_set(g->cpu, (int)n, raw) < 0) {
        send_err(g, ERR_INVAL);
        return;
    }
    gdb_send_str(g, "OK");
}

static void read_mem(E386Gdb *g, const char *p)
{
    uint32_t addr, len;
    if (parse_addr_len(&p, &addr, &len, '\0') < 0) {
        send_err(g, ERR_INVAL);
        return;
    }
    if (len > GDB_MAX_PACKET / 2) /* gdb splits by our PacketSize; a bigger one is clipped */
        len = GDB_MAX_PACKET / 2;
    uint8_t buf[GDB_MAX_PACKET / 2];
    char hex[GDB_MAX_PACKET];
    if (gdb_mem_rw(g->cpu, addr, buf, len, 0) < 0) {
        send_err(g, ERR_FAULT);
        return;
    }
    gdb_hex_encode(buf, len, hex);
    gdb_send(g, hex, 2 * (size_t)len);
}

/* M (hex data) and X (binary data, already unescaped by the receiver) */
static void write_mem(E386Gdb *g, const char *p, size_t plen, int binary)
{
    const char *start = p;
    uint32_t addr, len;
    uint8_t buf[GDB_MAX_PACKET];
    if (parse_addr_len(&p, &addr, &len, ':') < 0) {
        send_err(g, ERR_INVAL);
        return;
    }
    p++;
    size_t data = plen - (size_t)(p - start);
    if (len > sizeof buf || data != (binary ? len : 2 * (size_t)len) ||
        (!binary && gdb_hex_decode(p, buf, len) < 0)) {
        send_err(g, ERR_INVAL);
        return;
    }
    if (binary)
        memcpy(buf, p, len);
    if (len && gdb_mem_rw(g->cpu, addr, buf, len, 1) < 0) {
        send_err(g, ERR_FAULT);
        return;
    }
    gdb_send_str(g, "OK");
}

static void point(E386Gdb *g, const char *p, int insert)
{
    uint32_t type, addr, kind;
    int err = ERR_INVAL;
    if (gdb_parse_hex32(&p, &type) < 0 || *p++ != ',' || gdb_parse_hex32(&p, &addr) < 0 || *p++ != ',' ||
        gdb_parse_hex32(&p, &kind) < 0 || (*p && *p != ';')) { /* ;cond lists are ignored */
        send_err(g, ERR_INVAL);
        return;
    }
    if (type > 4) {
        gdb_send_str(g, ""); /* not a kind we know: unsupported */
        return;
    }
    int r = insert ? gdb_point_insert(g, (int)type, addr, kind, &err) : gdb_point_remove(g, (int)type, addr, kind);
    if (r == 1)
        gdb_send_str(g, ""); /* a kind this target does not support */
    else if (r < 0)
        send_err(g, err);
    else
        gdb_send_str(g, "OK");
}

/* qXfer:features:read:target.xml:OFF,LEN */
static void xfer_features(E386Gdb *g, const char *p)
{
    const char *xml = gdb_target_xml();
    static const char annex[] = "target.xml:";
    uint32_t off, len;
    if (strncmp(p, annex, sizeof annex - 1)) {
        send_err(g, 0); /* E00: no such annex */
        return;
    }
    p += sizeof annex - 1;
    if (parse_addr_len(&p, &off, &len, '\0') < 0) {
        send_err(g, ERR_INVAL);
        return;
    }
    size_t total = strlen(xml);
    if (off > total) {
        send_err(g, ERR_INVAL);
        return;
    }
    if (len > GDB_MAX_PACKET - 1)
        len = GDB_MAX_PACKET - 1;
    size_t n = total - off < len ? total - off : len;
    char buf[GDB_MAX_PACKET];
    buf[0] = off + n >= total ? 'l' : 'm';
    memcpy(buf + 1, xml + off, n);
    gdb_send(g, buf, n + 1);
}

/* s/c [ADDR]: an optional new EIP (a linear address under a flat CS) */
static int resume_at(E386Gdb *g, const char *p, int step)
{
    if (*p) {
        uint32_t a;
        if (gdb_parse_hex32(&p, &a) < 0 || *p) {
            send_err(g, ERR_INVAL);
            return GDB_ACT_NONE;
        }
        e386_reg_write(g->cpu, E386_EIP, a - e386_seg_base(g->cpu, 1));
    }
    gdb_resume(g, step);
    return GDB_ACT_RESUME;
}

/* vCont;ACTION[:TID]...: the first action for our one thread wins */
static int vcont(E386Gdb *g, const char *p)
{
    while (*p == ';') {
        p++;
        char a = *p;
        if (a != 'c' && a != 'C' && a != 's' && a != 'S')
            break; /* also the end of the packet: never read past its NUL */
        p++;
        if (a == 'C' || a == 'S') { /* the signal is not delivered: there is none to give */
            uint32_t sig;
            if (gdb_parse_hex32(&p, &sig) < 0)
                break;
        }
        int ours = 1;
        if (*p == ':') {
            p++;
            ours = (p[0] == '-' && p[1] == '1') || strtoul(p, NULL, 16) == 1 || strtoul(p, NULL, 16) == 0;
            while (*p && *p != ';')
                p++;
        }
        if (ours) {
            gdb_resume(g, a == 's' || a == 'S');
            return GDB_ACT_RESUME;
        }
    }
    send_err(g, ERR_INVAL);
    return GDB_ACT_NONE;
}

static int query(E386Gdb *g, const char *p)
{
    if (!strncmp(p, "qSupported", 10)) {
        char b[160];
        snprintf(b, sizeof b,
                 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+",
                 GDB_MAX_PACKET);
        gdb_send_str(g, b);
    } else if (!strcmp(p, "qAttached")) {
        gdb_send_str(g, "1");
    } else if (!strcmp(p, "qC")) {
        gdb_send_str(g, "QC01");
    } else if (!strcmp(p, "qfThreadInfo")) {
        gdb_send_str(g, "m01");
    } else if (!strcmp(p, "qsThreadInfo")) {
        gdb_send_str(g, "l");
    } else if (!strncmp(p, "qSymbol", 7)) {
        gdb_send_str(g, "OK");
    } else if (!strncmp(p, "qXfer:features:read:", 20)) {
        xfer_features(g, p + 20);
    } else {
        gdb_send_str(g, ""); /* unsupported: the empty reply */
    }
    return GDB_ACT_NONE;
}

int gdb_handle_packet(E386Gdb *g, const char *p, size_t len)
{
    if (len == 0) {
        gdb_send_str(g, "");
        return GDB_ACT_NONE;
    }
    if (memchr(p, '\0', len) && p[0] != 'X') { /* text packets have no NUL; X carries binary */
        send_err(g, ERR_BAD);
        return GDB_ACT_NONE;
    }
    switch (p[0]) {
    case '?':
        gdb_send_stop(g);
        return GDB_ACT_NONE;
    case 'g':
        read_regs(g);
        return GDB_ACT_NONE;
    case 'G':
        write_regs(g, p + 1, len - 1);
        return GDB_ACT_NONE;
    case 'p':
        read_reg(g, p + 1);
        return GDB_ACT_NONE;
    case 'P':
        write_reg(g, p + 1);
        return GDB_ACT_NONE;
    case 'm':
        read_mem(g, p + 1);
        return GDB_ACT_NONE;
    case 'M':
        write_mem(g, p + 1, len - 1, 0);
        return GDB_ACT_NONE;
    case 'X':
        write_mem(g, p + 1, len - 1, 1);
        return GDB_ACT_NONE;
    case 'Z':
    case 'z':
        point(g, p + 1, p[0] == 'Z');
        return GDB_ACT_NONE;
    case 'c':
        return resume_at(g, p + 1, 0);
    case 's':
        return resume_at(g, p + 1, 1);
    case 'C':
    case 'S': { /* a signal number we cannot deliver, then an optional ;ADDR */
        const char *q = p + 1;
        uint32_t sig;
        if (gdb_parse_hex32(&q, &sig) < 0 || (*q && *q != ';')) {
            send_err(g, ERR_INVAL);
            return GDB_ACT_NONE;
        }
        return resume_at(g, *q ? q + 1 : q, p[0] == 'S');
    }
    case 'D':
        gdb_send_str(g, "OK");
        return GDB_ACT_DETACH;
    case 'k':
        return GDB_ACT_KILL;
    case 'H':
    case 'T':
        gdb_send_str(g, "OK"); /* one thread: every thread id names it */
        return GDB_ACT_NONE;
    case 'q':
        return query(g, p);
    case 'Q':
        if (!strcmp(p, "QStartNoAckMode")) {
            gdb_send_str(g, "OK"); /* acknowledged like any packet, then no more */
            g->no_ack = 1;
        } else {
            gdb_send_str(g, "");
        }
        return GDB_ACT_NONE;
    case 'v':
        if (!strcmp(p, "vCont?")) {
            gdb_send_str(g, "vCont;c;C;s;S");
            return GDB_ACT_NONE;
        }
        if (!strncmp(p, "vCont;", 6))
            return vcont(g, p + 5);
        if (!strncmp(p, "vKill", 5)) {
            gdb_send_str(g, "OK");
            return GDB_ACT_KILL;
        }
        gdb_send_str(g, "");
        return GDB_ACT_NONE;
    default:
        gdb_send_str(g, "");
        return GDB_ACT_NONE;
    }
}

int gdb_feed(E386Gdb *g, const uint8_t *buf, size_t len)
{
    int act = GDB_ACT_NONE;
    for (size_t i = 0; i < len; i++) {
        switch (gdb_rx_byte(&g->rx, buf[i])) {
        case GDB_RX_PACKET:
            if (!g->no_ack && g->io.write(g->io.opaque, "+", 1) < 0)
                g->connected = 0;
            {
                int a = gdb_handle_packet(g, g->rx.buf, g->rx.len);
                if (a != GDB_ACT_NONE)
                    act = a;
            }
            break;
        case GDB_RX_BAD:
            if (!g->no_ack && g->io.write(g->io.opaque, "-", 1) < 0)
                g->connected = 0;
            break;
        case GDB_RX_NAK:
            if (!g->no_ack && g->last && g->io.write(g->io.opaque, g->last, g->last_len) < 0)
                g->connected = 0;
            break;
        case GDB_RX_INTERRUPT:
            if (g->running) { /* the runner reports it (we are between e386_run calls) */
                g->running = 0;
                g->stop = STOP_INTR;
            }
            break;
        default:
            break;
        }
    }
    return act;
}
