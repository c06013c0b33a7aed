"""Tracks played as a ring of short Sounds, decoded a few seconds ahead by one feeder thread.

A Stream holds at most `ahead` decoded chunks; the channel holds one playing and one queued (Channel.queue),
so a track of any length costs a few MB. The feeder thread opens files and decodes; it only builds Sound
objects. The owner thread takes ready chunks (never blocking) and queues them on its channel.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path
from typing import Callable

CHUNK_S = 2.0      # seconds per queued Sound
AHEAD = 2          # decoded chunks kept ready per stream, beyond the one queued on the channel


class Stream:
    """One track being played (or about to be): its reader and the chunks decoded ahead of the channel."""

    def __init__(self, path: Path, reader, make_sound: Callable, chunk_s: float = CHUNK_S, ahead: int = AHEAD):
        self.path = path
        self.length = reader.length
        self._reader = reader
        self._make_sound = make_sound
        self._chunk_s = chunk_s
        self._ahead = ahead
        self._ready: deque = deque()
        self.eof = False
        self.error: Exception | None = None
        self.closed = False
        self._lock = threading.Lock()     # the reader is used by one thread at a time

    # owner thread
    def take(self):
        """The next decoded chunk (a Sound), or None if none is ready yet."""
        try:
            return self._ready.popleft()
        except IndexError:
            return None

    @property
    def finished(self) -> bool:
        """Everything decoded has been taken and nothing more will come."""
        return (self.eof or self.closed) and not self._ready

    def close(self) -> None:
        self.closed = True
        self._ready.clear()
        if self._lock.acquire(blocking=False):     # else the feeder closes it when its read returns
            try:
                self._reader.close()
            finally:
                self._lock.release()

    # feeder thread
    def ready_count(self) -> int:
        return len(self._ready)

    def needs_fill(self) -> bool:
        return not (self.closed or self.eof) and len(self._ready) < self._ahead

    def fill_one(self) -> None:
        with self._lock:
            if self.closed or self.eof:
                return
            try:
                pcm = self._reader.read(self._chunk_s)
                if len(pcm):
                    self._ready.append(self._make_sound(pcm))
                if getattr(self._reader, "eof", False) or not len(pcm):
                    self.eof = True
            except Exception as exc:       # a file broken half way: the track ends here
                self.error = exc
                self.eof = True
            if self.closed or self.eof:
                self._reader.close()
                if self.closed:
                    self._ready.clear()


class Feeder:
    """The one thread that opens tracks and keeps every open Stream decoded ahead."""

    def __init__(self, open_track: Callable[[Path], object], name: str = "audio-feeder"):
        self._open_track = open_track      # path -> Stream (registered here) or a whole Sound
        self._cond = threading.Condition()
        self._jobs: deque = deque()
        self._streams: list[Stream] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> "Feeder":
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()

    def request(self, path: Path, reply: Callable[[Path, object, Exception | None], None]) -> None:
        """Open `path` on the feeder thread; reply(path, source, exc) is called from there."""
        with self._cond:
            self._jobs.append((path, reply))
            self._cond.notify()

    def add(self, stream: Stream) -> None:
        with self._cond:
            self._streams.append(stream)
            self._cond.notify()

    def wake(self) -> None:
        with self._cond:
            self._cond.notify()

    def _next_work(self):
        self._streams = [s for s in self._streams if not (s.closed or s.eof)]
        hungry = [s for s in self._streams if s.needs_fill()]
        starving = [s for s in hungry if s.ready_count() == 0]
        if starving:
            return starving[0]
        if self._jobs:
            return self._jobs.popleft()
        if hungry:
            return min(hungry, key=Stream.ready_count)
        return None

    def _run(self) -> None:
        while True:
            with self._cond:
                work = self._next_work()
                while work is None and not self._stop:
                    self._cond.wait(0.25)     # take() does not notify: poll the streams a few times a second
                    work = self._next_work()
                if self._stop:
                    for s in self._streams:
                        s.close()
                    return
            if isinstance(work, Stream):
                work.fill_one()
                continue
            path, reply = work
            try:
                source = self._open_track(path)
            except Exception as exc:
                reply(path, None, exc)
                continue
            reply(path, source, None)
