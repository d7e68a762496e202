#!/usr/bin/env python3
"""tests/robust: guests that misbehave on purpose, and emu386-system
surviving them (issue 10: "a guest that spins with interrupts off, floods
the UART, or resets in a loop does not crash or wedge the emulator; Ctrl-C
/ SIGTERM ends it cleanly").

Each case boots one of the nasm guests of this folder (rom.inc), waits
until the guest is observably doing its thing (a marker on port 0xE9 or
COM2, so many bytes on COM1, so many resets), then sends SIGTERM or
SIGINT (Ctrl-C through a pseudo-terminal for the stdio cases) and checks:

  * emu386-system ends with 128+signal and says "terminating on signal N";
  * what it wrote is intact: COM1's output is an exact prefix of the
    guest's endless pattern (nothing reordered or corrupted; nothing lost
    where the guest polls LSR as a driver does), COM2's marks count up,
    the reset loops print whole "boot" lines;
  * memory stays bounded where a backend cannot take bytes (the peak RSS,
    VmHWM, grows by less than MEM_SLACK, 256 KiB, while the guest writes
    512 KiB or more that nobody reads), and in the reset loops (thousands of
    resets);
  * the terminal is restored (stdio on a pty: raw while running, the saved
    settings back after Ctrl-C);
  * a backend that cannot take bytes makes the UART a real one with a full
    FIFO: a polling guest sees THRE stay clear (it prints "stall"), a guest
    that writes blindly runs on and its lost bytes are counted at exit.

Every case runs in host time and under -icount 3.  No assertion is about
time: the waits are hang guards only (a guard that expires fails the case
and says what it waited for), scaled by --guard-scale for slow builds.

usage: run.py --emu PATH --build-dir DIR [--wrapper CMD] [--guard-scale N]
              [--only NAME] [--quick] [-v]
Exit status 0 all passed, 1 a failure, 77 nothing could run (no nasm).
"""
import argparse
import fcntl
import os
import pty
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import termios
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LINE = b"flood 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu\n"
BLOCK = 1024 * len(LINE)  # the guest writes a COM2 mark every 64 KiB
MEM_SLACK = 256 << 10     # allowed VmHWM growth while the guest writes 512 KiB more
ROMS = {"spin": [], "reset-kbc": [], "reset-triple": [], "flood": [], "flood-poll": ["-DPOLL"]}


class Fail(Exception):
    pass


class Ctx:
    def __init__(self, args, work):
        self.emu = args.emu
        self.wrapper = shlex.split(args.wrapper) if args.wrapper else []
        self.scale = args.guard_scale
        self.quick = args.quick
        self.work = work
        self.verbose = args.verbose


def build_roms(build_dir):
    nasm = shutil.which("nasm")
    if not nasm:
        return None
    out = os.path.join(build_dir, "roms")
    os.makedirs(out, exist_ok=True)
    for name, defs in ROMS.items():
        src = os.path.join(HERE, name.replace("-poll", "") + ".asm")
        dst = os.path.join(out, name + ".bin")
        r = subprocess.run([nasm, "-f", "bin", "-I", HERE + "/"] + defs + ["-o", dst, src],
                           capture_output=True, text=True)
        if r.returncode:
            raise Fail("nasm %s: %s" % (name, r.stderr.strip()))
    return out


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def vmhwm(pid):
    """peak RSS in bytes (Linux /proc), None where it cannot be read"""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def wait_for(ctx, proc, what, cond, guard=60):
    """poll cond() until true; the guard only keeps a hang from lasting"""
    end = time.monotonic() + guard * ctx.scale
    while not cond():
        if proc.poll() is not None:
            raise Fail("emu386-system ended (status %s) before %s" % (proc.returncode, what))
        if time.monotonic() > end:
            raise Fail("hang guard (%ds): never saw %s" % (guard * ctx.scale, what))
        time.sleep(0.02)


def stop(ctx, proc, sig, send=None, guard=30):
    """send the signal (or call send()), wait for the end: the status"""
    (send or (lambda: proc.send_signal(sig)))()
    try:
        return proc.wait(timeout=guard * ctx.scale)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise Fail("hang guard (%ds): emu386-system did not end after signal %d (a wedge)"
                   % (guard * ctx.scale, sig))


