"""Shared helpers for the functional tests: locating binaries, running Reprise."""
import os
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Ctx:
    """Where the build under test lives, and a scratch directory."""

    def __init__(self, build, tmpdir, replay_enabled=True):
        self.build = os.path.abspath(build)
        self.tmp = tmpdir
        self.replay_enabled = replay_enabled

    @property
    def reprise(self):
        return os.path.join(self.build, "reprise")

    @property
    def reprise_log(self):
        return os.path.join(self.build, "reprise-log")

    def guest(self, name):
        return os.path.join(self.build, "tests", "guest", name + ".elf")

    def path(self, name):
        return os.path.join(self.tmp, name)


def run(cmd, timeout=120, **kw):
    """Run a command; return (status, stdout, stderr) as text."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def connect(port, timeout=30.0):
    """Connect to a listening Reprise socket chardev, retrying while it starts."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            sock.settimeout(None)  # readers block: a guest may be silent for a while
            return sock
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def final_hash(logfile):
    """The 'final state hash H at instruction N' line written under -d replay."""
    with open(logfile) as f:
        for line in f:
            if line.startswith("final state hash"):
                parts = line.split()
                return parts[3], int(parts[6])
    raise AssertionError("no final state hash in " + logfile)


class Skip(Exception):
    """A test that cannot run in this build; counted as skipped, never as passed."""


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
