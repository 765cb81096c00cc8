"""Guests that exercise the MMU and the engine: the paging guest (its own page tables,
page faults through its own IDT, user mode, self-modifying code), its record/replay
round trip, and the known answers of the bench and smc guests."""
from common import check, final_hash, run

CONFIGS = ("replay", "noreplay")

# Lines the paging guest must print as "ok": always, and when CPUID offers PAE.
PAGING_32 = ["32 paging on", "32 read through a mapping", "32 accessed bit",
             "32 dirty bit", "32 invlpg remaps", "32 not-present read",
             "32 not-present write", "32 not-present fetch", "32 WP=1 supervisor write",
             "32 split store wrote nothing", "32 user read of supervisor page",
             "32 user write of read-only page", "smc patched immediate"]
PAGING_PAE = ["pae paging on", "pae dirty bit", "pae not-present read",
              "pae reserved bit", "pae 2MiB page"]


def _run_guest(ctx, name, extra=()):
    status, out, err = run([ctx.reprise, "-kernel", ctx.guest(name), "-serial", "stdio",
                            "-device", "isa-debug-exit"] + list(extra), timeout=300)
    check("FAIL" not in out, "%s guest failed:\n%s" % (name, out))
    check(status == 1, "%s guest exit status %d (want 1): %s %s" % (name, status, out, err))
    return out


def _check_ok_lines(out, names):
    lines = set(out.splitlines())
    for n in names:
        check("ok " + n in lines, "paging guest did not report 'ok %s':\n%s" % (n, out))


def test_paging_guest(ctx):
    out = _run_guest(ctx, "paging")
    check(out.rstrip().endswith("paging done"), "paging guest did not finish:\n" + out)
    _check_ok_lines(out, PAGING_32)
    if "skip pae paging" not in out:
        _check_ok_lines(out, PAGING_PAE)


def test_paging_guest_record_replay(ctx):
    if not ctx.replay_enabled:
        return
    rrfile, rec_log, rep_log = ctx.path("paging.rr"), ctx.path("rec.log"), ctx.path("rep.log")
    rec_out, rep_out = ctx.path("rec.txt"), ctx.path("rep.txt")
    base = [ctx.reprise, "-kernel", ctx.guest("paging"), "-device", "isa-debug-exit"]
    status, _, err = run(base + ["-serial", "file:" + rec_out, "-icount",
                                 "shift=auto,rr=record,rrfile=" + rrfile, "-d", "replay",
                                 "-D", rec_log])
    check(status == 1, "record: status %d %s" % (status, err))
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile, "-serial",
                          "file:" + rep_out, "-d", "replay", "-D", rep_log])
    check(status == 1, "replay: status %d %s" % (status, err))
    with open(rec_out) as f, open(rep_out) as g:
        check(f.read() == g.read(), "replayed serial output differs")
    check(final_hash(rec_log) == final_hash(rep_log), "replayed final state differs")


def test_bench_and_smc_known_answers(ctx):
    """The loops' results, computed natively; the instruction counts are exact."""
    out = _run_guest(ctx, "bench", ["-icount", "shift=0"])
    check("bench acc bd267521 " in out, "bench guest result: " + out)
    out = _run_guest(ctx, "smc", ["-icount", "shift=0"])
    check("smc acc afc32e43 " in out, "smc guest result: " + out)
    insns = int(out.split("insns ")[1].split()[0], 16)
    # 20M iterations of 9 instructions, plus the call's prologue and the RDTSC.
    check(180000000 <= insns < 180000100, "smc guest instruction count %d" % insns)
    out = _run_guest(ctx, "intloops", ["-icount", "shift=0"])
    check("intloops sum 8a589fa9 " in out, "intloops guest result: " + out)
