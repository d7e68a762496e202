#!/usr/bin/env bash
# The threaded programs (pthreads: mutexes, condition variables, barriers,
# TLS, cancellation, LOCK-prefixed atomics and a lock-free queue from 16
# threads, signals to threads, timed waits, raw futex operations, how
# threads end a process), built as static i386 ELFs with -pthread and run
# under emu386-user, compared with every reference this host has (expected
# files from the x86-64 twin, the live twin, native i386 where it runs) by
# the samples' driver, tests/samples/run_samples.sh, which takes the same
# options (--emu, --emu-wrapper, --build-dir, --update-expected).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${TMPDIR:-/tmp}/emu386-threads
args=("$@")
while [ $# -gt 0 ]; do
    case $1 in
    --build-dir) BUILD=$2; shift 2 ;;
    *) shift ;;
    esac
done
# Some hosts ship the i386 C library headers but not the i386 kernel uapi
# <asm/...> headers that <sys/socket.h> includes.  x86's uapi asm headers
# serve both widths (they test __i386__), so the host's own are borrowed,
# searched last.
CC_I386=${CC_I386:-gcc -m32}
CC_I386="$CC_I386 -pthread"
export CC_TWIN="${CC_TWIN:-gcc -m64} -pthread"
if ! echo '#include <sys/socket.h>' | $CC_I386 -E -x c - >/dev/null 2>&1; then
    for asm in /usr/include/x86_64-linux-gnu/asm /usr/include/i386-linux-gnu/asm; do
        if [ -d "$asm" ]; then
            mkdir -p "$BUILD/asm-shim"
            ln -sfn "$asm" "$BUILD/asm-shim/asm"
            CC_I386="$CC_I386 -idirafter $BUILD/asm-shim"
            break
        fi
    done
fi
export CC_I386
exec bash "$HERE/../samples/run_samples.sh" --src "$HERE" --kinds static --label threads \
    --build-dir "$BUILD" "${args[@]}"
