#!/bin/busybox sh
# /init of the default guest: mount the pseudo file systems, then hand over to
# busybox init, which gives the user a shell on the console and turns the machine
# off (ACPI) on `poweroff`.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp /root /etc
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
hostname reprise
cat > /etc/profile <<'PROFILE'
export PATH=/sbin:/bin HOME=/root PS1='reprise:\w# '
PROFILE
cat > /etc/banner <<BANNER
Reprise default guest: $(uname -sr), busybox $(busybox | head -n1 | cut -d' ' -f2)
Type 'poweroff' to stop the machine.
BANNER
cat > /etc/inittab <<'INITTAB'
::sysinit:/bin/cat /etc/banner
::respawn:-/bin/cttyhack /bin/sh -l
::shutdown:/bin/sync
INITTAB
exec /bin/busybox init