def check_status(st, sig, err):
    if st != 128 + sig:
        raise Fail("status %s after signal %d, want %d; stderr: %s"
                   % (st, sig, 128 + sig, err.decode(errors="replace")[-400:]))
    if ("terminating on signal %d" % sig).encode() not in err:
        raise Fail("no 'terminating on signal %d' on stderr: %s" % (sig, err[-400:]))


def check_prefix(data, what, anywhere=False):
    """data must be the first len(data) bytes of LINE repeated (anywhere:
    a stretch of it starting at any offset, for a client that connected
    after the guest had started)"""
    if anywhere:
        k = data.find(b"\nflood 0") + 1
        if k == 0 or not LINE.endswith(data[:k]):
            if k == 0 and len(data) < 2 * len(LINE) and data in LINE + LINE:
                return
            raise Fail("%s: no line of the guest's pattern in %r" % (what, data[:80]))
        data = data[k:]
    full, rest = divmod(len(data), len(LINE))
    for i in range(full):
        if data[i * len(LINE):(i + 1) * len(LINE)] != LINE:
            raise Fail("%s: line %d is not the guest's pattern: %r" %
                       (what, i + 1, data[i * len(LINE):(i + 1) * len(LINE)][:80]))
    if data[full * len(LINE):] != LINE[:rest]:
        raise Fail("%s: the last partial line is not a prefix of the pattern" % what)


def marks(path):
    """COM2 of the flood guests: the last mark, and whether it stalled"""
    lines = read(path).split(b"\n")
    last, stalled, want = 0, False, 1
    for ln in lines[:-1]:
        if ln == b"flood: started":
            continue
        kind, _, num = ln.partition(b" ")
        n = int(num, 16)
        if kind == b"mark":
            if n != want:
                raise Fail("COM2: mark %d after mark %d" % (n, want - 1))
            want, last = n + 1, n
        elif kind == b"stall":
            stalled = True
        else:
            raise Fail("COM2: unexpected line %r" % ln)
    return last, stalled


class Emu:
    def __init__(self, ctx, name, rom, opts, stdin=subprocess.DEVNULL, stdout=None,
                 preexec=None):
        self.dir = os.path.join(ctx.work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.out = os.path.join(self.dir, "stdout")
        self.errf = os.path.join(self.dir, "stderr")
        cmd = ctx.wrapper + [ctx.emu, "-bios", rom] + opts
        if ctx.verbose:
            print("  $", " ".join(cmd))
        self._err = open(self.errf, "wb")
        self._out = None
        if stdout is None:
            self._out = open(self.out, "wb")
            stdout = self._out
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=stdout, stderr=self._err,
                                     cwd=self.dir, preexec_fn=preexec)

    def path(self, f):
        return os.path.join(self.dir, f)

    def stderr(self):
        return read(self.errf)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._err.close()
        if self._out:
            self._out.close()


def icount_opts(icount):
    return ["-icount", "3"] if icount else []


# ---- the cases ----

def case_spin(ctx, rom, icount, sig):
    e = Emu(ctx, "spin", rom("spin"), icount_opts(icount) + ["-serial", "none"])
    try:
        wait_for(ctx, e.proc, "the guest's 'spinning' line on port 0xE9",
                 lambda: b"spinning\n" in read(e.out))
        st = stop(ctx, e.proc, sig)
        check_status(st, sig, e.stderr())
        if read(e.out) != b"spin: interrupts off, spinning\n":
            raise Fail("stdout is not exactly the guest's line: %r" % read(e.out)[:200])
    finally:
        e.close()


