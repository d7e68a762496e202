"""bench/migrate.sh's driver: migrate an idle guest (idle_guest.asm) with
-m SIZE from one process to another over a UNIX socket, under
emu386-system and qemu-system-i386 in the same run, interleaved, and
print bytes on the wire and wall time side by side.  Not a test.

Per emulator and repetition: the destination waits on -incoming
unix:PATH, the source runs the guest for a moment, then QMP `migrate
unix:PATH`; the wall time is from the migrate command to query-migrate
saying "completed" (polled every millisecond), the bytes are what a
second migration to `exec:wc -c > FILE` wrote (the stream itself, counted
by wc), and query-migrate's own figures (transferred, total-time,
downtime, pages sent with data) are shown beside them."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time


class Qmp:
    def __init__(self, path):
        end = time.monotonic() + 30
        while True:
            self.s = socket.socket(socket.AF_UNIX)
            try:
                self.s.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                self.s.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)
        self.f = self.s.makefile("rwb")
        self.f.readline()
        self.cmd("qmp_capabilities")

    def cmd(self, name, args=None):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.f.write((json.dumps(req) + "\n").encode())
        self.f.flush()
        while True:
            msg = json.loads(self.f.readline())
            if "event" in msg:
                continue
            if "error" in msg:
                raise RuntimeError("%s: %s" % (name, msg["error"]))
            return msg["return"]


def command(kind, emu, bios, mem, qmp, extra):
    if kind == "emu386":
        base = [emu, "-bios", bios, "-m", mem, "-serial", "null"]
    else:
        base = ["qemu-system-i386", "-nodefaults", "-display", "none", "-vga", "none", "-accel", "tcg",
                "-bios", bios, "-m", mem]
    return base + ["-qmp", "unix:%s,server,nowait" % qmp] + extra


def wait_done(q):
    while True:
        r = q.cmd("query-migrate")
        if r.get("status") in ("completed", "failed", "cancelled"):
            return r
        time.sleep(0.001)


def one(kind, emu, bios, mem, work):
    d = tempfile.mkdtemp(dir=work)
    mig, sq, dq, cnt = (os.path.join(d, n) for n in ("mig.sock", "src.qmp", "dst.qmp", "bytes"))
    null = subprocess.DEVNULL
    dst = subprocess.Popen(command(kind, emu, bios, mem, dq, ["-incoming", "unix:" + mig]), stdout=null,
                           stderr=null)
    src = subprocess.Popen(command(kind, emu, bios, mem, sq, []), stdout=null, stderr=null)
    try:
        q = Qmp(sq)
        time.sleep(0.3)  # the guest boots and settles into HLT
        while not os.path.exists(mig):
            time.sleep(0.01)
        t0 = time.monotonic()
        q.cmd("migrate", {"uri": "unix:" + mig})
        r = wait_done(q)
        wall = time.monotonic() - t0
        if r["status"] != "completed":
            raise RuntimeError("%s: %r" % (kind, r))
        dst_q = Qmp(dq)
        end = time.monotonic() + 30  # the destination may still be finishing its load
        while dst_q.cmd("query-status")["status"] != "running":
            if time.monotonic() > end:
                raise RuntimeError("%s: the destination never ran" % kind)
            time.sleep(0.01)
        # the same stream again, counted by wc (cont: qemu's source is postmigrate)
        q.cmd("cont")
        q.cmd("migrate", {"uri": "exec:wc -c > %s" % cnt})
        wait_done(q)
        time.sleep(0.2)
        wire = int(open(cnt).read().split()[0])
        ram = r.get("ram", {})
        return {"wall": wall, "wire": wire, "transferred": ram.get("transferred", 0),
                "total": r.get("total-time", 0), "down": r.get("downtime", 0), "normal": ram.get("normal", 0)}
    finally:
        for p in (src, dst):
            p.kill()
            p.wait()


def main():
    emu, bios, mem, reps, work = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    res = {"emu386": [], "qemu": []}
    for _ in range(reps):
        for kind in ("emu386", "qemu"):
            res[kind].append(one(kind, emu, bios, mem, work))
    print("idle guest, -m %s, migrate over a UNIX socket; best wall of %d, its run's figures" % (mem, reps))
    print("%-8s %14s %14s %10s %12s %10s %12s" % ("", "wire bytes", "transferred", "wall ms",
                                                  "total-time", "downtime", "data pages"))
    for kind in ("emu386", "qemu"):
        b = min(res[kind], key=lambda x: x["wall"])
        print("%-8s %14d %14d %10.1f %12d %10d %12d" % (kind, b["wire"], b["transferred"], b["wall"] * 1000,
                                                        b["total"], b["down"], b["normal"]))
    e = min(res["emu386"], key=lambda x: x["wall"])
    qm = min(res["qemu"], key=lambda x: x["wall"])
    print("emu386/qemu: wire bytes %.2f, wall %.2f" % (e["wire"] / qm["wire"], e["wall"] / qm["wall"]))


main()
