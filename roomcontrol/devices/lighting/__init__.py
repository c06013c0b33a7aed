"""Room lighting: ENTTEC DMX USB Pro and a simulated driver with the same API."""

from roomcontrol.devices.lighting.base import LightingBase, ZoneStatus
from roomcontrol.devices.lighting.config import LightingConfig, Zone
from roomcontrol.devices.lighting.enttec import EnttecDmxPro, dmx_frame
from roomcontrol.devices.lighting.simulated import SimulatedLighting


def open_lighting(url: str | None, config: LightingConfig | None = None, **kw) -> LightingBase:
    """A driver for `url`, or the simulated one when url is None/"" /"sim". Not started."""
    if not url or url in ("sim", "simulated"):
        return SimulatedLighting(config, **kw)
    return EnttecDmxPro(url, config, **kw)


__all__ = ["EnttecDmxPro", "LightingBase", "LightingConfig", "SimulatedLighting", "Zone", "ZoneStatus",
           "dmx_frame", "open_lighting"]
