#!/usr/bin/env python3
"""The cpu-i386 suite: build every t_*.c as a static i386 program, run it
natively (the reference, on an x86 host) and under emu386-user, and compare
the whole output with each other and with the committed golden file.

Golden files are only ever written from native runs (--update-golden)."""
import argparse
import difflib
import glob
import os
import platform
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CFLAGS = ["-O1", "-static", "-fno-pie", "-no-pie", "-Wall", "-fno-strict-aliasing"]


def run(cmd, timeout=600):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.stdout.decode("latin-1") + "exit=%d\n" % p.returncode, p.stderr.decode("latin-1")


def first_diff(name, a, b, la, lb):
    d = list(difflib.unified_diff(a.splitlines(), b.splitlines(), la, lb, n=1, lineterm=""))
    print("cpu-i386: %s differs (%s vs %s):" % (name, la, lb))
    for line in d[:30]:
        print("   " + line)
    if len(d) > 30:
        print("   ... %d more diff lines" % (len(d) - 30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--emu")
    ap.add_argument("--emu-wrapper", default="", help='e.g. "qemu-s390x -L /usr/s390x-linux-gnu"')
    ap.add_argument("--mode", choices=["native", "golden", "both"], default="both")
    ap.add_argument("--update-golden", action="store_true")
    ap.add_argument("--only", action="append")
    args = ap.parse_args()

    os.makedirs(args.build_dir, exist_ok=True)
    cc = shlex.split(os.environ.get("CC_I386", "gcc -m32"))
    native_ok = platform.machine() in ("x86_64", "i386", "i486", "i586", "i686")
    sources = sorted(glob.glob(os.path.join(HERE, "t_*.c")))
    if args.only:
        sources = [s for s in sources if os.path.basename(s)[:-2] in args.only]
    if not native_ok and args.mode in ("native", "both"):
        print("cpu-i386: SKIPPING native comparison: this %s host cannot run i386 code; "
              "comparing against golden files only" % platform.machine())
    if args.update_golden and not native_ok:
        sys.exit("cpu-i386: golden files can only be produced on a real x86 CPU")
    if not args.update_golden and not args.emu:
        sys.exit("cpu-i386: --emu is required")

    passed = failed = 0
    lines = {"native": 0, "golden": 0}
    for src in sources:
        name = os.path.basename(src)[:-2]
        binary = os.path.join(args.build_dir, name)
        if not os.path.exists(binary) or os.path.getmtime(binary) < max(
                os.path.getmtime(src), os.path.getmtime(os.path.join(HERE, "common.h"))):
            r = subprocess.run(cc + CFLAGS + ["-I", HERE, "-o", binary, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0 and not os.path.exists(binary):
                print("cpu-i386: FAIL %s: cannot compile:\n%s" % (name, r.stdout.decode()))
                failed += 1
                continue
        golden_path = os.path.join(HERE, "golden", name + ".txt")
        native = None
        if native_ok and (args.mode in ("native", "both") or args.update_golden):
            native, _ = run([binary])
            if args.update_golden:
                with open(golden_path, "w") as f:
                    f.write(native)
                print("cpu-i386: wrote %s (%d lines)" % (golden_path, native.count("\n")))
                passed += 1
                continue
        emu, err = run(shlex.split(args.emu_wrapper) + [args.emu, binary])
        ok = True
        if native is not None:
            lines["native"] += native.count("\n")
            if native != emu:
                first_diff(name, native, emu, "native", "emu386")
                ok = False
        if args.mode in ("golden", "both"):
            if not os.path.exists(golden_path):
                print("cpu-i386: FAIL %s: no golden file %s" % (name, golden_path))
                ok = False
            else:
                golden = open(golden_path).read()
                lines["golden"] += golden.count("\n")
                if golden != emu:
                    first_diff(name, golden, emu, "golden", "emu386")
                    ok = False
        if not ok and err.strip():
            print("   stderr: " + err.strip().splitlines()[0])
        passed += ok
        failed += not ok
    for mode in ("native", "golden"):
        if lines[mode]:
            print("cpu-i386: %d lines compared against %s, %d programs differ" % (lines[mode], mode, failed))
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
