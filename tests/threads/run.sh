#!/usr/bin/env bash
# The threaded programs (pthreads: mutexes, condition variables, barriers,
# TLS, cancellation, LOCK-prefixed atomics and a lock-free queue from 16
# threads, signals to threads, timed waits, raw futex operations, how
# threads end a process), built as static i386 ELFs with -pthread and run
# under emu386-user, compared with every reference this host has (expected
# files from the x86-64 twin, the live twin, native i386 where it runs).
# tests/usermode/run.sh builds and compares them (it borrows the host's
# uapi <asm/...> headers where the i386 ones are missing) through the
# samples' driver, which takes the same options (--emu, --emu-wrapper,
# --build-dir, --update-expected); the later --src and --label win.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
export CC_I386="${CC_I386:-gcc -m32} -pthread"
export CC_TWIN="${CC_TWIN:-gcc -m64} -pthread"
exec bash "$HERE/../usermode/run.sh" --build-dir "${TMPDIR:-/tmp}/emu386-threads" "$@" \
    --src "$HERE" --label threads
