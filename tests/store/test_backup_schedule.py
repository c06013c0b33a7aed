"""The nightly backup: [backup] in room.toml, the scheduler thread of the room app, its outcome logged through the
engine (`backup.made`, `backup.failed`) and a failure shown on the screen's top bar."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from roomcontrol.clock import SystemClock
from roomcontrol.config import ConfigError, RoomConfig, load_config
from roomcontrol.config.room import BackupConfig
from roomcontrol.domain import kinds as K
from roomcontrol.engine import backup_schedule as S
from roomcontrol.engine.runtime import start_room
from roomcontrol.store.backup import backup_room, backups, inspect_backup
from tests.core.helpers import make_room, walk_to

ROOT = Path(__file__).resolve().parents[2]
LOCAL = timezone(timedelta(hours=1))  # a clinic one hour east of UTC


def test_backup_table_is_validated_naming_the_key_and_what_is_allowed(tmp_path):
    path = tmp_path / "room.toml"
    path.write_text('[backup]\ndir = "/mnt/backup"\nat = "2:30"\nkeep = 0\nevery = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert 'backup.at = "2:30": must be a local time HH:MM from 00:00 to 23:59' in text
    assert "backup.keep = 0: must be a whole number from 1 to 365" in text
    assert "backup.every: unknown key; known keys in [backup]: dir, at, keep" in text
    path.write_text('[backup]\ndir = "/mnt/backup/roomcontrol"\nat = "23:05"\nkeep = 30\n', encoding="utf-8")
    assert load_config(path).backup == BackupConfig("/mnt/backup/roomcontrol", "23:05", 30)
    assert load_config(path).backup.hour_minute == (23, 5)
    assert not RoomConfig().backup.enabled  # no folder, no nightly backup
    example = load_config(ROOT / "room.example.toml")
    assert example.backup == BackupConfig() and "[backup]" in (ROOT / "room.example.toml").read_text()


def test_last_scheduled_is_today_once_the_time_has_passed_else_yesterday():
    at = datetime(2026, 3, 9, 2, 29, tzinfo=LOCAL)
    assert S.last_scheduled(at, 2, 30) == datetime(2026, 3, 8, 2, 30, tzinfo=LOCAL)
    assert S.last_scheduled(at + timedelta(minutes=1), 2, 30) == datetime(2026, 3, 9, 2, 30, tzinfo=LOCAL)


def _nightly(tmp_path: Path, now: datetime, folder: Path | None = None) -> S.NightlyBackup:
    room = make_room(tmp_path / "d")
    return S.NightlyBackup(room, BackupConfig(str(folder or tmp_path / "bk"), "02:30", 3), tmp_path / "d",
                           now=lambda: now)


def test_a_backup_missed_while_the_pc_was_off_is_due_at_start_else_the_next_night(tmp_path):
    now = datetime(2026, 3, 9, 8, 0, tzinfo=LOCAL)
    nightly = _nightly(tmp_path, now)
    assert nightly.first_due() == now  # no backup at all yet
    # Made last night at 02:30 local: the next is tonight.
    backup_room(tmp_path / "d", tmp_path / "bk", now=datetime(2026, 3, 9, 1, 30, 5, tzinfo=timezone.utc))
    assert nightly.first_due() == datetime(2026, 3, 10, 2, 30, tzinfo=LOCAL)
    # The PC was off last night: the newest backup is from the night before, so it runs now.
    nightly.now = lambda: now + timedelta(days=1)
    assert nightly.first_due() == now + timedelta(days=1)
    nightly.room.close()


def test_the_outcome_is_logged_through_the_engine(tmp_path):
    now = datetime(2026, 3, 9, 8, 0, tzinfo=LOCAL)
    nightly = _nightly(tmp_path, now)
    assert nightly.run_once()
    [made] = list(nightly.room.log.events(kinds=(K.BACKUP_MADE,)))
    assert made.actor == "system" and made.payload["last_seq"] == made.seq - 1
    assert Path(made.payload["path"]).exists() and made.payload["bytes"] == Path(made.payload["path"]).stat().st_size
    assert nightly.failure is None
    nightly.room.close()


def test_a_failure_is_logged_with_its_reason_kept_until_a_backup_succeeds(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the share should be mounted")
    nightly = _nightly(tmp_path, datetime(2026, 3, 9, 8, 0, tzinfo=LOCAL), folder=blocker / "roomcontrol")
    assert not nightly.run_once()
    [failed] = list(nightly.room.log.events(kinds=(K.BACKUP_FAILED,)))
    assert "cannot use the backup folder" in failed.payload["reason"] and nightly.failure == failed.payload["reason"]
    nightly.config = dataclasses.replace(nightly.config, dir=str(tmp_path / "bk"))
    assert nightly.run_once() and nightly.failure is None
    nightly.room.close()


def test_the_room_runs_a_missed_backup_at_start_on_its_own_thread(tmp_path):
    room = make_room(tmp_path / "d")
    walk_to(room, "infusing")
    room.close()
    seen, made = [], threading.Event()

    def listen(event):
        seen.append((event.kind, threading.current_thread().name))
        if event.kind == K.BACKUP_MADE:
            made.set()

    config = RoomConfig(backup=BackupConfig(str(tmp_path / "bk"), "02:30", 14))
    runtime = start_room(config, tmp_path / "d", clock=SystemClock(), audio=False, staff_gate=False,
                         listeners=[listen])
    try:
        assert made.wait(20), seen
        assert runtime.backup is not None and runtime.backup.next_due > datetime.now().astimezone()
        assert (K.BACKUP_MADE, "room-engine") in seen  # logged by the engine, the single writer
    finally:
        runtime.close()
    [copy] = backups(tmp_path / "bk", "roomcontrol-room-1-")
    assert inspect_backup(copy).ok


def test_a_failed_nightly_backup_shows_on_the_top_bar(tmp_path, qtbot):
    from roomcontrol.cli.staff import add_staff
    from roomcontrol.ui.app import start_screen
    from roomcontrol.ui.window import RoomWindow
    blocker = tmp_path / "share"
    blocker.write_text("not mounted")
    config = RoomConfig(backup=BackupConfig(str(blocker / "roomcontrol"), "02:30", 14))
    add_staff(tmp_path / "d", "rn.ada", "Ada Lovelace", "nurse", "2468")
    screen = start_screen(config, tmp_path / "d", audio=False)
    window = RoomWindow(screen.controller, scale=1.0)
    qtbot.addWidget(window)
    window.show()
    try:
        screen.controller.unlock("rn.ada", "2468")  # the top bar is the signed-in nurse's (the lock screen is the patient's)
        qtbot.waitUntil(lambda: window.topbar.backup.isVisible(), timeout=10000)
        assert "The nightly backup failed: cannot use the backup folder" in window.topbar.backup.toolTip()
        assert window.topbar.backup.text() == "Backup failed"
    finally:
        window.close()
        screen.close()


def test_a_damaged_database_is_a_failure_not_the_end_of_the_thread(tmp_path):
    nightly = _nightly(tmp_path, datetime(2026, 3, 9, 8, 0, tzinfo=LOCAL))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "room.db").write_bytes(b"not a database, " * 512)
    nightly.data_dir = bad  # the file to back up is damaged; the room logging the outcome is fine
    assert not nightly.run_once()
    [failed] = list(nightly.room.log.events(kinds=(K.BACKUP_FAILED,)))
    assert "file is not a database" in failed.payload["reason"]
    assert not (tmp_path / "bk").exists() or not list((tmp_path / "bk").iterdir())  # nothing half-made
    nightly.room.close()
