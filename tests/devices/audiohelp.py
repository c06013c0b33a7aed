"""Reading what the SDL "disk" audio driver wrote (raw interleaved signed 16-bit stereo) and finding pulses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SR = 44100


def run_player_script(tmp_path, body: str, timeout: float = 60, driver: str = "disk") -> tuple[np.ndarray, dict]:
    """Run `body` in a fresh interpreter whose SDL writes PCM to a file; return (left channel float, result)."""
    raw = tmp_path / "out.raw"
    env = dict(os.environ, SDL_AUDIODRIVER=driver, SDL_DISKAUDIOFILE=str(raw), PYGAME_HIDE_SUPPORT_PROMPT="1")
    code = textwrap.dedent(f"""
        import json, sys, time
        sys.path.insert(0, {ROOT!r})
        from roomcontrol.devices.audio import AudioPlayer, AudioConfig
        result = {{}}
    """) + textwrap.dedent(body) + "\nprint('RESULT', json.dumps(result))\n"
    proc = subprocess.run([sys.executable, "-c", code], env=env, timeout=timeout, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    if not raw.exists():
        return np.zeros(0), json.loads(line[7:])
    pcm = np.fromfile(raw, dtype=np.int16).reshape(-1, 2)[:, 0].astype(np.float64) / 32768.0
    return pcm, json.loads(line[7:])


def write_sine_wav(path, freq: float, seconds: float, amp: float = 0.5) -> None:
    import wave
    t = np.arange(int(SR * seconds)) / SR
    a = (np.sin(2 * np.pi * freq * t) * amp * 32767).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(a.tobytes())


def rms_windows(x: np.ndarray, win: float = 0.05, sr: int = SR) -> np.ndarray:
    n = int(win * sr)
    m = len(x) // n
    return np.sqrt(np.mean(x[: m * n].reshape(m, n) ** 2, axis=1))


def tone_level(x: np.ndarray, freq: float, win: float = 0.05, sr: int = SR) -> np.ndarray:
    """Amplitude of one frequency per window (Hann-windowed DFT bin), so music can be told from an alarm."""
    n = int(win * sr)
    m = len(x) // n
    frames = x[: m * n].reshape(m, n) * np.hanning(n)
    t = np.arange(n) / sr
    basis = np.exp(-2j * np.pi * freq * t)
    return 2 * np.abs(frames @ basis) / np.sum(np.hanning(n))


def highpass(x: np.ndarray, cutoff: float, sr: int = SR) -> np.ndarray:
    spec = np.fft.rfft(x)
    spec[: int(cutoff * len(x) / sr)] = 0
    return np.fft.irfft(spec, len(x))


def find_pulses(x: np.ndarray, sr: int = SR, win: float = 0.005, rel: float = 0.5) -> list[tuple[float, float]]:
    """(start, end) seconds of each run above rel * max envelope that lasts at least 30 ms."""
    env = rms_windows(x, win, sr)
    on = env > rel * env.max()
    pulses, start = [], None
    for i, v in enumerate(np.append(on, False)):
        if v and start is None:
            start = i
        elif not v and start is not None:
            if (i - start) * win >= 0.03:
                pulses.append((start * win, i * win))
            start = None
    return pulses


def gap_classes(pulses: list[tuple[float, float]]) -> str:
    """Silences between pulses as letters: s (< 0.15 s, inside a group), m (3rd -> 4th), L (5th -> 6th)."""
    out = ""
    for (_, e), (s, _) in zip(pulses, pulses[1:]):
        g = s - e
        out += "s" if g < 0.15 else "m" if g < 0.5 else "L"
    return out
