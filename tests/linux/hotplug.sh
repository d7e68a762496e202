#!/bin/bash
# tests/linux/hotplug.sh: hot-plug that a running Linux guest sees (issue
# 11).  Debian's i386 kernel boots with an NE2000 PCI card behind a
# pci-bridge whose SHPC its built-in shpchp drives; the guest gets a DHCP
# address over -netdev user and fetches a file from a python3 -m
# http.server on the host's loopback; then, through QMP, the card is
# unplugged (device_del: the guest powers the slot off, DEVICE_DELETED
# follows), plugged back (device_add on the same netdev: the guest powers
# the slot on and ne2k-pci binds again) and the guest fetches again.  The
# guest side is hotplug-guest.sh.  A boot takes about 2 minutes in a
# Release build: ctest runs it (--ctest) only with E386_WITH_LINUX=1, as
# the other Linux boots (ci/check); by hand it always runs.
#
# usage: tests/linux/hotplug.sh [--emu PATH] [--model ne2k_pci|rtl8139] [--timeout SECONDS]
#                               [--keep DIR] [--ctest]
#
# Exit status: 0 pass; 1 fail (the line says which step); 77 skipped (no
# kit, no python3, or an emu386-system built without libslirp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
emu=${E386_SYSTEM:-}
timeout_s=1800
keep=
ctest=0
model=ne2k_pci
while [ $# -gt 0 ]; do
    case $1 in
    --model) model=$2; shift 2 ;;
    --ctest) ctest=1; shift ;;
    --emu) emu=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hotplug.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
skip() { echo "SKIP: linux-hotplug: $*"; exit 77; }
fail() { echo "FAIL: linux-hotplug: $*"; exit 1; }
[ $ctest = 1 ] && [ "${E386_WITH_LINUX:-0}" != 1 ] &&
    skip "a Linux boot of minutes: under ctest only with E386_WITH_LINUX=1 (ci/check); run tests/linux/hotplug.sh by hand"
[ -n "$emu" ] && [ -x "$emu" ] || fail "no emu386-system (give --emu PATH)"
case $model in ne2k_pci|rtl8139) ;; *) echo "hotplug.sh: --model ne2k_pci or rtl8139" >&2; exit 2 ;; esac
command -v python3 > /dev/null || skip "no python3 for the HTTP server and the QMP client"
work=$(mktemp -d "${TMPDIR:-/tmp}/emu386-hotplug.XXXXXX")
server=
emu_pid=
cleanup() {
    [ -n "$server" ] && kill "$server" 2> /dev/null
    [ -n "$emu_pid" ] && kill "$emu_pid" 2> /dev/null
    [ -n "$keep" ] && mkdir -p "$keep" && cp "$work"/serial "$work"/stderr "$work"/qmp.log "$keep/" 2> /dev/null
    rm -rf "$work"
}
trap cleanup EXIT
source "$here/nic-initrd.sh"
nic_initrd "$here/hotplug-guest.sh"
grep -q '^CONFIG_HOTPLUG_PCI_SHPC=y' "$cache"/config-* 2> /dev/null ||
    skip "this kernel has no built-in shpchp (CONFIG_HOTPLUG_PCI_SHPC=y)"
mkdir -p "$work/www"
echo "hello from the host" > "$work/www/hello.txt"
port=$((20000 + $$ % 20000))
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) > "$work/http.log" 2>&1 &
server=$!
sleep 1
: > "$work/serial"
timeout "$timeout_s" "$emu" -m 128M -kernel "$KERNEL" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 noapic nolapic acpi=off panic=-1 e386port=$port" -no-reboot \
    -qmp "unix:$work/qmp.sock,server,nowait" -device pci-bridge,id=br0 \
    -netdev user,id=n1 -device "$model,netdev=n1,id=nic1,bus=br0" -serial "file:$work/serial" \
    > "$work/stdout" 2> "$work/stderr" &
emu_pid=$!
# The operator: waits for the guest's marks on its serial console, then
# device_del (until DEVICE_DELETED) and device_add through QMP.
python3 - "$work/qmp.sock" "$work/serial" "$emu_pid" "$model" > "$work/qmp.log" 2>&1 <<'PY'
import json, os, socket, sys, time
sock_path, serial, pid, model = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
def wait_serial(mark):
    while alive():
        if mark in open(serial, errors="replace").read():
            return
        time.sleep(1)
    sys.exit("emu386-system ended before the guest printed %r" % mark)
while not os.path.exists(sock_path):
    if not alive():
        sys.exit("emu386-system ended before its QMP socket appeared")
    time.sleep(0.2)
s = socket.socket(socket.AF_UNIX)
s.connect(sock_path)
f = s.makefile("rw")
def recv():
    line = f.readline()
    if not line:
        sys.exit("QMP connection closed")
    msg = json.loads(line)
    print("<-", line.strip(), flush=True)
    return msg
def cmd(name, **args):
    req = {"execute": name}
    if args:
        req["arguments"] = args
    print("->", json.dumps(req), flush=True)
    f.write(json.dumps(req) + "\n")
    f.flush()
    while True:
        msg = recv()
        if "return" in msg or "error" in msg:
            return msg
recv()  # greeting
cmd("qmp_capabilities")
wait_serial("== unplug now")
r = cmd("device_del", id="nic1")
assert "return" in r, r
pci = cmd("query-pci")
print("pending after device_del:", [d.get("qdev_id") for b in pci["return"] for d in b["devices"]
                                    if d.get("unplug-pending")], flush=True)
r = cmd("device_del", id="nic1")
print("second device_del:", r, flush=True)
while True:  # the guest turns the slot off: then the card goes
    msg = recv()
    if msg.get("event") == "DEVICE_DELETED":
        print("DEVICE_DELETED for", msg["data"]["device"], flush=True)
        break
wait_serial("== plug now")
r = cmd("device_add", driver=model, netdev="n1", id="nic1", bus="br0")
assert "return" in r, r
print("device_add done", flush=True)
PY
qmp_status=$?
wait "$emu_pid"
status=$?
emu_pid=
grep -q "needs libslirp" "$work/stderr" && skip "this emu386-system was built without libslirp"
cat "$work/qmp.log" | sed 's/^/qmp: /'
sed -n '/== pci/,$p' "$work/serial" | grep -v "^$" | sed 's/^/guest: /'
[ $qmp_status = 0 ] || fail "the QMP operator failed (status $qmp_status)"
grep -q "shpchp" "$work/serial" || fail "the guest's shpchp did not take the bridge"
found='eth0: RealTek RTL-8029(AS) found'
[ "$model" = rtl8139 ] && found='eth0: RealTek RTL8139 at'
grep -q "$found" "$work/serial" || fail "the driver did not find the card at boot"
sed -n '/== plug now/,$p' "$work/serial" | grep -q "$found" || fail "the driver did not find the card plugged back"
[ "$(grep -c 'lease of 10.0.2.15 obtained' "$work/serial")" -ge 2 ] || fail "not two DHCP leases"
[ "$(grep -c 'hello from the host' "$work/serial")" -ge 2 ] || fail "wget did not fetch the file twice"
grep -q "eth0 gone" "$work/serial" || fail "the guest never let go of eth0"
grep -q "eth0 back" "$work/serial" || fail "the driver did not bind the card again"
grep -q "DEVICE_DELETED for nic1" "$work/qmp.log" || fail "no DEVICE_DELETED"
[ $status = 0 ] || fail "emu386-system ended with status $status: $(tail -n 1 "$work/stderr")"
echo "PASS: linux-hotplug: $model: fetch, device_del (the guest released the card), device_add, fetch again"
