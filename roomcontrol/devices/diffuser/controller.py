"""The diffuser controller: intermittent mist (on s / off s), a maximum run time, and OFF whenever in doubt.

Safety rules: the first thing it sends is OFF (a crash that left the relay on is undone at the restart); OFF is
sent again at interpreter exit (atexit) and by close(); the wanted state is resent every `resend_s`, so a relay
that was replugged or power-cycled follows within seconds; `off()` never raises and never waits for I/O.
"""

from __future__ import annotations

import atexit
import threading
from dataclasses import dataclass
from typing import Callable

from roomcontrol.devices.base import Device

DEFAULT_MAX_RUN_S = 45 * 60.0


@dataclass(frozen=True)
class MistProgram:
    on_s: float = 30.0
    off_s: float = 90.0
    max_run_s: float = DEFAULT_MAX_RUN_S   # counted from mist(); then the diffuser stays off until started again

    def __post_init__(self):
        if self.on_s < 0 or self.off_s < 0 or self.max_run_s < 0 or self.on_s + self.off_s <= 0:
            raise ValueError("mist program: on_s, off_s, max_run_s must be >= 0 and on_s + off_s > 0")


def mist_phase(elapsed: float, p: MistProgram) -> tuple[bool, float]:
    """Whether mist is on `elapsed` s after start, and seconds until that changes (inf = never)."""
    if elapsed >= p.max_run_s:
        return False, float("inf")
    if p.off_s == 0:
        return p.on_s > 0, p.max_run_s - elapsed
    period = p.on_s + p.off_s
    pos = elapsed % period
    on = pos < p.on_s
    to_change = (p.on_s - pos) if on else (period - pos)
    return on, min(to_change, p.max_run_s - elapsed)


@dataclass(frozen=True)
class DiffuserStatus:
    running: bool          # a program is active
    mist_on: bool          # what the relay was last told
    elapsed_s: float       # since mist(), 0 when not running
    remaining_s: float     # until max run time, 0 when not running
    health: object         # Health or None before the first write


class DiffuserController(Device):
    """start() starts the worker, whose first act is to send OFF; close() sends OFF and releases the port.
    Health is the switch's (it owns the port)."""

    thread_role = "relay"

    def __init__(self, switch, *, clock=None, name: str = "diffuser", resend_s: float = 30.0,
                 max_run_s: float = DEFAULT_MAX_RUN_S, on_change: Callable[[bool, str], None] | None = None):
        super().__init__(name, clock=clock)
        self.switch = switch
        self.resend_s = resend_s
        self.max_run_s = float(max_run_s)   # the longest program the room starts (its scenes use this)
        self.on_change = on_change          # (mist_on, reason) after each switch that reached the device
        self._lock = threading.Lock()       # state
        self._io = threading.Lock()         # the switch: worker thread vs atexit/close
        self._wake = threading.Event()
        self._program: MistProgram | None = None
        self._started_at = 0.0
        self._reason = "startup"
        self._sent: bool | None = None      # last state that reached the device
        self._last_send = float("-inf")
        atexit.register(self._at_exit)

    # -- commands (any thread) ------------------------------------------------------------------------

    @property
    def health(self):
        return self.switch.health

    def mist(self, program: MistProgram | None = None) -> None:
        """Begin intermittent mist now (on first). A running program restarts with the new one."""
        with self._lock:
            self._program = program or MistProgram()
            self._started_at = self.clock.monotonic()
            self._reason = "cycle"
        self._wake.set()

    def off(self, reason: str = "off") -> None:
        """Stop the program and switch off. Never raises, never blocks on I/O (the worker sends OFF)."""
        try:
            with self._lock:
                self._program = None
                self._reason = reason
            self._wake.set()
            if self._thread is None:       # no worker: do it here, as safely as possible
                self.step()
        except Exception:
            pass

    def status(self) -> DiffuserStatus:
        with self._lock:
            if self._program is None:
                return DiffuserStatus(False, bool(self._sent), 0.0, 0.0, getattr(self.switch, "health", None))
            el = self.clock.monotonic() - self._started_at
            return DiffuserStatus(True, bool(self._sent), el, max(0.0, self._program.max_run_s - el),
                                  getattr(self.switch, "health", None))

    # -- worker ------------------------------------------------------------------------------------------

    def _wanted(self, now: float) -> tuple[bool, float, str]:
        with self._lock:
            p = self._program
            if p is None:
                return False, float("inf"), self._reason
            on, to_change = mist_phase(now - self._started_at, p)
            if now - self._started_at >= p.max_run_s:
                self._program = None
                self._reason = "max_run"
            return on, to_change, self._reason

    def step(self) -> float:
        """Bring the relay to the wanted state; returns clock seconds until something is due."""
        now = self.clock.monotonic()
        if self._sent is None:          # nothing reached the device yet: OFF first, even if mist() came already
            with self._io:
                if not self.switch.set(False):
                    return max(0.05, self.switch.seconds_until_retry())
            self._sent, self._last_send = False, now
            if self.on_change:
                try:
                    self.on_change(False, "startup")
                except Exception:
                    pass
        on, to_change, reason = self._wanted(now)
        due = on != self._sent or now - self._last_send >= self.resend_s
        if due:
            with self._io:
                ok = self.switch.set(on)
            if ok:
                changed = on != self._sent
                self._sent, self._last_send = on, now
                if changed and self.on_change:
                    try:
                        self.on_change(on, reason)
                    except Exception:
                        pass
            else:
                return max(0.05, self.switch.seconds_until_retry())
        return max(0.0, min(to_change, self._last_send + self.resend_s - now))

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.step()
            except Exception:
                delay = 1.0
            speed = getattr(self.clock, "speed", 1.0)
            wait = delay / speed if speed not in (0, float("inf")) else 0.01
            self._wake.wait(min(max(wait, 0.002), 1.0))
            self._wake.clear()

    def _final_off(self, reason: str) -> None:
        with self._lock:
            self._program = None
            self._reason = reason
        if self._io.acquire(timeout=2.0):
            try:
                if self.switch.set(False) and self._sent is not False:
                    self._sent = False
                    if self.on_change:
                        self.on_change(False, reason)
            except Exception:
                pass
            finally:
                self._io.release()

    def _interrupt(self) -> None:
        self._wake.set()

    def _release(self) -> None:
        self._final_off("close")
        try:
            self.switch.close()
        except Exception:
            pass
        atexit.unregister(self._at_exit)

    def _at_exit(self) -> None:
        self._stopping.set()
        self._final_off("exit")
