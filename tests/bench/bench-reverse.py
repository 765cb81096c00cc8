#!/usr/bin/env python3
"""Reverse-execution latency through gdb, on Reprise and on QEMU, in one run.

Records the default Linux guest booting to its shell prompt (then ends the recording
with SIGTERM) on Reprise and, if qemu-system-x86_64 is installed, on QEMU
(-icount shift=auto,rr=record,rrsnapshot=init, with a qcow2 overlay over a blank disk
image to hold the snapshot, as QEMU's record/replay requires). Then replays each with
-s -S and Debian's gdb attached, and at 5%, 50% and 95% of the recording (reached with
"monitor replay_break N" and continue; each position in a fresh emulator) times, from
inside gdb:

  - reverse-stepi, three times in a row;
  - reverse-continue to a breakpoint at the current PC (the previous time the guest
    executed that instruction).

Every gdb session has a time limit (QEMU's reverse debugging can deadlock); an
operation that did not finish within it is reported as a timeout. It reports; it
never asserts on time.

    python3 tests/bench/bench-reverse.py [--build build] [--limit 180] [--no-qemu]
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))
from common import free_port  # noqa: E402
from test_linux import APPEND, MEMORY, PROMPT, Console, default_guest  # noqa: E402

POSITIONS = (0.05, 0.50, 0.95)

# Runs inside gdb; appends one JSON line per finished operation, so a session that
# hangs still leaves what it measured.
GDB_SCRIPT = r'''
import gdb, json, re, time

OUT = %(out)r

def note(**kw):
    with open(OUT, "a") as f:
        f.write(json.dumps(kw) + "\n")

def icount():
    out = gdb.execute("monitor info replay", to_string=True)
    return int(re.search(r"instruction count = (\d+)", out).group(1))

def timed(what, cmd, pos):
    t = time.monotonic()
    gdb.execute(cmd, to_string=True)
    note(pos=pos, op=what, seconds=time.monotonic() - t, icount=icount())

for pos, target in %(targets)r:
    t = time.monotonic()
    # replay_break and continue: QEMU's "monitor replay_seek" hangs under gdb here.
    gdb.execute("monitor replay_break %%d" %% target, to_string=True)
    gdb.execute("continue", to_string=True)
    note(pos=pos, op="seek", seconds=time.monotonic() - t, icount=icount())
    for _ in range(3):
        timed("reverse-stepi", "reverse-stepi", pos)
    gdb.execute("break *$pc")
    timed("reverse-continue", "reverse-continue", pos)
    gdb.execute("delete")
'''


def record_reprise(build, kernel, initrd, rr):
    """Boot to the prompt while recording; returns the log's last icount."""
    port = free_port()
    proc = subprocess.Popen(
        [os.path.join(build, "reprise"), "-m", MEMORY, "-kernel", kernel, "-initrd", initrd,
         "-append", APPEND, "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
         "-icount", "shift=auto,rr=record,rrfile=" + rr],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    con = Console(port, random.Random(1))
    con.wait_for(PROMPT, 0, 900)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    out = subprocess.run([os.path.join(build, "reprise-log"), "--json", "info", rr],
                         capture_output=True, text=True).stdout
    return json.loads(out)["last_icount"]


def qemu_disk(tmp):
    """A blank raw image under a qcow2 overlay: where QEMU keeps rrsnapshot=init."""
    blank, overlay = os.path.join(tmp, "blank.raw"), os.path.join(tmp, "overlay.qcow2")
    subprocess.run(["qemu-img", "create", "-q", "-f", "raw", blank, "64M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b", blank,
                    overlay], check=True)
    return overlay


def qemu_args(kernel, initrd, overlay, icount):
    return ["qemu-system-x86_64", "-M", "pc", "-m", MEMORY, "-kernel", kernel, "-initrd",
            initrd, "-append", APPEND, "-display", "none", "-net", "none", "-icount", icount,
            "-drive", "file=%s,if=none,id=img-direct" % overlay,
            "-drive", "driver=blkreplay,if=none,image=img-direct,id=img-blkreplay",
            "-device", "ide-hd,drive=img-blkreplay"]


def monitor_cmd(path, line, timeout=30):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    buf = b""
    s.sendall(line.encode() + b"\n")
    deadline = time.monotonic() + timeout
    while b"instruction count" not in buf and time.monotonic() < deadline:
        buf += s.recv(65536)
    time.sleep(0.2)
    s.close()
    return buf.decode(errors="replace")


def record_qemu(kernel, initrd, overlay, rr, tmp):
    """Boot to the prompt while QEMU records; returns the recorded icount."""
    port, mon = free_port(), os.path.join(tmp, "qmon.sock")
    proc = subprocess.Popen(
        qemu_args(kernel, initrd, overlay, "shift=auto,rr=record,rrfile=%s,rrsnapshot=init"
                  % rr) +
        ["-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
         "-monitor", "unix:%s,server=on,wait=off" % mon],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    con = Console(port, random.Random(1))
    con.wait_for(PROMPT, 0, 900)
    out = monitor_cmd(mon, "info replay")
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    return int(re.search(r"instruction count = (\d+)", out).group(1))


def gdb_session(cmd, targets, limit, tmp, tag, gdb_setup=()):
    """Start the emulator (cmd, paused, gdb on a port) and run the positions; returns
    the measurements and whether the session timed out."""
    port = free_port()
    log = open(os.path.join(tmp, tag + ".stderr"), "w")
    proc = subprocess.Popen(cmd + ["-gdb", "tcp::%d" % port, "-S"], stdout=subprocess.DEVNULL,
                            stderr=log)
    out, script = os.path.join(tmp, tag + ".jsonl"), os.path.join(tmp, tag + ".py")
    with open(script, "w") as f:
        f.write(GDB_SCRIPT % {"out": out, "targets": targets})
    time.sleep(1)
    timed_out = False
    gdb = None
    try:
        setup = [a for c in gdb_setup for a in ("-ex", c)]
        gdb = subprocess.run(["gdb", "-batch", "-nx", "-ex", "set pagination off"] + setup + [
                        "-ex", "set architecture i386:x86-64", "-ex",
                        "target remote 127.0.0.1:%d" % port, "-x", script, "-ex", "kill"],
                       capture_output=True, timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        proc.kill()
        proc.wait()
        log.close()
    rows = []
    if os.path.exists(out):
        with open(out) as f:
            rows = [json.loads(line) for line in f]
    if gdb is not None and not rows:
        with open(os.path.join(tmp, tag + ".stderr")) as f:
            print("%s: gdb measured nothing:\n%s%s\n%s" % (tag, gdb.stdout.decode()[-1500:],
                                                          gdb.stderr.decode()[-1500:],
                                                          f.read()[-1500:]))
    return rows, timed_out


def measure(name, cmd, end, limit, tmp, gdb_setup=()):
    """Each position in a fresh emulator, so that one that hangs costs only its own."""
    rows, timeouts = [], []
    for p in POSITIONS:
        got, timed_out = gdb_session(cmd, [(p, int(end * p))], limit, tmp,
                                     "%s-%d" % (name, p * 100), gdb_setup)
        rows += got
        if timed_out:
            timeouts.append(p)
    return rows, timeouts


def summarize(name, end, rows, timeouts, limit):
    print("\n%s: recording of %d instructions" % (name, end))
    print("| position | run to it (s) | reverse-stepi (s, 3 in a row) | reverse-continue (s) |")
    print("|---------:|--------------:|------------------------------:|---------------------:|")
    for p in POSITIONS:
        mine = [r for r in rows if r["pos"] == p]
        seek = ["%.2f" % r["seconds"] for r in mine if r["op"] == "seek"]
        steps = ["%.3f" % r["seconds"] for r in mine if r["op"] == "reverse-stepi"]
        rc = ["%.2f" % r["seconds"] for r in mine if r["op"] == "reverse-continue"]
        if p in timeouts:
            (rc if steps or seek else steps).append("timeout (> %d s)" % limit)
        print("| %7d%% | %13s | %29s | %20s |" % (p * 100, " ".join(seek) or "-",
                                                 " ".join(steps) or "-", " ".join(rc) or "-"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--limit", type=int, default=180,
                    help="seconds for one gdb session (per emulator start)")
    ap.add_argument("--no-qemu", action="store_true")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    kernel, initrd = default_guest(build)
    tmp = tempfile.mkdtemp(prefix="bench-reverse-")
    rr = os.path.join(tmp, "reprise.rr")
    end = record_reprise(build, kernel, initrd, rr)
    cmd = [os.path.join(build, "reprise"), "-icount", "rr=replay,rrfile=" + rr,
           "-serial", "null"]
    rows, timeouts = measure("reprise", cmd, end, args.limit, tmp)
    summarize("Reprise", end, rows, timeouts, args.limit)
    if args.no_qemu or not shutil.which("qemu-system-x86_64"):
        print("\nQEMU: not run (install qemu-system-x86 and qemu-utils)")
        return
    overlay = qemu_disk(tmp)
    qrr = os.path.join(tmp, "qemu.rr")
    qend = record_qemu(kernel, initrd, overlay, qrr, tmp)
    qcmd = qemu_args(kernel, initrd, overlay,
                     "shift=auto,rr=replay,rrfile=%s,rrsnapshot=init" % qrr) + [
                         "-serial", "null"]
    # gdb gives up on a reply after 2 s by default; QEMU may take longer to answer
    # while it replays (Reprise keeps gdb waiting with empty O packets).
    qrows, qtimeouts = measure("qemu", qcmd, qend, args.limit, tmp,
                               ["set remotetimeout %d" % args.limit])
    summarize("QEMU", qend, qrows, qtimeouts, args.limit)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
