"""Auditory alarm signals in the style of IEC 60601-1-8 (Tables 3 and 4), the end-of-infusion chime and the
patient's call chime.

What the standard asks for, and the values chosen here (all inside its ranges):

| | high | medium | low |
|---|---|---|---|
| pulses per burst | 10: 3 + 2, pause, 3 + 2 | 3 | 1 or 2 (2 here) |
| pulse duration td | 75–200 ms -> 120 | 125–250 ms -> 200 | 125–250 ms -> 200 |
| pulse spacing ts | x = 50–125 ms -> 80 | y = 125–250 ms -> 200 | z = 125–250 ms -> 200 |
| spacing 3rd -> 4th pulse | 2x + td | | |
| spacing 5th -> 6th pulse | 0.35–1.30 s -> 0.7 s | | |
| inter-burst interval | 2.5–15 s -> 5 s | 2.5–30 s -> 8 s | > 15 s or none -> 16 s |
| rise time tr | 10–20 % of td -> 15 % | | |
| fall time tf | tr + tf <= ts -> tf = tr | | |

Pulse frequency (fundamental) 150–1000 Hz with at least four harmonic components in 300–4000 Hz, each within
15 dB of the fundamental: high 523 Hz, medium 440 Hz, low 392 Hz, each with harmonics 2..7 falling off as 1/sqrt(n)
(-3 dB to -8.5 dB), so 6 overtones sit in the band.

Measured as the standard does: td from the 90 % point of the rise to the 90 % point of the fall, ts from the
90 % point of one fall to the 90 % point of the next rise. Ramps are linear, so those points are exact.

Pure: numpy arithmetic only, no audio device.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HIGH = "high"
MEDIUM = "medium"
LOW = "low"
PRIORITIES = (HIGH, MEDIUM, LOW)


@dataclass(frozen=True)
class TonePattern:
    priority: str
    fundamental_hz: float
    td: float                 # effective pulse duration, s
    spacings: tuple[float, ...]  # ts between consecutive pulses (len = pulses - 1), s
    interburst: float         # from the end of one burst's last pulse to the next burst's first, s
    rise_fraction: float = 0.15
    harmonics: int = 7        # highest harmonic number (fundamental = 1)

    @property
    def pulses(self) -> int:
        return len(self.spacings) + 1

    @property
    def tr(self) -> float:
        return self.td * self.rise_fraction

    @property
    def tf(self) -> float:
        return self.tr

    def onsets(self) -> list[float]:
        """Start (envelope leaves 0) of each pulse in a burst, s from the burst start."""
        tr, tf = self.tr, self.tf
        plateau = self.td - 0.1 * tr - 0.1 * tf
        pulse_len = tr + plateau + tf
        t, out = 0.0, []
        for i in range(self.pulses):
            out.append(t)
            if i < len(self.spacings):
                silence = self.spacings[i] - 0.9 * tf - 0.9 * tr
                t += pulse_len + silence
        return out

    @property
    def pulse_length(self) -> float:
        """Full length of one pulse envelope (0 -> 1 -> 0), s."""
        return self.td + 0.9 * self.tr + 0.9 * self.tf

    @property
    def burst_length(self) -> float:
        return self.onsets()[-1] + self.pulse_length

    def check(self) -> None:
        """Raise ValueError when the pattern leaves the standard's ranges (guards hand-edited values)."""
        lo, hi = (0.075, 0.200) if self.priority == HIGH else (0.125, 0.250)
        if not lo <= self.td <= hi:
            raise ValueError(f"{self.priority}: td {self.td} s outside {lo}-{hi} s")
        if not 150 <= self.fundamental_hz <= 1000:
            raise ValueError("fundamental outside 150-1000 Hz")
        in_band = [n for n in range(2, self.harmonics + 1) if 300 <= n * self.fundamental_hz <= 4000]
        if len(in_band) < 4:
            raise ValueError("fewer than four harmonics in 300-4000 Hz")
        if not 0.10 <= self.rise_fraction <= 0.20:
            raise ValueError("rise time must be 10-20 % of td")
        if any(s < self.tr + self.tf for s in self.spacings):
            raise ValueError("pulse spacing shorter than rise + fall")


def _high(x: float = 0.080, td: float = 0.120, half_gap: float = 0.700) -> TonePattern:
    half = (x, x, 2 * x + td, x)  # 3 pulses, then 2 after a gap of 2x + td
    return TonePattern(HIGH, 523.25, td, half + (half_gap,) + half, interburst=5.0)


PATTERNS: dict[str, TonePattern] = {
    HIGH: _high(),
    MEDIUM: TonePattern(MEDIUM, 440.0, 0.200, (0.200, 0.200), interburst=8.0),
    LOW: TonePattern(LOW, 392.0, 0.200, (0.200,), interburst=16.0),
}


