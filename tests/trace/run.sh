#!/bin/bash
# The irqsoff tracer's suite (docs/tracing.md): pytest scenarios against
# emu386-system running irqsoff.asm, built here with its symbol map.
#   run.sh --emu PATH [--emu-wrapper "CMD"] [--build-dir DIR] [pytest args...]
# Exit 77 (skipped, said in one loud line) when nasm or pytest is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
emu= wrapper= build=
while [ $# -gt 0 ]; do
    case $1 in
    --emu) emu=$2; shift 2 ;;
    --emu-wrapper) wrapper=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    *) break ;;
    esac
done
[ -n "$emu" ] || { echo "usage: run.sh --emu PATH [--emu-wrapper CMD] [--build-dir DIR]" >&2; exit 2; }
build=${build:-${TMPDIR:-/tmp}/e386-trace}
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null &&
        py=$(cd "$here" && "$p" -c 'import pytest, sys; print(sys.executable)' 2>/dev/null); then
        break
    fi
    py=
done
if [ -z "$py" ]; then
    echo "trace: SKIP: no python3 with pytest (apt-get install python3-pytest); nothing was tested"
    exit 77
fi
if ! command -v nasm >/dev/null; then
    echo "trace: SKIP: nasm is missing, the test kernel cannot be built; nothing was tested"
    exit 77
fi
mkdir -p "$build"
# nasm's map file gives every label's offset, which is its EIP (CS base
# 0xF0000, lib.inc): -P puts the [map] directive in front of the source
for v in plain wait; do
    def=; [ $v = wait ] && def=-DWAIT_AT_END
    echo "[map symbols $build/irqsoff-$v.nasm-map]" >"$build/map-$v.inc"
    nasm -f bin -w+all -I "$here/../system/" -P "$build/map-$v.inc" $def \
        -o "$build/irqsoff-$v.bin" "$here/irqsoff.asm"
    "$py" "$here/nasm2map.py" <"$build/irqsoff-$v.nasm-map" >"$build/irqsoff-$v.System.map"
done
export E386_SYSTEM=$emu E386_EMU_WRAPPER=$wrapper E386_TRACE_BUILD=$build
cd "$here"
exec "$py" -m pytest -q -rs -p no:cacheprovider --basetemp="$build/pytest" "$@" "$here"
