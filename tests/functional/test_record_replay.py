"""Record/replay round trips of the test guests: the serial output and the final
CPU-state hash of every replay must equal the recording's."""
import random
import subprocess
import threading
import time

from common import check, connect, final_hash, free_port, run


def _reader(sock, out):
    while True:
        data = sock.recv(65536)
        if not data:
            return
        out.extend(data)


def _type_input(sock, rng):
    """Lines at irregular moments, then pastes far longer than the UART FIFO."""
    sent = bytearray()
    for i in range(20):
        chunk = ("line %d %s\n" % (i, "x" * rng.randrange(0, 40))).encode()
        sock.sendall(chunk)
        sent += chunk
        time.sleep(rng.random() * 0.03)
    for _ in range(3):
        burst = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz \n") for _ in range(6000))
        burst += b"\n"  # so that "quit" below stands on a line of its own
        sock.sendall(burst)
        sent += burst
        time.sleep(rng.random() * 0.05)
    sock.sendall(b"quit\n")
    sent += b"quit\n"
    return sent


def _checksum(data):
    s = 0
    for b in data:
        s = (s * 31 + b) & 0xFFFFFFFF
    return s


def _record_echo(ctx, shift, rrfile, seed):
    port = free_port()
    log = ctx.path("record-%s.log" % shift)
    cmd = [ctx.reprise, "-kernel", ctx.guest("echo"), "-device", "isa-debug-exit",
           "-serial", "tcp:127.0.0.1:%d,server=on,wait=on" % port,
           "-icount", "shift=%s,rr=record,rrfile=%s" % (shift, rrfile),
           "-d", "replay", "-D", log]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sock = connect(port)
    got = bytearray()
    t = threading.Thread(target=_reader, args=(sock, got))
    t.start()
    while b"echo ready\n" not in got:
        time.sleep(0.01)
    sent = _type_input(sock, random.Random(seed))
    status = proc.wait(timeout=120)
    t.join(timeout=30)
    sock.close()
    err = proc.stderr.read().decode()
    check(status == 1, "echo guest exit status %d (want 1), stderr: %s" % (status, err))
    want_tail = "received %d bytes, checksum %08x\n" % (len(sent), _checksum(sent))
    check(got.endswith(want_tail.encode()),
          "recording lost input: output ends %r, want %r" % (bytes(got[-80:]), want_tail))
    check(bytes(got) == b"echo ready\n" + sent + want_tail.encode(),
          "echoed bytes differ from what was typed")
    return bytes(got), final_hash(log)


def _replay(ctx, rrfile, tag):
    out = ctx.path("replay-%s.txt" % tag)
    log = ctx.path("replay-%s.log" % tag)
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                          "-serial", "file:" + out, "-d", "replay", "-D", log])
    check(status == 1, "replay exit status %d (want 1): %s" % (status, err))
    with open(out, "rb") as f:
        return f.read(), final_hash(log)


def _echo_round_trip(ctx, shift):
    rrfile = ctx.path("echo-%s.rr" % shift)
    recorded, rec_hash = _record_echo(ctx, shift, rrfile, seed=42)
    for i in range(3):
        replayed, rep_hash = _replay(ctx, rrfile, "%s-%d" % (shift, i))
        check(replayed == recorded, "replay %d serial output differs from the recording" % i)
        check(rep_hash == rec_hash, "replay %d final state %s, recorded %s" %
              (i, rep_hash, rec_hash))


def test_echo_record_replay_auto(ctx):
    _echo_round_trip(ctx, "auto")


def test_echo_record_replay_fixed_shift(ctx):
    _echo_round_trip(ctx, "3")


def _clock_round_trip(ctx, shift):
    rrfile = ctx.path("clock-%s.rr" % shift)
    rec_out, rec_log = ctx.path("clock-rec.txt"), ctx.path("clock-rec.log")
    status, _, err = run([ctx.reprise, "-kernel", ctx.guest("clock"), "-device",
                          "isa-debug-exit", "-serial", "file:" + rec_out, "-icount",
                          "shift=%s,rr=record,rrfile=%s" % (shift, rrfile), "-d", "replay",
                          "-D", rec_log])
    check(status == 1, "clock guest exit %d: %s" % (status, err))
    with open(rec_out, "rb") as f:
        recorded = f.read()
    check(recorded.count(b"rdrand") == 4 and recorded.count(b"cf=1") == 4,
          "clock guest output: %r" % recorded)
    for i in range(2):
        replayed, h = _replay(ctx, rrfile, "clock-%s-%d" % (shift, i))
        check(replayed == recorded, "clock replay output differs")
        check(h == final_hash(rec_log), "clock replay final state differs")


