# The guest script of tests/trace/linux.sh's first boot: the kernel's text
# symbols from /proc/kallsyms (Debian's package ships a stub System.map),
# gzipped and in base64 between two markers on the console.
echo "=== kallsyms begin ==="
grep -i ' [tw] ' /proc/kallsyms | gzip -c | base64
echo "=== kallsyms end ==="
