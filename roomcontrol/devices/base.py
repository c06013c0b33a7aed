"""What every device driver shares: one lifecycle, one health reporter, one back-off policy.

Lifecycle: a driver is built (not started), `start()` starts its thread, `close()` stops the thread, releases
its port and leaves the hardware safe (the diffuser OFF). Both may be called more than once. Device actions
have their own verbs (`diffuser.off(reason)`, `audio.stop(fade_s)`); "stop" never means the lifecycle.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from roomcontrol.clock import SystemClock
from roomcontrol.domain.vitals import Health, HealthChange

log = logging.getLogger(__name__)

HealthCallback = Callable[[HealthChange], None]


def one_line(e: BaseException) -> str:
    """An OS or port error as one line of a health detail."""
    return " ".join(str(e).split()) or type(e).__name__


def close_quietly(port: object) -> None:
    """Release a port that may already be broken: whatever closing it raises is past caring about."""
    try:
        port.close()  # type: ignore[attr-defined]
    except Exception:
        pass


class HealthReporter:
    """Holds one device's health and reports transitions only (the engine logs each as an event)."""

    def __init__(self, name: str, on_health: HealthCallback | None, clock=None,
                 counters: Callable[[], dict] = dict):
        self.name = name
        self._on_health = on_health
        self._clock = clock or SystemClock()
        self._counters = counters
        self._lock = threading.Lock()
        self.state: Health | None = None

    def set(self, health: Health, detail: str = "") -> bool:
        """Report `health` if it differs from the last one; True if it did."""
        with self._lock:  # held while calling back so two threads cannot report out of order
            if health == self.state:
                return False
            self.state = health
            if self._on_health is None:
                return True
            change = HealthChange(self.name, health, self._clock.now(), detail, dict(self._counters()))
            try:
                self._on_health(change)
            except Exception:  # a faulty listener must not kill the driver thread
                log.exception("%s: on_health callback failed", self.name)
            return True


class Backoff:
    """Capped exponential back-off with jitter: initial, 2x, 4x ... up to `maximum`, each shortened by up to
    `jitter` (a fraction) so devices that failed together do not retry in lockstep; never above `maximum`."""

    def __init__(self, initial: float = 0.25, maximum: float = 5.0, jitter: float = 0.1,
                 rng: Callable[[], float] = random.random):
        if not 0 < initial <= maximum or not 0 <= jitter < 1:
            raise ValueError("back-off needs 0 < initial <= maximum and 0 <= jitter < 1")
        self.initial, self.maximum, self.jitter = initial, maximum, jitter
        self._rng = rng
        self._next = initial

    def next(self) -> float:
        """The delay before the next attempt; each call doubles the one after, up to the cap."""
        delay = self._next
        self._next = min(delay * 2, self.maximum)
        return delay * (1 - self.jitter * self._rng())

    def reset(self) -> None:
        """The device worked: the next failure starts again from `initial`."""
        self._next = self.initial


class Device:
    """A driver with a thread of its own. Subclasses implement `_run()` (loop until `self._stopping` is set)
    and may override `_interrupt()` (wake the thread so it sees the stop) and `_release()` (after the thread
    ended: close the port, leave the hardware safe)."""

    thread_role = "worker"
    close_timeout = 2.0
    # Start-NIBP (issue #15): a vitals driver whose monitor takes a "measure now" command sets this and implements
    # start_nibp(), which returns at once (its thread inflates the cuff; the reading arrives as any other). An
    # HL7 feed, a Nonin or a Masimo only listens: the nurse starts NIBP on the monitor itself.
    can_start_nibp = False
    cannot_start_nibp = "This monitor can't be started from here: start NIBP on the monitor"

    def start_nibp(self) -> None:
        raise NotImplementedError(self.cannot_start_nibp)

    def __init__(self, name: str, *, clock=None, on_health: HealthCallback | None = None):
        self.name = name
        self.clock = clock or SystemClock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._health = HealthReporter(name, on_health, self.clock, lambda: self.counters)

    @property
    def health(self) -> Health | None:
        return self._health.state

    @property
    def counters(self) -> dict:
        return {}

    def start(self):
        if self._thread is None and not self._closed:
            self._thread = threading.Thread(target=self._run, name=f"{self.name}-{self.thread_role}", daemon=True)
            self._thread.start()
        return self

    def close(self, timeout: float | None = None) -> None:
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._interrupt()
        if self._thread is not None:
            self._thread.join(self.close_timeout if timeout is None else timeout)
        self._release()

    def _run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _interrupt(self) -> None:
        pass

    def _release(self) -> None:
        pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
