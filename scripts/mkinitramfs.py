#!/usr/bin/env python3
"""Pack the default guest's initramfs: a gzip-compressed cpio "newc" archive holding
busybox, the /init script and (optionally) kernel modules. Deterministic: fixed
timestamps, owners and order, so the same inputs give the same bytes."""
import argparse
import gzip
import os
import stat

NEWC_MAGIC = b"070701"


def cpio_entry(name, mode, data=b"", ino=0, nlink=1, rdev=(0, 0)):
    name_b = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
    head = NEWC_MAGIC + b"".join(b"%08x" % f for f in fields)
    out = head + name_b
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def add_tree(entries, root, prefix, ino):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        arc = prefix if rel == "." else prefix + "/" + rel
        entries.append(cpio_entry(arc, stat.S_IFDIR | 0o755, ino=next(ino)))
        for fn in sorted(filenames):
            path = os.path.join(dirpath, fn)
            if os.path.islink(path):
                target = os.readlink(path).encode()
                entries.append(cpio_entry(arc + "/" + fn, stat.S_IFLNK | 0o777, target,
                                          ino=next(ino)))
            else:
                with open(path, "rb") as f:
                    entries.append(cpio_entry(arc + "/" + fn, stat.S_IFREG | 0o644,
                                              f.read(), ino=next(ino)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--busybox", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--modules", help="lib/modules tree to include (kernel modules)")
    ap.add_argument("--module-dirs", default="",
                    help="comma-separated subdirectories of kernel/ to include")
    ap.add_argument("--program", action="append", default=[],
                    help="a static binary to install as /bin/NAME (repeatable)")
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    counter = iter(range(1, 1 << 30))
    entries = []
    for d in ("bin", "sbin", "dev", "proc", "sys", "tmp", "root", "etc", "lib"):
        entries.append(cpio_entry(d, stat.S_IFDIR | 0o755, ino=next(counter)))
    entries.append(cpio_entry("dev/console", stat.S_IFCHR | 0o600, ino=next(counter),
                              rdev=(5, 1)))
    with open(args.busybox, "rb") as f:
        entries.append(cpio_entry("bin/busybox", stat.S_IFREG | 0o755, f.read(),
                                  ino=next(counter)))
    entries.append(cpio_entry("bin/sh", stat.S_IFLNK | 0o777, b"busybox", ino=next(counter)))
    with open(args.init, "rb") as f:
        entries.append(cpio_entry("init", stat.S_IFREG | 0o755, f.read(), ino=next(counter)))
    for prog in args.program:
        with open(prog, "rb") as f:
            entries.append(cpio_entry("bin/" + os.path.basename(prog),
                                      stat.S_IFREG | 0o755, f.read(), ino=next(counter)))
    if args.modules and args.module_dirs:
        for kdir in sorted(os.listdir(args.modules)):
            for sub in args.module_dirs.split(","):
                tree = os.path.join(args.modules, kdir, "kernel", sub)
                if os.path.isdir(tree):
                    add_tree(entries, tree, "lib/modules/%s/kernel/%s" % (kdir, sub), counter)
    entries.append(cpio_entry("TRAILER!!!", 0))
    with open(args.output, "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(b"".join(entries))


if __name__ == "__main__":
    main()
