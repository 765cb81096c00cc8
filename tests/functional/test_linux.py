"""The default guest: Debian's stock kernel and a busybox initramfs, booted with the
kernel's default command line (APIC, IOAPIC, ACPI), driven over a socket serial port
by a scripted session typed at irregular moments, powered off from the guest; then
its recording replayed five times with no input attached, with shift=auto and with a
fixed shift.

A boot takes 15-40 s here, so the two recordings run side by side and the replays
two at a time (the machine has two cores)."""
import os
import random
import subprocess
import threading
import time

from common import ROOT, check, connect, final_hash, free_port, run

BOOT_TIMEOUT = 900
FIXED_REPLAYS = 5  # like the shift=auto recording
PROMPT = b"reprise:/# "
APPEND = "console=ttyS0"
MEMORY = "256"

# What the session types: each command's output must come back in the recording.
SESSION = (
    ("uname", "uname -a"),
    ("random", "head -c 16 /dev/urandom | od -An -tx1"),
    ("date", "date +%s; date"),
    ("uptime", "cat /proc/uptime"),
    ("compute", "i=0; s=0; while [ $i -lt 2000 ]; do s=$(((s * 31 + i) % 1000003)); "
                "i=$((i + 1)); done; echo sum=$s"),
    ("interrupts", "cat /proc/interrupts"),
    ("random2", "dd if=/dev/urandom bs=64 count=1 2>/dev/null | md5sum"),
    ("uptime2", "cat /proc/uptime; date"),
)


def compute_expected():
    s = 0
    for i in range(2000):
        s = (s * 31 + i) % 1000003
    return "sum=%d" % s


def default_guest(build, program=None):
    """(vmlinuz, initramfs) of the default guest, built from Debian packages and cached
    in the build folder; program is the conformance binary it carries (the script's
    default: the build's own)."""
    out = os.path.join(build, "guest")
    status, _, err = run(["sh", os.path.join(ROOT, "scripts", "build-default-guest.sh"),
                          out] + ([program] if program else []), timeout=900)
    check(status == 0, "building the default guest failed: %s" % err)
    return os.path.join(out, "vmlinuz"), os.path.join(out, "initramfs.cpio.gz")


class Console:
    """The guest's serial console over a TCP socket."""

    def __init__(self, port, rng=None):
        self.sock = connect(port, timeout=60)
        self.out = bytearray()
        self.rng = rng
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
            time.sleep(0.02)
        raise AssertionError("timed out waiting for %r; console ends with %r" %
                             (needle, bytes(self.out[-300:])))

    def type(self, text):
        """Type text in bursts of 1-8 keys with pauses of 0-60 ms: irregular moments."""
        data = text.encode()
        while data:
            n = self.rng.randrange(1, 9)
            self.sock.sendall(data[:n])
            data = data[n:]
            time.sleep(self.rng.random() * 0.06)

    def command(self, line, timeout=120):
        """Type a command after a pause and return its output up to the next prompt."""
        time.sleep(self.rng.random() * 0.5)
        start = len(self.out)
        self.type(line + "\n")
        end = self.wait_for(PROMPT, start, timeout)
        return bytes(self.out[start:end]).decode(errors="replace")


def guest_args(kernel, initrd):
    return ["-m", MEMORY, "-kernel", kernel, "-initrd", initrd, "-append", APPEND]


