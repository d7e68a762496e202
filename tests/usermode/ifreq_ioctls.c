/* Interface ioctls on a socket (bug: emu386-user answered ENOTTY to
 * SIOCGIFINDEX and SIOCGIFNAME, so if_nametoindex() failed, IPv6 scope
 * ids came out as numbers and CPython's testInterfaceNameIndex failed):
 * the loopback's index and name both ways, its flags and MTU, an unknown
 * name or index, a bad pointer.  if_nameindex() and getifaddrs() ask
 * rtnetlink (bug: on a big-endian host its replies reached the guest in
 * host byte order and if_nameindex() waited for ever: see
 * unit/test_netlink). */
#define _GNU_SOURCE
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    show("SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &ifr));
    int idx = ifr.ifr_ifindex;
    printf("lo has an index: %d\n", idx > 0);
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_ifindex = idx;
    show("SIOCGIFNAME of it", ioctl(s, SIOCGIFNAME, &ifr));
    printf("name %s\n", ifr.ifr_name);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    show("SIOCGIFFLAGS lo", ioctl(s, SIOCGIFFLAGS, &ifr));
    printf("loopback flag %d\n", (ifr.ifr_flags & IFF_LOOPBACK) != 0);
    show("SIOCGIFMTU lo", ioctl(s, SIOCGIFMTU, &ifr));
    printf("mtu positive %d\n", ifr.ifr_mtu > 0);
    show("SIOCGIFADDR lo", ioctl(s, SIOCGIFADDR, &ifr));
    const unsigned char *a = (const unsigned char *)ifr.ifr_addr.sa_data + 2;
    printf("family %d address %d.%d.%d.%d\n", ifr.ifr_addr.sa_family, a[0], a[1], a[2], a[3]);

    printf("if_nametoindex(lo) == index %d\n", if_nametoindex("lo") == (unsigned)idx);
    char name[IF_NAMESIZE];
    printf("if_indextoname(index) %s\n", if_indextoname((unsigned)idx, name) ? name : "(null)");
    struct if_nameindex *ni = if_nameindex(), *q;
    int seen = 0;
    for (q = ni; q && q->if_index; q++)
        seen |= !strcmp(q->if_name, "lo") && q->if_index == (unsigned)idx;
    printf("if_nameindex lists lo %d\n", seen);
    if_freenameindex(ni);
    struct ifaddrs *ifa, *i;
    int inet = 0, packet = 0;
    show("getifaddrs", getifaddrs(&ifa));
    for (i = ifa; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") || !i->ifa_addr)
            continue;
        if (i->ifa_addr->sa_family == AF_INET)
            inet |= ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK) &&
                    (i->ifa_flags & IFF_LOOPBACK);
        packet |= i->ifa_addr->sa_family == AF_PACKET && i->ifa_data != NULL;
    }
    printf("getifaddrs: lo 127.0.0.1 %d, lo link with statistics %d\n", inet, packet);
    freeifaddrs(ifa);

    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "emu386nosuch0");
    show("SIOCGIFINDEX unknown name", ioctl(s, SIOCGIFINDEX, &ifr));
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_ifindex = 0x7ffffff0;
    show("SIOCGIFNAME unknown index", ioctl(s, SIOCGIFNAME, &ifr));
    show("SIOCGIFINDEX bad pointer", ioctl(s, SIOCGIFINDEX, (void *)16));
    close(s);
    return 0;
}
