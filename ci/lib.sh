# Shared helpers for the ci/ scripts (sourced, not run).
set -euo pipefail
E386_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

# Packages every build and test needs on Debian 12.  gcc-multilib conflicts
# with Debian's cross compilers, so the i386 runtime is named directly.
# nasm builds the bare-metal test kernels, Bochs is their oracle (tests/system);
# pytest and socat drive the monitor suite (tests/monitor).
E386_BASE_PACKAGES="build-essential cmake pkg-config check python3 lib32gcc-12-dev libc6-dev-i386 libcapstone-dev valgrind nasm gdb bochs bochs-term bochsbios vgabios python3-pytest socat libslirp-dev libglib2.0-dev ipxe-qemu"

# apt checks signatures as its sandbox user (_apt), and apt-key sends its
# probes to /dev/null: on a machine whose /dev/null is not a world-writable
# character device (seen on a CI runner) every index then "fails
# verification" and apt-get update keeps stale lists, so foreign-arch
# packages cannot be found.  There apt runs its helpers as root instead.
E386_APT_OPTS=()
if [ ! -c /dev/null ] || [ "$(stat -c %a /dev/null 2>/dev/null)" != 666 ]; then
    E386_APT_OPTS=(-o APT::Sandbox::User=root)
fi

# ensure_packages PKG...: install what is missing when root, else say exactly
# what to run and fail.
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "ci: installing ${missing[*]}"
        if [ ! -e /tmp/.e386-apt-updated ]; then
            [ ${#E386_APT_OPTS[@]} -eq 0 ] ||
                echo "ci: NOTE: /dev/null is not a world-writable device here; apt runs its sandboxed helpers as root" >&2
            # apt-get update verifies the lists with gpgv: from the old lists first if it is missing
            command -v gpgv >/dev/null ||
                DEBIAN_FRONTEND=noninteractive apt-get "${E386_APT_OPTS[@]}" install -y -qq gpgv >/dev/null || true
            apt-get "${E386_APT_OPTS[@]}" update -qq && touch /tmp/.e386-apt-updated
        fi
        DEBIAN_FRONTEND=noninteractive apt-get "${E386_APT_OPTS[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "ci: missing packages; run:  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
}

# enable_arch DEBARCH: let apt install that architecture's packages
enable_arch() {
    if ! dpkg --print-foreign-architectures | grep -qx "$1"; then
        if [ "$(id -u)" != 0 ]; then
            echo "ci: run: sudo dpkg --add-architecture $1 && sudo apt-get update" >&2
            exit 1
        fi
        dpkg --add-architecture "$1"
        rm -f /tmp/.e386-apt-updated
    fi
}

# ci/check's build configuration, also ci/leg-valgrind's (the same build
# tree): RelWithDebInfo with line tables only (-g1): Valgrind's reports
# and backtraces keep file:line, and the build takes 20% less time (145 s
# to 121 s on 2 cores: the handler families' debug info of inlined code
# is most of their compile time).  A build for gdb: any -g of your own.
E386_CHECK_CMAKE=(-DCMAKE_C_COMPILER=gcc "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")

# configure_build DIR [cmake args...]
# A build other than ci/check's ($E386_ROOT/build) takes that build's i386
# emu386-user for selfvirt when it has one (the guest is built with
# gcc -m32 whatever the leg's compiler), after letting its inner build
# bring it up to date: the same binary, built once per CI run, not in
# every leg.
configure_build() {
    local dir=$1 guest=$E386_ROOT/build/tests/selfvirt/i386/emu386-user; shift
    if [ "$(cd "$dir" 2>/dev/null && pwd)" != "$E386_ROOT/build" ] && [ -x "$guest" ] &&
       cmake --build "$E386_ROOT/build" --target emu386-user-i386 -j"$JOBS" >/dev/null; then
        echo "ci: selfvirt's guest is ci/check's i386 emu386-user ($guest)"
        set -- "$@" -DE386_SELFVIRT_GUEST="$guest"
    fi
    cmake -S "$E386_ROOT" -B "$dir" -DE386_WERROR=ON "$@" >/dev/null
    cmake --build "$dir" -j"$JOBS"
}

# run_ctest DIR [EXCLUDE_REGEX]: run the suites, then repeat each suite's
# verdict lines (which references ran, lines compared, anything skipped and
# why) from ctest's log, so a green run says what it compared.  The Linux
# boot (ctest "linux", two -icount boots, about 2 minutes) runs only where
# E386_WITH_LINUX=1 (ci/check, the README's test command); other legs say
# they leave it out.
run_ctest() {
    local rc=0 exclude=${2:-}
    if [ "${E386_WITH_LINUX:-0}" != 1 ]; then
        echo "ci: this leg leaves out the Linux boot (ctest 'linux'; it runs in ci/check)"
        exclude="^linux\$${exclude:+|$exclude}"
    fi
    # Check's per-test timeout (4 s) is a hang guard for a quiet machine;
    # beside the heavy suites on 2 cores it is stretched, never a measure
    (cd "$1" && CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-3} \
        ctest --output-on-failure -j"$JOBS" ${exclude:+-E "$exclude"}) || rc=$?
    awk '/^[0-9]+\/[0-9]+ Testing: / { test = $3 }
         /^(cpu-i386|samples|selfvirt|system|usermode|threads|linux|monitor|hotplug|robust|httpd): .*(compared|references|NOTE|SKIP|no x86-64 twin|subset|oracle|boots|identical|transcript|cases|all checks)/ || /^(PASS|SKIP|FAIL): linux-hotplug:/ { print "  [" test "] " $0 }' \
        "$1/Testing/Temporary/LastTest.log" 2>/dev/null
    return $rc
}

