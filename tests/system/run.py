#!/usr/bin/env python3
"""The system suite: bare-metal test kernels (tests/system/*.asm, flat 64 KiB
ROM images built by nasm) run under emu386-system and under Bochs, the
oracle, and their port-0xE9 transcripts compared line for line, each with
a final exit status line, with each other and with the committed golden
files golden/<name>.txt:

  emu386 vs bochs    when Bochs is installed and starts (a probe kernel)
  emu386 vs golden   always when --emu is given
  bochs vs golden    when Bochs runs: the golden files are still Bochs's

emu386-system runs as `EMU -bios IMAGE -no-reboot`: the E9 bytes on
stdout, the exit status the byte the kernel wrote to port 0xF4 (3 and a
message on stderr for a triple fault).  Bochs ignores port 0xF4; a kernel
ends by writing "Shutdown" to port 0x8900, and its status is the one in its
last "done: status=N" line; a triple fault (cpu: reset_on_triple_fault=0)
is "exit=3", as under emu386-system -no-reboot.

Golden files are only ever written from Bochs (--update-golden), from two
runs that print the same transcript; never from emu386.

Exit status: 0 all compared lines equal, 1 differences, 77 nothing could
be compared (no emu386-system, no Bochs)."""
import argparse
import concurrent.futures
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import textdiff  # noqa: E402 (the shared comparison, tests/lib)

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
TIMEOUT = 120

BOCHSRC = """\
# written by tests/system/run.py for one test kernel
megs: 32
romimage: file="{image}"
cpu: model=p2_klamath, count=1, ips=10000000, reset_on_triple_fault=0, ignore_bad_msrs=0
display_library: {display}
port_e9_hack: enabled=1
clock: sync=none, time0=1
log: "{log}"
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
"""


def say(msg):
    print("system: " + msg, flush=True)


