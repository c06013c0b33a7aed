"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from roomcontrol.config import RoomConfig, load_config
from tests.core.helpers import make_room

SHIPPED_PROTOCOLS = ("ketamine-depression", "ketamine-pain", "esketamine-nasal")


@pytest.fixture
def protocols_config(tmp_path) -> RoomConfig:
    """A room.toml (in tmp_path) whose [session] enables every shipped protocol, loaded as the room loads it."""
    path = tmp_path / "room.toml"
    quoted = ", ".join(f'"{p}"' for p in SHIPPED_PROTOCOLS)
    path.write_text(f"[session]\nprotocols = [{quoted}]\n")
    return load_config(path)


@pytest.fixture
def protocol_room(tmp_path, protocols_config):
    """A room on a FakeClock (its data in tmp_path) under protocols_config."""
    return make_room(tmp_path, protocols_config)
