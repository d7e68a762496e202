#!/usr/bin/env bash
# Boot-to-transcript time of Debian's i386 kernel (tests/linux's kit and
# guest script) under emu386-system, with each of its engines (-accel
# native where built, and interp), and under qemu-system-i386 (TCG), side
# by side in one run, interleaved: wall and CPU (user+sys) seconds, best of
# --reps, the peak RSS of each and the ratios to qemu's.  Not part of the
# suites.
#   bash bench/boot.sh [--emu build/emu386-system] [--reps 3]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EMU=$HERE/../build/emu386-system REPS=3
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "usage: $0 [--emu PATH] [--reps N]" >&2; exit 2 ;;
    esac
done
command -v qemu-system-i386 >/dev/null || { echo "bench: qemu-system-i386 missing: apt-get install qemu-system-x86" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing: apt-get install time" >&2; exit 1; }
[ -x "$EMU" ] || { echo "bench: $EMU missing: build first (bash ci/check)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eval "$(bash "$HERE/../tests/linux/kit.sh" -q -s "$HERE/../tests/linux/guest.sh" -o "$work/initrd.gz")"
APPEND="console=ttyS0 noapic nolapic acpi=off panic=-1"
# both machines as alike as they can be: 128 MiB, a P6 without SSE, no
# reboot, the serial console to a file
run() { # name command...: one boot; "wall cpu rss" on stdout
    local name=$1; shift
    /usr/bin/time -o "$work/time" -f "%e %U %S %M" "$@" </dev/null >"$work/$name.out" 2>"$work/$name.err" || true
    grep -q "emu386 guest: end" "$work/$name.serial" 2>/dev/null || grep -q "emu386 guest: end" "$work/$name.out" ||
        { echo "bench: $name did not reach the end of the transcript" >&2; tail -5 "$work/$name.out" >&2; exit 1; }
    awk '{printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$work/time"
}
min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b + 0 < a + 0) ? b : a}'; }
# both of emu386's engines (when the build has the native back end) and
# qemu-system-i386 (TCG), interleaved in each repetition
ENGINES="native interp"
declare -A W C R
for _ in $(seq "$REPS"); do
    for e in $ENGINES; do
        out=$(run "emu-$e" "$EMU" -accel "$e" -m 128M -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" \
                  -no-reboot -serial "file:$work/emu-$e.serial" 2>/dev/null) || {
            grep -q "not built for this host" "$work/emu-$e.err" 2>/dev/null || { cat "$work/emu-$e.err" >&2; exit 1; }
            echo "bench: -accel $e is not built for this host: not measured" >&2
            ENGINES=${ENGINES/$e/}; continue; }
        read -r w c r <<<"$out"
        W[$e]=$(min "${W[$e]:-}" "$w"); C[$e]=$(min "${C[$e]:-}" "$c"); R[$e]=$r
    done
    read -r w c r < <(run qemu qemu-system-i386 -M pc -cpu pentium2 -m 128M -accel tcg -nographic -no-reboot \
                          -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND")
    W[qemu]=$(min "${W[qemu]:-}" "$w"); C[qemu]=$(min "${C[qemu]:-}" "$c"); R[qemu]=$r
done
printf "%-28s %8s %8s %12s %12s %12s\n" "" "wall s" "CPU s" "peak RSS KiB" "wall / qemu" "CPU / qemu"
for e in $ENGINES qemu; do
    name="emu386-system -accel $e"
    [ "$e" != qemu ] || name=qemu-system-i386
    printf "%-28s %8s %8s %12s %12.2f %12.2f\n" "$name" "${W[$e]}" "${C[$e]}" "${R[$e]}" \
        "$(awk "BEGIN{print ${W[$e]} / ${W[qemu]}}")" "$(awk "BEGIN{print ${C[$e]} / ${C[qemu]}}")"
done
