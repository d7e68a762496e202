"""The irqsoff tracer on irqsoff.asm (docs/tracing.md): under -icount 3
(8 ns an instruction) every number is exact and every run the same.  The
kernel's stretches, in instructions that begin with IF clear: w_short 11,
w_popf 51, h_gate 31, w_task 21 (a task switch to a TSS with IF clear
and back), w_loop 2002 (the maximum), w_long 201; the trap gate leaves IF
set and makes none."""
import os
import re
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from qmpemu import HANG, Emu, emu_cmd  # noqa: E402

BUILD = os.environ.get("E386_TRACE_BUILD", "")
SHIFT = 3
NS = 1 << SHIFT
MAX_INSNS = 2002


def image(v):
    return os.path.join(BUILD, "irqsoff-%s.bin" % v)


def sysmap(v):
    return os.path.join(BUILD, "irqsoff-%s.System.map" % v)


def symbols(v):
    out = {}
    with open(sysmap(v)) as f:
        for line in f:
            a, _, n = line.split()
            out[n] = int(a, 16)
    return out


def run_traced(tmp_path, spec, name="report.txt"):
    rep = tmp_path / name
    cmd = emu_cmd() + ["-bios", image("plain"), "-no-reboot", "-serial", "null", "-icount", str(SHIFT),
                       "-trace-irqsoff", "file=%s,%s" % (rep, spec) if spec else "file=%s" % rep]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
    assert r.returncode == 0, r.stderr.decode("latin-1")
    assert b"irqsoff: windows done" in r.stdout
    return rep.read_text()


def sym(syms, name, off=0):
    """ftrace's name+0xoff/0xsize for a label of the test kernel."""
    addr = syms[name]
    nxt = min(a for a in syms.values() if a > addr)
    return "%s+0x%x/0x%x" % (name, off, nxt - addr)


