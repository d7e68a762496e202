# One line per bug a fuzzer found and that is fixed:
#   e386_fuzz_regression(<bug name> <target> <reproducer under tests/fuzz/>)
# Open crashes in code this branch must not touch live in crashes/ (see
# crashes/README.md) and are not replayed until they are fixed.
# json_write printed integral doubles (1.0, -0.0) as the integers 1 and 0,
# so a written value read back changed kind (and -0.0 lost its sign).
e386_fuzz_regression(json-double-kind fuzz_qmp corpus/fuzz_qmp/regress-json-double-kind)
# fuzz_syscall let a single-threaded FUTEX_WAIT with no timeout (or a long
# one) through, and the input waited forever (libFuzzer's timeout in the
# fuzz leg); the harness now hands every wait a zero timeout.
e386_fuzz_regression(futex-wait-forever fuzz_syscall corpus/fuzz_syscall/regress-futex-wait-forever)
# fuzz_syscall's teardown did not free what procfs.c keeps for the file
# mappings' names (an mmap of a descriptor): LeakSanitizer in the fuzz leg.
e386_fuzz_regression(procfs-names-leak fuzz_syscall corpus/fuzz_syscall/regress-procfs-names-leak)
