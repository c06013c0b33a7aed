"""Every device driver by the name room.toml gives it: `[devices.KIND] driver = NAME`.

For each kind (vitals, lighting, diffuser, audio) the drivers in the order shown to installers (the first is the
default of a room without room.toml), the options each accepts and the hooks it takes, and one way to open any
of them: `open_device(kind, driver, url, options, clock=, on_health=, name=, **hooks)`. Config validation reads
the same table. Factories are named "module:function" and imported only when a device is opened, so loading the
configuration imports neither pyserial nor pygame.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from roomcontrol.devices.base import HealthCallback

SERIAL = ("baudrate", "no_data_after", "backoff_initial", "backoff_max", "read_timeout")
VITALS_HOOKS = ("on_reading", "on_pleth", "infusion_minutes")
LIGHTING = ("zones", "curve", "fade_rate", "refresh_hz", "keepalive_s")
MIST = ("max_run_s", "resend_s")
RELAY = ("backoff_initial", "backoff_max")
AUDIO = ("frequency", "buffer", "min_volume", "max_volume", "volume", "fade_s", "crossfade_s", "duck_to",
         "duck_chime_to", "duck_s", "alarm_volume", "chime_volume", "chime_file", "retry_s")


@dataclass(frozen=True)
class Driver:
    factory: str | None                 # "module:function"; None: the device is left out (audio "none")
    options: tuple[str, ...] = ()       # keys allowed in [devices.KIND.options]
    hooks: tuple[str, ...] = ()         # callbacks the factory takes besides on_health
    needs_url: bool = True


def _at(module: str, function: str) -> str:
    return f"roomcontrol.devices.{module}:{function}"


DRIVERS: dict[str, dict[str, Driver]] = {
    "vitals": {
        "simulated": Driver(_at("vitals.factory", "open_simulated"), ("model", "infusion_start_s"),
                            VITALS_HOOKS, needs_url=False),
        "nonin": Driver(_at("vitals.factory", "open_nonin"), ("data_format", "emit_every", "rate_kind", *SERIAL),
                        ("on_reading", "on_pleth")),
        "masimo": Driver(_at("vitals.factory", "open_masimo"), ("device_tz", "rate_kind", *SERIAL), ("on_reading",)),
        # bed: the one bed this room takes from a gateway that serves several (PV1-3, OBX-18 or MSH-3/4)
        "hl7": Driver(_at("vitals.factory", "open_hl7"),
                      ("bed", "labels", "device_tz", "alert_hold_s", "no_data_after", "backoff_initial",
                       "backoff_max", "poll"),
                      ("on_reading", "on_pleth")),
        # Philips IntelliVue MP/MX, Data Export protocol on the MIB/RS232 port (115200 baud)
        "intellivue": Driver(_at("vitals.intellivue.driver", "open_intellivue"),
                             ("baudrate", "poll_interval", "alert_interval", "keepalive_s", "no_data_after",
                              "assoc_timeout", "backoff_initial", "backoff_max", "read_timeout"), ("on_reading",)),
    },
    "lighting": {
        "simulated": Driver(_at("lighting.factory", "open_simulated"), LIGHTING, needs_url=False),
        "enttec_pro": Driver(_at("lighting.factory", "open_enttec_pro"),
                             (*LIGHTING, "baudrate", "backoff_initial", "backoff_max")),
    },
    "diffuser": {
        "simulated": Driver(_at("diffuser.factory", "open_simulated"), MIST, ("on_change",), needs_url=False),
        "lcus_relay": Driver(_at("diffuser.factory", "open_lcus_relay"), ("channel", *MIST, *RELAY), ("on_change",)),
        "serial_line": Driver(_at("diffuser.factory", "open_serial_line"), ("on", "off", "baudrate", *MIST, *RELAY),
                              ("on_change",)),
    },
    "audio": {
        "pygame": Driver(_at("audio.factory", "open_pygame"), AUDIO, needs_url=False),
        "none": Driver(None, needs_url=False),
    },
}


def driver_names(kind: str) -> tuple[str, ...]:
    return tuple(DRIVERS[kind])


def default_driver(kind: str) -> str:
    return driver_names(kind)[0]


def unknown_options(kind: str, driver: str, options) -> list[str]:
    allowed = DRIVERS[kind][driver].options
    return [key for key in options if key not in allowed]


def open_device(kind: str, driver: str, url: str, options: dict, *, clock, on_health: HealthCallback | None,
                name: str, **hooks):
    """Build (not start) the `driver` of `kind`; None for a driver that means "no device". Hooks the driver
    does not take are dropped (the engine offers every vitals hook to every vitals driver). A wrong option name
    raises ValueError naming it and the allowed ones; a wrong value raises from the driver (ValueError/TypeError).
    """
    if kind not in DRIVERS:
        raise ValueError(f"unknown device kind {kind!r}; known: {', '.join(DRIVERS)}")
    entry = DRIVERS[kind].get(driver)
    if entry is None:
        raise ValueError(f"unknown {kind} driver {driver!r}; known: {', '.join(DRIVERS[kind])}")
    unknown = unknown_options(kind, driver, options)
    if unknown:
        raise ValueError(f"unknown option(s) {', '.join(unknown)} for {kind} driver {driver!r}; "
                         f"known: {', '.join(entry.options) or 'none'}")
    if entry.factory is None:
        return None
    module, function = entry.factory.split(":")
    factory = getattr(importlib.import_module(module), function)
    taken = {k: v for k, v in hooks.items() if k in entry.hooks}
    return factory(url, dict(options), clock=clock, on_health=on_health, name=name, **taken)
