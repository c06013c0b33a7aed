"""A pseudo-terminal whose master side a background thread drains into a buffer, as a real device would."""

from __future__ import annotations

import os
import select
import threading
import time
import tty


class PtyDevice:
    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)   # no line discipline between the driver's bytes and ours
        self.path = os.ttyname(self.slave)
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()

    def _drain(self):
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([self.master], [], [], 0.05)
                if r:
                    data = os.read(self.master, 65536)
                    with self._lock:
                        self._buf += data
            except OSError:
                return

    def data(self) -> bytes:
        with self._lock:
            return bytes(self._buf)

    def clear(self) -> None:
        with self._lock:
            self._buf.clear()

    def wait_for(self, predicate, timeout: float = 10.0):
        """Wait (generously) until predicate(data) is truthy; return its value or the last data on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            data = self.data()
            got = predicate(data)
            if got or time.monotonic() > deadline:
                return got
            time.sleep(0.02)

    def close(self):
        """Hang up: the driver's next write to the slave fails, as when a USB adapter is pulled."""
        self._stop.set()
        self._t.join(1)
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass

    @staticmethod
    def wait_until(predicate, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True
