"""The privileged-CPU guest (tests/guest/cpu.c, cpu-sys.c): every exception with its
error code and reported EIP, the STI interrupt shadow, a 16-bit task switch,
SYSENTER/SYSEXIT, debug registers (instruction, data and I/O breakpoints, RF,
single-step, general detect), and VME/PVI when CPUID advertises VME. Every line it
prints must be "ok ..." (or "skip ..." for a feature the CPU model does not
advertise); it exits with status 1 (wrote 0)."""
from common import check, final_hash, run

CONFIGS = ("replay", "noreplay")

# Lines that must be there: one per exception and per system feature.
REQUIRED = [
    "#DE divide by zero", "#DB single-step trap after the next instruction",
    "#BP from ring 3 (trap: EIP after INT3)", "#OF from INTO (trap)", "#BR from BOUND",
    "#UD from UD2", "#NM with CR0.TS", "#DF(0) from #NP while delivering #GP",
    "#TS(sel) from a TSS limit below 67h", "#NP(sel) loading DS", "#SS(sel) loading SS",
    "#SS(0) past a ring-3 stack limit", "#GP(sel) loading ES with a TSS",
    "#PF(W) writing a page not present", "#MF at the next x87 instruction (CR0.NE)",
    "#AC(0) misaligned at ring 3 with AC and CR0.AM", "#XM unmasked SSE divide by zero",
    "STI shadow: the code ran to its end", "16-bit task ran",
    "SYSENTER/SYSEXIT round trips end in ring 3",
    "instruction breakpoint: code ran on after RF", "data breakpoint on a write (trap)",
    "I/O breakpoint on OUT (trap, CR4.DE)", "general detect: MOV DR is a #DB fault",
    "single-step through 5 instructions",
]


def _base(ctx, model):
    return [ctx.reprise, "-cpu", model, "-kernel", ctx.guest("cpu"), "-device",
            "isa-debug-exit", "-no-reboot"]


def _check_output(status, out, err):
    lines = out.splitlines()
    bad = [line for line in lines if not line.startswith(("ok ", "skip "))]
    check(not bad, "cpu guest reported failures: %r (stderr %r)" % (bad, err))
    for name in REQUIRED:
        check("ok " + name in lines, "cpu guest did not report %r: %r" % (name, out))
    check(lines and lines[-1] == "ok all cpu", "last line %r" % lines[-1:])
    check(status == 1, "cpu guest exit status %d (want 1), stderr: %s" % (status, err))


def test_guest_cpu(ctx):
    for model in ("reprise", "max"):
        status, out, err = run(_base(ctx, model) + ["-serial", "stdio"], timeout=60)
        _check_output(status, out, err)


def test_guest_cpu_record_replay(ctx):
    """Exceptions, task switches, breakpoints and the IPI replay to the same state."""
    if not ctx.replay_enabled:
        return
    rrfile, rec_log = ctx.path("cpu.rr"), ctx.path("cpu-rec.log")
    status, out, err = run(_base(ctx, "max") + ["-serial", "stdio", "-icount",
                                                "shift=auto,rr=record,rrfile=" + rrfile,
                                                "-d", "replay", "-D", rec_log], timeout=60)
    _check_output(status, out, err)
    rep_out, rep_log = ctx.path("cpu-rep.txt"), ctx.path("cpu-rep.log")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                          "-serial", "file:" + rep_out, "-d", "replay", "-D", rep_log],
                         timeout=60)
    check(status == 1, "replay exit status %d: %s" % (status, err))
    with open(rep_out) as f:
        check(f.read() == out, "replayed serial output differs from the recording")
    check(final_hash(rep_log) == final_hash(rec_log), "replay ended in a different state")
