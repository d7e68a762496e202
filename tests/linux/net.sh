#!/bin/bash
# tests/linux/net.sh: Debian's i386 kernel drives the NE2000 PCI card with
# its stock ne2k-pci driver (or the RTL8139 with 8139too: --model rtl8139), gets a DHCP address over -netdev user and
# fetches a file from a python3 -m http.server on the host's 127.0.0.1
# (seen by the guest as 10.0.2.2).  The guest side is net-guest.sh.  Not
# in `make check` yet (a boot takes minutes); run by hand.
#
# usage: tests/linux/net.sh [--emu PATH] [--model ne2k_pci|rtl8139] [--timeout SECONDS]
#                           [--keep DIR]
#
# The initramfs is the kit's (kit.sh -s net-guest.sh) followed by a second
# cpio archive holding 8390.ko, ne2k-pci.ko, mii.ko and 8139too.ko, taken from the kernel
# package the kit fetched (Linux unpacks concatenated archives in order).
# Exit status: 0 pass; 1 fail (the line says which step); 77 skipped (no
# kit, no python3, or an emu386-system built without libslirp).
set -u
here=$(cd "$(dirname "$0")" && pwd)
emu=${E386_SYSTEM:-}
timeout_s=1200
keep=
model=ne2k_pci
while [ $# -gt 0 ]; do
    case $1 in
    --emu) emu=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "net.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
skip() { echo "SKIP: linux-net: $*"; exit 77; }
fail() { echo "FAIL: linux-net: $*"; exit 1; }
[ -n "$emu" ] && [ -x "$emu" ] || fail "no emu386-system (give --emu PATH)"
command -v python3 > /dev/null || skip "no python3 for the HTTP server"
work=$(mktemp -d "${TMPDIR:-/tmp}/emu386-net.XXXXXX")
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2> /dev/null
    rm -rf "$work"
}
trap cleanup EXIT
case $model in ne2k_pci|rtl8139) ;; *) echo "net.sh: --model ne2k_pci or rtl8139" >&2; exit 2 ;; esac
source "$here/nic-initrd.sh"
nic_initrd "$here/net-guest.sh"
mkdir -p "$work/www"
echo "hello from the host" > "$work/www/hello.txt"
port=$((20000 + $$ % 20000))
(cd "$work/www" && exec python3 -m http.server "$port" --bind 127.0.0.1) > "$work/http.log" 2>&1 &
server=$!
sleep 1
timeout "$timeout_s" "$emu" -m 128M -kernel "$KERNEL" -initrd "$work/initrd.gz" \
    -append "console=ttyS0 noapic nolapic acpi=off panic=-1 e386port=$port" -no-reboot \
    -netdev user,id=n1 -device "$model,netdev=n1,id=nic1" -serial "file:$work/serial" \
    > "$work/stdout" 2> "$work/stderr"
status=$?
[ -n "$keep" ] && mkdir -p "$keep" && cp "$work/serial" "$work/stderr" "$keep/"
grep -q "needs libslirp" "$work/stderr" && skip "this emu386-system was built without libslirp"
grep -q "no config space" "$work/serial" && fail "the kernel found no PCI configuration space"
if [ "$model" = rtl8139 ]; then
    grep -q "RealTek RTL8139 at" "$work/serial" || fail "8139too did not find the card (status $status)"
else
    grep -q "RealTek RTL-8029(AS) found" "$work/serial" || fail "ne2k-pci did not find the card (status $status)"
fi
grep -q "rom signature: 55aa" "$work/serial" || fail "the option ROM did not read 55 AA"
grep -q "lease of 10.0.2.15 obtained" "$work/serial" || fail "no DHCP lease"
grep -q "hello from the host" "$work/serial" || fail "wget did not fetch the file"
[ $status = 0 ] || fail "emu386-system ended with status $status: $(tail -n 1 "$work/stderr")"
echo "PASS: linux-net: $model, DHCP over user networking, HTTP from the host's loopback"
