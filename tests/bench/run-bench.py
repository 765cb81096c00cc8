#!/usr/bin/env python3
"""Speed of the execution engine, side by side with QEMU TCG in the same run.

Runs the bench guest (integer loop with memory traffic and branches), the intloops
guest (a sieve, an insertion sort and a byte hash) and the smc
guest (a loop storing to the 4 KiB page that holds its own code) on Reprise and, if
qemu-system-x86_64 is installed, on QEMU, with and without -icount shift=0. Each
guest prints the instruction count it measured with RDTSC, which under
-icount shift=0 is exact; MIPS = that count / wall time, and / CPU time (steadier on
a shared machine). Prints a table and the Reprise/QEMU ratios. It reports, it never
asserts on time.

    python3 tests/bench/run-bench.py [--build build] [--runs 3] [--install-qemu]
"""
import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUESTS = ("bench", "intloops", "smc")
MODES = (("plain", []), ("icount", ["-icount", "shift=0"]))


def run_once(cmd):
    """Run cmd; return (stdout, wall seconds, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode != 1:  # isa-debug-exit with 0 gives status 1
        raise RuntimeError("%s exited %d: %s %s" % (cmd[0], p.returncode, p.stdout, p.stderr))
    return p.stdout, wall, cpu


def guest_insns(stdout):
    m = re.search(r"insns ([0-9a-f]+)", stdout)
    return int(m.group(1), 16) if m else None


def reprise_cmd(build, guest, extra):
    return [os.path.join(build, "reprise"), "-kernel", guest, "-serial", "stdio",
            "-device", "isa-debug-exit"] + extra


def qemu_cmd(qemu, guest, extra):
    return [qemu, "-kernel", guest, "-serial", "stdio", "-display", "none", "-accel",
            "tcg", "-device", "isa-debug-exit"] + extra


def find_qemu(install):
    qemu = shutil.which("qemu-system-x86_64")
    if qemu or not install:
        return qemu
    if os.geteuid() != 0:
        print("note: not root, cannot install qemu-system-x86")
        return None
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "qemu-system-x86"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which("qemu-system-x86_64")


def measure(engines, guest_path, runs):
    """Rows of (engine, mode, wall, cpu, stdout) for one guest, the fastest of `runs`.
    Rounds interleave the cases, so load from other work on the machine spreads
    over all of them rather than landing on one."""
    cases = [(engine, mode, make_cmd(guest_path, extra))
             for engine, make_cmd in engines for mode, extra in MODES]
    best = {}
    for _ in range(runs):
        for engine, mode, cmd in cases:
            out, wall, cpu = run_once(cmd)
            if (engine, mode) not in best or wall < best[(engine, mode)][0]:
                best[(engine, mode)] = (wall, cpu, out)
    return [(engine, mode) + best[(engine, mode)] for engine, mode, _ in cases]


def report(guest, rows):
    # The instruction count under -icount shift=0 is exact and the same on every engine.
    insns = next((guest_insns(r[4]) for r in rows if r[0] == "reprise" and r[1] == "icount"),
                 None) or 0
    print("\n%s guest: %s instructions" % (guest, "{:,}".format(insns)))
    print("  %-8s %-7s %8s %8s %11s %11s" % ("engine", "mode", "wall s", "cpu s",
                                             "MIPS(wall)", "MIPS(cpu)"))
    mips = {}
    for engine, mode, wall, cpu, _ in rows:
        mips[(engine, mode)] = (insns / wall / 1e6, insns / max(cpu, 1e-9) / 1e6)
        print("  %-8s %-7s %8.2f %8.2f %11.1f %11.1f" % ((engine, mode, wall, cpu) +
                                                      mips[(engine, mode)]))
    for mode, _ in MODES:
        if ("qemu", mode) in mips and insns:
            r, q = mips[("reprise", mode)], mips[("qemu", mode)]
            print("  Reprise/QEMU %-7s wall %.2f, cpu %.2f" % (mode, r[0] / q[0], r[1] / q[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--runs", type=int, default=5, help="runs per case; the fastest counts")
    ap.add_argument("--install-qemu", action="store_true",
                    help="apt-get install qemu-system-x86 if missing (as root)")
    ap.add_argument("--no-qemu", action="store_true")
    args = ap.parse_args()

    engines = [("reprise", lambda g, e: reprise_cmd(args.build, g, e))]
    qemu = None if args.no_qemu else find_qemu(args.install_qemu)
    if qemu:
        engines.append(("qemu", lambda g, e: qemu_cmd(qemu, g, e)))
    else:
        print("qemu-system-x86_64 not found: Reprise only (--install-qemu to fetch it)")
    for guest in GUESTS:
        path = os.path.join(args.build, "tests", "guest", guest + ".elf")
        if not os.path.exists(path):
            print("missing %s: build first (ninja -C %s)" % (path, args.build))
            return 1
        report(guest, measure(engines, path, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
