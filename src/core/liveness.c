/* Flag liveness: the lazy-flag update of an op is dead when a later op of
 * the block rewrites those flags before anything could read them, fault
 * or leave the block (FX_ANY ops and the block's end count as readers of
 * all six).  Such an op runs with a handler that leaves the lazy state
 * alone (FX_DEAD).  The flags are tracked in three groups, as the writers
 * write them: CF, OF, and SF/ZF/AF/PF together; INC/DEC keep CF, rotates
 * write CF and OF only.  An INC/DEC whose other flags are live but whose
 * CF is dead keeps its update but skips computing the carry it would
 * keep (FX_INCDEC_NC).
 *
 * Exactness: after a dropped update EFLAGS is not what the guest would
 * see until the rewrite; the ops in between are marked FX_INEXACT and the
 * run loop never stops after them.  Only non-faulting, register-only ops
 * (FX_NONE and the writers) can be in such a window: a fault or a memory
 * access is a reader. */
#include "core/ops.h"

enum { L_C = 1, L_O = 2, L_SZAP = 4, L_ALL = 7, LIVE_MAX_OPS = 128 };

/* the flags an op of class c writes (FX_INCDEC keeps CF: not written) */
static unsigned writes(unsigned c)
{
    return c == FX_ALL ? L_ALL : c == FX_CO ? L_C | L_O : c == FX_INCDEC ? L_O | L_SZAP : 0;
}

void flag_liveness(E386Op *ops, int n)
{
    uint8_t garbage[LIVE_MAX_OPS]; /* what each op leaves inexact */
    unsigned live = L_ALL;
    if (n > LIVE_MAX_OPS)
        return; /* cannot happen (exec.c's blocks are shorter): nothing dropped */
    for (int i = n - 1; i >= 0; i--) {
        unsigned c = ops[i].fx, w = writes(c);
        OpFn nf = NULL;
        garbage[i] = 0;
        if (c == FX_ANY) {
            live = L_ALL;
            continue;
        }
        if (w && !(live & w))
            nf = c == FX_INCDEC ? alu_without_flags(ops[i].fn)
               : c == FX_CO ? shift_without_flags(ops[i].fn)
               : alu_without_flags(ops[i].fn) ? alu_without_flags(ops[i].fn) : shift_without_flags(ops[i].fn);
        if (nf) {
            ops[i].fn = nf;
            ops[i].fx = FX_DEAD;
            garbage[i] = (uint8_t)w;
            continue; /* live is unchanged: the op no longer writes */
        }
        if (c == FX_INCDEC && !(live & L_C) && (nf = incdec_without_carry(ops[i].fn)) != NULL) {
            ops[i].fn = nf;
            ops[i].fx = FX_INCDEC_NC;
            garbage[i] = L_C;
        }
        live &= ~w;
    }
    unsigned inexact = 0;
    for (int i = 0; i < n; i++) {
        unsigned c = ops[i].fx;
        inexact = (inexact & ~writes(c == FX_INCDEC_NC ? FX_INCDEC : c)) | garbage[i];
        if (inexact)
            ops[i].fx |= FX_INEXACT;
    }
}
