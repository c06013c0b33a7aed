"""The audio player: one thread owns pygame.mixer; everybody else sends it commands.

Channels: 0 and 1 carry music (two, so tracks can crossfade), 2 is reserved for alarm tones, 3 for the chime.
Fades, crossfades and ducking are done here by stepping channel volumes every 20 ms, so they behave the same
for every format and can overlap (SDL_mixer's own fades cannot crossfade a music stream).

Tracks are streamed (streaming.py): a feeder thread decodes each one a few seconds ahead into 2 s Sounds, and
the owner thread queues them on the track's channel (Channel.queue), so memory stays a few MB whatever the
track length, and a decode never delays an alarm. Files soundfile cannot read fall back to a whole-file pygame
decode, for short files only (about 10 MB per stereo minute). The feeder only builds Sound objects; all
playback calls stay on the owner thread.

Audio timing uses the real monotonic clock: the sound card plays in real time whatever clock the engine runs
on. The injected clock only stamps health changes.

pygame.mixer is process-global: make one AudioPlayer per process.
"""

from __future__ import annotations

import os
import queue
import random
import threading
import time
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from roomcontrol.devices.audio.config import AudioConfig
from roomcontrol.devices.audio.decoder import TrackReader
from roomcontrol.devices.audio.streaming import Feeder, Stream
from roomcontrol.devices.audio.voices import (WHOLE_DECODE_MAX_S, AudioStatus, _Ramp, _Voice,  # noqa: F401
                                              _whole_decode_max_bytes, list_tracks)
from roomcontrol.devices.base import Backoff, Device, HealthCallback
from roomcontrol.domain import tones
from roomcontrol.domain.vitals import Health

DEFAULT_ASSETS = Path(__file__).resolve().parents[3] / "assets" / "audio"
MUSIC_CHANNELS = (0, 1)
ALARM_CHANNEL = 2
CHIME_CHANNEL = 3
FAST_TICK = 0.02