# host_runs_i386: true when this host executes i386 code natively (asks
# tests/lib/host-i386.sh, which every suite uses); its one-line verdict
# is left in HOST_I386.
host_runs_i386() {
    HOST_I386=$(bash "$E386_ROOT/tests/lib/host-i386.sh")
}

# coverage_report BUILD FLOOR: from the .gcda files the suites left in
# BUILD (clang's --coverage, read through llvm-cov's gcov mode), write the
# lcov HTML report, print line and branch coverage of src/ per subsystem,
# and fail if src/'s line coverage is below FLOOR percent.
coverage_report() {
    local build=$1 floor=$2 info=$1/coverage.info gcov=$1/llvm-gcov.sh total_line="" sub f name s lines
    local llvm_cov
    llvm_cov=$(command -v llvm-cov || ls /usr/bin/llvm-cov-* 2>/dev/null | sort -V | tail -1)
    [ -n "$llvm_cov" ] || { echo "coverage: FAILED: no llvm-cov (install llvm)"; return 1; }
    printf '#!/bin/sh\nexec %s gcov "$@"\n' "$llvm_cov" >"$gcov" && chmod +x "$gcov"
    lcov -q --gcov-tool "$gcov" --capture --rc lcov_branch_coverage=1 --directory "$build" \
        --output-file "$info.all" 2>/dev/null
    lcov -q --rc lcov_branch_coverage=1 --extract "$info.all" "$E386_ROOT/src/*" --output-file "$info" 2>/dev/null
    genhtml -q --rc lcov_branch_coverage=1 --branch-coverage "$info" --output-directory "$build/html" >/dev/null
    echo "coverage: HTML report in $build/html/index.html"
    for sub in core cpu fpu mem user system dev native migration ""; do
        if [ -n "$sub" ]; then
            lcov -q --rc lcov_branch_coverage=1 --extract "$info" "$E386_ROOT/src/$sub/*" --output-file "$info.$sub" 2>/dev/null
            f=$info.$sub name=src/$sub
        else
            f=$info name=src
        fi
        s=$(lcov --rc lcov_branch_coverage=1 --summary "$f" 2>&1)
        lines=$(echo "$s" | awk '/lines\.*:/ {print $2}')
        printf "coverage: %-13s lines %7s  branches %7s\n" "$name" "$lines" "$(echo "$s" | awk '/branches\.*:/ {print $2}')"
        [ -n "$sub" ] || total_line=${lines%\%}
    done
    if [ -z "$total_line" ] || awk "BEGIN{exit !($total_line < $floor)}"; then
        echo "coverage: FAILED: src/ line coverage ${total_line:-unknown}% is below the floor of $floor%"
        return 1
    fi
    echo "coverage: src/ line coverage $total_line% >= floor $floor%"
}
