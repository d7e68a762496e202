#!/usr/bin/env python3
"""The gdb suite: Debian's real gdb, in batch mode, against emu386's GDB
stub in user mode (an i386 C program built -m32 -static -g) and in system
mode (a bare-metal kernel built by nasm), plus a small raw-protocol client
for what batch gdb cannot do (Ctrl-C, malformed packets).  See docs/gdb.md.

Assertions are on what gdb prints; every wait has a hang guard (HANG) and
nothing asserts on how fast anything happened.  Exit 77 (skipped, said in
one loud line) when gdb is not installed; a part whose compiler (gcc -m32,
nasm) is missing is skipped loudly and the rest still runs.

  run.py --build-dir DIR --user PATH [--system PATH] [--emu-wrapper CMD]
"""
import argparse, os, re, shutil, socket, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
HANG = 120  # seconds: a hang guard, never a timing assertion
failures = []


def say(msg):
    print("gdb: " + msg, flush=True)


def check(name, ok, detail=""):
    say(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    if not ok:
        failures.append(name)


class Emu:
    """An emulator started with its stub on port 0; the port it chose is
    read from its stderr line 'gdb ... 127.0.0.1:PORT'."""

    def __init__(self, argv, log):
        self.log = open(log, "w+")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.PIPE, text=True)
        self.port = None
        line = self.p.stderr.readline()  # blocks until the stub listens (or the emulator dies)
        self.log.write(line)
        m = re.search(r"127\.0\.0\.1:(\d+)", line)
        if m:
            self.port = int(m.group(1))

    def finish(self):
        try:
            err = self.p.stderr.read() if self.p.wait(timeout=HANG) is not None else ""
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            err = self.p.stderr.read()
            self.log.write(err)
            return None
        self.log.write(err)
        self.log.flush()
        self.log.seek(0)
        return self.p.returncode

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()


def run_gdb(script, port, exe, out_dir, name):
    path = os.path.join(out_dir, name + ".gdb")
    with open(path, "w") as f:
        f.write("set pagination off\nset confirm off\nset width 0\n")
        f.write("target remote 127.0.0.1:%d\n" % port)
        f.write(script)
    argv = ["gdb", "-batch", "-nx", "-x", path] + ([exe] if exe else [])
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=HANG)
        out = r.stdout + r.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += "\n[gdb hung: hang guard]\n"
    with open(os.path.join(out_dir, name + ".out"), "w") as f:
        f.write(out)
    return out


def expect(name, text, patterns):
    for pat in patterns:
        check("%s: %s" % (name, pat), re.search(pat, text, re.M) is not None,
              "not in gdb's output (see the .out file in the build dir)")


# ---- a raw client: the protocol itself ----
class Client:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=HANG)
        self.buf = b""

    def send_raw(self, data):
        self.s.sendall(data)

    def packet(self, body):
        cs = sum(body.encode()) & 0xff
        self.send_raw(b"$" + body.encode() + b"#%02x" % cs)

    def read_byte(self):
        while not self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError
            self.buf += d
        c, self.buf = self.buf[:1], self.buf[1:]
        return c

    def reply(self):
        """The next packet's body (acks skipped; the packet is acked)."""
        while self.read_byte() != b"$":
            pass
        body = b""
        while True:
            c = self.read_byte()
            if c == b"#":
                break
            body += c
        self.read_byte(); self.read_byte()
        self.send_raw(b"+")
        return body.decode()

    def ack(self):
        c = self.read_byte()
        while c not in (b"+", b"-"):
            c = self.read_byte()
        return c

    def ask(self, body):
        self.packet(body)
        return self.reply()


def nm(exe, sym):
    out = subprocess.run(["nm", exe], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(sym), out, re.M)
    return int(m.group(1), 16) if m else None


# ---- user mode ----
USER_SCRIPT = r"""
break add_twice
continue
next
next
print sum
print a
info registers eip eflags cs ss ds es fs gs
watch counter
continue
delete
break after_fld
continue
info registers st0
print $st0
x/4xb &counter
print third
print release = 1
continue
"""


