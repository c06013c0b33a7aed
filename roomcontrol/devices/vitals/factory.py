"""The vitals drivers' factories, one signature each (see devices.registry, which names them for room.toml).

    nonin (Data Format 7; data_format=2 for DF2)   url: any pyserial URL
    masimo (ASCII 1)                               url: any pyserial URL
    hl7 (ORU^R01 over MLLP, we listen)             url: mllp://host:port
    simulated (no port)                            url: ignored
"""

from __future__ import annotations

from roomcontrol.devices.serial_transport import SerialTransport
from roomcontrol.devices.vitals.hl7_mllp import Hl7MllpServer
from roomcontrol.devices.vitals.masimo import MasimoParser
from roomcontrol.devices.vitals.nonin import NoninParser
from roomcontrol.devices.vitals.simulator import SimulatedVitalsDriver

TRANSPORT_OPTIONS = ("baudrate", "no_data_after", "backoff_initial", "backoff_max", "read_timeout")


def _split(options: dict) -> tuple[dict, dict]:
    """(transport options, parser options)"""
    return ({k: v for k, v in options.items() if k in TRANSPORT_OPTIONS},
            {k: v for k, v in options.items() if k not in TRANSPORT_OPTIONS})


def open_nonin(url, options, *, clock, on_health, name, on_reading, on_pleth=None) -> SerialTransport:
    transport, parser = _split(options)
    return SerialTransport(url, NoninParser(clock=clock, on_pleth=on_pleth, **parser), on_reading=on_reading,
                           on_health=on_health, clock=clock, name=name, **transport)


def open_masimo(url, options, *, clock, on_health, name, on_reading) -> SerialTransport:
    transport, parser = _split(options)
    return SerialTransport(url, MasimoParser(clock=clock, **parser), on_reading=on_reading, on_health=on_health,
                           clock=clock, name=name, **transport)


def open_hl7(url, options, *, clock, on_health, name, on_reading, on_pleth=None) -> Hl7MllpServer:
    return Hl7MllpServer(url, on_reading=on_reading, on_health=on_health, clock=clock, name=name,
                         on_pleth=on_pleth, **options)


def open_simulated(url, options, *, clock, on_health, name, on_reading, on_pleth=None,
                   infusion_minutes=None) -> SimulatedVitalsDriver:
    return SimulatedVitalsDriver(on_reading=on_reading, on_health=on_health, clock=clock, name=name,
                                 on_pleth=on_pleth, infusion_minutes=infusion_minutes, **options)
