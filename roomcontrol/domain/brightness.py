"""Perceptual dimming: how a brightness level the nurse sees maps to light output, and how a fade moves.

Levels are *perceptual* (0.0 = off, 1.0 = full), so a fade that moves the level at a steady rate looks steady
to the eye. The default curve is CIE 1976 L* (the CIE 1931 Y luminance behind it): level = L*/100, output = Y.
It is the standard lightness model, close to a cube root above ~1 % and linear near black, which avoids the
crushed low end of a pure power law. Gamma 2.2 (output = level ** 2.2) is offered for fixtures that already
apply their own curve badly; the two differ by a few DMX steps in the mid range.

Pure: no I/O, no clock. Time is a float of seconds passed in by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

CIE = "cie"
GAMMA22 = "gamma2.2"
CURVES = (CIE, GAMMA22)

_EPS = 216 / 24389    # CIE: Y threshold between the linear and the cube-root segment
_KAPPA = 24389 / 27   # CIE: slope of the linear segment


def clamp01(x: float) -> float:
    if math.isnan(x):
        raise ValueError("level is NaN")
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else float(x)


def lightness_to_luminance(lightness: float) -> float:
    """CIE L* (0..100) to relative luminance Y (0..1)."""
    lightness = max(0.0, min(100.0, lightness))
    if lightness > _KAPPA * _EPS:   # = 8.0
        return ((lightness + 16.0) / 116.0) ** 3
    return lightness / _KAPPA


def luminance_to_lightness(y: float) -> float:
    y = clamp01(y)
    if y > _EPS:
        return 116.0 * math.pow(y, 1.0 / 3.0) - 16.0  # math.pow: a real result (levels are clamped ≥ 0)
    return _KAPPA * y


def level_to_output(level: float, curve: str = CIE) -> float:
    """Perceptual level (0..1) to linear light output (0..1)."""
    level = clamp01(level)
    if curve == CIE:
        return lightness_to_luminance(level * 100.0)
    if curve == GAMMA22:
        return math.pow(level, 2.2)
    raise ValueError(f"unknown brightness curve {curve!r} (expected one of {CURVES})")


def output_to_level(output: float, curve: str = CIE) -> float:
    output = clamp01(output)
    if curve == CIE:
        return luminance_to_lightness(output) / 100.0
    if curve == GAMMA22:
        return math.pow(output, 1 / 2.2)
    raise ValueError(f"unknown brightness curve {curve!r} (expected one of {CURVES})")


def to_dmx(output: float) -> int:
    """Linear output (0..1) to an 8-bit DMX slot value. Monotonic, 0 -> 0, 1 -> 255."""
    return int(round(clamp01(output) * 255.0))


def level_to_dmx(level: float, curve: str = CIE) -> int:
    return to_dmx(level_to_output(level, curve))


Color = tuple[float, ...]


@dataclass(frozen=True)
class Fade:
    """A fade of one zone from (level, color) to (level, color), moving linearly in perceptual level.

    `start` and `duration` are seconds on the caller's monotonic clock. Colour components (warm/cool mix or
    RGB) move with the same progress so hue and brightness arrive together.
    """

    start_level: float
    end_level: float
    start: float
    duration: float
    start_color: Color = ()
    end_color: Color = ()

    def progress(self, now: float) -> float:
        if self.duration <= 0:
            return 1.0
        return clamp01((now - self.start) / self.duration)

    def done(self, now: float) -> bool:
        return self.progress(now) >= 1.0

    def level_at(self, now: float) -> float:
        p = self.progress(now)
        if p >= 1.0:
            return self.end_level   # exact target, no float residue
        return self.start_level + (self.end_level - self.start_level) * p

    def color_at(self, now: float) -> Color:
        p = self.progress(now)
        if p >= 1.0 or not self.start_color:
            return self.end_color
        return tuple(a + (b - a) * p for a, b in zip(self.start_color, self.end_color))


def fade_duration(from_level: float, to_level: float, rate_per_s: float) -> float:
    """Seconds a fade takes at a steady perceptual rate (full range per second = 1.0)."""
    if rate_per_s <= 0:
        raise ValueError("fade rate must be above 0")
    return abs(clamp01(to_level) - clamp01(from_level)) / rate_per_s


def zone_slots(kind: str, level: float, color: Color, curve: str = CIE) -> tuple[int, ...]:
    """DMX slot values of one zone.

    dimmer: (level,) ; tunable_white: color = (warmth,) 0 = all cool .. 1 = all warm, the luminance is split
    between the warm and the cool channel so total output follows the curve at any mix; rgb: color = (r, g, b)
    relative 0..1, each scaled by the luminance.
    """
    y = level_to_output(level, curve)
    if kind == "dimmer":
        return (to_dmx(y),)
    if kind == "tunable_white":
        warmth = clamp01(color[0]) if color else 0.5
        return (to_dmx(y * warmth), to_dmx(y * (1.0 - warmth)))
    if kind == "rgb":
        rgb = color if color else (1.0, 1.0, 1.0)
        return tuple(to_dmx(y * clamp01(c)) for c in rgb[:3])
    raise ValueError(f"unknown zone kind {kind!r} (dimmer, tunable_white, rgb)")
