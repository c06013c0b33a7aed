"""Commissioning helpers for installers: drive one ambient device once and say what happened.

Each returns a small dict the CLI can print as JSON; each raises DeviceOpenError (one-line message) when the
port or file cannot be opened, and never leaves a device half on: the diffuser probe always ends with OFF.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from roomcontrol.devices.ambient_link import open_port
from roomcontrol.devices.errors import DeviceOpenError
from roomcontrol.devices.diffuser.switches import LcusRelay, LineProtocol
from roomcontrol.devices.lighting.enttec import dmx_frame
from roomcontrol.domain.brightness import CIE, level_to_dmx

__all__ = ["DeviceOpenError", "probe_audio", "probe_diffuser", "probe_light"]


def probe_light(url: str, level: float, *, channels: tuple[int, ...] | None = None, curve: str = CIE,
                hold_s: float = 0.0) -> dict:
    """Set DMX channels (default: all 512) to perceptual `level` (0..1) through an ENTTEC DMX USB Pro.
    The Pro keeps outputting the last frame, so the light stays there after the probe returns."""
    if not 0.0 <= level <= 1.0:
        raise ValueError("level must be 0..1")
    value = level_to_dmx(level, curve)
    universe = bytearray(512)
    for ch in channels or range(1, 513):
        universe[ch - 1] = value
    port = open_port(url, 115200)
    try:
        frame = dmx_frame(bytes(universe))
        port.write(frame)
        port.flush()
        if hold_s > 0:
            time.sleep(hold_s)
            port.write(frame)
            port.flush()
    except OSError as exc:
        raise DeviceOpenError(f"cannot write to {url}: {exc}".splitlines()[0]) from exc
    finally:
        port.close()
    return {"device": "lighting", "url": url, "level": level, "dmx_value": value,
            "channels": len(channels) if channels else 512, "frame_bytes": len(frame)}


def probe_diffuser(url: str, on_seconds: float, *, protocol: str = "lcus", channel: int = 1,
                   on: str | bytes = b"ON\r\n", off: str | bytes = b"OFF\r\n") -> dict:
    """Switch the diffuser on for `on_seconds`, then off (also on Ctrl-C or any error after opening)."""
    proto = LcusRelay(channel) if protocol == "lcus" else LineProtocol(on, off)
    port = open_port(url, proto.baudrate)
    started = time.monotonic()
    try:
        port.write(proto.command(False))     # known state first
        port.write(proto.command(True))
        port.flush()
        time.sleep(max(0.0, on_seconds))
    finally:
        try:
            port.write(proto.command(False))
            port.flush()
        finally:
            port.close()
    return {"device": "diffuser", "url": url, "protocol": protocol, "on_s": round(time.monotonic() - started, 2),
            "on_bytes": proto.command(True).hex(" "), "off_bytes": proto.command(False).hex(" ")}


def probe_audio(file: str | os.PathLike, *, seconds: float | None = 5.0, volume: float = 0.5) -> dict:
    """Play (the first `seconds` of) an audio file through the default output, blocking."""
    path = Path(file)
    if not path.is_file():
        raise DeviceOpenError(f"cannot open {path}: no such file")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    try:
        pygame.mixer.init()
    except pygame.error as exc:
        raise DeviceOpenError(f"cannot open the audio device: {exc}".splitlines()[0]) from exc
    try:
        try:
            sound = pygame.mixer.Sound(str(path))
        except pygame.error as exc:
            raise DeviceOpenError(f"cannot open {path}: {exc}".splitlines()[0]) from exc
        length = sound.get_length()
        play_s = length if seconds is None else min(length, seconds)
        ch = sound.play()
        ch.set_volume(volume)
        time.sleep(play_s)
        ch.fadeout(300)
        time.sleep(0.3)
        freq, _, chans = pygame.mixer.get_init()
        return {"device": "audio", "file": str(path), "length_s": round(length, 2), "played_s": round(play_s, 2),
                "driver": os.environ.get("SDL_AUDIODRIVER", "default"),
                "frequency": freq, "channels": chans}
    finally:
        pygame.mixer.quit()
