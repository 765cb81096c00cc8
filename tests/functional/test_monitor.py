"""The human monitor driven over a unix socket: QEMU's commands, their output, and that
the monitor never perturbs a recording or a replay."""
import functools
import os
import re
import socket
import subprocess
import time

from common import Skip, check, final_hash, run

CONFIGS = ("replay", "noreplay")
PROMPT = b"(reprise) "


class Monitor:
    """A monitor connection: cmd() sends a line and returns what it printed."""

    def __init__(self, path, timeout=60.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.banner = self._until_prompt()

    def _until_prompt(self):
        """Output up to the next prompt (a stop report may follow it at once)."""
        while PROMPT not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("monitor closed; got %r" % self.buf)
            self.buf += data
        out, _, self.buf = self.buf.partition(PROMPT)
        return out.decode(errors="replace").replace("\r\n", "\n")

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\n")
        out = self._until_prompt()
        echo, _, rest = out.partition("\n")
        check(echo.strip() == line, "monitor echoed %r for %r" % (echo, line))
        return rest

    def hash(self):
        """(icount, machine hash, cpu hash) from 'info hash'."""
        m = re.search(r"icount (\d+) machine ([0-9a-f]+) cpu ([0-9a-f]+)", self.cmd("info hash"))
        check(m is not None, "no hash line")
        return int(m.group(1)), m.group(2), m.group(3)

    def wait_stop(self):
        """After cont: the report the monitor prints when the VM stops by itself."""
        out = self._until_prompt()
        m = re.search(r"at instruction (\d+)", out)
        check(m is not None, "no stop report in %r" % out)
        return out, int(m.group(1))

    def send(self, line):
        self.sock.sendall(line.encode() + b"\n")

    def close(self):
        self.sock.close()


def monitor_available(ctx):
    status, _, err = run([ctx.reprise, "-monitor", "none", "-version"], timeout=30, cwd=ctx.tmp)
    if status != 0 and "not implemented" in err:
        raise Skip("-monitor is not wired in system/vl.c yet")
    return True


def start_monitor(ctx, args, name="mon"):
    """Start Reprise with a monitor on a unix socket; returns (process, Monitor)."""
    path = ctx.path(name + ".sock")
    proc = subprocess.Popen([ctx.reprise] + args +
                            ["-monitor", "unix:%s,server=on,wait=off" % path],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _running.append(proc)
    try:
        return proc, Monitor(path)
    except Exception:
        proc.kill()
        raise AssertionError("no monitor: %s" % proc.communicate()[1].decode())


_running = []  # emulators the current test started


def reaps(test):
    """Kill whatever the test started and left running (after a failed check)."""
    @functools.wraps(test)
    def wrapper(ctx):
        try:
            return test(ctx)
        finally:
            while _running:
                proc = _running.pop()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    return wrapper


def finish(proc, mon, status=0):
    """Quit through the monitor; check the exit status; return stderr."""
    mon.send("quit")
    err = proc.communicate(timeout=60)[1].decode()
    mon.close()
    check(proc.returncode == status, "exit status %d (want %d): %s" % (proc.returncode, status, err))
    return err


def guest_args(ctx, name, *extra):
    return ["-kernel", ctx.guest(name), "-device", "isa-debug-exit", "-serial",
            "file:" + ctx.path(name + ".out")] + list(extra)


@reaps
def test_commands(ctx):
    if not monitor_available(ctx):
        return
    proc, mon = start_monitor(ctx, guest_args(ctx, "clock", "-icount", "shift=0", "-S"))
    check("type 'help'" in mon.banner, "banner %r" % mon.banner)
    helptext = mon.cmd("help")
    for name in ("info", "replay_break", "replay_seek", "savevm", "loadvm", "delvm", "stop",
                 "cont", "xp", "system_reset", "quit"):
        check(re.search(r"^%s\b" % name, helptext, re.M), "help lacks %s" % name)
    check(mon.cmd("info status").strip() == "VM status: paused", "not paused under -S")
    regs = mon.cmd("info registers")
    check(re.search(r"RIP=0*10000c ", regs), "RIP at the entry point: %s" % regs)
    check("Stopped at instruction 7" in mon.cmd("stepi 7"), "stepi 7")
    check(mon.hash()[0] == 7, "icount after stepi 7")
    check(mon.cmd("info status").strip() == "VM status: paused (debug)", "debug stop")
    # x/xp: the entry code as bytes, words and instructions; phys == linear here.
    xb = mon.cmd("x/4xb 0x10000c")
    check(re.match(r"000000000010000c:( 0x[0-9a-f]{2}){4}\n$", xb), xb)
    check(mon.cmd("xp/4xb 0x10000c") == xb, "xp differs from x without paging")
    rip = int(re.search(r"RIP=([0-9a-f]+)", mon.cmd("info registers")).group(1), 16)
    check(mon.cmd("x/2xw $rip").startswith("%016x:" % rip), "x at $rip")
    insns = mon.cmd("x/3i 0x10000c").splitlines()
    check(len(insns) == 3 and insns[0].startswith("0x0010000c:"), "x/3i: %r" % insns)
    check("Cannot access memory" in mon.cmd("xp/1xw 0xfed00000"), "xp on a hole")
    check("unknown command" in mon.cmd("frobnicate"), "unknown command")
    check("Error" in mon.cmd("replay_break 3"), "replay_break behind the position")
    mon.cmd("replay_break 1000")
    check("replay_break at instruction 1000" in mon.cmd("info replay"), "info replay break")
    mon.cmd("cont")
    check(mon.wait_stop() == ("\nReached the replay_break at instruction 1000\n", 1000),
          "replay_break stop report")
    check(mon.cmd("info status").strip() == "VM status: paused (debug)", "replay_break stop")
    check(mon.hash()[0] == 1000, "stopped at the break")
    mon.cmd("replay_break 2000")
    mon.cmd("replay_delete_break")
    check("replay_break" not in mon.cmd("info replay"), "replay_delete_break")
    mon.cmd("cont")
    err = proc.communicate(timeout=60)[1].decode()  # the guest exits by itself
    mon.close()
    check(proc.returncode == 1, "guest exit status %d: %s" % (proc.returncode, err))
    with open(ctx.path("clock.out")) as f:
        check("rdrand" in f.read(), "the guest ran to its end")


@reaps
def test_savevm_loadvm_and_reset(ctx):
    if not monitor_available(ctx):
        return
    args = guest_args(ctx, "clock", "-icount", "shift=0", "-S")
    proc, mon = start_monitor(ctx, args)
    mon.cmd("stepi 20000")
    at = mon.hash()
    check(mon.cmd("savevm early") == "", "savevm prints nothing")
    mon.cmd("stepi 30000")
    check(mon.hash() != at, "state moved")
    check(mon.cmd("loadvm early") == "", "loadvm")
    check(mon.hash() == at, "loadvm restores the exact state")
    check("early" in mon.cmd("info snapshots"), "info snapshots lists it")
    check("no snapshot named" in mon.cmd("loadvm nosuch"), "loadvm of a missing name")
    mon.cmd("system_reset")
    mon.cmd("stepi 1")
    check(mon.hash()[1] != at[1], "system_reset changed the machine")
    finish(proc, mon)
    # -loadvm NAME starts from it; the file is in the working directory here.
    proc, mon = start_monitor(ctx, args + ["-loadvm", "early"], "mon2")
    check(mon.hash() == at, "-loadvm")
    check("" == mon.cmd("delvm early") and "early" not in mon.cmd("info snapshots"), "delvm")
    finish(proc, mon)


@reaps
def test_record_is_not_perturbed(ctx):
    """Monitor use while recording and replaying leaves both exact."""
    if not monitor_available(ctx) or not ctx.replay_enabled:
        return
    rr = ctx.path("clock.rr")
    proc, mon = start_monitor(ctx, guest_args(ctx, "clock", "-S", "-icount",
                                              "shift=auto,rr=record,rrfile=" + rr,
                                              "-d", "replay", "-D", ctx.path("rec.log")))
    check("not available while recording" in mon.cmd("loadvm x"), "loadvm refused in record")
    check("not available while recording" in mon.cmd("system_reset"), "reset refused")
    mon.cmd("stepi 5000")
    check(mon.cmd("savevm rec5000") == "", "savevm while recording")
    check("Recording execution" in mon.cmd("info replay"), "info replay in record")
    mon.cmd("x/16xb 0x100000")
    mon.cmd("stop")
    mon.cmd("cont")
    proc.communicate(timeout=120)
    mon.close()
    check(proc.returncode == 1, "record exit status %d" % proc.returncode)
    want = final_hash(ctx.path("rec.log"))
    # Replay with the monitor poking around, then without it: both match.
    proc, mon = start_monitor(ctx, ["-icount", "rr=replay,rrfile=" + rr, "-S", "-serial",
                                    "null", "-d", "replay", "-D", ctx.path("rep.log")], "mon2")
    check("not available while replaying" in mon.cmd("system_reset"), "reset refused")
    mon.cmd("stepi 3000")
    mon.cmd("info registers")
    mon.cmd("x/8i $rip")
    mon.cmd("loadvm rec5000")
    check(mon.hash()[0] == 5000, "a snapshot taken while recording loads in the replay")
    mon.cmd("cont")
    check("end of the replay log" in mon.wait_stop()[0], "the replay stops at its end")
    finish(proc, mon)
    check(final_hash(ctx.path("rep.log")) == want, "replay with a monitor diverged")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rr, "-serial", "null",
                          "-d", "replay", "-D", ctx.path("rep2.log")])
    check(status == 1, "plain replay status %d: %s" % (status, err))
    check(final_hash(ctx.path("rep2.log")) == want, "plain replay diverged")
    os.unlink(rr + ".snap")


