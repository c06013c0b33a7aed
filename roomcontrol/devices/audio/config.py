"""Audio settings, from a plain dict."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

AUDIO_EXTENSIONS = (".ogg", ".mp3", ".flac", ".wav")


@dataclass(frozen=True)
class AudioConfig:
    frequency: int = 44100
    buffer: int = 1024            # samples per mix; ~23 ms at 44.1 kHz
    min_volume: float = 0.0       # music volume limits (what the patient may choose between)
    max_volume: float = 0.8
    volume: float = 0.4           # music volume at start
    fade_s: float = 2.0           # play / pause / stop fades
    crossfade_s: float = 4.0      # between tracks (equal power)
    duck_to: float = 0.2          # music gain while an alarm tone sounds
    duck_chime_to: float = 0.5    # music gain while the chime rings
    duck_s: float = 0.15          # ramp into and out of the duck
    alarm_volume: float = 1.0
    chime_volume: float = 0.6
    chime_file: str | None = None  # default: assets/audio/chimes/end_of_infusion.ogg, else synthesized
    retry_s: tuple[float, float] = (1.0, 30.0)   # back-off when the audio device cannot be opened

    def __post_init__(self):
        if not 0.0 <= self.min_volume <= self.max_volume <= 1.0:
            raise ValueError("audio volume limits must satisfy 0 <= min_volume <= max_volume <= 1")

    def clamp_volume(self, v: float) -> float:
        return min(self.max_volume, max(self.min_volume, float(v)))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "AudioConfig":
        names = {f.name for f in fields(cls)}
        unknown = set(d or {}) - names
        if unknown:
            raise ValueError(f"unknown audio settings: {', '.join(sorted(unknown))}")
        kw = dict(d or {})
        if "retry_s" in kw:
            kw["retry_s"] = tuple(kw["retry_s"])
        return cls(**kw)
