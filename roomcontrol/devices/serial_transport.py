"""A reader thread per serial device: open any pyserial URL, feed a byte parser, report readings and health.

The port may be a real UART, a USB adapter that can be unplugged, a pseudo-terminal (tests), `socket://` (a serial
device server) or `loop://`. Whatever breaks - open fails, read raises, EOF - we close, report LOST and retry after
the shared Backoff (capped at `backoff_max`), so the room never needs a restart after a cable is replugged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

import serial

from roomcontrol.devices.base import Backoff, Device, close_quietly, one_line
from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.ports import open_port
from roomcontrol.domain.vitals import SENSOR_OFF_FLAGS, Health

log = logging.getLogger(__name__)


class ByteParser(Protocol):
    counters: dict

    def feed(self, data: bytes, now: datetime | None = None) -> list: ...


def health_for(readings) -> Health:
    return Health.SENSOR_OFF if any(r.flags & SENSOR_OFF_FLAGS for r in readings) else Health.OK


def deliver(readings, on_reading, name: str, counters: dict) -> None:
    for r in readings:
        try:
            on_reading(r)
        except Exception:  # a bad consumer must not kill the device thread
            counters["callback_errors"] = counters.get("callback_errors", 0) + 1
            log.exception("%s: on_reading callback failed", name)


def check_serial_open(url: str, baudrate: int = 9600) -> None:
    """Open and close the port once, raising DeviceOpenError with a one-line reason if that fails."""
    try:
        open_port(url, baudrate=baudrate, timeout=0).close()
    except (serial.SerialException, OSError, ValueError) as e:
        raise DeviceOpenError(f"cannot open {url}: {one_line(e)}") from None


class SerialTransport(Device):
    """Owns one port and its reader thread. `close()` returns within about `read_timeout` + the join."""

    thread_role = "reader"

    def __init__(self, url: str, parser: ByteParser, *, on_reading, on_health, clock=None, name: str = "vitals",
                 baudrate: int = 9600, no_data_after: float = 5.0, backoff_initial: float = 0.25,
                 backoff_max: float = 5.0, read_timeout: float = 0.1):
        super().__init__(name, clock=clock, on_health=on_health)
        self.url = url
        self.parser = parser
        self._on_reading = on_reading
        self._baudrate = baudrate
        self._no_data_after = no_data_after
        self._backoff = Backoff(backoff_initial, backoff_max)
        self._read_timeout = read_timeout
        self._own = {"bytes": 0, "opens": 0, "open_failures": 0, "read_errors": 0, "readings": 0}

    @property
    def counters(self) -> dict:
        return {**self.parser.counters, **self._own}

    # -- the thread --------------------------------------------------------------------------------------------

    def _run(self) -> None:
        self._health.set(Health.CONNECTING, f"opening {self.url}")
        while not self._stopping.is_set():
            port = self._open()
            if port is not None and self._read_until_error(port):
                self._backoff.reset()  # the port worked: the next failure is a fresh one
            if self._stopping.wait(self._backoff.next()):
                break

    def _open(self):
        try:
            port = open_port(self.url, baudrate=self._baudrate, timeout=self._read_timeout)
        except (serial.SerialException, OSError, ValueError) as e:
            self._own["open_failures"] += 1
            self._health.set(Health.LOST, f"cannot open {self.url}: {one_line(e)}")
            return None
        self._own["opens"] += 1
        # From LOST we say CONNECTING until data proves the device is there again.
        self._health.set(Health.CONNECTING, f"{self.url} open, waiting for data")
        return port

    def _read_until_error(self, port) -> bool:
        """Read until stop or error. True if valid data came in (so the back-off can start over)."""
        got_data = False
        last_valid = self.clock.monotonic()
        try:
            while not self._stopping.is_set():
                data = port.read(max(1, port.in_waiting))
                if data:
                    self._own["bytes"] += len(data)
                    try:
                        readings = self.parser.feed(data, self.clock.now())
                    except Exception:  # parsers are fuzzed never to raise; if one does, keep the device alive
                        self._own["parser_errors"] = self._own.get("parser_errors", 0) + 1
                        log.exception("%s: parser failed", self.name)
                        readings = []
                    if readings:
                        got_data = True
                        last_valid = self.clock.monotonic()
                        self._own["readings"] += len(readings)
                        deliver(readings, self._on_reading, self.name, self._own)
                        self._health.set(health_for(readings), f"data from {self.url}")
                        continue
                if self.clock.monotonic() - last_valid >= self._no_data_after:
                    self._health.set(Health.NO_DATA, f"no valid data from {self.url} for {self._no_data_after:g} s")
        except (serial.SerialException, OSError) as e:
            self._own["read_errors"] += 1
            self._health.set(Health.LOST, f"{self.url}: {one_line(e)}")
        finally:
            close_quietly(port)
        return got_data
