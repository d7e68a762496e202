/* Port 0x80: POST codes.  Reads return the last code, as on chipsets
 * that latch it (and it is what a POST card displays). */
#include "dev/post.h"
#include <string.h>

static uint32_t post_read(void *opaque, uint32_t off, int size)
{
    (void)off, (void)size;
    return ((PostState *)opaque)->last;
}

static void post_write(void *opaque, uint32_t off, int size, uint32_t value)
{
    (void)off, (void)size;
    PostState *s = opaque;
    s->last = (uint8_t)value;
    const DeviceHost *h = s->dev.host;
    if (h && h->log && (h->log_mask & DEV_LOG_POST)) {
        fprintf(h->log, "POST: 0x%02X\n", s->last);
        fflush(h->log);
    }
}

static const IoRegionOps post_ops = { post_read, post_write, 1 };

static int post_realize(Device *dev, DeviceHost *host, char *err, size_t errlen)
{
    return iobus_claim(host->io, 0x80, 1, &post_ops, dev, "post", err, errlen);
}

static void post_reset(Device *dev) { ((PostState *)dev)->last = 0; }

static const StateField post_fields[] = { STATE_U8(PostState, last, 1) };
static const StateDesc post_state = { "post", 1, post_fields, STATE_NFIELDS(post_fields) };

static const DeviceClass post_class = {
    .name = "post",
    .realize = post_realize,
    .reset = post_reset,
    .state = &post_state,
};

void post_init(PostState *s, const char *id)
{
    memset(s, 0, sizeof *s);
    device_init(&s->dev, &post_class, id);
}
