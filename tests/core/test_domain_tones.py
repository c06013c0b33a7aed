"""The alarm tone patterns guard their own values (roomcontrol.domain.tones; the PCM is checked in tests/devices)."""

from dataclasses import replace

import numpy as np
import pytest

from roomcontrol.domain import tones


def test_the_shipped_patterns_pass_their_check():
    for priority in tones.PRIORITIES:
        tones.PATTERNS[priority].check()


@pytest.mark.parametrize("priority, changes, match", [
    ("high", {"td": 0.070}, "high: td 0.07 s outside 0.075-0.2 s"),
    ("medium", {"td": 0.300}, "medium: td 0.3 s outside 0.125-0.25 s"),
    ("low", {"fundamental_hz": 1200.0}, "fundamental outside 150-1000 Hz"),
    ("low", {"harmonics": 3}, "fewer than four harmonics in 300-4000 Hz"),
    ("medium", {"rise_fraction": 0.25}, "rise time must be 10-20 % of td"),
    ("medium", {"spacings": (0.200, 0.040)}, "pulse spacing shorter than rise \\+ fall"),
])
def test_a_hand_edited_pattern_outside_the_standard_is_refused(priority, changes, match):
    with pytest.raises(ValueError, match=match):
        replace(tones.PATTERNS[priority], **changes).check()


def test_harmonics_above_nyquist_are_left_out():
    sr = 8000
    wave = tones.harmonic_wave(1000.0, sr, sr, harmonics=7)  # only 1, 2 and 3 kHz fit under 4 kHz
    spectrum = np.abs(np.fft.rfft(wave))
    assert np.max(np.abs(wave)) == pytest.approx(1.0)
    assert [f for f in range(500, 4000, 500) if spectrum[f] > 1.0] == [1000, 2000, 3000]


def test_stereo_pcm_is_clipped_and_gained():
    stereo = tones.to_int16_stereo(np.array([0.5, -2.0, 1.0], dtype=np.float32), gain=0.5)
    assert stereo.tolist() == [[8191, 8191], [-32767, -32767], [16383, 16383]]
