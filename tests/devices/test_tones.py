"""The alarm tones' shape, checked in the synthesized PCM: pulse counts and grouping, timings, harmonics."""

from __future__ import annotations

import numpy as np
import pytest

from roomcontrol.domain import tones
from tests.devices.audiohelp import find_pulses, gap_classes

SR = 44100


@pytest.mark.parametrize("priority,count,gaps", [
    ("high", 10, "ssmsLssms"),     # 3 + 2, pause, 3 + 2
    ("medium", 3, "mm"),           # evenly spaced, y = 200 ms
    ("low", 2, "m"),
])
def test_pulse_pattern_in_pcm(priority, count, gaps):
    p = tones.PATTERNS[priority]
    p.check()
    pcm = tones.burst_pcm(p, SR)
    pulses = find_pulses(pcm)
    assert len(pulses) == count
    assert gap_classes(pulses) == gaps
    assert p.interburst >= 2.5
    # looped, the next burst starts only after the inter-burst silence
    tail = pcm[int(pulses[-1][1] * SR) + int(0.05 * SR):]
    assert np.max(np.abs(tail)) < 1e-6 and len(tail) / SR >= p.interburst - 0.1


def test_high_priority_timings_match_the_standard():
    p = tones.PATTERNS["high"]
    pcm = tones.burst_pcm(p, SR, with_interburst=False)
    env = np.abs(pcm)
    # envelope of the first pulse, via the peak of each 1 ms block
    blk = SR // 1000
    e = np.array([env[i:i + blk].max() for i in range(0, int(0.2 * SR), blk)])
    e /= e.max()
    rise10, rise90 = np.argmax(e >= 0.1), np.argmax(e >= 0.9)
    fall90 = len(e) - np.argmax(e[::-1] >= 0.9)
    td = (fall90 - rise90) / 1000
    tr = (rise90 - rise10) / 1000 / 0.8          # 10 -> 90 % of a linear ramp is 80 % of it
    assert 0.075 <= td <= 0.200 and td == pytest.approx(p.td, abs=0.004)
    assert 0.10 * td <= tr <= 0.20 * td + 0.002
    # 1st -> 2nd pulse spacing x (fall 90 % to rise 90 %) within 50-125 ms
    onsets = p.onsets()
    x = (onsets[1] + 0.9 * p.tr) - (onsets[0] + p.pulse_length - 0.9 * p.tf)
    assert 0.050 <= x <= 0.125 and x == pytest.approx(0.080)
    assert 0.35 <= (onsets[5] + 0.9 * p.tr) - (onsets[4] + p.pulse_length - 0.9 * p.tf) <= 1.30


@pytest.mark.parametrize("priority", tones.PRIORITIES)
def test_fundamental_and_four_harmonics_in_band(priority):
    p = tones.PATTERNS[priority]
    n = SR  # one second of steady tone: 1 Hz bins
    spec = np.abs(np.fft.rfft(tones.harmonic_wave(p.fundamental_hz, n, SR, p.harmonics) * np.hanning(n)))
    f0 = p.fundamental_hz
    assert 150 <= f0 <= 1000

    def level(f):
        i = int(round(f))
        return spec[i - 3:i + 4].max()
    base = level(f0)
    in_band = [k for k in range(2, 12) if 300 <= k * f0 <= 4000 and level(k * f0) >= base * 10 ** (-15 / 20)]
    assert len(in_band) >= 4, in_band
    assert spec[int(f0 * 1.5)] < base * 0.01          # nothing between harmonics


def test_chime_is_soft_and_ends_silent():
    c = tones.chime_pcm(SR)
    assert 0.79 <= np.max(np.abs(c)) <= 0.81
    assert np.max(np.abs(c[-100:])) < 1e-3 and np.max(np.abs(c[:20])) < 0.05
    stereo = tones.to_int16_stereo(c)
    assert stereo.shape == (len(c), 2) and stereo.dtype == np.int16
