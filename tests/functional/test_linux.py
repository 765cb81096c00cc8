"""The default guest: Debian's stock kernel and a busybox initramfs, booted with the
kernel's default command line (APIC, IOAPIC, ACPI), driven over a socket serial port,
powered off from the guest; then its recording replayed byte for byte."""
import os
import subprocess
import threading
import time

from common import ROOT, check, connect, final_hash, free_port, run

BOOT_TIMEOUT = 900
PROMPT = b"reprise:/# "


def _default_guest(ctx):
    out = os.path.join(ctx.build, "guest")
    status, _, err = run(["sh", os.path.join(ROOT, "scripts", "build-default-guest.sh"),
                          out], timeout=900)
    check(status == 0, "building the default guest failed: %s" % err)
    return os.path.join(out, "vmlinuz"), os.path.join(out, "initramfs.cpio.gz")


class Console:
    """The guest's serial console over a TCP socket."""

    def __init__(self, port):
        self.sock = connect(port, timeout=60)
        self.out = bytearray()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            self.out.extend(data)

    def wait_for(self, needle, start, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pos = self.out.find(needle, start)
            if pos >= 0:
                return pos + len(needle)
            time.sleep(0.05)
        raise AssertionError("timed out waiting for %r; console ends with %r" %
                             (needle, bytes(self.out[-300:])))

    def command(self, line, timeout=120):
        """Type a command (at irregular moments) and return its output."""
        start = len(self.out)
        for i, ch in enumerate(line.encode() + b"\n"):
            self.sock.sendall(bytes([ch]))
            if i % 7 == 3:
                time.sleep(0.01 * (i % 5))
        end = self.wait_for(PROMPT, start, timeout)
        return bytes(self.out[start:end]).decode(errors="replace")


def _boot_and_drive(ctx, kernel, initrd, rrfile, log):
    port = free_port()
    cmd = [ctx.reprise, "-m", "256", "-kernel", kernel, "-initrd", initrd, "-append",
           "console=ttyS0", "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
           "-icount", "shift=auto,sleep=off,rr=record,rrfile=" + rrfile,
           "-d", "replay", "-D", log]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    con = Console(port)
    try:
        con.wait_for(PROMPT, 0, BOOT_TIMEOUT)
        results = {
            "uname": con.command("uname -a"),
            "cpuinfo": con.command("cat /proc/cpuinfo"),
            "proc": con.command("ls /proc"),
            "compute": con.command("echo $((123456789 * 987654321 % 1000007))"),
            "dmesg": con.command("dmesg | tail -3"),
            "random": con.command("head -c 16 /dev/urandom | od -An -tx1"),
            "clock": con.command("date; cat /proc/uptime; grep -c . /proc/interrupts"),
        }
        con.sock.sendall(b"poweroff\n")
        status = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    con.thread.join(timeout=30)
    return status, results, bytes(con.out), proc.stderr.read().decode()


def test_default_guest_boots_records_and_replays(ctx):
    kernel, initrd = _default_guest(ctx)
    rrfile, log = ctx.path("linux.rr"), ctx.path("record.log")
    status, r, console, err = _boot_and_drive(ctx, kernel, initrd, rrfile, log)
    check(status == 0, "poweroff in the guest must exit with 0, got %d: %s" % (status, err))
    check("Linux reprise 6.1" in r["uname"] and "x86_64" in r["uname"], r["uname"])
    check("AuthenticAMD" in r["cpuinfo"] and " sse2 " in r["cpuinfo"] and " lm " in
          r["cpuinfo"], r["cpuinfo"][:600])
    check("interrupts" in r["proc"] and "cpuinfo" in r["proc"], r["proc"])
    check(str(123456789 * 987654321 % 1000007) in r["compute"], r["compute"])
    check(len(r["random"].split()) >= 16, r["random"])
    check(b"reboot: Power down" in console, "no power-down message")
    # Replay with nothing attached: the console output and final state are the same.
    out, rlog = ctx.path("replay.txt"), ctx.path("replay.log")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile, "-serial",
                          "file:" + out, "-d", "replay", "-D", rlog], timeout=BOOT_TIMEOUT)
    check(status == 0, "replay exit status %d: %s" % (status, err))
    with open(out, "rb") as f:
        replayed = f.read()
    check(replayed == console, "the replayed console differs from the recording (%d vs %d "
          "bytes)" % (len(replayed), len(console)))
    check(final_hash(rlog) == final_hash(log), "final state differs after replay")
