"""Room audio on pygame.mixer: playlists with fades and crossfades, alarm tones, the end-of-infusion chime."""

from roomcontrol.devices.audio.config import AUDIO_EXTENSIONS, AudioConfig
from roomcontrol.devices.audio.player import (ALARM_CHANNEL, CHIME_CHANNEL, DEFAULT_ASSETS, MUSIC_CHANNELS,
                                              AudioPlayer, AudioStatus, list_tracks)

__all__ = ["ALARM_CHANNEL", "AUDIO_EXTENSIONS", "CHIME_CHANNEL", "DEFAULT_ASSETS", "MUSIC_CHANNELS", "AudioConfig",
           "AudioPlayer", "AudioStatus", "list_tracks"]
