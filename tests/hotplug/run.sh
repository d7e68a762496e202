#!/bin/bash
# The hotplug suite: pytest scenarios plugging and unplugging a PCI NIC and
# its backend over QMP while guest.asm drives the card (issue 11).
#   run.sh --emu PATH [--emu-wrapper "CMD"] [--build-dir DIR] [pytest args...]
# Exit 77 (skipped, said in one loud line) when nasm or pytest is missing.
here=$(cd "$(dirname "$0")" && pwd)
exec bash "$here/../lib/pytest_suite.sh" --suite "$here" "$@"
