# Sourced by net.sh and hotplug.sh: nic_initrd GUEST_SCRIPT builds
# $work/initrd.gz, the kit's initramfs running GUEST_SCRIPT followed by a
# second cpio archive with 8390.ko, ne2k-pci.ko, mii.ko and 8139too.ko
# from the kernel package the kit fetched (Linux unpacks concatenated
# archives in order).  Sets KERNEL (and the kit's other variables) and
# cache; calls the sourcing script's skip/fail on trouble.
nic_initrd() {
    local kit_env deb
    kit_env=$("$here/kit.sh" -q -s "$1" -o "$work/base.gz" 2> "$work/kit.err") ||
        skip "the guest kit cannot be fetched: $(tail -n 1 "$work/kit.err")"
    eval "$kit_env"
    cache=$(dirname "$KERNEL")
    deb=$(ls "$cache"/debs/linux-image-*.deb 2> /dev/null | head -n 1)
    [ -n "$deb" ] || skip "no kernel package in $cache/debs"
    mkdir -p "$work/mods"
    dpkg-deb --fsys-tarfile "$deb" | tar x -C "$work/mods" --wildcards '*/8390/8390.ko' '*/8390/ne2k-pci.ko' \
        '*/net/mii.ko' '*/realtek/8139too.ko' || fail "cannot extract the NIC modules from $deb"
    python3 - "$work/mods.gz" "$work"/mods/lib/modules/*/kernel/drivers/net <<'PY' ||
import gzip, os, sys
# a newc cpio archive: lib/net/{8390,ne2k-pci,mii,8139too}.ko
out, src = sys.argv[1], sys.argv[2]
def entry(name, mode, data, ino):
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name) + 1, 0)
    b = ("070701" + "".join("%08X" % v for v in fields)).encode() + name.encode() + b"\0"
    b += b"\0" * (-len(b) % 4)
    return b + data + b"\0" * (-len(data) % 4)
buf = entry("lib", 0o40755, b"", 9001) + entry("lib/net", 0o40755, b"", 9002)
for i, m in enumerate(("ethernet/8390/8390.ko", "ethernet/8390/ne2k-pci.ko", "mii.ko",
                       "ethernet/realtek/8139too.ko")):
    data = open(os.path.join(src, m), "rb").read()
    buf += entry("lib/net/" + os.path.basename(m), 0o100644, data, 9003 + i)
buf += entry("TRAILER!!!", 0, b"", 0)
open(out, "wb").write(gzip.compress(buf, mtime=0))
PY
        fail "cannot build the module archive"
    cat "$work/base.gz" "$work/mods.gz" > "$work/initrd.gz"
}
