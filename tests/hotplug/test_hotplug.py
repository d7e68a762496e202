"""Hot-plug and hot-unplug of a PCI NIC and its network backend over QMP
(issue 11), the sequence of the bug history in ../shared/BRIEF.md section
4 and its neighbours.  The guest drives the card all along (guest.asm);
every case checks that the guest keeps running, the monitor keeps
answering, and that at `quit` every guest block (the option ROMs) went
back through its own allocator (E386_GALLOC_CHECK=1 aborts otherwise).
device_del on the root bus is a surprise removal: DEVICE_DELETED follows
at once; behind a pci-bridge it waits for the guest (the last case)."""
from conftest import romfile


def plug(g, nid="n1", dev="nic1", netdev=True):
    if netdev:
        assert g.q.cmd("netdev_add", g.netdev_args(nid)) == {}
    args = {"driver": "ne2k_pci", "id": dev, "romfile": romfile()}
    if netdev:
        args["netdev"] = nid
    assert g.q.cmd("device_add", args) == {}


def rom_region(q, dev):
    for d in q.cmd("query-pci")[0]["devices"]:
        if d.get("qdev_id") == dev:
            return [r for r in d["regions"] if r["type"] == "rom"]
    return None


def device_del(g, dev):
    assert g.q.cmd("device_del", {"id": dev}) == {}
    ev = g.q.event("DEVICE_DELETED")
    assert ev["data"]["device"] == dev
    assert rom_region(g.q, dev) is None


def test_netdev_del_then_device_del(guest):
    """The bug history's order: the backend goes first, then the card
    whose option ROM must be freed by the allocator that made it."""
    g = guest()
    g.alive("before any card")
    plug(g)
    roms = rom_region(g.q, "nic1")
    assert roms and roms[0]["size"] >= 0x10000 // 2, roms
    g.sending("card plugged")
    g.frames_arrive("card plugged")
    assert g.q.cmd("netdev_del", {"id": "n1"}) == {}
    g.sending("backend deleted: the cable is pulled, frames are dropped")
    assert "n1" not in g.q.hmp("info network") or "unplugged" in g.q.hmp("info network")
    device_del(g, "nic1")
    g.not_finding("device_del")
    g.quit()


def test_device_del_then_netdev_del(guest):
    g = guest()
    plug(g)
    g.sending("card plugged")
    device_del(g, "nic1")
    g.not_finding("device_del")
    assert g.q.cmd("netdev_del", {"id": "n1"}) == {}
    g.alive("netdev_del after the card")
    g.quit()


def test_device_del_during_traffic_and_replug(guest):
    """Unplug while the guest is mid-transfer, then a card on the same
    backend again: the guest finds it and sends through it."""
    g = guest()
    plug(g)
    g.frames_arrive("first card")
    device_del(g, "nic1")
    g.not_finding("device_del during traffic")
    assert g.q.cmd("device_add", {"driver": "ne2k_pci", "id": "nic2", "netdev": "n1",
                                  "romfile": romfile()}) == {}
    g.frames_arrive("the card plugged back")
    g.quit()


def test_plug_unplug_200_cycles(guest):
    g = guest()
    assert g.q.cmd("netdev_add", g.netdev_args("n1")) == {}
    for i in range(200):
        dev = "nic%d" % i
        assert g.q.cmd("device_add", {"driver": "ne2k_pci", "id": dev, "netdev": "n1",
                                      "romfile": romfile()}) == {}
        if i % 50 == 0:
            g.sending("cycle %d" % i)
        assert g.q.cmd("device_del", {"id": dev}) == {}
        assert g.q.event("DEVICE_DELETED")["data"]["device"] == dev
    g.not_finding("200 cycles")
    assert g.q.cmd("query-pci")[0]["devices"], "the host bridge stays"
    g.quit()


def test_nic_without_netdev(guest):
    """A card with no backend at all: a pulled cable from the start."""
    g = guest()
    plug(g, netdev=False)
    g.sending("card without backend")
    assert g.drain() == 0
    device_del(g, "nic1")
    g.quit()


