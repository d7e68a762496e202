#!/usr/bin/env bash
# tests/logs: the execution logs (-d, -D) of both programs on small guests
# (docs/bisecting.md).  Each log class must print what it claims; two runs
# of one guest must give identical exec traces; a guest whose behaviour
# changes must show the first diverging block through execdiff.sh.
#   run.sh --user EMU386-USER --system EMU386-SYSTEM --build-dir DIR [--emu-wrapper CMD]
# User part: an i386 static program built with gcc -m32 -static; system
# part: tests/system/e-paging.asm built with nasm.  A part whose tool is
# missing says SKIPPING loudly; if both are skipped the exit status is 77.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
USER_EMU="" SYS_EMU="" BUILD="" WRAP=""
while [ $# -gt 0 ]; do
    case $1 in
    --user) USER_EMU=$2; shift 2 ;;
    --system) SYS_EMU=$2; shift 2 ;;
    --build-dir) BUILD=$2; shift 2 ;;
    --emu-wrapper) WRAP=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$BUILD"
fails=0 ran=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
# expect FILE REGEX WHAT: FILE has a line matching REGEX
expect() {
    if grep -Eq "$2" "$1"; then ok "$3"; else bad "$3: no line matching '$2' in $1"; fi
}

# ---- user mode ----
G=$BUILD/guest
if ! gcc -m32 -static -O1 -o "$G" "$HERE/guest.c" 2>"$BUILD/gcc.err"; then
    echo "SKIPPING the user-mode logs: gcc -m32 -static cannot build an i386 program here ($(head -1 "$BUILD/gcc.err"))"
elif [ -z "$USER_EMU" ]; then
    echo "SKIPPING the user-mode logs: no --user"
else
    ran=1
    U() { env -i $WRAP "$USER_EMU" "$@"; }
    L=$BUILD/user.log
    U -d in_asm,op,exec,cpu,page,syscall,unimp,fault -D "$L" "$G" 3 >"$BUILD/user.out" 2>"$BUILD/user.err"
    st=$?
    if [ $st -eq 0 ] && grep -q "^sum 33 mmap ok enosys 1 caught 1$" "$BUILD/user.out"; then
        ok "user: the guest runs the same with every log on (output to stdout, logs to -D)"
    else
        bad "user: status $st, output: $(cat "$BUILD/user.out" "$BUILD/user.err")"
    fi
    [ -s "$BUILD/user.err" ] && bad "user: -D left output on stderr: $(head -3 "$BUILD/user.err")"
    expect "$L" '^0x[0-9a-f]{8}: ' "user in_asm: one line per instruction translated"
    expect "$L" '^0x[0-9a-f]{8}:  (xor|mov|push|pop|call|sub|and|lea) ' "user in_asm: disassembled (Capstone) $(grep -Eq '^0x[0-9a-f]{8}:  [a-z]' "$L" || echo '- hex only: this build has no Capstone')"
    expect "$L" '^op: block lin=[0-9a-f]{8} phys=' "user op: a header per new block"
    expect "$L" '^op:  +[0-9]+ eip=[0-9a-f]{8} [a-z]' "user op: one line per pre-decoded operation"
    expect "$L" '^exec: n=0 0023:[0-9a-f]{8} lin=[0-9a-f]{8} insns=[0-9]+$' "user exec: the first block at n=0"
    expect "$L" '^cpu: eax=[0-9a-f]{8} ebx=' "user cpu: registers before each block"
    expect "$L" '^     eip=[0-9a-f]{8} eflags=[0-9a-f]{8} cpl=3 ' "user cpu: eip, eflags, cpl"
    expect "$L" '^page: start$' "user page: the mappings at start"
    expect "$L" '^page: after mmap2\(0, 0x2000\) = 0x[0-9a-f]+$' "user page: the mappings after mmap2"
    expect "$L" '^page: [0-9a-f]{8}-[0-9a-f]{8} 00002000 rw' "user page: the new 8 KiB mapping listed"
    expect "$L" '^emu386-user: syscall 192 ' "user syscall: each call logged"
    expect "$L" '^emu386-user: unimplemented syscall 500$' "user unimp: the unknown call named"
    expect "$L" '^emu386-user: exception 14 at eip 0x[0-9a-f]+ \(error 0x6, address 0x10\)$' "user fault: the #PF at address 16"
    # the exec trace: one line per block, every block (chaining is off)
    blocks=$(grep -c '^exec: ' "$L")
    last=$(grep '^exec: ' "$L" | tail -1 | sed 's/^exec: n=\([0-9]*\) .* insns=\([0-9]*\)$/\1 \2/')
    # consecutive lines: n of the next = n + insns of this one, unless a
    # fault or a system call ended a block early (then fewer instructions ran)
    gaps=$(grep '^exec: ' "$L" | awk '{ split($2, a, "="); n = a[2] + 0; if (NR > 1 && n > prev) bad++;
             split($NF, b, "="); prev = n + b[2] } END { print bad + 0 }')
    if [ "$blocks" -gt 100 ] && [ "$gaps" -eq 0 ]; then
        ok "user exec: $blocks blocks, none skipped (each n= at most the previous n + insns; last $last)"
    else
        bad "user exec: $blocks blocks, $gaps gaps (a block ran without its line)"
    fi
    # determinism: two runs, identical exec traces
    # (stdout to a file as in the first run: a terminal or /dev/null would
    # take another path through the C library)
    U -d exec -D "$BUILD/exec1.log" "$G" 3 >"$BUILD/exec1.out" 2>&1
    U -d exec -D "$BUILD/exec2.log" "$G" 3 >"$BUILD/exec2.out" 2>&1
    if "$HERE/execdiff.sh" "$BUILD/exec1.log" "$BUILD/exec2.log" >"$BUILD/diff12.txt"; then
        ok "user exec: two runs identical ($(cat "$BUILD/diff12.txt"))"
    else
        bad "user exec: two runs differ: $(cat "$BUILD/diff12.txt")"
    fi
    # and the same trace with the other classes on (logging does not change execution)
    if "$HERE/execdiff.sh" "$BUILD/exec1.log" "$L" >/dev/null; then
        ok "user exec: the same trace with every other class on"
    else
        bad "user exec: other classes changed the trace: $("$HERE/execdiff.sh" "$BUILD/exec1.log" "$L")"
    fi
    # a behaviour change (here the input: 3 loop trips, then 5) shows as
    # the first diverging block, with identical blocks before it
    U -d exec -D "$BUILD/exec5.log" "$G" 5 >"$BUILD/exec5.out" 2>&1
    "$HERE/execdiff.sh" "$BUILD/exec1.log" "$BUILD/exec5.log" >"$BUILD/diff15.txt"
    st=$?
    first=$(sed -n 's/.*first divergence at block \([0-9]*\).*/\1/p' "$BUILD/diff15.txt")
    if [ $st -eq 1 ] && [ -n "$first" ] && [ "$first" -gt 50 ] &&
       cmp -s <(grep '^exec: ' "$BUILD/exec1.log" | head -$((first - 1))) \
              <(grep '^exec: ' "$BUILD/exec5.log" | head -$((first - 1))); then
        ok "user exec: a changed run parts at block $first:"
        sed 's/^/       /' "$BUILD/diff15.txt"
    else
        bad "user exec: the diverging run was not found (status $st): $(cat "$BUILD/diff15.txt")"
    fi
    # -d help lists every class; mmu is refused with its reason
    U -d help >"$BUILD/help.txt" 2>&1
    for c in syscall unimp fault int in_asm op exec cpu page; do
        grep -q "^$c " "$BUILD/help.txt" || bad "user -d help: no $c"
    done
    U -d mmu "$G" >"$BUILD/mmu.txt" 2>&1
    st=$?
    if [ $st -eq 2 ] && grep -q "emu386-system only" "$BUILD/mmu.txt"; then
        ok "user -d mmu: refused (system mode only)"
    else
        bad "user -d mmu: status $st: $(cat "$BUILD/mmu.txt")"
    fi
    U --help | grep -q -- "-D file" && ok "user --help: -D documented" || bad "user --help: no -D"
