#!/usr/bin/env bash
# Build the sample programs as i386 ELFs (static and dynamic), run each under
# emu386-user and compare stdout plus exit status with every reference this
# host has:
#   expected  tests/samples/expected/NAME.txt, recorded from a real CPU
#             (the x86-64 twin below; see docs/testing.md), on every host;
#   twin      the same source built -m64 and run natively, live, on x86-64;
#   native    the i386 build run natively, where the kernel can run i386 code.
# A reference that cannot run is said so once and never counted as a
# difference of the emulator.
#   --update-expected   rewrite expected/ from the x86-64 twin (run twice,
#                       must be stable); needs an x86-64 host.
set -u
# The same driver runs tests/usermode (--src, --kinds, --label).
EMU= WRAP= BUILD=${TMPDIR:-/tmp}/emu386-samples UPDATE=0
SRC=$(cd "$(dirname "$0")" && pwd) KINDS="static dynamic" LABEL=samples
while [ $# -gt 0 ]; do
    case $1 in
    --src) SRC=$(cd "$2" && pwd); shift 2 ;;
    --kinds) KINDS=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --emu) EMU=$2; shift 2 ;;
    --emu-wrapper) WRAP=$2; shift 2 ;; # e.g. "qemu-s390x -L /usr/s390x-linux-gnu"
    --build-dir) BUILD=$2; shift 2 ;;
    --update-expected) UPDATE=1; shift ;;
    *) echo "usage: $0 --emu PATH [--emu-wrapper CMD] [--build-dir DIR] [--update-expected] [--src DIR --kinds LIST --label NAME]" >&2; exit 2 ;;
    esac
done
EXPECTED=$SRC/expected
CC_I386=${CC_I386:-gcc -m32}
CC_TWIN=${CC_TWIN:-gcc -m64}
for d in $KINDS twin native; do mkdir -p "$BUILD/$d"; done

# Which live references exist here: asked once, said once.
if probe=$(bash "$(dirname "$0")/../lib/host-i386.sh" "$CC_I386"); then native_ok=1; else native_ok=0; fi
twin_ok=0 twin_why="not an x86-64 host ($(uname -m))"
if [ "$(uname -m)" = x86_64 ]; then
    if echo 'int main(void){return 0;}' | $CC_TWIN -x c -o "$BUILD/twin/.probe" - 2>/dev/null &&
        "$BUILD/twin/.probe"; then
        twin_ok=1
    else
        twin_why="$CC_TWIN cannot build and run a program"
    fi
