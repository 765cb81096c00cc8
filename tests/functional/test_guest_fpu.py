"""The x87 test guest (tests/guest/fpu.c): its results equal the host CPU's, and a
recording of it replays to the same output and final state."""
import os

from common import check, final_hash, run

CONFIGS = ("replay", "noreplay")


def _host_reference(ctx):
    status, out, err = run([os.path.join(ctx.build, "tests", "guest", "fpu-host")])
    check(status == 0 and out.endswith("fpu done\n"), "fpu-host: %d %s" % (status, err))
    return out


def test_fpu_guest_matches_host(ctx):
    status, out, err = run([ctx.reprise, "-kernel", ctx.guest("fpu"), "-serial", "stdio",
                            "-device", "isa-debug-exit"])
    check(status == 1, "fpu guest exit %d: %s" % (status, err))
    host = _host_reference(ctx)
    check(out == host, "fpu guest differs from the host:\n%s\nvs\n%s" % (out, host))


def test_fpu_guest_record_replay(ctx):
    if not ctx.replay_enabled:
        return
    rrfile, rec_out, rec_log = ctx.path("fpu.rr"), ctx.path("rec.txt"), ctx.path("rec.log")
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("fpu"), "-device",
                          "isa-debug-exit", "-serial", "file:" + rec_out, "-icount",
                          "shift=auto,rr=record,rrfile=" + rrfile, "-d", "replay",
                          "-D", rec_log])
    check(status == 1, "record exit %d: %s" % (status, err))
    rep_out, rep_log = ctx.path("rep.txt"), ctx.path("rep.log")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile, "-serial",
                          "file:" + rep_out, "-d", "replay", "-D", rep_log])
    check(status == 1, "replay exit %d: %s" % (status, err))
    with open(rec_out) as f, open(rep_out) as g:
        recorded, replayed = f.read(), g.read()
    check(recorded == _host_reference(ctx), "recorded fpu output differs from the host")
    check(replayed == recorded, "replayed fpu output differs from the recording")
    check(final_hash(rep_log) == final_hash(rec_log), "replay final state differs")