def case_reset(ctx, rom, icount, sig, which):
    e = Emu(ctx, which, rom(which), icount_opts(icount) + ["-serial", "none"])
    first, many = (20, 200) if ctx.quick else (200, 3000)
    try:
        wait_for(ctx, e.proc, "%d boots" % first, lambda: read(e.out).count(b"\n") >= first)
        m0 = vmhwm(e.proc.pid)
        wait_for(ctx, e.proc, "%d boots" % many, lambda: read(e.out).count(b"\n") >= many, 120)
        m1 = vmhwm(e.proc.pid)
        st = stop(ctx, e.proc, sig)
        check_status(st, sig, e.stderr())
        out = read(e.out)
        n = out.count(b"\n")
        if out != b"boot\n" * n + b"boot\n"[:len(out) - 5 * n]:
            raise Fail("stdout is not whole 'boot' lines")
        mem = check_mem(ctx, m0, m1, "%d resets" % (many - first))
        return "%d boots%s" % (n, mem)
    finally:
        e.close()


def check_mem(ctx, m0, m1, what):
    if ctx.wrapper or m0 is None or m1 is None:
        return ""  # (said once in main: not measured under a wrapper)
    if m1 - m0 > MEM_SLACK:
        raise Fail("peak RSS grew by %d KiB over %s (bound %d KiB)" %
                   ((m1 - m0) >> 10, what, MEM_SLACK >> 10))
    return ", peak RSS +%d KiB" % ((m1 - m0) >> 10)


def case_flood_file(ctx, rom, icount, sig, poll):
    name = "flood-poll" if poll else "flood"
    e = Emu(ctx, name + "-file", rom(name),
            icount_opts(icount) + ["-serial", "file:com1", "-serial", "file:com2"])
    want = 1 if ctx.quick else 2
    try:
        wait_for(ctx, e.proc, "COM2 mark %d (%d KiB on COM1)" % (want, want * 64),
                 lambda: marks(e.path("com2"))[0] >= want)
        st = stop(ctx, e.proc, sig)
        check_status(st, sig, e.stderr())
        data = read(e.path("com1"))
        check_prefix(data, "COM1 file")
        last, stalled = marks(e.path("com2"))
        if len(data) < last * BLOCK:
            raise Fail("COM1 file has %d bytes, the guest had written %d" % (len(data), last * BLOCK))
        if stalled:
            raise Fail("the guest saw THRE stay clear writing to a file")
        if b"bytes lost" in e.stderr():
            raise Fail("bytes lost writing to a file: %s" % e.stderr()[-300:])
        return "%d KiB" % (len(data) >> 10)
    finally:
        e.close()


def drain(fd, into, stop_after=None):
    """read fd until EOF into the bytearray (a reader thread)"""
    while True:
        try:
            b = os.read(fd, 65536)
        except OSError:
            return
        if not b:
            return
        into.extend(b)


def case_pipe(ctx, rom, icount, sig, poll, slow):
    """-serial stdio into a pipe whose reader takes 4 KiB and stops (or,
    slow, reads on at a trickle)"""
    name = "flood-poll" if poll else "flood"
    r, w = os.pipe()
    e = Emu(ctx, "%s-pipe%s" % (name, "-slow" if slow else ""), rom(name),
            icount_opts(icount) + ["-serial", "stdio", "-serial", "file:com2"], stdout=w)
    os.close(w)
    got = bytearray()
    done = threading.Event()

    def trickle():
        while not done.is_set():
            try:
                b = os.read(r, 512)
            except OSError:
                return
            if not b:
                return
            got.extend(b)
            time.sleep(0.002)  # slow: a pace, never a condition

    t = None
    try:
        while len(got) < 4096:
            b = os.read(r, 4096 - len(got))
            if not b:
                raise Fail("the pipe ended before 4 KiB: %s" % e.stderr()[-300:])
            got.extend(b)
        if slow:
            t = threading.Thread(target=trickle)
            t.start()
            wait_for(ctx, e.proc, "COM2 mark 2 (128 KiB through a slow reader: twice the pipe)",
                     lambda: marks(e.path("com2"))[0] >= 2)
        elif poll:
            # the pipe is full: a polling guest must see THRE stay clear
            wait_for(ctx, e.proc, "the guest's 'stall' on COM2 (THRE held clear)",
                     lambda: marks(e.path("com2"))[1])
        else:
            wait_for(ctx, e.proc, "COM2 mark 2 (the guest writing on past a full pipe)",
                     lambda: marks(e.path("com2"))[0] >= 2)
        m0 = vmhwm(e.proc.pid)
        if not slow and not poll:
            wait_for(ctx, e.proc, "COM2 mark 10", lambda: marks(e.path("com2"))[0] >= 10)
        m1 = vmhwm(e.proc.pid)
        st = stop(ctx, e.proc, sig)
        done.set()
        if t:
            t.join()
        drain(r, got)
        check_status(st, sig, e.stderr())
        check_prefix(bytes(got), "the pipe's bytes")
        mem = check_mem(ctx, m0, m1, "512 KiB written to a full pipe")
        lost = b"bytes lost" in e.stderr()
        if poll and lost:
            raise Fail("a polling guest lost bytes: %s" % e.stderr()[-300:])
        if not poll and not slow and not lost:
            raise Fail("a blind flood into a full pipe: no lost-bytes count at exit")
        return "%d KiB through the pipe%s" % (len(got) >> 10, mem)
    finally:
        done.set()
        if t:
            t.join()
        e.close()
        os.close(r)


