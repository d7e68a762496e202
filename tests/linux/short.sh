# The short transcript of tests/linux (run.sh --short): the boot under
# ASan+UBSan (ci/leg-asan) and Valgrind (ci/leg-valgrind), where every
# guest instruction costs many times more.  It proves the kernel reached
# user space and ran busybox (uname, one computation through a pipe);
# /init then ends the machine with reboot -f.  POSIX sh, checked against
# the host's sh like guest.sh (run.sh --short --expected).
echo "kernel: $(uname -s)"
echo "sum: $(seq 1 500 | md5sum | cut -d' ' -f1) $((123457 * 7919 % 1000003))"
