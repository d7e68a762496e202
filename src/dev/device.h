/* The one device shape.  A device is a struct that begins with a Device;
 * its DeviceClass (a const table, one per device type: no mutable global)
 * says how to realize, reset and unrealize it and describes its state.
 *
 * Lifecycle, after QEMU's: the device's own init function fills in
 * properties and wiring and cannot fail; realize claims ports and memory
 * and may fail with a message; reset puts the guest-visible state in its
 * power-on value; unrealize gives back exactly what realize took (the
 * hot-unplug path).  Devices reach the machine only through the
 * DeviceHost they are realized on, never by including the board. */
#ifndef E386_DEV_DEVICE_H
#define E386_DEV_DEVICE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "dev/iobus.h"
#include "dev/irq.h"
#include "dev/state.h"

/* -d flags for devices */
enum { DEV_LOG_POST = 1, DEV_LOG_UNIMP = 2 };

/* What a board offers the devices realized on it. */
typedef struct DeviceHost {
    IoBus *io;
    FILE *log;         /* -d output (-D file or stderr) */
    unsigned log_mask; /* DEV_LOG_* */
} DeviceHost;

typedef struct Device Device;

typedef struct DeviceClass {
    const char *name;
    int (*realize)(Device *dev, DeviceHost *host, char *err, size_t errlen);
    void (*reset)(Device *dev);
    void (*unrealize)(Device *dev, DeviceHost *host);
    const StateDesc *state; /* offsets relative to the Device (the struct's start) */
    /* After the state was loaded from a stream: refuse (-1 with a message)
     * values the device could never hold itself. */
    int (*post_load)(Device *dev, char *err, size_t errlen);
} DeviceClass;

struct Device {
    const DeviceClass *cls;
    const char *id; /* the instance name: the prefix of its state paths */
    DeviceHost *host;
    bool realized;
};

void device_init(Device *dev, const DeviceClass *cls, const char *id);
int device_realize(Device *dev, DeviceHost *host, char *err, size_t errlen);
void device_reset(Device *dev);
void device_unrealize(Device *dev);
/* Every state field as "id.field=value" lines. */
void device_dump_state(const Device *dev, FILE *out);
#endif
