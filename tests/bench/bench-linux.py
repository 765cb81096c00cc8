#!/usr/bin/env python3
"""Record and replay of the default Linux guest, on Reprise and on QEMU in one run.

Boots the default guest (Debian's kernel and the busybox initramfs that
scripts/build-default-guest.sh caches in the build folder), types a fixed command
script into its serial console over a TCP socket as soon as each prompt appears, and
lets it power off. Each engine runs it four ways: plain, -icount shift=auto, recording
(-icount shift=auto,rr=record) and replaying that recording with nothing attached.
Prints wall and CPU seconds, the Reprise/QEMU ratios, record overhead over icount,
replay over record, and the log sizes. It reports; it never asserts on time.

    python3 tests/bench/bench-linux.py [--build build] [--runs 1] [--no-qemu]
"""
import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "functional"))
from common import free_port  # noqa: E402

PROMPT = b"reprise:/# "
SCRIPT = ("uname -a", "head -c 16 /dev/urandom | od -An -tx1", "date; cat /proc/uptime",
          "grep -c . /proc/interrupts", "echo $((123456789 * 987654321 % 1000007))",
          "poweroff")
TIMEOUT = 1800


def connect(port, proc):
    deadline = time.monotonic() + 120
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.02)


def drive(sock, out):
    """Type each line of SCRIPT when the prompt appears; collect the console."""
    seen = 0
    for line in SCRIPT:
        while out.count(PROMPT) <= seen:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("console closed; ends with %r" % bytes(out[-200:]))
            out.extend(data)
        seen += 1
        # Key by key, 20 ms apart: QEMU drops input beyond the UART's FIFO (its
        # 16550 has no flow control), and a typist is not a paste.
        for ch in line.encode() + b"\n":
            sock.sendall(bytes([ch]))
            time.sleep(0.02)
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            return
        if not data:
            return
        out.extend(data)


def timed(cmd, port, timeout):
    """Run cmd (driving its console if port): (wall s, CPU s, console)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    out = bytearray()
    if port:
        sock = connect(port, proc)
        t = threading.Thread(target=drive, args=(sock, out), daemon=True)
        t.start()
    try:
        status = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        status = "no poweroff within %d s" % timeout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wall = time.monotonic() - start
    if port:
        t.join(timeout=30)
        sock.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    err = proc.stderr.read().decode(errors="replace")
    if status != 0:
        raise RuntimeError("%s: %s; console ends %r; %s" % (cmd[0], status,
                                                           bytes(out[-120:]), err[-500:]))
    return wall, cpu, bytes(out)


class Engine:
    def __init__(self, name, binary, kernel, initrd, tmp):
        self.name, self.binary, self.tmp = name, binary, tmp
        self.guest = ["-m", "256", "-kernel", kernel, "-initrd", initrd, "-append",
                      "console=ttyS0"]
        self.rrfile = os.path.join(tmp, name + ".rr")

    def serial(self, port, wait=True):
        return ["-serial", "tcp:127.0.0.1:%d,server=on,wait=%s" % (port, "on" if wait
                                                                   else "off")]

    def extra(self):
        return []

    def cmd(self, mode, port):
        icount = {"plain": [], "icount": ["-icount", "shift=auto"],
                  "record": ["-icount", "shift=auto,rr=record,rrfile=" + self.rrfile],
                  "replay": ["-icount", "shift=auto,rr=replay,rrfile=" + self.rrfile]}
        return [self.binary] + self.guest + self.extra() + icount[mode] + (
            self.serial(port) if port else self.replay_serial())


class Reprise(Engine):
    def replay_serial(self):
        return ["-serial", "file:" + os.path.join(self.tmp, "reprise-replay.txt")]


class Qemu(Engine):
    def extra(self):
        # The same machine as far as it matters: no NIC, no display, no monitor.
        return ["-M", "pc", "-display", "none", "-monitor", "none", "-nic", "none",
                "-no-reboot"]

    def replay_serial(self):
        # QEMU replays serial input from its log but needs the chardev to exist.
        return self.serial(free_port(), wait=False)


def measure(engine, runs, timeout):
    """{mode: (wall, cpu) or None if it failed, "log": bytes}."""
    rows = {}
    for mode in ("plain", "icount", "record", "replay"):
        best = None
        for _ in range(runs):
            port = free_port() if mode != "replay" else None
            try:
                wall, cpu, _ = timed(engine.cmd(mode, port), port, timeout)
            except RuntimeError as e:
                print("  %-7s %-7s FAILED: %s" % (engine.name, mode, e), flush=True)
                break
            best = (wall, cpu) if best is None or cpu < best[1] else best
            if mode == "record":
                break  # one recording: the replay must replay this very log
        rows[mode] = best
        if best is None:
            continue
        print("  %-7s %-7s wall %7.1f s  cpu %7.1f s" % (engine.name, mode, best[0],
                                                         best[1]), flush=True)
    rows["log"] = os.path.getsize(engine.rrfile) if rows["record"] else 0
    return rows


def ratio(a, b):
    return "%.2f" % (a / b) if a and b else "-"


def cpu(rows, mode):
    return rows[mode][1] if rows[mode] else None


def cell(rows, mode):
    return "%8.1f / %7.1f" % rows[mode] if rows[mode] else "%18s" % "failed"


def report(results):
    names = list(results)
    print()
    print("| mode   | " + " | ".join("%s wall / cpu s" % n for n in names) +
          (" | Reprise/QEMU cpu |" if len(names) == 2 else " |"))
    print("|--------|" + "|".join("-" * 20 for _ in names) +
          ("|------------------|" if len(names) == 2 else "|"))
    for mode in ("plain", "icount", "record", "replay"):
        cells = [cell(results[n], mode) for n in names]
        line = "| %-6s | " % mode + " | ".join(cells)
        if len(names) == 2:
            line += " | %16s" % ratio(cpu(results[names[0]], mode),
                                      cpu(results[names[1]], mode))
        print(line + " |")
    print()
    for n in names:
        r = results[n]
        print("%s: record/icount cpu %s, replay/record cpu %s, log %d bytes" %
              (n, ratio(cpu(r, "record"), cpu(r, "icount")),
               ratio(cpu(r, "replay"), cpu(r, "record")), r["log"]))
    if len(names) == 2:
        print("log size Reprise/QEMU: %s" % ratio(results[names[0]]["log"],
                                                  results[names[1]]["log"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=1,
                    help="rounds per mode (the one with the least CPU time counts)")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--timeout", type=int, default=600,
                    help="seconds a run may take before it counts as failed")
    args = ap.parse_args()
    guest_dir = os.path.join(os.path.abspath(args.build), "guest")
    subprocess.run(["sh", os.path.join(ROOT, "scripts", "build-default-guest.sh"),
                    guest_dir], check=True)
    kernel = os.path.join(guest_dir, "vmlinuz")
    initrd = os.path.join(guest_dir, "initramfs.cpio.gz")
    tmp = os.path.join(os.path.abspath(args.build), "bench-linux")
    os.makedirs(tmp, exist_ok=True)
    engines = [Reprise("reprise", os.path.join(os.path.abspath(args.build), "reprise"),
                       kernel, initrd, tmp)]
    qemu = shutil.which("qemu-system-x86_64")
    if qemu and not args.no_qemu:
        engines.append(Qemu("qemu", qemu, kernel, initrd, tmp))
    elif not args.no_qemu:
        print("note: qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
    results = {}
    for e in engines:
        results[e.name] = measure(e, args.runs, args.timeout)
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
