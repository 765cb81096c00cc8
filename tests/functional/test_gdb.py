"""Debian's gdb, in batch mode, on Reprise's gdbstub: breakpoints, stepping, registers
and memory on the small test guests in live runs, while recording (the recording
then replays to the same final state) and in replay (reverse-stepi retraces the
forward steps, reverse-continue finds earlier breakpoint and watchpoint hits); Ctrl-C,
detach and reconnect; monitor commands and physical memory mode; and the issue's
Linux test: a replay of the default guest's boot, 1,000 stepi and 1,000 reverse-stepi
inside the kernel's timer path, reverse-continue to a breakpoint and to the last write
of jiffies.

The guests are 32-bit Multiboot ELFs; the stub describes an x86-64 CPU (as QEMU's
does), so the scripts say 'set architecture i386:x86-64' before loading the ELF."""
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import time

from common import Skip, check, connect, final_hash, free_port, run
from test_monitor import _running, reaps

CONFIGS = ("replay", "noreplay")
GDB_TIMEOUT = 300


def _need_gdb():
    if not shutil.which("gdb"):
        raise Skip("gdb is not installed")


def _symbol(path, name):
    out = subprocess.run(["nm", path], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
    check(m is not None, "no symbol %s in %s" % (name, path))
    return int(m.group(1), 16)


def _elf_bytes(path, addr, n):
    """n bytes at virtual address addr, from the ELF32 file's PT_LOAD segments."""
    with open(path, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    for i in range(phnum):
        ptype, off, vaddr, _, filesz = struct.unpack_from("<IIIII", data,
                                                          phoff + i * phentsize)
        if ptype == 1 and vaddr <= addr and addr + n <= vaddr + filesz:
            return data[off + addr - vaddr:off + addr - vaddr + n]
    raise AssertionError("0x%x is not in a loaded segment of %s" % (addr, path))


def _start(ctx, args, name):
    """Reprise with a gdb server on a free localhost port; returns (process, port)."""
    port = free_port()
    proc = subprocess.Popen([ctx.reprise] + args + ["-gdb", "tcp::%d" % port],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _running.append(proc)
    return proc, port


def _gdb(port, commands, elf=None, timeout=GDB_TIMEOUT, script=None):
    """Run gdb in batch mode against the stub; returns its output (stdout + stderr)."""
    argv = ["gdb", "-batch", "-nx", "-ex", "set pagination off", "-ex", "set confirm off",
            "-ex", "set architecture i386:x86-64"]
    if elf:
        argv += ["-ex", "file " + elf]
    argv += ["-ex", "target remote 127.0.0.1:%d" % port]
    for c in commands:
        argv += ["-ex", c]
    if script:
        argv += ["-x", script]
    deadline = time.monotonic() + 30
    while True:  # the emulator may still be starting
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        out = p.stdout + p.stderr
        if "Connection refused" not in out or time.monotonic() > deadline:
            return out
        time.sleep(0.1)


def _values(out, name):
    """The values of '$N = V' lines, as integers (hex or decimal, pointers too)."""
    vals = []
    for m in re.finditer(r"^\$\d+ = (?:\([^)]*\) )?(0x[0-9a-f]+|-?\d+)", out, re.M):
        vals.append(int(m.group(1), 0))
    check(vals, "no values for %s in:\n%s" % (name, out))
    return vals


def _icount(out):
    """Instruction counts from 'monitor info replay' or 'monitor info hash'."""
    return [int(x) for x in re.findall(r"(?:instruction count = |^icount )(\d+)", out, re.M)]


def _finish(proc, status=None):
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError("reprise did not exit: %s" % err.decode())
    if status is not None:
        check(proc.returncode == status, "exit status %s (want %d): %s" %
              (proc.returncode, status, err.decode()))
    return err.decode()


def _guest(ctx, name, *extra):
    return ["-kernel", ctx.guest(name), "-device", "isa-debug-exit", "-serial",
            "file:" + ctx.path(name + ".out")] + list(extra)


@reaps
def test_live_break_step_registers_memory(ctx):
    """Break at a function, stepi, registers (x86-64 layout in 32-bit protected mode),
    memory through the page tables, a register write, a write watchpoint, continue to
    the guest's exit."""
    _need_gdb()
    elf = ctx.guest("clock")
    puts, sink = _symbol(elf, "puts_serial"), _symbol(elf, "sink")
    proc, port = _start(ctx, _guest(ctx, "clock", "-S"), "live")
    out = _gdb(port, ["p/x $pc", "break puts_serial", "continue", "p/x $pc", "stepi",
                      "p/x $pc", "info registers", "x/8xb puts_serial", "p/x $cr0",
                      "p $st0", "p $xmm0.uint128", "p/x $mxcsr",
                      "set var $rbx = 0x1234", "p/x $rbx", "delete", "watch *(int*)%d" % sink,
                      "continue", "p/x $pc", "p *(int*)%d" % sink, "delete", "continue"],
               elf=elf)
    vals = _values(out, "pc")
    check(vals[0] == _symbol(elf, "_start"), "starts at _start: %s" % out)
    check(vals[1] == puts, "stopped at puts_serial: %s" % out)
    check("Breakpoint 1, 0x%016x in puts_serial" % puts in out, out)
    check(vals[2] > puts and vals[2] < puts + 16, "stepi moved on by one instruction")
    check(re.search(r"^eflags\s+0x[0-9a-f]+\s+\[.*\]$", out, re.M), "eflags shown as flags")
    check(re.search(r"^cs\s+0x10\s+16$", out, re.M), "cs selector: %s" % out)
    want = " ".join("0x%02x" % b for b in _elf_bytes(elf, puts, 8))
    got = re.search(r"<puts_serial>:\s+(.*)$", out, re.M)
    check(got and got.group(1).split() == want.split(), "x/8xb: %r vs %r" % (got, want))
    check(vals[3] & 1 == 1, "CR0.PE is set in protected mode")
    check(vals[4] == 0 and vals[5] == 0, "x87 and SSE registers readable")
    check(vals[6] == 0x1f80, "mxcsr after reset")
    check(vals[7] == 0x1234, "register write in a live run: %s" % out)
    check("Hardware watchpoint 2: *(int*)%d" % sink in out, out)
    check(re.search(r"Old value = \d+\s+New value = \d+", out), "watchpoint hit: %s" % out)
    check("[Inferior 1 (Remote target) exited with code 01]" in out, "guest exit: %s" % out)
    _finish(proc, 1)


class Remote:
    """A bare remote-protocol client, for what gdb's batch mode cannot do on cue
    (Ctrl-C at a chosen moment, dropping the connection)."""

    def __init__(self, port, timeout=60):
        self.sock = connect(port, timeout=timeout)
        self.sock.settimeout(timeout)
        self.buf = b""

    def send(self, payload):
        data = payload.encode()
        self.sock.sendall(b"$%s#%02x" % (data, sum(data) & 0xff))

    def reply(self):
        """The next packet's payload (acks are skipped; we ack what we get)."""
        while True:
            m = re.search(rb"\$([^#]*)#([0-9a-f]{2})", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                check(sum(m.group(1)) & 0xff == int(m.group(2), 16), "bad checksum")
                self.sock.sendall(b"+")
                return m.group(1).decode()
            data = self.sock.recv(65536)
            check(data, "the stub closed the connection")
            self.buf += data

    def cmd(self, payload):
        self.send(payload)
        return self.reply()

    def rcmd(self, line):
        """monitor LINE: the O packets' text, up to the final OK."""
        self.send("qRcmd," + line.encode().hex())
        text = ""
        while True:
            r = self.reply()
            if r == "OK":
                return text
            check(r.startswith("O"), "qRcmd reply %r" % r)
            text += bytes.fromhex(r[1:]).decode()

    def pc(self):
        return int.from_bytes(bytes.fromhex(self.cmd("p10")), "little")

    def interrupt(self):
        self.sock.sendall(b"\x03")

    def close(self):
        self.sock.close()


@reaps
def test_interrupt_detach_reconnect(ctx):
    """Ctrl-C stops a running or halted VM (SIGINT); detach leaves it stopped where it
    was; a dropped connection too; a new gdb finds it there; kill ends the emulator."""
    proc, port = _start(ctx, _guest(ctx, "bench", "-icount", "shift=0"), "intr")
    r = Remote(port)
    check(r.cmd("?").startswith("T05"), "attaching stops the VM")
    for _ in range(3):
        r.send("vCont;c")
        time.sleep(0.05)
        r.interrupt()
        check(r.reply().startswith("T02thread:01;"), "Ctrl-C is reported as SIGINT")
    pc, hash1 = r.pc(), r.rcmd("info hash")
    check(r.cmd("D") == "OK", "detach")
    r.close()
    r = Remote(port)
    check(r.pc() == pc and r.rcmd("info hash") == hash1, "the VM moved while detached")
    r.send("Z0,%x,1" % _symbol(ctx.guest("bench"), "puts_serial"))
    check(r.reply() == "OK", "breakpoint")
    r.close()  # gone without a word: its breakpoint goes with it
    r = Remote(port)
    check(r.rcmd("info hash") == hash1, "a dropped connection moved the VM")
    check("no breakpoints" in r.rcmd("info breakpoints"), "breakpoints left behind")
    r.send("k")
    _finish(proc, 0)

    # A halted VM (the echo guest waits for serial input) stops as well.
    proc, port = _start(ctx, _guest(ctx, "echo"), "halted")
    r = Remote(port)
    r.cmd("?")
    r.send("c")
    time.sleep(0.2)
    r.interrupt()
    check(r.reply().startswith("T02"), "Ctrl-C on a halted VM")
    r.send("k")
    _finish(proc, 0)


@reaps
def test_monitor_commands_and_physical_memory(ctx):
    """monitor CMD (qRcmd) output comes back to gdb; a command that runs the VM
    replies when it stopped; Qqemu.PhyMemMode switches m packets to physical memory;
    a read watchpoint is accepted (fetching code does not hit it)."""
    _need_gdb()
    elf = ctx.guest("paging")
    entry = _symbol(elf, "_start")
    proc, port = _start(ctx, _guest(ctx, "paging", "-S"), "mon")
    out = _gdb(port, ["monitor help", "monitor info registers", "monitor stepi 5",
                      "monitor info hash", "maint packet qqemu.PhyMemMode",
                      "maint packet Qqemu.PhyMemMode:1", "x/4xb %d" % entry,
                      "maint packet Qqemu.PhyMemMode:0", "rwatch *(int*)%d" % entry,
                      "stepi", "kill"], elf=elf)
    check(re.search(r"^replay_seek ICOUNT", out, re.M), "monitor help: %s" % out)
    check(re.search(r"RIP=0*10000c ", out), "monitor info registers: %s" % out)
    check("Stopped at instruction 5" in out, "monitor stepi 5: %s" % out)
    check(_icount(out) == [5], "icount after monitor stepi 5: %s" % out)
    check(re.search(r'received: "0"', out) and re.search(r'received: "OK"', out), out)
    want = " ".join("0x%02x" % b for b in _elf_bytes(elf, entry, 4))
    got = re.search(r"<_start>:\s+(.*)$", out, re.M)
    check(got and got.group(1).split() == want.split(), "physical x/4xb: %s" % out)
    check("Hardware read watchpoint 1" in out, "rwatch accepted: %s" % out)
    check("Value =" not in out, "an instruction fetch is not a read: %s" % out)
    _finish(proc, 0)


def _sink_accesses(elf, sink):
    """(reading instruction, writing instruction): the addresses in guest_main of the
    load and the store of sink += i."""
    out = subprocess.run(["objdump", "-d", elf], capture_output=True, text=True).stdout
    load = re.search(r"^\s*([0-9a-f]+):\s+8b [0-9a-f ]+\s+mov\s+0x%x,%%e" % sink, out, re.M)
    store = re.search(r"^\s*([0-9a-f]+):\s+89 [0-9a-f ]+\s+mov\s+%%e\w+,0x%x$" % sink, out,
                      re.M)
    check(load and store, "no load and store of sink in %s" % elf)
    return int(load.group(1), 16), int(store.group(1), 16)


def _pcs(out):
    return [int(x, 16) for x in re.findall(r"^pc=(0x[0-9a-f]+)", out, re.M)]


@reaps
def test_read_and_access_watchpoints(ctx):
    """rwatch stops right after each instruction that reads the variable (not after
    the one that writes it), awatch after each that reads or writes it."""
    _need_gdb()
    elf = ctx.guest("clock")
    sink = _symbol(elf, "sink")
    load, store = _sink_accesses(elf, sink)
    proc, port = _start(ctx, _guest(ctx, "clock", "-S"), "rwatch")
    pc = 'printf "pc=0x%x\\n", $pc'
    out = _gdb(port, ["rwatch *(int*)%d" % sink, "continue", pc, "continue", pc, "delete",
                      "awatch *(int*)%d" % sink, "continue", pc, "continue", pc, "continue",
                      pc, "delete", "kill"], elf=elf)
    check("Hardware read watchpoint 1" in out and "Hardware access (read/write) watchpoint 2"
          in out, out)
    after_load, after_store = load + 6, store + 6
    check(_pcs(out) == [after_load, after_load, after_store, after_load, after_store],
          "stops after the accesses (load %#x, store %#x): %s" % (load, store, out))
    check(out.count("Value = ") >= 2, "gdb reports the watchpoint hits: %s" % out)
    _finish(proc)


@reaps
def test_replay_reverse_continue_to_reads(ctx):
    """In a replay, reverse-continue with an rwatch stops before the last read of the
    variable, with an awatch before its last read or write; forward continue stops after
    the next one."""
    elf, sink, proc, port = _replay_clock_under_gdb(ctx)
    load, store = _sink_accesses(elf, sink)
    pc = 'printf "pc=0x%x\\n", $pc'
    out = _gdb(port, ["break puts_serial", "continue", "continue", "delete",
                      "awatch *(int*)%d" % sink, "reverse-continue", pc, "reverse-continue", pc,
                      "continue", pc, "delete", "rwatch *(int*)%d" % sink, "reverse-continue",
                      pc, "continue", pc, "kill"], elf=elf)
    check(_pcs(out) == [store, load, load + 6, load, load + 6],
          "reverse stops before the accesses (load %#x, store %#x): %s" % (load, store, out))
    _finish(proc)


def _replay_clock_under_gdb(ctx):
    """Record the clock guest, then replay it stopped for gdb (-S): (elf, the address of
    its sink variable, the emulator process, the gdb port)."""
    _need_gdb()
    if not ctx.replay_enabled:
        raise Skip("record/replay is disabled in this build")
    rr = ctx.path("clock.rr")
    _record_clock(ctx, rr)
    elf = ctx.guest("clock")
    proc, port = _start(ctx, ["-icount", "rr=replay,rrfile=" + rr, "-serial", "null", "-S"],
                        "replay")
    return elf, _symbol(elf, "sink"), proc, port


def _record_clock(ctx, rr, gdb_commands=None):
    """Record the clock guest (shift=0), optionally with gdb attached; returns the
    final (hash, icount) and gdb's output."""
    args = _guest(ctx, "clock", "-icount", "shift=0,rr=record,rrfile=" + rr, "-d", "replay",
                  "-D", rr + ".log")
    out = ""
    if gdb_commands is None:
        status, _, err = run([ctx.reprise] + args, cwd=ctx.tmp)
        check(status == 1, "clock record: %s" % err)
    else:
        proc, port = _start(ctx, args + ["-S"], "rec")
        out = _gdb(port, gdb_commands, elf=ctx.guest("clock"))
        _finish(proc, 1)
    return final_hash(rr + ".log"), out


@reaps
def test_debugging_a_recording_does_not_perturb_it(ctx):
    """gdb stops, steps, breaks and reads everything while recording; writes are
    refused; the recording then replays, without gdb, to the recorded final state."""
    _need_gdb()
    if not ctx.replay_enabled:
        raise Skip("record/replay is disabled in this build")
    rr = ctx.path("clock.rr")
    sink = _symbol(ctx.guest("clock"), "sink")
    rec, out = _record_clock(ctx, rr, [
        "break puts_serial", "continue", "stepi 20", "info registers", "x/16xw $sp",
        "set var $rax = 1", "set var *(int*)%d = 5" % sink, "delete",
        "watch *(int*)%d" % sink,
        "continue", "continue", "delete", "monitor info replay", "continue"])
    check("Could not write register" in out, "register write refused: %s" % out)
    check("Cannot access memory" in out, "memory write refused: %s" % out)
    check("Recording execution" in out, "monitor info replay: %s" % out)
    check(out.count("Old value") == 2, "two watchpoint hits: %s" % out)
    check("exited with code 01" in out, out)
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rr, "-serial", "null",
                          "-d", "replay", "-D", ctx.path("replay.log")], cwd=ctx.tmp)
    check(status == 1, "replay status %d: %s" % (status, err))
    check(final_hash(ctx.path("replay.log")) == rec, "the replay ends elsewhere")


@reaps
def test_replay_reverse_step_and_continue(ctx):
    """In a replay: reverse-stepi retraces the forward stepi PCs backwards; reverse-
    continue stops at the previous breakpoint hit and at the last write of a
    watched variable; the ends of the history are reported as gdb expects."""
    elf, sink, proc, port = _replay_clock_under_gdb(ctx)
    steps = 300
    script = ctx.path("reverse.py")
    with open(script, "w") as f:
        f.write(REVERSE_SCRIPT % {"steps": steps, "sink": sink, "out": ctx.path("rev.txt")})
    out = _gdb(port, [], elf=elf, script=script)
    check(os.path.exists(ctx.path("rev.txt")), "the gdb script failed:\n%s" % out)
    with open(ctx.path("rev.txt")) as f:
        res = eval(f.read())  # written by our own script below
    check(len(res["fwd"]) == steps and len(set(res["fwd"])) > 5, "forward pcs %r" % res)
    check(res["back"] == list(reversed(res["fwd"][:-1])) + [res["start"]],
          "reverse-stepi does not retrace the forward steps")
    hits = res["hits"]
    check(res["rc"] == hits[1], "reverse-continue from hit 3 stops at hit 2: %r" % res)
    check(res["rc2"] == hits[0], "then at hit 1: %r" % res)
    w = res["watch"]
    check(w["icount"] < w["from"], "the watchpoint stop is earlier: %r" % w)
    check(w["after"] != w["before"], "the next instruction writes the variable: %r" % w)
    check(w["after"] == w["final"], "and nothing writes it later: %r" % w)
    check("No more reverse-execution history" in out, "history start/end reported:\n" + out)
    _finish(proc, 0)


# Helpers for the scripts that run inside gdb (gdb's Python).
GDB_PRELUDE = r'''
import gdb, re

def pc():
    return int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff

def icount():
    out = gdb.execute("monitor info replay", to_string=True)
    return int(re.search(r"instruction count = (\d+)", out).group(1))
'''

# Runs inside gdb (gdb's Python); writes its findings as a Python literal.
REVERSE_SCRIPT = GDB_PRELUDE + r'''
def sink():
    return int(gdb.parse_and_eval("*(unsigned int *)%(sink)d")) & 0xffffffff

res = {}
gdb.execute("break puts_serial")
res["hits"] = []
for _ in range(3):
    gdb.execute("continue")
    res["hits"].append(icount())
res["start"] = pc()
res["fwd"] = []
for _ in range(%(steps)d):
    gdb.execute("stepi", to_string=True)
    res["fwd"].append(pc())
res["back"] = []
for _ in range(%(steps)d):
    gdb.execute("reverse-stepi", to_string=True)
    res["back"].append(pc())
gdb.execute("reverse-continue")
res["rc"] = icount()
gdb.execute("reverse-continue")
res["rc2"] = icount()
gdb.execute("delete")
gdb.execute("continue")  # to the end of the history
gdb.execute("reverse-stepi")
gdb.execute("reverse-stepi")
final = sink()
start = icount()
gdb.execute("watch *(unsigned int *)%(sink)d")
gdb.execute("reverse-continue")
w = {"from": start, "icount": icount(), "before": sink(), "final": final}
gdb.execute("delete")
gdb.execute("stepi")
w["after"] = sink()
res["watch"] = w
gdb.execute("delete")
gdb.execute("reverse-continue")  # to the start of the history
with open("%(out)s", "w") as f:
    f.write(repr(res))
gdb.execute("kill")
'''


# ---- the Linux test ----

LINUX_SYMBOLS = ("update_process_times", "jiffies")
LINUX_STEPS = 1000


def _record_linux_boot(ctx, rr):
    """Record the default guest booting to its shell, where it reads the kernel's
    symbols (the packaged System.map is a placeholder; with the PVH boot there is no
    KASLR, so /proc/kallsyms has the link addresses); the recording ends there, by
    SIGTERM (a host quit, logged like Ctrl-A X). Returns {symbol: address}."""
    from test_linux import Console, PROMPT, default_guest, guest_args
    kernel, initrd = default_guest(ctx.build)
    port = free_port()
    proc = subprocess.Popen([ctx.reprise] + guest_args(kernel, initrd) +
                            ["-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
                             "-icount", "shift=auto,sleep=off,rr=record,rrfile=" + rr],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _running.append(proc)
    con = Console(port, random.Random(3))
    con.wait_for(PROMPT, 0, 600)
    # -m stops at the last wanted symbol instead of listing all 150,000.
    out = con.command("grep -m %d -E ' (%s)$' /proc/kallsyms" %
                      (len(LINUX_SYMBOLS), "|".join(LINUX_SYMBOLS)))
    proc.send_signal(signal.SIGTERM)
    _finish(proc, 0)
    syms = {m.group(2): int(m.group(1), 16)
            for m in re.finditer(r"^([0-9a-f]{16}) \w (\w+)\r?$", out, re.M)}
    check(set(syms) == set(LINUX_SYMBOLS) and all(syms.values()),
          "kernel symbols from /proc/kallsyms: %r" % out)
    return syms


LINUX_SCRIPT = GDB_PRELUDE + r'''
def jiffies():
    return int(gdb.parse_and_eval("*(unsigned long *)%(jiffies)d")) & 0xffffffffffffffff

res = {}
gdb.execute("break *%(bp)d")
gdb.execute("ignore 1 %(skip)d")  # not at the very start: after some ticks
gdb.execute("continue")
a = icount()
res["a"] = a
res["start"] = pc()
res["fwd"] = []
for _ in range(%(steps)d):
    gdb.execute("stepi", to_string=True)
    res["fwd"].append(pc())
res["fwd_end"] = icount()
res["back"] = []
for _ in range(%(steps)d):
    gdb.execute("reverse-stepi", to_string=True)
    res["back"].append(pc())
res["back_end"] = icount()
res["hits"] = []
for _ in range(2):
    gdb.execute("continue")
    res["hits"].append(icount())
res["rc"] = []
for _ in range(2):
    gdb.execute("reverse-continue")
    res["rc"].append(icount())
res["rc_pc"] = pc()
gdb.execute("delete")
res["jiffies_a"] = jiffies()
gdb.execute("watch *(unsigned long *)%(jiffies)d")
gdb.execute("reverse-continue")
res["w"] = icount()
res["w_before"] = jiffies()
gdb.execute("delete")
gdb.execute("stepi")
res["w_after"] = jiffies()
with open("%(out)s", "w") as f:
    f.write(repr(res))
gdb.execute("kill")
'''


@reaps
def test_linux_replay_reverse(ctx):
    """gdb on a replay of the default guest's boot: at a breakpoint on the timer path
    (update_process_times, after 20 ticks), 1,000 stepi and 1,000 reverse-stepi visit
    the same PCs in reverse order; reverse-continue stops at the breakpoint's earlier
    hits; a watchpoint on jiffies, reverse-continued, stops at the last write."""
    _need_gdb()
    if not ctx.replay_enabled:
        raise Skip("record/replay is disabled in this build")
    rr = ctx.path("linux.rr")
    syms = _record_linux_boot(ctx, rr)
    port = free_port()
    proc = subprocess.Popen([ctx.reprise, "-icount", "rr=replay,rrfile=" + rr, "-serial",
                             "null", "-S", "-gdb", "tcp::%d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _running.append(proc)
    script, result = ctx.path("linux.py"), ctx.path("linux.txt")
    with open(script, "w") as f:
        f.write(LINUX_SCRIPT % {"bp": syms["update_process_times"], "skip": 20,
                                "jiffies": syms["jiffies"], "steps": LINUX_STEPS,
                                "out": result})
    out = _gdb(port, [], script=script, timeout=600)
    check(os.path.exists(result), "the gdb script failed:\n%s" % out[-3000:])
    with open(result) as f:
        res = eval(f.read())  # written by LINUX_SCRIPT
    check(res["start"] == syms["update_process_times"], "the breakpoint: %r" % res["start"])
    check(res["fwd_end"] == res["a"] + LINUX_STEPS, "1,000 stepi are 1,000 instructions")
    check(len(set(res["fwd"])) > 50, "the steps went somewhere: %r" % res["fwd"][:20])
    check(res["back"] == list(reversed(res["fwd"][:-1])) + [res["start"]],
          "reverse-stepi does not retrace the forward steps")
    check(res["back_end"] == res["a"], "back where the steps started")
    a, (b, c) = res["a"], res["hits"]
    check(a < b < c, "forward hits %r" % [a, b, c])
    check(res["rc"] == [b, a], "reverse-continue from %d: %r, want [%d, %d]" %
          (c, res["rc"], b, a))
    check(res["rc_pc"] == syms["update_process_times"], "at the breakpoint")
    check(res["w"] < a, "the jiffies watchpoint stops earlier: %r" % res)
    check(res["w_after"] == res["jiffies_a"] and res["w_before"] != res["w_after"],
          "stopped before the last write of jiffies: %r" % res)
    _finish(proc, 0)
