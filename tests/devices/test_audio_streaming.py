"""Long tracks are streamed: a 20-minute FLAC plays through the disk driver with a few MB of memory, and the
crossfade, ducking and seamless chunk joins still hold. One player run (module fixture) is analysed by each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.devices.audiohelp import SR, find_pulses, highpass, run_player_script, tone_level, write_sine_wav

LONG_MIN = 20
LONG_HZ, SHORT_HZ = 440.0, 300.0
LONG_AMP, VOLUME = 0.25, 0.8


def write_long_flac(path, minutes: int, freq: float, amp: float) -> int:
    """A mono tone, written a minute at a time (440 Hz repeats exactly every second at 44.1 kHz)."""
    import soundfile
    minute = (amp * np.sin(2 * np.pi * freq * np.arange(SR * 60) / SR)).astype(np.float32)
    with soundfile.SoundFile(str(path), "w", SR, 1, "PCM_16", format="FLAC") as f:
        for _ in range(minutes):
            f.write(minute)
    return SR * 60 * minutes


@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("long")
    (tmp / "pl").mkdir()
    frames = write_long_flac(tmp / "pl" / "1_long.flac", LONG_MIN, LONG_HZ, LONG_AMP)
    write_sine_wav(tmp / "pl" / "2_short.wav", SHORT_HZ, 10.0, amp=0.5)
    pcm, res = run_player_script(tmp, f"""
        import pygame, pygame.sndarray, soundfile
        def hwm_mb():
            with open("/proc/self/status") as f:
                return int(next(ln for ln in f if ln.startswith("VmHWM")).split()[1]) / 1024
        p = AudioPlayer(AudioConfig(volume={VOLUME}, fade_s=0.0, crossfade_s=1.0, duck_to=0.2)).start()
        p.wait_idle()
        result["hwm0"] = hwm_mb()
        p.load_playlist({str(tmp / "pl")!r}, play=True, loop=False)
        time.sleep(5.0)                                   # two chunk joins
        result["track"] = p.status().track
        result["playing"] = p.status().playing
        p.play_alarm("high", repeat=False)
        time.sleep(4.0)
        result["hwm1"] = hwm_mb()
        result["health"] = p.status().health.value
        p.next()                                          # crossfade from the long track to the short one
        time.sleep(2.5)
        result["track2"] = p.status().track
        p.close()
    """)
    return pcm, res, frames


def _onset(pcm: np.ndarray) -> int:
    return int(np.argmax(np.abs(pcm) > 0.05))


def test_long_track_plays_its_own_samples_seamlessly(long_run):
    pcm, res, _ = long_run
    assert res["track"] == "1_long.flac" and res["playing"] is True and res["health"] == "ok"
    start = _onset(pcm)
    seg = pcm[start + SR // 2:start + int(4.8 * SR)]        # before the alarm, across the joins at 2 s and 4 s
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    assert abs(np.argmax(spec) * SR / len(seg) - LONG_HZ) < 1.0
    # one continuous sine: a gap, a repeat or a dropped block at a chunk join would leave a large residual
    t = np.arange(len(seg)) / SR
    basis = np.column_stack([np.sin(2 * np.pi * LONG_HZ * t), np.cos(2 * np.pi * LONG_HZ * t)])
    coef, *_ = np.linalg.lstsq(basis, seg, rcond=None)
    resid = seg - basis @ coef
    amp = float(np.hypot(*coef))
    assert abs(amp - LONG_AMP * VOLUME) < 0.01
    assert np.max(np.abs(resid)) < 0.002, "chunks must join without a gap or a click"


def test_memory_stays_bounded_while_streaming(long_run):
    _, res, frames = long_run
    growth = res["hwm1"] - res["hwm0"]
    whole = frames * 4 / 2**20                              # stereo int16, what a whole decode keeps (at least)
    print(f"peak RSS growth while streaming {growth:.1f} MB; whole decode would hold >= {whole:.0f} MB")
    assert whole > 200
    assert growth < 40, f"peak RSS grew {growth:.1f} MB"


def test_ducking_while_streaming(long_run):
    pcm, _, _ = long_run
    music = tone_level(pcm, LONG_HZ, 0.05)
    pulses = find_pulses(highpass(pcm, 480.0))
    assert len(pulses) == 10, pulses
    w = lambda t: int(t / 0.05)                            # noqa: E731
    first, last = pulses[0][0], pulses[-1][1]
    normal = np.median(music[w(first) - 20:w(first) - 2])
    assert abs(normal - LONG_AMP * VOLUME) < 0.02
    ducked = music[w(first) + 3:w(last) - 1]
    assert np.max(ducked) < 0.35 * normal and np.median(ducked) < 0.25 * normal
    restored = music[w(last) + 10:w(last) + 25]
    assert np.min(restored) > 0.9 * normal


def test_crossfade_from_a_streamed_track(long_run):
    pcm, res, _ = long_run
    assert res["track2"] == "2_short.wav"
    a, b = tone_level(pcm, LONG_HZ, 0.05), tone_level(pcm, SHORT_HZ, 0.05)
    full_a, full_b = LONG_AMP * VOLUME, 0.5 * VOLUME
    cross = np.nonzero((a > 0.05 * full_a) & (b > 0.05 * full_b))[0]
    assert 0.6 <= len(cross) * 0.05 <= 1.3, "both tracks sound together for about the crossfade time"
    assert np.all(np.diff(a[cross[0]:cross[-1]]) <= 0.01) and np.all(np.diff(b[cross[0]:cross[-1]]) >= -0.01)
    assert np.all(a[cross[-1] + 2:] < 0.02 * full_a), "the long track is gone after the crossfade"
    assert abs(np.median(b[cross[-1] + 2:]) - full_b) < 0.02


# -- the decoder alone (no audio device) and the whole-file fallback ---------------------------------------------

def _fit(x: np.ndarray, freq: float, sr: int = SR) -> tuple[float, float]:
    """(amplitude, worst residual) of the best sine at `freq` through x."""
    t = np.arange(len(x)) / sr
    basis = np.column_stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t)])
    coef, *_ = np.linalg.lstsq(basis, x, rcond=None)
    return float(np.hypot(*coef)), float(np.max(np.abs(x - basis @ coef)))


@pytest.mark.parametrize("src_rate", [48000, 22050, 44100])
def test_reader_converts_rate_and_channels_without_seams(tmp_path, src_rate):
    import soundfile

    from roomcontrol.devices.audio.decoder import TrackReader
    t = np.arange(int(src_rate * 5.3)) / src_rate
    soundfile.write(str(tmp_path / "s.flac"), np.column_stack([0.4 * np.sin(2 * np.pi * 1000 * t),
                                                                0.2 * np.sin(2 * np.pi * 1000 * t)]), src_rate)
    r = TrackReader(tmp_path / "s.flac", 44100, 2)
    assert abs(r.length - 5.3) < 1e-3
    blocks = []
    while not r.eof:
        blocks.append(r.read(2.0))
    pcm = np.concatenate(blocks).astype(np.float64) / 32767
    assert pcm.shape[1] == 2 and abs(len(pcm) - 5.3 * 44100) <= 2
    for ch, want in ((0, 0.4), (1, 0.2)):
        amp, resid = _fit(pcm[200:-200, ch], 1000.0)
        assert abs(amp - want) < 0.005 and resid < 0.003, (ch, amp, resid)
    mono = TrackReader(tmp_path / "s.flac", 44100, 1).read(1.0)
    assert mono.ndim == 1 and abs(_fit(mono[200:].astype(np.float64) / 32767, 1000.0)[0] - 0.3) < 0.005


def test_reader_streams_mp3(tmp_path):
    import soundfile

    from roomcontrol.devices.audio.decoder import TrackReader, libsndfile_version
    if tuple(int(v) for v in libsndfile_version().split(".")[:2]) < (1, 1):
        pytest.skip("libsndfile < 1.1 has no MP3")
    x = 0.3 * np.sin(2 * np.pi * 440 * np.arange(SR * 3) / SR)
    soundfile.write(str(tmp_path / "t.mp3"), x, SR, format="MP3")
    r = TrackReader(tmp_path / "t.mp3", SR, 2)
    assert abs(r.length - 3.0) < 0.1
    pcm = r.read(2.0)[:, 0].astype(np.float64) / 32767
    assert abs(_fit(pcm[SR // 10:], 440.0)[0] - 0.3) < 0.02


def test_without_soundfile_short_files_decode_whole_and_long_ones_are_skipped(tmp_path):
    (tmp_path / "pl").mkdir()
    write_sine_wav(tmp_path / "pl" / "1_long.wav", 200, 8.0)
    write_sine_wav(tmp_path / "pl" / "2_short.wav", 300, 3.0)
    _, res = run_player_script(tmp_path, f"""
        from roomcontrol.devices.audio import decoder, player
        decoder.soundfile = None                 # as if soundfile were not installed
        player.WHOLE_DECODE_MAX_S = 5.0
        p = AudioPlayer(AudioConfig(fade_s=0.0)).start()
        p.load_playlist({str(tmp_path / "pl")!r}, play=True, loop=False)
        time.sleep(1.0)
        st = p.status()
        result.update(track=st.track, playing=st.playing, health=st.health.value, detail=st.detail)
        p.close()
    """, driver="dummy")
    assert res["track"] == "2_short.wav" and res["playing"] is True and res["health"] == "ok"
    assert res["detail"].startswith("cannot play 1_long.wav: cannot stream it (soundfile is not installed)")
    assert "8 s is too long" in res["detail"]
