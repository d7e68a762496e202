#!/usr/bin/env python3
"""The cpu-i386 suite: build every t_*.c / t_*.S as a static i386 program,
run it under emu386-user, and compare the whole output (stdout plus an exit
status line) with every reference the host has:

  native  the same i386 program run natively: only where a probe program
          built by $CC_I386 starts and prints what it should (x86 hosts
          whose kernel runs i386 code);
  twin    the program's x86-64 twin (twin.h), built by $CC_X86_64 -m64 and
          run natively on an x86-64 host, compared with emu386's output
          minus the lines of the i386-only parts (TWIN_DROP);
  golden  the committed golden/<name>.txt (any host).

--mode both (the default, run by ctest) uses every reference available and
says in one line why one is missing; --mode native, twin or golden uses
that one only (native and twin exit 77 when the host has no such
reference).  Without --emu, modes native and twin check their reference
against the golden files instead.

Golden files are only ever written from a real x86 CPU (--update-golden):
the native run, or on hosts without one the x86-64 twin where it covers
the whole program, and only when two runs print the same text."""
import argparse
import glob
import os
import platform
import re
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import textdiff  # noqa: E402 (the shared comparison, tests/lib)

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
CFLAGS = ["-O1", "-static", "-fno-pie", "-no-pie", "-Wall", "-fno-strict-aliasing"]
TIMEOUT = 600
DIFF_LINES = 30


def say(msg):
    print("cpu-i386: " + msg, flush=True)


