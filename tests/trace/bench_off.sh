#!/bin/bash
# What the irqsoff tracer costs (docs/tracing.md "Cost when off"): CPU
# seconds (user+sys) of the short Linux boot of tests/linux (-icount 3,
# short.sh) under two builds of emu386-system, interleaved per repetition
# so machine load hits both alike, best of --reps:
#   before   a build without the tracer (--before PATH)
#   off      this build, tracer off
#   armed    this build, -trace-irqsoff on (no instruction trace)
# Speed is measured here, never asserted; not part of ctest.
#   tests/trace/bench_off.sh --before PATH --after PATH [--reps N]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
before= after= reps=3
while [ $# -gt 0 ]; do
    case $1 in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    *) echo "bench_off.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
[ -x "$before" ] && [ -x "$after" ] || { echo "usage: bench_off.sh --before PATH --after PATH [--reps N]" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/emu386-trace-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
eval "$("$here/../linux/kit.sh" -q -s "$here/../linux/short.sh" -o "$work/initrd.gz")"
append="console=ttyS0 noapic nolapic acpi=off panic=-1"
run() { # name emu [args]: CPU seconds on stdout
    local name=$1 emu=$2; shift 2
    /usr/bin/time -o "$work/time" -f "%U %S" "$emu" -m 128M -icount 3 -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$append" -no-reboot -serial "file:$work/$name.serial" "$@" >/dev/null 2>"$work/$name.err" || true
    grep -q "emu386 guest: end" "$work/$name.serial" ||
        { echo "bench: $name did not finish: $(tail -c 200 "$work/$name.err")" >&2; exit 1; }
    awk '{printf "%.2f\n", $1 + $2}' "$work/time"
}
declare -A best all
for r in $(seq "$reps"); do
    for cfg in before off armed; do
        case $cfg in
        before) t=$(run before "$before") ;;
        off) t=$(run off "$after") ;;
        armed) t=$(run armed "$after" -trace-irqsoff "file=$work/report.txt") ;;
        esac
        all[$cfg]="${all[$cfg]:-} $t"
        if [ -z "${best[$cfg]:-}" ] || awk -v a="$t" -v b="${best[$cfg]}" 'BEGIN{exit !(a < b)}'; then
            best[$cfg]=$t
        fi
    done
done
for cfg in before off armed; do
    printf "%-7s best %6.2f s CPU   runs:%s\n" "$cfg" "${best[$cfg]}" "${all[$cfg]}"
done
awk -v b="${best[before]}" -v o="${best[off]}" -v a="${best[armed]}" \
    'BEGIN{printf "off/before %.3f   armed/before %.3f\n", o / b, a / b}'
