"""The player's building blocks: the track list of a folder, the status it publishes, gain ramps, and a voice
(one track on one music channel, streamed or decoded whole)."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from roomcontrol.devices.audio.config import AUDIO_EXTENSIONS
from roomcontrol.devices.audio.streaming import Stream
from roomcontrol.domain.vitals import Health

WHOLE_DECODE_MAX_S = 600.0     # fallback for files soundfile cannot stream: whole-file decode up to 10 min


def list_tracks(source: str | os.PathLike | Iterable) -> list[Path]:
    """Audio files of a folder (sorted by name, not recursive) or of an explicit list."""
    if isinstance(source, (str, os.PathLike)):
        p = Path(source)
        if p.is_dir():
            return sorted((f for f in p.iterdir() if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file()),
                          key=lambda f: f.name.lower())
        return [p]
    return [Path(s) for s in source]


@dataclass(frozen=True)
class AudioStatus:
    track: str | None = None        # file name of the track playing (or paused)
    playlist: str | None = None     # folder name
    index: int = 0
    tracks: int = 0
    volume: float = 0.0             # the music volume set (within limits)
    gain: float = 0.0               # what the music channel gets now (fades and ducking included)
    playing: bool = False
    paused: bool = False
    alarm: str | None = None        # priority of the alarm tone sounding
    chime: bool = False
    health: Health = Health.CONNECTING
    detail: str = ""


class _Ramp:
    """A value moving from a to b over dur seconds; 'power' shape gives equal-power crossfades."""

    __slots__ = ("a", "b", "t0", "dur", "shape")

    def __init__(self, a: float, b: float, t0: float, dur: float, shape: str = "linear"):
        self.a, self.b, self.t0, self.dur, self.shape = a, b, t0, max(0.0, dur), shape

    def done(self, now: float) -> bool:
        return now - self.t0 >= self.dur

    def value(self, now: float) -> float:
        if self.done(now):
            return self.b
        p = (now - self.t0) / self.dur
        if self.shape == "power":
            p = math.sin(p * math.pi / 2) if self.b > self.a else 1.0 - math.cos(p * math.pi / 2)
        return self.a + (self.b - self.a) * p


def _whole_decode_max_bytes(path: Path) -> int:
    """Largest file decoded whole: WAV is about its decoded size, compressed files are taken as >= 128 kbit/s."""
    per_s = 176_400 if path.suffix.lower() == ".wav" else 16_000
    return int(WHOLE_DECODE_MAX_S * per_s)


class _Voice:
    """A track on one music channel: a Stream feeding the channel chunk by chunk, or a whole Sound."""

    def __init__(self, chan_id: int, channel, source, path: Path, now: float):
        self.chan_id = chan_id
        self.channel = channel
        self.stream: Stream | None = source if isinstance(source, Stream) else None
        self.sound = None if self.stream else source
        self.path = path
        self.length = (self.stream.length or math.inf) if self.stream else source.get_length()
        self.reported = False
        self.started = now
        self.paused_at: float | None = None
        self.gain = _Ramp(0.0, 0.0, now, 0.0)
        self.then: str | None = None      # after the gain ramp ends: "stop" or "pause"

    def elapsed(self, now: float) -> float:
        return (self.paused_at if self.paused_at is not None else now) - self.started

    def ended(self) -> bool:
        """Nothing left to play once the channel falls silent (else a silent channel is an underrun)."""
        return self.stream is None or self.stream.finished

    def release(self) -> None:
        self.channel.stop()
        if self.stream is not None:
            self.stream.close()
