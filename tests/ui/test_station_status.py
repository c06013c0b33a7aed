"""The room screen while its live channel to the clinic station is down: a calm "Station not reached" in the top
bar beside the sync status (its reason in the tooltip), gone once the hub answers; nothing when [station] is off.
The hub is a real websockets server on loopback that comes up after the room."""

from __future__ import annotations

import threading

from websockets.sync.server import serve

from roomcontrol.cli.staff import add_staff
from roomcontrol.clock import OffsetClock
from roomcontrol.config import RoomConfig
from roomcontrol.config.room import StationConfig, SyncConfig
from roomcontrol.ui.app import start_screen
from roomcontrol.ui.window import RoomWindow
from tests.sync.test_live_client import free_port


def open_window(tmp_path, qtbot, config):
    """The room's window with a nurse signed in (the top bar is the staff's; the locked screen is the patient's)."""
    add_staff(tmp_path, "rn.ada", "Ada Lovelace", "nurse", "2468")
    screen = start_screen(config, tmp_path, clock=OffsetClock(), audio=False, idle_lock_s=600)
    window = RoomWindow(screen.controller, scale=1.0)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    screen.controller.unlock("rn.ada", "2468")
    qtbot.waitUntil(lambda: window.topbar.isVisible(), timeout=10000)
    return screen, window


def test_station_not_reached_shows_calmly_and_goes_when_the_hub_answers(tmp_path, qtbot):
    port = free_port()
    config = RoomConfig(sync=SyncConfig(enabled=True, hub_url=f"http://127.0.0.1:{port}", token="t"),
                        station=StationConfig(enabled=True))
    screen, window = open_window(tmp_path, qtbot, config)
    hub = None
    try:
        bar = window.topbar
        qtbot.waitUntil(lambda: bar.station.isVisible(), timeout=10000)
        assert bar.station.text() == "○ Station not reached"
        assert "connection refused" in bar.station.toolTip()
        assert not window.banner.active  # a status, not an alarm
        hub = serve(lambda conn: [None for _ in conn], "127.0.0.1", port)
        threading.Thread(target=hub.serve_forever, daemon=True).start()
        qtbot.waitUntil(lambda: not bar.station.isVisible(), timeout=15000)
    finally:
        window.close()
        screen.close()
        if hub is not None:
            hub.shutdown()


def test_nothing_is_shown_when_the_station_is_off(tmp_path, qtbot):
    screen, window = open_window(tmp_path, qtbot, RoomConfig())
    try:
        qtbot.waitUntil(lambda: screen.controller.last is not None, timeout=5000)
        qtbot.wait(300)
        assert screen.runtime.live.status == "disabled" and not window.topbar.station.isVisible()
    finally:
        window.close()
        screen.close()
