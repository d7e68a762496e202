/* Inside the native back end: its per-CPU state and the translator. */
#ifndef E386_NATIVE_INT_H
#define E386_NATIVE_INT_H
#include "native/codebuf.h"
#include "native/native.h"

/* the shared entry: (cpu, host address of an op's code) -> the op to go on with */
typedef const E386Op *(*NativeEnter)(E386Cpu *cpu, const uint8_t *at);

typedef struct NativeState {
    CodeBuf *buf;
    NativeEnter enter;
    const uint8_t *exit; /* the shared exit: RAX is the next op */
    int full;            /* no room: interpret until the next flush */
} NativeState;

/* A block's host code starts with a table of nops uint32 offsets (from
 * the table) of each op's code: the dispatcher enters at any op. */
const uint32_t *native_translate(E386Cpu *cpu, NativeState *ns, Tb *tb);
int native_emit_stubs(NativeState *ns);
#endif
