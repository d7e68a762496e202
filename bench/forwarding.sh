#!/usr/bin/env bash
# How many store-to-load pairs this host forwards at a register's cost
# (x86-64 hosts only; a probe of the host CPU, not of emu386).
#
# The native back end's code used to pass every guest register value
# through cpu->r[]: each guest instruction's result stored there, and the
# next one's operand loaded from there.  A chain of N such pairs, each its
# own store and load instructions, runs in a loop here ("mem": load,
# add, store), against the same chain in a register ("reg": add, and a
# store of it that nothing reads, as the register cache writes through).
# The time per link of the chain is printed for growing N: where "mem"
# jumps from about the register's cost to the store-forwarding latency,
# the CPU's memory renaming has run out of entries (docs/performance.md
# "Native step 15": about 20 pairs on a Zen 3, none of this on a Zen 5).
#   bash bench/forwarding.sh [N...]
set -euo pipefail
[ "$(uname -m)" = x86_64 ] || { echo "forwarding: x86-64 hosts only" >&2; exit 2; }
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(8 16 24 32 64 256 1024)
for mode in reg mem; do
    for n in "${SIZES[@]}"; do
        {
            echo '#include <stdio.h>'
            echo '#include <stdint.h>'
            echo '#include <time.h>'
            echo 'static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }'
            echo 'static uint32_t regs[8] __attribute__((aligned(64)));'
            echo 'int main(void) {'
            echo "    long iters = 200000000L / $n; double best = 1e9;"
            echo '    for (int r = 0; r < 5; r++) {'
            echo '        double t0 = now();'
            echo '        __asm__ volatile("lea %0, %%rbx\n mov %1, %%r8\n 1:\n"'
            for ((i = 0; i < n; i++)); do
                a=$(( (i * 4) % 32 )) b=$(( ((i + 1) * 4) % 32 ))
                if [ $mode = mem ]; then
                    echo "            \"mov $a(%%rbx), %%eax\n add \$1, %%eax\n mov %%eax, $b(%%rbx)\n\""
                else
                    echo "            \"add \$1, %%eax\n mov %%eax, $b(%%rbx)\n\""
                fi
            done
            echo '            "dec %%r8\n jnz 1b\n" :: "m"(regs), "r"(iters) : "rax", "rbx", "r8", "memory", "cc");'
            echo "        double t = (now() - t0) / iters / $n * 1e9;"
            echo '        if (t < best) best = t;'
            echo '    }'
            echo "    printf(\"forwarding: %-3s %5d pairs in the loop: %.2f ns a link\\n\", \"$mode\", $n, best);"
            echo '}'
        } >"$DIR/p.c"
        ${CC:-cc} -O1 -o "$DIR/p" "$DIR/p.c"
        "$DIR/p"
    done
done
