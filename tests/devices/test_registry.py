"""The driver registry: the names room.toml uses, the options each driver takes, one way to open them all."""

from __future__ import annotations

import importlib
from dataclasses import fields

import pytest

from roomcontrol.clock import FakeClock
from roomcontrol.devices.audio.config import AudioConfig
from roomcontrol.devices.lighting.config import LightingConfig
from roomcontrol.devices.registry import DRIVERS, default_driver, open_device
from roomcontrol.domain.vitals import Health


def _open(kind, driver, url="", options=None, **hooks):
    return open_device(kind, driver, url, options or {}, clock=FakeClock(), on_health=None, name=kind, **hooks)


def test_every_factory_resolves():
    for kind, drivers in DRIVERS.items():
        for name, driver in drivers.items():
            if driver.factory:
                module, function = driver.factory.split(":")
                assert callable(getattr(importlib.import_module(module), function)), (kind, name)


def test_option_lists_follow_the_settings_they_feed():
    assert set(DRIVERS["audio"]["pygame"].options) == {f.name for f in fields(AudioConfig)}
    LightingConfig.from_dict({k: LightingConfig.__dataclass_fields__[k].default
                              for k in DRIVERS["lighting"]["simulated"].options if k != "zones"})


def test_defaults_are_the_simulated_room():
    assert {default_driver(kind) for kind in DRIVERS} == {"simulated", "pygame"}


def test_a_wrong_option_names_itself_and_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown option\(s\) speed for vitals driver 'masimo'; known: device_tz"):
        _open("vitals", "masimo", "/dev/null", {"speed": 3}, on_reading=print)
    with pytest.raises(ValueError, match="unknown lighting driver 'hue'; known: simulated, enttec_pro"):
        _open("lighting", "hue")


def test_hooks_go_to_the_drivers_that_take_them():
    readings = []
    masimo = _open("vitals", "masimo", "/dev/null", on_reading=readings.append, on_pleth=print,
                   infusion_minutes=lambda: None)
    assert masimo.name == "vitals"
    simulated = _open("vitals", "simulated", on_reading=readings.append, on_pleth=print)
    assert simulated._on_pleth is print


def test_audio_none_is_no_device():
    assert _open("audio", "none") is None


def test_simulated_devices_share_the_lifecycle_and_close_leaves_the_diffuser_off():
    diffuser = _open("diffuser", "simulated", options={"max_run_s": 60})
    lighting = _open("lighting", "simulated")
    for device in (diffuser, lighting):
        device.start()
    diffuser.mist()
    for device in (diffuser, lighting):
        device.close()
        device.close()
    assert diffuser.max_run_s == 60
    assert diffuser.switch.history[-1] is False and diffuser.health is Health.OK