def user_tests(args, out_dir):
    if not shutil.which(args.cc):
        say("SKIPPING the user-mode part: no %s to build the i386 program" % args.cc)
        return
    exe = os.path.join(out_dir, "prog")
    r = subprocess.run([args.cc, "-m32", "-static", "-g", "-O0", "-fno-pie", "-no-pie", "-o", exe,
                        os.path.join(HERE, "prog.c")], capture_output=True, text=True)
    if r.returncode:
        say("SKIPPING the user-mode part: %s -m32 -static failed (no i386 libc?): %s"
            % (args.cc, r.stderr.strip()[:200]))
        return
    emu = Emu([args.user, "-g", "0", exe], os.path.join(out_dir, "user-emu.log"))
    check("user: the stub listens", emu.port is not None, emu.output())
    if emu.port is None:
        emu.finish()
        return
    out = run_gdb(USER_SCRIPT, emu.port, exe, out_dir, "user")
    status = emu.finish()
    expect("user", out, [
        r"^Breakpoint 1, add_twice \(a=3, b=4\) at .*prog\.c:\d+",
        r"^\$1 = 11$",                      # the local after two nexts
        r"^\$2 = 3$",                       # an argument
        r"^eip\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <add_twice\+\d+>",
        r"^eflags\s+0x[0-9a-f]+\s+\[ .*IF.* \]",
        r"^cs\s+0x23\s", r"^ss\s+0x2b\s", r"^ds\s+0x2b\s", r"^es\s+0x2b\s",
        r"^Hardware watchpoint 2: counter",
        r"^Old value = 1\nNew value = 42$",
        r"^bump \(\) at .*prog\.c:\d+",     # stopped right after the store, in bump
        r"^Breakpoint 3, 0x[0-9a-f]+ in load_x87 \(\)",
        r"^st0\s+2\.5\s+\(raw 0x4000a000000000000000\)",
        r"^\$3 = 2\.5$",
        r"<counter>:\s+0x2a\s+0x00\s+0x00\s+0x00",
        r"^\$4 = 2\.5$",                    # a global double through memory
        r"exited with code 07\]",
    ])
    check("user: the program's exit status is 7", status == 7, "status %r" % status)
    check("user: the program's output", "r=11 counter=42 d=2.5" in emu.output(), emu.output())

    # Ctrl-C and malformed packets over the raw protocol
    emu = Emu([args.user, "-g", "0", exe], os.path.join(out_dir, "user-raw.log"))
    if emu.port is None:
        check("user raw: the stub listens", False, emu.output())
        emu.finish()
        return
    c = Client(emu.port)
    release = nm(exe, "release")
    check("user raw: qSupported", "PacketSize=" in c.ask("qSupported:swbreak+"))
    check("user raw: ?", c.ask("?").startswith("T05"))
    check("user raw: unmapped memory is E14", c.ask("m0,4") == "E0e")
    check("user raw: register 99 is refused", c.ask("p63").startswith("E"))
    check("user raw: bad hex is refused", c.ask("mzz,4").startswith("E"))
    c.send_raw(b"$g#00")
    check("user raw: a bad checksum is nacked", c.ack() == b"-")
    c.packet("c")
    c.ack()
    # wait until the program printed its line: it then spins on release
    deadline = time.time() + HANG
    while "r=11" not in emu.output() and time.time() < deadline:
        time.sleep(0.05)
    c.send_raw(b"\x03")
    check("user raw: Ctrl-C stops the guest with SIGINT", c.reply().startswith("T02"))
    check("user raw: write release", c.ask("M%x,4:01000000" % release) == "OK")
    c.packet("c")
    c.ack()
    check("user raw: exit reported", c.reply() == "W07")
    status = emu.finish()
    check("user raw: the program's exit status is 7", status == 7, "status %r" % status)


# ---- system mode ----
def sys_script(sym):
    bp, after, spin = (0xF0000 + sym[k] for k in ("bp_here", "after_store", "spin"))
    return r"""
info registers eip cs
break *0x%x
continue
info registers eax eip
stepi
info registers eax eip
x/2wx 0x400000
python
try:
    gdb.execute("x/wx 0x800000")
except gdb.MemoryError as e:
    print("unmapped:", e)
end
set $eax = 0x5678
info registers eax
watch *(int *)0x400004
continue
info registers eip
x/2wx 0x400000
print $st0
info registers fstat ftag
delete
rwatch *(int *)0x400000
continue
info registers eip ecx
delete
awatch *(int *)0x400000
continue
info registers eip
delete
hbreak *0x%x
continue
info registers eip
delete
set *(int *)0x400008 = 1
continue
""" % (bp, spin)


def map_symbols(path):
    sym = {}
    for line in open(path):
        m = re.match(r"^\s+([0-9A-F]+)\s+([0-9A-F]+)\s+(\S+)$", line)
        if m:
            sym[m.group(3)] = int(m.group(1), 16)
    return sym


