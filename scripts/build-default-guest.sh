#!/bin/sh
# Build the default guest from Debian packages: the stock kernel (linux-image-amd64,
# extracted, not installed) and a busybox-static initramfs packed by
# scripts/mkinitramfs.py, with the CPU conformance program as /bin/conformance when
# it has been built. Cached in OUT; rebuilt only when the package versions or the
# inputs (scripts, conformance binary) change. The packages stay in OUT/debs.
#
#   scripts/build-default-guest.sh OUT_DIR [CONFORMANCE_BINARY]
# leaves OUT_DIR/vmlinuz and OUT_DIR/initramfs.cpio.gz. The conformance binary
# defaults to OUT_DIR/../tests/conformance/conformance (OUT_DIR is BUILD/guest), so
# every caller in one build folder gets the same initramfs.
set -e
out=${1:?usage: build-default-guest.sh OUT_DIR [CONFORMANCE_BINARY]}
src=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
conformance=${2:-$out/../tests/conformance/conformance}
[ -f "$conformance" ] || conformance=

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
             sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
if [ -z "$kernel_pkg" ]; then
    echo "build-default-guest: cannot resolve linux-image-amd64 (run apt-get update)" >&2
    exit 1
fi
kver=$(apt-cache policy "$kernel_pkg" | sed -n 's/^ *Candidate: //p')
bver=$(apt-cache policy busybox-static | sed -n 's/^ *Candidate: //p')
inputs=$(cat "$src/scripts/mkinitramfs.py" "$src/scripts/guest-init.sh" ${conformance:+"$conformance"} |
         sha256sum | cut -c1-16)
stamp="$kernel_pkg $kver busybox-static $bver $inputs"
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] &&
   [ -f "$out/vmlinuz" ] && [ -f "$out/initramfs.cpio.gz" ] && [ -f "$out/System.map" ]; then
    exit 0
fi

# Keep the packages of the wanted versions, so a change of our own inputs only
# re-packs the initramfs.
debs="$out/debs"
kdeb="$debs/${kernel_pkg}_$(echo "$kver" | sed 's/:/%3a/')_amd64.deb"
bdeb="$debs/busybox-static_$(echo "$bver" | sed 's/:/%3a/')_amd64.deb"
if [ ! -f "$kdeb" ] || [ ! -f "$bdeb" ]; then
    rm -rf "$debs"
    mkdir -p "$debs"
    (cd "$debs" && apt-get download -q "$kernel_pkg" busybox-static >/dev/null 2>&1) ||
        { echo "build-default-guest: apt-get download failed" >&2; exit 1; }
fi
work="$out/work"
rm -rf "$work"
mkdir -p "$work/kernel" "$work/busybox"
dpkg-deb -x "$debs/$kernel_pkg"_*.deb "$work/kernel"
dpkg-deb -x "$debs"/busybox-static_*.deb "$work/busybox"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
cp "$work"/kernel/boot/System.map-* "$out/System.map" # kernel symbols, for gdb tests
python3 "$src/scripts/mkinitramfs.py" --busybox "$work/busybox/bin/busybox" \
    --init "$src/scripts/guest-init.sh" --modules "$work/kernel/lib/modules" \
    ${conformance:+--program "$conformance"} --output "$out/initramfs.cpio.gz"
rm -rf "$work"
echo "$stamp" > "$out/stamp"
echo "default guest: $kernel_pkg $kver, busybox-static $bver -> $out"
