"""The CPU conformance program (tests/conformance/) inside the default Linux guest: the
same static binary runs on the host and, from the guest's initramfs (/bin/conformance),
on Reprise under Debian's kernel with its default command line; the outputs must be
the same bytes. On a difference the guest's output is fetched (gzip | base64 over the
console) and the first differing lines, which name the instruction and its operands,
are reported.

The guest has 4.5 GiB of RAM, so part of it sits above 4 GiB (past the PCI hole):
the kernel must see all of it in /proc/meminfo, and user pages (the program's among
them) may live up there."""
import base64
import gzip
import hashlib
import os
import subprocess

import test_linux as linux_guest  # not "test_*": run-tests would call it
from common import Skip, check, free_port

BOOT_TIMEOUT = 600
PROMPT = linux_guest.PROMPT
MARK = "@@"
MEMORY_MIB = 4608


class Console(linux_guest.Console):
    """The console of test_linux.py, with commands whose output is fenced by markers."""

    def command(self, line, timeout=300):
        """Output of a command between two markers (the echo of the line excluded)."""
        start = len(self.out)
        self.sock.sendall(("echo %s; %s; echo %s\n" % (MARK + "B", line, MARK + "E"))
                          .encode())
        end = self.wait_for(("\n" + MARK + "E").encode(), start, timeout)
        begin = self.wait_for(("\n" + MARK + "B").encode(), start, timeout)
        self.wait_for(PROMPT, end, timeout)
        return bytes(self.out[begin:end - len(MARK) - 2]).replace(b"\r\n", b"\n").strip()


def _first_differences(host, guest, n=20):
    h, g = host.decode(errors="replace").splitlines(), guest.decode(errors="replace").splitlines()
    diffs = ["host %d lines, guest %d lines" % (len(h), len(g))]
    for i in range(max(len(h), len(g))):
        a = h[i] if i < len(h) else "<none>"
        b = g[i] if i < len(g) else "<none>"
        if a != b:
            diffs.append("line %d:\n  host:  %s\n  guest: %s" % (i + 1, a, b))
            if len(diffs) > n:
                break
    return "\n".join(diffs)


def _fetch(con, path):
    text = con.command("gzip -9 -c %s | base64" % path, timeout=600)
    return gzip.decompress(base64.b64decode(b"".join(text.split())))


def test_conformance_in_linux(ctx):
    program = os.path.join(ctx.build, "tests", "conformance", "conformance")
    if not os.path.exists(program):
        raise Skip("the conformance program is not built (no static glibc)")
    host = subprocess.run([program], capture_output=True, timeout=60, check=True).stdout
    kernel, initrd = linux_guest.default_guest(ctx.build, program)
    port = free_port()
    proc = subprocess.Popen([ctx.reprise, "-m", "%dM" % MEMORY_MIB, "-kernel", kernel, "-initrd", initrd,
                             "-append", "console=ttyS0",
                             "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
                             "-icount", "shift=auto"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        con = Console(port)
        con.wait_for(PROMPT, 0, BOOT_TIMEOUT)
        meminfo = con.command("head -n1 /proc/meminfo").decode().split()
        check(meminfo[0] == "MemTotal:" and int(meminfo[1]) > (MEMORY_MIB - 256) * 1024,
              "the guest does not see its RAM above 4 GiB: %s" % meminfo)
        res = con.command("conformance > /tmp/c.out; echo status=$?; "
                          "md5sum < /tmp/c.out; wc -c < /tmp/c.out").decode().split()
        check(res[0] == "status=0", "conformance failed in the guest: %s" % res)
        if res[1] != hashlib.md5(host).hexdigest():
            guest = _fetch(con, "/tmp/c.out")
            raise AssertionError("the guest's output differs from the host's:\n" +
                                 _first_differences(host, guest))
        check(int(res[-1]) == len(host), "sizes differ: %s vs %d" % (res, len(host)))
        con.sock.sendall(b"poweroff\n")
        status = proc.wait(timeout=300)
        check(status == 0, "poweroff: status %s" % status)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
