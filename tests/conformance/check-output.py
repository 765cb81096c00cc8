#!/usr/bin/env python3
"""Run the conformance program on the host: it must exit 0, cover every family, and print
the same bytes twice (its output may depend on nothing but the CPU)."""
import subprocess
import sys

# One instruction per family whose lines must appear.
EXPECTED = ["add64 ", "rcl8 ", "shld64 ", "idiv32 ", "bsr64 ", "cmovle ", "xadd64 ",
            "rep movsb ", "fadd cw=", "fsin cw=", "fbstp cw=", "addss mxcsr=",
            "cvtsd2si mxcsr=", "roundps mxcsr=", "pcmpestri 18 ", "crc32q ", "pmulhw mm "]


def run(binary):
    p = subprocess.run([binary], capture_output=True, timeout=60)
    if p.returncode != 0:
        sys.exit("conformance exited with %d: %s" % (p.returncode, p.stderr.decode()))
    return p.stdout


def main():
    first, second = run(sys.argv[1]), run(sys.argv[1])
    if first != second:
        sys.exit("two runs printed different output")
    text = first.decode()
    lines = text.splitlines()
    missing = [e for e in EXPECTED if not any(l.startswith(e) for l in lines)]
    if missing:
        sys.exit("no lines for: %s" % ", ".join(missing))
    if len(lines) < 2000:
        sys.exit("only %d lines" % len(lines))
    if "#DE" not in text or "#MF" not in text or "#XM" not in text:
        sys.exit("the exception cases (#DE, #MF, #XM) are missing")
    print("%d lines, deterministic" % len(lines))


if __name__ == "__main__":
    main()
