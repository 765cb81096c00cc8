#!/bin/sh
# Install the Debian packages Reprise's build and tests need (only those missing).
# As root it runs apt-get; otherwise it prints the command to run.
PKGS="meson ninja-build pkg-config gcc libc6-dev libglib2.0-dev libcapstone-dev \
libzstd-dev liblzma-dev binutils python3 gdb seabios"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "Reprise needs these Debian packages:$missing"
    echo "Install them with: sudo apt-get install -y$missing"
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq $missing