def run(cmd):
    """Run one program; its output is stdout plus a final exit status line."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("latin-1")
        return out + "timeout after %ds\n" % TIMEOUT, (e.stderr or b"").decode("latin-1")
    except OSError as e:
        return "cannot run %s: %s\n" % (cmd[0], e.strerror), ""
    status = ("exit=%d" % p.returncode if p.returncode >= 0
              else "killed by signal %d" % -p.returncode)
    return p.stdout.decode("latin-1") + status + "\n", p.stderr.decode("latin-1")


def compare(name, ref, got, ref_label, got_label):
    """Returns (lines compared, differing lines); prints the first differences."""
    return textdiff.compare(say, name, ref, got, ref_label, got_label)


# --- t_fpu_trans: the x87 transcendentals against the native CPU -----------
#
# Lines are "op cw=... a=... [b=...] r=... [r1=...] sw=...".  op, cw and the
# operands must match exactly; each result may differ by 1 ulp (adjacent
# representable values, also across the normal/denormal boundary), and the
# status word only by the vendor rules of tests/unit/sf_testops.h:
#   C1_INTERNAL  C1 of an inexact result (PE in both lines) may differ: it
#                follows the vendor's own unrounded value.  More than
#                C1_BUDGET percent of an instruction's lines needing it is a
#                failure (a systematic C1 error, not last-bit noise).
#   UE_BOUNDARY  UE may differ when one result is denormal and the other not.
#   FSINCOS_C1   FSINCOS's C1 is the sine's on AMD (and emu386), the cosine's
#                on Intel: FSINCOS lines carry fsin_c1 and fcos_c1 (C1 after
#                FSIN and FCOS of the same operand), and the C1s may differ
#                when each CPU's C1 is one of its own two -- and each CPU
#                must keep to one of the two: its C1 equal to fsin_c1, or
#                to fcos_c1, in at least FSINCOS_CONSISTENT percent of its
#                inexact FSINCOS lines (a C1 that is simply wrong matches
#                each only about half the time).  fsin_c1 and fcos_c1
#                themselves fall under C1_INTERNAL.
# Anything else differing fails.
SW_C1, SW_PE, SW_UE = 0x0200, 0x0020, 0x0010
C1_BUDGET = 20
FSINCOS_CONSISTENT = 90


def f80_ordinal(text):
    """(sign, |x| as a count of representable values, special?) of 'eeee:mmmm...'."""
    e, m = text.split(":")
    e, m = int(e, 16), int(m, 16)
    sign, e = e >> 15, e & 0x7FFF
    return sign, (m if e == 0 else (e - 1) * 2 ** 63 + m), e == 0x7FFF


def f80_ulps(x, y):
    """Representable values between x and y, plus one (0 when identical)."""
    if x == y:
        return 0
    sx, ox, spx = f80_ordinal(x)
    sy, oy, spy = f80_ordinal(y)
    if spx or spy:
        return float("inf")
    if sx != sy:
        return float("inf") if ox == 0 and oy == 0 else ox + oy  # +0 and -0 are not close
    return abs(ox - oy)


def f80_tiny(text):
    e, m = text.split(":")
    return int(e, 16) & 0x7FFF == 0 and int(m, 16) != 0


def fields(line):
    parts = line.split()
    try:
        return parts[0], dict(p.split("=", 1) for p in parts[1:])
    except (IndexError, ValueError):
        return None, None


def compare_trans(name, ref, got, ref_label, got_label):
    """The tolerant comparison; returns (lines compared, differing lines) and
    prints the exact-match rate of each instruction."""
    a, b = ref.splitlines(), got.splitlines()
    if len(a) != len(b):
        say("%s: %s has %d lines, %s %d" % (name, got_label, len(b), ref_label, len(a)))
        return compare(name, ref, got, ref_label, got_label)
    stats = {}  # op -> [lines, bit-exact, worst ulp, C1 rule, UE rule, FSINCOS rule]
    bad = []
    # per side: inexact FSINCOS lines, C1 equal to fsin_c1, C1 equal to fcos_c1
    own_c1 = {ref_label: [0, 0, 0], got_label: [0, 0, 0]}
    for x, y in zip(a, b):
        op, fx = fields(x)
        op2, fy = fields(y)
        for label, f in ((ref_label, fx), (got_label, fy)):
            sw = int(f["sw"], 16) if f and "fsin_c1" in f and re.fullmatch("[0-9a-f]{4}", f.get("sw", "")) else 0
            if sw & SW_PE:
                c1 = str((sw >> 9) & 1)
                t = own_c1[label]
                t[0] += 1
                t[1] += c1 == f["fsin_c1"]
                t[2] += c1 == f.get("fcos_c1")
        ok = True
        if op is None or "sw" not in fx or "r" not in fx:
            ok = x == y  # exit status and anything else: exact
        else:
            st = stats.setdefault(op, [0, 0, 0, 0, 0, 0])
            st[0] += 1
            if x == y:
                st[1] += 1
                continue
            keys = sorted(fx)
            c1_fields = ("fsin_c1", "fcos_c1")
            if op2 != op or sorted(fy) != keys or any(fx[k] != fy[k] for k in keys
                                                      if k not in ("r", "r1", "sw") + c1_fields):
                ok = False
            else:
                try:
                    u = max(f80_ulps(fx[k], fy[k]) for k in ("r", "r1") if k in fx)
                    swx, swy = int(fx["sw"], 16), int(fy["sw"], 16)
                    tiny = any(f80_tiny(fx[k]) != f80_tiny(fy[k]) for k in ("r", "r1") if k in fx)
                except ValueError:
                    u, swx, swy, tiny = float("inf"), 0, 1, False
                st[2] = max(st[2], u)
                d = swx ^ swy
                c1_noise = any(fx[k] != fy[k] for k in c1_fields if k in fx)
                if d & SW_C1 and swx & swy & SW_PE and "fsin_c1" in fx:
                    own = [str((sw >> 9) & 1) in (f["fsin_c1"], f["fcos_c1"]) for sw, f in ((swx, fx), (swy, fy))]
                    if all(own):
                        d &= ~SW_C1
                        st[5] += 1
                if (d & SW_C1 or c1_noise) and swx & swy & SW_PE:
                    d &= ~SW_C1
                    c1_noise = False
                    st[3] += 1
                if c1_noise:
                    ok = False
                if d & SW_UE and tiny:
                    d &= ~SW_UE
                    st[4] += 1
                ok = ok and u <= 1 and d == 0
        if not ok:
            bad.append((x, y))
    ndiff = len(bad)
    for op, (n, exact, worst, c1, ue, sc) in stats.items():
        worst_text = "beyond 1" if worst > 1 else "%d" % worst
        say("%s %s: %d args, %d bit-exact (%.1f%%), worst %s ulp (vendor rules: C1_INTERNAL %d, UE_BOUNDARY %d%s)"
            % (name, op, n, exact, 100.0 * exact / n, worst_text, c1, ue,
               ", FSINCOS_C1 %d" % sc if op == "fsincos" else ""))
        if c1 * 100 > n * C1_BUDGET:
            say("%s %s: C1_INTERNAL needed by %d of %d lines, over the %d%% budget: a C1 error, not x87 noise"
                % (name, op, c1, n, C1_BUDGET))
            ndiff += 1
    for label, (n, with_sin, with_cos) in own_c1.items():
        if n and max(with_sin, with_cos) * 100 < n * FSINCOS_CONSISTENT:
            say("%s fsincos: %s's C1 is neither the sine's (%d of %d) nor the cosine's (%d): a C1 error"
                % (name, label, with_sin, n, with_cos))
            ndiff += 1
    if bad:
        say("%s: %s differs from %s beyond 1 ulp and the vendor rules in %d lines:" % (name, got_label, ref_label, len(bad)))
        for x, y in bad[:DIFF_LINES // 2]:
            print("   -" + x)
            print("   +" + y)
    return len(a), ndiff


# programs whose golden file is emu386's output, with their comparison against
# the native CPU
EMU_GOLDEN = {"t_fpu_trans": compare_trans}


# Programs built a second time with gcc -m64 as x86-64 twins (twin.h), with
# the line prefixes of their i386-only parts, which the twin leaves out by
# #if !TWIN.  Before emu386's i386 output is compared with the twin's, every
# line that starts with one of the prefixes is dropped; everything else must
# match line for line.
TWIN_DROP = {
    "t_alu": (), "t_bitops": (), "t_muldiv": (), "t_shift": (),
    "t_fpu": (), "t_fpu_arith": (), "t_fpu_cmp": (), "t_fpu_env": (), "t_fpu_ldst": (),
    "t_fpu_misc": (), "t_fpu_rand": (), "t_fpu_trans": (), "t_fpu_fault": (),
    "t_misc": ("lea16 ", "enter level ", "loopw "),  # 16-bit addressing, ENTER on the 32-bit stack
    "t_string": ("a16", "a32_movsl "),               # 16-bit addressing, LDT data segments
    "t_smc": ("store-ahead ",),                      # 0x40 (INC EAX) is a REX prefix in 64-bit mode
}
# the others, and why they have no twin (the golden files still check them)
GOLDEN_ONLY = {
    "t_bcd": "DAA DAS AAA AAS AAM AAD do not exist in 64-bit mode",
    "t_code16": "16-bit code segments and far transfers",
    "t_seg": "segment loads, the LDT, LDS/LES, ARPL",
    "t_exceptions": "i386 signal frames (EIP, trap numbers, INTO, BOUND)",
    "t_signals": "i386 signal frames and sigreturn",
    "t_sigfpe": "the i386 FPU signal frame",
    "t_singlestep": "i386 EIPs and 32-bit-only instructions in the stepped code",
}


def twin_filter(name, text):
    """The i386 output without the lines of the program's i386-only parts."""
    drop = TWIN_DROP[name]
    if not drop:
        return text
    return "".join(l for l in text.splitlines(True) if not l.startswith(drop))


