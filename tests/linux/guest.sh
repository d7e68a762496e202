# The fixed transcript of tests/linux (run.sh): run by the guest's /init
# (busybox sh) and, to make expected.txt, by the host's own sh, awk and
# coreutils (run.sh --expected): the same output from both is the check.
# POSIX sh only; nothing whose output depends on the machine, the date or
# the kernel's version.
T=${TMPDIR:-/tmp}
echo "kernel: $(uname -s)"
# memory checksums
seq 1 100000 > "$T/numbers"
echo "numbers: $(md5sum < "$T/numbers" | cut -d' ' -f1) $(wc -c < "$T/numbers")"
echo "zeros: $(dd if=/dev/zero bs=1024 count=2048 2>/dev/null | md5sum | cut -d' ' -f1)"
echo "sha1: $(sha1sum < "$T/numbers" | cut -d' ' -f1)"
# integer work in the shell
i=0 s=1
while [ $i -lt 3000 ]; do s=$(((s * 1103515245 + 12345) % 2147483648)); i=$((i + 1)); done
echo "lcg: $s"
# floating point in awk (+ - * / only: Debian's busybox awk has no libm)
awk 'BEGIN {
    x = 0; for (i = 1; i <= 20000; i++) x += 1.0 / (i * i)
    r = 1; for (i = 0; i < 30; i++) r = (r + 2 / r) / 2
    e = 1; t = 1; for (i = 1; i < 25; i++) { t = t / i; e = e + t }
    p = 0; s = 1; for (i = 0; i < 100000; i++) { p += s * 4 / (2 * i + 1); s = -s }
    printf "float: %.10f %.12f %.12f %.8f\n", x, r, e, p
    printf "int: %d %d %d\n", 65536 * 32768 - 1, int(-7.5), int(1000000 / 7)
}'
# fork-heavy: a subshell and a pipeline per step
n=0
for i in $(seq 1 300); do n=$((n + $(echo "$i" | wc -c))); done
echo "forks: $n"
# timers
sleep 1
echo "slept: 1"
sleep 0 && echo "slept: 0"
rm -f "$T/numbers"
