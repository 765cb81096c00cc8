"""Reverse execution over recordings of the test guests: replay_seek forwards and
backwards lands on the state a straight replay has at that instruction count, reverse
steps undo steps, reverse_continue finds the last breakpoint or watchpoint hit, named
snapshots taken while replaying carry the log position, and a seek past the end of the
log is an error."""
import random
import re
import subprocess
import time

from common import Skip, check, connect, final_hash, free_port, run
from test_monitor import _running, finish, monitor_available, reaps, start_monitor


def _symbol(ctx, guest, name):
    out = subprocess.run(["nm", ctx.guest(guest)], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w %s$" % name, out, re.M)
    check(m is not None, "no symbol %s in %s" % (name, guest))
    return int(m.group(1), 16)


def _record_echo(ctx, rr):
    """The echo guest with lines typed at irregular moments: char-read events."""
    port = free_port()
    proc = subprocess.Popen([ctx.reprise, "-kernel", ctx.guest("echo"), "-device",
                             "isa-debug-exit", "-serial",
                             "tcp:127.0.0.1:%d,server=on,wait=on" % port, "-icount",
                             "shift=auto,rr=record,rrfile=" + rr, "-d", "replay", "-D",
                             ctx.path("record.log")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _running.append(proc)
    sock = connect(port)
    got = b""
    while b"echo ready\n" not in got:
        got += sock.recv(4096)
    rng = random.Random(7)
    for i in range(12):
        sock.sendall(("line %d %s\n" % (i, "y" * rng.randrange(30))).encode())
        time.sleep(rng.random() * 0.05)
    sock.sendall(b"quit\n")
    proc.communicate(timeout=120)
    sock.close()
    check(proc.returncode == 1, "echo record status %d" % proc.returncode)
    return final_hash(ctx.path("record.log"))


def _log_end(mon):
    m = re.search(r"the log ends at instruction (\d+)", mon.cmd("info replay"))
    check(m is not None, "info replay shows no log end")
    return int(m.group(1))


def _replay(ctx, rr, name):
    return start_monitor(ctx, ["-icount", "rr=replay,rrfile=" + rr, "-serial", "null", "-S",
                               "-d", "replay", "-D", ctx.path(name + ".log")], name)


def _straight_hashes(ctx, rr, targets):
    """Hashes at each target from one forward replay stopped by replay_break."""
    proc, mon = _replay(ctx, rr, "straight")
    hashes = {0: mon.hash()}
    for t in sorted(targets):
        if t == 0:
            continue
        mon.cmd("replay_break %d" % t)
        mon.cmd("cont")
        check(mon.wait_stop()[1] == t, "replay_break %d" % t)
        hashes[t] = mon.hash()
        check(hashes[t][0] == t, "stopped at %d, not %d" % (hashes[t][0], t))
    finish(proc, mon)
    return hashes


@reaps
def test_seek_lands_on_the_straight_replay_state(ctx):
    if not monitor_available(ctx) or not ctx.replay_enabled:
        return
    rr = ctx.path("echo.rr")
    want_final = _record_echo(ctx, rr)
    proc, mon = _replay(ctx, rr, "seek")
    end = _log_end(mon)
    rng = random.Random(11)
    targets = sorted(set([0, 1, end // 2, end - 1, end] +
                         [rng.randrange(end) for _ in range(10)]))
    want = _straight_hashes(ctx, rr, targets)
    order = targets[:]
    rng.shuffle(order)
    for t in order + [targets[3], targets[1]]:  # then two more backwards
        out = mon.cmd("replay_seek %d" % t)
        check(" at instruction %d\n" % t in out, "replay_seek %d: %r" % (t, out))
        check(mon.hash() == want[t], "state at %d differs from the straight replay" % t)
    # Past the end: an error, and the VM stays put.
    here = mon.hash()
    check("past the end" in mon.cmd("replay_seek %d" % (end + 1)), "seek past the end")
    check(mon.hash() == here, "a failed seek moved the VM")
    # Steps forwards and back, single and many, return to identical states.
    mid = targets[len(targets) // 2]
    mon.cmd("replay_seek %d" % mid)
    for n in (1, 1, 3, 1000, 25000):
        mon.cmd("stepi %d" % n)
        ahead = mon.hash()
        check(ahead[0] == mid + n, "stepi %d went to %d" % (n, ahead[0]))
        check("Stopped at instruction %d" % mid in mon.cmd("reverse_stepi %d" % n), "rsi")
        check(mon.hash() == want[mid], "reverse_stepi %d after stepi %d differs" % (n, n))
        mon.cmd("reverse_stepi %d" % n)
        behind = mon.hash()
        mon.cmd("stepi %d" % n)
        check(mon.hash() == want[mid], "stepi %d after reverse_stepi %d differs" % (n, n))
        mon.cmd("reverse_stepi %d" % n)
        check(mon.hash() == behind, "the state %d back is not stable" % n)
        mon.cmd("replay_seek %d" % mid)
    check("start of the replay history" in mon.cmd("reverse_stepi %d" % (mid + 5)), "start")
    check(mon.hash() == want[0], "reverse past the start lands on the first state")
    # A named snapshot taken while replaying carries the log position.
    a, b, c = targets[2], targets[-3], targets[-2]
    mon.cmd("replay_seek %d" % a)
    check(mon.cmd("savevm here") == "", "savevm while replaying")
    mon.cmd("replay_seek %d" % b)
    check(mon.cmd("loadvm here") == "", "loadvm while replaying")
    check(mon.hash() == want[a], "loadvm in the replay")
    mon.cmd("replay_seek %d" % c)
    check(mon.hash() == want[c], "replaying on from a loaded snapshot")
    # To the end, then quit: the final state is the recording's.
    mon.cmd("cont")
    check("end of the replay log" in mon.wait_stop()[0], "stop at the end")
    err = finish(proc, mon)
    check("not deterministic" not in err and "diverged" not in err, err)
    check(final_hash(ctx.path("seek.log")) == want_final, "final state after the seeks")


@reaps
def test_reverse_continue_to_breakpoints(ctx):
    if not monitor_available(ctx) or not ctx.replay_enabled:
        return
    rr = ctx.path("echo.rr")
    _record_echo(ctx, rr)
    putc = _symbol(ctx, "echo", "putc_serial")
    proc, mon = _replay(ctx, rr, "rc")
    end = _log_end(mon)
    mon.cmd("replay_seek %d" % end)
    mon.cmd("break 0x%x" % putc)
    hits = []
    for _ in range(3):
        out = mon.cmd("reverse_continue")
        m = re.search(r"Breakpoint at 0x([0-9a-f]+) at instruction (\d+)", out)
        check(m is not None and int(m.group(1), 16) == putc, "reverse_continue: %r" % out)
        hits.append(int(m.group(2)))
        check(re.search(r"RIP=0*%x " % putc, mon.cmd("info registers")), "RIP at the break")
    check(hits[0] > hits[1] > hits[2], "hits go back in time: %r" % hits)
    # Forwards from the earliest, the breakpoint stops at the next hits again.
    for want in (hits[1], hits[0]):
        mon.cmd("cont")
        out, at = mon.wait_stop()
        check("Breakpoint" in out and at == want, "forward hit %r, want %d" % (out, want))
        check(mon.hash()[0] == want, "forward hit at %d, want %d" % (mon.hash()[0], want))
    mon.cmd("delete_break 0x%x" % putc)
    check("start of the replay history" in mon.cmd("reverse_continue"), "no more hits")
    check(mon.hash()[0] == 0, "reverse_continue without hits ends at the start")
    finish(proc, mon)


@reaps
def test_reverse_continue_to_watchpoint(ctx):
    if not monitor_available(ctx) or not ctx.replay_enabled:
        return
    rr = ctx.path("clock.rr")
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("clock"), "-device",
                          "isa-debug-exit", "-serial", "null", "-icount",
                          "shift=0,rr=record,rrfile=" + rr])
    check(status == 1, "clock record: %s" % err)
    sink = _symbol(ctx, "clock", "sink")
    proc, mon = _replay(ctx, rr, "watch")
    mon.cmd("replay_seek %d" % (_log_end(mon) // 3))
    mon.cmd("watch 0x%x 4" % sink)
    seen = []
    for _ in range(2):
        out = mon.cmd("reverse_continue")
        m = re.search(r"Watchpoint at 0x[0-9a-f]+ changed at instruction (\d+)", out)
        check(m is not None, "reverse_continue to a watchpoint: %r" % out)
        seen.append(int(m.group(1)))
        before = mon.cmd("x/1xw 0x%x" % sink)
        mon.cmd("stepi")
        check(mon.cmd("x/1xw 0x%x" % sink) != before, "the next instruction writes it")
        mon.cmd("reverse_stepi")
    check(seen[0] > seen[1], "watch hits go back: %r" % seen)
    finish(proc, mon)


def test_rrsnapshot_option(ctx):
    """-icount ...,rrsnapshot=NAME: saved at the start of a recording, loaded by a replay."""
    if not ctx.replay_enabled:
        return
    rr = ctx.path("r.rr")
    args = ["-kernel", ctx.guest("clock"), "-device", "isa-debug-exit", "-serial", "null"]
    status, _, err = run([ctx.reprise] + args + [
        "-icount", "shift=0,rr=record,rrfile=%s,rrsnapshot=start" % rr, "-d", "replay", "-D",
        ctx.path("r.log")], cwd=ctx.tmp)
    if "unknown option 'rrsnapshot'" in err:
        raise Skip("-icount rrsnapshot is not wired in system/icount.c yet")
    check(status == 1, "record: %s" % err)
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=%s,rrsnapshot=start" % rr,
                          "-serial", "null", "-d", "replay", "-D", ctx.path("p.log")],
                         cwd=ctx.tmp)
    check(status == 1, "replay from the rrsnapshot: %s" % err)
    check(final_hash(ctx.path("p.log")) == final_hash(ctx.path("r.log")), "final state")