PROBE_SRC = '#include <stdio.h>\nint main(void) { puts("cpu-i386 probe"); return 0; }\n'
PROBE_OUT = "cpu-i386 probe\nexit=0\n"


class Builder:
    """Compiles test programs for one target (i386, or the x86-64 twins).
    Without a working i386 compiler it falls back to binaries already in
    the build directory (cross hosts)."""

    def __init__(self, what, cc, out_dir, extra=()):
        self.what, self.cc, self.out_dir = what, cc, out_dir
        self.flags = CFLAGS + list(extra)
        os.makedirs(out_dir, exist_ok=True)
        self.probe = os.path.join(out_dir, "probe")
        with open(self.probe + ".c", "w") as f:
            f.write(PROBE_SRC)
        self.cc_err = self._compile(self.probe + ".c", self.probe)
        self.cc_ok = self.cc_err is None

    def _compile(self, src, binary):
        """None, or the compiler's complaint."""
        try:
            r = subprocess.run(self.cc + self.flags + ["-I", HERE, "-o", binary, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        except OSError as e:
            return "cannot run %s: %s" % (self.cc[0], e.strerror)
        if r.returncode != 0:
            if os.path.exists(binary):
                os.unlink(binary)  # never run a stale program
            return r.stdout.decode("utf-8", "replace") or "exit status %d" % r.returncode
        return None

    def why_not_runnable(self, machines):
        """None when this host runs the target's programs natively: a small
        program built by the compiler starts and prints what it should.
        Otherwise the reason, for one line of output."""
        here = "%s %s" % (sys.platform, platform.machine())
        if not sys.platform.startswith("linux") or platform.machine() not in machines:
            return "this is a %s host" % here  # binfmt emulation is no real CPU
        if not self.cc_ok:
            return "no working %s compiler (%s: %s)" % (self.what, " ".join(self.cc),
                                                       self.cc_err.strip().splitlines()[0])
        out, _ = run([self.probe])
        if out == PROBE_OUT:
            return None
        return "its %s probe program did not run (%s)" % (self.what, out.strip().splitlines()[0])

    def build(self, src):
        """Returns (path of the program, error text or None)."""
        name = os.path.splitext(os.path.basename(src))[0]
        binary = os.path.join(self.out_dir, name)
        if not self.cc_ok:
            if os.path.exists(binary):
                return binary, None
            return binary, "no %s compiler and no prebuilt %s" % (self.what, binary)
        deps = [src] + glob.glob(os.path.join(HERE, "*.h"))
        if os.path.exists(binary) and os.path.getmtime(binary) >= max(map(os.path.getmtime, deps)):
            return binary, None
        return binary, self._compile(src, binary)


X86 = ("x86_64", "amd64", "i386", "i486", "i586", "i686")
X86_64 = ("x86_64", "amd64")


def did_not_start(out):
    return out.startswith("cannot run ")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--emu", help="path of emu386-user (optional in modes native and twin)")
    ap.add_argument("--emu-wrapper", default="", help='e.g. "qemu-s390x -L /usr/s390x-linux-gnu"')
    ap.add_argument("--mode", choices=["native", "twin", "golden", "both"], default="both")
    ap.add_argument("--update-golden", action="store_true",
                    help="rewrite golden files from native runs (or from whole-program x86-64 twins)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this program (t_alu or alu); may be repeated")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the lines compared per program")
    args = ap.parse_args()

    os.makedirs(args.build_dir, exist_ok=True)
    if not args.emu and not args.update_golden and args.mode not in ("native", "twin"):
        sys.exit("cpu-i386: --emu is required in mode %s" % args.mode)

    # the references this host has: one probe each, one line when one is missing
    builder = Builder("i386", shlex.split(os.environ.get("CC_I386", "gcc -m32")), args.build_dir)
    if not builder.cc_ok:
        say("NOTE: no working i386 compiler (%s); using prebuilt programs in %s"
            % (" ".join(builder.cc), args.build_dir))
    want_native = args.mode in ("native", "both") or args.update_golden
    want_twin = args.mode in ("twin", "both") or args.update_golden
    no_native = builder.why_not_runnable(X86) if want_native else "not asked for"
    twins, no_twin = None, "not asked for"
    if want_twin:
        twins = Builder("x86-64", shlex.split(os.environ.get("CC_X86_64", "gcc -m64")),
                        os.path.join(args.build_dir, "twin"), ["-mno-red-zone"])  # the asm pushes
        no_twin = twins.why_not_runnable(X86_64)
    use_native, use_twin = no_native is None, no_twin is None

    if args.mode == "native" and not use_native:
        say("SKIPPING: mode native needs a host that runs i386 code: %s; nothing was tested" % no_native)
        sys.exit(77)
    if args.mode == "twin" and not use_twin:
        say("SKIPPING: mode twin needs an x86-64 host that builds and runs the -m64 twins: %s; "
            "nothing was tested" % no_twin)
        sys.exit(77)
    if args.update_golden and not (use_native or use_twin):
        sys.exit("cpu-i386: golden files are only produced on a real x86 CPU: %s; %s" % (no_native, no_twin))
    if args.mode == "both" or args.update_golden:
        if not use_native:
            instead = (["the x86-64 twins"] if use_twin else []) + ([] if args.update_golden else ["the golden files"])
            say("NOTE: no native i386 comparison: %s; using %s instead" % (no_native, " and ".join(instead)))
        if not use_twin:
            say("NOTE: no x86-64 twin comparison: %s" % no_twin)

    sources = sorted(glob.glob(os.path.join(HERE, "t_*.c")) + glob.glob(os.path.join(HERE, "t_*.S")))
    if args.only:
        wanted = {n if n.startswith("t_") else "t_" + n for n in args.only}
        sources = [s for s in sources if os.path.splitext(os.path.basename(s))[0] in wanted]
        missing = wanted - {os.path.splitext(os.path.basename(s))[0] for s in sources}
        if missing:
            sys.exit("cpu-i386: no such program: %s" % ", ".join(sorted(missing)))
    names = [os.path.splitext(os.path.basename(s))[0] for s in sources]
    unlisted = [n for n in names if n not in TWIN_DROP and n not in GOLDEN_ONLY]
    if unlisted:  # every program says whether it has a twin
        sys.exit("cpu-i386: add %s to TWIN_DROP or GOLDEN_ONLY in run_suite.py" % ", ".join(unlisted))
    if use_twin and not args.update_golden:
        golden_only = [n for n in names if n in GOLDEN_ONLY]
        if golden_only:
            say("no x86-64 twin (32-bit-only, see GOLDEN_ONLY)%s: %s"
                % ("; the golden files check them" if args.mode == "both" else "", " ".join(golden_only)))

    emu_cmd = shlex.split(args.emu_wrapper) + [args.emu] if args.emu else None
    # (label, lines compared, differing lines) per kind of comparison
    totals = {}
    passed = failed = skipped = 0
    for src in sources:
        name = os.path.splitext(os.path.basename(src))[0]
        binary, err = builder.build(src)
        if err:
            say("FAIL %s: cannot build:\n%s" % (name, err.rstrip()))
            failed += 1
            continue
        twin_bin = None
        if use_twin and name in TWIN_DROP:
            twin_bin, err = twins.build(src)
            if err:
                say("FAIL %s: cannot build its x86-64 twin:\n%s" % (name, err.rstrip()))
                failed += 1
                continue
        golden_path = os.path.join(GOLDEN, name + ".txt")
        native_compare = EMU_GOLDEN.get(name, compare)

        if args.update_golden:
            # the reference: the native run, else a twin that covers the whole program
            if use_native:
                ref_cmd, ref_label = [binary], "native"
            elif twin_bin and not TWIN_DROP[name]:
                ref_cmd, ref_label = [twin_bin], "x86-64 twin"
            else:
                say("FAIL %s: no native run here, and no x86-64 twin of the whole program; golden file left alone"
                    % name)
                failed += 1
                continue
            if name in EMU_GOLDEN:
                if not emu_cmd:
                    say("FAIL %s: its golden file is emu386's output: --update-golden needs --emu" % name)
                    failed += 1
                    continue
                first, _ = run(emu_cmd + [binary])
                second, _ = run(emu_cmd + [binary])
                if first != second:
                    compare(name, first, second, "emu386 run 1", "emu386 run 2")
                    say("FAIL %s: emu386 output is not stable; golden file left alone" % name)
                    failed += 1
                    continue
                n, d = native_compare(name, run(ref_cmd)[0], first, ref_label, "emu386")
                if d:
                    say("FAIL %s: emu386 is not within the tolerance of the %s; golden file left alone"
                        % (name, ref_label))
                    failed += 1
                    continue
                with open(golden_path, "w") as f:
                    f.write(first)
                say("wrote %s from emu386 (%d lines, checked against the %s)"
                    % (os.path.relpath(golden_path), n, ref_label))
                passed += 1
                continue
            first, _ = run(ref_cmd)
            second, _ = run(ref_cmd)
            if first != second or did_not_start(first):
                compare(name, first, second, ref_label + " run 1", ref_label + " run 2")
                say("FAIL %s: %s output is not stable; golden file left alone" % (name, ref_label))
                failed += 1
                continue
            os.makedirs(GOLDEN, exist_ok=True)
            with open(golden_path, "w") as f:
                f.write(first)
            say("wrote %s (%d lines, %s)" % (os.path.relpath(golden_path), first.count("\n"), ref_label))
            if not first.endswith("exit=0\n"):
                say("WARNING %s: %s run ended with %s" % (name, ref_label, first.splitlines()[-1]))
            passed += 1
            continue

        native = run([binary])[0] if use_native else None
        twin = run([twin_bin])[0] if twin_bin else None
        golden = None
        if os.path.exists(golden_path):
            with open(golden_path, encoding="latin-1") as f:
                golden = f.read()
        emu, emu_err = run(emu_cmd + [binary]) if emu_cmd else (None, "")

        # (comparison label, reference, reference label, output, output label, comparison)
        checks = []
        if emu is not None:
            if native is not None:
                checks.append(("emu386 vs native i386", native, "native", emu, "emu386", native_compare))
            if twin is not None:
                checks.append(("emu386 vs x86-64 twin", twin, "x86-64 twin", twin_filter(name, emu),
                               "emu386", native_compare))
            if args.mode in ("golden", "both"):
                checks.append(("emu386 vs golden", golden, "golden", emu, "emu386", compare))
        else:  # an emu386-produced golden file is compared with the CPU as emu386 is
            if native is not None:
                checks.append(("native i386 vs golden", golden, "golden", native, "native", native_compare))
            if twin is not None and golden is not None:
                checks.append(("x86-64 twin vs golden", twin_filter(name, golden), "golden", twin,
                               "x86-64 twin", native_compare))
            elif twin is not None:
                checks.append(("x86-64 twin vs golden", None, "golden", twin, "x86-64 twin", native_compare))

        if not checks:  # e.g. a golden-only program in mode twin
            skipped += 1
            continue
        ok = True
        counted = []
        for label, ref, ref_label, got, got_label, compare_fn in checks:
            if ref is None:
                say("FAIL %s: no golden file %s (make it with --update-golden on an x86 host)"
                    % (name, os.path.relpath(golden_path)))
                ok = False
                continue
            late = [(lb, x) for lb, x in ((ref_label, ref), (got_label, got)) if did_not_start(x)]
            if late:  # a program that failed to start is no difference between CPUs
                say("FAIL %s: %s did not start (%s); not counted as differences"
                    % (name, late[0][0], late[0][1].splitlines()[0]))
                ok = False
                continue
            n, d = compare_fn(name, ref, got, ref_label, got_label)
            t = totals.setdefault(label, [0, 0])
            t[0] += n
            t[1] += d
            counted.append("%d (%s)" % (n, label))
            ok = ok and d == 0
        if args.verbose:
            say("%s: lines compared: %s" % (name, ", ".join(counted) or "none"))
        if not ok and emu_err.strip():
            print("   emu386 stderr: " + "\n   ".join(emu_err.strip().splitlines()[:5]))
        passed += ok
        failed += not ok

    for label, (n, d) in totals.items():
        say("%d lines compared, %d differences (%s)" % (n, d, label))
    print("%d passed, %d failed" % (passed, failed)
          + (", %d with no reference in mode %s" % (skipped, args.mode) if skipped else ""))
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
