"""Room lighting: ENTTEC DMX USB Pro and a simulated driver with the same API."""

from roomcontrol.devices.lighting.base import LightingBase, ZoneStatus
from roomcontrol.devices.lighting.config import LightingConfig, Zone
from roomcontrol.devices.lighting.enttec import EnttecDmxPro, dmx_frame
from roomcontrol.devices.lighting.simulated import SimulatedLighting

__all__ = ["EnttecDmxPro", "LightingBase", "LightingConfig", "SimulatedLighting", "Zone", "ZoneStatus",
           "dmx_frame"]
