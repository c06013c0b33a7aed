"""The audio player through SDL's "disk" driver: the PCM really written is analysed, not the player's word.

Each test runs the player in its own interpreter with SDL_AUDIODRIVER=disk (the suite's conftest sets "dummy",
which writes nothing). The disk driver plays in real time, so the scripts sleep generously and the analysis
finds events in the samples themselves rather than trusting wall-clock offsets.
"""

from __future__ import annotations

import numpy as np

from roomcontrol.devices.audio import AudioConfig, AudioPlayer, list_tracks
from tests.devices.audiohelp import (SR, find_pulses, gap_classes, highpass, rms_windows, run_player_script,
                                     tone_level, write_sine_wav)


def test_fade_out_really_gets_quieter(tmp_path):
    write_sine_wav(tmp_path / "a.wav", 200, 8.0, amp=0.5)
    pcm, res = run_player_script(tmp_path, f"""
        p = AudioPlayer(AudioConfig(volume=0.8, fade_s=0.0)).start()
        p.load_playlist({str(tmp_path)!r}, play=True, loop=False)
        time.sleep(2.0)
        result["before"] = p.status().__dict__["gain"]
        p.stop(fade_s=1.5)
        time.sleep(2.5)
        result["after"] = p.status().playing
        p.close()
    """)
    assert res["before"] == 0.8 and res["after"] is False
    env = rms_windows(pcm, 0.05)
    plateau = np.median(env[env > 0.5 * env.max()])
    assert 0.25 < plateau < 0.32                         # 0.5 amplitude * 0.8 volume / sqrt(2)
    last_full = np.nonzero(env > 0.95 * plateau)[0][-1]
    silent = last_full + np.argmax(env[last_full:] < 0.02 * plateau)
    fade = env[last_full:silent + 1]
    assert 1.0 <= len(fade) * 0.05 <= 2.0, f"fade took {len(fade) * 0.05} s"
    assert np.all(np.diff(fade) <= 0.01 * plateau), "level must not rise during a fade-out"
    mid = fade[len(fade) // 2]
    assert 0.3 * plateau < mid < 0.7 * plateau           # a gradual fade, not a cut
    assert np.all(env[silent:] < 0.02 * plateau)


def test_alarm_ducks_the_music_and_has_the_high_priority_pattern(tmp_path):
    write_sine_wav(tmp_path / "m.wav", 200, 12.0, amp=0.5)
    pcm, res = run_player_script(tmp_path, f"""
        p = AudioPlayer(AudioConfig(volume=0.6, fade_s=0.0, duck_to=0.2)).start()
        p.load_playlist({str(tmp_path)!r}, play=True, loop=False)
        time.sleep(1.5)
        p.play_alarm("high", repeat=False)
        time.sleep(0.5)
        result["alarm"] = p.status().alarm
        time.sleep(4.0)
        result["after"] = p.status().alarm
        p.close()
    """)
    assert res["alarm"] == "high" and res["after"] is None
    music = tone_level(pcm, 200.0, 0.05)                 # the 200 Hz music alone
    alarm = highpass(pcm, 400.0)                         # the alarm alone (523 Hz and up)
    pulses = find_pulses(alarm)
    assert len(pulses) == 10, pulses
    assert gap_classes(pulses) == "ssmsLssms"            # 3 + 2, pause, 3 + 2
    first, last = pulses[0][0], pulses[-1][1]
    w = lambda t: int(t / 0.05)                          # noqa: E731
    normal = np.median(music[w(first) - 20:w(first) - 2])
    assert normal > 0.2
    # The duck ramps within a few mixer blocks; on a loaded 2-core machine the first block can lag, so judge
    # from 0.3 s after the first pulse (no ducking at all still fails by a wide margin).
    ducked = music[w(first) + 6:w(last) - 1]
    assert np.max(ducked) < 0.35 * normal, "music must duck while the alarm sounds"
    assert np.median(ducked) < 0.25 * normal
    restored = music[w(last) + 10:w(last) + 30]
    assert np.min(restored) > 0.9 * normal, "and come back after it"


def test_crossfade_volume_limits_and_chime(tmp_path):
    (tmp_path / "pl").mkdir()
    write_sine_wav(tmp_path / "pl" / "1.wav", 200, 10.0, amp=0.5)
    write_sine_wav(tmp_path / "pl" / "2.wav", 300, 10.0, amp=0.5)
    (tmp_path / "pl" / "notes.txt").write_text("not audio")
    pcm, res = run_player_script(tmp_path, f"""
        p = AudioPlayer(AudioConfig(volume=0.5, max_volume=0.6, fade_s=0.0, crossfade_s=1.0)).start()
        p.load_playlist({str(tmp_path / "pl")!r}, play=True)
        time.sleep(1.5)
        p.set_volume(1.0, fade_s=0)                  # asks too much: clamped to 0.6
        time.sleep(0.5)
        result["volume"] = p.status().volume
        p.next()
        time.sleep(2.0)
        result["track"] = p.status().track
        p.play_chime()
        time.sleep(0.3)
        result["chime"] = p.status().chime
        time.sleep(4.0)
        p.close()
    """)
    assert res == {"volume": 0.6, "track": "2.wav", "chime": True}
    a, b = tone_level(pcm, 200.0, 0.05), tone_level(pcm, 300.0, 0.05)
    full = 0.5 * 0.6
    assert abs(np.max(a) - full) < 0.03, "volume clamped to max_volume"
    cross = np.nonzero((a > 0.05 * full) & (b > 0.05 * full))[0]
    assert 0.6 <= len(cross) * 0.05 <= 1.3, "both tracks sound together for about the crossfade time"
    assert np.all(np.diff(a[cross[0]:cross[-1]]) <= 0.01) and np.all(np.diff(b[cross[0]:cross[-1]]) >= -0.01)
    # chime: energy above 700 Hz (G5 and C6) that the two sine tracks do not have
    bell = rms_windows(highpass(pcm, 700.0), 0.05)
    assert bell.max() > 0.05


def test_no_audio_device_never_raises(tmp_path):
    """An audio driver that does not exist: every call returns, health says LOST, status stays readable."""
    _, res = run_player_script(tmp_path, f"""
        p = AudioPlayer(AudioConfig(retry_s=(0.2, 0.2)), on_health=lambda h: result.setdefault("h", h.health.value))
        p.start()
        p.load_playlist({str(tmp_path)!r}, play=True)
        p.play_alarm("high"); p.set_volume(0.3); p.play_chime(); p.next(); p.stop()
        p.wait_idle()
        result["status"] = p.status().health.value
        result["volume"] = p.status().volume
        p.close()
    """, driver="no_such_driver")
    assert res == {"h": "lost", "status": "lost", "volume": 0.3}


def test_playlist_from_folder_and_config_limits(tmp_path):
    for name in ("b.OGG", "a.mp3", "c.flac", "d.wav", "e.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in list_tracks(tmp_path)] == ["a.mp3", "b.OGG", "c.flac", "d.wav"]
    cfg = AudioConfig.from_dict({"min_volume": 0.1, "max_volume": 0.7})
    assert cfg.clamp_volume(0.0) == 0.1 and cfg.clamp_volume(2) == 0.7
    p = AudioPlayer(cfg)                         # not started: status still readable
    assert p.status().volume == cfg.clamp_volume(cfg.volume)


def test_shipped_assets_are_small_and_decode(tmp_path):
    from roomcontrol.devices.audio import DEFAULT_ASSETS
    files = [p for p in DEFAULT_ASSETS.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 10_000_000
    assert (DEFAULT_ASSETS / "LICENSE").exists() and (DEFAULT_ASSETS / "README.md").exists()
    _, res = run_player_script(tmp_path, f"""
        import pygame
        pygame.mixer.init(44100, -16, 2)
        from roomcontrol.devices.audio import list_tracks
        for folder in ("calm", "nature", "chimes"):
            for f in list_tracks({str(DEFAULT_ASSETS)!r} + "/" + folder):
                result[f.name] = round(pygame.mixer.Sound(str(f)).get_length(), 1)
    """)
    assert res["end_of_infusion.ogg"] == 3.5
    assert {k: v for k, v in res.items() if k != "end_of_infusion.ogg"} == {
        "01_evening_pad.ogg": 60.0, "02_drift_pad.ogg": 60.0, "01_soft_rain.ogg": 60.0, "02_ocean.ogg": 60.0}
