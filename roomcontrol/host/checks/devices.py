"""The configured devices: the monitor listened to (bounded), output-only ports only opened, the sound output
opened and closed."""

from __future__ import annotations

import io
import json
import os

from roomcontrol.config import RoomConfig
from roomcontrol.host.checks.result import FAIL, OK, WARN, Check


def check_devices(config: RoomConfig, probe_s: float) -> list[Check]:
    from roomcontrol.devices.errors import DeviceOpenError
    from roomcontrol.devices.serial_transport import check_serial_open
    out = []
    for kind, dev in config.devices.items():
        if kind == "audio":
            continue
        name = f"{kind} ({dev.driver})"
        if dev.driver == "simulated":
            if kind == "vitals":
                out.append(Check(name, WARN, "simulated: no monitor is configured",
                                 "set [devices.vitals] driver and url in room.toml (see room.example.toml)"))
            else:
                out.append(Check(name, OK, "simulated (none installed)"))
            continue
        try:
            if kind == "vitals":
                out.append(_probe_monitor(name, dev, probe_s))
                continue
            check_serial_open(dev.url, int(dev.options.get("baudrate", 9600)))
            out.append(Check(name, OK, f"port {dev.url} opens (output only: doctor sends it nothing; "
                                       f"`roomcontrol probe {'light' if kind == 'lighting' else kind}` drives it)"))
        except DeviceOpenError as exc:
            out.append(Check(name, FAIL, f"{kind} port {dev.url} cannot be opened: {exc}",
                             "check the cable and the port name (`roomcontrol ports` lists this PC's ports); "
                             "stop the room app first, it holds its ports"))
    return out


def _probe_monitor(name: str, dev, probe_s: float) -> Check:
    """Listen to the monitor with the configured driver for `probe_s` and say what it sent."""
    from roomcontrol.devices.vitals import probe_vitals
    sink = io.StringIO()
    counters = probe_vitals(dev.driver, dev.url, probe_s, sink, **dev.options)
    lines = [json.loads(line) for line in sink.getvalue().splitlines() if line.strip()]
    readings = [d for d in lines if "kind" in d and "value" in d]
    if not readings:
        heard = f" (driver counters: {_short(counters)})" if counters else ""
        return Check(name, WARN, f"{dev.url} opens but no reading came in {probe_s:g} s{heard}",
                     "is the monitor on, its cable in and its serial output set to the configured format?")
    latest: dict[str, str] = {}
    for r in readings:
        latest[r["kind"]] = f"{r['value']:g}" if isinstance(r["value"], (int, float)) else str(r["value"])
    shown = ", ".join(f"{k} {v}" for k, v in list(latest.items())[:5])
    return Check(name, OK, f"{dev.url}: {len(readings)} readings in {probe_s:g} s ({shown})")


def _short(counters: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counters.items() if v)[:200]


def check_sound(config: RoomConfig) -> Check:
    dev = config.devices["audio"]
    if dev.driver == "none":
        return Check("sound", WARN, "no sound configured ([devices.audio] driver = \"none\"): alarm tones are silent",
                     "set [devices.audio] driver = \"pygame\" and connect speakers")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    try:
        pygame.mixer.init()
        freq, _, channels = pygame.mixer.get_init()
    except pygame.error as exc:
        return Check("sound", FAIL, f"no sound output ({str(exc).strip()}): alarm tones would be silent",
                     "connect speakers or a sound card and check the PC's default output device")
    finally:
        pygame.mixer.quit()
    driver = os.environ.get("SDL_AUDIODRIVER") or "the system default"
    return Check("sound", OK, f"output opens: {freq} Hz, {channels} channels ({driver})")
