/* Port 0xE9: guest bytes to a host stream, flushed byte by byte so that
 * whatever ends the emulator (a crash included) loses nothing the guest
 * printed before it. */
#define _POSIX_C_SOURCE 200809L
#include "dev/debugcon.h"
#include <poll.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t debugcon_read(void *opaque, uint32_t off, int size)
{
    (void)opaque, (void)off, (void)size;
    return 0xE9;
}

static void debugcon_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    DebugconState *s = opaque;
    if (!s->out)
        return;
    if (s->may_block) { /* a 1-byte write fits whenever POLLOUT says there is room */
        struct pollfd p = { fileno(s->out), POLLOUT, 0 };
        if (poll(&p, 1, 0) != 1 || !(p.revents & POLLOUT)) {
            s->dropped++;
            return;
        }
    }
    fputc((int)(value & 0xFF), s->out);
    fflush(s->out);
}

static const IoRegionOps debugcon_ops = { debugcon_read, debugcon_write, 1 };

static int debugcon_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    DebugconState *s = (DebugconState *)dev;
    return iobus_claim(host->io, s->port, 1, &debugcon_ops, dev, "debugcon", err, errlen);
}

static const DeviceClass debugcon_class = {
    .name = "debugcon",
    .realize = debugcon_realize,
    /* no guest-visible state: nothing to reset, dump or migrate */
};

void debugcon_init(DebugconState *s, const char *id, uint16_t port, FILE *out)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &debugcon_class, id);
    s->port = port;
    s->out = out;
    struct stat st;
    s->may_block = out && fstat(fileno(out), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
}