class Session:
    """A recording of the scripted session, running in the background."""

    def __init__(self, reprise, kernel, initrd, icount, log, seed):
        self.port = free_port()
        self.log = log
        self.cmd = ([reprise] + guest_args(kernel, initrd) +
                    ["-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % self.port] +
                    (["-icount", icount] if icount else []))
        if log:
            self.cmd += ["-d", "replay", "-D", log]
        self.seed = seed
        self.results = {}
        self.error = None
        self.start = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.thread = threading.Thread(target=self._drive, daemon=True)
        self.thread.start()

    def _drive(self):
        try:
            self.con = Console(self.port, random.Random(self.seed))
            self.con.wait_for(PROMPT, 0, BOOT_TIMEOUT)
            for name, line in SESSION:
                self.results[name] = self.con.command(line)
            self.con.type("poweroff\n")
        except Exception as e:  # reported by finish()
            self.error = e

    def finish(self, timeout=BOOT_TIMEOUT):
        """Wait for the guest to power off: (status, console bytes, stderr, seconds)."""
        self.thread.join(timeout)
        try:
            status = self.proc.wait(timeout=300 if self.error is None else 5)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        seconds = time.monotonic() - self.start
        if self.error is not None:
            raise self.error
        check(status is not None, "the guest did not power off")
        self.con.thread.join(timeout=30)
        return status, bytes(self.con.out), self.proc.stderr.read().decode(), seconds


def start_replay(reprise, rrfile, out, log):
    """A replay with nothing attached: only the log feeds the guest."""
    return subprocess.Popen([reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                             "-serial", "file:" + out, "-d", "replay", "-D", log],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_replays(ctx, jobs, parallel=2):
    """jobs: (tag, rrfile). Runs them `parallel` at a time; returns {tag: (status,
    console, (hash, icount), stderr)}."""
    results = {}
    pending = list(jobs)
    while pending:
        batch, pending = pending[:parallel], pending[parallel:]
        procs = []
        for tag, rrfile in batch:
            out, log = ctx.path("replay-%s.txt" % tag), ctx.path("replay-%s.log" % tag)
            procs.append((tag, out, log, start_replay(ctx.reprise, rrfile, out, log)))
        for tag, out, log, proc in procs:
            try:
                status = proc.wait(timeout=BOOT_TIMEOUT)
            finally:
                if proc.poll() is None:
                    proc.kill()
            err = proc.stderr.read().decode()
            with open(out, "rb") as f:
                console = f.read()
            fh = final_hash(log) if status == 0 else None
            results[tag] = (status, console, fh, err)
    return results


def _check_session(results, console):
    check("Linux reprise 6.1" in results["uname"] and "x86_64" in results["uname"],
          results["uname"])
    check(len(results["random"].split()) >= 18, results["random"])
    check(compute_expected() in results["compute"], results["compute"])
    check("LOC" in results["interrupts"] or "timer" in results["interrupts"],
          results["interrupts"])
    check(len(results["uptime"].split()) >= 4, results["uptime"])
    check(b"reboot: Power down" in console, "no power-down message")


def _last_icount(ctx, rrfile):
    import json
    status, out, err = run([ctx.reprise_log, "--json", "info", rrfile])
    check(status == 0, "reprise-log info: %s" % err)
    info = json.loads(out)
    check(info["status"] == "intact", "the recording is not intact: %r" % info)
    return info["last_icount"]


def _check_replays(ctx, name, rrfile, recorded, rec_hash, replays):
    last = _last_icount(ctx, rrfile)
    check(rec_hash[1] == last, "%s: the recording ended at %d, its log at %d" %
          (name, rec_hash[1], last))
    for tag, (status, console, fh, err) in sorted(replays.items()):
        check(status == 0, "%s replay %s exit status %s: %s" % (name, tag, status, err))
        check(console == recorded, "%s replay %s: the console differs from the recording "
              "(%d vs %d bytes)" % (name, tag, len(console), len(recorded)))
        check(fh == rec_hash, "%s replay %s: final state %s, recorded %s" %
              (name, tag, fh, rec_hash))


def _record_both(ctx, kernel, initrd):
    """Record the session with shift=auto and with shift=3, side by side."""
    runs = {}
    for name, shift, seed in (("auto", "auto", 5), ("fixed", "3", 7)):
        rrfile, log = ctx.path("linux-%s.rr" % name), ctx.path("record-%s.log" % name)
        icount = "shift=%s,sleep=off,rr=record,rrfile=%s" % (shift, rrfile)
        runs[name] = (rrfile, log, Session(ctx.reprise, kernel, initrd, icount, log, seed))
    recorded = {}
    for name, (rrfile, log, s) in runs.items():
        status, console, err, _ = s.finish()
        check(status == 0, "%s: poweroff in the guest must exit with 0, got %d: %s" %
              (name, status, err))
        _check_session(s.results, console)
        recorded[name] = (rrfile, console, final_hash(log), s.results)
    return recorded


def test_default_guest_records_and_replays_exactly(ctx):
    kernel, initrd = default_guest(ctx.build)
    recorded = _record_both(ctx, kernel, initrd)
    # Different delays (seeds) and shifts: the two recordings saw different clocks.
    check(recorded["auto"][3]["date"] != recorded["fixed"][3]["date"] or
          recorded["auto"][3]["random"] != recorded["fixed"][3]["random"],
          "two recordings read the same clock and random bytes")
    jobs = [("auto-%d" % i, recorded["auto"][0]) for i in range(5)]
    jobs += [("fixed-%d" % i, recorded["fixed"][0]) for i in range(FIXED_REPLAYS)]
    replays = run_replays(ctx, jobs)
    for name in ("auto", "fixed"):
        rrfile, console, rec_hash, _ = recorded[name]
        mine = {t: r for t, r in replays.items() if t.startswith(name)}
        _check_replays(ctx, name, rrfile, console, rec_hash, mine)


def test_default_guest_without_icount(ctx):
    """Without -icount virtual time is host time: timers that fall due while the CPU
    runs towards a HLT must still wake it (sleep, poweroff's waits)."""
    kernel, initrd = default_guest(ctx.build)
    s = Session(ctx.reprise, kernel, initrd, None, None, 11)
    status, console, err, _ = s.finish()
    check(status == 0, "poweroff without -icount must exit with 0, got %s: %s" %
          (status, err))
    _check_session(s.results, console)
