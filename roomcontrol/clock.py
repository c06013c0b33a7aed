"""Clocks the engine and the drivers read time from, so tests can fake it and scenarios can speed it up.

`now()` is the wall clock (UTC, what events are stamped with); `monotonic()` is for intervals and timeouts.
`sleep()` waits in that clock's time, so a driver's fade or a scenario step runs at the clock's speed.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    """What every clock below offers."""
    def now(self) -> datetime: ...
    def monotonic(self) -> float: ...
    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    speed = 1.0

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class OffsetClock(SystemClock):
    """Real time plus an offset a test, a demo or a benchmark moves forward: wall time jumps (session timers,
    alarm delays) while monotonic() stays real, so device loops keep their pace."""

    def __init__(self):
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class ScaledClock(SystemClock):
    """Real time multiplied by `speed` from the moment it was made: a scenario at --speed 60 plays an hour a minute."""

    def __init__(self, speed: float, start: datetime | None = None):
        if speed <= 0:
            raise ValueError("speed must be above 0")
        self.speed = float(speed)
        self._start_wall = start or datetime.now(timezone.utc)
        self._start_mono = time.monotonic()

    def _elapsed(self) -> float:
        return (time.monotonic() - self._start_mono) * self.speed

    def now(self) -> datetime:
        return self._start_wall + timedelta(seconds=self._elapsed())

    def monotonic(self) -> float:
        return self._start_mono + self._elapsed()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds / self.speed)


class SteppedClock:
    """Scenario time: runs `speed` times faster than real time in small steps, and can be held at a moment.

    A scenario player holds the clock at its next step's time, so the step happens exactly then however busy
    the machine is (a ScaledClock would drift by the scheduling delay × speed). Threads that `sleep()` wait until
    the clock has really reached their time.
    """

    TICK_S = 0.02  # real seconds between steps

    def __init__(self, speed: float, start: datetime | None = None):
        if speed <= 0:
            raise ValueError("speed must be above 0")
        self.speed = float(speed)
        self._now = start or datetime.now(timezone.utc)
        self._mono = time.monotonic()
        self._limit: float | None = None
        self._cond = threading.Condition()
        threading.Thread(target=self._drive, name="stepped-clock", daemon=True).start()

    def _drive(self) -> None:
        while True:
            time.sleep(self.TICK_S)
            with self._cond:
                step = self.TICK_S * self.speed
                if self._limit is not None:
                    step = min(step, max(0.0, self._limit - self._mono))
                if step > 0:
                    self._now += timedelta(seconds=step)
                    self._mono += step
                    self._cond.notify_all()

    def now(self) -> datetime:
        with self._cond:
            return self._now

    def monotonic(self) -> float:
        with self._cond:
            return self._mono

    def sleep(self, seconds: float) -> None:
        with self._cond:
            target = self._mono + seconds
            while self._mono < target:
                self._cond.wait(0.5)

    def hold_at(self, monotonic: float | None) -> None:
        """Let time run up to `monotonic` and stop there (None: run freely)."""
        with self._cond:
            self._limit = monotonic

    def wait_for(self, monotonic: float, stop: threading.Event | None = None) -> bool:
        """Block until the clock reaches `monotonic`; False if `stop` was set first."""
        with self._cond:
            while self._mono < monotonic:
                if stop is not None and stop.is_set():
                    return False
                self._cond.wait(0.1)
        return True


class FakeClock:
    """Time moves only when a test says so. `sleep()` advances it, so code that sleeps runs instantly."""

    speed = float("inf")

    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)
        self._mono = 1000.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
            self._mono += seconds

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.advance(seconds)