def build(src, out_dir, nasm):
    """Returns (image path, error text or None)."""
    name = os.path.splitext(os.path.basename(src))[0]
    image = os.path.join(out_dir, name + ".bin")
    deps = [src] + glob.glob(os.path.join(HERE, "*.inc"))
    if os.path.exists(image) and os.path.getmtime(image) >= max(map(os.path.getmtime, deps)):
        return image, None
    try:
        r = subprocess.run([nasm, "-f", "bin", "-w+all", "-I", HERE + os.sep, "-o", image,
                            "-l", os.path.join(out_dir, name + ".lst"), src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as e:
        return image, "cannot run %s: %s" % (nasm, e.strerror)
    if r.returncode != 0:
        if os.path.exists(image):
            os.unlink(image)
        return image, r.stdout.decode("utf-8", "replace")
    return image, None


def run_emu(emu_cmd, image):
    """The transcript of one kernel under emu386-system, with its status line."""
    cmd = emu_cmd + ["-bios", image, "-no-reboot"]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        return (e.stdout or b"").decode("latin-1") + "timeout after %ds\n" % TIMEOUT, ""
    except OSError as e:
        return "cannot run %s: %s\n" % (cmd[0], e.strerror), ""
    out = p.stdout.decode("latin-1")
    if out and not out.endswith("\n"):
        out += "\n"
    status = ("exit=%d" % p.returncode if p.returncode >= 0
              else "killed by signal %d" % -p.returncode)
    return out + status + "\n", p.stderr.decode("latin-1")


class Bochs:
    """Runs a kernel under Bochs; probe() finds a display library and
    whether the build has the internal debugger (Debian's has: it stops
    before the first instruction and is told to continue by an rc file)."""

    DEBUGGER_FIRST = re.compile(r"^\(\d+\) \[0x0*fffffff0\] .*\n", re.M)
    DEBUGGER_LAST = re.compile(r"(?:\(\d+\)\.?\[\d+\] \[0x[0-9a-f]+\] [^\n]*\n?)+\Z")
    EXITING = re.compile(r"Bochs is exiting with the following message:\n\[([^\]]*)\] ([^\n]*)")

    def __init__(self, exe, work):
        self.exe, self.work = exe, work
        self.display = None
        self.debugger = False
        self.version = "?"

    def probe(self, probe_image):
        """None when Bochs runs the probe kernel, else why not."""
        try:
            h = subprocess.run([self.exe, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as e:
            return "cannot run %s: %s" % (self.exe, e)
        text = h.stdout.decode("latin-1")
        m = re.search(r"Bochs x86 Emulator (\S+)", text)
        self.version = m.group(1) if m else "?"
        self.debugger = "-rc filename" in text
        self.cont = os.path.join(self.work, "continue.rc")  # written once: runs go in parallel
        with open(self.cont, "w") as f:
            f.write("continue\nquit\n")
        why = "no display library"
        for display in ("nogui", "term"):
            self.display = display
            out, err = self.run(probe_image, "probe")
            if out == "probe ok\ndone: status=0\nexit=0\n":
                return None
            why = "with display_library %s the probe kernel printed %r (stderr: %s)" % (
                display, out[-200:], err.strip().splitlines()[-1] if err.strip() else "")
        self.display = None
        return why

    def run(self, image, name):
        rc = os.path.join(self.work, name + ".bochsrc")
        log = os.path.join(self.work, name + ".bochs.log")
        with open(rc, "w") as f:
            f.write(BOCHSRC.format(image=image, display=self.display, log=log))
        cmd = [self.exe, "-q", "-f", rc]
        if self.debugger:
            cmd += ["-rc", self.cont]
        env = dict(os.environ)
        env.setdefault("TERM", "vt100")  # the term display library needs one
        # ci/check's MALLOC_PERTURB_ is for emu386: Debian's Bochs 2.7 reads a
        # fresh block as zero somewhere in its term display and, with glibc's
        # fill there, stops at start-up ("*** buffer overflow detected ***"),
        # which left ci/check without its live oracle
        env.pop("MALLOC_PERTURB_", None)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, timeout=TIMEOUT, env=env, cwd=self.work)
            out, err, end = p.stdout.decode("latin-1"), p.stderr.decode("latin-1"), None
        except subprocess.TimeoutExpired as e:
            out, err = (e.stdout or b"").decode("latin-1"), (e.stderr or b"").decode("latin-1")
            end = "timeout after %ds" % TIMEOUT
        except OSError as e:
            return "cannot run %s: %s\n" % (self.exe, e.strerror), ""
        # the E9 bytes: after the debugger's first prompt, without its last line
        m = self.DEBUGGER_FIRST.search(out)
        if m:
            out = out[m.end():]
        elif self.debugger:
            out = ""
        out = self.DEBUGGER_LAST.sub("", out)
        if out and not out.endswith("\n"):
            out += "\n"
        if end is None:
            m = self.EXITING.search(err)
            why = m.group(2).strip() if m else "no exit message"
            if "Shutdown port: shutdown requested" in why:
                done = re.findall(r"^done: status=(\d+)$", out, re.M)
                end = "exit=%s" % done[-1] if done else "shutdown without a done line"
            elif re.match(r"exception\(\): 3rd \(\d+\) exception with no resolution", why):
                end = "exit=3"  # the triple fault, as emu386-system -no-reboot
            else:
                end = "bochs: %s" % why
        return out + end + "\n", err


def compare(name, ref, got, ref_label, got_label):
    """Returns (lines compared, differing lines); prints the first differences."""
    return textdiff.compare(say, name, ref, got, ref_label, got_label)


PROBE = """%include "lib.inc"
main:
    PRINTF `probe ok\\n`
    DONE 0
    ROM_END
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(os.getcwd(), "system-tests"))
    ap.add_argument("--emu", help="path of emu386-system")
    ap.add_argument("--emu-wrapper", default="", help='e.g. "qemu-s390x -L /usr/s390x-linux-gnu"')
    ap.add_argument("--bochs", default=os.environ.get("BOCHS"),
                    help="the Bochs binary (default: $BOCHS, bochs-bin, bochs)")
    ap.add_argument("--nasm", default=os.environ.get("NASM", "nasm"))
    ap.add_argument("--no-bochs", action="store_true", help="compare with the golden files only")
    ap.add_argument("--update-golden", action="store_true",
                    help="rewrite the golden files from Bochs (two identical runs)")
    ap.add_argument("--only", action="append", metavar="NAME", help="run only this kernel; may be repeated")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each transcript")
    args = ap.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    os.makedirs(build_dir, exist_ok=True)
    sources = sorted(glob.glob(os.path.join(HERE, "*.asm")))
    if args.only:
        sources = [s for s in sources if os.path.splitext(os.path.basename(s))[0] in args.only]
        if len(sources) != len(set(args.only)):
            sys.exit("system: no such kernel among: %s" % " ".join(args.only))
    names = [os.path.splitext(os.path.basename(s))[0] for s in sources]

    # build: a kernel that does not assemble fails the suite
    if shutil.which(args.nasm) is None:
        say("SKIPPING: no nasm (%s) to build the test kernels; nothing was tested" % args.nasm)
        sys.exit(77)
    images, failed = {}, 0
    for src, name in zip(sources, names):
        image, err = build(src, build_dir, args.nasm)
        if err:
            say("%s: does not build:\n%s" % (name, err))
            failed += 1
        else:
            images[name] = image

    # the oracle
    bochs = None
    if args.no_bochs:
        say("NOTE: --no-bochs: no Bochs comparison; using the golden files")
    else:
        exe = args.bochs or shutil.which("bochs-bin") or shutil.which("bochs")
        if not exe:
            say("NOTE: Bochs is not installed (apt-get install bochs bochs-term): "
                "no Bochs comparison; using the golden files")
        else:
            probe_src = os.path.join(build_dir, "probe.asm")
            with open(probe_src, "w") as f:
                f.write(PROBE)
            probe_image, err = build(probe_src, build_dir, args.nasm)
            b = Bochs(exe, build_dir)
            why = "the probe kernel does not build: %s" % err if err else b.probe(probe_image)
            if why:
                say("NOTE: Bochs (%s) does not work here: %s; no Bochs comparison; using the golden files"
                    % (exe, why))
            else:
                bochs = b
                say("Bochs %s (%s, display %s%s, cpu p2_klamath) is the oracle"
                    % (b.version, exe, b.display, ", debugger continued by an rc file" if b.debugger else ""))

    if args.update_golden:
        if bochs is None:
            sys.exit("system: golden files are only produced by Bochs, which does not run here")
        os.makedirs(GOLDEN, exist_ok=True)
        bad = 0
        def twice(name):
            return bochs.run(images[name], name)[0], bochs.run(images[name], name + ".2")[0]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = dict(zip(images, pool.map(twice, images)))
        for name in images:
            one, two = results[name]
            if one != two:
                say("%s: two Bochs runs differ; golden file not written" % name)
                compare(name, one, two, "bochs run 1", "bochs run 2")
                bad += 1
                continue
            with open(os.path.join(GOLDEN, name + ".txt"), "w") as f:
                f.write(one)
            say("%s: golden file written, %d lines" % (name, len(one.splitlines())))
        sys.exit(1 if bad or failed else 0)

    emu_cmd = None
    if not args.emu:
        say("NOTE: no --emu given: emu386-system is not tested, nothing compared for it")
    elif not os.path.exists(args.emu):
        say("NOTE: %s does not exist: emu386-system is not tested, nothing compared for it" % args.emu)
    else:
        emu_cmd = shlex.split(args.emu_wrapper) + [args.emu]

    def one(name):
        image = images[name]
        e = run_emu(emu_cmd, image) if emu_cmd else None
        b = bochs.run(image, name) if bochs else None
        return e, b
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = dict(zip(images, pool.map(one, images)))

    totals = {}  # label -> [lines, differences]
    def tally(label, lines_diffs):
        t = totals.setdefault(label, [0, 0])
        t[0] += lines_diffs[0]
        t[1] += lines_diffs[1]
    for name in images:
        (e, b) = results[name]
        golden_path = os.path.join(GOLDEN, name + ".txt")
        golden = open(golden_path).read() if os.path.exists(golden_path) else None
        if golden is None:
            say("%s: no golden file %s (make it with --update-golden where Bochs runs)" % (name, golden_path))
            failed += 1
        if args.verbose:
            for label, text in (("emu386", e and e[0]), ("bochs", b and b[0])):
                if text is not None:
                    print("--- %s under %s:\n%s" % (name, label, text), end="")
        if e is not None:
            if e[1].strip():
                for line in e[1].strip().splitlines()[:5]:
                    say("%s: emu386 stderr: %s" % (name, line))
            if b is not None:
                tally("emu386 vs bochs", compare(name, b[0], e[0], "bochs", "emu386"))
            if golden is not None:
                tally("emu386 vs golden", compare(name, golden, e[0], "golden", "emu386"))
        if b is not None and golden is not None:
            tally("bochs vs golden", compare(name, golden, b[0], "golden", "bochs"))

    say("%d kernels, %d golden transcript lines" % (
        len(images), sum(len(open(p).read().splitlines()) for p in glob.glob(os.path.join(GOLDEN, "*.txt"))
                         if os.path.splitext(os.path.basename(p))[0] in images)))
    for label in ("emu386 vs bochs", "emu386 vs golden", "bochs vs golden"):
        if label in totals:
            say("%d lines compared, %d differences (%s)" % (totals[label][0], totals[label][1], label))
    if not totals:
        say("SKIPPING: nothing could be compared (no emu386-system and no Bochs)")
        sys.exit(77)
    sys.exit(1 if failed or any(d for _, d in totals.values()) else 0)


if __name__ == "__main__":
    main()
