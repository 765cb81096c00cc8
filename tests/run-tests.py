#!/usr/bin/env python3
"""Run every test: meson's unit and guest tests in both configurations, then the
functional tests (tests/functional/test_*.py). Prints 'N passed, N failed' last."""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))


def meson_tests(build, label, slow):
    """Run meson test; return (passed, failed, skipped)."""
    args = ["meson", "test", "-C", build, "--print-errorlogs", "--no-rebuild"]
    if not slow:
        args += ["--no-suite", "slow"]
    subprocess.run(args)
    passed = failed = skipped = 0
    with open(os.path.join(build, "meson-logs", "testlog.json")) as f:
        for line in f:
            r = json.loads(line)
            result = r["result"]
            if result == "OK":
                passed += 1
            elif result == "SKIP":
                skipped += 1
                print("SKIP %s: %s" % (label, r["name"]))
            else:
                failed += 1
                print("FAIL %s: %s (%s)" % (label, r["name"], result))
    return passed, failed, skipped


def functional_tests(build, replay_enabled, label, only):
    sys.path.insert(0, os.path.join(HERE, "functional"))
    import common
    passed = failed = skipped = 0
    for name in sorted(os.listdir(os.path.join(HERE, "functional"))):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3],
                                                      os.path.join(HERE, "functional", name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        wants = getattr(mod, "CONFIGS", ("replay",))
        if ("replay" if replay_enabled else "noreplay") not in wants:
            continue
        for fn in sorted(n for n in dir(mod) if n.startswith("test_")):
            if only and only not in "%s.%s" % (name[:-3], fn):
                continue
            tmp = tempfile.mkdtemp(prefix="reprise-test-")
            ctx = common.Ctx(build, tmp, replay_enabled)
            start = time.monotonic()
            try:
                getattr(mod, fn)(ctx)
                passed += 1
                print("ok   %s: %s.%s (%.1fs)" % (label, name[:-3], fn, time.monotonic() - start))
                shutil.rmtree(tmp, ignore_errors=True)
            except common.Skip as why:
                skipped += 1
                print("SKIP %s: %s.%s (%s)" % (label, name[:-3], fn, why))
                shutil.rmtree(tmp, ignore_errors=True)
            except Exception:
                failed += 1
                print("FAIL %s: %s.%s (scratch kept in %s)" % (label, name[:-3], fn, tmp))
                traceback.print_exc()
            sys.stdout.flush()
    return passed, failed, skipped


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--build-noreplay", default="build-noreplay")
    ap.add_argument("--slow", action="store_true")
    ap.add_argument("--only", help="run only functional tests whose name contains this")
    args = ap.parse_args()
    if args.slow:
        os.environ["REPRISE_SLOW_TESTS"] = "1"  # functional tests add their long cases
    totals = [0, 0, 0]
    runs = [(args.build, True, "replay"), (args.build_noreplay, False, "noreplay")]
    for build, replay_enabled, label in runs:
        if not os.path.isdir(build):
            print("FAIL %s: build directory %s missing" % (label, build))
            totals[1] += 1
            continue
        if not args.only:
            p, f, s = meson_tests(build, label, args.slow)
            totals[0] += p
            totals[1] += f
            totals[2] += s
        p, f, s = functional_tests(build, replay_enabled, label, args.only)
        totals[0] += p
        totals[1] += f
        totals[2] += s
    print("%d passed, %d failed, %d skipped" % tuple(totals))
    return 1 if totals[1] else 0


if __name__ == "__main__":
    sys.exit(main())
