/* Choosing the engine: the interpreter (run_chain) or the native back
 * end, per CPU.  Built on every host; native is only offered where the
 * back end is compiled in (native.h). */
#include <stdlib.h>
#include <string.h>
#include "native/native.h"

int accel_default(const E386Cpu *cpu)
{
    const char *env = getenv("E386_ACCEL");
    if (env && !strcmp(env, "interp"))
        return E386_ACCEL_INTERP;
    if (env && !strcmp(env, "native") && E386_HAVE_NATIVE)
        return E386_ACCEL_NATIVE;
    /* Valgrind would have to re-check the code buffer on every reuse:
     * the interpreter there, as galloc decides its own Valgrind mode */
    return E386_HAVE_NATIVE && !cpu->mem.alloc.valgrind_safe ? E386_ACCEL_NATIVE : E386_ACCEL_INTERP;
}

int e386_set_accel(E386Cpu *cpu, int accel)
{
    int mode = (accel & E386_ACCEL_NATIVE) && E386_HAVE_NATIVE ? E386_ACCEL_NATIVE
             : (accel & E386_ACCEL_INTERP) ? E386_ACCEL_INTERP : -1;
    if (mode < 0 || cpu->jmp)
        return -1; /* nothing asked for that this host has, or inside e386_run */
    cpu->accel = (uint8_t)mode;
    return mode;
}

int e386_get_accel(const E386Cpu *cpu) { return cpu->accel; }

int e386_accel_parse(const char *name)
{
    return !strcmp(name, "native") ? E386_ACCEL_NATIVE : !strcmp(name, "interp") ? E386_ACCEL_INTERP : -1;
}
