"""Lighting zones and their DMX channels, built from a plain dict (the engine's config hands one in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from roomcontrol.domain.brightness import CIE, CURVES

KINDS = {"dimmer": 1, "tunable_white": 2, "rgb": 3}
DEFAULT_COLOR = {"dimmer": (), "tunable_white": (0.7,), "rgb": (1.0, 0.75, 0.5)}


@dataclass(frozen=True)
class Zone:
    name: str
    kind: str                    # dimmer | tunable_white (warm, cool) | rgb (r, g, b)
    channels: tuple[int, ...]    # DMX addresses 1..512, in the order above

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"zone {self.name}: unknown kind {self.kind!r} (dimmer, tunable_white, rgb)")
        if len(self.channels) != KINDS[self.kind]:
            raise ValueError(f"zone {self.name}: {self.kind} needs {KINDS[self.kind]} channel(s)")
        if any(not 1 <= c <= 512 for c in self.channels):
            raise ValueError(f"zone {self.name}: DMX channels must be 1..512")


@dataclass(frozen=True)
class LightingConfig:
    zones: tuple[Zone, ...] = (Zone("room", "dimmer", (1,)),)
    curve: str = CIE             # perceptual curve, see roomcontrol.domain.brightness
    fade_rate: float = 0.2       # perceptual levels per second when no duration is given (full range in 5 s)
    refresh_hz: float = 30.0     # frames per second while fading (DMX allows ~44)
    keepalive_s: float = 1.0     # resend the universe this often when idle, so a replugged interface recovers

    def __post_init__(self):
        if self.curve not in CURVES:
            raise ValueError(f"unknown brightness curve {self.curve!r}")
        seen: dict[int, str] = {}
        names = set()
        for z in self.zones:
            if z.name in names:
                raise ValueError(f"zone {z.name} defined twice")
            names.add(z.name)
            for c in z.channels:
                if c in seen:
                    raise ValueError(f"DMX channel {c} used by both {seen[c]} and {z.name}")
                seen[c] = z.name
        if self.refresh_hz <= 0 or self.keepalive_s <= 0 or self.fade_rate <= 0:
            raise ValueError("refresh_hz, keepalive_s and fade_rate must be above 0")

    def zone(self, name: str) -> Zone:
        for z in self.zones:
            if z.name == name:
                return z
        raise KeyError(f"no lighting zone {name!r}")

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "LightingConfig":
        """{"zones": {"ceiling": {"kind": "dimmer", "channel": 1},
                      "cove": {"kind": "rgb", "channel": 10},          # 10, 11, 12
                      "spots": {"kind": "tunable_white", "channels": [20, 22]}},
            "curve": "cie", "fade_rate": 0.2, "refresh_hz": 30, "keepalive_s": 1.0}"""
        zones = []
        for name, z in (d.get("zones") or {}).items():
            kind = z.get("kind", "dimmer")
            if kind not in KINDS:
                raise ValueError(f"zone {name}: unknown kind {kind!r} (dimmer, tunable_white, rgb)")
            if "channels" in z:
                chans = tuple(int(c) for c in z["channels"])
            else:
                start = int(z["channel"])
                chans = tuple(range(start, start + KINDS[kind]))
            zones.append(Zone(name, kind, chans))
        settings = ("curve", "fade_rate", "refresh_hz", "keepalive_s")
        unknown = set(d) - {"zones", *settings}
        if unknown:
            raise ValueError(f"unknown lighting settings: {', '.join(sorted(unknown))}")
        return cls(zones=tuple(zones) or cls.zones, **{k: d[k] for k in settings if k in d})
