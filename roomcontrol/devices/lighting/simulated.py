"""Simulated lighting: the same API and fades as the DMX driver; it keeps the frames instead of sending them."""

from __future__ import annotations

from roomcontrol.devices.lighting.base import LightingBase
from roomcontrol.domain.vitals import Health


class SimulatedLighting(LightingBase):
    def __init__(self, config=None, *, clock=None, on_health=None, name: str = "lighting"):
        super().__init__(config, clock=clock, on_health=on_health, name=name)
        self.last_universe = bytes(512)

    def _send(self, universe: bytes) -> bool:
        self.last_universe = universe
        self._health.set(Health.OK, "simulated")
        return True
