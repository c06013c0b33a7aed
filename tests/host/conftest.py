"""Fixtures shared by the doctor's tests."""

from __future__ import annotations

import pytest

from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.hub.store import add_room
from tests.sync.helpers import ROOM


@pytest.fixture
def hub(tmp_path):
    """The real hub on loopback with ROOM registered: (the running hub, the room's token)."""
    db = HubDB(str(tmp_path / "hub.db"))
    token = add_room(db, ROOM)
    with ThreadedHub(db) as server:
        yield server, token
    db.close()
