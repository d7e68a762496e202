/* Reading and checking the -bios image. */
#include "system/bios.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bios_load_file(const char *path, BiosImage *img, char *err, size_t errlen)
{
    img->data = NULL;
    img->size = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open BIOS image '%s': %s", path, strerror(errno));
        return -1;
    }
    /* Read up to one byte past the limit: that tells "too large" without
     * trusting a size from stat (pipes and devices have none). */
    size_t cap = 64u << 10, len = 0;
    uint8_t *buf = malloc(cap);
    int rc = -1;
    if (!buf) {
        snprintf(err, errlen, "BIOS image '%s': out of memory", path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > BIOS_MAX_SIZE) {
                snprintf(err, errlen, "BIOS image '%s' is too large: the maximum is %u MiB",
                         path, BIOS_MAX_SIZE >> 20);
                goto out;
            }
            size_t ncap = cap * 2 > BIOS_MAX_SIZE + 1u ? BIOS_MAX_SIZE + 1u : cap * 2;
            uint8_t *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "BIOS image '%s': out of memory", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0 || len < cap) {
            if (ferror(f)) {
                snprintf(err, errlen, "cannot read BIOS image '%s': %s", path,
                         errno ? strerror(errno) : "read error");
                goto out;
            }
            if (feof(f))
                break;
        }
    }
    if (len == 0) {
        snprintf(err, errlen, "BIOS image '%s' is empty", path);
        goto out;
    }
    if (len > BIOS_MAX_SIZE) {
        snprintf(err, errlen, "BIOS image '%s' is too large: the maximum is %u MiB", path,
                 BIOS_MAX_SIZE >> 20);
        goto out;
    }
    img->data = buf;
    img->size = len;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

void bios_image_free(BiosImage *img)
{
    free(img->data);
    img->data = NULL;
    img->size = 0;
}

uint32_t bios_rom_size(const BiosImage *img)
{
    return (uint32_t)((img->size + 0xFFFu) & ~(size_t)0xFFFu);
}
