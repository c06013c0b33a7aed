"""A real room for the screen: a started engine, simulated devices (no sound card), one staff account, and the
window on the offscreen platform. The clock is the system clock plus an offset the test can move forward,
so a 40-minute infusion takes no time while device threads keep running in real time."""

from __future__ import annotations

import pytest

from roomcontrol.config import RoomConfig
from roomcontrol.cli.staff import add_staff
from roomcontrol.ui.widgets.buttons import HoldButton
from tests.ui.helpers import NURSE, PIN, room_window  # noqa: F401 (NURSE, PIN: the tests import them here)


@pytest.fixture
def ui(tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(HoldButton, "hold_ms", 150)
    add_staff(tmp_path, NURSE, "Ada Lovelace", "nurse", PIN)
    add_staff(tmp_path, "admin.grace", "Grace Hopper", "admin", "9753")
    with room_window(tmp_path, qtbot, RoomConfig()) as ui:
        yield ui
