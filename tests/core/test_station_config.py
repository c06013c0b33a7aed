"""room.toml's [station] table: the live channel follows [sync] unless told, shows the patient as configured, and
a wrong value names its key and what is allowed."""

from __future__ import annotations

import pytest

from roomcontrol.config.room import ConfigError, RoomConfig, StationConfig, load_config, parse_config

HUB = {"enabled": True, "hub_url": "https://hub.clinic.local:8443", "token": "t0k"}


def parse(raw: dict) -> tuple[RoomConfig, list[str]]:
    errors: list[str] = []
    return parse_config(raw, errors), errors


def test_defaults_follow_sync():
    assert RoomConfig().station == StationConfig(enabled=False, show_patient="initials")
    config, errors = parse({"sync": HUB})
    assert not errors and config.station == StationConfig(enabled=True, show_patient="initials")
    config, errors = parse({"sync": HUB, "station": {"enabled": False, "show_patient": "none"}})
    assert not errors and config.station == StationConfig(enabled=False, show_patient="none")
    config, errors = parse({"sync": {**HUB, "enabled": False}, "station": {"enabled": True,
                                                                          "show_patient": "reference"}})
    assert not errors and config.station.enabled and config.station.show_patient == "reference"


def test_wrong_values_name_the_key_and_what_is_allowed():
    _, errors = parse({"station": {"enabled": "yes", "show_patient": "full", "colour": 1}})
    assert 'station.enabled = "yes": must be true or false' in errors
    assert 'station.show_patient = "full": must be one of "initials", "reference", "none"' in errors
    assert any(e.startswith("station.colour: unknown key; known keys in [station]: enabled, show_patient")
               for e in errors)
    _, errors = parse({"station": {"enabled": True}})
    assert errors == ["station.enabled = true: needs sync.hub_url and sync.token (the live channel goes to the hub)"]


def test_the_example_room_toml_documents_station(tmp_path):
    config = load_config("room.example.toml")
    assert config.station.show_patient == "initials"
    bad = tmp_path / "room.toml"
    bad.write_text('[station]\nshow_patient = "everything"\n')
    with pytest.raises(ConfigError, match="station.show_patient"):
        load_config(bad)
