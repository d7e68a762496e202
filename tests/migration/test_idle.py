"""An idle guest with 1 GiB of RAM (bench/idle_guest.asm: a PIT tick
counter in HLT): its stream carries only the pages that are not zero, and
counts every other RAM page as not sent (issue 12); a destination with
the same -m resumes it.  The wall time is printed (pytest -s shows it),
never asserted: bench/migrate.sh measures it against qemu-system-i386."""
import os
import re
import subprocess
import time

from test_net import BUILD, EMU, HERE, WRAPPER

RAM_PAGES = (1 << 30) // 4096 - 96  # the hole from 640 KiB to 1 MiB is not RAM


def save_at(image, insn, snap, *extra):
    """Run until the save at insn (the guest never ends: killed then); the
    save's report line."""
    p = subprocess.Popen(WRAPPER + [EMU, "-bios", image, "-m", "1G", "-serial", "null", "-icount", "3"] +
                         list(extra) + ["-savevm-at-insn", str(insn), snap], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    seen = b""
    try:
        while b"saved the machine to" not in seen or not seen.endswith(b"\n"):
            chunk = os.read(p.stderr.fileno(), 4096)
            assert chunk, "emu386-system ended before saving: %r" % seen
            seen += chunk
    finally:
        p.kill()
        p.wait()
    m = re.search(r"at instruction (\d+): (\d+) bytes, (\d+) pages sent, (\d+) zero pages not sent", seen.decode())
    assert m, seen
    return tuple(int(x) for x in m.groups())


def test_idle_1g_stream_has_only_nonzero_pages(tmp_path):
    image = os.path.join(BUILD, "idle_guest.bin")
    os.makedirs(BUILD, exist_ok=True)
    subprocess.run(["nasm", "-f", "bin", "-o", image, os.path.join(HERE, "..", "..", "bench", "idle_guest.asm")],
                   check=True)
    snap = str(tmp_path / "idle.snap")
    t0 = time.monotonic()
    at, size, sent, skipped = save_at(image, 200000, snap)
    wall = time.monotonic() - t0
    print("idle -m 1G: %d bytes, %d pages sent, %d not sent, %.0f ms from start to saved" %
          (size, sent, skipped, wall * 1000))
    assert sent + skipped == RAM_PAGES
    assert 1 <= sent <= 4  # page 0 (IVT, stack, tick counter): nothing else is written
    assert size == os.path.getsize(snap) < (sent + 1) * 4101 + 8192
    # resumed (the pages the stream wrote count as written there), saved again
    at2, size2, sent2, skipped2 = save_at(image, at + 200000, str(tmp_path / "again.snap"), "-loadvm", snap)
    assert at2 > at and (sent2, skipped2) == (sent, skipped) and size2 == size
