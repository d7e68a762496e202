# The guest side of tests/linux/hotplug.sh (busybox sh, run by the kit's
# /init): the NIC sits behind an SHPC pci-bridge; DHCP and an HTTP fetch
# from the host's loopback (10.0.2.2, port e386port= on the command
# line), then the host unplugs the card through QMP (the kernel's shpchp
# powers the slot off and the driver lets go of eth0), plugs it back
# (shpchp powers it on, ne2k-pci binds again), and the guest fetches again.
port=$(sed -n 's/.*e386port=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "== pci"
for d in /sys/bus/pci/devices/*; do
    echo "$(basename "$d") $(cat "$d/vendor"):$(cat "$d/device") class=$(cat "$d/class") irq=$(cat "$d/irq")"
done
ls /sys/bus/pci/slots/ 2> /dev/null | sed 's/^/slot /'
if grep -q 0x8139 /sys/bus/pci/devices/*/device; then
    insmod /lib/net/mii.ko && insmod /lib/net/8139too.ko && echo "8139too loaded"
else
    insmod /lib/net/8390.ko && insmod /lib/net/ne2k-pci.ko && echo "ne2k-pci loaded"
fi
dmesg | grep -iE "shpchp|ne2k|8139|eth0|pci_bus 0000:01|bridge window" | sed 's/^\[[ 0-9.]*\] //'
cat > /tmp/dhcp.sh <<'E'
#!/bin/sh
case $1 in bound|renew) ifconfig "$interface" "$ip" netmask "$subnet" up; route add default gw "$router" ;; esac
exit 0
E
chmod +x /tmp/dhcp.sh
ifconfig lo 127.0.0.1 up
fetch() {
    ifconfig eth0 up
    udhcpc -i eth0 -s /tmp/dhcp.sh -n -q -t 10 -T 2 2>&1 | grep -E "lease|obtained|No lease"
    ifconfig eth0 | grep -E "inet addr|HWaddr"
    wget -q -O - "http://10.0.2.2:$port/hello.txt"
    echo "wget status $?"
}
echo "== fetch 1"
fetch
echo "== unplug now"
# the host's device_del presses the slot's attention button; shpchp turns
# the slot off after its 5 s blink and the driver's eth0 goes away
while [ -e /sys/class/net/eth0 ]; do sleep 1; done
echo "eth0 gone"
dmesg | grep -iE "shpchp|ne2k|8139" | tail -n 4 | sed 's/^\[[ 0-9.]*\] //'
echo "== plug now"
while [ ! -e /sys/class/net/eth0 ]; do sleep 1; done
echo "eth0 back"
dmesg | grep -iE "shpchp|ne2k|8139|eth0|01:01" | tail -n 12 | sed 's/^\[[ 0-9.]*\] //'
echo "== fetch 2"
fetch
echo "== done"
