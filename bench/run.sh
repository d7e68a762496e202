#!/usr/bin/env bash
# Run each benchmark under qemu-i386 and emu386-user (and natively where
# this host runs i386 code), interleaved per repetition so machine load hits
# all runners alike.  Prints the best wall and CPU (user+sys) time of each,
# the emu386 slowdown ratios and their geometric means, plus the peak RSS
# of a hello world.  Not part of the test suites.
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
PROGS="int_sieve mem_chase fp_nbody fp_matmul"
for p in $PROGS hello; do
    gcc -m32 -O2 -static -mfpmath=387 -o "$BUILD/$p" "$HERE/$p.c"
done

# One probe decides whether the native column is measured.  "env" is the
# native runner's prefix so that every runner is "PREFIX PROGRAM".
declare -A PFX=([native]=env [qemu]=qemu-i386 [emu386]=$EMU)
RUNNERS="qemu emu386" NATIVE=
if probe=$(bash "$HERE/../tests/lib/host-i386.sh"); then
    RUNNERS="native $RUNNERS" NATIVE=1
    echo "native i386: measured (this host runs i386 code)"
else
    echo "native i386: not measured: ${probe#no: }"
fi

min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b + 0 < a + 0) ? b : a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (a > 0 ? a : 0.01) / (b > 0 ? b : 0.01)}'; }
gm() { awk 'BEGIN{for (i = 1; i < ARGC; i++) s += log(ARGV[i]); printf "%.2f", exp(s / (ARGC - 1))}' "$@"; }

# T[wall|cpu,PROG,RUNNER] = best of REPS; every run's checksum must match.
declare -A T
for p in $PROGS; do
    ref='' refby=''
    for _ in $(seq "$REPS"); do
        for r in $RUNNERS; do
            /usr/bin/time -o "$BUILD/time" -f "%e %U %S" "${PFX[$r]}" "$BUILD/$p" >"$BUILD/out" 2>/dev/null ||
                { echo "bench: $p failed under $r" >&2; exit 1; }
            read -r w u s < <(tail -1 "$BUILD/time")
            T[wall,$p,$r]=$(min "${T[wall,$p,$r]:-}" "$w")
            T[cpu,$p,$r]=$(min "${T[cpu,$p,$r]:-}" "$(awk "BEGIN{printf \"%.2f\", $u + $s}")")
            out=$(cat "$BUILD/out")
            [ -n "$refby" ] || { ref=$out refby=$r; }
            if [ "$out" != "$ref" ]; then
                echo "bench: $p printed different results: $refby '$ref', $r '$out'" >&2
                exit 1
            fi
        done
    done
done

row() { printf "%-10s %8s %8s %8s %10s %10s\n" "$@"; }
for m in wall cpu; do
    echo
    if [ $m = wall ]; then echo "wall-clock seconds, best of $REPS"; else echo "CPU seconds (user+sys), best of $REPS"; fi
    row program native qemu emu386 emu/native emu/qemu
    rns=() rqs=()
    for p in $PROGS; do
        tn=- rn=-
        tq=${T[$m,$p,qemu]} te=${T[$m,$p,emu386]}
        if [ -n "$NATIVE" ]; then
            tn=${T[$m,$p,native]} rn=$(ratio "$te" "$tn"); rns+=("$rn")
        fi
        rq=$(ratio "$te" "$tq"); rqs+=("$rq")
        row "$p" "$tn" "$tq" "$te" "$rn" "$rq"
    done
    gn=-; [ -z "$NATIVE" ] || gn=$(gm "${rns[@]}")
    row geomean "" "" "" "$gn" "$(gm "${rqs[@]}")"
done
echo
/usr/bin/time -o "$BUILD/time" -f %M qemu-i386 "$BUILD/hello" >/dev/null; rq=$(tail -1 "$BUILD/time")
/usr/bin/time -o "$BUILD/time" -f %M "$EMU" "$BUILD/hello" >/dev/null; re=$(tail -1 "$BUILD/time")
echo "hello world peak RSS: qemu-i386 ${rq} KiB, emu386-user ${re} KiB"
