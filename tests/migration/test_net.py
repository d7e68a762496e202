"""Migration with network cards under traffic (issue 12; docs/migration.md,
"Card sections").

The guest is the hotplug suite's (../hotplug/guest.asm, reused as is): a
real-mode NE2000 driver that sends 60-byte broadcast frames as fast as it
can and throws away what arrives.  Its card n0 sits on hub 0 with an
RTL8139 n1 (which hears every frame) and a socket backend sending the
frames to a UDP sink.

* Exact: under -icount a snapshot at instruction N1, resumed, saved again
  at N2, equals the uninterrupted run's snapshot at N2 field by field
  (`info state` of both, every card field included, and the registers),
  and the cards' fields moved between N1 and N2 (traffic on the way).
* Live under a flood: frames pour into the source's card from a UDP
  sender while it migrates live; when the source stops (postmigrate) the
  destination (-S) holds exactly the source's state, field by field, and
  then runs on sending.
* Refused, never half-applied: a destination without the card, and a
  source whose card is unplugged mid-migration: the destination refuses
  with a message naming the card and runs nothing of the guest.

Timeouts are hang guards, never measurements."""
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
EMU = os.environ.get("E386_EMU", "")
os.environ.setdefault("E386_SYSTEM", EMU)
from qmpemu import Emu, wait_for  # noqa: E402

BUILD = os.environ.get("E386_BUILD_DIR", "/tmp/emu386-migration-tests")
WRAPPER = shlex.split(os.environ.get("E386_EMU_WRAPPER", ""))
HANG = 120
N1, N2 = 3000000, 9000000

if not EMU or not os.path.exists(EMU):
    pytest.exit("migration: E386_EMU does not name emu386-system", returncode=2)
if not shutil.which("nasm"):
    pytest.exit("migration: no nasm to build the guest: nothing compared", returncode=77)


@pytest.fixture(scope="module")
def guest():
    os.makedirs(BUILD, exist_ok=True)
    image = os.path.join(BUILD, "hotplug_guest.bin")
    subprocess.run(["nasm", "-f", "bin", "-w+all", "-o", image,
                    os.path.join(HERE, "..", "hotplug", "guest.asm")], check=True)
    return image


@pytest.fixture
def sink():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.setblocking(False)
    yield s
    s.close()


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def net_args(sink_port, local_port=0, cards=True):
    a = ["-no-reboot", "-m", "4M",
         "-netdev", "socket,id=s0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d" % (sink_port, local_port),
         "-netdev", "hubport,id=h0,hubid=0", "-netdev", "hubport,id=h1,hubid=0",
         "-netdev", "hubport,id=h2,hubid=0,netdev=s0"]
    if cards:
        a += ["-device", "ne2k_pci,id=n0,netdev=h0,addr=5", "-device", "rtl8139,id=n1,netdev=h1,addr=6"]
    return a


def run_until_saved(guest, args, snap, tmp):
    """emu386-system saving at -savevm-at-insn; killed once it said so (the
    guest never ends).  The instruction the save happened at."""
    err_path = tmp / ("%s.err" % os.path.basename(snap))
    with open(err_path, "wb") as err, open(os.devnull, "wb") as out:
        p = subprocess.Popen(WRAPPER + [EMU, "-bios", guest, "-serial", "null"] + args, stdout=out,
                             stderr=err)
    try:
        wait_for(lambda: b"saved the machine to" in err_path.read_bytes(), "the snapshot", p)
    finally:
        p.kill()
        p.wait()
    text = err_path.read_text("latin-1")
    return int(text.split(" at instruction ")[1].split(":")[0])


def parse_state(text):
    st = {}
    for line in text.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            st[k.strip()] = v.strip()
    return st


def state_of(q):
    return parse_state(q.hmp("info state")), q.hmp("info registers")


def snapshot_state(guest, snap, tmp, sink_port, extra=()):
    """Load a snapshot in a stopped emu386-system and read it back."""
    d = tmp / ("view-%s" % os.path.basename(snap))
    d.mkdir()
    e = Emu(d, net_args(sink_port) + list(extra) + ["-icount", "3", "-loadvm", snap, "-S"], guest)
    try:
        return state_of(e.qmp())
    finally:
        e.stop()


