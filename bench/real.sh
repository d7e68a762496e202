#!/usr/bin/env bash
# Real programs: Debian's own i386 busybox, lua5.4, sqlite3 and python3.11
# (plus our C programs as a second set) under qemu-i386 and emu386-user,
# and natively where this host runs i386 code, interleaved per repetition.
# Prints the best CPU (user+sys) and wall seconds of each runner, the
# emu386/qemu-i386 CPU ratio per workload and the geometric mean.  Every
# run's output must have the reference run's md5 (native where measured,
# otherwise qemu-i386); a workload that fails or differs under emu386 is
# listed as FAILED, never dropped.  Not part of the test suites.
#   bash bench/real.sh [--emu PATH] [--reps N] [--quick] [--only a,b] [--list]
#   bash bench/real.sh --base OLD: also runs the emu386-user OLD (the build
#       before a change) interleaved with the others, and prints its CPU
#       time, emu386/OLD per workload and the geometric means against
#       qemu-i386 of both (a before/after measured in one run)
#   --base-accel MODE: run OLD with -accel MODE (native, interp): with
#       --base the same build, the two engines of one build side by side
#   --emu-accel MODE: run the emu386 under test (timing and --perf) with
#       -accel MODE (interp measures the portable engine on an x86-64 host)
#   bash bench/real.sh --perf DIR [--quick] [--only a,b]: instead of timing,
#       profile each workload once under emu386 with perf (cpu-clock) and
#       print its top functions (DIR keeps the perf.data files; the native
#       back end's blocks show as e386:<guest address>, E386_PERF_MAP)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EMU=$HERE/../build/emu386-user REPS=3 QUICK= ONLY= CACHE=${EMU386_BENCH_CACHE:-$HOME/.cache/emu386-bench}
usage() { echo "usage: $0 [--emu PATH] [--base PATH] [--base-accel MODE] [--emu-accel MODE] [--reps N] [--quick] [--only w1,w2,...] [--cache DIR] [--list]" >&2; exit 2; }
LIST= PERF= BASE= BASE_ACCEL=() EMU_ACCEL=()
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    --base-accel) BASE_ACCEL=(-accel "$2"); shift 2 ;;
    --emu-accel) EMU_ACCEL=(-accel "$2"); shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --cache) CACHE=$2; shift 2 ;;
    --list) LIST=1; shift ;;
    --perf) PERF=$2; shift 2 ;;
    *) usage ;;
    esac
done