def system_tests(args, out_dir):
    if not shutil.which(args.nasm):
        say("SKIPPING the system-mode part: no nasm to build the kernel")
        return
    wrap = os.path.join(out_dir, "kernel-wrap.asm")
    mapf = os.path.join(out_dir, "kernel.map")
    image = os.path.join(out_dir, "kernel.bin")
    with open(wrap, "w") as f:
        f.write("[map symbols %s]\n%%include \"%s\"\n" % (mapf, os.path.join(HERE, "kernel.asm")))
    r = subprocess.run([args.nasm, "-f", "bin", "-w+all", "-I", os.path.join(HERE, "..", "system") + os.sep,
                        "-o", image, wrap], capture_output=True, text=True)
    if r.returncode:
        check("system: the kernel builds", False, r.stderr)
        return
    sym = map_symbols(mapf)
    emu = Emu([args.system, "-bios", image, "-S", "-gdb", "tcp::0", "-serial", "null"],
              os.path.join(out_dir, "system-emu.log"))
    check("system: the stub listens", emu.port is not None, emu.output())
    if emu.port is None:
        emu.finish()
        return
    out = run_gdb(sys_script(sym), emu.port, None, out_dir, "system")
    status = emu.finish()
    bp = 0xF0000 + sym["bp_here"]
    expect("system", out, [
        r"^eip\s+0xfff0\s",                      # -S: stopped at the reset vector
        r"^cs\s+0xf000\s",
        r"^Breakpoint 1, 0x0*%x in \?\? \(\)" % bp,
        r"^eax\s+0x1234\s",
        r"^eax\s+0x1235\s",                       # after one stepi
        r"^eip\s+0x%x\s" % (bp + 3),
        r"^0x400000:\s+0x11111111\s+0x00000000$",  # through the page tables (physical 0x20000)
        r"unmapped: Cannot access memory at address 0x800000",
        r"^eax\s+0x5678\s",
        r"^Hardware watchpoint 2: \*\(int \*\)0x400004",
        r"^Old value = 0\nNew value = 22136$",      # mov ebx, eax; mov [..], ebx: the debugger's eax
        r"^eip\s+0x%x\s" % (0xF0000 + sym["after_store"]),
        r"^0x400000:\s+0x11111111\s+0x00005678$",
        r"^\$1 = 1$",                               # st0 after fld1
        r"^fstat\s+0x3800\s", r"^ftag\s+0x3fff\s",  # TOP 7, R7 valid
        r"^Hardware read watchpoint 3: \*\(int \*\)0x400000\n\nValue = 286331153$",
        r"^eip\s+0x%x\s" % (0xF0000 + sym["after_read"]),
        r"^ecx\s+0x11111111\s",
        r"^Hardware access \(read/write\) watchpoint 4: \*\(int \*\)0x400000\n\n"
        r"Old value = 286331153\nNew value = 286331154$",
        r"^eip\s+0x%x\s" % (0xF0000 + sym["after_rmw"]),
        r"^Hardware assisted breakpoint \d+ at 0x%x" % (0xF0000 + sym["spin"]),
        r"^eip\s+0x%x\s" % (0xF0000 + sym["spin"]),
        r"exited normally\]",
    ])
    check("system: status 0", status == 0, "status %r" % status)
    check("system: the guest saw the debugger's register write",
          "gdb kernel: eax=00005678 value=00005678" in emu.output(), emu.output())

    # Ctrl-C on a spinning guest, over the raw protocol
    emu = Emu([args.system, "-bios", image, "-S", "-gdb", "tcp::0", "-serial", "null"],
              os.path.join(out_dir, "system-raw.log"))
    if emu.port is None:
        check("system raw: the stub listens", False, emu.output())
        emu.finish()
        return
    c = Client(emu.port)
    c.ask("qSupported")
    check("system raw: no-ack mode", c.ask("QStartNoAckMode") == "OK")
    c.packet("Z1,%x,1" % (0xF0000 + sym["spin"]))
    check("system raw: hw breakpoint at spin", c.reply() == "OK")
    c.packet("c")
    check("system raw: hwbreak stop", "hwbreak" in c.reply())
    c.packet("z1,%x,1" % (0xF0000 + sym["spin"]))
    c.reply()
    c.packet("c")
    time.sleep(0.2)  # not an assertion: only lets the guest spin a while first
    c.send_raw(b"\x03")
    check("system raw: Ctrl-C stops the guest with SIGINT", c.reply().startswith("T02"))
    eip = c.ask("p8")
    eip = int.from_bytes(bytes.fromhex(eip), "little") if re.fullmatch(r"[0-9a-f]{8}", eip) else -1
    lo, hi = 0xF0000 + sym["spin"], 0xF0000 + sym["back"]
    check("system raw: stopped in the spin loop", lo <= eip < hi, "eip %#x" % eip)
    check("system raw: release", c.ask("M400008,4:01000000") == "OK")
    c.packet("c")
    check("system raw: exit reported", c.reply() == "W00")
    status = emu.finish()
    check("system raw: status 0", status == 0, "status %r" % status)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--system")
    ap.add_argument("--cc", default=os.environ.get("CC_I386", "gcc"))
    ap.add_argument("--nasm", default=os.environ.get("NASM", "nasm"))
    ap.add_argument("--emu-wrapper", default="")
    args = ap.parse_args()
    if args.emu_wrapper.strip():
        say("SKIPPING: under an emulator wrapper (%s) the stub's sessions are not run; the GDB stub "
            "was NOT tested in this leg" % args.emu_wrapper)
        return 77
    if not shutil.which("gdb"):
        say("SKIPPING: gdb is not installed (apt-get install gdb); the GDB stub was NOT tested")
        return 77
    os.makedirs(args.build_dir, exist_ok=True)
    user_tests(args, args.build_dir)
    if args.system:
        system_tests(args, args.build_dir)
    if failures:
        say("%d check(s) failed: %s" % (len(failures), ", ".join(failures)))
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
