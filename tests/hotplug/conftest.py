"""The hotplug suite's fixtures: emu386-system running guest.asm (a tiny
NE2000 driver that copes with its card coming and going) with a QMP
socket, checked guest-block allocation (E386_GALLOC_CHECK=1: a block freed
by the wrong function or never freed aborts the emulator at once or at
exit), and a UDP socket on 127.0.0.1 that the NIC's `socket` backend
sends its frames to."""
import os
import re
import socket
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from qmpemu import HANG, Emu, Qmp, wait_for  # noqa: E402,F401

ROM = "/usr/lib/ipxe/qemu/pxe-ne2k_pci.rom"  # Debian's ipxe-qemu
REPORT = re.compile(r"^R([0-9A-F]{8}) F([0-9A-F]{8}) T([0-9A-F]{8})$", re.M)


def romfile():
    """The option ROM every plugged card gets; the suite needs it."""
    if not os.path.exists(ROM):
        pytest.skip("SKIP: %s is missing (apt-get install ipxe-qemu): no option ROM to plug" % ROM)
    return ROM


class Guest:
    """emu386-system with QMP, the guest's reports and a frame sink."""

    def __init__(self, tmp, args):
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind(("127.0.0.1", 0))
        self.sink.setblocking(False)
        self.port = self.sink.getsockname()[1]
        self.emu = Emu(tmp, args, os.environ["E386_GUEST"], env={"E386_GALLOC_CHECK": "1"})
        self.q = self.emu.qmp()
        self.frames = 0

    def netdev_args(self, nid):
        """A socket backend sending to the sink (the local port: any free one)."""
        return {"type": "socket", "id": nid, "udp": "127.0.0.1:%d" % self.port,
                "localaddr": "127.0.0.1:0"}

    def report(self):
        """The guest's last (rounds, found, sent) line, or None."""
        reps = REPORT.findall(self.emu.stdout())
        return tuple(int(x, 16) for x in reps[-1]) if reps else None

    def reports(self):
        return len(REPORT.findall(self.emu.stdout()))

    def alive(self, what):
        """Two more report lines: the guest runs on (and the monitor answers)."""
        n = self.reports()
        wait_for(lambda: self.reports() >= n + 2, "guest reports (%s)" % what, self.emu.proc)
        assert self.q.cmd("query-status")["status"] == "running"

    def sending(self, what):
        """The guest finds its card and sends: its counters move on."""
        r0 = self.report() or (0, 0, 0)
        wait_for(lambda: (self.report() or r0)[2] > r0[2] + 256, "frames sent (%s)" % what, self.emu.proc)

    def not_finding(self, what):
        """The card is gone: rounds go on, found stays."""
        self.alive(what)
        r0 = self.report()
        self.alive(what)
        assert self.report()[1] == r0[1], "the guest still finds a card after %s" % what

    def drain(self):
        """Frames that reached the sink so far (counted)."""
        while True:
            try:
                self.sink.recv(65536)
                self.frames += 1
            except BlockingIOError:
                return self.frames

    def frames_arrive(self, what):
        n = self.drain()
        wait_for(lambda: self.drain() > n + 10, "frames at the sink (%s)" % what, self.emu.proc)

    def quit(self):
        """quit: status 0, and nothing from the allocator registry."""
        self.q.cmd("quit")
        status = self.emu.wait()
        err = self.emu.stderr()
        assert status == 0, "emu386-system ended with %s: %s" % (status, err)
        assert "galloc" not in err, err

    def close(self):
        self.emu.stop()
        self.sink.close()


@pytest.fixture
def guest(tmp_path):
    made = []

    def start(*args):
        g = Guest(tmp_path, list(args))
        made.append(g)
        return g

    yield start
    for g in made:
        g.close()
