#!/bin/bash
# The irqsoff tracer on a Linux boot (docs/tracing.md): Debian's i386
# kernel (tests/linux's kit) boots twice under emu386-system -icount:
#   1. to read its symbols: /proc/kallsyms, as a System.map (Debian's
#      package ships a stub; nokaslr keeps the addresses of both boots);
#   2. with -trace-irqsoff map=...,trace=on running tests/linux/short.sh:
#      the report of the longest IF-clear stretch, in ftrace's format.
# Deterministic under -icount: the same report every run.  Not part of
# ctest (two Linux boots, minutes): run by hand to refresh docs/tracing.md.
#   tests/trace/linux.sh --emu PATH [--out DIR] [--icount N] [--timeout S]
# (Kernel log lines that fall between the base64 lines are left out.)
# Exit 0 with the report in DIR/irqsoff.txt (and DIR/System.map); 77 when
# the kit cannot be fetched; 1 on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
emu= out=. icount=3 timeout_s=1800
while [ $# -gt 0 ]; do
    case $1 in
    --emu) emu=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --icount) icount=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "linux.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[ -x "$emu" ] || { echo "linux.sh: give --emu PATH (emu386-system)" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/emu386-trace-linux.XXXXXX")
trap 'rm -rf "$work"' EXIT
kit() { # script initrd: KERNEL and INITRD set
    local env
    env=$("$here/../linux/kit.sh" -q -s "$1" -o "$2" 2>"$work/kit.err")
    case $? in
    0) eval "$env" ;;
    77) echo "SKIP: trace linux: the kit cannot be fetched: $(tr '\n' ' ' <"$work/kit.err")"; exit 77 ;;
    *) echo "FAIL: trace linux: kit.sh: $(tr '\n' ' ' <"$work/kit.err")"; exit 1 ;;
    esac
}
append="console=ttyS0 noapic nolapic acpi=off panic=-1 nokaslr"

kit "$here/kallsyms.sh" "$work/initrd-syms.gz"
timeout "$timeout_s" "$emu" -m 128M -icount "$icount" -kernel "$KERNEL" -initrd "$INITRD" -append "$append" \
    -no-reboot -serial "file:$work/serial.syms" >/dev/null 2>"$work/err.syms"
tr -d '\r' <"$work/serial.syms" | sed -n '/^=== kallsyms begin ===$/,/^=== kallsyms end ===$/p' |
    sed '1d;$d' | grep -E '^[A-Za-z0-9+/=]+$' | base64 -d | gunzip -c >"$out/System.map" ||
    { echo "FAIL: trace linux: no symbols from the first boot: $(tail -c 300 "$work/err.syms")"; exit 1; }
echo "trace linux: $(wc -l <"$out/System.map") text symbols from /proc/kallsyms"

kit "$here/../linux/short.sh" "$work/initrd-short.gz"
start=$(date +%s)
timeout "$timeout_s" "$emu" -m 128M -icount "$icount" -kernel "$KERNEL" -initrd "$INITRD" -append "$append" \
    -no-reboot -serial "file:$work/serial.trace" \
    -trace-irqsoff "file=$out/irqsoff.txt,map=$out/System.map,trace=on" >/dev/null 2>"$work/err.trace"
st=$?
grep -q "emu386 guest: end" "$work/serial.trace" ||
    { echo "FAIL: trace linux: the traced boot did not finish (status $st): $(tail -c 300 "$work/err.trace")"; exit 1; }
echo "trace linux: traced boot in $(($(date +%s) - start)) s; report in $out/irqsoff.txt:"
sed -n '1,/^#  cmd/p' "$out/irqsoff.txt" | grep -E "latency:|started at|ended at|emu386:"
exit 0
