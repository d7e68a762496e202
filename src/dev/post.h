/* The POST code port (0x80): firmware writes its progress codes here.
 * With -d post each write is logged as "POST: 0xNN". */
#ifndef E386_DEV_POST_H
#define E386_DEV_POST_H
#include "dev/device.h"

typedef struct PostState {
    Device dev;
    uint8_t last; /* the last code written, as a POST card shows it */
} PostState;

void post_init(PostState *s, const char *id);
#endif
