"""A write-only serial link for the ambient drivers (DMX interface, diffuser relay): opens lazily, reports its
health once per change, and after a failure waits with exponential back-off before opening again.

Only ever called from its driver's own thread (or at exit under the driver's lock), so it holds no lock itself.
"""

from __future__ import annotations

from typing import Callable

import serial

from roomcontrol.clock import SystemClock
from roomcontrol.domain.vitals import Health, HealthChange
from roomcontrol.devices.errors import DeviceOpenError  # noqa: F401  (re-exported)

HealthCallback = Callable[[HealthChange], None]




def open_port(url: str, baudrate: int, write_timeout: float = 1.0) -> serial.SerialBase:
    try:
        return serial.serial_for_url(url, baudrate=baudrate, bytesize=8, parity="N", stopbits=1,
                                     timeout=0, write_timeout=write_timeout)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceOpenError(f"cannot open {url}: {exc}".splitlines()[0]) from exc


class SerialLink:
    def __init__(self, url: str, *, baudrate: int, device: str, clock=None,
                 on_health: HealthCallback | None = None, backoff: tuple[float, float] = (0.5, 10.0),
                 write_timeout: float = 1.0):
        self.url = url
        self.baudrate = baudrate
        self.device = device
        self.clock = clock or SystemClock()
        self.on_health = on_health
        self.backoff_min, self.backoff_max = backoff
        self.write_timeout = write_timeout
        self._port: serial.SerialBase | None = None
        self._delay = 0.0
        self._next_try = float("-inf")
        self.health: Health | None = None
        self.counters = {"opens": 0, "failures": 0, "frames": 0}
        self._report(Health.CONNECTING, f"opening {url}")

    @property
    def is_open(self) -> bool:
        return self._port is not None

    def _report(self, health: Health, detail: str) -> None:
        if health == self.health:
            return
        self.health = health
        if self.on_health:
            try:
                self.on_health(HealthChange(self.device, health, self.clock.now(), detail, dict(self.counters)))
            except Exception:  # a faulty listener must not kill the driver thread
                pass

    def _fail(self, detail: str) -> None:
        self.counters["failures"] += 1
        self.close()
        self._delay = min(self.backoff_max, max(self.backoff_min, self._delay * 2))
        self._next_try = self.clock.monotonic() + self._delay
        self._report(Health.LOST, detail)

    def seconds_until_retry(self) -> float:
        return max(0.0, self._next_try - self.clock.monotonic())

    def ensure_open(self) -> bool:
        if self._port is not None:
            return True
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
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError, ValueError) as exc:
            self._fail(f"write to {self.url} failed: {exc}".splitlines()[0])
            return False
        self.counters["frames"] += 1
        self._delay = 0.0
        self._report(Health.OK, f"{self.url} open")
        return True

    def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except Exception:
                pass
