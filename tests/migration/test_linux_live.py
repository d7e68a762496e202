"""Live migration of a busy Linux guest between two emu386-system
processes (issue 12): Debian's i386 kernel and busybox (tests/linux/kit.sh)
running linux_busy.sh, which rewrites and checksums a 1 MiB buffer in
tmpfs in a loop.  The source is migrated live over a UNIX socket while
the loop runs (downtime-limit 0 until three rounds went by, then 2000 ms
to converge); the source's serial transcript followed by the
destination's must equal a run without migration.  Both under -icount 3
(the same on both sides; the clock travels).  Rounds, bytes and downtime
are printed (pytest -s), never asserted.

About 4 minutes of CPU in a Debug build, under a minute in the default
RelWithDebInfo one: it runs with E386_WITH_LINUX=1 (ci/check, the legs
that boot Linux) or E386_LINUX_LIVE=1, is skipped loudly otherwise, and
skipped when the kit cannot be fetched."""
import os
import re
import subprocess

import pytest

from test_net import EMU, HERE, WRAPPER
import qmpemu  # noqa: E402
from qmpemu import Qmp, wait_for  # noqa: E402

KIT = os.path.join(HERE, "..", "linux", "kit.sh")
APPEND = "console=ttyS0 noapic nolapic acpi=off panic=-1 quiet cryptomgr.notests"
ROUND = re.compile(r"^round \d+ [0-9a-f]{32}$", re.M)

if os.environ.get("E386_LINUX_LIVE") != "1" and os.environ.get("E386_WITH_LINUX") != "1":
    pytest.skip("SKIP: the busy Linux guest's live migration takes minutes: it runs in ci/check "
                "(E386_WITH_LINUX=1), or set E386_LINUX_LIVE=1", allow_module_level=True)


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("kit") / "initrd.gz")
    r = subprocess.run(["bash", KIT, "-q", "-s", os.path.join(HERE, "linux_busy.sh"), "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode == 77:
        pytest.skip("SKIP: the Linux guest kit cannot be fetched here: " + r.stderr.decode())
    assert r.returncode == 0, r.stderr.decode()
    env = dict(line.split("=", 1) for line in r.stdout.decode().split())
    return ["-m", "128M", "-icount", "3", "-kernel", env["KERNEL"], "-initrd", env["INITRD"],
            "-append", APPEND, "-no-reboot"]


def transcript(path):
    text = open(path, "rb").read().decode("latin-1").replace("\r", "")
    return ROUND.findall(text), "busy: end" in text


def test_busy_linux_guest_live_migration(kit, tmp_path):
    ref = str(tmp_path / "ref.serial")
    r = subprocess.run(WRAPPER + [EMU] + kit + ["-serial", "file:" + ref], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=1800)
    assert r.returncode == 0, r.stderr.decode()
    want, ended = transcript(ref)
    assert ended and len(want) == 12, want

    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    src_serial, dst_serial = str(tmp_path / "src.serial"), str(tmp_path / "dst.serial")
    mig = str(tmp_path / "mig.sock")
    src = subprocess.Popen(WRAPPER + [EMU] + kit + ["-serial", "file:" + src_serial, "-qmp",
                           "unix:%s,server,nowait" % (tmp_path / "src.qmp")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    dst = subprocess.Popen(WRAPPER + [EMU] + kit + ["-serial", "file:" + dst_serial, "-incoming", "unix:" + mig],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: os.path.exists(tmp_path / "src.qmp"), "the source's monitor", src)
        q = Qmp(str(tmp_path / "src.qmp")).negotiate()
        qmpemu.HANG = 1800.0  # the hang guards below: booting takes minutes here
        wait_for(lambda: len(transcript(src_serial)[0]) >= 2, "the busy loop running", src)
        wait_for(lambda: os.path.exists(mig), "the destination listening", dst)
        q.hmp("migrate_set_parameter downtime-limit 0")
        assert q.cmd("migrate", {"uri": "unix:" + mig}) == {}
        wait_for(lambda: q.cmd("query-migrate").get("ram", {}).get("dirty-sync-count", 0) >= 3, "3 rounds")
        q.hmp("migrate_set_parameter downtime-limit 2000")
        wait_for(lambda: q.cmd("query-migrate")["status"] in ("completed", "failed"), "the end")
        info = q.cmd("query-migrate")
        assert info["status"] == "completed", info
        ram = info["ram"]
        print("busy Linux guest, live over unix: %d rounds, %d bytes, %d pages with data, downtime %d ms, "
              "total %d ms" % (ram["dirty-sync-count"], ram["transferred"], ram["normal"], info["downtime"],
                               info["total-time"]))
        q.cmd("quit")
        src.wait(timeout=60)
        _, err = dst.communicate(timeout=1800)
        assert dst.returncode == 0, err.decode()
        a, _ = transcript(src_serial)
        b, ended = transcript(dst_serial)
        assert ended and a + b == want, (a, b)
        assert len(b) > 0, "the destination printed no round: the migration came too late"
        print("rounds of the loop printed by the source: %d, by the destination: %d" % (len(a), len(b)))
    finally:
        for p in (src, dst):
            if p.poll() is None:
                p.kill()
                p.wait()
