#!/bin/bash
# tests/linux: Debian's i386 kernel boots under emu386-system with a busybox
# initramfs whose /init runs guest.sh; the transcript (the lines between
# the begin and end markers) must equal expected.txt, and two runs with
# -icount must give byte-identical serial output (kernel log included).
#
# usage: tests/linux/run.sh [--emu PATH] [--timeout SECONDS] [--icount N]
#                           [--keep DIR] [--expected] [--short]
#                           [--wrapper CMD] [--against-qemu]
#   --emu PATH      emu386-system (default: $E386_SYSTEM, else ./emu386-system,
#                   else build/emu386-system)
#   --timeout S     wall-time limit of one boot (default 900)
#   --icount N      the -icount shift (default 3: 8 ns an instruction)
#   --keep DIR      keep the serial output of both runs there
#   --expected      the oracle: run guest.sh with the host's own sh, awk and
#                   coreutils, and compare with expected.txt (no emulator;
#                   the committed file was made this way)
#   --short         the short transcript (short.sh, expected-short.txt: uname
#                   and one computation), one boot, for the sanitizer legs;
#                   the two-run determinism check stays with the full boot
#   --wrapper CMD   run emu386-system under CMD (e.g. "valgrind -q ...")
#   --against-qemu  also boot the same kernel, initrd and command line under
#                   qemu-system-i386 (-M pc -cpu pentium2, TCG) and compare
#                   its transcript with emu386-system's (kernel log lines,
#                   the timing lines, left out); not in CI (no
#                   qemu-system-x86 there): without qemu it says so in a
#                   SKIP line and exits 77
#
# Exit status: 0 pass; 1 fail (the transcript differs, the two runs differ,
# the emulator failed, the boot did not reach the transcript: the line
# names where the kernel log stopped); 77 skipped, with one line saying
# why, only when the guest kit cannot be fetched here (tests/linux/kit.sh).
#
# The kernel command line: console=ttyS0 (the transcript comes on COM1,
# emu386-system's stdout), noapic nolapic acpi=off (no local APIC, IO-APIC
# or ACPI tables on this PC yet), panic=-1 (a panic ends the run at once).
# The expected ending: /init's reboot -f resets the machine through the
# keyboard controller (0xFE to port 0x64), which with -no-reboot ends
# emu386-system with status 0; a triple fault (status 3, e.g. with
# reboot=t) is accepted too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
emu=${E386_SYSTEM:-}
timeout_s=900
icount=3
keep=
oracle=0
short=0
wrapper=
against_qemu=0
while [ $# -gt 0 ]; do
    case $1 in
    --emu) emu=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --icount) icount=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --expected) oracle=1; shift ;;
    --short) short=1; shift ;;
    --wrapper) wrapper=$2; shift 2 ;;
    --against-qemu) against_qemu=1; shift ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done

skip() {
    echo "SKIP: linux: $*"
    exit 77
}
fail() {
    echo "FAIL: linux: $*"
    exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/emu386-linux.XXXXXX")
trap 'rm -rf "$work"' EXIT

script=$here/guest.sh expected=$here/expected.txt runs=2
if [ $short = 1 ]; then
    script=$here/short.sh expected=$here/expected-short.txt runs=1
fi

if [ $oracle = 1 ]; then
    (cd "$work" && TMPDIR=$work sh "$script") > "$work/host.txt" 2>&1
    if diff -u "$expected" "$work/host.txt"; then
        echo "PASS: linux: $(basename "$expected") agrees with the host's sh, awk and coreutils"
        exit 0
    fi
    fail "$(basename "$expected") differs from the host's run of $(basename "$script") (above)"
fi
qemu=
if [ $against_qemu = 1 ]; then
    qemu=$(command -v qemu-system-i386) ||
        skip "--against-qemu: qemu-system-i386 is not installed (Debian: apt-get install qemu-system-x86): NO comparison with qemu was made"
fi

if [ -z "$emu" ]; then
    for c in ./emu386-system "$here/../../build/emu386-system"; do
        [ -x "$c" ] && { emu=$c; break; }
    done
fi
[ -n "$emu" ] && [ -x "$emu" ] || fail "no emu386-system (give --emu PATH or E386_SYSTEM)"

kit_err=$work/kit.err
kit_env=$("$here/kit.sh" -q -s "$script" -o "$work/initrd.gz" 2> "$kit_err")
case $? in
0) ;;
77) skip "the guest kit cannot be fetched: $(tr '\n' ' ' < "$kit_err")" ;;
*) fail "kit.sh failed: $(tr '\n' ' ' < "$kit_err")" ;;
esac
eval "$kit_env"

icount_opt=(-icount "$icount") # deterministic virtual time: the two runs must agree
append="console=ttyS0 noapic nolapic acpi=off panic=-1"
# --short (ASan, Valgrind): the crypto self-tests are about half of the
# kernel's own boot work and prove nothing about emu386's memory handling
# that the rest of the boot does not: cryptomgr.notests skips them there
[ $short = 1 ] && append="$append cryptomgr.notests"
# the sanitizer legs: the guest allocator's registry in checked mode
# (Debug and ASan builds and Valgrind runs have it on anyway; this says so)
export E386_GALLOC_CHECK=1

