#!/usr/bin/env python3
"""A web server inside emu386-user answers the host (issue 15).

Debian's i386 busybox (the Linux guest kit's, tests/linux/kit.sh) runs
`httpd` under emu386-user on 127.0.0.1; this script is the client, on the
host.  Every answer is checked against what the host itself holds or
computes: the bytes of the files it serves, the CGI/1.1 variables
(RFC 3875) a script is given, the md5 of a POSTed body.  The CGI script is
a `#!` script whose interpreter is the i386 busybox, so each CGI request
is a fork and an execve of a script under emu386 with a pipe each way.
Several clients at once make the server fork several children.

When the i386 python3.11 of tests/cpython/run.sh is already in the cache,
`python3 -m http.server` runs the same file checks; otherwise, and under
an --emu-wrapper (CPython starting inside two emulators took over the
120 s hang guard in the host32 leg), that part says it was not run.

Exit 0 pass, 1 fail, 77 nothing could run (no kit: the reason printed).
"""
import argparse
import hashlib
import http.client
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LABEL = "httpd"
failures = []


def say(msg):
    print(f"{LABEL}: {msg}", flush=True)


def check(what, ok, detail=""):
    say(("PASS " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc, limit):
    """A hang guard, not a measure: the server has `limit` seconds to listen."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def request(port, method, path, body=None, headers=None, timeout=120):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def make_site(root, busybox):
    www = os.path.join(root, "www")
    os.makedirs(os.path.join(www, "cgi-bin"))
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("<html><body>emu386-user serves this page</body></html>\n")
    # 1 MiB of a fixed xorshift stream: the host holds the reference bytes
    x, out = 2463534242, bytearray()
    while len(out) < 1 << 20:
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        out += x.to_bytes(4, "little")
    with open(os.path.join(www, "big.bin"), "wb") as f:
        f.write(out)
    cgi = os.path.join(www, "cgi-bin", "echo")
    with open(cgi, "w") as f:
        f.write(f"#!{busybox} sh\n"
                "printf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
                "echo \"method=$REQUEST_METHOD\"\n"
                "echo \"query=$QUERY_STRING\"\n"
                "echo \"length=$CONTENT_LENGTH\"\n"
                f"echo \"body-md5=$({busybox} head -c \"${{CONTENT_LENGTH:-0}}\" | {busybox} md5sum | {busybox} cut -d' ' -f1)\"\n")
    os.chmod(cgi, 0o755)
    return www, bytes(out)


def file_checks(port, www, big, who):
    st, _, body = request(port, "GET", "/index.html")
    with open(os.path.join(www, "index.html"), "rb") as f:
        check(f"{who}: GET /index.html", st == 200 and body == f.read(), f"status {st}, {len(body)} bytes")
    st, _, body = request(port, "GET", "/big.bin")
    check(f"{who}: GET /big.bin (1 MiB)", st == 200 and body == big,
          f"status {st}, {len(body)} bytes, md5 {hashlib.md5(body).hexdigest()}")
    st, _, _ = request(port, "GET", "/no-such-file")
    check(f"{who}: GET of a missing file is 404", st == 404, f"status {st}")
    results = [None] * 6

    def fetch(i):
        try:
            results[i] = request(port, "GET", "/big.bin")
        except OSError as e:
            results[i] = (0, {}, repr(e).encode())
    ts = [threading.Thread(target=fetch, args=(i,)) for i in range(len(results))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    bad = [i for i, r in enumerate(results) if r[0] != 200 or r[2] != big]
    check(f"{who}: {len(results)} clients at once get /big.bin", not bad, f"clients {bad} differ")


def busybox_checks(port, big, a, qemu_user):
    st, hdr, body = request(port, "HEAD", "/big.bin")
    check("busybox httpd: HEAD /big.bin", st == 200 and body == b"" and
          hdr.get("Content-Length") == str(len(big)), f"status {st}, headers {hdr}")
    if qemu_user:
        say(f"SKIP CGI checks: NOT TESTED under '{a.emu_wrapper}': emu386-user runs an i386 "
            "#! interpreter by executing itself, a foreign binary qemu-user cannot start "
            "without binfmt_misc (as the samples' exec_self)")
        return
    post = bytes(range(256)) * 40
    st, _, body = request(port, "POST", "/cgi-bin/echo?a=1&b=two", body=post,
                          headers={"Content-Type": "application/octet-stream"})
    want = (f"method=POST\nquery=a=1&b=two\nlength={len(post)}\n"
            f"body-md5={hashlib.md5(post).hexdigest()}\n").encode()
    check("busybox httpd: POST to a #! CGI script (fork, execve, pipes)", st == 200 and body == want,
          f"status {st}, body {body!r}")
    st, _, body = request(port, "GET", "/cgi-bin/echo?x=%20y")
    want = b"method=GET\nquery=x=%20y\nlength=\nbody-md5=d41d8cd98f00b204e9800998ecf8427e\n"
    check("busybox httpd: GET of the CGI script", st == 200 and body == want, f"status {st}, body {body!r}")


def run_server(cmd, port, log, who, cwd):
    say(f"{who}: " + " ".join(shlex.quote(c) for c in cmd))
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd)
    if not wait_listening(port, proc, 120):
        proc.kill()
        proc.wait()
        check(f"{who}: listens on 127.0.0.1:{port}", False, f"not listening after 120 s (exit {proc.returncode})")
        return None
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emu", required=True)
    ap.add_argument("--emu-wrapper", default="")
    ap.add_argument("--build-dir", required=True)
    a = ap.parse_args()
    os.makedirs(a.build_dir, exist_ok=True)
    emu = shlex.split(a.emu_wrapper) + [os.path.abspath(a.emu)]
    qemu_user = bool(a.emu_wrapper) and os.path.basename(shlex.split(a.emu_wrapper)[0]).startswith("qemu-")
    kit = subprocess.run(["bash", os.path.join(HERE, "..", "linux", "kit.sh"), "-q", "-o",
                          os.path.join(a.build_dir, "initrd.gz")], capture_output=True, text=True)
    if kit.returncode == 77:
        say("SKIP: NOT TESTED: the i386 busybox could not be fetched: " + kit.stderr.strip())
        return 77
    if kit.returncode != 0:
        say("FAIL: tests/linux/kit.sh: " + kit.stderr.strip())
        return 1
    busybox = dict(l.split("=", 1) for l in kit.stdout.split() if "=" in l)["BUSYBOX"]
    root = tempfile.mkdtemp(prefix="httpd-", dir=a.build_dir)
    www, big = make_site(root, busybox)

    port = free_port()
    with open(os.path.join(root, "busybox.log"), "w") as log:
        proc = run_server(emu + [busybox, "httpd", "-f", "-vv", "-p", f"127.0.0.1:{port}", "-h", www],
                          port, log, "busybox httpd", root)
        if proc:
            try:
                file_checks(port, www, big, "busybox httpd")
                busybox_checks(port, big, a, qemu_user)
            finally:
                stop(proc)

    py = os.path.expanduser(os.environ.get("E386_CPYTHON_ROOT", "~/.cache/emu386/cpython/root"))
    pybin = os.path.join(py, "usr", "bin", "python3.11")
    if a.emu_wrapper:
        say(f"NOTE: python3 -m http.server not run under '{a.emu_wrapper}': CPython's start-up alone "
            "takes minutes there (an emulator inside an emulator); busybox httpd ran")
    elif os.path.exists(pybin):
        port = free_port()
        with open(os.path.join(root, "python.log"), "w") as log:
            proc = run_server(emu + ["-L", py, pybin, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
                              port, log, "python3 http.server", www)
            if proc:
                try:
                    file_checks(port, www, big, "python3 http.server")
                finally:
                    stop(proc)
    else:
        say(f"NOTE: python3 -m http.server not run: no i386 python3.11 in {py} "
            "(bash tests/cpython/run.sh fetches it); busybox httpd ran")
    if failures:
        say(f"{len(failures)} check(s) failed; server logs in {root}")
        return 1
    say("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
