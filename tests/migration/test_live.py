"""Live migration driven over QMP (docs/migration.md "Live pre-copy").

The guest (guest_live.asm) keeps rewriting 256 pages with REP STOSD and
MOV loops and checks its whole memory every 256 iterations, printing
`pass N ok sum=X` or `pass N FAIL ...`.  What it prints depends only on N,
so the oracle needs no -icount: the source's transcript followed by the
destination's must equal an uninterrupted run's, wherever the rounds put
the switch-over.  The source starts held (-S) and runs from just before
its first migration: the whole guest takes a fraction of a second.  It
is migrated with a downtime limit of 0 (it
cannot converge: rounds go on while the guest dirties pages) until
query-migrate counts a few rounds, then with a limit it can meet.

Scenarios: live over unix: and tcp:127.0.0.1 with MALLOC_PERTURB_ on the
destination; migrate_cancel mid-way (the source runs on, a second migrate
succeeds); a destination killed mid-stream (failed, error-desc, the source
runs on to the end); -incoming defer with migrate-incoming; a stopped VM
migrated (it stays stopped); the parameters' checks.  Timeouts are hang guards only."""
import json
import os
import shlex
import signal
import shutil
import socket
import subprocess
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM = os.path.join(HERE, "..", "system")
EMU = os.environ.get("E386_EMU", "")
BUILD = os.environ.get("E386_BUILD_DIR", "/tmp/emu386-migration-tests")
WRAPPER = shlex.split(os.environ.get("E386_EMU_WRAPPER", ""))
ARGS = ["-no-reboot", "-m", "4M"]
PASSES = 100  # about 0.2 s of guest time with the native engine: rounds to spare
HANG = 120  # seconds: a hang guard, never a measured time

if not EMU or not os.path.exists(EMU):
    pytest.exit("migration: E386_EMU does not name emu386-system", returncode=2)
if not shutil.which("nasm"):
    pytest.exit("migration: no nasm to build the guest: nothing compared", returncode=77)


def build_guest(passes):
    os.makedirs(BUILD, exist_ok=True)
    image = os.path.join(BUILD, "guest_live_%d.bin" % passes)
    subprocess.run(["nasm", "-f", "bin", "-w+all", "-DPASSES=%d" % passes, "-I", SYSTEM + os.sep,
                    "-o", image, os.path.join(HERE, "guest_live.asm")], check=True)
    return image


@pytest.fixture(scope="session")
def guest():
    return build_guest(PASSES)


def environ(extra=None):
    e = dict(os.environ)
    e.pop("MALLOC_PERTURB_", None)
    e.update(extra or {})
    return e


def run_reference(image, passes):
    r = subprocess.run(WRAPPER + [EMU, "-bios", image] + ARGS, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=HANG, env=environ())
    out = r.stdout.decode("latin-1")
    assert r.returncode == 0, r.stderr
    lines = out.splitlines()
    assert len(lines) == passes + 1 and lines[-1] == "done: status=0", out
    assert all(l.startswith("pass %d ok sum=" % i) for i, l in enumerate(lines[:-1])), out
    return out


@pytest.fixture(scope="session")
def reference(guest):
    return run_reference(guest, PASSES)


# The cancel scenario migrates twice: its guest runs through a first
# migration's rounds, the cancel and a second destination's start before
# its second migration needs live rounds, and with PASSES it could reach
# its end during them (seen once in a CI run: 'completed' after 16 rounds
# with downtime-limit 0, nothing left to dirty).  Four times the passes.
# (A round that fell wholly inside the guest's read-only check completed
# such a migration too, at any pass: guest_live.asm's heartbeat.)
LONG_PASSES = 4 * PASSES


@pytest.fixture(scope="session")
def long_guest():
    return build_guest(LONG_PASSES)


@pytest.fixture(scope="session")
def long_reference(long_guest):
    return run_reference(long_guest, LONG_PASSES)


