"""The destination's MIGRATION events and monitor (issue 12, docs/migration.md
"The destination's monitor"): with -qmp, an -incoming destination answers
its monitor while no source has connected (query-status "inmigrate"), and
emits MIGRATION setup (once it listens), active (a source connected, the
stream is read), then completed or failed, as QEMU's destination does.
The guest is the hotplug suite's, as in test_net.py.  Timeouts are hang
guards, never measurements."""
import os

from test_net import guest, net_args, sink  # noqa: F401  (fixtures; puts tests/lib on the path)
from qmpemu import Emu, wait_for  # noqa: E402

BASE = ["-no-reboot", "-m", "4M"]


def statuses(q, last):
    """MIGRATION statuses up to and including last."""
    seen = []
    while not seen or seen[-1] != last:
        seen.append(q.event("MIGRATION")["data"]["status"])
        assert len(seen) < 10, seen
    return seen


def pair(guest, tmp_path, src_args, dst_args, incoming):
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    src = Emu(tmp_path / "src", src_args, guest)
    dst = Emu(tmp_path / "dst", dst_args + ["-incoming", incoming, "-S"], guest)
    return src, dst


def test_destination_events_over_unix(guest, tmp_path):  # noqa: F811
    mig = str(tmp_path / "mig.sock")
    src, dst = pair(guest, tmp_path, BASE, BASE, "unix:" + mig)
    try:
        qd = dst.qmp()  # answered while it waits for the source
        assert qd.cmd("query-status")["status"] == "inmigrate"
        wait_for(lambda: os.path.exists(mig), "the destination listening", dst.proc)
        q = src.qmp()
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        # setup went out when it began to listen, before this client
        assert statuses(qd, "completed") == ["active", "completed"]
        assert qd.cmd("query-status")["status"] == "paused"  # -S
        assert qd.cmd("query-migrate")["status"] == "completed"
        qd.cmd("cont")
        n = dst.stdout().count("R")
        wait_for(lambda: dst.stdout().count("R") >= n + 2, "the destination running", dst.proc)
    finally:
        src.stop()
        dst.stop()


def test_destination_events_with_defer(guest, tmp_path):  # noqa: F811
    mig = str(tmp_path / "mig.sock")
    src, dst = pair(guest, tmp_path, BASE, BASE, "defer")
    try:
        qd = dst.qmp()
        assert qd.cmd("query-status")["status"] == "inmigrate"
        assert qd.cmd("migrate-incoming", {"uri": "unix:" + mig}) == {}
        assert statuses(qd, "setup") == ["setup"]
        wait_for(lambda: os.path.exists(mig), "the destination listening", dst.proc)
        q = src.qmp()
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        assert statuses(qd, "completed") == ["active", "completed"]
    finally:
        src.stop()
        dst.stop()


def test_destination_failed_event(guest, sink, tmp_path):  # noqa: F811
    """A stream the destination refuses (the source has a card it lacks):
    active, then failed, then it ends with status 1."""
    mig = str(tmp_path / "mig.sock")
    src, dst = pair(guest, tmp_path, net_args(sink.getsockname()[1]), BASE, "unix:" + mig)
    try:
        qd = dst.qmp()
        wait_for(lambda: os.path.exists(mig), "the destination listening", dst.proc)
        q = src.qmp()
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        assert statuses(qd, "failed") == ["active", "failed"]
        assert dst.wait() == 1
        assert "which this machine does not have" in dst.stderr()
    finally:
        src.stop()
        dst.stop()