def diff(a, b):
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def test_nic_state_under_traffic_equals_uninterrupted_run(guest, sink, tmp_path):
    port = sink.getsockname()[1]
    base = net_args(port) + ["-icount", "3"]
    u, s, d = (str(tmp_path / n) for n in ("u.snap", "s.snap", "d.snap"))
    at_u = run_until_saved(guest, base + ["-savevm-at-insn", str(N2), u], u, tmp_path)
    at_s = run_until_saved(guest, base + ["-savevm-at-insn", str(N1), s], s, tmp_path)
    at_d = run_until_saved(guest, base + ["-loadvm", s, "-savevm-at-insn", str(N2), d], d, tmp_path)
    assert at_s < at_u and at_d == at_u, (at_s, at_u, at_d)
    (su, ru), (sd, rd), (ss, _) = (snapshot_state(guest, x, tmp_path, port) for x in (u, d, s))
    cards = [k for k in su if k.startswith(("n0.", "n1."))]
    assert len(cards) > 50, "the cards are not in the state dump"
    assert diff(su, sd) == [], "fields that differ after the migration: %s" % diff(su, sd)[:20]
    assert ru == rd
    # the traffic between the two points: frames sent by n0, heard by n1
    assert int(su["n0.nic.tx_frames"], 16) > int(ss["n0.nic.tx_frames"], 16) + 100
    moved = [k for k in cards if su[k] != ss[k]]
    assert "n1.rx_dropped" in moved and "n0.nic.rsar" in moved, moved  # n1 is not started: it drops


# A pci-bridge with an NE2000 behind it on the same hub (the guest looks
# on bus 0 only: the card behind hears the traffic, undriven).
BRIDGE = ["-netdev", "hubport,id=h3,hubid=0", "-device", "pci-bridge,id=br0,addr=7",
          "-device", "ne2k_pci,id=n2,netdev=h3,bus=br0,addr=3"]


def test_bridge_and_card_behind_it_equal_uninterrupted_run(guest, sink, tmp_path):
    """The bridge (a device section) and the card behind it (its card
    section names bus br0) under -icount: snapshot at N1, resumed, saved at
    N2, equals the uninterrupted run at N2 field by field, the bridge's
    and the card's fields included."""
    port = sink.getsockname()[1]
    base = net_args(port) + BRIDGE + ["-icount", "3"]
    u, s, d = (str(tmp_path / n) for n in ("u.snap", "s.snap", "d.snap"))
    at_u = run_until_saved(guest, base + ["-savevm-at-insn", str(N2), u], u, tmp_path)
    at_s = run_until_saved(guest, base + ["-savevm-at-insn", str(N1), s], s, tmp_path)
    at_d = run_until_saved(guest, base + ["-loadvm", s, "-savevm-at-insn", str(N2), d], d, tmp_path)
    assert at_s < at_u and at_d == at_u, (at_s, at_u, at_d)
    (su, ru), (sd, rd), (ss, _) = (snapshot_state(guest, x, tmp_path, port, BRIDGE) for x in (u, d, s))
    assert len([k for k in su if k.startswith("br0.")]) > 5, "the bridge is not in the state dump"
    assert len([k for k in su if k.startswith("n2.")]) > 20, "the card behind it is not in the state dump"
    assert diff(su, sd) == [], "fields that differ after the migration: %s" % diff(su, sd)[:20]
    assert ru == rd
    assert int(su["n0.nic.tx_frames"], 16) > int(ss["n0.nic.tx_frames"], 16) + 100
    # a destination without the bridge refuses the stream, naming it
    (tmp_path / "nobr").mkdir()
    e = Emu(tmp_path / "nobr", net_args(port) + ["-icount", "3", "-loadvm", s], guest, qmp=False)
    try:
        assert e.wait() == 1
        assert "device section for 'br0', which this machine does not have" in e.stderr(), e.stderr()
    finally:
        e.stop()


