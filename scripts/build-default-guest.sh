#!/bin/sh
# Build the default guest from Debian packages: the stock kernel (linux-image-amd64,
# extracted, not installed) and a busybox-static initramfs packed by
# scripts/mkinitramfs.py. Cached in OUT; rebuilt only when the package versions or
# the inputs in this repository change.
#
#   scripts/build-default-guest.sh OUT_DIR
# leaves OUT_DIR/vmlinuz and OUT_DIR/initramfs.cpio.gz.
set -e
out=${1:?usage: build-default-guest.sh OUT_DIR}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
             sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
if [ -z "$kernel_pkg" ]; then
    echo "build-default-guest: cannot resolve linux-image-amd64 (run apt-get update)" >&2
    exit 1
fi
kver=$(apt-cache policy "$kernel_pkg" | sed -n 's/^ *Candidate: //p')
bver=$(apt-cache policy busybox-static | sed -n 's/^ *Candidate: //p')
inputs=$(cat "$src/scripts/mkinitramfs.py" "$src/scripts/guest-init.sh" | sha256sum |
         cut -c1-16)
stamp="$kernel_pkg $kver busybox-static $bver $inputs"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$out/System.map" ]; then
    exit 0
fi

work="$out/work"
rm -rf "$work"
mkdir -p "$work/debs" "$work/kernel" "$work/busybox"
(cd "$work/debs" && apt-get download -q "$kernel_pkg" busybox-static >/dev/null 2>&1) ||
    { echo "build-default-guest: apt-get download failed" >&2; exit 1; }
dpkg-deb -x "$work/debs/$kernel_pkg"_*.deb "$work/kernel"
dpkg-deb -x "$work/debs"/busybox-static_*.deb "$work/busybox"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
cp "$work"/kernel/boot/System.map-* "$out/System.map" # kernel symbols, for gdb tests
python3 "$src/scripts/mkinitramfs.py" --busybox "$work/busybox/bin/busybox" \
    --init "$src/scripts/guest-init.sh" --modules "$work/kernel/lib/modules" \
    --output "$out/initramfs.cpio.gz"
rm -rf "$work"
echo "$stamp" > "$out/stamp"
echo "default guest: $kernel_pkg $kver, busybox-static $bver -> $out"
