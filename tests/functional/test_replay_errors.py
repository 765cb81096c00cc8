"""A replay that cannot be exact says why: changed images, a different machine,
corrupt or truncated logs. Never a crash or a hang."""
import os
import shutil
import subprocess
import time

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
    status, out, err = run([ctx.reprise_log, "info", rrfile])
    check(" instructions, " in out and "guest seconds" in out, "info duration: %r" % out)


def test_reprise_log_dump_range_matches_full_dump(ctx):
    """dump --from/--to (which enters the log through its index) prints exactly the
    events of the full dump in that range, with the same sequence numbers."""
    import json
    rrfile = ctx.path("c.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    status, out, err = run([ctx.reprise_log, "--json", "dump", rrfile])
    check(status == 0, "dump: %r" % err)
    events = [json.loads(line) for line in out.splitlines()]
    check(len(events) > 20, "too few events to slice: %d" % len(events))
    status, out, err = run([ctx.reprise_log, "--json", "info", rrfile])
    info = json.loads(out)
    check(info["guest_seconds"] > 0 and info["last_icount"] == events[-1]["icount"],
          "info: %r" % info)
    icounts = sorted(set(e["icount"] for e in events))
    for lo, hi in ((icounts[len(icounts) // 3], icounts[2 * len(icounts) // 3]),
                   (icounts[-1], icounts[-1]), (0, icounts[1])):
        status, out, err = run([ctx.reprise_log, "--json", "dump", "--from", str(lo),
                                "--to", str(hi), rrfile])
        got = [json.loads(line) for line in out.splitlines()]
        want = [e for e in events if lo <= e["icount"] <= hi]
        check(status == 0 and got == want, "dump --from %d --to %d: %d events, want %d" %
              (lo, hi, len(got), len(want)))


# ---- crafted logs: events rewritten, then stored again uncompressed ----

def _crc32c(data):
    table = _crc32c.table
    if table is None:
        table = _crc32c.table = []
        for b in range(256):
            crc = b
            for _ in range(8):
                crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
            table.append(crc)
    crc = 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


_crc32c.table = None


def _leb128(data, pos):
    value = shift = 0
    while True:
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def _put_leb128(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _read_log(path):
    """(the header bytes, [(kind, icount, payload)]) of a log (include/replay/log.h)."""
    import struct
    data = open(path, "rb").read()
    header_len = struct.unpack_from("<I", data, 12)[0]
    pos = 16 + header_len + 4
    prefix, events = data[:pos], []
    while data[pos:pos + 4] == b"CHNK":
        comp, stored, raw_len, base, count = struct.unpack_from("<B3xIIQI", data, pos + 4)
        body = data[pos + 36:pos + 36 + stored]
        if comp == 1:
            body = subprocess.run(["zstd", "-d", "-c", "-q"], input=body,
                                  capture_output=True, check=True).stdout
        check(len(body) == raw_len, "chunk at %d did not decompress" % pos)
        p, icount = 0, base
        for _ in range(count):
            kind = body[p]
            delta, p = _leb128(body, p + 1)
            length, p = _leb128(body, p)
            icount += delta
            events.append((kind, icount, body[p:p + length]))
            p += length
        pos += 36 + stored
    return prefix, events


def _write_log(path, prefix, events):
    """One uncompressed chunk with these events, then the index and tail."""
    import struct
    raw, last = bytearray(), 0
    for kind, icount, payload in events:
        raw += bytes([kind]) + _put_leb128(icount - last) + _put_leb128(len(payload))
        raw += payload
        last = icount
    head = b"CHNK" + struct.pack("<B3xIIQII", 0, len(raw), len(raw), 0, len(events),
                                 _crc32c(raw))
    chunk = head + struct.pack("<I", _crc32c(head)) + bytes(raw)
    entries = struct.pack("<QQQQ", len(prefix), 0, last, 0)
    index_offset = len(prefix) + len(chunk)
    trailer = (b"INDX" + struct.pack("<I", 1) + entries + struct.pack("<I", _crc32c(entries))
               + b"TAIL" + struct.pack("<Q", index_offset))
    with open(path, "wb") as f:
        f.write(prefix + chunk + trailer)


def test_crafted_log_round_trips(ctx):
    """The rewriting helpers below reproduce a recording that replays."""
    rrfile, copy = ctx.path("c.rr"), ctx.path("copy.rr")
    _record(ctx, ctx.guest("clock"), rrfile)
    prefix, events = _read_log(rrfile)
    _write_log(copy, prefix, events)
    status, out, err = run([ctx.reprise_log, "verify", copy])
    check(status == 0, "verify of a rewritten log: %d %r %r" % (status, out, err))
    status, _, err = _replay(ctx, copy)
    check(status == 1 and err == "", "replay of a rewritten log: %d %r" % (status, err))


def test_unreachable_event_is_an_error_not_a_hang(ctx):
    """The guest halts for good (cli; hlt, no timer) while the log still holds an event
    further on: the replay says so, naming the instruction, instead of waiting."""
    import signal
    rrfile, crafted = ctx.path("h.rr"), ctx.path("crafted.rr")
    # Without isa-debug-exit the guest's exit is cli; hlt for ever: SIGTERM ends it.
    proc = subprocess.Popen([ctx.reprise, "-kernel", ctx.guest("hello"), "-serial",
                             "null", "-icount", "shift=auto,rr=record,rrfile=" + rrfile],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(timeout=30) == 0, "record: %r" % proc.stderr.read())
    prefix, events = _read_log(rrfile)
    halt = events[-1][1]
    check([e[0] for e in events[-2:]] == [14, 15], "log ends with %r" % events[-2:])
    # The shutdown and the end move 1000 instructions past where the CPU stops.
    events = events[:-2] + [(k, i + 1000, p) for k, i, p in events[-2:]]
    _write_log(crafted, prefix, events)
    status, _, err = _replay(ctx, crafted)
    check(0 < status < 128 and "halted at instruction %d" % halt in err,
          "unreachable event: %d %r" % (status, err))


def _machine_checkpoint(events):
    """Index of the first checkpoint with RAM and device hashes, and the offset of its
    machine part (after flags, the CPU hash and, with flag 2, 18 registers)."""
    for n, (kind, _, payload) in enumerate(events):
        if kind == 12 and payload[0] & 1:
            return n, 9 + (144 if payload[0] & 2 else 0)
    raise AssertionError("no checkpoint with a machine hash in the log")


def test_ram_and_device_divergence_are_named(ctx):
    """A checkpoint whose RAM table says one page held something else names that page's
    guest-physical address; one whose first device hash differs names the device."""
    rrfile = ctx.path("b.rr")
    _record(ctx, ctx.guest("bench"), rrfile)  # ~260M instructions: one machine hash
    prefix, events = _read_log(rrfile)
    n, off = _machine_checkpoint(events)
    kind, icount, payload = events[n]
    p = bytearray(payload)
    p[off] ^= 1                          # the RAM hash no longer matches...
    count, pos = _leb128(p, off + 8)
    check(count > 0, "no changed pages in the checkpoint")
    gap, pos = _leb128(p, pos)           # ...and the first changed page's CRC says why
    p[pos] ^= 0xFF
    ram = ctx.path("ram.rr")
    _write_log(ram, prefix, events[:n] + [(kind, icount, bytes(p))] + events[n + 1:])
    status, _, err = _replay(ctx, ram)
    check(status != 0 and "guest-physical 0x%x" % (gap * 4096) in err and
          "instruction %d" % icount in err, "RAM divergence: %d %r" % (status, err))

    p = bytearray(payload)
    pos = off + 8
    count, pos = _leb128(p, pos)
    for _ in range(count):
        _, pos = _leb128(p, pos)
        pos += 4
    devices, pos = _leb128(p, pos)
    p[pos] ^= 1                          # the first device's hash
    dev = ctx.path("dev.rr")
    _write_log(dev, prefix, events[:n] + [(kind, icount, bytes(p))] + events[n + 1:])
    status, _, err = _replay(ctx, dev)
    check(status != 0 and "device " in err and "RAM page" not in err,
          "device divergence: %d %r" % (status, err))
