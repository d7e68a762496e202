#!/usr/bin/env python3
"""nasm's map file (stdin: [map symbols]) as a System.map (stdout): every
label of the section table as "addr T name", the format the irqsoff
tracer reads (docs/tracing.md).  Equates (the "No Section" table) are not
code and are left out."""
import re
import sys

in_section = False
for line in sys.stdin:
    if line.startswith("---- Section"):
        in_section = True
        continue
    if line.startswith("---- No Section"):
        in_section = False
        continue
    m = re.match(r"^\s+([0-9A-F]+)\s+([0-9A-F]+)\s+([A-Za-z_.$?@][\w.$?@]*)\s*$", line)
    if in_section and m:
        print("%08x T %s" % (int(m.group(2), 16), m.group(3)))
