"""The lighting drivers' factories, one signature each (see devices.registry). Not started."""

from __future__ import annotations

from roomcontrol.devices.lighting.config import LightingConfig
from roomcontrol.devices.lighting.enttec import EnttecDmxPro
from roomcontrol.devices.lighting.simulated import SimulatedLighting

LINK_OPTIONS = ("baudrate", "backoff_initial", "backoff_max")


def open_simulated(url, options, *, clock, on_health, name) -> SimulatedLighting:
    return SimulatedLighting(LightingConfig.from_dict(options), clock=clock, on_health=on_health, name=name)


def open_enttec_pro(url, options, *, clock, on_health, name) -> EnttecDmxPro:
    link = {k: v for k, v in options.items() if k in LINK_OPTIONS}
    zones = {k: v for k, v in options.items() if k not in LINK_OPTIONS}
    return EnttecDmxPro(url, LightingConfig.from_dict(zones), clock=clock, on_health=on_health, name=name, **link)