def case_pty(ctx, rom, icount, sig):
    """-serial stdio on a terminal whose reader stops reading: raw mode
    while running, Ctrl-C (or SIGTERM) ends it, the terminal restored"""
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)

    def ctty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    e = Emu(ctx, "flood-poll-pty-%d" % sig, rom("flood-poll"),
            icount_opts(icount) + ["-serial", "stdio", "-serial", "file:com2"],
            stdin=slave, stdout=slave, preexec=ctty)
    try:
        got = bytearray()
        while len(got) < 4096:
            got.extend(os.read(master, 4096))
        wait_for(ctx, e.proc, "the guest's 'stall' on COM2 (a terminal nobody reads)",
                 lambda: marks(e.path("com2"))[1])
        during = termios.tcgetattr(slave)
        if during[3] & termios.ECHO or during[3] & termios.ICANON:
            raise Fail("the terminal is not in raw mode while the guest runs")
        if not during[3] & termios.ISIG:
            raise Fail("ISIG is off: Ctrl-C could not end the emulator")
        check_prefix(bytes(got).replace(b"\r\n", b"\n"), "the terminal's bytes")
        if sig == signal.SIGINT:
            st = stop(ctx, e.proc, sig, send=lambda: os.write(master, b"\x03"))
        else:
            st = stop(ctx, e.proc, sig)
        check_status(st, sig, e.stderr())
        after = termios.tcgetattr(slave)
        if after != before:
            raise Fail("the terminal settings were not restored: %r != %r" % (after, before))
        # (what follows is not checked: ^C makes the terminal discard the
        # output it holds, as a real one does)
        return "%d KiB" % (len(got) >> 10)
    finally:
        e.close()
        os.close(master)
        os.close(slave)


def case_unix(ctx, rom, icount, sig):
    """-serial unix: server with a client that reads 4 KiB and stops"""
    e = None
    sock_path = os.path.join(ctx.work, "com1-%d.sock" % os.getpid())
    e = Emu(ctx, "flood-unix", rom("flood"),
            icount_opts(icount) + ["-serial", "unix:%s,server" % sock_path, "-serial", "file:com2"])
    c = socket.socket(socket.AF_UNIX)
    try:
        def connected():  # the path exists after bind(), before listen()
            try:
                c.connect(sock_path)
                return True
            except (FileNotFoundError, ConnectionRefusedError):
                return False
        wait_for(ctx, e.proc, "a connection to the socket", connected)
        got = bytearray()
        while len(got) < 4096:
            b = c.recv(4096 - len(got))
            if not b:
                raise Fail("the client's stream ended before 4 KiB")
            got.extend(b)
        base = marks(e.path("com2"))[0]
        wait_for(ctx, e.proc, "COM2 mark %d" % (base + 2), lambda: marks(e.path("com2"))[0] >= base + 2)
        m0 = vmhwm(e.proc.pid)
        target = base + 10
        wait_for(ctx, e.proc, "COM2 mark %d" % target, lambda: marks(e.path("com2"))[0] >= target, 120)
        m1 = vmhwm(e.proc.pid)
        st = stop(ctx, e.proc, sig)
        check_status(st, sig, e.stderr())
        while True:
            b = c.recv(65536)
            if not b:
                break
            got.extend(b)
        check_prefix(bytes(got), "the client's bytes", anywhere=True)
        mem = check_mem(ctx, m0, m1, "%d KiB to a client that stopped reading" % ((target - base - 2) * 64))
        if b"dropped by the unix backend" not in e.stderr():
            raise Fail("no dropped-bytes count at exit: %s" % e.stderr()[-300:])
        if os.path.exists(sock_path):
            raise Fail("the socket was not unlinked at exit")
        return "client got %d KiB%s" % (len(got) >> 10, mem)
    finally:
        c.close()
        e.close()


