#!/usr/bin/env bash
# Build the sample programs as i386 ELFs (static and dynamic), run each
# natively and under emu386-user, and compare stdout and exit status.
set -u
EMU= WRAP= BUILD=${TMPDIR:-/tmp}/emu386-samples
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --emu-wrapper) WRAP=$2; shift 2 ;; # e.g. "qemu-s390x -L /usr/s390x-linux-gnu"
    --build-dir) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 --emu PATH [--emu-wrapper CMD] [--build-dir DIR]" >&2; exit 2 ;;
    esac
done
[ -x "$EMU" ] || { echo "samples: emulator '$EMU' not found" >&2; exit 2; }
SRC=$(cd "$(dirname "$0")" && pwd)
CC_I386=${CC_I386:-gcc -m32}
mkdir -p "$BUILD"
native_ok=1
case $(uname -m) in x86_64|i?86) ;; *) native_ok=0 ;; esac
pass=0 fail=0
for src in "$SRC"/*.c; do
    name=$(basename "$src" .c)
    if [ -n "$WRAP" ] && [ "$name" = exec_self ]; then
        echo "samples: SKIP exec_self: under '$WRAP' the emulator's execve of itself is a foreign binary that qemu-user cannot start without binfmt_misc" >&2
        continue
    fi
    for kind in static dynamic; do
        bin=$BUILD/$name-$kind
        flags="-O2"
        [ $kind = static ] && flags="$flags -static"
        if ! $CC_I386 $flags -o "$bin" "$src" 2>"$bin.cc.log"; then
            echo "samples: FAIL $name ($kind): cannot compile"; cat "$bin.cc.log"; fail=$((fail + 1)); continue
        fi
        # started by a relative path, as from a shell: ./name
        (cd "$BUILD" && $WRAP "$EMU" "./$name-$kind") >"$bin.emu.out" 2>"$bin.emu.err"
        echo "exit=$?" >>"$bin.emu.out"
        if [ $native_ok = 1 ]; then
            (cd "$BUILD" && "./$name-$kind") >"$bin.native.out" 2>/dev/null
            echo "exit=$?" >>"$bin.native.out"
        else
            echo "samples: SKIP $name ($kind): this host cannot run i386 code natively" >&2
            continue
        fi
        if cmp -s "$bin.native.out" "$bin.emu.out"; then
            pass=$((pass + 1))
        else
            echo "samples: FAIL $name ($kind): output differs"
            diff "$bin.native.out" "$bin.emu.out" | head -20
            head -5 "$bin.emu.err"
            fail=$((fail + 1))
        fi
    done
done
echo "samples: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