# name:set -- the order of the table.
WORKLOADS="gzip gunzip md5sum sha256sum sort lua-binary-trees lua-nbody lua-spectral-norm lua-fannkuch
python-builtins sqlite c-int_sieve c-mem_chase c-fp_nbody c-fp_matmul"
if [ -n "$LIST" ]; then echo $WORKLOADS | tr ' ' '\n'; exit 0; fi
if [ -n "$ONLY" ]; then
    for w in ${ONLY//,/ }; do
        case " $(echo $WORKLOADS) " in *" $w "*) ;; *) echo "bench: unknown workload $w (--list)" >&2; exit 2 ;; esac
    done
    WORKLOADS=${ONLY//,/ }
fi

command -v qemu-i386 >/dev/null || { echo "bench: qemu-i386 missing: apt-get install qemu-user" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing: apt-get install time" >&2; exit 1; }
[ -x "$EMU" ] || { echo "bench: $EMU missing: build first (cmake -DCMAKE_BUILD_TYPE=Release)" >&2; exit 1; }
EMU=$(cd "$(dirname "$EMU")" && pwd)/$(basename "$EMU")
if [ -n "$BASE" ]; then
    [ -x "$BASE" ] || { echo "bench: $BASE missing" >&2; exit 1; }
    BASE=$(cd "$(dirname "$BASE")" && pwd)/$(basename "$BASE")
fi

# --- the programs: Debian's i386 packages and their runtime dependencies,
# downloaded once with apt-get (the dependencies followed with apt-cache)
# and extracted into one sysroot.
SYS=$CACHE/sysroot
if [ ! -x "$SYS/usr/bin/python3.11" ] || [ ! -x "$SYS/bin/busybox" ] || [ ! -x "$SYS/usr/bin/sqlite3" ] ||
    [ ! -x "$SYS/usr/bin/lua5.4" ]; then
    dpkg --print-foreign-architectures | grep -qx i386 || {
        echo "bench: the i386 architecture is not enabled: dpkg --add-architecture i386 && apt-get update" >&2; exit 1; }
    mkdir -p "$CACHE/debs"
    pkgs=$({ echo busybox-static:i386
             apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
                 --no-replaces --no-enhances lua5.4:i386 sqlite3:i386 python3.11:i386; } |
           grep -E '^[a-z0-9][a-z0-9.+-]*:i386$' | grep -vE '^(dpkg|install-info|tar|gcc-12-base):' | sort -u)
    echo "bench: downloading $(echo $pkgs | wc -w) i386 packages into $CACHE/debs" >&2
    (cd "$CACHE/debs" && apt-get download $pkgs >/dev/null)
    rm -rf "$SYS.tmp" && mkdir -p "$SYS.tmp"
    for d in "$CACHE"/debs/*_i386.deb; do dpkg-deb -x "$d" "$SYS.tmp"; done
    rm -rf "$SYS" && mv "$SYS.tmp" "$SYS"
fi
# The sysroot's own loader cache: without one, ld.so under qemu-i386 -L
# reads the host's (x86-64) cache and, on some hosts, gives up on
# /lib/i386-linux-gnu before sqlite3's libreadline.so.8 is looked up there
# (exit 127).  Built with the host's ldconfig, which reads i386 libraries.
if [ ! -e "$SYS/etc/ld.so.cache" ]; then
    echo 'include /etc/ld.so.conf.d/*.conf' > "$SYS/etc/ld.so.conf"
    ldconfig -r "$SYS" || { echo "bench: ldconfig -r $SYS failed" >&2; exit 1; }
fi

# --- inputs, generated deterministically and cached by size.
if [ -n "$QUICK" ]; then TEXT_SIZE=2097152 LINES=20000; else TEXT_SIZE=20971520 LINES=200000; fi
IN=$CACHE/inputs
mkdir -p "$IN"
TEXT=$IN/text-$TEXT_SIZE.txt SORTIN=$IN/lines-$LINES.txt
# each made aside and renamed, so a concurrent run never reads half a file
[ -s "$TEXT" ] || { python3 "$HERE/real/gen_input.py" text "$TEXT_SIZE" "$TEXT.$$" && mv -f "$TEXT.$$" "$TEXT"; }
[ -s "$SORTIN" ] || { python3 "$HERE/real/gen_input.py" lines "$LINES" "$SORTIN.$$" && mv -f "$SORTIN.$$" "$SORTIN"; }
[ -s "$TEXT.gz" ] || { gzip -6nc "$TEXT" >"$TEXT.gz.$$" && mv -f "$TEXT.gz.$$" "$TEXT.gz"; }
# the C set, built the way bench/run.sh builds it
CBIN=${TMPDIR:-/tmp}/emu386-bench-real
mkdir -p "$CBIN"
for p in int_sieve mem_chase fp_nbody fp_matmul; do
    [ "$CBIN/$p" -nt "$HERE/$p.c" ] || gcc -m32 -O2 -static -mfpmath=387 -o "$CBIN/$p" "$HERE/$p.c"
done
if [ -n "$QUICK" ]; then
    N_BT=12 N_NB=20000 N_SN=100 N_FK=8 N_PY=30000 N_SQL=20000
else
    N_BT=15 N_NB=200000 N_SN=300 N_FK=10 N_PY=300000 N_SQL=200000
fi
# written aside and renamed: another run may be reading the old file
SQL=$IN/workload-$N_SQL.sql
sed "s/@N@/$N_SQL/" "$HERE/real/workload.sql" >"$SQL.$$"
if cmp -s "$SQL.$$" "$SQL"; then rm -f "$SQL.$$"; else mv -f "$SQL.$$" "$SQL"; fi

# wl NAME: sets CMD (the guest command line), STDIN and DYN (needs the
# sysroot's loader natively).
wl() {
    STDIN=/dev/null DYN=
    case $1 in
    gzip) CMD=("$SYS/bin/busybox" gzip -c "$TEXT") ;;
    gunzip) CMD=("$SYS/bin/busybox" gunzip -c "$TEXT.gz") ;;
    md5sum) CMD=("$SYS/bin/busybox" md5sum "$TEXT") ;;
    sha256sum) CMD=("$SYS/bin/busybox" sha256sum "$TEXT") ;;
    sort) CMD=("$SYS/bin/busybox" sort "$SORTIN") ;;
    lua-binary-trees) CMD=("$SYS/usr/bin/lua5.4" "$HERE/real/binary_trees.lua" $N_BT) DYN=1 ;;
    lua-nbody) CMD=("$SYS/usr/bin/lua5.4" "$HERE/real/nbody.lua" $N_NB) DYN=1 ;;
    lua-spectral-norm) CMD=("$SYS/usr/bin/lua5.4" "$HERE/real/spectral_norm.lua" $N_SN) DYN=1 ;;
    lua-fannkuch) CMD=("$SYS/usr/bin/lua5.4" "$HERE/real/fannkuch.lua" $N_FK) DYN=1 ;;
    python-builtins) CMD=("$SYS/usr/bin/python3.11" -S "$HERE/real/builtins.py" $N_PY) DYN=1 ;;
    sqlite) CMD=("$SYS/usr/bin/sqlite3" -batch :memory:) STDIN=$SQL DYN=1 ;;
    c-*) CMD=("$CBIN/${1#c-}") ;;
    esac
}
# Python finds its library in the sysroot under every runner alike.
export PYTHONHOME=$SYS/usr PYTHONHASHSEED=0
LIBPATH=$SYS/lib/i386-linux-gnu:$SYS/usr/lib/i386-linux-gnu
prefix() { # RUNNER: sets PFX
    case $1 in
    native) if [ -n "$DYN" ]; then PFX=("$SYS/lib/ld-linux.so.2" --library-path "$LIBPATH"); else PFX=(env); fi ;;
    qemu) PFX=(qemu-i386 -L "$SYS") ;;
    emu386) PFX=("$EMU" ${EMU_ACCEL[@]+"${EMU_ACCEL[@]}"} -L "$SYS") ;;
    base) PFX=("$BASE" ${BASE_ACCEL[@]+"${BASE_ACCEL[@]}"} -L "$SYS") ;;
    esac
}

if [ -n "$PERF" ]; then
    command -v perf >/dev/null || { echo "bench: perf missing: apt-get install linux-perf" >&2; exit 1; }
    mkdir -p "$PERF"
    for w in $WORKLOADS; do
        wl "$w"
        prefix emu386
        # the native back end names its blocks' code e386:<guest address> for perf
        E386_PERF_MAP=1 perf record -q -e cpu-clock -F 1999 -o "$PERF/$w.data" -- "${PFX[@]}" "${CMD[@]}" <"$STDIN" >/dev/null 2>"$PERF/$w.err" ||
            { echo "== $w: FAILED under emu386: $(tail -1 "$PERF/$w.err")"; continue; }
        echo "== $w"
        perf report -i "$PERF/$w.data" --no-children --sort symbol --stdio 2>/dev/null |
            grep -E '^ +[0-9.]+%' | head -12 | sed -E "s/[ -]+$//" || true
    done
    exit 0
fi

RUNNERS="qemu emu386" NATIVE= REF=qemu
[ -z "$BASE" ] || RUNNERS="qemu base emu386"
if probe=$(bash "$HERE/../tests/lib/host-i386.sh"); then
    RUNNERS="native $RUNNERS" NATIVE=1 REF=native
    echo "native i386: measured (this host runs i386 code); outputs checked against the native run"
else
    echo "############################################################################"
    echo "## native i386: NOT MEASURED on this host: ${probe#no: }"
    echo "## the reference is qemu-i386: outputs are checked against its run"
    echo "############################################################################"
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start;" \
    "$([ -n "$QUICK" ] && echo quick inputs || echo full inputs), best of $REPS"

min() { awk -v a="$1" -v b="$2" 'BEGIN{print (a == "" || b + 0 < a + 0) ? b : a}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (a > 0 ? a : 0.01) / (b > 0 ? b : 0.01)}'; }
gm() { awk 'BEGIN{for (i = 1; i < ARGC; i++) s += log(ARGV[i]); printf "%.2f", exp(s / (ARGC - 1))}' "$@"; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# T[cpu|wall,W,RUNNER] best time; FAIL[W,RUNNER] why it failed; REFMD5[W]
declare -A T FAIL REFMD5
for w in $WORKLOADS; do
    wl "$w"
    for _ in $(seq "$REPS"); do
        for r in $RUNNERS; do
            [ -z "${FAIL[$w,$r]:-}" ] || continue
            prefix "$r"
            rc=0
            /usr/bin/time -o "$WORK/time" -f "%e %U %S" "${PFX[@]}" "${CMD[@]}" <"$STDIN" >"$WORK/out" 2>"$WORK/err" || rc=$?
            if [ $rc != 0 ]; then
                why=$({ grep -v '^Command exited' "$WORK/err" || true; } | tail -1)
                [ -n "$why" ] || why=$(grep -i 'signal' "$WORK/time" || true)
                FAIL[$w,$r]="exit $rc${why:+: $why}"
                echo "bench: $w FAILED under $r: ${FAIL[$w,$r]}" >&2
                continue
            fi
            read -r wall u s < <(tail -1 "$WORK/time")
            md5=$(md5sum <"$WORK/out" | cut -d' ' -f1)
            if [ $r = $REF ]; then
                [ -n "${REFMD5[$w]:-}" ] || REFMD5[$w]=$md5
            fi
            if [ -n "${REFMD5[$w]:-}" ] && [ "$md5" != "${REFMD5[$w]}" ]; then
                FAIL[$w,$r]="output md5 $md5, $REF printed ${REFMD5[$w]}"
                echo "bench: $w FAILED under $r: ${FAIL[$w,$r]}" >&2
                continue
            fi
            T[cpu,$w,$r]=$(min "${T[cpu,$w,$r]:-}" "$(awk "BEGIN{printf \"%.2f\", $u + $s}")")
            T[wall,$w,$r]=$(min "${T[wall,$w,$r]:-}" "$wall")
        done
    done
    [ -n "${REFMD5[$w]:-}" ] || echo "bench: $w: the reference ($REF) did not run: no output to check against" >&2
done

row() { printf "%-18s %8s %8s %8s %9s %8s %8s %8s\n" "$@"; }
echo
echo "CPU seconds (user+sys) and wall seconds, best of $REPS; ratios are CPU time"
row workload "native" "qemu" "emu386" "emu/qemu" "wall-nat" "wall-q" "wall-emu"
rqs=() failed=0
for w in $WORKLOADS; do
    c=() wl_=()
    for r in native qemu emu386; do
        if [[ " $RUNNERS " != *" $r "* ]]; then c+=(-) wl_+=(-)
        elif [ -n "${FAIL[$w,$r]:-}" ]; then c+=(FAILED) wl_+=(-)
        else c+=("${T[cpu,$w,$r]}") wl_+=("${T[wall,$w,$r]}"); fi
    done
    rq=-
    if [ -n "${FAIL[$w,emu386]:-}" ]; then rq=FAILED failed=$((failed + 1))
    elif [ -z "${FAIL[$w,qemu]:-}" ]; then rq=$(ratio "${c[2]}" "${c[1]}"); rqs+=("$rq"); fi
    row "$w" "${c[@]}" "$rq" "${wl_[@]}"
done
[ ${#rqs[@]} = 0 ] || row "geomean" "" "" "" "$(gm "${rqs[@]}")" "" "" ""
if [ -n "$BASE" ]; then
    # before/after: workloads where qemu, base and emu386 all ran
    echo
    echo "before ($BASE) and after ($EMU), CPU seconds, best of $REPS"
    brow() { printf "%-18s %8s %8s %9s %10s %9s\n" "$@"; }
    brow workload before after after/bef before/qemu after/qemu
    rb=() rbq=() raq=()
    for w in $WORKLOADS; do
        if [ -n "${FAIL[$w,base]:-}${FAIL[$w,emu386]:-}${FAIL[$w,qemu]:-}" ]; then
            brow "$w" - - FAILED - -
            continue
        fi
        b=${T[cpu,$w,base]} a=${T[cpu,$w,emu386]} q=${T[cpu,$w,qemu]}
        rb+=("$(ratio "$a" "$b")") rbq+=("$(ratio "$b" "$q")") raq+=("$(ratio "$a" "$q")")
        brow "$w" "$b" "$a" "$(ratio "$a" "$b")" "$(ratio "$b" "$q")" "$(ratio "$a" "$q")"
    done
    [ ${#rb[@]} = 0 ] || brow geomean "" "" "$(gm "${rb[@]}")" "$(gm "${rbq[@]}")" "$(gm "${raq[@]}")"
fi
for w in $WORKLOADS; do
    for r in $RUNNERS; do
        [ -z "${FAIL[$w,$r]:-}" ] || echo "FAILED: $w under $r: ${FAIL[$w,$r]}"
    done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ $failed = 0 ]
