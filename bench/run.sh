#!/usr/bin/env bash
# Run each benchmark natively, under qemu-i386 and under emu386-user, side
# by side in one run, and print the slowdown ratios and their geometric
# means, plus the peak RSS of a hello world.  Not part of the test suites.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EMU=$HERE/../build/emu386-user BUILD=${TMPDIR:-/tmp}/emu386-bench REPS=3
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "usage: $0 [--emu PATH] [--build DIR] [--reps N]" >&2; exit 2 ;;
    esac
done
command -v qemu-i386 >/dev/null || { echo "bench: qemu-i386 missing: apt-get install qemu-user" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing: apt-get install time" >&2; exit 1; }
[ -x "$EMU" ] || { echo "bench: $EMU missing: build first (bash ci/check)" >&2; exit 1; }
mkdir -p "$BUILD"
PROGS="int_sieve mem_chase fp_nbody"
for p in $PROGS hello; do
    gcc -m32 -O2 -static -o "$BUILD/$p" "$HERE/$p.c"
done

best() { # best wall time of REPS runs of "$@", checksum into $BUILD/out
    local b=
    for _ in $(seq "$REPS"); do
        local t
        /usr/bin/time -o "$BUILD/time" -f %e "$@" >"$BUILD/out" 2>/dev/null
        t=$(tail -1 "$BUILD/time")
        if [ -z "$b" ] || awk "BEGIN{exit !($t < $b)}"; then b=$t; fi
    done
    echo "$b"
}

printf "%-10s %8s %8s %8s %10s %10s\n" program native qemu emu386 emu/native emu/qemu
gn=0 gq=0 n=0
for p in $PROGS; do
    tn=$(best "$BUILD/$p"); cn=$(cat "$BUILD/out")
    tq=$(best qemu-i386 "$BUILD/$p"); cq=$(cat "$BUILD/out")
    te=$(best "$EMU" "$BUILD/$p"); ce=$(cat "$BUILD/out")
    if [ "$cn" != "$cq" ] || [ "$cn" != "$ce" ]; then
        echo "bench: $p printed different results: native '$cn' qemu '$cq' emu386 '$ce'" >&2
        exit 1
    fi
    rn=$(awk "BEGIN{printf \"%.2f\", $te / ($tn > 0 ? $tn : 0.01)}")
    rq=$(awk "BEGIN{printf \"%.2f\", $te / ($tq > 0 ? $tq : 0.01)}")
    printf "%-10s %8s %8s %8s %10s %10s\n" "$p" "$tn" "$tq" "$te" "$rn" "$rq"
    gn=$(awk "BEGIN{print $gn + log($rn)}"); gq=$(awk "BEGIN{print $gq + log($rq)}"); n=$((n + 1))
done
printf "%-10s %8s %8s %8s %10.2f %10.2f\n" geomean "" "" "" "$(awk "BEGIN{print exp($gn / $n)}")" "$(awk "BEGIN{print exp($gq / $n)}")"
/usr/bin/time -o "$BUILD/time" -f %M qemu-i386 "$BUILD/hello" >/dev/null; rq=$(tail -1 "$BUILD/time")
/usr/bin/time -o "$BUILD/time" -f %M "$EMU" "$BUILD/hello" >/dev/null; re=$(tail -1 "$BUILD/time")
echo "hello world peak RSS: qemu-i386 ${rq} KiB, emu386-user ${re} KiB"
