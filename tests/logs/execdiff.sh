#!/usr/bin/env bash
# execdiff.sh A B: where two -d exec logs (docs/bisecting.md) part.
# Prints the number of blocks both ran identically, the last common block
# and the first block of each run after it; exit 0 if the logs are
# identical, 1 if they differ, 2 on a usage error.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 EXEC-LOG-A EXEC-LOG-B" >&2; exit 2; }
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
# only the exec lines: other -d classes may be interleaved in the files
grep '^exec: ' "$1" >"$a" || true
grep '^exec: ' "$2" >"$b" || true
if cmp -s "$a" "$b"; then
    echo "execdiff: identical ($(wc -l <"$a") blocks)"
    exit 0
fi
# the first line that differs (or the shorter log's end)
out=$(cmp "$a" "$b" 2>&1 || true)
line=$(echo "$out" | sed -n 's/.*line \([0-9]*\).*/\1/p' | head -1)
case $out in *EOF*) line=$((line + 1)) ;; esac # one log is a prefix of the other
common=$((line - 1))
echo "execdiff: $common blocks identical; first divergence at block $line"
[ "$common" -gt 0 ] && echo "  last common: $(sed -n "${common}p" "$a")"
echo "  $1: $(sed -n "${line}p" "$a" | grep . || echo '(the log ends)')"
echo "  $2: $(sed -n "${line}p" "$b" | grep . || echo '(the log ends)')"
exit 1
