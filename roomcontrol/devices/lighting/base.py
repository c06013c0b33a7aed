"""The lighting core shared by the DMX driver and the simulated one: zone state, fades, the refresh thread.

Commands (fade_to, apply, blackout) only change state under a lock and wake the refresh thread, so they never
block the caller on I/O. The thread renders the universe from the fades at the clock's time and sends it at
`refresh_hz` while anything fades, then once more with the final values, then every `keepalive_s`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Mapping

from roomcontrol.devices.base import Device, HealthCallback
from roomcontrol.devices.lighting.config import DEFAULT_COLOR, LightingConfig
from roomcontrol.domain.brightness import Color, Fade, clamp01, fade_duration, zone_slots
from roomcontrol.domain.vitals import Health


@dataclass(frozen=True)
class ZoneStatus:
    level: float          # perceptual level now, 0..1
    color: Color          # (warmth,) or (r, g, b) or ()
    target: float         # where the running fade ends (= level when idle)
    fading: bool


class _Zone:
    __slots__ = ("zone", "level", "color", "fade")

    def __init__(self, zone):
        self.zone = zone
        self.level = 0.0
        self.color = DEFAULT_COLOR[zone.kind]
        self.fade: Fade | None = None


class LightingBase(Device):
    """Subclasses implement `_send(universe: bytes) -> bool` (called on the refresh thread only).
    close() stops refreshing; lights keep their last values (a DMX Pro holds its output), which is the safe
    state for a room with a patient in it."""

    thread_role = "dmx"

    def __init__(self, config: LightingConfig | None = None, *, clock=None,
                 on_health: HealthCallback | None = None, name: str = "lighting"):
        super().__init__(name, clock=clock, on_health=on_health)
        self.config = config or LightingConfig()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._zones = {z.name: _Zone(z) for z in self.config.zones}
        self._dirty = True
        self._last_send = float("-inf")
        self.frames_sent = 0

    # -- commands (any thread, never block) ---------------------------------------------------------------

    def fade_to(self, zone: str, level: float, *, seconds: float | None = None,
                color: Color | None = None) -> None:
        """Fade one zone to `level` (perceptual 0..1) in `seconds`, or at the configured steady rate.
        A running fade of that zone is replaced, starting from where it is now (no jump)."""
        self.apply({zone: (level, color)}, seconds=seconds)

    def set_level(self, zone: str, level: float, color: Color | None = None) -> None:
        self.apply({zone: (level, color)}, seconds=0.0)

    def apply(self, targets: Mapping[str, float | tuple], seconds: float | None = None) -> None:
        """A scene: {zone: level} or {zone: (level, color)}; all zones start together. With seconds=None each
        zone moves at the steady `fade_rate`, so a small change is quick and a big one slow."""
        parsed = {}
        for zname, t in targets.items():
            level, color = (t if isinstance(t, tuple) else (t, None))
            if zname not in self._zones:
                raise KeyError(f"no lighting zone {zname!r}")
            parsed[zname] = (clamp01(level), tuple(color) if color is not None else None)
        with self._lock:
            now = self.clock.monotonic()
            for zname, (level, color) in parsed.items():
                z = self._zones[zname]
                cur_level, cur_color = self._current(z, now)
                end_color = color if color is not None else cur_color
                dur = fade_duration(cur_level, level, self.config.fade_rate) if seconds is None else max(0.0, seconds)
                z.level, z.color = cur_level, cur_color
                z.fade = Fade(cur_level, level, now, dur, cur_color, end_color)
            self._dirty = True
        self._wake.set()

    def blackout(self, seconds: float = 0.0) -> None:
        self.apply({n: 0.0 for n in self._zones}, seconds=seconds)

    # -- state (any thread) ---------------------------------------------------------------------------------

    @staticmethod
    def _current(z: _Zone, now: float) -> tuple[float, Color]:
        if z.fade is None:
            return z.level, z.color
        return z.fade.level_at(now), z.fade.color_at(now)

    def status(self) -> dict[str, ZoneStatus]:
        with self._lock:
            now = self.clock.monotonic()
            out = {}
            for n, z in self._zones.items():
                level, color = self._current(z, now)
                fading = z.fade is not None and not z.fade.done(now)
                out[n] = ZoneStatus(level, color, z.fade.end_level if z.fade else z.level, fading)
            return out

    def level(self, zone: str) -> float:
        return self.status()[zone].level

    def is_fading(self) -> bool:
        return any(s.fading for s in self.status().values())

    def _render(self, now: float) -> tuple[bytes, bool]:
        """The 512 slots at `now`, and whether a fade is still running. Finished fades are folded in."""
        universe = bytearray(512)
        fading = False
        for z in self._zones.values():
            level, color = self._current(z, now)
            if z.fade is not None and z.fade.done(now):
                z.level, z.color, z.fade = level, color, None
            elif z.fade is not None:
                fading = True
            for ch, v in zip(z.zone.channels, zone_slots(z.zone.kind, level, color, self.config.curve)):
                universe[ch - 1] = v
        return bytes(universe), fading

    def universe(self) -> bytes:
        with self._lock:
            return self._render(self.clock.monotonic())[0]

    # -- refresh loop -----------------------------------------------------------------------------------

    def step(self) -> float:
        """One refresh: send the universe if a fade runs, a command came in or the keep-alive is due.
        Returns seconds (clock time) until the next refresh is due. Tests call it directly with a FakeClock."""
        with self._lock:
            now = self.clock.monotonic()
            universe, fading = self._render(now)
            due = fading or self._dirty or now - self._last_send >= self.config.keepalive_s
            if due:
                self._dirty = False
        if due:
            if self._send(universe):
                self.frames_sent += 1
                self._last_send = now
            else:
                with self._lock:
                    self._dirty = True   # resend as soon as the port is back
        if fading or (due and self._dirty):
            return 1.0 / self.config.refresh_hz
        return max(0.0, self._last_send + self.config.keepalive_s - now) or self.config.keepalive_s

    def _send(self, universe: bytes) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                delay = self.step()
            except Exception as exc:  # keep refreshing; a bug here must not freeze the lights silently
                self._health.set(Health.LOST, f"refresh failed: {exc}")
                delay = 1.0
            speed = getattr(self.clock, "speed", 1.0)
            wait = delay / speed if speed not in (0, float("inf")) else 0.01
            self._wake.wait(min(max(wait, 0.002), 1.0))
            self._wake.clear()

    def _interrupt(self) -> None:
        self._wake.set()
