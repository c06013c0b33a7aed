"""The diffuser drivers' factories, one signature each (see devices.registry). Each returns a controller,
not started: its first act once started is to send OFF."""

from __future__ import annotations

from roomcontrol.devices.diffuser.controller import DiffuserController
from roomcontrol.devices.diffuser.switches import LcusRelay, LineProtocol, SerialSwitch, SimulatedSwitch

SWITCH_OPTIONS = ("backoff_initial", "backoff_max")


def _controller(switch, options: dict, clock, name: str, on_change) -> DiffuserController:
    return DiffuserController(switch, clock=clock, name=name, on_change=on_change,
                              **{k: v for k, v in options.items() if k in ("max_run_s", "resend_s")})


def open_simulated(url, options, *, clock, on_health, name, on_change=None) -> DiffuserController:
    return _controller(SimulatedSwitch(clock=clock, on_health=on_health, name=name), options, clock, name, on_change)


def open_lcus_relay(url, options, *, clock, on_health, name, on_change=None) -> DiffuserController:
    """{"channel": 1} (LCUS-type USB relay, 9600 8N1)"""
    switch = SerialSwitch(url, LcusRelay(int(options.get("channel", 1))), clock=clock, on_health=on_health,
                          name=name, **{k: v for k, v in options.items() if k in SWITCH_OPTIONS})
    return _controller(switch, options, clock, name, on_change)


def open_serial_line(url, options, *, clock, on_health, name, on_change=None) -> DiffuserController:
    """{"on": "ON\\r\\n", "off": "OFF\\r\\n", "baudrate": 9600}"""
    proto = LineProtocol(options.get("on", b"ON\r\n"), options.get("off", b"OFF\r\n"),
                         int(options.get("baudrate", 9600)))
    switch = SerialSwitch(url, proto, clock=clock, on_health=on_health, name=name,
                          **{k: v for k, v in options.items() if k in SWITCH_OPTIONS})
    return _controller(switch, options, clock, name, on_change)
