#!/bin/sh
# make run: build the default guest if needed, then boot it with the serial console
# on this terminal, recording the run. Ctrl-A X quits, as in QEMU.
set -e
build=${1:-build}
sh "$(dirname "$0")/build-default-guest.sh" "$build/guest"
log="$build/default-guest.rr"
echo "Booting the default guest (Ctrl-A X quits; 'poweroff' in the guest stops it)."
echo "Recording to $log."
status=0
"$build/reprise" -m 256 -kernel "$build/guest/vmlinuz" \
    -initrd "$build/guest/initramfs.cpio.gz" -append "console=ttyS0" -nographic \
    -icount shift=auto,rr=record,rrfile="$log" || status=$?
echo
echo "Replay this run exactly with:"
echo "    $build/reprise -icount rr=replay,rrfile=$log"
echo "Inspect the log with: $build/reprise-log info $log"
exit $status
