"""Firmware boot and machine resets.

Debian's SeaBIOS (-bios bios-256k.bin) runs from the reset vector,
copies itself into shadow RAM (PAM), loads the ACPI tables through fw_cfg's
table-loader, prints its banner on COM1 (its serial console, as QEMU's -nographic
gets) and its debug log on port 0x402, finds no disk and says so; a recording of that
replays byte for byte; a reset from the monitor runs the firmware again.

The reset guest (tests/guest/reset.c) resets the machine through 0xCF9, the 8042 and
a triple fault: each reset re-enters the directly booted kernel, and with -no-reboot
each one ends the run with status 0 instead."""
import os
import socket
import subprocess
import time

from common import Skip, check, final_hash, run

CONFIGS = ("replay", "noreplay")
SEABIOS = "/usr/share/seabios/bios-256k.bin"
BANNER = b"SeaBIOS (version "
NO_BOOT = b"No bootable device."
TIMEOUT = 120


def _need_seabios():
    if not os.path.exists(SEABIOS):
        raise Skip("Debian's seabios package is not installed (%s)" % SEABIOS)


def _bios_args(ctx, name):
    return ["-bios", SEABIOS, "-display", "none",
            "-serial", "file:" + ctx.path(name + ".serial"),
            "-chardev", "file,id=dbg,path=" + ctx.path(name + ".debug"),
            "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def _wait_for(proc, path, needle, count=1):
    """Wait until needle appears count times in the file; the output so far."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        data = _read(path)
        if data.count(needle) >= count:
            return data
        check(proc.poll() is None, "reprise exited early (%s): %r" % (proc.returncode, data))
        time.sleep(0.05)
    raise AssertionError("no %r in %s after %d s: %r" % (needle, path, TIMEOUT, _read(path)))


def _stop(proc):
    """SIGTERM ends a run with status 0, as in QEMU."""
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    check(proc.returncode == 0, "status %d after SIGTERM: %s" % (proc.returncode, err))


def _boot_to_no_disk(ctx, name, extra):
    proc = subprocess.Popen([ctx.reprise] + _bios_args(ctx, name) + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    serial = _wait_for(proc, ctx.path(name + ".serial"), NO_BOOT)
    _stop(proc)
    return serial, _read(ctx.path(name + ".debug"))


def test_seabios_banner(ctx):
    _need_seabios()
    serial, debug = _boot_to_no_disk(ctx, "boot", ["-icount", "shift=auto"])
    check(BANNER in serial, "no banner on COM1: %r" % serial)
    check(serial.index(BANNER) < serial.index(NO_BOOT), "banner after the boot failure")
    check(b"Booting from Hard Disk..." in serial, "no disk boot attempt: %r" % serial)
    for line in (b"Running on QEMU (i440fx)",           # the host bridge's subsystem IDs
                 b"QEMU fw_cfg DMA interface supported",
                 b"qemu/e820: addr 0x0000000000100000 len 0x0000000007f00000 [RAM]",
                 b"sercon: using ioport 0x3f8",          # NOGRAPHIC: serial console
                 b"(via xsdt)",                          # table-loader ran, FADT found
                 b"Found 1 cpu(s) max supported 1 cpu(s)",
                 b"PS2 keyboard initialized",
                 NO_BOOT):
        check(line in debug, "SeaBIOS did not log %r; its log:\n%s" % (line, debug.decode()))
    # No option ROMs: the whole shadowed option-ROM area is left for UMBs. (A broken
    # F-segment shadow stops SeaBIOS before its banner: it runs from that copy.)
    check(b"Space available for UMB: c0000-" in debug, "no UMB: %s" % debug.decode())


def test_seabios_record_replay(ctx):
    _need_seabios()
    if not ctx.replay_enabled:
        raise Skip("record/replay is disabled in this build")
    rr = ctx.path("bios.rr")
    # In replay, -chardev backends become null: only COM1 is compared.
    serial, _ = _boot_to_no_disk(ctx, "rec", [
        "-icount", "shift=auto,rr=record,rrfile=" + rr, "-d", "replay", "-D",
        ctx.path("rec.log")])
    status, _, err = run([ctx.reprise] + _bios_args(ctx, "rep") + [
        "-icount", "rr=replay,rrfile=" + rr, "-d", "replay", "-D", ctx.path("rep.log")],
        timeout=TIMEOUT, cwd=ctx.tmp)
    check(status == 0, "replay failed (%d): %s" % (status, err))
    check(_read(ctx.path("rep.serial")) == serial, "replayed COM1 output differs")
    check(final_hash(ctx.path("rep.log")) == final_hash(ctx.path("rec.log")),
          "replay ended in another state")


def _monitor_cmd(path, line):
    deadline = time.monotonic() + 30
    while True:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.connect(path)
            break
        except OSError:
            s.close()
            check(time.monotonic() < deadline, "no monitor socket")
            time.sleep(0.05)
    s.settimeout(30)
    buf = b""
    while b"(reprise) " not in buf:
        buf += s.recv(4096)
    s.sendall(line.encode() + b"\n")
    buf = b""
    while b"(reprise) " not in buf:
        buf += s.recv(4096)
    s.close()
    return buf


def test_seabios_reset(ctx):
    """system_reset: the CPU restarts at F000:FFF0 and the PAM registers return to
    ROM, so the firmware runs from its flash again and prints its banner twice."""
    _need_seabios()
    status, _, _ = run([ctx.reprise, "-monitor", "none", "-version"], timeout=30)
    if status != 0:
        raise Skip("-monitor is not available")
    mon = ctx.path("mon.sock")
    serial_path = ctx.path("reset.serial")
    proc = subprocess.Popen([ctx.reprise] + _bios_args(ctx, "reset") + [
        "-icount", "shift=auto", "-monitor", "unix:%s,server=on,wait=off" % mon],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ctx.tmp)
    _wait_for(proc, serial_path, NO_BOOT)
    _monitor_cmd(mon, "system_reset")
    serial = _wait_for(proc, serial_path, NO_BOOT, count=2)
    _stop(proc)
    check(serial.count(BANNER) == 2, "banner not printed again after reset: %r" % serial)


RESET_LINES = ["boot 0: reset by 0xcf9", "boot 1: reset by keyboard controller",
               "boot 2: reset by triple fault", "boot 3: done"]


def _reset_guest(ctx, *extra):
    return [ctx.reprise, "-kernel", ctx.guest("reset"), "-device", "isa-debug-exit",
            "-serial", "stdio", "-display", "none"] + list(extra)


def test_reset_methods(ctx):
    status, out, err = run(_reset_guest(ctx), timeout=60)
    check(out.splitlines() == RESET_LINES, "reset guest printed %r (%s)" % (out, err))
    check(status == 1, "status %d (want 1: the guest wrote 0): %s" % (status, err))


def test_reset_no_reboot(ctx):
    for skip, line in enumerate(RESET_LINES[:-1]):
        status, out, err = run(_reset_guest(ctx, "-no-reboot", "-append", str(skip)),
                               timeout=60)
        check(out.splitlines() == [line], "-no-reboot, %s: printed %r" % (line, out))
        check(status == 0, "-no-reboot, %s: status %d: %s" % (line, status, err))


def test_reset_record_replay(ctx):
    if not ctx.replay_enabled:
        raise Skip("record/replay is disabled in this build")
    rr = ctx.path("reset.rr")
    status, out, err = run(_reset_guest(ctx, "-icount", "shift=auto,rr=record,rrfile=" + rr,
                                        "-d", "replay", "-D", ctx.path("rec.log")),
                           timeout=60)
    check(status == 1 and out.splitlines() == RESET_LINES, "recording: %r %s" % (out, err))
    status, out2, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rr, "-serial",
                             "stdio", "-d", "replay", "-D", ctx.path("rep.log")], timeout=60)
    check(status == 1 and out2 == out, "replay: status %d, %r %s" % (status, out2, err))
    check(final_hash(ctx.path("rep.log")) == final_hash(ctx.path("rec.log")),
          "replay ended in another state")
