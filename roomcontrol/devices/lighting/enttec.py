"""ENTTEC DMX USB Pro: "Output Only Send DMX Packet Request" (label 6) of the ENTTEC DMX USB Pro API.

Message: 0x7E, label, data length LSB, MSB, data, 0xE7. For label 6 the data is the DMX start code (0x00)
followed by the slots; we always send all 512 so no fixture is left holding a stale value. The Pro is an FTDI
FIFO, so the serial baud rate is not used on the wire; any value the OS accepts will do.
"""

from __future__ import annotations

from roomcontrol.devices.ambient_link import SerialLink
from roomcontrol.devices.base import Backoff
from roomcontrol.devices.lighting.base import LightingBase

SOM = 0x7E
EOM = 0xE7
LABEL_SEND_DMX = 6
START_CODE = 0x00


def dmx_frame(universe: bytes) -> bytes:
    """The full message for one universe (1..512 slots; shorter universes are padded to 512)."""
    if len(universe) > 512:
        raise ValueError("a DMX universe has at most 512 slots")
    data = bytes([START_CODE]) + bytes(universe).ljust(512, b"\x00")
    return bytes([SOM, LABEL_SEND_DMX, len(data) & 0xFF, len(data) >> 8]) + data + bytes([EOM])


class EnttecDmxPro(LightingBase):
    """Lighting over an ENTTEC DMX USB Pro at any pyserial URL. Reconnects with back-off; health goes
    CONNECTING -> OK, LOST while the port is gone, OK again once a frame is written."""

    def __init__(self, url: str, config=None, *, clock=None, on_health=None, name: str = "lighting",
                 baudrate: int = 115200, backoff_initial: float = 0.25, backoff_max: float = 5.0):
        super().__init__(config, clock=clock, on_health=on_health, name=name)
        self.url = url
        self._link = SerialLink(url, baudrate=baudrate, health=self._health, clock=self.clock,
                                backoff=Backoff(backoff_initial, backoff_max))

    @property
    def counters(self) -> dict:
        return dict(self._link.counters)

    def _send(self, universe: bytes) -> bool:
        return self._link.write(dmx_frame(universe))

    def _release(self) -> None:
        self._link.close()

    def _on_stopped(self) -> None:
        self._link.close()
