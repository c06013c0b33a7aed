"""Helpers for the vitals device tests: pseudo-terminals behind a stable symlink (like /dev/serial/by-id), and a
collector that waits (generous timeouts, never an assertion on timing) for what a driver reports."""

from __future__ import annotations

import os
import threading
import time
import tty

import pytest

from roomcontrol.devices.registry import open_device

WAIT = 15.0  # seconds; only ever a ceiling for waiting, never an assertion about speed


class Collector:
    def __init__(self):
        self.readings = []
        self.health = []
        self.pleth = []
        self._cond = threading.Condition()

    def on_reading(self, reading):
        with self._cond:
            self.readings.append(reading)
            self._cond.notify_all()

    def on_health(self, change):
        with self._cond:
            self.health.append(change)
            self._cond.notify_all()

    def on_pleth(self, samples, ts):
        with self._cond:
            self.pleth.append(samples)
            self._cond.notify_all()

    def states(self, since: int = 0) -> list[str]:
        with self._cond:
            return [h.health.value for h in self.health[since:]]

    def wait(self, predicate, timeout: float = WAIT, what: str = ""):
        with self._cond:
            if not self._cond.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"gave up waiting for {what or predicate}; health={self.states()}, "
                                     f"readings={len(self.readings)}")

    def wait_health(self, state: str, since: int = 0, timeout: float = WAIT):
        self.wait(lambda c: state in c.states(since), timeout, f"health {state} after #{since}")


class SymlinkedPty:
    """A 'device' on the master side of a pty; the driver opens `self.link`, which each plug() re-points."""

    def __init__(self, directory):
        self.link = str(directory / "ttyMONITOR")
        self.master = self.slave = None
        self._lock = threading.Lock()
        self.plug()

    def plug(self):
        with self._lock:
            master, slave = os.openpty()
            tty.setraw(slave)  # raw before anyone writes: no echo, no CR/LF translation
            os.set_blocking(master, False)
            tmp = self.link + ".new"
            os.symlink(os.ttyname(slave), tmp)
            os.replace(tmp, self.link)
            self.master, self.slave = master, slave

    def unplug(self):
        with self._lock:
            for fd in (self.master, self.slave):
                if fd is not None:
                    os.close(fd)
            self.master = self.slave = None

    def write(self, data: bytes) -> None:
        with self._lock:
            if self.master is None:
                return
            try:
                os.write(self.master, data)
            except (BlockingIOError, OSError):
                pass  # nobody reading: bytes are lost, as on a real line


class Feeder:
    """Writes `payload()` to the device every `period` seconds, like a monitor that never stops talking."""

    def __init__(self, device: SymlinkedPty, payload, period: float = 0.03):
        self.device, self.payload, self.period = device, payload, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(self.period):
            self.device.write(self.payload())

    def set(self, payload):
        self.payload = payload

    def stop(self):
        self._stop.set()
        self._thread.join(5)


@pytest.fixture
def collector():
    return Collector()


@pytest.fixture
def pty_device(tmp_path):
    device = SymlinkedPty(tmp_path)
    yield device
    device.unplug()


def eventually(predicate, timeout: float = WAIT, what: str = ""):
    """Poll for something nobody notifies about (counters); the timeout is only a ceiling."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what or predicate}")
        time.sleep(0.01)


def feed(parser, data: bytes, now, chunk: int | None = None) -> list:
    """Feed `data` to an incremental parser in `chunk`-byte pieces (all at once by default), as a port delivers it."""
    out = []
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        out += parser.feed(data[i:i + step], now)
    return out


def values(readings) -> list[tuple]:
    return [(r.kind, r.value) for r in readings]


def open_vitals(driver: str, url: str, collector, *, clock=None, on_pleth=None, **options):
    """A vitals driver opened through the registry as the room opens it, reporting to `collector`."""
    return open_device("vitals", driver, url, options, clock=clock, on_health=collector.on_health, name="vitals",
                       on_reading=collector.on_reading, on_pleth=on_pleth)