boot() { # n
    local out=$work/serial.$1
    # shellcheck disable=SC2086 # the wrapper is words
    timeout "$timeout_s" $wrapper "$emu" -m 128M "${icount_opt[@]}" -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$append" -no-reboot -serial "file:$out" > "$work/stdout.$1" 2> "$work/stderr.$1"
    echo $? > "$work/status.$1"
}
transcript() { # serial file: the lines between the markers, CRs dropped
    tr -d '\r' < "$1" | sed -n '/^=== emu386 guest: begin ===$/,/^=== emu386 guest: end/p'
}

for n in $(seq 1 $runs); do
    start=$(date +%s)
    boot $n
    st=$(cat "$work/status.$n")
    secs=$(($(date +%s) - start))
    [ -n "$keep" ] && mkdir -p "$keep" && cp "$work/serial.$n" "$work/stderr.$n" "$keep/" 2>/dev/null
    if ! grep -q '^=== emu386 guest: begin ===' "$work/serial.$n" 2>/dev/null; then
        last=$(tr -d '\r' < "$work/serial.$n" 2>/dev/null | grep -v '^$' | tail -n 1)
        why="status $st"
        [ "$st" = 124 ] && why="no end after ${timeout_s}s"
        err=$(tr '\n' ' ' < "$work/stderr.$n" | cut -c1-200)
        fail "run $n: the boot does not reach the transcript ($why; ${err:+$err; }last kernel line: ${last:-none})"
    fi
    transcript "$work/serial.$n" > "$work/transcript.$n"
    # the expected ending: reboot -f (a reset: status 0, or 3 for a triple fault)
    if [ "$st" != 0 ] && [ "$st" != 3 ]; then
        tail -n 20 "$work/serial.$n"
        fail "run $n: emu386-system ended with status $st, not 0 or 3 (reboot -f): $(cat "$work/stderr.$n")"
    fi
    if ! diff -u "$expected" <(sed -e '1d' -e '$d' "$work/transcript.$n"); then
        fail "run $n: the transcript differs from $(basename "$expected") (above)"
    fi
    grep -q '^=== emu386 guest: end (status 0) ===$' "$work/transcript.$n" ||
        fail "run $n: guest.sh ended with a non-zero status: $(tail -n 1 "$work/transcript.$n")"
    echo "linux: run $n: transcript as expected (${secs}s)"
done

# the kernel's complaints a real PC would not cause: reported, not failed
# on yet (issue 10 item 4 lists them in docs/system.md once it decides)
complaints=$(tr -d '\r' < "$work/serial.1" | grep -iE "unknown|unsupported|unstable|unable to|broken" | head -n 20)
if [ -n "$complaints" ]; then
    echo "NOTE: linux: kernel log complaints ($(echo "$complaints" | wc -l) lines, first ones):"
    echo "$complaints" | sed 's/^/    /'
fi

if [ -n "$qemu" ]; then
    # the same kernel, initrd and command line under qemu-system-i386
    # (TCG, a Pentium II without SSE like emu386's CPUID): the transcript
    # must be the same; lines of the kernel log ("[    1.234] ...", the
    # timing lines) that may fall inside it are left out on both sides
    start=$(date +%s)
    timeout "$timeout_s" "$qemu" -M pc -cpu pentium2 -m 128M -accel tcg -nographic -no-reboot \
        -kernel "$KERNEL" -initrd "$INITRD" -append "$append" < /dev/null > "$work/serial.qemu" 2> "$work/stderr.qemu"
    st=$?
    secs=$(($(date +%s) - start))
    [ -n "$keep" ] && cp "$work/serial.qemu" "$work/stderr.qemu" "$keep/"
    grep -q '^=== emu386 guest: end' <(tr -d '\r' < "$work/serial.qemu") ||
        fail "qemu-system-i386 (status $st) did not reach the end of the transcript: $(tail -c 300 "$work/stderr.qemu")"
    transcript "$work/serial.qemu" | grep -v '^\[ *[0-9]*\.[0-9]*\]' > "$work/transcript.qemu"
    grep -v '^\[ *[0-9]*\.[0-9]*\]' "$work/transcript.1" > "$work/transcript.emu"
    if ! diff -u "$work/transcript.qemu" "$work/transcript.emu"; then
        fail "the transcript under emu386-system (+) differs from qemu-system-i386's (-) (above)"
    fi
    echo "linux: transcript identical to qemu-system-i386's ($(wc -l < "$work/transcript.emu") lines; qemu ${secs}s)"
fi

if [ "$runs" = 2 ] && [ ${#icount_opt[@]} -gt 0 ]; then
    if ! cmp -s "$work/serial.1" "$work/serial.2"; then
        diff <(tr -d '\r' < "$work/serial.1") <(tr -d '\r' < "$work/serial.2") | head -n 20
        fail "two -icount runs gave different serial output (first differences above)"
    fi
    echo "linux: the two -icount runs are byte-identical"
fi
what=transcript
[ $short = 1 ] && what="short transcript"
echo "PASS: linux: Debian $(basename "$KERNEL") boots and runs the $what${wrapper:+ under ${wrapper%% *}}"
exit 0