class Flood:
    """Broadcast frames into a UDP port as fast as a thread can, until stopped."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.port = port
        self.sent = 0
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        n = 0
        while not self.stop:
            n += 1
            size = 60 + (n * 97) % 1400
            frame = b"\xff" * 6 + b"\x52\x54\x00\xaa\xbb\xcc" + b"\x88\xb5" + bytes([n & 0xFF]) * (size - 14)
            try:
                self.sock.sendto(frame, ("127.0.0.1", self.port))
                self.sent += 1
            except OSError:
                pass
            if n % 64 == 0:
                time.sleep(0.0005)

    def close(self):
        self.stop = True
        self.t.join()
        self.sock.close()


def start_pair(guest, tmp_path, sink, dest_cards=True):
    src_port = free_udp_port()
    sp = sink.getsockname()[1]
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    src = Emu(tmp_path / "src", net_args(sp, src_port), guest)
    mig = str(tmp_path / "mig.sock")
    dst = Emu(tmp_path / "dst", net_args(sp, cards=dest_cards) + ["-incoming", "unix:" + mig, "-S"], guest)
    wait_for(lambda: os.path.exists(mig), "the destination listening", dst.proc)
    q = src.qmp()
    wait_for(lambda: src.stdout().count("R") >= 2, "the guest sending", src.proc)
    return src, dst, q, mig, src_port


def migrate_to_end(q):
    wait_for(lambda: q.cmd("query-migrate")["status"] in ("completed", "failed"), "the end of the migration")
    return q.cmd("query-migrate")


def test_live_migration_under_a_frame_flood(guest, sink, tmp_path):
    src, dst, q, mig, src_port = start_pair(guest, tmp_path, sink)
    flood = Flood(src_port)
    try:
        wait_for(lambda: flood.sent > 2000, "the flood")
        q.hmp("migrate_set_parameter downtime-limit 0")
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        wait_for(lambda: q.cmd("query-migrate").get("ram", {}).get("dirty-sync-count", 0) >= 3, "rounds")
        q.hmp("migrate_set_parameter downtime-limit 2000")
        info = migrate_to_end(q)
        assert info["status"] == "completed", info
        assert q.cmd("query-status")["status"] == "postmigrate"
        ss, rs = state_of(q)
        wait_for(lambda: os.path.exists(tmp_path / "dst" / "qmp.sock"), "the destination's monitor", dst.proc)
        qd = dst.qmp()
        wait_for(lambda: qd.cmd("query-status")["status"] in ("paused", "prelaunch"), "the destination loaded", dst.proc)
        sd, rd = state_of(qd)
        assert int(ss["n0.nic.rx_frames"], 16) > 0, "no frame of the flood reached the source's card"
        assert diff(ss, sd) == [], "fields that differ: %s" % diff(ss, sd)[:20]
        assert rs == rd
        # the destination runs on from there, sending through its own backend
        n = len(dst.stdout())
        qd.cmd("cont")
        def reports():  # complete report lines only: the last one may still be being written
            out = dst.stdout()[n:]
            return [line for line in out[:out.rfind("\n") + 1].splitlines() if line.startswith("R") and " T" in line]
        wait_for(lambda: len(reports()) >= 2, "the destination's guest reporting", dst.proc)
        r = reports()[-1]
        assert int(r.split(" T")[1], 16) > int(ss["n0.nic.tx_frames"], 16), r
    finally:
        flood.close()
        src.stop()
        dst.stop()


def refused_destination(dst, what):
    status = dst.proc.wait(timeout=HANG)
    err = dst.stderr()
    assert status == 1, (status, err)
    assert "incoming migration refused" in err and what in err, err
    assert dst.stdout() == "", "the refused destination ran the guest: %r" % dst.stdout()


def source_runs_on(src, q, info):
    """The source never half-stops: failed leaves it running; completed
    (it could not know the destination refused, no return path) leaves it
    stopped in postmigrate, and cont runs it on."""
    if info["status"] == "completed":
        assert q.cmd("query-status")["status"] == "postmigrate"
        q.cmd("cont")
    n = src.stdout().count("R")
    wait_for(lambda: src.stdout().count("R") >= n + 2, "the source running on", src.proc)


def test_destination_without_the_card_refuses(guest, sink, tmp_path):
    src, dst, q, mig, _ = start_pair(guest, tmp_path, sink, dest_cards=False)
    try:
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        info = migrate_to_end(q)
        refused_destination(dst, "ne2k_pci card 'n0' (slot 05.0), which this machine does not have")
        source_runs_on(src, q, info)
    finally:
        src.stop()
        dst.stop()


def test_card_unplugged_during_live_migration_refused(guest, sink, tmp_path):
    src, dst, q, mig, _ = start_pair(guest, tmp_path, sink)
    try:
        q.hmp("migrate_set_parameter downtime-limit 0")
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        wait_for(lambda: q.cmd("query-migrate").get("ram", {}).get("dirty-sync-count", 0) >= 2, "rounds")
        assert q.cmd("device_del", {"id": "n1"}) == {}
        q.hmp("migrate_set_parameter downtime-limit 2000")
        info = migrate_to_end(q)
        refused_destination(dst, "no section for card n1")
        source_runs_on(src, q, info)
    finally:
        src.stop()
        dst.stop()
