"""Vitals drivers: Nonin, Masimo, HL7/MLLP and a simulated monitor, all producing `Reading`s (see factory)."""

from roomcontrol.devices.serial_transport import DeviceOpenError
from roomcontrol.devices.vitals.factory import DRIVERS, check_can_open, open_vitals_driver
from roomcontrol.devices.vitals.probe import probe_vitals
from roomcontrol.domain.vitals import Reading

__all__ = ["DRIVERS", "DeviceOpenError", "Reading", "check_can_open", "open_vitals_driver", "probe_vitals"]
