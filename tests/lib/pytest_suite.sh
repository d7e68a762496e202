#!/bin/bash
# A pytest scenario suite against emu386-system running a nasm-built guest:
# builds SUITE_DIR/guest.asm and runs pytest on SUITE_DIR with
#   E386_SYSTEM, E386_EMU_WRAPPER and E386_GUEST (the guest's ROM) set.
#   pytest_suite.sh --suite DIR --emu PATH [--emu-wrapper "CMD"] [--build-dir DIR] [pytest args...]
# Exit 77 (skipped, said in one loud line) when nasm or pytest is missing.
set -euo pipefail
suite= emu= wrapper= build=
while [ $# -gt 0 ]; do
    case $1 in
    --suite) suite=$(cd "$2" && pwd); shift 2 ;;
    --emu) emu=$2; shift 2 ;;
    --emu-wrapper) wrapper=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    *) break ;;
    esac
done
[ -n "$suite" ] && [ -n "$emu" ] ||
    { echo "usage: pytest_suite.sh --suite DIR --emu PATH [--emu-wrapper CMD] [--build-dir DIR]" >&2; exit 2; }
name=$(basename "$suite")
build=${build:-${TMPDIR:-/tmp}/e386-$name}
# pytest: the python3 on PATH if it has it, else Debian's; by the real
# interpreter's path (a pyenv shim picks its version by directory)
py=
for p in python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null &&
        py=$(cd "$suite" && "$p" -c 'import pytest, sys; print(sys.executable)' 2>/dev/null); then
        break
    fi
    py=
done
if [ -z "$py" ]; then
    echo "$name: SKIP: no python3 with pytest (apt-get install python3-pytest); nothing was tested"
    exit 77
fi
if ! command -v nasm >/dev/null; then
    echo "$name: SKIP: nasm is missing, the guest cannot be built; nothing was tested"
    exit 77
fi
mkdir -p "$build"
nasm -f bin -o "$build/guest.bin" "$suite/guest.asm"
export E386_SYSTEM=$emu E386_EMU_WRAPPER=$wrapper E386_GUEST=$build/guest.bin
cd "$suite"
exec "$py" -m pytest -q -rs -p no:cacheprovider --basetemp="$build/pytest" "$@" "$suite"
