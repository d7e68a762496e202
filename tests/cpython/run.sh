#!/usr/bin/env bash
# CPython 3.11's own regression tests (Debian's i386 python3.11 and its
# libpython3.11-testsuite) under emu386-user and under qemu-i386, side by
# side: per module the tests that pass, fail, error and skip under each,
# and the tests that pass under qemu-i386 but not under emu386 (issue 15:
# emu386 must do at least as well on every module).  Not part of the
# suites (it takes long); the packages are fetched once with
# `apt-get download` (i386 must be a dpkg foreign architecture) and
# unpacked into a sysroot cached in ~/.cache/emu386/cpython.
#
# usage: tests/cpython/run.sh [--emu PATH] [--no-qemu] [--timeout S] [--logs DIR] [MODULE...]
#   --logs DIR: keep each run's unittest log and result list there
#   default modules: the issue's list
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
EMU=$HERE/../../build/emu386-user
QEMU=qemu-i386
TIMEOUT=1800
LOGS=
MODULES=()
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --no-qemu) QEMU=; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --logs) LOGS=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) MODULES+=("$1"); shift ;;
    esac
done
[ ${#MODULES[@]} -gt 0 ] || MODULES=(test_threading test_socket test_select test_subprocess test_signal
    test_os test_posix test_sqlite3 test_pickle test_decimal test_functools test_time test_hashlib
    test_itertools)
[ -x "$EMU" ] || { echo "cpython: no emu386-user at $EMU (build first, or --emu PATH)" >&2; exit 2; }
if [ -n "$QEMU" ] && ! command -v "$QEMU" >/dev/null; then
    echo "cpython: NOTE: no qemu-i386 (apt-get install qemu-user): emu386 alone, no comparison"
    QEMU=
fi

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/emu386/cpython
ROOT=$CACHE/root
PKGS="python3.11:i386 python3.11-minimal:i386 libpython3.11-minimal:i386 libpython3.11-stdlib:i386
 libpython3.11-testsuite libc6:i386 libgcc-s1:i386 zlib1g:i386 libexpat1:i386 libffi8:i386
 libssl3:i386 libsqlite3-0:i386 libbz2-1.0:i386 liblzma5:i386 libncursesw6:i386
 libtinfo6:i386 libreadline8:i386 libuuid1:i386 libdb5.3:i386 libgdbm6:i386 libgdbm-compat4:i386
 libcrypt1:i386 libnsl2:i386 libtirpc3:i386 libgssapi-krb5-2:i386 libkrb5-3:i386
 libk5crypto3:i386 libkrb5support0:i386 libcom-err2:i386 libkeyutils1:i386 libmd0:i386"
if [ ! -x "$ROOT/usr/bin/python3.11" ]; then
    if ! dpkg --print-foreign-architectures | grep -qx i386; then
        echo "cpython: i386 is not a dpkg architecture here: dpkg --add-architecture i386 && apt-get update" >&2
        exit 77
    fi
    mkdir -p "$CACHE/debs" "$ROOT"
    (cd "$CACHE/debs" && apt-get download $PKGS >/dev/null) ||
        { echo "cpython: apt-get download failed (no package mirror?)" >&2; exit 77; }
    for d in "$CACHE"/debs/*.deb; do dpkg-deb -x "$d" "$ROOT"; done
fi
PY=$ROOT/usr/bin/python3.11
WORK=$(mktemp -d "${TMPDIR:-/tmp}/emu386-cpython.XXXXXX")
trap 'if [ -n "$LOGS" ]; then mkdir -p "$LOGS" && cp "$WORK"/*.log "$WORK"/*.res "$LOGS"/ 2>/dev/null; fi; rm -rf "$WORK"' EXIT

# one module under one emulator: the unittest -v lines
run_module() { # name emulator... -- module
    local name=$1; shift
    local mod=${*: -1}
    local -a cmd=("${@:1:$#-1}")
    (cd "$WORK" && HOME=$WORK TMPDIR=$WORK timeout "$TIMEOUT" "${cmd[@]}" -L "$ROOT" "$PY" -X faulthandler \
        -m unittest -v "test.$mod") > "$WORK/$name.$mod.log" 2>&1
    echo $? > "$WORK/$name.$mod.status"
}

# "test_x (module.Class.test_x) ... ok" -> "module.Class.test_x ok"
results() { # log
    sed -n -E 's/^([A-Za-z_0-9]+) \(([A-Za-z_0-9.]+)\)( \.\.\.|.*\.\.\.) (ok|FAIL|ERROR|skipped|expected failure|unexpected success).*/\2 \4/p' "$1" |
        sed -E 's/ (skipped|expected failure)$/ skip/; s/ unexpected success$/ FAIL/' | sort -u
}

count() { # results file, kind
    awk -v k="$2" '$NF == k' "$1" | wc -l
}

printf '%-18s %28s %28s  %s\n' module "emu386 ok/fail/err/skip" "qemu-i386 ok/fail/err/skip" "worse under emu386"
worse_total=0
for m in "${MODULES[@]}"; do
    run_module emu "$EMU" "$m"
    results "$WORK/emu.$m.log" > "$WORK/emu.$m.res"
    e="$(count "$WORK/emu.$m.res" ok)/$(count "$WORK/emu.$m.res" FAIL)/$(count "$WORK/emu.$m.res" ERROR)/$(count "$WORK/emu.$m.res" skip)"
    [ "$(cat "$WORK/emu.$m.status")" = 124 ] && e="$e TIMEOUT"
    q=- worse=-
    if [ -n "$QEMU" ]; then
        run_module qemu "$QEMU" "$m"
        results "$WORK/qemu.$m.log" > "$WORK/qemu.$m.res"
        q="$(count "$WORK/qemu.$m.res" ok)/$(count "$WORK/qemu.$m.res" FAIL)/$(count "$WORK/qemu.$m.res" ERROR)/$(count "$WORK/qemu.$m.res" skip)"
        [ "$(cat "$WORK/qemu.$m.status")" = 124 ] && q="$q TIMEOUT"
        # tests that pass under qemu-i386 and not under emu386
        awk '$NF == "ok" {print $1}' "$WORK/qemu.$m.res" | sort > "$WORK/q.ok"
        awk '$NF == "ok" {print $1}' "$WORK/emu.$m.res" | sort > "$WORK/e.ok"
        comm -23 "$WORK/q.ok" "$WORK/e.ok" > "$WORK/worse.$m"
        worse=$(wc -l < "$WORK/worse.$m")
        worse_total=$((worse_total + worse))
    fi
    printf '%-18s %28s %28s  %s\n' "$m" "$e" "$q" "$worse"
    if [ -n "$QEMU" ] && [ -s "$WORK/worse.$m" ]; then
        head -n 10 "$WORK/worse.$m" | sed 's/^/    /'
        [ "$worse" -gt 10 ] && echo "    ... ($worse in all)"
    fi
done
[ -n "$QEMU" ] && echo "cpython: $worse_total tests pass under qemu-i386 but not under emu386"
[ -n "$QEMU" ] && [ "$worse_total" -gt 0 ] && exit 1
exit 0
