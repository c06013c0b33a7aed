"""Vitals drivers: Nonin, Masimo, HL7/MLLP and a simulated monitor, all producing `Reading`s (opened through
devices.registry)."""

from roomcontrol.devices.vitals.probe import probe_vitals

__all__ = ["probe_vitals"]
