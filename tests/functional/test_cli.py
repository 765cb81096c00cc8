"""The command line: errors name the option, help answers, guests run."""
import os

from common import check, run

CONFIGS = ("replay", "noreplay")


def _fails_naming(ctx, args, *needles):
    status, out, err = run([ctx.reprise] + args)
    check(status != 0, "%s should fail, got status 0" % args)
    for n in needles:
        check(n in err, "error for %s should mention %r, got: %r" % (args, n, err))
    check("Segmentation" not in err and status > 0, "crash: %d %r" % (status, err))


def test_unknown_option(ctx):
    _fails_naming(ctx, ["-frobnicate"], "-frobnicate", "unknown option")


def test_bad_values(ctx):
    _fails_naming(ctx, ["-m", "lots"], "-m", "lots")
    _fails_naming(ctx, ["-machine", "q35"], "-machine", "q35")
    _fails_naming(ctx, ["-icount", "shift=99"], "shift")
    _fails_naming(ctx, ["-icount", "rr=sideways,rrfile=x"], "rr", "sideways")
    _fails_naming(ctx, ["-d", "nonsense"], "nonsense")
    _fails_naming(ctx, ["-serial", "bogus:thing", "-kernel", ctx.guest("hello")], "bogus")
    _fails_naming(ctx, ["-device", "no-such-device", "-kernel", ctx.guest("hello")],
                  "no-such-device")
    _fails_naming(ctx, ["-device", "isa-debug-exit,iobase=zap", "-kernel",
                        ctx.guest("hello")], "iobase")
    _fails_naming(ctx, ["-kernel"], "-kernel", "argument")


def test_missing_and_bad_kernel(ctx):
    _fails_naming(ctx, ["-kernel", ctx.path("nope.elf")], "nope.elf")
    junk = ctx.path("junk.bin")
    with open(junk, "wb") as f:
        f.write(os.urandom(4096))
    _fails_naming(ctx, ["-kernel", junk], "junk.bin", "Multiboot")


def test_not_yet_implemented_options_are_errors(ctx):
    for opt in (["-drive", "file=x.img"], ["-netdev", "user,id=n0"]):
        _fails_naming(ctx, opt + ["-kernel", ctx.guest("hello")], opt[0], "not implemented")


def test_help_and_version(ctx):
    status, out, _ = run([ctx.reprise, "-h"])
    check(status == 0 and "-icount" in out and "-serial" in out, "-h output: %r" % out)
    status, out, _ = run([ctx.reprise, "-version"])
    check(status == 0 and "Reprise" in out, "-version output: %r" % out)
    status, out, _ = run([ctx.reprise, "-d", "help"])
    check(status == 0 and "in_asm" in out and "int" in out, "-d help output: %r" % out)
    status, out, _ = run([ctx.reprise, "-device", "help"])
    check(status == 0 and "isa-debug-exit" in out and "isa-serial" in out,
          "-device help output: %r" % out)
    status, out, _ = run([ctx.reprise, "-device", "isa-debug-exit,help"])
    check(status == 0 and "iobase" in out, "-device isa-debug-exit,help: %r" % out)


def test_hello_guest_and_exit_status(ctx):
    status, out, err = run([ctx.reprise, "-kernel", ctx.guest("hello"), "-serial", "stdio",
                            "-device", "isa-debug-exit"])
    check(status == 1, "isa-debug-exit: writing 0 exits with (0<<1)|1, got %d: %s" %
          (status, err))
    check("Hello from a Reprise guest" in out and "multiboot ok" in out, out)


def test_icount_align(ctx):
    _fails_naming(ctx, ["-kernel", ctx.guest("hello"), "-icount", "shift=auto,align=on"],
                  "align", "shift=auto")
    _fails_naming(ctx, ["-kernel", ctx.guest("hello"), "-icount", "shift=3,align=on,sleep=off"],
                  "align", "sleep=off")
    status, out, err = run([ctx.reprise, "-kernel", ctx.guest("hello"), "-serial", "stdio",
                            "-device", "isa-debug-exit", "-icount", "shift=3,align=on"])
    check(status == 1 and "Hello from a Reprise guest" in out,
          "align=on run: %d %s %s" % (status, out, err))


def test_selftest_matches_host(ctx):
    status, out, err = run([ctx.reprise, "-kernel", ctx.guest("selftest"), "-serial",
                            "stdio", "-device", "isa-debug-exit"])
    check(status == 1, "selftest exit %d: %s" % (status, err))
    _, host, _ = run([os.path.join(ctx.build, "tests", "guest", "selftest-host")])
    check(out == host, "guest self-test differs from the host:\n%s\nvs\n%s" % (out, host))


def test_in_asm_log(ctx):
    log = ctx.path("asm.log")
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("hello"), "-serial", "null",
                          "-device", "isa-debug-exit", "-d", "in_asm,int,exec", "-D", log])
    check(status == 1, err)
    with open(log) as f:
        text = f.read()
    check("IN:" in text and "out" in text and "Trace" in text, text[:500])


def test_debugcon(ctx):
    out = ctx.path("debugcon.txt")
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("hello"), "-serial", "null",
                          "-debugcon", "file:" + out, "-device", "isa-debug-exit"])
    check(status == 1, err)


def test_replay_options_without_replay(ctx):
    if ctx.replay_enabled:
        return
    for mode in ("record", "replay"):
        _fails_naming(ctx, ["-kernel", ctx.guest("hello"), "-icount",
                            "shift=1,rr=%s,rrfile=%s" % (mode, ctx.path("x.rr"))],
                      "rr=" + mode, "disable-replay")
