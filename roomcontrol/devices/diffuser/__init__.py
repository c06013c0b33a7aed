"""The aromatherapy diffuser: USB serial relay (LCUS), a serial line protocol, or simulated."""

from __future__ import annotations

from typing import Any, Mapping

from roomcontrol.devices.diffuser.controller import DiffuserController, DiffuserStatus, MistProgram, mist_phase
from roomcontrol.devices.diffuser.switches import (LcusRelay, LineProtocol, SerialSwitch, SimulatedSwitch,
                                                    lcus_command)


def open_diffuser(cfg: Mapping[str, Any] | None = None, *, clock=None, on_health=None, on_change=None,
                  name: str = "diffuser") -> DiffuserController:
    """A controller from a plain dict; started (so OFF goes out at once).

    {"driver": "lcus", "url": "/dev/ttyUSB1", "channel": 1}
    {"driver": "line", "url": "socket://10.0.0.5:4001", "on": "ON\\r\\n", "off": "OFF\\r\\n", "baudrate": 9600}
    {"driver": "simulated"}   (also when cfg is None)
    """
    cfg = dict(cfg or {})
    driver = cfg.get("driver", "simulated")
    if driver in ("simulated", "sim"):
        switch = SimulatedSwitch(clock=clock, on_health=on_health, name=name)
    elif driver == "lcus":
        switch = SerialSwitch(cfg["url"], LcusRelay(int(cfg.get("channel", 1))), clock=clock,
                              on_health=on_health, name=name)
    elif driver == "line":
        proto = LineProtocol(cfg.get("on", b"ON\r\n"), cfg.get("off", b"OFF\r\n"), int(cfg.get("baudrate", 9600)))
        switch = SerialSwitch(cfg["url"], proto, clock=clock, on_health=on_health, name=name)
    else:
        raise ValueError(f"unknown diffuser driver {driver!r} (lcus, line, simulated)")
    return DiffuserController(switch, clock=clock, name=name, on_change=on_change).run()


__all__ = ["DiffuserController", "DiffuserStatus", "LcusRelay", "LineProtocol", "MistProgram", "SerialSwitch",
           "SimulatedSwitch", "lcus_command", "mist_phase", "open_diffuser"]
