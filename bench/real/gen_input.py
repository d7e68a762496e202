#!/usr/bin/env python3
"""Deterministic inputs for real.sh: a text of SIZE bytes and LINES lines
to sort.  A fixed xorshift generator, not Python's random module, so every
Python version and host writes the same bytes.
usage: gen_input.py text SIZE OUT | gen_input.py lines COUNT OUT"""
import sys

state = [0x2545F491]


def rnd():
    x = state[0]
    x ^= (x << 13) & 0xFFFFFFFF
    x ^= x >> 17
    x ^= (x << 5) & 0xFFFFFFFF
    state[0] = x
    return x


SYL = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "qe", "bar",
       "dor", "fin", "gul", "hex", "jun", "pla", "stri", "tho", "wen"]


def word():
    n = 1 + rnd() % 4
    return "".join(SYL[rnd() % len(SYL)] for _ in range(n))


def main():
    kind, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(out, "w", encoding="ascii", newline="\n") as f:
        if kind == "text":
            vocab = [word() for _ in range(4096)]
            size = 0
            while size < count:
                line = " ".join(vocab[rnd() % 4096] if rnd() % 8 else str(rnd() % 100000)
                                for _ in range(5 + rnd() % 12)) + ".\n"
                f.write(line)
                size += len(line)
        else:
            state[0] = 0x9E3779B9
            for _ in range(count):
                f.write("%s %d %s\n" % (word(), rnd() % 1000000, word()))


main()
