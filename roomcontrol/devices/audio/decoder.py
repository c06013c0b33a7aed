"""Reading audio files a block at a time, converted to what the mixer plays (its rate, its channels, int16).

soundfile (libsndfile) decodes WAV, FLAC and OGG by blocks, and MP3 too from libsndfile 1.1 on. Files it
cannot read are left to the caller (player.py falls back to a whole-file pygame decode for short files only).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

try:  # a runtime dependency; without it only short files play (whole-file fallback)
    import soundfile
except Exception:  # ImportError, or OSError when libsndfile itself is missing
    soundfile = None


def libsndfile_version() -> str | None:
    return getattr(soundfile, "__libsndfile_version__", None) if soundfile is not None else None


class Resampler:
    """Streaming windowed-sinc resampler: blocks in, blocks out, no seams between blocks.

    Keeps `half` input frames of history on either side of each output frame; `flush()` drains the tail.
    """

    TABLE = 512

    def __init__(self, src_rate: int, dst_rate: int, channels: int, half: int = 16):
        self.step = src_rate / dst_rate                  # input frames per output frame
        self.half = half
        self.cutoff = min(1.0, dst_rate / src_rate) * 0.94
        d = np.arange(-half * self.TABLE, half * self.TABLE + 1) / self.TABLE
        w = np.i0(8.0 * np.sqrt(np.clip(1.0 - (d / half) ** 2, 0.0, 1.0))) / np.i0(8.0)
        self._table = (self.cutoff * np.sinc(self.cutoff * d) * w).astype(np.float32)
        self._buf = np.zeros((half, channels), np.float32)   # leading silence stands in for history
        self._pos = float(half)                          # input position of the next output frame, in _buf

    def _kernel(self, d: np.ndarray) -> np.ndarray:
        """Kaiser-windowed sinc at offsets d (|d| <= half), from a table with TABLE steps per frame."""
        return self._table[np.rint((d + self.half) * self.TABLE).astype(np.int64)]

    def process(self, x: np.ndarray, final: bool = False) -> np.ndarray:
        buf = np.concatenate([self._buf, x]) if len(x) else self._buf
        if final:
            buf = np.concatenate([buf, np.zeros((self.half, buf.shape[1]), np.float32)])
        # output frame k needs input frames floor(t_k) - half + 1 .. floor(t_k) + half
        n = max(0, math.floor((len(buf) - self.half - 1 - self._pos) / self.step) + 1)
        if final:   # stop where the real input ends
            n = min(n, max(0, math.ceil((len(buf) - self.half - self._pos) / self.step)))
        t = self._pos + self.step * np.arange(n)
        base = np.floor(t).astype(np.int64)
        frac = (t - base).astype(np.float32)
        out = np.zeros((n, buf.shape[1]), np.float32)
        for j in range(-self.half + 1, self.half + 1):
            out += buf[base + j] * self._kernel(j - frac)[:, None]
        nxt = self._pos + self.step * n
        drop = max(0, math.floor(nxt) - self.half + 1)
        self._buf = buf[drop:]
        self._pos = nxt - drop
        return out


class TrackReader:
    """One audio file read block by block as int16 frames shaped for the mixer ((n, channels), or (n,) mono)."""

    def __init__(self, path: str | Path, rate: int, channels: int):
        if soundfile is None:
            raise RuntimeError("soundfile is not installed")
        self._f = soundfile.SoundFile(str(path))
        self.rate, self.channels = rate, channels
        self.src_rate = self._f.samplerate
        frames = self._f.frames
        self.length = frames / self.src_rate if frames and frames > 0 else 0.0   # seconds
        self._rs = Resampler(self.src_rate, rate, 2) if self.src_rate != rate else None
        self.eof = False

    def read(self, seconds: float) -> np.ndarray:
        """About `seconds` of audio; an empty array once the file is exhausted."""
        if self.eof:
            return np.zeros((0, self.channels) if self.channels > 1 else 0, np.int16)
        want = max(1, int(round(seconds * self.src_rate)))
        x = self._f.read(want, dtype="float32", always_2d=True)
        last = len(x) < want
        if x.shape[1] == 1:
            x = np.repeat(x, 2, axis=1)
        elif x.shape[1] > 2:
            x = x[:, :2]
        if self._rs is not None:
            x = self._rs.process(x, final=last)
        if last:
            self.eof = True
            self.close()
        return self._shape(x)

    def _shape(self, x: np.ndarray) -> np.ndarray:
        pcm = np.clip(np.rint(x * 32767.0), -32768, 32767).astype(np.int16)
        if self.channels == 1:
            return np.ascontiguousarray(((pcm[:, 0].astype(np.int32) + pcm[:, 1]) // 2).astype(np.int16))
        if self.channels > 2:
            pcm = np.tile(pcm, (1, (self.channels + 1) // 2))[:, :self.channels]
        return np.ascontiguousarray(pcm)

    def close(self) -> None:
        try:
            self._f.close()
        except Exception:
            pass
