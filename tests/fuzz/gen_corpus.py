#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/<target>/ (docs/fuzzing.md).

Every seed is built here from named, commented parts, so a reader can see
what each one exercises; rerun after changing a harness's input format:

    python3 tests/fuzz/gen_corpus.py

Files whose names start with "regress-" are reproducers of fixed bugs and
are never touched by this script."""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def clean(target):
    d = os.path.join(HERE, "corpus", target)
    if os.path.isdir(d):
        for n in os.listdir(d):
            if not n.startswith("regress-"):
                os.unlink(os.path.join(d, n))


# ---- fuzz_cpu: mode byte, 8 x 16-bit register seeds, code ----
# mode bit 0: system mode; bit 1: differential; bits 2-4: slice - 1
REGS_PTR = b"".join(struct.pack("<H", v) for v in
                    (0x1234, 0x0010, 0x4321, 0x8100, 0, 0x8200, 0x8040, 0x8080))
CPU_USER = {
    # mov eax,7; mov ecx,5; l: add eax,ecx; imul eax,eax,3; dec ecx; jnz l; int3
    "arith-loop": bytes.fromhex("b807000000 b905000000 01c8 6bc003 49 75f8 cc"),
    # lazy flags: sub/sbb/adc chains, setcc, cmov, pushf
    "flags": bytes.fromhex("b8ffffffff 83c001 19db 11c9 0f94c2 0f42c3 9c 58 f9 d1d0 9c 5a f5 cc"),
    # string ops over the data page (esi/edi point there): rep movsb, rep stosd, cmpsb, scasb
    "strings": bytes.fromhex("fc b910000000 f3a4 b904000000 b8a5a5a5a5 f3ab 89fe a6 ae fd a4 fc cc"),
    # call/ret, push/pop, enter/leave
    "stack": bytes.fromhex("e805000000 eb07 90 90 55 89e5 c3 6a05 58 c8100000 c9 60 61 cc"),
    # x87: fld1, fldpi, fadd, fsqrt, fistp to the data page, fcomi, fstsw
    "x87": bytes.fromhex("d9e8 d9eb dec1 d9fa db1b d9e8 dbf1 dfe0 d9ee d8f1 dd1b dbe3 cc"),
    # div by zero (#DE), then ud2 (#UD), then a #PF, then int 0x80
    "faults": bytes.fromhex("31c9 f7f1 0f0b a100000000 cd80 cc"),
    # self-modifying code: patch the next instruction's immediate, then run it
    "smc": bytes.fromhex("c6050d000100 2a b800000000 90 cc"),
    # bsf/bsr/bt/bts/shld/shrd/bswap/xadd/cmpxchg/cmpxchg8b
    "bits": bytes.fromhex("0fbcc1 0fbdd3 0fa3c8 0fabc8 0fa4d804 0facd803 0fc8 0fc1d8 0fb1d1 0fc70e cc"),
    # bcd and misc: daa das aaa aas aam aad, cpuid, rdtsc
    "bcd-misc": bytes.fromhex("b815000000 0409 27 2c05 2f 37 3f d40a d50a 0fa2 0f31 cc"),
    # 16-bit operand and address size prefixes, segment override
    "prefix": bytes.fromhex("66b83412 6601c3 67668b07 268b06 cc"),
}
# Real mode at F000:0000 (the reset vector jumps there); the IVT sends
# every vector back to F000:FFF0.
CPU_SYS = {
    # out/in on the PIC and the POST port, cli/sti, hlt (the harness wakes it with an NMI)
    "ports-hlt": bytes.fromhex("b011 e620 b020 e621 e421 ba8000 ee ec fa fb f4 eb fe"),
    # real mode stack and segments: push/pop, far call into the ROM, iret frame
    "realmode": bytes.fromhex("31c0 8ed0 bc0070 8ed8 b80010 8ec0 9c 0e e80100 cf cb"),
    # into protected mode: lgdt from a GDT built in RAM, set CR0.PE, far jump
    "protmode": bytes.fromhex(
        "31c0 8ed8"                       # ds = 0
        "66c7060008ffff0000"              # gdt[1] lo: limit ffff base 0
        "66c70604080092cf00"              # gdt[1] hi: data, 4 KiB granular
        "66c7060808ffff0000"              # gdt[2] lo
        "66c7060c08009acf00"              # gdt[2] hi: code32
        "c70610001700"                    # gdtr.limit (at 0x10) = 0x17
        "66c70612000008 0000"             # gdtr.base = 0x800
        "0f011610 00"                     # lgdt [0x10]
        "0f20c0 0c01 0f22c0"              # cr0 |= PE
        "66ea 00000f00 1000"              # jmp far 0x10:0xf0000 (lands in nothing: a fault chain)
        "f4"),
    # paging: cr3 -> a page directory of zeros, cr0.PG without PE is #GP
    "cr-regs": bytes.fromhex("0f20c0 0f20e0 0d10000000 0f22e0 0f20d8 0f22d8 0f0100 0f0108 f4"),
}


def gen_cpu():
    clean("fuzz_cpu")
    for name, code in CPU_USER.items():
        write("fuzz_cpu", "user-" + name, bytes([0]) + REGS_PTR + code)
        write("fuzz_cpu", "diff-user-" + name, bytes([0x02 | (3 << 2)]) + REGS_PTR + code)
    for name, code in CPU_SYS.items():
        write("fuzz_cpu", "sys-" + name, bytes([1]) + REGS_PTR + code)
        write("fuzz_cpu", "diff-sys-" + name, bytes([0x03]) + REGS_PTR + code)


# ---- fuzz_elf: file images ----
def elf(etype=2, entry=0x08048054, phdrs=(), extra=b""):
    ehdr = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)
    ehdr += struct.pack("<HHIIIIIHHHHHH", etype, 3, 1, entry, 52, 0, 0, 52, 32, len(phdrs), 40, 0, 0)
    ph = b"".join(struct.pack("<8I", *p) for p in phdrs)
    return ehdr + ph + extra


def gen_elf():
    clean("fuzz_elf")
    # exit(42): mov ebx,42; mov eax,1; int 0x80
    code = bytes.fromhex("bb2a000000 b801000000 cd80")
    off = 52 + 32
    size = off + len(code)
    # PT_LOAD: type offset vaddr paddr filesz memsz flags(R X) align
    write("fuzz_elf", "static-exit", elf(2, 0x08048000 + off,
          [(1, 0, 0x08048000, 0x08048000, size, size, 5, 0x1000)], code))
    # text + a data segment with a bss, in two PT_LOADs sharing no page
    off2 = 52 + 64
    data_off = off2 + len(code)
    write("fuzz_elf", "text-data-bss", elf(2, 0x08048000 + off2,
          [(1, 0, 0x08048000, 0x08048000, data_off, data_off, 5, 0x1000),
           (1, data_off, 0x08049000 + data_off, 0x08049000 + data_off, 8, 0x3000, 6, 0x1000)],
          code + b"DATADATA"))
    # ET_DYN (PIE) with a PT_PHDR and a PT_INTERP
    interp = b"/lib/ld-linux.so.2\x00"
    off3 = 52 + 96
    ioff = off3 + len(code)
    total = ioff + len(interp)
    write("fuzz_elf", "pie-interp", elf(3, off3,
          [(6, 52, 52, 52, 96, 96, 4, 4),
           (3, ioff, ioff, ioff, len(interp), len(interp), 4, 1),
           (1, 0, 0, 0, total, total, 5, 0x1000)], code + interp))
    # two segments on one page (rights united), a loop as code
    loop = bytes.fromhex("31c0 40 ebfd")
    write("fuzz_elf", "shared-page", elf(2, 0x08048000 + 52 + 64,
          [(1, 0, 0x08048000, 0x08048000, 52 + 64 + len(loop), 52 + 64 + len(loop), 5, 0x1000),
           (1, 0, 0x08048000, 0x08048000, 52, 0x800, 6, 0x1000)], loop))


# ---- fuzz_syscall: records of op, kinds (2 bits per argument), 6 x u32 ----
# The harness's table (fuzz_syscall.c `calls`), read from the source so
# the seeds follow it: a record's op byte is an index into it.
NR = {"poke": -1, "sigreturn": -2, "rt_sigreturn": -3, "brk": 45, "mmap2": 192, "munmap": 91,
      "mprotect": 125, "mremap": 163, "madvise": 219, "rt_sigaction": 174, "sigaction": 67,
      "rt_sigprocmask": 175, "sigaltstack": 186, "rt_sigpending": 176, "set_thread_area": 243,
      "get_thread_area": 244, "modify_ldt": 123, "futex": 240, "getpid": 20, "uname": 122, "getrandom": 355,
      "time": 13, "gettimeofday": 78, "clock_gettime": 265, "getrlimit": 76, "getrusage": 77, "times": 43,
      "sysinfo": 116, "getgroups32": 205, "sched_getaffinity": 242, "getcwd": 183, "stat64": 195,
      "lstat64": 196, "access": 33, "readlink": 85, "read": 3, "write": 4, "readv": 145, "pwrite64": 181,
      "lseek": 19, "fstat64": 197, "fcntl": 55, "ioctl": 54, "poll": 168, "exit": 1}


def _table():
    src = open(os.path.join(HERE, "fuzz_syscall.c")).read()
    body = src[src.index("static const Call calls[] = {"):]
    body = body[:body.index("};")]
    names = {"NR_POKE": -1, "NR_SIGRETURN": -2, "NR_RT_SIGRETURN": -3}
    return [names.get(m, None) if m in names else int(m) for m in re.findall(r"\{ (NR_\w+|\d+),", body)]


TABLE = _table()
RAW, PTR, SMALL, ROPTR = 0, 1, 2, 3


def call(op, *args):
    kinds = 0
    vals = []
    for i, a in enumerate(args):
        k, v = a if isinstance(a, tuple) else (RAW, a)
        kinds |= k << (2 * i)
        vals.append(v & 0xffffffff)
    vals += [0] * (6 - len(vals))
    return bytes([TABLE.index(NR[op])]) + struct.pack("<H6I", kinds, *vals)


def poke(off, *words, stack=False):
    w = list(words) + [0] * (5 - len(words))
    kinds = 0x8000 if stack else 0
    return bytes([0]) + struct.pack("<H6I", kinds, off, *w)


def gen_syscall():
    clean("fuzz_syscall")
    write("fuzz_syscall", "memory", call("brk", 0) + call("brk", 0x5000) + call("mmap2", 0, 0x3000, 3, 0x22, -1, 0) +
          call("mprotect", 0x40000000, 0x1000, 1) + call("mremap", 0x40000000, 0x3000, 0x6000, 1, 0) +
          call("madvise", 0x40000000, 0x1000, 4) + call("munmap", 0x40000000, 0x6000))
    # sigaction: handler 0x1234, flags SA_SIGINFO|SA_RESTORER, restorer, mask
    write("fuzz_syscall", "signals",
          poke(0x100, 0x1234, 0x04000004, 0x5678, 0xffff, 0) +
          call("rt_sigaction", (SMALL, 10), (PTR, 0x100), (PTR, 0x200), (SMALL, 8)) +
          call("rt_sigprocmask", (SMALL, 0), (PTR, 0x100), (PTR, 0x300), (SMALL, 8)) +
          call("sigaltstack", (PTR, 0x100), (PTR, 0x400)) + call("rt_sigpending", (PTR, 0x500), (SMALL, 8)) +
          call("sigaction", (SMALL, 2), (PTR, 0x100), (PTR, 0x600)))
    # a sigreturn frame on the stack (registers of a sigcontext)
    write("fuzz_syscall", "sigreturn", poke(0x800, 0x2b, 0x2b, 0x1000, 0x2000, 0x3000, stack=True) +
          poke(0x814, 0x4000, 0x5000, 0x6000, 0x7000, 0x8000, stack=True) +
          call("sigreturn", 1, 0x800 - 8) + call("rt_sigreturn", 1, 0x700))
    # TLS and the LDT: a user_desc (entry -1, base, limit, flags)
    write("fuzz_syscall", "tls-ldt", poke(0x40, 0xffffffff, 0x10000, 0xfffff, 0x51, 0) +
          call("set_thread_area", (PTR, 0x40)) + call("get_thread_area", (PTR, 0x40)) +
          poke(0x80, 1, 0x20000, 0xfff, 0x41, 0) + call("modify_ldt", 1, (PTR, 0x80), 16) +
          call("modify_ldt", 0, (PTR, 0x100), 64) + call("futex", (PTR, 0x40), 0, 0))
    write("fuzz_syscall", "queries", call("getpid") + call("uname", (PTR, 0)) + call("clock_gettime", 1, (PTR, 0x10)) +
          call("gettimeofday", (PTR, 0x20), 0) + call("getrlimit", 3, (PTR, 0x30)) + call("getrusage", 0, (PTR, 0x40)) +
          call("sysinfo", (PTR, 0x100)) + call("times", (PTR, 0x200)) + call("getcwd", (PTR, 0x300), 256) +
          call("getgroups32", 16, (PTR, 0x400)) + call("sched_getaffinity", 0, 128, (PTR, 0x500)) +
          call("getrandom", (PTR, 0x600), 16, 0) + call("time", (ROPTR, 0)))
    # a path in the scratch page: "/proc/self/exe" and "/"
    path = b"/proc/self/exe\x00\x00"
    words = struct.unpack("<4I", path)
    write("fuzz_syscall", "paths", poke(0x900, *words) + call("readlink", (PTR, 0x900), (PTR, 0xa00), 64) +
          call("stat64", (PTR, 0x900), (PTR, 0xb00)) + call("access", (PTR, 0x900), 4) +
          poke(0x980, 0x2f) + call("lstat64", (PTR, 0x980), (PTR, 0xb00)))
    # the harness's descriptors: pipe write then read, a memfd with pwrite/lseek/readv, fcntl, ioctl, poll
    write("fuzz_syscall", "fds", poke(0xc00, 0x6c6c6568, 0x6f) +
          call("write", 1, (PTR, 0xc00), 5) + call("read", 0, (PTR, 0xd00), 16) +
          call("pwrite64", 3, (PTR, 0xc00), 5, 100, 0) + call("lseek", 3, 0, 0) +
          poke(0xe00, 0x10d00, 3, 0x10d10, 8) + call("readv", 3, (PTR, 0xe00), 2) +
          call("fstat64", 2, (PTR, 0xf00)) + call("fcntl", 0, 3) + call("ioctl", 2, 0) +
          poke(0x1000, 4, 1) + call("poll", (PTR, 0x1000), 1, 0) + call("exit", 3))


# ---- fuzz_qmp: mode byte (0 QMP stream, 1 HMP stream, 2 JSON, 3 text faces), then piece size ----
def gen_qmp():
    clean("fuzz_qmp")
    neg = b'{"execute": "qmp_capabilities"}\r\n'
    sessions = {
        "qmp-basic": neg + b'{"execute": "query-version", "id": 1}{"execute": "query-commands"}',
        "qmp-status": neg + b'{"execute": "query-status"}\n{"execute": "stop"}{"execute": "cont", "id": [1, {"a": null}]}',
        "qmp-hmc": neg + b'{"execute": "human-monitor-command", "arguments": {"command-line": "info registers"}}',
        "qmp-errors": b'{"execute": "stop"}' + neg + neg + b'{"execute": "nope"} [1,2] "x" 12 {"execute": 5}'
                      b'{"execute": "query-version", "arguments": {"bogus": true}} }{',
        "qmp-unicode": neg + b'{"execute": "human-monitor-command", "arguments": {"command-line": "help \\u00e9\\ud83d\\ude00"}, "id": "\xc3\xa9"}',
        "qmp-reset": neg + b'{"execute": "system_reset"}{"execute": "query-status"}{"execute": "quit"}',
    }
    for name, s in sessions.items():
        write("fuzz_qmp", name, bytes([0, 0]) + s)
        write("fuzz_qmp", name + "-bytewise", bytes([0, 1]) + s)
    hmp = b"help\ninfo\ninfo status\ninfo registers\nstop\ncont\nsystem_reset\nhelp info\nbogus command\n\"unterminated\nquit\n"
    write("fuzz_qmp", "hmp-session", bytes([1, 0]) + hmp)
    write("fuzz_qmp", "hmp-pieces", bytes([1, 7]) + hmp)
    docs = [b'{"a": [1, 2.5, -3e10, true, false, null, "s\\n\\u0041"], "b": {}}',
            b'[[[[[[[[[[]]]]]]]]]]', b'"\\ud83d\\ude00 \\u0000 \\t"', b'-0.0e-0', b'9223372036854775807',
            b'{"x": 1, "x": 2}', b'1.7976931348623157e308']
    for i, d in enumerate(docs):
        write("fuzz_qmp", "json-%d" % i, bytes([2]) + d)
    write("fuzz_qmp", "text-faces", bytes([3]) + b'{"execute": "query-version"}\ninfo version\nhelp stop\n')


# ---- fuzz_devices: 8-byte commands: op, sel, port (u16), value (u32) ----
DEV = {0x20: 0, 0x21: 1, 0xa0: 2, 0xa1: 3, 0x4d0: 4, 0x40: 6, 0x41: 7, 0x42: 8, 0x43: 9, 0x61: 10,
       0x60: 11, 0x64: 12, 0x92: 13, 0x70: 14, 0x71: 15, 0x3f8: 16, 0x2f8: 17, 0x80: 18, 0xe9: 19, 0xf4: 20}


def outb(port, v, size=1):
    base = max(b for b in DEV if b <= port and port - b < 8)
    op = {1: 0, 2: 0x40, 4: 0x80}[size]
    return struct.pack("<BBHI", op, 0x80 | DEV[base], port - base, v)


def inb(port):
    base = max(b for b in DEV if b <= port and port - b < 8)
    return struct.pack("<BBHI", 3, 0x80 | DEV[base], port - base, 0)


def tick(ns):
    return struct.pack("<BBHI", 5, 0, 0, ns)


def run(n):
    return struct.pack("<BBHI", 6, 0, 0, n)


# the extended set (bit 3 of op): MMIO, DMA, PCI configuration, frames
SZ = {1: 0, 2: 0x40, 4: 0x80}
NE2K_IO, RTL_IO, RTL_MMIO = 0x80, 0x81, 0x83  # sel: 0x80 | BAR << 1 | NIC


def mmw(sel, off, v, size=1):
    return struct.pack("<BBHI", 0x08 | SZ[size], sel, off, v)


def mmr(sel, off, size=1):
    return struct.pack("<BBHI", 0x0a | SZ[size], sel, off, 0)


def mmw_raw(addr, v, size=4):
    return struct.pack("<BBHII", 0x08 | SZ[size], 0, 0, v, addr)


def ramw(addr, v, size=4, anywhere=False):
    return struct.pack("<BBHII", 0x0b | SZ[size], 0x80 if anywhere else 0, 0, v, addr)


def cfgw(nic, reg, v, size=4):
    return struct.pack("<BBHI", 0x0c | SZ[size], nic, reg, v)


def cfgr(nic, reg, size=4):
    return struct.pack("<BBHI", 0x0d | SZ[size], nic, reg, 0)


def frame(nic, data):
    return struct.pack("<BBHI", 0x0e, nic, len(data) - 1, 0) + data


def assign():
    return struct.pack("<BBHI", 0x0f, 0, 0, 0)


PKT = bytes([0xff] * 6 + [0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x00]) + bytes(range(50))


def gen_devices_pci():
    rtl = (cfgw(1, 4, 0x07, 2) + mmw(RTL_MMIO, 0x37, 0x10) + mmr(RTL_MMIO, 0x37) +
           b"".join(ramw(0x2000 + 4 * i, 0x01020304 * (i + 1)) for i in range(16)) +
           mmw(RTL_MMIO, 0x20, 0x2000, 4) + mmw(RTL_MMIO, 0x30, 0x4000, 4) + mmw(RTL_MMIO, 0x44, 0x8f, 4) +
           mmw(RTL_MMIO, 0x3c, 0xffff, 2) + mmw(RTL_MMIO, 0x37, 0x0c) + mmw(RTL_MMIO, 0x10, 60, 4) +
           mmr(RTL_MMIO, 0x3e, 2) + mmw(RTL_MMIO, 0x3e, 0xffff, 2) +
           mmw(RTL_MMIO, 0x24, 0xfffff000, 4) + mmw(RTL_MMIO, 0x14, 100, 4) +  # TX DMA past RAM
           frame(1, PKT) + mmr(RTL_MMIO, 0x3a, 2) + mmw(RTL_MMIO, 0x38, 0x30, 2) +
           mmw(RTL_MMIO, 0x30, 0x000ff000, 4) + frame(1, PKT) + frame(1, PKT[:20]) +  # RX ring at RAM's end
           tick(100000) + run(100) + cfgr(1, 0x14) + cfgw(1, 0x14, 0xffffffff) + cfgr(1, 0x14) +
           cfgw(1, 0x14, 0xe0100000) + mmr(RTL_MMIO, 0x40, 4) + cfgw(1, 4, 0, 2) + mmr(RTL_MMIO, 0x40, 4) +
           assign() + mmr(RTL_IO | 0, 0x37) + mmw_raw(0xe0000000, 0x12345678) + ramw(0xfffffff0, 1, 4, True))
    write("fuzz_devices", "rtl8139-dma", rtl)
    ne = (cfgw(0, 4, 0x07, 2) + mmw(NE2K_IO, 0, 0x21) + mmw(NE2K_IO, 0x0e, 0x49) + mmw(NE2K_IO, 0x0a, 0) +
          mmw(NE2K_IO, 0x0b, 0) + mmw(NE2K_IO, 0x0c, 0x1f) + mmw(NE2K_IO, 0x0d, 0) + mmw(NE2K_IO, 1, 0x46) +
          mmw(NE2K_IO, 2, 0x80) + mmw(NE2K_IO, 3, 0x46) + mmw(NE2K_IO, 0, 0x61) + mmw(NE2K_IO, 7, 0x47) +
          mmw(NE2K_IO, 0, 0x22) + mmw(NE2K_IO, 0x0f, 0xff) + mmw(NE2K_IO, 7, 0xff) +
          mmw(NE2K_IO, 8, 0x00) + mmw(NE2K_IO, 9, 0x40) + mmw(NE2K_IO, 0x0a, 64) + mmw(NE2K_IO, 0x0b, 0) +
          mmw(NE2K_IO, 0, 0x12) + b"".join(mmw(NE2K_IO, 0x10, 0x4142 + i, 2) for i in range(32)) +
          mmw(NE2K_IO, 4, 0x40) + mmw(NE2K_IO, 5, 64) + mmw(NE2K_IO, 6, 0) + mmw(NE2K_IO, 0, 0x26) +
          frame(0, PKT) + mmr(NE2K_IO, 7) + mmw(NE2K_IO, 8, 0x00) + mmw(NE2K_IO, 9, 0x47) +
          mmw(NE2K_IO, 0x0a, 64) + mmw(NE2K_IO, 0, 0x0a) + b"".join(mmr(NE2K_IO, 0x10, 2) for _ in range(32)) +
          mmr(NE2K_IO, 0x1f) + tick(100000) + run(100) + cfgw(0, 0x10, 0xffffffff) + cfgr(0, 0x10) +
          cfgw(0, 0x30, 0xffffffff) + cfgr(0, 0x30) + cfgw(0, 0x30, 0xe0200001) + cfgw(0, 4, 0x3, 2) +
          mmw_raw(0xe0200000, 0) + cfgw(0, 0x3c, 0x0b, 1) + assign())
    write("fuzz_devices", "ne2k-pci-dma", ne)


def gen_devices():
    clean("fuzz_devices")
    pic_init = (outb(0x20, 0x11) + outb(0x21, 0x08) + outb(0x21, 0x04) + outb(0x21, 0x01) +
                outb(0xa0, 0x11) + outb(0xa1, 0x70) + outb(0xa1, 0x02) + outb(0xa1, 0x01))
    write("fuzz_devices", "pic-pit-irq0", pic_init + outb(0x21, 0xfe) + outb(0x43, 0x34) + outb(0x40, 0x9c) +
          outb(0x40, 0x2e) + tick(2000000) + run(200) + inb(0x20) + outb(0x20, 0x0b) + inb(0x20) + outb(0x20, 0x20) +
          outb(0x43, 0x00) + inb(0x40) + inb(0x40) + outb(0x43, 0xe2) + inb(0x40) + tick(5000000) + run(300))
    write("fuzz_devices", "rtc-cmos", outb(0x70, 0x0a) + inb(0x71) + outb(0x70, 0x0b) + outb(0x71, 0x42) +
          outb(0x70, 0x0c) + inb(0x71) + outb(0x70, 0x00) + inb(0x71) + outb(0x70, 0x32) + outb(0x71, 0x20) +
          pic_init + outb(0xa1, 0xfe) + outb(0x21, 0xfb) + tick(3000000) + run(100) + outb(0x70, 0x0c) + inb(0x71))
    uart = 0x3f8
    write("fuzz_devices", "uart-loopback", outb(uart + 3, 0x80) + outb(uart, 0x01) + outb(uart + 1, 0x00) +
          outb(uart + 3, 0x03) + outb(uart + 4, 0x10) + outb(uart + 2, 0xc7) + outb(uart + 1, 0x0f) + outb(uart, 0x41) +
          outb(uart, 0x42) + tick(1000000) + inb(uart + 5) + inb(uart) + inb(uart + 2) + inb(uart + 6) +
          outb(0x2f8 + 4, 0x1f) + outb(0x2f8, 0x55) + tick(100000) + inb(0x2f8))
    write("fuzz_devices", "i8042", outb(0x64, 0x20) + inb(0x60) + outb(0x64, 0x60) + outb(0x60, 0x47) +
          outb(0x64, 0xaa) + inb(0x60) + outb(0x60, 0xff) + tick(100000) + inb(0x64) + inb(0x60) + outb(0x64, 0xd1) +
          outb(0x60, 0xdf) + outb(0x64, 0xfe) + run(10))
    write("fuzz_devices", "misc-ports", outb(0x80, 0x55) + outb(0xe9, 0x41) + outb(0x92, 0x02) + inb(0x92) +
          outb(0x61, 0x03) + inb(0x61) + outb(0x4d0, 0x20) + outb(0x80, 0x1234, 2) + outb(0x40, 0x12345678, 4) +
          outb(0xf4, 0x01) + struct.pack("<BBHI", 7, 0, 0, 1) + struct.pack("<BBHI", 0, 0, 0x1234, 7) +
          struct.pack("<BBHI", 7, 0, 0, 0))
    gen_devices_pci()


if __name__ == "__main__":
    gen_cpu()
    gen_elf()
    gen_syscall()
    gen_qmp()
    gen_devices()
