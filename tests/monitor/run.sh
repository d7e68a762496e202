#!/bin/bash
# The monitor suite: pytest scenarios over QMP and the human monitor
# against emu386-system running guest.asm (docs/monitor.md).
#   run.sh --emu PATH [--emu-wrapper "CMD"] [--build-dir DIR] [pytest args...]
# Exit 77 (skipped, said in one loud line) when nasm or pytest is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
emu= wrapper= build=${TMPDIR:-/tmp}/e386-monitor
while [ $# -gt 0 ]; do
    case $1 in
    --emu) emu=$2; shift 2 ;;
    --emu-wrapper) wrapper=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    *) break ;;
    esac
done
[ -n "$emu" ] || { echo "usage: run.sh --emu PATH [--emu-wrapper CMD] [--build-dir DIR]" >&2; exit 2; }
# pytest: the python3 on PATH if it has it, else Debian's; by the real
# interpreter's path (a pyenv shim picks its version by directory)
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null &&
        py=$(cd "$here" && "$p" -c 'import pytest, sys; print(sys.executable)' 2>/dev/null); then
        break
    fi
    py=
done
if [ -z "$py" ]; then
    echo "monitor: SKIP: no python3 with pytest (apt-get install python3-pytest); nothing was tested"
    exit 77
fi
if ! command -v nasm >/dev/null; then
    echo "monitor: SKIP: nasm is missing, the guest cannot be built; nothing was tested"
    exit 77
fi
mkdir -p "$build"
nasm -f bin -o "$build/guest.bin" "$here/guest.asm"
export E386_SYSTEM=$emu E386_EMU_WRAPPER=$wrapper E386_MON_GUEST=$build/guest.bin
cd "$here"
exec "$py" -m pytest -q -rs -p no:cacheprovider --basetemp="$build/pytest" "$@" "$here"