fi

# ---- system mode ----
K=$BUILD/e-paging.bin
if ! command -v nasm >/dev/null; then
    echo "SKIPPING the system-mode logs: no nasm to build tests/system/e-paging.asm"
elif [ -z "$SYS_EMU" ]; then
    echo "SKIPPING the system-mode logs: no --system"
elif ! nasm -f bin -I "$HERE/../system/" -o "$K" "$HERE/../system/e-paging.asm"; then
    bad "system: nasm could not build e-paging.asm"
else
    ran=1
    S() { $WRAP "$SYS_EMU" -bios "$K" -no-reboot -icount 3 "$@"; }
    L=$BUILD/sys.log
    S -d exec,mmu,int,in_asm,op,cpu,unimp -D "$L" >"$BUILD/sys.out" 2>"$BUILD/sys.err"
    st=$?
    echo "exit=$st" >>"$BUILD/sys.out" # as tests/system/run.py records it
    if cmp -s "$BUILD/sys.out" "$HERE/../system/golden/e-paging.txt"; then
        ok "system: e-paging prints its golden output with every log on"
    else
        bad "system: status $st, output differs from golden/e-paging.txt: $(diff "$BUILD/sys.out" "$HERE/../system/golden/e-paging.txt" | head -5)"
    fi
    expect "$L" '^0x[0-9a-f]{8}: ' "system in_asm: one line per instruction translated"
    expect "$L" '^op: block lin=' "system op: a header per new block"
    expect "$L" '^exec: n=0 f000:0000fff0 lin=fffffff0 insns=[0-9]+$' "system exec: the reset vector first"
    expect "$L" '^cpu: eax=' "system cpu: registers before each block"
    expect "$L" '^mmu: lin=[0-9a-f]{8} [rw]s? cpl=0 cr3=[0-9a-f]{8} pde=[0-9a-f]{8} pte=[0-9a-f]{8} -> pa=[0-9a-f]{8} tlb fill$' "system mmu: page walks filling the TLB"
    expect "$L" '^mmu: lin=00403000 w .* -> #PF err=2$' "system mmu: the page fault of a write to a not-present page"
    expect "$L" '^exception: vector=0e err=00000002 ' "system int: the #PF delivered"
    S -d exec -D "$BUILD/sexec1.log" >/dev/null 2>&1
    S -d exec -D "$BUILD/sexec2.log" >/dev/null 2>&1
    if "$HERE/execdiff.sh" "$BUILD/sexec1.log" "$BUILD/sexec2.log" >"$BUILD/sdiff.txt"; then
        ok "system exec: two -icount runs identical ($(cat "$BUILD/sdiff.txt"))"
    else
        bad "system exec: two -icount runs differ: $(cat "$BUILD/sdiff.txt")"
    fi
    $WRAP "$SYS_EMU" -d help >"$BUILD/shelp.txt" 2>&1
    for c in post int cpu exec in_asm op mmu unimp; do
        grep -q "^$c " "$BUILD/shelp.txt" || bad "system -d help: no $c"
    done
fi

[ $ran = 1 ] || { echo "SKIPPING: no part of tests/logs could run"; exit 77; }
echo "logs: $fails failure(s)"
[ $fails -eq 0 ]
