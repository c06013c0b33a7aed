"""On/off switches a diffuser can hang on: an LCUS-type USB serial relay, a device that takes text lines, or a
simulated switch. A switch only knows how to say on or off; the controller decides when."""

from __future__ import annotations

import codecs
from roomcontrol.devices.ambient_link import SerialLink
from roomcontrol.devices.base import Backoff, HealthCallback, HealthReporter
from roomcontrol.domain.vitals import Health


def lcus_command(channel: int, on: bool) -> bytes:
    """LCUS relay boards (CH340, 9600 8N1): A0, channel (1-based), 01 on / 00 off, checksum = sum mod 256."""
    if not 1 <= channel <= 8:
        raise ValueError("LCUS relay channel must be 1..8")
    body = bytes([0xA0, channel, 0x01 if on else 0x00])
    return body + bytes([sum(body) & 0xFF])


class LcusRelay:
    baudrate = 9600

    def __init__(self, channel: int = 1):
        lcus_command(channel, False)  # validate now, not at the first switch
        self.channel = channel

    def command(self, on: bool) -> bytes:
        return lcus_command(self.channel, on)


class LineProtocol:
    """A device driven by fixed command strings, e.g. b"ON\\r\\n" / b"OFF\\r\\n" (escapes allowed in config)."""

    def __init__(self, on: bytes | str = b"ON\r\n", off: bytes | str = b"OFF\r\n", baudrate: int = 9600):
        self.on = _as_bytes(on)
        self.off = _as_bytes(off)
        if not self.on or not self.off or self.on == self.off:
            raise ValueError("line protocol needs two different, non-empty commands")
        self.baudrate = baudrate

    def command(self, on: bool) -> bytes:
        return self.on if on else self.off


def _as_bytes(v: bytes | str) -> bytes:
    if isinstance(v, bytes):
        return v
    return codecs.escape_decode(v.encode("utf-8"))[0]  # "ON\\r\\n" from a TOML file -> b"ON\r\n"


class SerialSwitch:
    """A protocol over any pyserial URL, reconnecting with back-off (see ambient_link.SerialLink)."""

    def __init__(self, url: str, protocol, *, clock=None, on_health: HealthCallback | None = None,
                 name: str = "diffuser", backoff_initial: float = 0.25, backoff_max: float = 5.0):
        self.url = url
        self.protocol = protocol
        self._health = HealthReporter(name, on_health, clock, lambda: self._link.counters)
        self._link = SerialLink(url, baudrate=protocol.baudrate, health=self._health, clock=clock,
                                backoff=Backoff(backoff_initial, backoff_max))

    @property
    def health(self):
        return self._health.state

    def seconds_until_retry(self) -> float:
        return self._link.seconds_until_retry()

    def set(self, on: bool) -> bool:
        return self._link.write(self.protocol.command(on))

    def close(self) -> None:
        self._link.close()


class SimulatedSwitch:
    def __init__(self, *, clock=None, on_health=None, name: str = "diffuser"):
        self._health = HealthReporter(name, on_health, clock)
        self.state: bool | None = None
        self.history: list[bool] = []

    @property
    def health(self):
        return self._health.state

    def seconds_until_retry(self) -> float:
        return 0.0

    def set(self, on: bool) -> bool:
        self.state = on
        self.history.append(on)
        self._health.set(Health.OK, "simulated")
        return True

    def close(self) -> None:
        pass