def test_netdev_del_of_backend_in_use_by_card_being_deleted(guest):
    """device_del and netdev_del in one burst, before either reply."""
    g = guest()
    plug(g)
    g.sending("card plugged")
    g.q.send_raw('{"execute": "device_del", "arguments": {"id": "nic1"}, "id": 1}\n'
                 '{"execute": "netdev_del", "arguments": {"id": "n1"}, "id": 2}\n')
    r1, r2 = g.q.reply(), g.q.reply()
    assert (r1.get("id"), r2.get("id")) == (1, 2)
    assert "return" in r1 and "return" in r2, (r1, r2)
    g.not_finding("both deleted")
    g.quit()


def test_bad_requests_keep_everything_running(guest):
    """Unknown ids, drivers and options are errors; nothing changes."""
    g = guest()
    plug(g)
    bad = [("device_del", {"id": "nope"}),
           ("netdev_del", {"id": "nope"}),
           ("device_add", {"driver": "no-such-card", "id": "x"}),
           ("device_add", {"driver": "ne2k_pci", "id": "nic1", "netdev": "n1"}),  # id taken
           ("device_add", {"driver": "ne2k_pci", "id": "y", "romfile": "/nonexistent.rom"}),
           ("device_add", {"driver": "ne2k_pci", "id": "z", "mac": "52:54:00,12:34:56"}),
           ("netdev_add", {"type": "socket", "id": "n1", "udp": "127.0.0.1:9"}),  # id taken
           ("netdev_add", {"type": "nosuch", "id": "n2"})]
    for name, args in bad:
        r = g.q.execute(name, args)
        assert "error" in r, "%s %r was accepted: %r" % (name, args, r)
    g.frames_arrive("after the refused requests")
    g.quit()


def pci_device(q, dev):
    for bus in q.cmd("query-pci"):
        for d in bus["devices"]:
            if d.get("qdev_id") == dev:
                return d
    return None


def test_unplug_behind_bridge_waits_for_a_guest_that_never_answers(guest):
    """Behind a pci-bridge, device_del asks the guest (the SHPC's attention
    button); this guest has no hot-plug driver, so a card it found powered
    at boot stays, query-pci and info pci say the unplug is pending, a
    second device_del says so too, and system_reset completes it (no guest
    is left to answer).  A card hot-added later was never powered by the
    guest: its device_del is immediate.  docs/network.md."""
    g = guest("-device", "pci-bridge,id=br0",
              "-device", "ne2k_pci,id=cold,bus=br0,romfile=%s" % romfile())
    g.alive("a bridge with a card powered at boot")
    assert g.q.cmd("device_del", {"id": "cold"}) == {}
    g.alive("device_del asked the guest")
    d = pci_device(g.q, "cold")
    assert d is not None and d.get("unplug-pending") is True, d
    assert d["bus"] == 0  # no firmware on a -bios boot: bus numbers unprogrammed
    assert "unplug pending" in g.q.hmp("info pci")
    r = g.q.execute("device_del", {"id": "cold"})
    assert "error" in r and "pending" in r["error"]["desc"], r
    assert not [e for e in g.q.events if e["event"] == "DEVICE_DELETED"]
    assert g.q.cmd("system_reset") == {}
    assert g.q.event("DEVICE_DELETED")["data"]["device"] == "cold"
    assert pci_device(g.q, "cold") is None
    g.alive("after the reset")
    assert g.q.cmd("netdev_add", g.netdev_args("n1")) == {}
    for i in range(50):
        dev = "hot%d" % i
        assert g.q.cmd("device_add", {"driver": "ne2k_pci", "id": dev, "netdev": "n1", "bus": "br0",
                                      "romfile": romfile()}) == {}
        assert pci_device(g.q, dev).get("unplug-pending") is None
        assert g.q.cmd("device_del", {"id": dev}) == {}
        assert g.q.event("DEVICE_DELETED")["data"]["device"] == dev
    g.alive("50 cycles behind the bridge")
    g.quit()
