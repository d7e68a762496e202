/* The pcap file format (tcpdump's libpcap "savefile", version 2.4): a
 * 24-byte global header and a 16-byte header before each frame.  Every
 * field is written little-endian byte by byte whatever the host (readers
 * take either order from the magic), microsecond time stamps, link type
 * 1 (Ethernet). */
#include <stdlib.h>
#include <string.h>
#include "net/backends.h"

struct PcapWriter {
    FILE *f;
    uint32_t snaplen;
    uint64_t records;
};

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

PcapWriter *pcap_open(const char *path, uint32_t snaplen, char *err, size_t errlen)
{
    PcapWriter *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(w->f = fopen(path, "wb"))) {
        snprintf(err, errlen, "cannot create '%s'", path);
        free(w);
        return NULL;
    }
    w->snaplen = snaplen ? snaplen : 65535;
    uint8_t h[24];
    put32(h, 0xA1B2C3D4u);
    h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
    put32(h + 8, 0);                        /* thiszone: UTC */
    put32(h + 12, 0);                       /* sigfigs */
    put32(h + 16, w->snaplen);
    put32(h + 20, 1); /* LINKTYPE_ETHERNET */
    if (fwrite(h, sizeof h, 1, w->f) != 1 || fflush(w->f) != 0) {
        snprintf(err, errlen, "cannot write '%s'", path);
        fclose(w->f);
        free(w);
        return NULL;
    }
    return w;
}

int pcap_write(PcapWriter *w, uint64_t ns, const uint8_t *buf, size_t len)
{
    uint32_t incl = len > w->snaplen ? w->snaplen : (uint32_t)len;
    uint8_t h[16];
    put32(h, (uint32_t)(ns / 1000000000u));
    put32(h + 4, (uint32_t)(ns % 1000000000u / 1000u));
    put32(h + 8, incl);
    put32(h + 12, (uint32_t)len);
    /* flushed per record: the file is complete whatever ends the run */
    if (fwrite(h, sizeof h, 1, w->f) != 1 || (incl && fwrite(buf, incl, 1, w->f) != 1) ||
        fflush(w->f) != 0)
        return -1;
    w->records++;
    return 0;
}

uint64_t pcap_records(const PcapWriter *w) { return w->records; }

void pcap_close(PcapWriter *w)
{
    if (!w)
        return;
    fclose(w->f);
    free(w);
}
