/* Registers for the GDB stub.  Integer and segment registers go through
 * the public accessors (a selector write is a real descriptor load, so a
 * debugger cannot put the CPU in a state it could never reach); the x87
 * state through its FSAVE image, whose ST(i) order is GDB's st0..st7. */
#include <string.h>
#include "gdb/gdb_regs.h"

/* GDB's order of the segment registers (cs ss ds es fs gs). */
static const int seg_of[6] = { E386_CS, E386_SS, E386_DS, E386_ES, E386_FS, E386_GS };

/* FSAVE image offsets (32-bit protected-mode layout) of fctrl..fop. */
enum { FS_CW = 0, FS_SW = 4, FS_TW = 8, FS_FIP = 12, FS_FCS = 16, FS_FOP = 18, FS_FDP = 20, FS_FDS = 24,
       FS_ST = 28 };
static const int fpu_ctl_off[8] = { FS_CW, FS_SW, FS_TW, FS_FCS, FS_FIP, FS_FDS, FS_FDP, FS_FOP };

int gdb_reg_size(int n)
{
    if (n < 0 || n >= GDB_NREGS)
        return 0;
    return n >= 16 && n < 24 ? 10 : 4;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int gdb_reg_get(E386Cpu *cpu, int n, uint8_t *out)
{
    int size = gdb_reg_size(n);
    if (!size)
        return -1;
    if (n < 10) { /* eax..edi, eip, eflags: the same order in enum e386_reg */
        put32(out, e386_reg_read(cpu, n));
        return 4;
    }
    if (n < 16) {
        put32(out, e386_reg_read(cpu, seg_of[n - 10]));
        return 4;
    }
    uint8_t img[108];
    e386_fpu_save(cpu, img);
    if (n < 24) {
        memcpy(out, img + FS_ST + 10 * (n - 16), 10);
        return 10;
    }
    int off = fpu_ctl_off[n - 24];
    uint32_t v = (uint32_t)img[off] | (uint32_t)img[off + 1] << 8; /* the 16-bit fields */
    if (n == 28 || n == 30) /* fioff, fooff: 32 bits */
        v = get32(img + off);
    if (n == 31)
        v &= 0x7ff; /* the opcode's 11 bits */
    put32(out, v);
    return 4;
}

int gdb_reg_set(E386Cpu *cpu, int n, const uint8_t *in)
{
    if (!gdb_reg_size(n))
        return -1;
    if (n < 10)
        return e386_reg_write(cpu, n, get32(in));
    if (n < 16) {
        int r = seg_of[n - 10];
        uint32_t v = get32(in) & 0xffff;
        /* G rewrites every register: an unchanged selector is not reloaded
         * (its cache may hold what a real-mode or v86 load made) */
        if (e386_reg_read(cpu, r) == v)
            return 0;
        return e386_reg_write(cpu, r, v);
    }
    uint8_t img[108];
    e386_fpu_save(cpu, img);
    if (n < 24) {
        memcpy(img + FS_ST + 10 * (n - 16), in, 10);
    } else {
        int off = fpu_ctl_off[n - 24];
        uint32_t v = get32(in);
        if (n == 31) { /* fop shares its word with fcs's upper half */
            img[off] = (uint8_t)v;
            img[off + 1] = (uint8_t)((v >> 8) & 7);
        } else if (n == 28 || n == 30) {
            put32(img + off, v);
        } else {
            img[off] = (uint8_t)v;
            img[off + 1] = (uint8_t)(v >> 8);
        }
    }
    e386_fpu_restore(cpu, img);
    return 0;
}

const char *gdb_target_xml(void)
{
    /* org.gnu.gdb.i386.core as GDB's documentation names its registers;
     * no SSE feature: the CPU has no SSE */
    return "<?xml version=\"1.0\"?>"
           "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
           "<target version=\"1.0\">"
           "<architecture>i386</architecture>"
           "<feature name=\"org.gnu.gdb.i386.core\">"
           "<flags id=\"i386_eflags\" size=\"4\">"
           "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
           "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
           "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
           "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
           "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
           "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
           "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
           "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
           "<field name=\"ID\" start=\"21\" end=\"21\"/>"
           "</flags>"
           "<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>"
           "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>"
           "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>"
           "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>"
           "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>"
           "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>"
           "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>"
           "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
           "</feature></target>";
}