def test_clock_random_record_replay(ctx):
    _clock_round_trip(ctx, "auto")
    _clock_round_trip(ctx, "0")


def test_replay_with_same_command_line(ctx):
    """QEMU's way: replay with the recording's full command line."""
    rrfile = ctx.path("hello.rr")
    base = [ctx.reprise, "-kernel", ctx.guest("hello"), "-device", "isa-debug-exit"]
    status, out1, err = run(base + ["-serial", "stdio", "-icount",
                                    "shift=2,rr=record,rrfile=" + rrfile])
    check(status == 1, "record: %s" % err)
    status, out2, err = run(base + ["-serial", "stdio", "-icount",
                                    "shift=2,rr=replay,rrfile=" + rrfile])
    check(status == 1 and out1 == out2, "replay with the same command line: %s" % err)


def _record_then_stop(ctx, rrfile, stop):
    """Record the echo guest on a pty under -nographic, type, then stop it with stop()."""
    import os
    import pty
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(ctx.reprise, [ctx.reprise, "-kernel", ctx.guest("echo"), "-device",
                               "isa-debug-exit", "-nographic", "-icount",
                               "shift=auto,rr=record,rrfile=" + rrfile])
    out = bytearray()
    deadline = time.monotonic() + 30

    def read_until(needle):
        while needle not in out and time.monotonic() < deadline:
            try:
                out.extend(os.read(fd, 4096))
            except OSError:
                return

    read_until(b"echo ready")
    os.write(fd, b"typed on a terminal\r")
    read_until(b"terminal\r")
    stop(pid, fd)
    read_until(b"\x00never")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), bytes(out)


def _check_replay_stops_at_quit(ctx, rrfile):
    out = ctx.path("quit-replay.txt")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                          "-serial", "file:" + out])
    check(status == 0, "replay of a run ended by the host: status %d %r" % (status, err))
    with open(out, "rb") as f:
        text = f.read()
    check(text == b"echo ready\ntyped on a terminal\r", "replayed output: %r" % text)


def test_ctrl_a_x_is_replayed_at_its_instruction(ctx):
    import os
    rrfile = ctx.path("quit.rr")
    status, _ = _record_then_stop(ctx, rrfile, lambda pid, fd: os.write(fd, b"\x01x"))
    check(status == 0, "Ctrl-A X exit status %d" % status)
    _check_replay_stops_at_quit(ctx, rrfile)


def test_sigterm_is_replayed_at_its_instruction(ctx):
    import os
    import signal
    rrfile = ctx.path("term.rr")
    status, _ = _record_then_stop(ctx, rrfile, lambda pid, fd: os.kill(pid, signal.SIGTERM))
    check(status == 0, "SIGTERM exit status %d" % status)
    _check_replay_stops_at_quit(ctx, rrfile)


def test_serial_break_is_recorded_and_replayed(ctx):
    """Ctrl-A B sends a break: the 16550 loads a zero character flagged BI, which the
    echo guest echoes. The break is a logged event, and the replay (no terminal)
    gives the same output, zero byte included."""
    import os
    rrfile = ctx.path("break.rr")

    def send_break_then_quit(pid, fd):
        os.write(fd, b"\x01b")
        time.sleep(0.3)
        os.write(fd, b"after\r")
        time.sleep(0.3)
        os.write(fd, b"\x01x")

    status, recorded = _record_then_stop(ctx, rrfile, send_break_then_quit)
    check(status == 0, "Ctrl-A X exit status %d" % status)
    check(b"terminal\r\x00after\r" in recorded, "the break's zero byte: %r" % recorded)
    status, out, err = run([ctx.reprise_log, "dump", "--kind", "char-event", rrfile])
    check(status == 0 and out.count("break") == 1, "char-event in the log: %r" % out)
    replay_out = ctx.path("break-replay.txt")
    status, _, err = run([ctx.reprise, "-icount", "rr=replay,rrfile=" + rrfile,
                          "-serial", "file:" + replay_out])
    check(status == 0, "replay: %d %r" % (status, err))
    with open(replay_out, "rb") as f:
        text = f.read()
    check(text == b"echo ready\ntyped on a terminal\r\x00after\r",
          "replayed output: %r" % text)
