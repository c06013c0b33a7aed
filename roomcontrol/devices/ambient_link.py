"""A write-only serial link for the ambient drivers (DMX interface, diffuser relay): opens lazily, reports its
health through its device's HealthReporter, and after a failure waits out the shared Backoff before opening again.

Only ever called from its driver's own thread (or at exit under the driver's lock), so it holds no lock itself.
"""

from __future__ import annotations

import serial

from roomcontrol.clock import SystemClock
from roomcontrol.devices.base import Backoff, HealthReporter
from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.ports import open_port as open_serial
from roomcontrol.domain.vitals import Health


def open_port(url: str, baudrate: int, write_timeout: float = 1.0) -> serial.SerialBase:
    try:
        return open_serial(url, baudrate=baudrate, bytesize=8, parity="N", stopbits=1,
                                     timeout=0, write_timeout=write_timeout)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceOpenError(f"cannot open {url}: {exc}".splitlines()[0]) from exc


class SerialLink:
    def __init__(self, url: str, *, baudrate: int, health: HealthReporter, clock=None, backoff: Backoff | None = None,
                 write_timeout: float = 1.0):
        self.url = url
        self.baudrate = baudrate
        self.clock = clock or SystemClock()
        self._health = health
        self._backoff = backoff or Backoff()
        self.write_timeout = write_timeout
        self._port: serial.SerialBase | None = None
        self._next_try = float("-inf")
        self.counters = {"opens": 0, "failures": 0, "frames": 0}

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def _fail(self, detail: str) -> None:
        self.counters["failures"] += 1
        self.close()
        self._next_try = self.clock.monotonic() + self._backoff.next()
        self._health.set(Health.LOST, detail)

    def seconds_until_retry(self) -> float:
        return max(0.0, self._next_try - self.clock.monotonic())

    def ensure_open(self) -> bool:
        if self._port is not None:
            return True
        if self._health.state is None:
            self._health.set(Health.CONNECTING, f"opening {self.url}")
        if self.clock.monotonic() < self._next_try:
            return False
        try:
            self._port = open_port(self.url, self.baudrate, self.write_timeout)
        except DeviceOpenError as exc:
            self._fail(str(exc))
            return False
        self.counters["opens"] += 1
        return True

    def write(self, data: bytes) -> bool:
        """Write all of `data`; False (and LOST, and back-off) if the port is gone or stalls."""
        if not self.ensure_open():
            return False
        assert self._port is not None  # ensure_open
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            self._fail(f"write to {self.url} failed: {exc}".splitlines()[0])
            return False
        self.counters["frames"] += 1
        self._backoff.reset()
        self._health.set(Health.OK, f"{self.url} open")
        return True

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass
