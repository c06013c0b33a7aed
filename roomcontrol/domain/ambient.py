"""Ambient rules: what a scene asks of each device, and what a nurse or a patient may change by hand."""

from __future__ import annotations

from dataclasses import dataclass

from roomcontrol.domain.errors import Refused

TARGETS = ("light", "volume", "diffuser", "track")
# What the patient may do from the chair (locked screen): a calm room, never a blinding or deafening one. These
# are the room's; each scene may lower the highs (a dim, quiet infusion), see `patient_limits`.
PATIENT_LIMITS = {"light": (5.0, 70.0), "volume": (0.0, 60.0)}
PatientLimits = dict[str, tuple[float, float]]


def patient_limits(light_max: float | None = None, volume_max: float | None = None) -> PatientLimits:
    """The room's patient limits with a scene's highs (None: the room's); a high never falls below the low."""
    limits = dict(PATIENT_LIMITS)
    for target, high in (("light", light_max), ("volume", volume_max)):
        if high is not None:
            low = limits[target][0]
            limits[target] = (low, max(low, float(high)))
    return limits
TRACK_MOVES = ("next", "previous", "pause", "play")
WARMEST_K, COOLEST_K = 1800, 6500


def warmth(colour_temp_k: float) -> float:
    """Colour temperature as the warm share of a warm/cool white pair (1 = all warm)."""
    k = min(COOLEST_K, max(WARMEST_K, colour_temp_k))
    return round((COOLEST_K - k) / (COOLEST_K - WARMEST_K), 3)


def rgb_for(colour_temp_k: float) -> tuple[float, float, float]:
    """A gentle RGB approximation of a white of that temperature, for RGB fixtures (blue falls off when warm)."""
    w = warmth(colour_temp_k)
    return (1.0, round(0.85 - 0.35 * w, 3), round(0.8 - 0.65 * w, 3))


@dataclass(frozen=True)
class AmbientChange:
    target: str
    value: object


def check_change(target: str, value: object, actor: str, limits: PatientLimits | None = None) -> AmbientChange:
    """Validate one manual change; the patient's within `limits` (the current scene's, by default the room's
    PATIENT_LIMITS), the nurse's within the device's range."""
    if target not in TARGETS:
        raise Refused(f"unknown ambient target {target!r}; known: {', '.join(TARGETS)}")
    if target == "track":
        if value not in TRACK_MOVES:
            raise Refused(f"track must be one of {', '.join(TRACK_MOVES)}")
        return AmbientChange(target, value)
    if target == "diffuser":
        if actor == "patient":
            raise Refused("the diffuser is set by the nurse")
        if not isinstance(value, bool):
            raise Refused("diffuser must be on (true) or off (false)")
        return AmbientChange(target, value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise Refused(f"{target} must be a percentage 0–100, got {value!r}")
    if actor == "patient":
        low, high = (limits or PATIENT_LIMITS)[target]
        if not low <= value <= high:
            raise Refused(f"{target} can be set between {low:g} and {high:g} % from the chair in this scene")
    return AmbientChange(target, float(value))
