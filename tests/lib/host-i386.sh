#!/usr/bin/env bash
# Can this host execute i386 code natively?  Builds a tiny static i386
# program and runs it: exit 0 and "yes" when it printed what it should,
# exit 1 and "no: REASON" otherwise (ENOEXEC on kernels without IA-32
# emulation, any non-x86 host, no i386 compiler).  Every suite and CI
# script asks this once instead of guessing from `uname -m`.
#   bash tests/lib/host-i386.sh [CC]      (CC defaults to $CC_I386 or "gcc -m32")
CC=${1:-${CC_I386:-gcc -m32}}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf '#include <stdio.h>\nint main(void) { puts("i386 ok"); return 0; }\n' >"$tmp/p.c"
if ! $CC -static -o "$tmp/p" "$tmp/p.c" >"$tmp/cc.log" 2>&1; then
    echo "no: the i386 compiler ($CC) cannot build a static program"
    exit 1
fi
out=$("$tmp/p" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "i386 ok" ]; then
    echo yes
    exit 0
fi
out=${out##*: }  # bash's "...: cannot execute binary file: Exec format error"
echo "no: this $(uname -m) host cannot run i386 code (probe: status $rc, ${out:0:80})"
exit 1