def cases():
    T, I = signal.SIGTERM, signal.SIGINT
    out = []
    for icount in (False, True):
        tag = "-icount" if icount else ""
        out += [
            ("spin-sigterm" + tag, lambda c, r, i=icount: case_spin(c, r, i, T)),
            ("spin-sigint" + tag, lambda c, r, i=icount: case_spin(c, r, i, I)),
            ("reset-kbc" + tag, lambda c, r, i=icount: case_reset(c, r, i, T, "reset-kbc")),
            ("reset-triple" + tag, lambda c, r, i=icount: case_reset(c, r, i, I, "reset-triple")),
            ("flood-file" + tag, lambda c, r, i=icount: case_flood_file(c, r, i, T, False)),
            ("flood-poll-file" + tag, lambda c, r, i=icount: case_flood_file(c, r, i, I, True)),
            ("stdio_stalled_reader_wedges" + tag,
             lambda c, r, i=icount: case_pipe(c, r, i, T, True, False)),
            ("flood-pipe-stalled" + tag, lambda c, r, i=icount: case_pipe(c, r, i, I, False, False)),
            ("flood-poll-pipe-slow" + tag, lambda c, r, i=icount: case_pipe(c, r, i, T, True, True)),
            ("pty-ctrl-c" + tag, lambda c, r, i=icount: case_pty(c, r, i, I)),
            ("pty-sigterm" + tag, lambda c, r, i=icount: case_pty(c, r, i, T)),
            ("flood-unix-stalled" + tag, lambda c, r, i=icount: case_unix(c, r, i, T)),
        ]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--emu", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--wrapper", default="", help="run emu386-system under this (valgrind ...)")
    ap.add_argument("--guard-scale", type=int, default=1, help="multiply the hang guards")
    ap.add_argument("--quick", action="store_true", help="fewer bytes and resets (Valgrind)")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if not os.access(args.emu, os.X_OK):
        print("FAIL: robust: no emu386-system at %s" % args.emu)
        return 1
    os.makedirs(args.build_dir, exist_ok=True)
    roms = build_roms(args.build_dir)
    if roms is None:
        print("SKIP: robust: nasm is missing (apt-get install nasm): no guest could be built")
        return 77
    if not sys.platform.startswith("linux"):
        print("NOTE: robust: not Linux: the peak-RSS bounds are not measured (/proc)")
    if args.wrapper:
        print("NOTE: robust: under '%s': the peak-RSS bounds are not measured" % args.wrapper)
    rom = lambda n: os.path.join(roms, n + ".bin")
    work = os.path.join(args.build_dir, "work")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    ctx = Ctx(args, work)
    failed = 0
    ran = 0
    for name, fn in cases():
        if args.only and name not in args.only:
            continue
        ran += 1
        t0 = time.monotonic()
        ctx.work = os.path.join(work, name)
        os.makedirs(ctx.work)
        try:
            info = fn(ctx, rom)
            print("PASS: robust: %-36s %5.1fs%s" % (name, time.monotonic() - t0,
                                                     "  (%s)" % info if info else ""))
        except (Fail, OSError, ValueError) as ex:
            failed += 1
            print("FAIL: robust: %s: %s: %s" % (name, type(ex).__name__, ex))
        sys.stdout.flush()
    print("robust: %d cases, %d failed" % (ran, failed))
    return 1 if failed or not ran else 0


if __name__ == "__main__":
    sys.exit(main())
