# The guest side of tests/linux/net.sh (busybox sh, run by the kit's
# /init): the PCI bus as Linux found it, the card's option ROM read
# through sysfs, then ne2k-pci or 8139too from the modules net.sh added, a DHCP
# lease over -netdev user, and an HTTP fetch from the host's loopback
# (10.0.2.2) on the port given as e386port= on the kernel command line.
port=$(sed -n 's/.*e386port=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "== pci"
for d in /sys/bus/pci/devices/*; do
    echo "$(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") class=$(cat "$d/class") irq=$(cat "$d/irq")"
done
echo "== rom"
for d in /sys/bus/pci/devices/*; do
    [ -e "$d/rom" ] || continue
    echo 1 > "$d/rom"
    echo "$(basename "$d") rom signature: $(head -c 2 "$d/rom" | od -An -tx1 | tr -d ' ')"
    echo 0 > "$d/rom"
done
echo "== driver"
if grep -q 0x8139 /sys/bus/pci/devices/*/device; then
    insmod /lib/net/mii.ko && insmod /lib/net/8139too.ko && echo "8139too loaded"
else
    insmod /lib/net/8390.ko && insmod /lib/net/ne2k-pci.ko && echo "ne2k-pci loaded"
fi
dmesg | grep -E "ne2k|8139|eth0" | sed 's/^\[[ 0-9.]*\] //'
cat > /tmp/dhcp.sh <<'E'
#!/bin/sh
case $1 in bound|renew) ifconfig "$interface" "$ip" netmask "$subnet" up; route add default gw "$router" ;; esac
exit 0
E
chmod +x /tmp/dhcp.sh
ifconfig lo 127.0.0.1 up
ifconfig eth0 up
echo "== dhcp"
udhcpc -i eth0 -s /tmp/dhcp.sh -n -q -t 10 -T 2 2>&1 | grep -E "lease|obtained|No lease"
ifconfig eth0 | grep -E "inet addr|HWaddr"
echo "== http"
wget -q -O - "http://10.0.2.2:$port/hello.txt"
echo "wget status $?"
grep -E "eth0|ne2k" /proc/interrupts | sed 's/  */ /g'
