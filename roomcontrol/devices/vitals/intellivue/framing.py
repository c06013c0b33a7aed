"""The serial link of the IntelliVue Data Export protocol (Programming Guide, "Protocol Stack" → "Transport
Protocol (Serial)" → "Frame Structure" and "Transparency"): pure bytes in, user data out.

A frame is BOF (0xC0), a 4-byte header (protocol id 0x11, message type 0x01 "AWS Protocol Data", the length of
the user data, big-endian), the user data, the 16-bit FCS of header and user data (the CRC-CCITT of RFC 1662,
section C.1, sent least significant byte first), EOF (0xC1). Between BOF and EOF every 0xC0, 0xC1 and 0x7D is sent
as 0x7D followed by the byte XOR 0x20. A frame that breaks any of these rules is counted and skipped.
"""

from __future__ import annotations

BOF, EOF, ESC, XOR = 0xC0, 0xC1, 0x7D, 0x20
PROTOCOL_ID = 0x11   # Data Export protocol
MSG_TYPE = 0x01      # AWS Protocol Data
HEADER = 4
# The largest frame we accept (unescaped header + data + FCS). The guide's messages are a few hundred bytes; a
# poll of every numeric of a busy monitor stays well under this. Longer means the EOF was lost.
MAX_FRAME = 16384


def _table() -> list[int]:
    # RFC 1662 C.1: the reflected polynomial 0x8408, one entry per byte value.
    out = []
    for b in range(256):
        v = b
        for _ in range(8):
            v = (v >> 1) ^ 0x8408 if v & 1 else v >> 1
        out.append(v)
    return out


_FCS_TABLE = _table()


def fcs16(data: bytes) -> int:
    """The frame check sequence of RFC 1662: initial 0xFFFF, ones' complement of the result."""
    fcs = 0xFFFF
    for b in data:
        fcs = (fcs >> 8) ^ _FCS_TABLE[(fcs ^ b) & 0xFF]
    return fcs ^ 0xFFFF


def escape(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if b in (BOF, EOF, ESC):
            out += bytes((ESC, b ^ XOR))
        else:
            out.append(b)
    return bytes(out)


def frame(user_data: bytes) -> bytes:
    """One frame on the wire around `user_data` (a session/presentation message)."""
    if len(user_data) > 0xFFFF:
        raise ValueError(f"user data of {len(user_data)} bytes does not fit a frame (at most 65535)")
    body = bytes((PROTOCOL_ID, MSG_TYPE)) + len(user_data).to_bytes(2, "big") + user_data
    fcs = fcs16(body)
    return bytes((BOF,)) + escape(body + bytes((fcs & 0xFF, fcs >> 8))) + bytes((EOF,))


class Deframer:
    """Incremental: `feed(bytes)` returns the user data of every good frame; a port may split or join frames
    anywhere. Bytes outside a frame are counted as noise; a bad frame (FCS, header, length, escape, too long, a
    BOF before its EOF) is counted in `framing_errors` and skipped, and the next BOF starts afresh."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._in_frame = False
        self._escaped = False
        self.counters = {"frames": 0, "framing_errors": 0, "noise_bytes": 0}

    def feed(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        for b in data:
            if b == BOF:
                if self._in_frame:  # the previous frame never ended
                    self.counters["framing_errors"] += 1
                self._start()
            elif not self._in_frame:
                self.counters["noise_bytes"] += 1
            elif b == EOF:
                self._in_frame = False
                good = self._check()
                if good is None:
                    self.counters["framing_errors"] += 1
                else:
                    self.counters["frames"] += 1
                    out.append(good)
            elif self._escaped:
                self._escaped = False
                self._buf.append(b ^ XOR)
            elif b == ESC:
                self._escaped = True
            else:
                self._buf.append(b)
            if self._in_frame and len(self._buf) > MAX_FRAME:
                self.counters["framing_errors"] += 1
                self._in_frame = False
        return out

    def _start(self) -> None:
        self._buf.clear()
        self._in_frame = True
        self._escaped = False

    def _check(self) -> bytes | None:
        """The user data of the frame just closed, or None if it is not a good frame."""
        buf = self._buf
        if self._escaped or len(buf) < HEADER + 2:  # an escape right before EOF, or no room for header + FCS
            return None
        if buf[0] != PROTOCOL_ID or buf[1] != MSG_TYPE:
            return None
        length = int.from_bytes(buf[2:4], "big")
        if length != len(buf) - HEADER - 2:
            return None
        body, fcs = bytes(buf[:-2]), buf[-2] | buf[-1] << 8
        if fcs16(body) != fcs:
            return None
        return body[HEADER:]
