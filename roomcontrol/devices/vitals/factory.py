"""Open a vitals driver by name, as configuration and the command line spell it.

    nonin (Data Format 7; data_format=2 for DF2, or nonin-df2)  url: any pyserial URL
    masimo (ASCII 1)                                           url: any pyserial URL
    hl7 (ORU^R01 over MLLP, we listen)                        url: mllp://host:port
    simulated (no port)                                        url: ignored
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from roomcontrol.domain.vitals import Health, HealthChange, Reading
from roomcontrol.devices.serial_transport import SerialTransport, check_serial_open
from roomcontrol.devices.vitals.hl7_mllp import Hl7MllpServer, check_listen
from roomcontrol.devices.vitals.masimo import MasimoParser
from roomcontrol.devices.vitals.nonin import NoninParser
from roomcontrol.devices.vitals.simulator import SimulatedVitalsDriver

DRIVERS = ("nonin", "nonin-df2", "nonin-df7", "masimo", "hl7", "simulated")
_TRANSPORT_OPTIONS = ("baudrate", "no_data_after", "backoff_initial", "backoff_max", "read_timeout")


class VitalsDriver(Protocol):
    name: str

    def start(self) -> None: ...

    def stop(self, timeout: float = 2.0) -> None: ...

    @property
    def counters(self) -> dict: ...

    @property
    def health(self) -> Health | None: ...


def open_vitals_driver(driver: str, url: str, *, on_reading: Callable[[Reading], None],
                       on_health: Callable[[HealthChange], None], clock=None, name: str = "vitals",
                       **options) -> VitalsDriver:
    """Build (not start) a driver. Unknown options raise TypeError, so a typo in room.toml is loud.

    Options: nonin: data_format, emit_every, rate_kind, on_pleth; masimo: device_tz, rate_kind;
    serial drivers: baudrate, no_data_after, backoff_initial, backoff_max, read_timeout;
    hl7: labels, device_tz, no_data_after, backoff_initial, backoff_max;
    simulated: model, infusion_minutes, infusion_start_s, on_pleth.
    """
    driver = driver.lower()
    callbacks = {"on_reading": on_reading, "on_health": on_health, "clock": clock, "name": name}
    if driver in ("nonin", "nonin-df7", "nonin-df2"):
        transport = _pop(options, _TRANSPORT_OPTIONS)
        options.setdefault("data_format", 2 if driver == "nonin-df2" else 7)
        return SerialTransport(url, NoninParser(clock=clock, **options), **callbacks, **transport)
    if driver == "masimo":
        transport = _pop(options, _TRANSPORT_OPTIONS)
        return SerialTransport(url, MasimoParser(clock=clock, **options), **callbacks, **transport)
    if driver == "hl7":
        return Hl7MllpServer(url, **callbacks, **options)
    if driver == "simulated":
        return SimulatedVitalsDriver(**callbacks, **options)
    raise ValueError(f"unknown vitals driver {driver!r}; known: {', '.join(DRIVERS)}")


def check_can_open(driver: str, url: str, baudrate: int = 9600) -> None:
    """Raise DeviceOpenError (one line) if the driver's port or address cannot be opened right now."""
    driver = driver.lower()
    if driver == "hl7":
        check_listen(url)
    elif driver != "simulated" and driver in DRIVERS:
        check_serial_open(url, baudrate)


def _pop(options: dict, names) -> dict:
    return {k: options.pop(k) for k in names if k in options}
