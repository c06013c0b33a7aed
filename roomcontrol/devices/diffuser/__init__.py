"""The aromatherapy diffuser: USB serial relay (LCUS), a serial line protocol, or simulated."""

from __future__ import annotations

from roomcontrol.devices.diffuser.controller import DiffuserController, DiffuserStatus, MistProgram, mist_phase
from roomcontrol.devices.diffuser.switches import (LcusRelay, LineProtocol, SerialSwitch, SimulatedSwitch,
                                                    lcus_command)

__all__ = ["DiffuserController", "DiffuserStatus", "LcusRelay", "LineProtocol", "MistProgram", "SerialSwitch",
           "SimulatedSwitch", "lcus_command", "mist_phase"]
