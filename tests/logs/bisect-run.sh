#!/usr/bin/env bash
# The test command of `git bisect run` (docs/bisecting.md): build the
# commit git checked out, run one check, and answer git bisect's way:
#   0 good, 1 bad, 125 this commit cannot be tested (it does not build,
#   or the check could not run: skip it).
# Usage, from the top of a checkout:
#   git bisect run tests/logs/bisect-run.sh ctest REGEX      a ctest test (e.g. '^cpu-i386$', '^unit/test_pci$')
#   git bisect run tests/logs/bisect-run.sh cpu NAME         one cpu-i386 program against its golden file (t_fpu or fpu)
#   git bisect run tests/logs/bisect-run.sh system KERNEL    one tests/system kernel (e-paging) against its golden file
# The build directory is $BISECT_BUILD (default /tmp/e386-bisect), reused
# from commit to commit (CMake rebuilds what changed); JOBS (default 2).
# Copy this script out of the tree first (cp tests/logs/bisect-run.sh /tmp)
# when bisecting into commits older than it.
set -u
[ $# -eq 2 ] || { sed -n 2,12p "$0" >&2; exit 128; } # git bisect run stops on >= 128
SRC=$(git rev-parse --show-toplevel) || exit 128
B=${BISECT_BUILD:-/tmp/e386-bisect}
kind=$1 what=$2
# a commit that does not configure or build is neither good nor bad
if ! cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=Debug >"$B.cmake.log" 2>&1 ||
   ! cmake --build "$B" -j"${JOBS:-2}" >"$B.build.log" 2>&1; then
    echo "bisect-run: $(git rev-parse --short HEAD) does not build: skipped (125)"
    exit 125
fi
case $kind in
ctest)
    # --no-tests=error: a commit where the test does not exist yet is untestable;
    # a test that SKIPs (77) is reported as not run: 125 below
    out=$(cd "$B" && ctest -R "$what" --no-tests=error --output-on-failure 2>&1)
    st=$?
    echo "$out" | tail -15
    if echo "$out" | grep -q "Not Run\|No tests were found\|\*\*\*Skipped"; then exit 125; fi
    [ $st -eq 0 ] && exit 0 || exit 1
    ;;
cpu)
    python3 "$SRC/tests/cpu-i386/run_suite.py" --build-dir "$B/bisect-cpu" --emu "$B/emu386-user" \
        --mode golden --only "$what"
    st=$?
    [ $st -eq 77 ] && exit 125
    [ $st -eq 0 ] && exit 0 || exit 1
    ;;
system)
    k=${what%.asm}
    mkdir -p "$B/bisect-sys"
    nasm -f bin -I "$SRC/tests/system/" -o "$B/bisect-sys/$k.bin" "$SRC/tests/system/$k.asm" || exit 125
    "$B/emu386-system" -bios "$B/bisect-sys/$k.bin" -no-reboot >"$B/bisect-sys/$k.out" 2>/dev/null
    echo "exit=$?" >>"$B/bisect-sys/$k.out" # as tests/system/run.py records it
    diff -u "$SRC/tests/system/golden/$k.txt" "$B/bisect-sys/$k.out" | head -20
    [ "${PIPESTATUS[0]}" -eq 0 ] && exit 0 || exit 1
    ;;
*)
    echo "bisect-run: unknown kind $kind (ctest, cpu, system)" >&2
    exit 128
    ;;
esac