def test_maximum_exact(tmp_path):
    syms = symbols("plain")
    rep = run_traced(tmp_path, "map=%s" % sysmap("plain"))
    assert rep.startswith("# tracer: irqsoff\n#\n# irqsoff latency trace v1.1.5 on ")
    lat = MAX_INSNS * NS
    assert "# latency: %d us, #2/2, CPU#0 |" % (lat // 1000) in rep
    assert "#  => started at: %s\n" % sym(syms, "w_loop") in rep
    assert "#  => ended at:   %s\n" % sym(syms, "w_loop_end") in rep
    assert ("#  => emu386: %d instructions, %d ns, cli at eip 0x%08x" % (MAX_INSNS, lat, syms["w_loop"])) in rep
    assert "6 stretches measured" in rep
    lines = [l for l in rep.splitlines() if not l.startswith("#")]
    assert re.fullmatch(r" guest-0 +0d\.\.\. +0us.: trace_hardirqs_off <-w_loop", lines[0]), lines[0]
    assert re.fullmatch(r" guest-0 +0d\.\.\. +%dus.: trace_hardirqs_on <-w_loop_end" % (lat // 1000),
                        lines[1]), lines[1]


def test_repeatable(tmp_path):
    a = run_traced(tmp_path, "map=%s,trace=on" % sysmap("plain"), "a.txt")
    b = run_traced(tmp_path, "map=%s,trace=on" % sysmap("plain"), "b.txt")
    assert a == b


def test_trace_of_the_maximum(tmp_path):
    rep = run_traced(tmp_path, "map=%s,trace=on" % sysmap("plain"))
    lines = [l for l in rep.splitlines() if not l.startswith("#")]
    # off, the loop's body entered after the MOV, its end (the STI), on:
    # the instruction trace collapsed to one line per function entered
    want = [("0", "trace_hardirqs_off", "w_loop"),
            ("0", "w_loop_body", "w_loop"),
            (str((MAX_INSNS - 1) * NS // 1000), "w_loop_end", "w_loop_body"),
            (str(MAX_INSNS * NS // 1000), "trace_hardirqs_on", "w_loop_end")]
    got = [re.fullmatch(r" guest-0 +0d\.\.\. +(\d+)us.: (\S+) <-(\S+)", l).groups() for l in lines]
    assert got == want
    assert "# latency: %d us, #4/4," % (MAX_INSNS * NS // 1000) in rep


def test_threshold_records(tmp_path):
    syms = symbols("plain")
    # 400 ns = 50 instructions: w_popf (51), w_loop (2002), w_long (201)
    rep = run_traced(tmp_path, "map=%s,thresh=400" % sysmap("plain"))
    assert "# tracing_thresh: 400 ns, 3 stretches at or over it\n" in rep
    recs = re.findall(r"^#  latency: (\d+) us \((\d+) ns, (\d+) instructions\) started at: (\S+) ended at: (\S+)$",
                      rep, re.M)
    assert recs == [
        (str(51 * NS // 1000), str(51 * NS), "51", sym(syms, "w_popf_cli"), sym(syms, "w_popf_end")),
        (str(2002 * NS // 1000), str(2002 * NS), "2002", sym(syms, "w_loop"), sym(syms, "w_loop_end")),
        (str(201 * NS // 1000), str(201 * NS), "201", sym(syms, "w_long"), sym(syms, "w_long_end")),
    ]
    # the threshold is inclusive: 408 ns (w_popf) still counts, 409 drops it
    rep = run_traced(tmp_path, "thresh=408", "b.txt")
    assert "3 stretches at or over it" in rep
    rep = run_traced(tmp_path, "thresh=409", "c.txt")
    assert "2 stretches at or over it" in rep


def test_gate_stretch(tmp_path):
    """An interrupt gate's handler runs with IF clear from its first
    instruction to its IRETD; a threshold just under it catches it."""
    syms = symbols("plain")
    rep = run_traced(tmp_path, "map=%s,thresh=%d" % (sysmap("plain"), 31 * NS))
    recs = re.findall(r"^#  latency: \d+ us \((\d+) ns, (\d+) instructions\) started at: (\S+) ended at: (\S+)$",
                      rep, re.M)
    assert (str(31 * NS), "31", sym(syms, "h_gate"), sym(syms, "h_gate_iret")) in recs
    assert len(recs) == 4  # and w_popf, w_loop, w_long; not w_short (11), w_task (21), nor the trap gate


def test_task_switch_stretch(tmp_path):
    """A JMP to a TSS whose EFLAGS has IF clear starts a stretch at the
    JMP; the JMP back to the kernel's task (saved with IF set) ends it."""
    syms = symbols("plain")
    rep = run_traced(tmp_path, "map=%s,thresh=%d" % (sysmap("plain"), 21 * NS))
    recs = re.findall(r"^#  latency: \d+ us \((\d+) ns, (\d+) instructions\) started at: (\S+) ended at: (\S+)$",
                      rep, re.M)
    assert (str(21 * NS), "21", sym(syms, "w_task"), sym(syms, "w_task_back")) in recs
    assert len(recs) == 5  # all but w_short


def test_bad_options(tmp_path):
    for spec, msg in [("thresh=abc", "thresh wants a number"), ("bogus=1", "unknown item"),
                      ("map=%s" % (tmp_path / "missing.map"), "missing.map")]:
        r = subprocess.run(emu_cmd() + ["-bios", image("plain"), "-serial", "null", "-trace-irqsoff", spec],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=HANG)
        assert r.returncode != 0
        assert msg in r.stderr.decode("latin-1")


def test_monitor_control(tmp_path):
    """Armed over QMP (not from the command line), queried, reset, stopped."""
    syms = symbols("wait")
    e = Emu(tmp_path, ["-S", "-icount", str(SHIFT)], image("wait"))
    try:
        q = e.qmp()
        r = q.cmd("query-trace-irqsoff")
        assert r["enabled"] is False and "max" not in r and r["count"] == 0
        q.cmd("trace-irqsoff-start", {"thresh": 400, "map": sysmap("wait")})
        q.cmd("cont")
        # the kernel idles (HLT with IF set) once its stretches are done
        end = __import__("time").monotonic() + HANG
        while True:
            r = q.cmd("query-trace-irqsoff")
            if r["count"] == 6:
                break
            assert __import__("time").monotonic() < end, "hang guard: %r" % r
        m = r["max"]
        assert (m["instructions"], m["latency-ns"]) == (MAX_INSNS, MAX_INSNS * NS)
        assert (m["start-eip"], m["end-eip"]) == (syms["w_loop"], syms["w_loop_end"])
        assert (m["started-at"], m["ended-at"]) == (sym(syms, "w_loop"), sym(syms, "w_loop_end"))
        assert (m["start-cause"], m["end-cause"]) == ("cli", "sti")
        assert r["enabled"] is True and r["thresh-ns"] == 400
        assert [x["instructions"] for x in r["records"]] == [51, 2002, 201]
        text = q.cmd("human-monitor-command", {"command-line": "info irqsoff"})
        assert "#  => started at: %s\n" % sym(syms, "w_loop") in text
        q.cmd("trace-irqsoff-reset")
        r = q.cmd("query-trace-irqsoff")
        assert r["count"] == 0 and "max" not in r and r["records"] == [] and r["enabled"] is True
        q.cmd("trace-irqsoff-stop")
        assert q.cmd("query-trace-irqsoff")["enabled"] is False
        err = q.execute("trace-irqsoff-start", {"thresh": -1})
        assert "error" in err
        q.cmd("quit")
        assert e.wait() == 0
    finally:
        e.stop()
