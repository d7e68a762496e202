#!/bin/bash
# The Linux guest kit: Debian's i386 kernel and a busybox initramfs for
# emu386-system -kernel (issue 10, tests/linux).
#
# usage: tests/linux/kit.sh [-s SCRIPT] [-o INITRD] [-q]
#
#   -s SCRIPT  the shell script /init runs (busybox sh), instead of the
#              default one (uname -a, head /proc/cpuinfo, a shell arithmetic
#              loop, an md5sum of a generated file, date)
#   -o INITRD  where to write the initramfs (default: in the cache, named
#              after the script's checksum)
#   -q         no progress messages on stderr
#
# On success it prints three shell assignments on stdout, for eval:
#   KERNEL=/path/vmlinuz-6.1.0-NN-686   the bzImage
#   INITRD=/path/initrd-XXXXXXXX.gz     the initramfs (newc cpio, gzip)
#   SYSTEM_MAP=/path/System.map-...     the kernel's symbols, for EIPs in logs
# Exit status: 0 done; 77 the packages cannot be fetched here (no i386
# architecture in dpkg and not root, no package lists, no network: the
# reason and the exact commands to run are printed on stderr); 1 any other
# error.
#
# What it downloads, once: two Debian packages, with `apt-get download` (the
# ordinary apt client and its configured mirrors; nothing else is
# contacted):
#   - the kernel package that `linux-image-686:i386` depends on (for Debian
#     12 "bookworm": linux-image-6.1.0-NN-686, about 50 MB), resolved with
#     `apt-cache depends linux-image-686:i386`;
#   - busybox-static:i386 (about 1 MB).
# apt needs the i386 architecture for that.  As root the script runs
#     dpkg --add-architecture i386 && apt-get update
# itself when needed; otherwise it prints those commands and exits 77.
# Nothing is installed on the host: the .deb files are unpacked with
# `dpkg-deb -x` into the cache.
#
# The cache is $E386_CACHE, else $XDG_CACHE_HOME/emu386, else
# ~/.cache/emu386.  Delete it to fetch again.
#
# The initramfs is written by this script itself (a newc cpio archive made
# with printf, then gzip -n): no cpio package and no python are needed, and
# the archive is byte-identical from run to run (mtimes 0, fixed inode
# numbers, fixed order).  It holds /init, /script (the script to run),
# /bin/busybox, /dev/console and empty /proc, /sys, /tmp.  /init mounts
# proc, sysfs and devtmpfs, installs busybox's applet links, runs /script
# with its output on the console (ttyS0 with console=ttyS0), prints an end
# line with the script's status, and ends the machine with `reboot -f`
# (through the keyboard controller; with -no-reboot emu386-system then
# exits; `reboot=t` on the kernel command line makes it a triple fault).  `e386kit=kmsg` on the kernel command line sends
# the script's output to /dev/kmsg (the kernel log) instead of the
# console: useful while the machine has no interrupt-driven UART.
#
# Debian's System.map in the package is a stub (the real one is in the
# linux-image-*-dbg package, about 750 MB, not fetched): an EIP is mapped
# to a symbol by the kernel itself (oops backtraces) or by booting a
# script that reads /proc/kallsyms.
set -eu

quiet=0
script=
out=
while [ $# -gt 0 ]; do
    case $1 in
    -s) script=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    -q) quiet=1; shift ;;
    -h|--help) sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "kit.sh: unknown option '$1' (try -h)" >&2; exit 1 ;;
    esac
done

say() { [ $quiet = 1 ] || echo "kit.sh: $*" >&2; }
cannot() {
    echo "kit.sh: cannot fetch the guest kit: $*" >&2
    exit 77
}

cache=${E386_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/emu386}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

