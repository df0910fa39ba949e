#!/usr/bin/env python3
"""Writes a cpio archive in the "newc" format the Linux kernel unpacks as an initramfs
(Documentation/driver-api/early-userspace/buffer-format.rst), from a directory tree plus device
nodes given on the command line, so that no root rights (mknod) are needed to build it.
Every entry is owned by root; file times are 0 so that the archive is reproducible.

Usage: cpio_newc.py ROOT OUT [--node PATH:MODE:c|b:MAJOR:MINOR ...]
"""
import os
import stat
import sys


def header(ino, mode, nlink, size, rdev_major, rdev_minor, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev_major, rdev_minor, len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad(n):
    return b"\0" * ((4 - n % 4) % 4)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    root, out = argv[1], argv[2]
    nodes = []
    args = argv[3:]
    while args:
        if args[0] != "--node" or len(args) < 2:
            sys.exit("cpio_newc.py: bad arguments: " + " ".join(args))
        path, mode, kind, major, minor = args[1].split(":")
        nodes.append((path.strip("/"), int(mode, 8) | (stat.S_IFCHR if kind == "c" else stat.S_IFBLK), int(major), int(minor)))
        args = args[2:]

    entries = []  # (name, mode, data, major, minor)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            arc = os.path.normpath(os.path.join(rel, name))
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                entries.append((arc, stat.S_IFLNK | 0o777, os.readlink(full).encode(), 0, 0))
            elif stat.S_ISDIR(st.st_mode):
                entries.append((arc, stat.S_IFDIR | (st.st_mode & 0o7777), b"", 0, 0))
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as f:
                    entries.append((arc, stat.S_IFREG | (st.st_mode & 0o7777), f.read(), 0, 0))
    for path, mode, major, minor in nodes:
        entries.append((path, mode, b"", major, minor))
    entries.sort(key=lambda e: e[0])

    with open(out, "wb") as f:
        for ino, (name, mode, data, major, minor) in enumerate(entries + [("TRAILER!!!", 0, b"", 0, 0)], 1):
            nlink = 2 if stat.S_ISDIR(mode) else 1
            h = header(ino if name != "TRAILER!!!" else 0, mode, nlink, len(data), major, minor, name.encode())
            h += name.encode() + b"\0"
            f.write(h + pad(len(h)) + data + pad(len(data)))


if __name__ == "__main__":
    main(sys.argv)
