"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from roomcontrol.config import RoomConfig
from tests.core.helpers import make_room, shipped_protocols_config


@pytest.fixture
def protocols_config(tmp_path) -> RoomConfig:
    """A room.toml (in tmp_path) whose [session] enables every shipped protocol, loaded as the room loads it."""
    return shipped_protocols_config(tmp_path)


@pytest.fixture
def protocol_room(tmp_path, protocols_config):
    """A room on a FakeClock (its data in tmp_path) under protocols_config."""
    return make_room(tmp_path, protocols_config)
