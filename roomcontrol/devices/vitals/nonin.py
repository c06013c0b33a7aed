"""Nonin serial Data Format 2 and 7 (OEM III module, WristOx2 3150, Xpod), 9600 8N1.

A frame is 5 bytes, 75 frames a second, 25 frames a packet (3 packets a second):
    DF7: STATUS, PLETH MSB, PLETH LSB, DATA, CHK        DF2: 0x01, STATUS, PLETH, DATA, CHK
CHK is the sum of the four bytes before it, mod 256. STATUS bit 7 is always set; bit 0 (SYNC) marks frame 1 of a
packet; bits 6..3 = SNSD (sensor disconnect), ARTF (artifact), OOT (out of track), SNSA (sensor alarm);
bits 2..1 = perfusion during a pulse (01 green, 10 red, 11 yellow).
DATA depends on the frame's place in the packet; we use frame 1+2 (HR MSB/LSB, 4-beat average, 511 = none) and
frame 3 (SpO2, 127 = none), both "formatted for recording" so a removed finger shows at once.

Status is read from every frame of every packet, also of the packets between two emitted readings (emit_every):
perfusion and artifact bits last only a pulse, so they are OR-ed over all packets since the last reading and
reported with it. Battery: DF2 and DF7 carry no battery bit (the OEM III module has no battery; the WristOx2 3150
spec documents low/critical battery only in the status byte of Data Format 8 and 13), so this parser reports none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from roomcontrol.clock import Clock, SystemClock
from roomcontrol.domain.vitals import UNITS, Reading

FRAME = 5
PACKET = 25
SYNC, SNSD, ARTF, OOT, SNSA = 0x01, 0x40, 0x20, 0x10, 0x08
PERFUSION_MASK, RED_PERFUSION = 0x06, 0x04
HR_MISSING, SPO2_MISSING = 511, 127
CONFIRM_FRAMES = 4  # after this many good frames in a row the alignment is real, no need to rescan behind it

# Data byte index in the packet (0-based frame numbers), as the Nonin OEM specifications list them.
HR_MSB, HR_LSB, SPO2, SREV, STAT2 = 0, 1, 2, 3, 7


def hr_from(msb: int, lsb: int) -> int:
    return ((msb & 0x03) << 7) | (lsb & 0x7F)


class NoninParser:
    """Incremental, pure: `feed(bytes)` returns the readings completed by those bytes and never raises.

    Frame sync: a candidate frame needs bit 7 (DF2: the 0x01 lead byte too) and a good checksum, and when we are
    not yet in sync, the next frame must check out as well. Packet sync: frames are collected from a SYNC frame
    until 25 are in. On a bad frame we count one framing error and, if the alignment was not yet confirmed,
    rescan from one byte after where it started, so garbage that looked like a frame cannot eat a real packet.
    """

    def __init__(self, data_format: int = 7, *, clock: Clock | None = None, emit_every: int = 3,
                 rate_kind: str = "pulse_rate", on_pleth: Callable[[list[int], datetime], None] | None = None,
                 source: str = "nonin"):
        if data_format not in (2, 7):
            raise ValueError("Nonin data_format must be 2 or 7")
        self.data_format = data_format
        self.source = source
        self.rate_kind = rate_kind  # an oximeter's HR is a pulse rate; configurable for rooms that want heart_rate
        self.on_pleth = on_pleth
        self._clock = clock or SystemClock()
        self._emit_every = max(1, emit_every)  # 3 packets = 1 reading per kind per second
        self._since_emit = self._emit_every  # so the very first packet reports at once
        self._status_bits = 0  # STATUS bits OR-ed over every packet since the last reading
        self._red = False      # a red-perfusion pulse in any of those packets
        self._buf = bytearray()
        self._pos = 0  # where scanning resumes in _buf
        self._synced = False
        self._anchor: int | None = None  # where the unconfirmed sync run started (buffer index)
        self._run = 0
        self._packet: list[tuple[int, int, int]] | None = None
        self._err_at = -1  # absolute stream offset of the last counted framing error
        self._base = 0  # absolute stream offset of _buf[0]
        self.counters = {"frames": 0, "framing_errors": 0, "discarded_bytes": 0, "packets": 0,
                         "incomplete_packets": 0}

    def _valid(self, b: bytearray, i: int) -> bool:
        if self.data_format == 7:
            return bool(b[i] & 0x80) and (b[i] + b[i + 1] + b[i + 2] + b[i + 3]) & 0xFF == b[i + 4]
        return b[i] == 0x01 and bool(b[i + 1] & 0x80) and (1 + b[i + 1] + b[i + 2] + b[i + 3]) & 0xFF == b[i + 4]

    def feed(self, data: bytes, now: datetime | None = None) -> list[Reading]:
        now = now or self._clock.now()
        buf = self._buf
        buf += data
        out: list[Reading] = []
        i, n = self._pos, len(buf)
        valid = self._valid
        while True:
            if self._synced:
                if n - i < FRAME:
                    break
                if valid(buf, i):
                    self._accept(buf, i, now, out)
                    i += FRAME
                    continue
                i = self._lose_sync(i)
            else:
                if n - i < 2 * FRAME:
                    break
                if valid(buf, i) and valid(buf, i + FRAME):
                    self._synced, self._anchor, self._run = True, i, 0
                else:
                    i += 1
                    self.counters["discarded_bytes"] += 1
        cut = i if self._anchor is None else min(i, self._anchor)  # keep an unconfirmed run for a rescan
        if self._synced:
            cut = max(0, min(cut, i - FRAME + 1))  # and the last frame's tail (see _lose_sync)
        del buf[:cut]
        self._base += cut
        self._pos = i - cut
        if self._anchor is not None:
            self._anchor -= cut
        return out

    def _lose_sync(self, i: int) -> int:
        if self._base + i > self._err_at:  # rescanning the same bad spot is not a new error
            self.counters["framing_errors"] += 1
            self._err_at = self._base + i
        if self._packet is not None:
            self.counters["incomplete_packets"] += 1
            self._packet = None
        self._synced = False
        # Rescan from one byte into the last accepted frame, not from i + 1: that frame may have been a false one
        # made of a cut-off frame's head and the next packet's first byte (DF2's 0x01 lead byte is the checksum
        # of the common frame 01 80 80 00), and the real SYNC frame starts inside it. Sync starts only move on,
        # so this ends.
        restart = i - FRAME + 1 if self._anchor is None else self._anchor + 1
        self.counters["discarded_bytes"] += 1
        self._anchor = None
        return restart

    def _accept(self, b: bytearray, i: int, now: datetime, out: list[Reading]) -> None:
        self.counters["frames"] += 1
        self._run += 1
        if self._run >= CONFIRM_FRAMES:
            self._anchor = None
        if self.data_format == 7:
            frame = (b[i], (b[i + 1] << 8) | b[i + 2], b[i + 3])
        else:
            frame = (b[i + 1], b[i + 2], b[i + 3])
        if frame[0] & SYNC:
            if self._packet is not None:
                self.counters["incomplete_packets"] += 1
            self._packet = [frame]
        elif self._packet is not None:
            self._packet.append(frame)
        if self._packet is not None and len(self._packet) == PACKET:
            packet, self._packet = self._packet, None
            self._packet_done(packet, now, out)

    def _packet_done(self, packet: list[tuple[int, int, int]], now: datetime, out: list[Reading]) -> None:
        self.counters["packets"] += 1
        if self.on_pleth is not None:
            self.on_pleth([f[1] for f in packet], now)
        for f in packet:  # before the emit_every gate: a skipped packet's flags belong to the next reading
            self._status_bits |= f[0]
            self._red = self._red or (f[0] & PERFUSION_MASK) == RED_PERFUSION
        self._since_emit += 1
        if self._since_emit < self._emit_every:
            return
        self._since_emit = 0
        hr = hr_from(packet[HR_MSB][2], packet[HR_LSB][2])
        spo2 = packet[SPO2][2] & 0x7F
        hr_value = None if hr == HR_MISSING else float(hr)
        spo2_value = None if spo2 == SPO2_MISSING or spo2 > 100 else float(spo2)
        flags = status_flags(self._status_bits, self._red)
        self._status_bits, self._red = 0, False
        if "sensor_alarm" in flags and hr_value is None and spo2_value is None:
            flags.add("sensor_off")  # SNSA with no values: Nonin's "finger removed"
        frozen = frozenset(flags)
        out.append(Reading(self.rate_kind, hr_value, UNITS[self.rate_kind], now, None, frozen, self.source))
        out.append(Reading("spo2", spo2_value, UNITS["spo2"], now, None, frozen, self.source))


def status_flags(any_bits: int, red: bool) -> set[str]:
    """The named flags of STATUS bits OR-ed over some frames; `red`: one of them said red perfusion."""
    flags = set()
    if any_bits & SNSD:
        flags.add("sensor_disconnect")
    if any_bits & ARTF:
        flags.add("artifact")
    if any_bits & OOT:
        flags.add("out_of_track")
    if any_bits & SNSA:
        flags.add("sensor_alarm")
    if red:
        flags.add("low_perfusion")
    return flags
