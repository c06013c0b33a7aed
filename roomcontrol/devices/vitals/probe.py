"""`roomcontrol probe vitals`: talk to one monitor and print what we understand, one JSON object a line.

An installer commissioning a monitor runs this to see readings and health exactly as the room would get them.
"""

from __future__ import annotations

import json
import threading
from typing import TextIO

from roomcontrol.devices.registry import DRIVERS, open_device
from roomcontrol.devices.serial_transport import check_serial_open
from roomcontrol.devices.vitals.hl7_mllp import check_listen
from roomcontrol.domain.timefmt import iso_utc
from roomcontrol.domain.vitals import HealthChange, Reading

# The probe's shorthands for a Nonin data format (room.toml says driver "nonin" with option data_format).
NONIN_FORMATS = {"nonin-df2": 2, "nonin-df7": 7}


def health_json(change: HealthChange) -> dict:
    return {"health": change.health.value, "device": change.device, "ts": iso_utc(change.ts),
            "detail": change.detail}


def probe_vitals(driver: str, url: str, seconds: float, out: TextIO, *, clock=None, name: str = "vitals",
                 stop_event: threading.Event | None = None, list_beds: bool = False, **options) -> dict:
    """Run the driver for `seconds` (or until `stop_event`), writing each reading and health change to `out`;
    for hl7, a last line `{"beds": [...]}` with every bed the gateway sent (its PV1-3 location and each id a
    room's `bed` option may name). `list_beds` prints only that line.

    Raises DeviceOpenError before anything is written if the port (or listening address) cannot be opened.
    Returns the driver's counters.
    """
    if driver in NONIN_FORMATS:
        driver, options = "nonin", {"data_format": NONIN_FORMATS[driver], **options}
    check_can_open(driver, url, options.get("baudrate", 9600))
    lock = threading.Lock()
    stop_event = stop_event or threading.Event()

    def write(obj: dict) -> None:
        with lock:
            if stop_event.is_set():
                return
            try:
                out.write(json.dumps(obj) + "\n")
                out.flush()
            except BrokenPipeError:  # the reader went away (`| head`): end the probe quietly
                stop_event.set()

    quiet = list_beds and driver == "hl7"

    def on_reading(r: Reading) -> None:
        if not quiet:
            write(Reading.to_json(r))

    def on_health(h: HealthChange) -> None:
        if not quiet:
            write(health_json(h))

    device = open_device("vitals", driver, url, options, clock=clock, name=name, on_reading=on_reading,
                         on_health=on_health)
    device.start()
    try:
        stop_event.wait(seconds)
    finally:
        device.close()
    if driver == "hl7":
        with lock:
            try:
                out.write(json.dumps({"beds": device.beds()}) + "\n")
                out.flush()
            except BrokenPipeError:
                pass
    return device.counters


def check_can_open(driver: str, url: str, baudrate: int = 9600) -> None:
    """Raise DeviceOpenError (one line) if the driver's port or address cannot be opened right now."""
    if driver == "hl7":
        check_listen(url)
    elif DRIVERS["vitals"][driver].needs_url:
        check_serial_open(url, baudrate)
