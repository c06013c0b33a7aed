"""Fixtures shared by the core tests."""

from __future__ import annotations

import pytest

from roomcontrol.config import RoomConfig
from tests.core import helpers as H
from tests.core.helpers import make_room


@pytest.fixture
def protocols_config() -> RoomConfig:
    """A room config whose [session] enables every shipped protocol."""
    return H.protocols_config()


@pytest.fixture
def protocol_room(tmp_path, protocols_config):
    """A room on a FakeClock (its data in tmp_path) under protocols_config."""
    return make_room(tmp_path, protocols_config)
