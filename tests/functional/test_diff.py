"""The differential tester (tests/diff, reprise-diff): random instruction sequences run on
the host CPU and on Reprise agree; the harness itself finds and shrinks a planted bug;
and the user-mode conformance program (tests/conformance) runs on the host."""
import os
import re

from common import check, run

CONFIGS = ("replay",)

SKIP = 77  # reprise-diff could not map its fixed addresses


def _diff(ctx):
    return os.path.join(ctx.build, "tests", "diff", "reprise-diff")


def _families(ctx):
    status, out, err = run([_diff(ctx), "--list"])
    check(status == 0, "reprise-diff --list: %d %s" % (status, err))
    return out.split()


def test_diff_every_family_agrees(ctx):
    families = _families(ctx)
    check("alu" in families and "sse42" in families and "mixed" in families,
          "families: %s" % families)
    status, out, err = run([_diff(ctx), "--family", "all", "--count", "300", "--seed", "7"],
                           timeout=600)
    if status == SKIP:
        return
    summaries = re.findall(r"^(\w+)\s+(\d+) sequences.*; (\d+) mismatches$", out, re.M)
    check(len(summaries) == len(families), "a summary per family:\n" + out[-2000:])
    for name, count, mismatches in summaries:
        check(int(count) > 0, "%s ran no sequences" % name)
    mismatched = [name for name, _, mismatches in summaries if mismatches != "0"]
    check(status == 0 and not mismatched,
          "Reprise differs from the host in %s:\n%s" % (mismatched, out[-6000:]))


def test_diff_finds_and_shrinks_a_planted_bug(ctx):
    status, out, err = run([_diff(ctx), "--family", "alu", "--count", "200", "--plant-bug",
                            "--max-fail", "1"])
    if status == SKIP:
        return
    check(status == 1, "a planted bug must fail the run: %d %s" % (status, err))
    check(re.search(r"^MISMATCH alu case \d+: 1 of \d+ instructions still differ$", out, re.M),
          "the mismatch is shrunk to one instruction:\n" + out)
    check(re.search(r"^    0x10000000:  f5 +cmc +\[cmc\]$", out, re.M),
          "the reproducer is the CMC:\n" + out)
    check("(differs in CF)" in out, "the difference is named:\n" + out)
    repro = re.search(r"reproduce: reprise-diff (.*)$", out, re.M).group(1).split()
    status, again, _ = run([_diff(ctx)] + repro + ["--plant-bug"])
    check(status == 1 and "1 of" in again, "the reproducer line reproduces:\n" + again)


def test_conformance_runs_on_the_host(ctx):
    binary = os.path.join(ctx.build, "tests", "conformance", "conformance")
    if not os.path.exists(binary):
        return  # no static glibc on this host
    status, first, err = run([binary], timeout=120)
    check(status == 0, "conformance exit %d: %s" % (status, err))
    status, second, _ = run([binary], timeout=120)
    check(first == second, "two runs of the conformance program differ")
    lines = first.splitlines()
    check(len(lines) > 2000, "only %d lines" % len(lines))
    for prefix in ("add64 ", "fadd cw=", "addss mxcsr=", "crc32q "):
        check(any(line.startswith(prefix) for line in lines), "no %r lines" % prefix)