# ---- fetch and unpack (once) ----
fetch() {
    for tool in apt-get apt-cache dpkg dpkg-deb; do
        command -v $tool >/dev/null 2>&1 || cannot "'$tool' is missing (a Debian-like host is needed)"
    done
    if ! dpkg --print-foreign-architectures | grep -qx i386 &&
        [ "$(dpkg --print-architecture)" != i386 ]; then
        if [ "$(id -u)" = 0 ]; then
            say "adding the i386 architecture to dpkg"
            dpkg --add-architecture i386
            apt-get update -qq >&2 || cannot "apt-get update failed"
        else
            cannot "dpkg has no i386 architecture; as root run:
    dpkg --add-architecture i386 && apt-get update"
        fi
    fi
    pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { sub(/:i386$/, "", $2); print $2; exit }')
    if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
        apt-get update -qq >&2 || true
        pkg=$(apt-cache depends linux-image-686:i386 2>/dev/null |
            awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { sub(/:i386$/, "", $2); print $2; exit }')
    fi
    [ -n "$pkg" ] || cannot "apt knows no linux-image-686:i386 (run 'apt-get update' as root; \
Debian 12 has it)"
    say "downloading $pkg:i386 and busybox-static:i386 into $cache/debs"
    mkdir -p "$cache/debs"
    # apt's _apt user cannot write a root-owned cache folder: that warning is harmless
    (cd "$cache/debs" && apt-get download -q "$pkg:i386" busybox-static:i386 >&2) ||
        cannot "apt-get download failed (no network or no mirror?)"
    tmp=$(mktemp -d "$cache/unpack.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    kdeb=$(ls "$cache"/debs/"${pkg}"_*_i386.deb | tail -n 1)
    bdeb=$(ls "$cache"/debs/busybox-static_*_i386.deb | tail -n 1)
    dpkg-deb -x "$kdeb" "$tmp/k"
    dpkg-deb -x "$bdeb" "$tmp/b"
    ver=${pkg#linux-image-}
    [ -f "$tmp/k/boot/vmlinuz-$ver" ] || { echo "kit.sh: no boot/vmlinuz-$ver in $kdeb" >&2; exit 1; }
    cp "$tmp/k/boot/vmlinuz-$ver" "$tmp/k/boot/System.map-$ver" "$tmp/k/boot/config-$ver" "$cache/"
    cp "$tmp/b/bin/busybox" "$cache/busybox-i386"
    echo "$ver" > "$cache/kernel-version" # written last: marks a complete kit
    rm -rf "$tmp"
    trap - EXIT
}

# one fetch at a time: several suites may ask for the kit at once (ctest -j)
exec 9>"$cache/.fetch-lock"
flock 9
if [ ! -s "$cache/kernel-version" ] || [ ! -s "$cache/busybox-i386" ]; then
    fetch
fi
flock -u 9
ver=$(cat "$cache/kernel-version")
kernel=$cache/vmlinuz-$ver
[ -s "$kernel" ] || { echo "kit.sh: $kernel is missing: delete $cache/kernel-version to fetch again" >&2; exit 1; }

# ---- the initramfs ----
default_script() {
    cat <<'EOF'
uname -a
head -n 8 /proc/cpuinfo
i=0 sum=0
while [ $i -lt 1000 ]; do sum=$((sum + i * i % 7)); i=$((i + 1)); done
echo "sum=$sum"
seq 1 2000 > /tmp/numbers
md5sum /tmp/numbers
date
EOF
}

stage=$(mktemp -d "${TMPDIR:-/tmp}/emu386-initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT
if [ -n "$script" ]; then
    cp "$script" "$stage/script"
else
    default_script > "$stage/script"
fi
cat > "$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# e386kit=kmsg on the kernel command line (the kernel hands unknown
# name=value parameters to init as environment variables): the script's
# output goes to the kernel log instead, which the kernel's own polled
# console driver prints, with no UART interrupt needed
if [ "${e386kit:-}" = kmsg ]; then exec > /dev/kmsg 2>&1; fi
echo "=== emu386 guest: begin ==="
sh /script
echo "=== emu386 guest: end (status $?) ==="
reboot -f
EOF

# newc: "070701", 13 fields of 8 hex digits, the name with its NUL padded
# to 4 bytes (counting the 110-byte header), the data padded to 4 bytes.
ino=0
pad() { [ "$1" -gt 0 ] && head -c "$1" /dev/zero; true; }
entry() { # name mode nlink file rdevmajor rdevminor
    local name=$1 mode=$2 nlink=$3 file=$4 rmaj=${5:-0} rmin=${6:-0} size=0
    [ -n "$file" ] && size=$(wc -c < "$file")
    local namesize=$((${#name} + 1))
    ino=$((ino + 1))
    [ "$name" = TRAILER!!! ] && ino=0
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        $ino $mode 0 0 $nlink 0 $size 0 0 $rmaj $rmin $namesize 0
    printf '%s\0' "$name"
    pad $(((4 - (110 + namesize) % 4) % 4))
    if [ -n "$file" ]; then cat "$file"; fi
    pad $(((4 - size % 4) % 4))
}
archive() {
    entry . $((040755)) 2 ""
    for d in bin dev proc sys tmp; do entry $d $((040755)) 2 ""; done
    entry dev/console $((020600)) 1 "" 5 1
    entry init $((0100755)) 1 "$stage/init"
    entry script $((0100644)) 1 "$stage/script"
    entry bin/busybox $((0100755)) 1 "$cache/busybox-i386"
    entry TRAILER!!! 0 1 ""
}
sum=$(cat "$stage/init" "$stage/script" | md5sum | cut -c1-8)
[ -n "$out" ] || out=$cache/initrd-$sum.gz
archive | gzip -9 -n > "$out.tmp"
mv "$out.tmp" "$out"
say "initramfs: $out"
echo "KERNEL=$kernel"
echo "INITRD=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
echo "SYSTEM_MAP=$cache/System.map-$ver"
echo "BUSYBOX=$cache/busybox-i386"
