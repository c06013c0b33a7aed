"""A reader thread per serial device: open any pyserial URL, feed a byte parser, report readings and health.

The port may be a real UART, a USB adapter that can be unplugged, a pseudo-terminal (tests), `socket://` (a serial
device server) or `loop://`. Whatever breaks - open fails, read raises, EOF - we close, report LOST and retry with
exponential back-off capped at `backoff_max`, so the room never needs a restart after a cable is replugged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import serial

from roomcontrol.clock import SystemClock
from roomcontrol.domain.vitals import SENSOR_OFF_FLAGS, Health, HealthChange
from roomcontrol.devices.errors import DeviceOpenError  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

# Reading flags that mean "the device talks, but not about the patient".




class ByteParser(Protocol):
    counters: dict

    def feed(self, data: bytes, now: datetime | None = None) -> list: ...


class HealthTracker:
    """Holds one device's health and reports transitions only (the engine logs each as an event)."""

    def __init__(self, name: str, on_health: Callable[[HealthChange], None], clock,
                 counters: Callable[[], dict] = dict):
        self.name = name
        self._on_health = on_health
        self._clock = clock
        self._counters = counters
        self._lock = threading.Lock()
        self.state: Health | None = None

    def set(self, health: Health, detail: str = "") -> bool:
        with self._lock:  # held while calling back so two threads cannot report out of order
            if health == self.state:
                return False
            self.state = health
            change = HealthChange(self.name, health, self._clock.now(), detail, dict(self._counters()))
            try:
                self._on_health(change)
            except Exception:
                log.exception("%s: on_health callback failed", self.name)
            return True


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
        serial.serial_for_url(url, baudrate=baudrate, timeout=0).close()
    except (serial.SerialException, OSError, ValueError) as e:
        raise DeviceOpenError(f"cannot open {url}: {_one_line(e)}") from None


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


class SerialTransport:
    """Owns one port and its reader thread. `stop()` returns within about `read_timeout` + the join."""

    def __init__(self, url: str, parser: ByteParser, *, on_reading, on_health, clock=None, name: str = "vitals",
                 baudrate: int = 9600, no_data_after: float = 5.0, backoff_initial: float = 0.25,
                 backoff_max: float = 5.0, read_timeout: float = 0.1):
        self.url = url
        self.name = name
        self.parser = parser
        self._on_reading = on_reading
        self._clock = clock or SystemClock()
        self._baudrate = baudrate
        self._no_data_after = no_data_after
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._read_timeout = read_timeout
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._own = {"bytes": 0, "opens": 0, "open_failures": 0, "read_errors": 0, "readings": 0}
        self._tracker = HealthTracker(name, on_health, self._clock, lambda: self.counters)

    @property
    def counters(self) -> dict:
        return {**self.parser.counters, **self._own}

    @property
    def health(self) -> Health | None:
        return self._tracker.state

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-reader", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the thread --------------------------------------------------------------------------------------------

    def _run(self) -> None:
        self._tracker.set(Health.CONNECTING, f"opening {self.url}")
        backoff = self._backoff_initial
        while not self._stop.is_set():
            port = self._open()
            if port is not None:
                if self._read_until_error(port):
                    backoff = self._backoff_initial  # the port worked: the next failure is a fresh one
            if self._stop.wait(backoff):
                break
            backoff = min(backoff * 2, self._backoff_max)

    def _open(self):
        try:
            port = serial.serial_for_url(self.url, baudrate=self._baudrate, timeout=self._read_timeout)
        except (serial.SerialException, OSError, ValueError) as e:
            self._own["open_failures"] += 1
            self._tracker.set(Health.LOST, f"cannot open {self.url}: {_one_line(e)}")
            return None
        self._own["opens"] += 1
        # From LOST we say CONNECTING until data proves the device is there again.
        self._tracker.set(Health.CONNECTING, f"{self.url} open, waiting for data")
        return port

    def _read_until_error(self, port) -> bool:
        """Read until stop or error. True if valid data came in (so the back-off can start over)."""
        got_data = False
        last_valid = self._clock.monotonic()
        try:
            while not self._stop.is_set():
                data = port.read(max(1, port.in_waiting))
                if data:
                    self._own["bytes"] += len(data)
                    try:
                        readings = self.parser.feed(data, self._clock.now())
                    except Exception:  # parsers are fuzzed never to raise; if one does, keep the device alive
                        self._own["parser_errors"] = self._own.get("parser_errors", 0) + 1
                        log.exception("%s: parser failed", self.name)
                        readings = []
                    if readings:
                        got_data = True
                        last_valid = self._clock.monotonic()
                        self._own["readings"] += len(readings)
                        deliver(readings, self._on_reading, self.name, self._own)
                        self._tracker.set(health_for(readings), f"data from {self.url}")
                        continue
                if self._clock.monotonic() - last_valid >= self._no_data_after:
                    self._tracker.set(Health.NO_DATA, f"no valid data from {self.url} for {self._no_data_after:g} s")
        except (serial.SerialException, OSError) as e:
            self._own["read_errors"] += 1
            self._tracker.set(Health.LOST, f"{self.url}: {_one_line(e)}")
        finally:
            try:
                port.close()
            except Exception:
                pass
        return got_data
