# The busy Linux guest of test_linux_live.py (busybox sh, /script of tests/linux/kit.sh):
# it rewrites a 1 MiB buffer in tmpfs (guest RAM) each round and prints its
# checksum; the transcript depends only on the round number.
echo "busy: begin"
i=0
while [ $i -lt 12 ]; do
    c=$(printf '\%03o' $((65 + i % 26)))
    dd if=/dev/zero bs=4096 count=256 2>/dev/null | tr '\0' "$c" > /tmp/buf
    echo "round $i $(md5sum < /tmp/buf | cut -c1-32)"
    i=$((i + 1))
done
echo "busy: end"