def _envelope(n_samples: int, sr: int, tr: float, tf: float) -> np.ndarray:
    t = np.arange(n_samples) / sr
    length = n_samples / sr
    rise = np.clip(t / tr, 0.0, 1.0)
    fall = np.clip((length - t) / tf, 0.0, 1.0)
    return np.minimum(rise, fall)


def harmonic_wave(f0: float, n_samples: int, sr: int, harmonics: int = 7) -> np.ndarray:
    """A harmonic-rich tone, peak-normalized to 1.0. Harmonic n has amplitude 1/sqrt(n)."""
    t = np.arange(n_samples) / sr
    wave = np.zeros(n_samples)
    for n in range(1, harmonics + 1):
        if n * f0 < sr / 2:
            wave += np.sin(2 * np.pi * n * f0 * t) / np.sqrt(n)
    peak = np.max(np.abs(wave)) or 1.0
    return wave / peak


def burst_pcm(pattern: TonePattern, sample_rate: int = 44100, *, with_interburst: bool = True) -> np.ndarray:
    """One burst as float32 mono samples in -1..1, followed by the inter-burst silence when asked, so that
    looping the array repeats the alarm at the standard's rhythm."""
    pulse_n = int(round(pattern.pulse_length * sample_rate))
    pulse = (harmonic_wave(pattern.fundamental_hz, pulse_n, sample_rate, pattern.harmonics)
             * _envelope(pulse_n, sample_rate, pattern.tr, pattern.tf))
    total = pattern.burst_length + (pattern.interburst if with_interburst else 0.0)
    out = np.zeros(int(round(total * sample_rate)) + 1)
    for onset in pattern.onsets():
        i = int(round(onset * sample_rate))
        out[i:i + pulse_n] += pulse[: len(out) - i]
    return out.astype(np.float32)


def chime_pcm(sample_rate: int = 44100, *, seconds: float = 3.5) -> np.ndarray:
    """A soft two-note bell (G5 then C6) for "infusion complete": inharmonic partials with exponential decay,
    gentle enough for a patient at rest, clearly different from any alarm. float32 mono, peak 0.8."""
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    # bell-like partial ratios and their relative amplitudes and decay rates (1/s)
    partials = ((1.0, 1.0, 1.6), (2.0, 0.45, 2.4), (2.76, 0.25, 3.5), (5.4, 0.08, 6.0))
    for start, f0 in ((0.0, 783.99), (0.45, 1046.5)):
        tt = t - start
        on = tt >= 0
        attack = np.clip(tt / 0.008, 0.0, 1.0)  # 8 ms, no click
        for ratio, amp, decay in partials:
            out[on] += (amp * np.sin(2 * np.pi * f0 * ratio * tt[on]) * np.exp(-decay * tt[on]) * attack[on])
    fade = np.clip((seconds - t) / 0.3, 0.0, 1.0)  # end exactly at silence
    out *= fade
    peak = float(np.max(np.abs(out)))
    return (0.8 * out / peak).astype(np.float32)


CALL_NOTES_HZ = (659.25, 523.25)  # E5 then C5: a soft falling "ding-dong", unlike any alarm burst
CALL_NOTE_GAP_S = 0.55


def call_chime_pcm(sample_rate: int = 44100, *, seconds: float = 2.0) -> np.ndarray:
    """The patient's call for the nurse: two soft notes, falling, nearly pure (fundamental and a faint octave)
    with a slow decay. Not an alarm: no pulse train, no harmonic-rich buzz; quieter than the chime (peak 0.6).
    The engine repeats it every few seconds while the call waits. float32 mono."""
    n = int(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    for i, f0 in enumerate(CALL_NOTES_HZ):
        tt = t - i * CALL_NOTE_GAP_S
        on = tt >= 0
        attack = np.clip(tt[on] / 0.015, 0.0, 1.0)  # 15 ms, no click
        decay = np.exp(-2.2 * tt[on])
        out[on] += (np.sin(2 * np.pi * f0 * tt[on]) + 0.18 * np.sin(4 * np.pi * f0 * tt[on])) * decay * attack
    out *= np.clip((seconds - t) / 0.25, 0.0, 1.0)  # end exactly at silence
    return (0.6 * out / float(np.max(np.abs(out)))).astype(np.float32)


def to_int16_stereo(mono: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """float mono -1..1 to the (n, 2) int16 array pygame.sndarray expects for a 16-bit stereo mixer."""
    pcm = np.clip(mono * gain, -1.0, 1.0)
    pcm16 = (pcm * 32767).astype(np.int16)
    return np.ascontiguousarray(np.column_stack([pcm16, pcm16]))
