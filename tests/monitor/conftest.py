"""The monitor suite's fixtures: emu386-system running the small guest of
guest.asm (built by run.sh into $E386_GUEST) with a QMP socket; the
QMP client and the runner are tests/lib/qmpemu.py's."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from qmpemu import HANG, Emu, Qmp, emu_cmd, wait_for  # noqa: E402,F401


def guest():
    return os.environ["E386_GUEST"]


@pytest.fixture
def emu_factory(tmp_path):
    started = []

    def start(*args, qmp=True, sub=None):
        d = tmp_path / sub if sub else tmp_path
        d.mkdir(exist_ok=True)
        e = Emu(d, list(args), guest(), qmp=qmp)
        started.append(e)
        return e

    yield start
    for e in started:
        e.stop()


@pytest.fixture
def emu(emu_factory):
    return emu_factory()


BANNER = "monitor guest: up\n"


def registers(q):
    """info registers as a dict: EAX.. GS and instructions."""
    text = q.hmp("info registers")
    regs = {}
    for tok in text.replace("\n", " ").split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            regs[k.strip()] = v
    # "ES =0000 00000000": the selector follows the '='
    return regs, text
