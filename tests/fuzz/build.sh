#!/usr/bin/env bash
# Build the fuzz targets the OSS-Fuzz way (docs/fuzzing.md):
#   CC, CFLAGS          the compiler and flags (sanitizers, coverage);
#                       the library is built with the same flags
#   LIB_FUZZING_ENGINE  what to link for main() (e.g. -fsanitize=fuzzer)
#   OUT                 where the targets, dictionaries, options and
#                       seed-corpus zips go
#   SRC                 (optional) the checkout; default: this repository
#   WORK                (optional) a build directory; default: $OUT/build
# Locally, with clang's libFuzzer:
#   CC=clang CFLAGS="-O1 -g -fsanitize=address,undefined -fsanitize=fuzzer-no-link" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/fuzz bash tests/fuzz/build.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$HERE/../.." && pwd)}
: "${CC:=clang}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:?set OUT}"
WORK=${WORK:-$OUT/build}
TARGETS="fuzz_cpu fuzz_elf fuzz_syscall fuzz_qmp fuzz_devices fuzz_migration"
mkdir -p "$OUT" "$WORK"

# the library, with the same compiler and flags (no tests, no programs needed)
cmake -S "$SRC" -B "$WORK" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" \
      -DCMAKE_BUILD_TYPE=None -DE386_TESTS=OFF >/dev/null
cmake --build "$WORK" --target emu386 -j"${JOBS:-2}" >/dev/null
LIB=$(find "$WORK" -name libemu386.a | head -1)
# the library's own link dependencies (libslirp when CMake found it and it
# links: -netdev user), as CMake's cache recorded them
LIBDEPS=""
if grep -q '^E386_SLIRP_LINKS:INTERNAL=1' "$WORK/CMakeCache.txt"; then
    LIBDEPS=$(sed -n 's/^E386_SLIRP_LDFLAGS:INTERNAL=//p' "$WORK/CMakeCache.txt" | tr ';' ' ')
fi

for t in $TARGETS; do
    # shellcheck disable=SC2086  # CFLAGS and the engine are word lists
    $CC $CFLAGS -std=c11 -Wall -Wextra -D_FILE_OFFSET_BITS=64 -I"$SRC/include" -I"$SRC/src" \
        -c "$HERE/$t.c" -o "$WORK/$t.o"
    # shellcheck disable=SC2086
    ${CXX:-$CC} $CFLAGS "$WORK/$t.o" -o "$OUT/$t" "$LIB" $LIBDEPS $LIB_FUZZING_ENGINE
    [ -f "$HERE/$t.dict" ] && cp "$HERE/$t.dict" "$OUT/$t.dict"
    [ -f "$HERE/$t.options" ] && cp "$HERE/$t.options" "$OUT/$t.options"
    if [ -d "$HERE/corpus/$t" ] && command -v zip >/dev/null; then
        rm -f "$OUT/${t}_seed_corpus.zip"
        (cd "$HERE/corpus/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
    fi
done
echo "build.sh: $TARGETS in $OUT"