class AudioPlayer(Device):
    """close() ends the owner thread, which stops the sound and releases the mixer. `stop(fade_s)` is a
    playback command (the music fades out), not the lifecycle."""

    thread_role = "owner"
    close_timeout = 3.0

    def __init__(self, config: AudioConfig | None = None, *, clock=None,
                 on_health: HealthCallback | None = None, name: str = "audio"):
        super().__init__(name, clock=clock, on_health=on_health)
        self.config = config or AudioConfig()
        self._q: queue.Queue = queue.Queue()
        self._status = AudioStatus(volume=self.config.clamp_volume(self.config.volume))
        self._status_lock = threading.Lock()
        self._feeder: Feeder | None = None
        # owned by the audio thread from here on
        self._mixer: ModuleType | None = None  # pygame.mixer, once the audio device opened
        self._next_init = 0.0
        self._retry = Backoff(*self.config.retry_s)
        self._playlist: list[Path] = []
        self._playlist_name: str | None = None
        self._index = 0
        self._loop = True
        self._want_play = False
        self._voices: list[_Voice] = []      # [current, *fading out]
        self._cache: dict[Path, object] = {}  # the next track, opened ahead: a Stream or a whole Sound
        self._loading: set[Path] = set()
        self._failed: set[Path] = set()
        self._pending: tuple[int, float, str] | None = None   # (index, fade_s, shape) waiting for a load
        self._volume = _Ramp(self._status.volume, self._status.volume, 0.0, 0.0)
        self._duck = _Ramp(1.0, 1.0, 0.0, 0.0)
        self._alarm: str | None = None
        self._alarm_sounds: dict[str, object] = {}
        self._chime_sound: object | None = None
        self._call_sound: object | None = None

    # -- public API: any thread, never blocks, never raises for device trouble -------------------------

    def _interrupt(self) -> None:
        self._q.put(("_quit",))

    def status(self) -> AudioStatus:
        with self._status_lock:
            return self._status

    def load_playlist(self, source, *, play: bool = False, shuffle: bool = False, seed: int | None = None,
                      loop: bool = True) -> None:
        """A folder (or list of files) becomes the playlist. With play=True it crossfades in at once."""
        self._q.put(("load_playlist", source, play, shuffle, seed, loop))

    def play(self, fade_s: float | None = None) -> None:
        """Start (or resume) the playlist with a fade-in."""
        self._q.put(("play", fade_s))

    def pause(self, fade_s: float | None = None) -> None:
        self._q.put(("pause", fade_s))

    def stop(self, fade_s: float | None = None) -> None:
        self._q.put(("stop", fade_s))

    def next(self, crossfade_s: float | None = None) -> None:
        self._q.put(("skip", 1, crossfade_s))

    def previous(self, crossfade_s: float | None = None) -> None:
        self._q.put(("skip", -1, crossfade_s))

    def set_volume(self, volume: float, fade_s: float = 0.3) -> None:
        """Music volume 0..1, clamped to the configured limits."""
        self._q.put(("set_volume", float(volume), fade_s))

    def play_alarm(self, priority: str, *, repeat: bool = True) -> None:
        """Sound an IEC 60601-1-8 style tone on the reserved channel; music ducks until it stops."""
        if priority not in tones.PRIORITIES:
            raise ValueError(f"alarm priority must be one of {tones.PRIORITIES}")
        self._q.put(("play_alarm", priority, repeat))

    def stop_alarm(self) -> None:
        self._q.put(("stop_alarm",))

    def play_chime(self) -> None:
        """The end-of-infusion chime."""
        self._q.put(("play_chime",))

    def play_call_chime(self) -> None:
        """The patient's call for the nurse (domain.tones.call_chime_pcm), once; the engine repeats it."""
        self._q.put(("play_call_chime",))

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every command sent so far has been handled (tests, probes)."""
        ev = threading.Event()
        self._q.put(("_mark", ev))
        return ev.wait(timeout)

    # -- the owner thread -------------------------------------------------------------------------------

    def _run(self) -> None:
        tick = 0.0
        while True:
            try:
                cmd = self._q.get(timeout=tick)
            except queue.Empty:
                cmd = None
            while cmd is not None:
                if cmd[0] == "_quit":
                    self._shutdown()
                    return
                self._handle(cmd)
                try:
                    cmd = self._q.get_nowait()
                except queue.Empty:
                    cmd = None
            try:
                tick = self._tick()
            except Exception as exc:
                self._set_health(Health.LOST, f"audio error: {exc}")
                tick = 0.5

    def _handle(self, cmd: tuple) -> None:
        name, args = cmd[0], cmd[1:]
        if name == "_mark":
            args[0].set()
            return
        try:
            getattr(self, "_do_" + name)(*args)
        except Exception as exc:  # a bad file or a mixer error must never end the owner thread
            self._set_health(self.health or Health.LOST, f"{name} failed: {exc}")

    def _set_health(self, health: Health, detail: str) -> None:
        with self._status_lock:
            self._status = replace(self._status, health=health, detail=detail)
        self._health.set(health, detail)

    def _ensure_mixer(self) -> bool:
        if self._mixer is not None:
            return True
        now = time.monotonic()
        if now < self._next_init:
            return False
        try:
            os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
            import pygame
            c = self.config
            pygame.mixer.pre_init(c.frequency, -16, 2, c.buffer)
            pygame.mixer.init(c.frequency, -16, 2, c.buffer)
            pygame.mixer.set_num_channels(8)
            pygame.mixer.set_reserved(4)    # keep our four channels out of find_channel()
            self._mixer = pygame.mixer
            self._sndarray = pygame.sndarray
            self._freq, _, self._chans = pygame.mixer.get_init()
        except Exception as exc:
            self._next_init = now + self._retry.next()
            self._set_health(Health.LOST, f"no audio device: {exc}".splitlines()[0])
            return False
        self._retry.reset()
        self._set_health(Health.OK, f"{os.environ.get('SDL_AUDIODRIVER') or 'default'} audio at {self._freq} Hz")
        if self._feeder is None:
            self._feeder = Feeder(self._open_source, name=f"{self.name}-feeder").start()
        if self._want_play:
            self._want_play = False
            self._do_play(None)
        return True

    def _channel(self, i: int):
        assert self._mixer is not None  # called after _ensure_mixer
        return self._mixer.Channel(i)

    # feeder: open and decode files off the owner thread -------------------------------------------------

    def _open_source(self, path: Path):
        """On the feeder thread: a Stream with its first chunk decoded, or (fallback) a whole Sound."""
        try:
            reader = TrackReader(path, self._freq, self._chans)
        except Exception as exc:
            return self._whole_decode(path, exc)
        stream = Stream(path, reader, self._sndarray.make_sound)
        stream.fill_one()                 # the first chunk is ready when the track starts
        if stream.error is not None:
            raise stream.error
        if stream.finished:
            raise ValueError("no audio in file")
        assert self._feeder is not None  # this runs on it
        self._feeder.add(stream)
        return stream

    def _whole_decode(self, path: Path, why: Exception):
        size = path.stat().st_size
        if size > _whole_decode_max_bytes(path):
            raise ValueError(f"cannot stream it ({why}) and {size / 1e6:.0f} MB is too long to decode whole")
        assert self._mixer is not None  # the feeder starts after the mixer
        sound = self._mixer.Sound(str(path))
        if sound.get_length() > WHOLE_DECODE_MAX_S:
            raise ValueError(f"cannot stream it ({why}) and {sound.get_length():.0f} s is too long "
                             "to decode whole")
        return sound

    def _request(self, path: Path) -> None:
        if path not in self._cache and path not in self._loading and path not in self._failed:
            self._loading.add(path)
            assert self._feeder is not None  # started with the mixer
            self._feeder.request(path, lambda p, src, exc: self._q.put(("_loaded", p, src, exc)))

    def _do__loaded(self, path: Path, source, exc) -> None:
        self._loading.discard(path)
        if source is None:
            self._failed.add(path)
            self._set_health(self.health or Health.OK, f"cannot play {path.name}: {exc}".splitlines()[0])
            if self._pending and self._playlist and self._playlist[self._pending[0]] == path:
                idx, fade, shape = self._pending
                self._pending = None
                if len(self._failed) < len(self._playlist):   # skip the broken file
                    self._start_track((idx + 1) % len(self._playlist), fade, shape)
            return
        old = self._cache.pop(path, None)
        if isinstance(old, Stream):
            old.close()
        self._cache[path] = source
        if self._pending and self._playlist and self._playlist[self._pending[0]] == path:
            idx, fade, shape = self._pending
            self._pending = None
            self._start_track(idx, fade, shape)
        else:
            self._trim_cache()

    def _trim_cache(self) -> None:
        keep = set()
        if self._playlist:
            keep.add(self._playlist[(self._index + 1) % len(self._playlist)])
            if self._pending:
                keep.add(self._playlist[self._pending[0]])
        for p in list(self._cache):
            if p not in keep:
                src = self._cache.pop(p)
                if isinstance(src, Stream):
                    src.close()

    # commands ------------------------------------------------------------------------------------------------

    def _do_load_playlist(self, source, play, shuffle, seed, loop) -> None:
        tracks = list_tracks(source)
        if shuffle:
            random.Random(seed).shuffle(tracks)
        self._playlist = tracks
        self._playlist_name = Path(source).name if isinstance(source, (str, os.PathLike)) else None
        self._index = 0
        self._loop = loop
        self._failed.clear()
        self._pending = None
        self._trim_cache()
        if not tracks:
            self._set_health(self.health or Health.LOST, f"no audio files in {source}")
        if play:
            if self._voices and not self._voices[0].then:
                self._start_track(0, self.config.crossfade_s, "power")
            else:
                self._do_play(None)

    def _do_play(self, fade_s) -> None:
        fade = self.config.fade_s if fade_s is None else fade_s
        if not self._ensure_mixer():
            self._want_play = True
            return
        cur = self._voices[0] if self._voices else None
        if cur is not None and cur.then in (None, "pause") and cur.paused_at is not None:
            now = time.monotonic()
            cur.started += now - cur.paused_at
            cur.paused_at = None
            cur.channel.unpause()
            cur.gain = _Ramp(0.0, 1.0, now, fade)
            cur.then = None
            return
        if cur is not None and cur.then is None:
            return                                        # already playing
        if self._playlist:
            self._start_track(self._index, fade, "linear")

    def _fade_out_all(self, fade: float, then: str) -> None:
        now = time.monotonic()
        for v in self._voices:
            v.gain = _Ramp(v.gain.value(now), 0.0, now, fade)
            v.then = "stop" if v is not self._voices[0] else then
        self._pending = None

    def _do_pause(self, fade_s) -> None:
        self._want_play = False
        if self._voices:
            self._fade_out_all(self.config.fade_s if fade_s is None else fade_s, "pause")

    def _do_stop(self, fade_s) -> None:
        self._want_play = False
        if self._voices:
            self._fade_out_all(self.config.fade_s if fade_s is None else fade_s, "stop")

    def _do_skip(self, step, crossfade_s) -> None:
        if not self._playlist or not self._ensure_mixer():
            return
        fade = self.config.crossfade_s if crossfade_s is None else crossfade_s
        self._start_track((self._index + step) % len(self._playlist), fade, "power")

    def _do_set_volume(self, volume, fade_s) -> None:
        now = time.monotonic()
        v = self.config.clamp_volume(volume)
        self._volume = _Ramp(self._volume.value(now), v, now, fade_s)
        with self._status_lock:
            self._status = replace(self._status, volume=v)

    def _alarm_sound(self, priority: str):
        if priority not in self._alarm_sounds:
            mono = tones.burst_pcm(tones.PATTERNS[priority], self._freq)
            self._alarm_sounds[priority] = self._sndarray.make_sound(tones.to_int16_stereo(mono))
        return self._alarm_sounds[priority]

    def _do_play_alarm(self, priority, repeat) -> None:
        if not self._ensure_mixer():
            return
        ch = self._channel(ALARM_CHANNEL)
        ch.set_volume(self.config.alarm_volume)
        # a single burst ends after its pulses; repeating keeps the inter-burst silence in the loop
        snd = self._alarm_sound(priority)
        if not repeat:
            mono = tones.burst_pcm(tones.PATTERNS[priority], self._freq, with_interburst=False)
            snd = self._sndarray.make_sound(tones.to_int16_stereo(mono))
        ch.play(snd, loops=-1 if repeat else 0)
        ch.set_volume(self.config.alarm_volume)
        self._alarm = priority

    def _do_stop_alarm(self) -> None:
        if self._mixer is not None:
            self._channel(ALARM_CHANNEL).stop()
        self._alarm = None

    def _do_play_chime(self) -> None:
        if not self._ensure_mixer():
            return
        assert self._mixer is not None
        if self._chime_sound is None:
            path = Path(self.config.chime_file) if self.config.chime_file else DEFAULT_ASSETS / "chimes" / "end_of_infusion.ogg"
            try:
                self._chime_sound = self._mixer.Sound(str(path))
            except Exception:
                self._chime_sound = self._sndarray.make_sound(tones.to_int16_stereo(tones.chime_pcm(self._freq)))
        ch = self._channel(CHIME_CHANNEL)
        ch.set_volume(self.config.chime_volume)
        ch.play(self._chime_sound)
        ch.set_volume(self.config.chime_volume)

    def _do_play_call_chime(self) -> None:
        if not self._ensure_mixer():
            return
        if self._call_sound is None:
            self._call_sound = self._sndarray.make_sound(tones.to_int16_stereo(tones.call_chime_pcm(self._freq)))
        ch = self._channel(CHIME_CHANNEL)
        ch.set_volume(self.config.chime_volume)
        ch.play(self._call_sound)

    # track handling --------------------------------------------------------------------------------------

    def _start_track(self, index: int, fade: float, shape: str) -> None:
        """Fade `index` in, fading whatever plays out over the same time (a crossfade)."""
        if not self._ensure_mixer() or not self._playlist:
            return
        self._index = index % len(self._playlist)
        path = self._playlist[self._index]
        source = self._cache.pop(path, None)      # a Stream plays once: the next one is opened afresh
        if source is None:
            self._pending = (self._index, fade, shape)
            self._request(path)
            return
        now = time.monotonic()
        busy = {v.chan_id for v in self._voices}
        free = [c for c in MUSIC_CHANNELS if c not in busy]
        if not free:      # both busy (crossfade during a crossfade): drop the quieter, older one
            old = self._voices.pop()
            old.release()
            free = [old.chan_id]
        for v in self._voices:
            v.gain = _Ramp(v.gain.value(now), 0.0, now, fade, shape)
            v.then = "stop"
            if v.paused_at is not None:
                v.channel.stop()
        ch = self._channel(free[0])
        ch.set_volume(0.0)
        voice = _Voice(free[0], ch, source, path, now)
        if voice.stream is not None:
            first = voice.stream.take()
            if first is None:
                voice.stream.close()
                raise ValueError(f"{path.name} has nothing decoded to play")
            ch.play(first)
            nxt = voice.stream.take()
            if nxt is not None:
                ch.queue(nxt)
            assert self._feeder is not None  # a stream came from it
            self._feeder.wake()
        else:
            ch.play(source)
        ch.set_volume(0.0)
        voice.gain = _Ramp(0.0, 1.0, now, fade, shape)
        self._voices.insert(0, voice)
        self._trim_cache()
        if len(self._playlist) > 1 or self._loop:
            self._request(self._playlist[(self._index + 1) % len(self._playlist)])

    def _tick(self) -> float:
        if self._mixer is None:
            if self._want_play or self._pending:
                self._ensure_mixer()
            return 0.5 if self._mixer is None else FAST_TICK
        now = time.monotonic()
        c = self.config
        alarm_busy = self._alarm is not None and self._channel(ALARM_CHANNEL).get_busy()
        if self._alarm is not None and not alarm_busy:
            self._alarm = None
        chime_busy = self._channel(CHIME_CHANNEL).get_busy()
        duck_target = c.duck_to if alarm_busy else c.duck_chime_to if chime_busy else 1.0
        if duck_target != self._duck.b:
            self._duck = _Ramp(self._duck.value(now), duck_target, now, c.duck_s)
        master = self._volume.value(now) * self._duck.value(now)
        active = not (self._volume.done(now) and self._duck.done(now))

        self._feed_voices()
        cur = self._voices[0] if self._voices else None
        # the current track nears its end: crossfade into the next one
        if cur is not None and cur.then is None and cur.paused_at is None and self._pending is None:
            remaining = cur.length - cur.elapsed(now)
            last = self._index == len(self._playlist) - 1
            if remaining <= min(c.crossfade_s, cur.length / 3) and (self._loop or not last):
                self._start_track(self._index + 1, min(c.crossfade_s, max(remaining, 0.05)), "power")
                cur = self._voices[0]
            elif not cur.channel.get_busy() and cur.ended() and remaining > 0.5 and (self._loop or not last):
                self._start_track(self._index + 1, c.fade_s, "linear")   # ended early: broken, or no length
                cur = self._voices[0]
            elif not cur.channel.get_busy() and cur.ended():
                cur.then = "stop"
                cur.gain = _Ramp(0.0, 0.0, now, 0.0)

        gain0 = 0.0
        for v in list(self._voices):
            g = v.gain.value(now)
            if v.gain.done(now) and v.then is not None:
                if v.then == "pause" and v.paused_at is None:
                    v.channel.pause()
                    v.paused_at = now
                    v.channel.set_volume(0.0)
                elif v.then == "stop":
                    v.release()
                    self._voices.remove(v)
                    continue
            else:
                active = active or not v.gain.done(now)
                v.channel.set_volume(max(0.0, min(1.0, g * master)))
            if v is self._voices[0]:
                gain0 = g * master
        self._publish(gain0, alarm_busy, chime_busy)
        if active or alarm_busy or chime_busy:
            return FAST_TICK
        return 0.1 if self._voices else 0.5

    def _feed_voices(self) -> None:
        """Queue each stream's next chunk behind the one playing (on an idle channel it plays at once)."""
        for v in self._voices:
            if v.stream is None:
                continue
            if v.channel.get_queue() is None and (v.channel.get_busy() or v.paused_at is None):
                snd = v.stream.take()
                if snd is not None:
                    v.channel.queue(snd)
                    assert self._feeder is not None  # a stream came from it
                    self._feeder.wake()
            if v.stream.error is not None and not v.reported:
                v.reported = True
                self._set_health(self.health or Health.OK,
                                 f"cannot play {v.path.name} to the end: {v.stream.error}".splitlines()[0])

    def _publish(self, gain: float, alarm_busy: bool, chime_busy: bool) -> None:
        cur = self._voices[0] if self._voices else None
        playing = cur is not None and cur.then is None and cur.paused_at is None
        st = replace(self._status, track=cur.path.name if cur else None, playlist=self._playlist_name,
                     index=self._index, tracks=len(self._playlist), gain=round(min(1.0, max(0.0, gain)), 4), playing=playing,
                     paused=cur is not None and cur.paused_at is not None,
                     alarm=self._alarm if alarm_busy else None, chime=chime_busy)
        if st != self._status:
            with self._status_lock:
                self._status = replace(st, volume=self._status.volume, health=self._status.health,
                                       detail=self._status.detail)

    def _shutdown(self) -> None:
        if self._feeder is not None:
            self._feeder.stop()
        for src in [*(v.stream for v in self._voices), *self._cache.values()]:
            if isinstance(src, Stream):
                src.close()
        self._voices.clear()
        self._cache.clear()
        if self._mixer is not None:
            try:
                self._mixer.stop()
                self._mixer.quit()
            except Exception:
                pass
            self._mixer = None
        with self._status_lock:
            self._status = replace(self._status, playing=False, alarm=None, chime=False, gain=0.0)