fi
echo "$LABEL: references: expected files always; x86-64 twin $([ $twin_ok = 1 ] && echo live || echo "skipped: $twin_why");" \
     "native i386 $([ $native_ok = 1 ] && echo live || echo "skipped: ${probe#no: }")"

# run_in DIR OUT CMD...: run ./NAME from DIR as a shell would; stdout plus
# an exit line into OUT
# A hang is a failure, not a wait: each run gets E386_RUN_TIMEOUT seconds
# (600: minutes more than the slowest program needs under qemu-s390x) and
# shows up as exit=124 against the expected file.
run_in() {
    local dir=$1 out=$2 rc; shift 2
    (cd "$dir" && timeout -k 10 "${E386_RUN_TIMEOUT:-600}" "$@") >"$out" 2>"$out.err" </dev/null
    rc=$?
    echo "exit=$rc" >>"$out"
    [ $rc = 124 ] && echo "$LABEL: $(basename "$out"): HUNG: killed after ${E386_RUN_TIMEOUT:-600} s" >&2
    return 0
}

if [ $UPDATE = 1 ]; then
    [ $twin_ok = 1 ] || { echo "$LABEL: --update-expected needs the x86-64 twin: $twin_why" >&2; exit 1; }
    mkdir -p "$EXPECTED"
    for src in "$SRC"/*.c; do
        name=$(basename "$src" .c)
        $CC_TWIN -O2 -o "$BUILD/twin/$name" "$src" || exit 1
        run_in "$BUILD/twin" "$BUILD/twin/$name.1" "./$name"
        run_in "$BUILD/twin" "$BUILD/twin/$name.2" "./$name"
        if ! cmp -s "$BUILD/twin/$name.1" "$BUILD/twin/$name.2"; then
            echo "$LABEL: $name: the twin's output is not stable; expected file left alone" >&2
            exit 1
        fi
        cp "$BUILD/twin/$name.1" "$EXPECTED/$name.txt"
        echo "$LABEL: wrote expected/$name.txt from the x86-64 twin"
    done
    exit 0
fi

[ -x "$EMU" ] || { echo "$LABEL: emulator '$EMU' not found" >&2; exit 2; }
EMU=$(cd "$(dirname "$EMU")" && pwd)/$(basename "$EMU") # runs are started from other directories
declare -A runs diffs
fail=0 pass=0
# compare LABEL NAME KIND REF GOT: count one comparison, show a difference
compare() {
    runs[$1]=$((${runs[$1]:-0} + 1))
    if cmp -s "$4" "$5"; then return 0; fi
    diffs[$1]=$((${diffs[$1]:-0} + 1))
    echo "$LABEL: FAIL $2 ($3): emu386 differs from $1"
    diff "$4" "$5" | head -20
    head -5 "$5.err"
    return 1
}
for src in "$SRC"/*.c; do
    name=$(basename "$src" .c)
    # the programs that exec themselves: under qemu-user the emulator's
    # execve of itself starts a foreign binary
    if [[ "$WRAP" == qemu-* ]] && [[ " exec_self exec_signal_state execveat " == *" $name "* ]]; then
        echo "$LABEL: SKIP $name: under '$WRAP' the emulator's execve of itself is a foreign binary that qemu-user cannot start without binfmt_misc"
        continue
    fi
    # qemu-i386 keeps one GDT for all of a process's threads, so a guest
    # thread exiting while another forks can find its %gs descriptor gone:
    # the i386 emu386 crashed in glibc's start_thread (call *%gs:0x10 on the
    # exit path, no emu386 frame) in 2 of 60 runs under qemu-i386 and in
    # none of 340 under emu386-user; the program runs on every other leg
    if [[ "$WRAP" == qemu-i386* ]] && [ "$name" = thread_fork_exit ]; then
        echo "$LABEL: SKIP $name: qemu-i386's shared GDT crashes threads that exit while another forks (a qemu-user flaw, not emu386's; it runs on every other leg)"
        continue
    fi
    # qemu-i386 hands a 32-bit program the 64-bit kernel's sysinfo memory
    # sizes cut to 32 bits, mem_unit still 1 (the kernel's own
    # compat_sys_sysinfo scales them to pages): on a 24 GiB host it gave
    # totalram 3801317376 (24 GiB mod 4 GiB), so the i386 emu386's "free <=
    # total" depends on the host's free memory mod 4 GiB.  The host32 leg
    # failed on it once in CI (free 19.5-20 GiB); the program runs on every
    # other leg, and emu386's own scaling is checked there
    if [[ "$WRAP" == qemu-i386* ]] && [ "$name" = sysinfo_times ]; then
        echo "$LABEL: SKIP $name: qemu-i386 cuts the host's sysinfo memory sizes to 32 bits without scaling mem_unit (a qemu-user flaw, not emu386's; it runs on every other leg)"
        continue
    fi
    # qemu-user hands the emulator a host SIGBUS (a file mapping's page
    # past the file's end, shared or private) with a wrong si_addr: qemu-s390x 7.2 wrote
    # it in the kill layout (the address's 32-bit halves as pid and uid),
    # qemu-i386 a page further on or garbage; the emulator cannot tell which
    # guest page faulted and the SIGBUS ends it as a foreign fault.  The
    # program runs natively on the x86-64 legs (linear memory, the page
    # map, the interpreter), where the host's report is right
    if [[ "$WRAP" == qemu-* ]] && { [ "$name" = sigbus_eof ] || [ "$name" = map_private_file ]; }; then
        echo "$LABEL: SKIP $name: qemu-user reports a file mapping's SIGBUS past the file's end with a wrong si_addr (a qemu-user flaw, not emu386's; it runs on the x86-64 legs)"
        continue
    fi
    if [ ! -f "$EXPECTED/$name.txt" ]; then
        echo "$LABEL: FAIL $name: no expected/$name.txt (write it with --update-expected on an x86-64 host)"
        fail=$((fail + 1)); continue
    fi
    if [ $twin_ok = 1 ]; then
        $CC_TWIN -O2 -o "$BUILD/twin/$name" "$src" && run_in "$BUILD/twin" "$BUILD/twin/$name.out" "./$name"
    fi
    for kind in $KINDS; do
        flags="-O2"
        [ $kind = static ] && flags="$flags -static"
        if ! $CC_I386 $flags -o "$BUILD/$kind/$name" "$src" 2>"$BUILD/$kind/$name.cc.log"; then
            echo "$LABEL: FAIL $name ($kind): cannot compile"; cat "$BUILD/$kind/$name.cc.log"
            fail=$((fail + 1)); continue
        fi
        out=$BUILD/$kind/$name.emu
        run_in "$BUILD/$kind" "$out" $WRAP "$EMU" "./$name"
        ok=1
        compare expected "$name" $kind "$EXPECTED/$name.txt" "$out" || ok=0
        [ $twin_ok = 1 ] && { compare "x86-64 twin" "$name" $kind "$BUILD/twin/$name.out" "$out" || ok=0; }
        if [ $native_ok = 1 ]; then
            run_in "$BUILD/$kind" "$BUILD/$kind/$name.native" "./$name"
            compare "native i386" "$name" $kind "$BUILD/$kind/$name.native" "$out" || ok=0
        fi
        if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
done
for label in expected "x86-64 twin" "native i386"; do
    [ -n "${runs[$label]:-}" ] && echo "$LABEL: ${runs[$label]} runs compared, ${diffs[$label]:-0} differences (emu386 vs $label)"
done
echo "$LABEL: $pass passed, $fail failed"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
