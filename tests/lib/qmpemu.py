"""A QMP client and an emu386-system runner for the pytest suites
(tests/monitor, tests/hotplug): plain sockets and json, because the
protocol is what they test.  Every wait has a hang guard (HANG seconds)
that fails the test when it runs out; no assertion depends on how fast
anything is.  E386_SYSTEM names emu386-system, E386_EMU_WRAPPER an
optional wrapper (valgrind ...)."""
import json
import os
import shlex
import socket
import subprocess
import time

import pytest

HANG = 30.0  # seconds: a hang guard, never a measurement


def emu_cmd():
    wrapper = shlex.split(os.environ.get("E386_EMU_WRAPPER", ""))
    return wrapper + [os.environ["E386_SYSTEM"]]


def wait_for(pred, what, proc=None):
    """Poll pred() until true; fail after HANG seconds or if proc died."""
    end = time.monotonic() + HANG
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            pytest.fail("emu386-system ended (status %s) while waiting for %s" % (proc.returncode, what))
        time.sleep(0.01)
    pytest.fail("hang guard: no %s after %ss" % (what, HANG))


class Qmp:
    """One QMP connection: replies by request, events kept in order."""

    def __init__(self, addr, family=socket.AF_UNIX):
        # the socket file appears at bind(), a moment before listen():
        # a refused connection is retried (within the hang guard)
        end = time.monotonic() + HANG
        while True:
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.settimeout(HANG)
            try:
                self.sock.connect(addr)
                break
            except (ConnectionRefusedError, FileNotFoundError):
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)
        self.buf = b""
        self.events = []
        self.greeting = self.recv()

    def recv(self):
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                pytest.fail("hang guard: no QMP message after %ss" % HANG)
            if not data:
                raise EOFError("the monitor closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        assert line.endswith(b"\r"), "QMP lines end with CRLF: %r" % line
        return json.loads(line.decode("utf-8"))

    def send_raw(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        """The next reply; events before it are kept in self.events."""
        while True:
            msg = self.recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def execute(self, name, args=None, id=None):
        req = {"execute": name}
        if args is not None:
            req["arguments"] = args
        if id is not None:
            req["id"] = id
        self.send_raw(json.dumps(req) + "\n")
        return self.reply()

    def cmd(self, name, args=None):
        """execute, expecting success: the return value."""
        r = self.execute(name, args)
        assert "return" in r, "%s failed: %r" % (name, r)
        return r["return"]

    def negotiate(self):
        assert self.cmd("qmp_capabilities") == {}
        return self

    def hmp(self, line):
        return self.cmd("human-monitor-command", {"command-line": line})

    def event(self, name):
        """The first kept or coming event called name (removed from the list)."""
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            self.events.append(self.recv_event())

    def recv_event(self):
        msg = self.recv()
        assert "event" in msg, "an unexpected reply: %r" % msg
        return msg

    def close(self):
        self.sock.close()


class Emu:
    """emu386-system on the guest, its 0xE9 output in a file."""

    def __init__(self, tmp, args, guest, qmp=True, env=None):
        self.tmp = tmp
        self.sock = str(tmp / "qmp.sock")
        self.out_path = tmp / "stdout.txt"
        self.err_path = tmp / "stderr.txt"
        cmd = emu_cmd() + ["-bios", guest, "-serial", "null"]
        if qmp:
            cmd += ["-qmp", "unix:%s,server,nowait" % self.sock]
        cmd += args
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.out, stderr=self.err,
                                     env=dict(os.environ, **(env or {})))
        if qmp:
            wait_for(lambda: os.path.exists(self.sock), "QMP socket", self.proc)

    def qmp(self, negotiate=True):
        q = Qmp(self.sock)
        return q.negotiate() if negotiate else q

    def stdout(self):
        return self.out_path.read_bytes().decode("latin-1")

    def stderr(self):
        return self.err_path.read_bytes().decode("latin-1")

    def wait(self):
        try:
            return self.proc.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            pytest.fail("hang guard: emu386-system did not end after %ss" % HANG)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.out.close()
        self.err.close()


