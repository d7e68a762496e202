#!/usr/bin/env bash
# Migration of an idle guest with 1 GiB of RAM (bench/idle_guest.asm),
# emu386-system against qemu-system-i386 in the same run, interleaved:
# bytes on the wire (the stream counted by wc), wall time from `migrate`
# to "completed", and each one's query-migrate figures, side by side.
# Not part of the suites (docs/migration.md has the figures).
#   bash bench/migrate.sh [--emu build/emu386-system] [--mem 1G] [--reps 3]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
EMU=$HERE/../build/emu386-system MEM=1G REPS=3
while [ $# -gt 0 ]; do
    case $1 in
    --emu) EMU=$2; shift 2 ;;
    --mem) MEM=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "usage: $0 [--emu PATH] [--mem SIZE] [--reps N]" >&2; exit 2 ;;
    esac
done
command -v qemu-system-i386 >/dev/null || { echo "bench: qemu-system-i386 missing: apt-get install qemu-system-x86" >&2; exit 1; }
command -v nasm >/dev/null || { echo "bench: nasm missing: apt-get install nasm" >&2; exit 1; }
[ -x "$EMU" ] || { echo "bench: $EMU missing: build first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nasm -f bin -o "$work/idle.bin" "$HERE/idle_guest.asm"
python3 "$HERE/migrate.py" "$EMU" "$work/idle.bin" "$MEM" "$REPS" "$work"
