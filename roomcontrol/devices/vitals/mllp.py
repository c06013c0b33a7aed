"""MLLP framing: a message travels as 0x0B <message> 0x1C 0x0D, and TCP may split or join frames anywhere.

Pure bytes in, messages out; the server (hl7_mllp), the simulator and the encoders share it.
"""

from __future__ import annotations

VT, FS, CR = b"\x0b", b"\x1c", b"\x0d"
MAX_MESSAGE = 1 << 20


def mllp_frame(message: str | bytes) -> bytes:
    data = message.encode("utf-8") if isinstance(message, str) else message
    return VT + data + FS + CR


class MllpDeframer:
    """Incremental: `feed(bytes)` returns the complete messages (bytes between VT and FS CR)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.counters = {"discarded_bytes": 0, "broken_frames": 0}

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data
        out: list[bytes] = []
        while True:
            start = buf.find(VT)
            if start < 0:
                self.counters["discarded_bytes"] += len(buf)
                buf.clear()
                break
            if start:
                self.counters["discarded_bytes"] += start
                del buf[:start]
            end = buf.find(FS, 1)
            restart = buf.find(VT, 1)
            if 0 < restart and (end < 0 or restart < end):  # a new frame began before this one ended
                self.counters["broken_frames"] += 1
                del buf[:restart]
                continue
            if end < 0:
                if len(buf) > MAX_MESSAGE:
                    self.counters["broken_frames"] += 1
                    buf.clear()
                break
            if end + 1 >= len(buf):
                break  # wait for the byte after FS
            out.append(bytes(buf[1:end]))
            del buf[:end + (2 if buf[end + 1] == CR[0] else 1)]  # tolerate a missing trailing CR
        return out