class Qmp:
    """A small QMP client: replies in order, events kept aside."""

    def __init__(self, path):
        deadline = time.monotonic() + HANG
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                assert time.monotonic() < deadline, "no QMP socket at " + path
                time.sleep(0.02)
        self.s.settimeout(HANG)
        self.buf = b""
        self.events = []
        assert "QMP" in self._read()
        assert self.cmd("qmp_capabilities") == {}

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(65536)
            assert chunk, "the monitor closed the connection"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def execute(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.s.sendall(json.dumps(msg).encode())
        while True:
            r = self._read()
            if "event" in r:
                self.events.append(r)
            else:
                return r

    def cmd(self, name, **args):
        r = self.execute(name, **args)
        assert "return" in r, r
        return r["return"]

    def wait(self, pred, what):
        """Poll query-migrate until pred(result) (a hang guard bounds it)."""
        deadline = time.monotonic() + HANG
        while True:
            q = self.cmd("query-migrate")
            if pred(q):
                return q
            assert time.monotonic() < deadline, "never %s: %r" % (what, q)
            time.sleep(0.005)

    def migration_events(self):
        return [e["data"]["status"] for e in self.events if e["event"] == "MIGRATION"]

    def close(self):
        self.s.close()


def start(guest, tmp_path, name, *extra, env=None):
    out = open(tmp_path / (name + ".out"), "wb")
    err = open(tmp_path / (name + ".err"), "wb")
    p = subprocess.Popen(WRAPPER + [EMU, "-bios", guest] + ARGS + list(extra), stdout=out, stderr=err,
                         env=environ(env))
    out.close()
    err.close()
    return p


def finish(p, tmp_path, name):
    p.wait(timeout=HANG)
    return (p.returncode, (tmp_path / (name + ".out")).read_bytes().decode("latin-1"),
            (tmp_path / (name + ".err")).read_bytes().decode("latin-1"))


def wait_listening(tmp_path, name, p):
    deadline = time.monotonic() + HANG
    while b"waiting for the migration stream" not in (tmp_path / (name + ".err")).read_bytes():
        assert p.poll() is None, (tmp_path / (name + ".err")).read_bytes()
        assert time.monotonic() < deadline, "the destination never listened"
        time.sleep(0.01)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def source(guest, tmp_path, name="src"):
    """The source, held (-S) until a test lets it run: a guest that ran
    from the start could end before the test had connected and begun a
    migration, leaving nothing live (seen in CI: the whole guest takes
    less than 0.1 s with 40 passes)."""
    sock = str(tmp_path / (name + ".qmp"))
    p = start(guest, tmp_path, name, "-S", "-qmp", "unix:%s,server,nowait" % sock)
    q = Qmp(sock)
    q.out = tmp_path / (name + ".out")
    return p, q


def live_rounds(q, uri, rounds=3):
    """Migrate with a limit the guest cannot meet until `rounds` rounds ran,
    then with one it can: the switch-over comes after live rounds.  A
    held source runs from here on, and the migration starts once its
    guest has printed a pass (it is dirtying pages then)."""
    q.cmd("migrate-set-parameters", **{"downtime-limit": 0})
    if q.cmd("query-status")["status"] != "running":  # prelaunch (-S)
        q.cmd("cont")
        deadline = time.monotonic() + HANG
        while b"pass " not in q.out.read_bytes():
            assert time.monotonic() < deadline, "the source's guest never printed a pass"
            time.sleep(0.001)
    q.cmd("migrate", uri=uri)
    st = q.wait(lambda r: r["status"] != "active" or r["ram"]["dirty-sync-count"] >= rounds,
                "%d rounds" % rounds)
    assert st["status"] == "active", st
    assert st["ram"]["transferred"] > 0 and st["ram"]["total"] == 4 << 20, st
    return st


def converge(q):
    q.cmd("migrate-set-parameters", **{"downtime-limit": 2000})
    return q.wait(lambda r: r["status"] in ("completed", "failed"), "completed")


def check_completed(q, st, p_src, tmp_path, reference, p_dst, dst):
    assert st["status"] == "completed", st
    assert st["ram"]["dirty-sync-count"] >= 3 and st["ram"]["remaining"] == 0, st
    assert "downtime" in st and st["total-time"] >= st["downtime"], st
    assert q.cmd("query-status")["status"] == "postmigrate"
    hmp = q.cmd("human-monitor-command", **{"command-line": "info migrate"})
    assert "Migration status: completed" in hmp and "round " in hmp, hmp
    assert q.migration_events()[:2] == ["setup", "active"] and q.migration_events()[-1] == "completed"
    q.cmd("quit")
    q.close()
    s_status, s_out, s_err = finish(p_src, tmp_path, "src")
    d_status, d_out, d_err = finish(p_dst, tmp_path, dst)
    assert s_status == 0, s_err
    assert d_status == 0, d_err
    assert "FAIL" not in s_out + d_out, s_out + d_out
    assert d_out, "the destination printed nothing: " + d_err
    assert s_out + d_out == reference, "source + destination is not the uninterrupted transcript"
    return st


@pytest.mark.parametrize("kind,perturb", [("unix", "165"), ("tcp", "42")])
def test_live_migration_equals_uninterrupted_run(guest, reference, tmp_path, kind, perturb):
    uri = "unix:%s" % (tmp_path / "mig.sock") if kind == "unix" else "tcp:127.0.0.1:%d" % free_port()
    dst = start(guest, tmp_path, "dst", "-incoming", uri, env={"MALLOC_PERTURB_": perturb})
    wait_listening(tmp_path, "dst", dst)
    p, q = source(guest, tmp_path)
    live_rounds(q, uri)
    st = converge(q)
    check_completed(q, st, p, tmp_path, reference, dst, "dst")
    print("%s: %d rounds, %d bytes, downtime %d ms, total %d ms" % (
        kind, st["ram"]["dirty-sync-count"], st["ram"]["transferred"], st["downtime"], st["total-time"]))


def test_cancel_leaves_the_source_running_and_a_second_migrate_succeeds(long_guest, long_reference, tmp_path):
    guest, reference = long_guest, long_reference
    uri1 = "unix:%s" % (tmp_path / "one.sock")
    dst1 = start(guest, tmp_path, "dst1", "-incoming", uri1)
    wait_listening(tmp_path, "dst1", dst1)
    p, q = source(guest, tmp_path)
    live_rounds(q, uri1, rounds=2)
    q.cmd("migrate_cancel")
    st = q.cmd("query-migrate")
    assert st["status"] == "cancelled" and "cancel" in st["error-desc"], st
    assert q.cmd("query-status")["status"] == "running"
    # held while the second destination starts: on a loaded machine the
    # guest could otherwise run to its end meanwhile, leaving nothing to
    # migrate live (seen in CI: the second migration completed at once)
    q.cmd("stop")
    status, out, err = finish(dst1, tmp_path, "dst1")
    assert status == 1 and "refused" in err and out == "", (status, err)
    # the second one, to a new destination, with MALLOC_PERTURB_
    uri2 = "unix:%s" % (tmp_path / "two.sock")
    dst2 = start(guest, tmp_path, "dst2", "-incoming", uri2, env={"MALLOC_PERTURB_": "7"})
    wait_listening(tmp_path, "dst2", dst2)
    q.cmd("cont")
    live_rounds(q, uri2)
    st = converge(q)
    assert q.migration_events().count("cancelled") == 1
    check_completed(q, st, p, tmp_path, reference, dst2, "dst2")


def test_destination_dying_mid_stream_fails_and_the_source_runs_on(guest, reference, tmp_path):
    uri = "unix:%s" % (tmp_path / "mig.sock")
    dst = start(guest, tmp_path, "dst", "-incoming", uri)
    wait_listening(tmp_path, "dst", dst)
    p, q = source(guest, tmp_path)
    live_rounds(q, uri, rounds=2)
    dst.send_signal(signal.SIGKILL)
    dst.wait(timeout=HANG)
    st = q.wait(lambda r: r["status"] != "active", "failed")
    assert st["status"] == "failed" and "writing the migration stream" in st["error-desc"], st
    assert q.cmd("query-status")["status"] == "running"
    assert q.migration_events()[-1] == "failed"
    q.close()
    status, out, err = finish(p, tmp_path, "src")
    assert status == 0, err
    assert out == reference, "the source did not run on undisturbed"


def test_incoming_defer_then_migrate_incoming(guest, reference, tmp_path):
    dsock = str(tmp_path / "dst.qmp")
    dst = start(guest, tmp_path, "dst", "-incoming", "defer", "-qmp", "unix:%s,server,nowait" % dsock,
                env={"MALLOC_PERTURB_": "90"})
    dq = Qmp(dsock)
    assert dq.cmd("query-status")["status"] == "inmigrate"
    r = dq.execute("migrate", uri="unix:/nonexistent")
    assert "error" in r, r
    uri = "unix:%s" % (tmp_path / "mig.sock")
    assert dq.cmd("migrate-incoming", uri=uri) == {}
    r = dq.execute("migrate-incoming", uri=uri)
    assert "already" in r["error"]["desc"], r
    p, q = source(guest, tmp_path)
    live_rounds(q, uri)
    st = converge(q)
    dq.close()
    check_completed(q, st, p, tmp_path, reference, dst, "dst")


def test_parameters_and_errors(guest, tmp_path):
    p, q = source(guest, tmp_path)
    q.cmd("cont")
    assert q.cmd("query-migrate") == {"status": "none"}
    assert q.cmd("query-migrate-parameters") == {"downtime-limit": 300, "max-bandwidth": 0}
    r = q.execute("migrate-set-parameters", **{"downtime-limit": -1, "max-bandwidth": 5})
    assert "downtime-limit" in r["error"]["desc"], r
    assert q.cmd("query-migrate-parameters")["max-bandwidth"] == 0, "a refused request changed a parameter"
    assert q.cmd("human-monitor-command", **{"command-line": "migrate_set_parameter max-bandwidth 1048576"}) == ""
    assert q.cmd("query-migrate-parameters")["max-bandwidth"] == 1048576
    out = q.cmd("human-monitor-command", **{"command-line": "migrate_set_parameter downtime-limit x"})
    assert "expects an integer" in out, out
    # a destination that is not there: failed at once, the VM runs on
    r = q.execute("migrate", uri="unix:%s" % (tmp_path / "nobody.sock"))
    assert "error" in r, r
    st = q.cmd("query-migrate")
    assert st["status"] == "failed" and "nobody.sock" in st["error-desc"], st
    assert q.cmd("query-status")["status"] == "running"
    out = q.cmd("human-monitor-command", **{"command-line": "info migrate"})
    assert "Migration status: failed" in out and "error:" in out, out
    r = q.execute("migrate-incoming", uri="unix:/tmp/x")
    assert "defer" in r["error"]["desc"], r
    q.cmd("quit")
    q.close()
    p.wait(timeout=HANG)
    assert p.returncode == 0


def test_a_stopped_vm_migrates_and_stays_stopped(guest, reference, tmp_path):
    uri = "unix:%s" % (tmp_path / "mig.sock")
    dst = start(guest, tmp_path, "dst", "-incoming", uri, env={"MALLOC_PERTURB_": "200"})
    wait_listening(tmp_path, "dst", dst)
    p, q = source(guest, tmp_path)
    q.cmd("stop")
    q.cmd("migrate", uri=uri)  # the steps go on while the VM is stopped
    st = q.wait(lambda r: r["status"] != "active", "completed")
    assert st["status"] == "completed", st
    assert q.cmd("query-status")["status"] == "postmigrate"
    q.cmd("quit")
    q.close()
    s_status, s_out, s_err = finish(p, tmp_path, "src")
    d_status, d_out, d_err = finish(dst, tmp_path, "dst")
    assert s_status == 0 and d_status == 0, s_err + d_err
    assert "FAIL" not in d_out and s_out + d_out == reference
