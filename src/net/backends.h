/* The backends' constructors, one per file; only net.c calls them.  Each
 * returns a NetClient at the start of its own heap struct (freed by its
 * cleanup op), or NULL with a message. */
#ifndef E386_NET_BACKENDS_H
#define E386_NET_BACKENDS_H
#include "net/net.h"

NetClient *net_socket_new(NetCtx *ctx, const char *opts, char *err, size_t errlen);
NetClient *net_tap_new(NetCtx *ctx, const char *opts, char *err, size_t errlen);
NetClient *net_hubport_new(NetCtx *ctx, const char *opts, char *err, size_t errlen);
#ifdef E386_HAVE_SLIRP
NetClient *net_slirp_new(NetCtx *ctx, const char *opts, char *err, size_t errlen);
#endif

/* The pcap writer (pcap.c): a file tcpdump and Wireshark read.  NULL with
 * a message if the file cannot be created. */
PcapWriter *pcap_open(const char *path, uint32_t snaplen, char *err, size_t errlen);
/* One record stamped ns (since the epoch the caller chose); -1 on an
 * I/O error (the record is lost, the writer stays usable). */
int pcap_write(PcapWriter *w, uint64_t ns, const uint8_t *buf, size_t len);
void pcap_close(PcapWriter *w);
uint64_t pcap_records(const PcapWriter *w);
#endif
