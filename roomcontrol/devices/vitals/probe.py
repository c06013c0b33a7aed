"""`roomcontrol probe vitals`: talk to one monitor and print what we understand, one JSON object a line.

An installer commissioning a monitor runs this to see readings and health exactly as the room would get them.
"""

from __future__ import annotations

import json
import threading
from typing import TextIO

from roomcontrol.domain.vitals import HealthChange, Reading
from roomcontrol.devices.serial_transport import DeviceOpenError  # noqa: F401  (re-exported for the CLI)
from roomcontrol.devices.vitals.factory import check_can_open, open_vitals_driver
from roomcontrol.domain.timefmt import iso_utc


def health_json(change: HealthChange) -> dict:
    return {"health": change.health.value, "device": change.device, "ts": iso_utc(change.ts),
            "detail": change.detail}


def probe_vitals(driver: str, url: str, seconds: float, out: TextIO, *, clock=None, name: str = "vitals",
                 stop_event: threading.Event | None = None, **options) -> dict:
    """Run the driver for `seconds` (or until `stop_event`), writing each reading and health change to `out`.

    Raises DeviceOpenError before anything is written if the port (or listening address) cannot be opened.
    Returns the driver's counters.
    """
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

    device = open_vitals_driver(driver, url, clock=clock, name=name,
                                on_reading=lambda r: write(Reading.to_json(r)),
                                on_health=lambda h: write(health_json(h)), **options)
    device.start()
    try:
        stop_event.wait(seconds)
    finally:
        device.stop()
    return device.counters
