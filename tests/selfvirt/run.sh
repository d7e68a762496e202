#!/usr/bin/env bash
# Self-virtualization: the i386 build of emu386-user (the guest emulator)
# runs under emu386-user (the host emulator, maybe itself under qemu-user
# on a cross host) and there runs the samples and a cpu-i386 subset.  The
# outputs must equal the same references as a direct run: expected files,
# golden files, and the x86-64 twins where this host has them.
set -u
HOST_EMU= HOST_WRAP= GUEST_EMU= BUILD=${TMPDIR:-/tmp}/emu386-selfvirt
while [ $# -gt 0 ]; do
    case $1 in
    --host-emu) HOST_EMU=$2; shift 2 ;;
    --host-wrapper) HOST_WRAP=$2; shift 2 ;;
    --guest-emu) GUEST_EMU=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    *) echo "usage: $0 --host-emu PATH [--host-wrapper CMD] --guest-emu PATH [--build-dir DIR]" >&2; exit 2 ;;
    esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$HOST_EMU" ] || { echo "selfvirt: host emulator '$HOST_EMU' not found" >&2; exit 2; }
if [ ! -x "$GUEST_EMU" ]; then
    echo "selfvirt: SKIPPED: no i386 build of emu386-user at $GUEST_EMU: the i386 compiler" \
         "(${CC_I386:-gcc -m32}) cannot build static programs here (Debian: apt-get install libc6-dev-i386 lib32gcc-12-dev)"
    exit 77
fi
# The programs that run twice emulated: every sample, and the cpu-i386
# programs that reach signal frames, faults, segments, 16-bit code,
# self-modifying code, single-step, the x87 environment and the integer
# groups that are cheap enough (about a hundred times slower than one
# level of emulation; the big sweeps run one level deep in cpu-i386).
CPU_SUBSET="signals sigfpe exceptions smc seg code16 singlestep bitops misc fpu_env fpu"
# When the host emulator is itself slow -- under qemu-user on a cross host,
# or an -O0 coverage build (E386_SELFVIRT_SUBSET=small) -- three levels of
# emulation multiply: keep the programs that reach the most host code per
# instruction (signals, faults, segments, 16-bit code, SMC, the x87
# environment) and leave the integer and x87 sweeps to cpu-i386.
if [ -n "$HOST_WRAP" ] || [ "${E386_SELFVIRT_SUBSET:-}" = small ]; then
    CPU_SUBSET="signals sigfpe exceptions smc seg code16 singlestep fpu_env"
    echo "selfvirt: the host emulator is slow here: the small subset ($CPU_SUBSET)"
fi
WRAP="$HOST_WRAP${HOST_WRAP:+ }$HOST_EMU"
echo "selfvirt: $GUEST_EMU (i386) under $WRAP"
fail=0
bash "$HERE/../samples/run_samples.sh" --emu "$GUEST_EMU" --emu-wrapper "$WRAP" \
    --build-dir "$BUILD/samples" || fail=1
only=()
for t in $CPU_SUBSET; do only+=(--only "$t"); done
python3 "$HERE/../cpu-i386/run_suite.py" --build-dir "$BUILD/cpu" --emu "$GUEST_EMU" \
    --emu-wrapper "$WRAP" "${only[@]}" || fail=1
if [ $fail = 0 ]; then echo "selfvirt: passed"; else echo "selfvirt: FAILED"; fi
exit $fail
