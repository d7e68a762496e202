#!/bin/bash
# The monitor suite: pytest scenarios over QMP and the human monitor
# against emu386-system running guest.asm (docs/monitor.md).
#   run.sh --emu PATH [--emu-wrapper "CMD"] [--build-dir DIR] [pytest args...]
# Exit 77 (skipped, said in one loud line) when nasm or pytest is missing.
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../lib/pytest_suite.sh" --suite "$here" "$@"
