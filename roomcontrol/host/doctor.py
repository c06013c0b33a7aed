"""`roomcontrol doctor`: what an installer checks before leaving a room PC, as a list of Check results.

Each check says OK, WARN or FAIL, what it found and what to do. Nothing here changes the room: the serial
monitors are only listened to (the probe of `roomcontrol probe vitals`, bounded), output-only devices (light,
diffuser) are only opened, the database is opened read-only, the hub gets an empty batch (as the room's pusher
sends to check its head) and the sleep inhibit is taken and given back at once. The backup folder gets a
temporary file (written and removed) to prove it is writable. The live channel is probed with one idle `state`
only while the room app is not running: the hub keeps the newest connection per room, so a probe beside a
running room would replace (kick) the room's own channel.

The checks live in roomcontrol/host/checks/, a module per family (devices and sound, display, disk and database,
hub and clock, backup, station, sleep), with the Check result and the report (exit code, JSON); this module walks
them in order and keeps their names importable here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from roomcontrol.config import RoomConfig
from roomcontrol.host.checks.backup import BACKUP_STALE_S, check_backup
from roomcontrol.host.checks.devices import check_devices, check_sound
from roomcontrol.host.checks.display import MIN_SCREEN, check_display
from roomcontrol.host.checks.hub import (CLOCK_FAIL_S, CLOCK_WARN_S, HUB_TIMEOUT_S, check_hub_and_clock,
                                         classify_offset, clock_check, hub_offset)
from roomcontrol.host.checks.report import EXIT, exit_code, to_json
from roomcontrol.host.checks.result import FAIL, OK, WARN, Check
from roomcontrol.host.checks.sleep import check_sleep
from roomcontrol.host.checks.station import check_station, idle_state, room_app_running
from roomcontrol.host.checks.storage import (DAY_ESTIMATE_BYTES, SESSION_BYTES, SESSIONS_PER_DAY, bytes_per_day,
                                             check_database, check_disk)

__all__ = ["BACKUP_STALE_S", "CLOCK_FAIL_S", "CLOCK_WARN_S", "DAY_ESTIMATE_BYTES", "EXIT", "FAIL", "HUB_TIMEOUT_S",
           "MIN_SCREEN", "OK", "SESSIONS_PER_DAY", "SESSION_BYTES", "WARN", "Check", "bytes_per_day",
           "check_backup", "check_database", "check_devices", "check_disk", "check_display", "check_hub_and_clock",
           "check_sleep", "check_sound", "check_station", "classify_offset", "clock_check", "exit_code",
           "hub_offset", "idle_state", "room_app_running", "run_checks", "to_json"]


def run_checks(config: RoomConfig, data_dir: Path, *, probe_s: float = 3.0, headless: bool = False,
               display: Callable[[], dict | None] | None = None, disk_warn_days: float = 365.0,
               disk_fail_days: float = 30.0, inhibit: dict[str, Any] | None = None) -> list[Check]:
    """Every check, in the order an installer walks the room. `display` returns the Qt screen facts (the ui
    layer's) or None when there is no display; `inhibit` passes bus addresses to the sleep probe (tests)."""
    checks = check_devices(config, probe_s)
    checks.append(check_sound(config))
    checks.append(check_display(None if headless or display is None else display(), headless))
    checks.append(check_disk(data_dir, disk_warn_days, disk_fail_days))
    checks.append(check_database(data_dir, config.room_id))
    checks.append(check_backup(config, data_dir))
    checks.extend(check_hub_and_clock(config))
    station = check_station(config, data_dir)
    if station is not None:
        checks.append(station)
    checks.append(check_sleep(inhibit or {}))
    return checks
