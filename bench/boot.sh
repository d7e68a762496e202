#!/usr/bin/env bash
# Boot-to-transcript time of Debian's i386 kernel (tests/linux's kit and
# guest script) under emu386-system and under qemu-system-i386 (TCG), side
# by side in one run, interleaved: wall and CPU (user+sys) seconds, best of
# --reps, their ratios, and the peak RSS of each.  Not part of the suites.
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
ew='' ec='' er='' qw='' qc='' qr=''
for _ in $(seq "$REPS"); do
    read -r w c r < <(run emu "$EMU" -m 128M -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND" \
                          -no-reboot -serial "file:$work/emu.serial")
    ew=$(min "$ew" "$w"); ec=$(min "$ec" "$c"); er=$r
    read -r w c r < <(run qemu qemu-system-i386 -M pc -cpu pentium2 -m 128M -accel tcg -nographic -no-reboot \
                          -kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND")
    qw=$(min "$qw" "$w"); qc=$(min "$qc" "$c"); qr=$r
done
printf "%-18s %10s %10s %12s\n" "" "wall s" "CPU s" "peak RSS KiB"
printf "%-18s %10s %10s %12s\n" emu386-system "$ew" "$ec" "$er"
printf "%-18s %10s %10s %12s\n" qemu-system-i386 "$qw" "$qc" "$qr"
printf "%-18s %10.2f %10.2f %12.2f\n" "emu386 / qemu" "$(awk "BEGIN{print $ew / $qw}")" \
    "$(awk "BEGIN{print $ec / $qc}")" "$(awk "BEGIN{print $er / $qr}")"