@reaps
def test_nographic_mux(ctx):
    """-nographic: serial and monitor share stdio; Ctrl-A C switches between them, the
    guest only hears what is typed on its side."""
    if not monitor_available(ctx):
        return
    proc = subprocess.Popen([ctx.reprise, "-kernel", ctx.guest("echo"), "-device",
                             "isa-debug-exit", "-nographic"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _running.append(proc)
    out = b""

    def wait_for(needle):
        nonlocal out
        deadline = time.monotonic() + 60
        while needle not in out:
            check(time.monotonic() < deadline, "no %r in %r" % (needle, out))
            out += os.read(proc.stdout.fileno(), 65536)

    def type_keys(data):
        proc.stdin.write(data)
        proc.stdin.flush()

    wait_for(b"echo ready\n")
    type_keys(b"abc\n")
    wait_for(b"abc\r\n" if b"abc\r\n" in out else b"abc\n")
    type_keys(b"\x01c")
    wait_for(b"(reprise) ")
    type_keys(b"info status\n")
    wait_for(b"VM status: running")
    type_keys(b"\x01c")
    type_keys(b"xyz\n")
    wait_for(b"xyz")
    type_keys(b"quit\n")
    # abc, xyz and quit with their newlines: nothing typed for the monitor.
    wait_for(b"received 13 bytes")
    proc.communicate(timeout=60)
    check(proc.returncode == 1, "guest exit status %d" % proc.returncode)
