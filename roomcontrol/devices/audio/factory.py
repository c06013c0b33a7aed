"""The audio driver's factory, with the one signature of devices.registry. Not started."""

from __future__ import annotations

from roomcontrol.devices.audio.config import AudioConfig
from roomcontrol.devices.audio.player import AudioPlayer


def open_pygame(url, options, *, clock, on_health, name) -> AudioPlayer:
    return AudioPlayer(AudioConfig.from_dict(options), clock=clock, on_health=on_health, name=name)
