/* The debug-exit port (0xF4): a test kernel writes N and the emulator
 * ends with exit status N (0-255).  The device only reports the request;
 * the machine decides how to stop (the library never calls exit()). */
#ifndef E386_DEV_DEBUGEXIT_H
#define E386_DEV_DEBUGEXIT_H
#include "dev/device.h"

typedef struct DebugExitState {
    Device dev;
    void (*request)(void *opaque, int status);
    void *opaque;
} DebugExitState;

void debugexit_init(DebugExitState *s, const char *id, void (*request)(void *, int), void *opaque);
#endif
