"""The modes guest: a hardware task switch in protected mode, then long mode with
64-bit code, an IST interrupt, SWAPGS and SYSCALL/SYSRET round trips through ring 3,
and back. Every line it prints must be "ok ..."; it exits with status 1 (wrote 0)."""
from common import check, final_hash, run

CONFIGS = ("replay", "noreplay")

# One line per check in tests/guest/modes.c, then "ok all modes".
EXPECTED_LINES = 24


def _base(ctx):
    return [ctx.reprise, "-kernel", ctx.guest("modes"), "-device", "isa-debug-exit",
            "-no-reboot"]


def _check_output(status, out, err):
    lines = out.splitlines()
    bad = [line for line in lines if not line.startswith("ok ")]
    check(not bad, "modes guest reported failures: %r (stderr %r)" % (bad, err))
    check(len(lines) == EXPECTED_LINES,
          "modes guest printed %d lines, want %d: %r" % (len(lines), EXPECTED_LINES, out))
    check(lines[-1] == "ok all modes", "last line %r" % lines[-1])
    check(status == 1, "modes guest exit status %d (want 1), stderr: %s" % (status, err))


def test_guest_modes(ctx):
    status, out, err = run(_base(ctx) + ["-serial", "stdio"], timeout=60)
    _check_output(status, out, err)


def test_guest_modes_record_replay(ctx):
    """Mode switches, task switches and SYSCALLs replay to the same final state."""
    if not ctx.replay_enabled:
        return
    rrfile, rec_log = ctx.path("modes.rr"), ctx.path("modes-rec.log")
    status, out, err = run(_base(ctx) + ["-serial", "stdio", "-icount",
                                         "shift=auto,rr=record,rrfile=" + rrfile,
                                         "-d", "replay", "-D", rec_log], timeout=60)
    _check_output(status, out, err)
    rep_out, rep_log = ctx.path("modes-rep.txt"), ctx.path("modes-rep.log")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                          "-serial", "file:" + rep_out, "-d", "replay", "-D", rep_log],
                         timeout=60)
    check(status == 1, "replay exit status %d: %s" % (status, err))
    with open(rep_out) as f:
        check(f.read() == out, "replayed serial output differs from the recording")
    check(final_hash(rep_log) == final_hash(rec_log), "replay ended in a different state")
