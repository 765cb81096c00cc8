"""A replay that cannot be exact says why: changed images, a different machine,
corrupt or truncated logs. Never a crash or a hang."""
import os
import shutil

from common import check, run

GUEST_ARGS = ["-device", "isa-debug-exit", "-serial", "null"]


def _record(ctx, kernel, rrfile, extra=()):
    status, _, err = run([ctx.reprise, "-kernel", kernel] + GUEST_ARGS + list(extra) +
                         ["-icount", "shift=auto,rr=record,rrfile=" + rrfile])
    check(status == 1, "record failed (%d): %s" % (status, err))


def _replay(ctx, rrfile, extra=()):
    return run([ctx.reprise] + list(extra) + ["-icount", "rr=replay,rrfile=" + rrfile],
               timeout=60)


def test_changed_kernel_is_named(ctx):
    kernel = ctx.path("clock.elf")
    shutil.copy(ctx.guest("clock"), kernel)
    rrfile = ctx.path("c.rr")
    _record(ctx, kernel, rrfile)
    with open(kernel, "r+b") as f:
        f.seek(os.path.getsize(kernel) - 1)
        f.write(b"\x5a")
    status, _, err = _replay(ctx, rrfile)
    check(status != 0 and "kernel" in err and "clock.elf" in err and "differs" in err,
          "changed kernel: %d %r" % (status, err))


def test_different_machine_option_is_named(ctx):
    rrfile = ctx.path("c.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("clock"), "-m", "64"] +
                         GUEST_ARGS + ["-icount", "rr=replay,rrfile=" + rrfile])
    check(status != 0 and "-m" in err and "differs" in err, "different -m: %r" % err)


def test_missing_log_is_named(ctx):
    status, _, err = _replay(ctx, ctx.path("absent.rr"))
    check(status != 0 and "absent.rr" in err, "missing log: %r" % err)


def test_corrupt_event_is_named(ctx):
    rrfile = ctx.path("c.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    data = bytearray(open(rrfile, "rb").read())
    # Flip a byte in the middle of the event data (past the header).
    data[len(data) // 2] ^= 0x40
    with open(rrfile, "wb") as f:
        f.write(data)
    status, _, err = _replay(ctx, rrfile)
    check(status != 0 and "offset" in err, "corrupt log: %d %r" % (status, err))
    check(status < 128, "crashed on a corrupt log: %d" % status)
    status, out, err = run([ctx.reprise_log, "verify", rrfile])
    check(status == 1 and "offset" in (out + err), "reprise-log verify: %d %r" % (status, err))


def test_truncated_log_every_cut(ctx):
    rrfile = ctx.path("c.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    data = open(rrfile, "rb").read()
    trailer = data.rfind(b"INDX")
    check(trailer > 0, "a cleanly closed log ends with its index")
    cuts = sorted(set([1, 8, 16, 40, len(data) // 3, len(data) // 2, trailer - 1,
                       trailer, len(data) - 9, len(data) - 1]))
    for cut in cuts:
        part = ctx.path("cut.rr")
        with open(part, "wb") as f:
            f.write(data[:cut])
        status, _, err = _replay(ctx, part)
        check(0 < status < 128, "cut at %d: status %d %r" % (cut, status, err))
        if cut >= trailer:
            # Only the index is gone: every event is there, the replay is complete.
            check(status == 1 and err == "", "cut at %d (index only): %d %r" %
                  (cut, status, err))
            continue
        check("offset" in err, "cut at %d: the error must name an offset: %r" % (cut, err))


def test_reprise_log_info_and_dump(ctx):
    rrfile = ctx.path("c.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    status, out, err = run([ctx.reprise_log, "info", rrfile])
    check(status == 0 and "random" in out and "clock.elf" in out, "info: %r %r" % (out, err))
    status, out, err = run([ctx.reprise_log, "dump", "--kind", "random", rrfile])
    check(status == 0 and out.count("random") == 4, "dump random: %r" % out)
    status, out, err = run([ctx.reprise_log, "verify", rrfile])
    check(status == 0, "verify of a good log: %d %r" % (status, err))
