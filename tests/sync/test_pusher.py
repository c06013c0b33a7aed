"""The room side: the pusher thread against a real hub on loopback, its status, `sync status` and `sync now`."""

from __future__ import annotations

import ast
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from roomcontrol.config.room import RoomConfig, SyncConfig
from roomcontrol.store.errors import StoreError
from roomcontrol.store.outbox import Outbox
from roomcontrol.sync import cli_support
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.pusher import SyncPusher
from roomcontrol.sync.status import SyncStatus
from tests.sync.helpers import ROOM, T0, RoomDB, all_hub_events, all_hub_vitals, assert_exactly_once, free_port, \
    wait_until

FAST = dict(backoff_base_s=0.02, backoff_max_s=0.2, timeout_s=5)


def test_hub_down_while_1000_events_are_logged_then_up(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    statuses: list[SyncStatus] = []
    port = free_port()
    pusher = SyncPusher(room.path, ROOM, f"http://127.0.0.1:{port}", token, batch_size=100, interval_s=0.05,
                        on_status=statuses.append, **FAST).start()
    try:
        # The engine (this thread) logs 1,000 events in small commits while the pusher keeps failing to connect.
        for i in range(100):
            room.log_events(10, T0 + timedelta(seconds=i))
            if i % 10 == 0:
                room.log_vitals(5, T0 + timedelta(seconds=i))
        wait_until(lambda: pusher.status.state == "offline" and pusher.status.backlog_events == 1000,
                   what="offline with the whole backlog")
        assert pusher.status.headline().startswith("Offline — 1,000 events waiting")  # and maybe the next try
        assert "cannot reach the hub" in pusher.status.last_error
        assert Outbox(room.path).cursor().last_seq == 0
        with ThreadedHub(hubdb, port=port):
            wait_until(lambda: pusher.status.state == "synced" and pusher.status.backlog_events == 0,
                       what="synced")
            assert pusher.status.headline() == "Synced just now"
            # ...and what is logged while the hub is up follows at once after notify().
            room.log_events(3)
            pusher.notify()
            wait_until(lambda: len(all_hub_events(hubdb)) == 1003, what="the 3 later events")
    finally:
        pusher.stop()
    hub_events = assert_exactly_once(hubdb, room.path)
    received = [e["received_at"] for e in hub_events]
    assert received == sorted(received)  # they arrived in seq order
    assert len(all_hub_vitals(hubdb)) == 50
    assert {"offline", "syncing", "synced"} <= {s.state for s in statuses}
    room.close()


def test_a_skewed_room_clock_reorders_and_drops_nothing(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    # The room's clock jumps back a day, forward a year, then back again: seq is the order, not ts.
    for ts in (T0, T0 - timedelta(days=1), T0 + timedelta(days=365), T0 - timedelta(hours=3)):
        room.log_events(25, ts)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=30)
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok and result.sent_events == 100 and result.batches == 4
    events = assert_exactly_once(hubdb, room.path)
    assert [e["ts"][:10] for e in events[::25]] == ["2026-03-01", "2026-02-28", "2027-03-01", "2026-03-01"]
    assert all(e["received_at"] >= "2026" for e in events)  # the hub's own time, kept next to the room's
    room.close()


def test_status_headlines():
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    s = SyncStatus("offline", backlog_events=132)
    assert s.headline(now) == "Offline — 132 events waiting"
    assert replace(s, state="synced", backlog_events=0, last_success=now - timedelta(minutes=2)).headline(now) \
        == "Synced 2 min ago"
    assert replace(s, state="syncing", backlog_events=1).headline(now) == "Syncing — 1 event waiting"
    assert replace(s, state="refused").headline(now) == "Hub refused sync — 132 events waiting"
    assert SyncStatus("idle").headline(now) == "Nothing to sync yet"
    assert SyncStatus("disabled").headline(now) == "Sync off"
    assert SyncStatus("synced", 4, last_success=now - timedelta(hours=3)).headline(now) == \
        "Synced 3 h ago — 4 events waiting"


def test_backoff_grows_with_jitter_and_is_capped():
    p = SyncPusher("unused.db", ROOM, "http://127.0.0.1:9", "t", backoff_base_s=1, backoff_max_s=60)
    waits = [p._backoff() for _ in range(10)]
    for n, w in enumerate(waits[:6]):
        assert 2 ** n / 2 <= w <= 2 ** n
    assert all(30 <= w <= 60 for w in waits[6:])
    again = SyncPusher("unused.db", ROOM, "http://127.0.0.1:9", "t", backoff_base_s=1, backoff_max_s=60)
    assert [again._backoff() for _ in range(10)] != waits  # jitter: rooms do not retry in lockstep


def test_sync_status_and_sync_now_functions(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(40)
    room.log_vitals(4)
    port = free_port()
    config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url=f"http://127.0.0.1:{port}",
                                                      token=token, batch_size=25))
    status = cli_support.sync_status(room.path, config)
    assert status["state"] == "idle" and status["backlog_events"] == 40 and status["backlog_vitals"] == 4
    assert status["last_success"] is None and status["headline"] == "Not synced yet — 40 events waiting"

    down = cli_support.sync_now(room.path, config, **FAST)
    assert down["ok"] is False and "cannot reach the hub" in down["error"]
    status = cli_support.sync_status(room.path, config)
    assert status["state"] == "offline" and status["headline"] == "Offline — 40 events waiting"
    assert status["last_error"] == down["error"] and status["last_error_at"]

    with ThreadedHub(hubdb, port=port):
        done = cli_support.sync_now(room.path, config)
    assert done["ok"] and done["sent_events"] == 40 and done["sent_vitals"] == 4 and done["batches"] == 2
    status = cli_support.sync_status(room.path, config)
    assert status["state"] == "synced" and status["backlog_events"] == 0 and status["headline"] == "Synced just now"
    # The hub answered: the error is over, on screen and in `sync status` (issue 13: no stale error next to
    # "Synced just now"); the log file keeps it.
    assert status["last_seq_acknowledged"] == 40 and status["last_error"] is None and status["last_error_at"] is None
    assert cli_support.sync_status(room.path, config.sync)["room_id"] == ROOM
    off = cli_support.sync_status(room.path, RoomConfig(room_id=ROOM))
    assert off["state"] == "disabled" and off["headline"] == "Sync off"
    with pytest.raises(cli_support.SyncError, match="hub_url"):
        cli_support.sync_now(room.path, RoomConfig(room_id=ROOM))
    with pytest.raises(StoreError):
        cli_support.sync_status(tmp_path / "nowhere.db", config)
    assert_exactly_once(hubdb, room.path)
    room.close()


def test_a_wrong_token_shows_as_refused(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(5)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, "rct_not-the-token", **FAST)
        result = pusher.sync_now()
        pusher.stop()
    assert not result.ok and result.status.state == "refused" and "401" in result.error
    assert result.status.headline().startswith("Hub refused sync — 5 events waiting: the hub answered 401 "
                                               "(unauthorized)")
    assert Outbox(room.path).cursor().last_seq == 0 and all_hub_events(hubdb) == []
    room.close()


def test_the_pusher_refuses_another_rooms_database(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db", room_id="room-7")
    room.log_events(1)
    pusher = SyncPusher(room.path, ROOM, "http://127.0.0.1:9", token, **FAST)
    result = pusher.sync_now()
    pusher.stop()
    assert not result.ok and result.status.state == "error" and "room-7" in result.error
    room.close()


def test_memory_is_bounded_by_the_batch(tmp_path):
    """Reads stream one batch at a time: the outbox never returns more than it is asked for."""
    room = RoomDB(tmp_path / "room.db")
    room.log_events(1200)
    ob = Outbox(room.path)
    assert len(ob.events_after(0, 500)) == 500 and ob.events_after(1100, 500)[-1][0] == 1200
    assert ob.backlog().events == 1200
    ob.advance(700, 0, "x")
    ob.advance(600, 0, "y")  # an older ack cannot move the cursor back
    assert ob.cursor().last_seq == 700 and ob.backlog().events == 500
    ob.rewind(650)
    assert ob.cursor().last_seq == 650
    ob.close()
    room.close()


def test_the_pusher_never_speaks_sql_itself():
    """The room side reads through roomcontrol.store.outbox; only the hub may import sqlite3 (import-linter)."""
    sync_dir = Path(__file__).resolve().parents[2] / "roomcontrol" / "sync"
    for path in sync_dir.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        top = {name.split(".")[0] for name in names}
        assert not top & {"sqlite3", "sqlite_utils", "psycopg", "fastapi", "uvicorn"}, path.name
        if path.name != "cli_support.py":  # which imports the hub lazily, inside the hub commands
            assert not any(n.startswith("roomcontrol.sync.hub") for n in names), path.name


def test_stop_is_prompt_while_backing_off(tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(1)
    pusher = SyncPusher(room.path, ROOM, f"http://127.0.0.1:{free_port()}", "t", backoff_base_s=30,
                        backoff_max_s=30).start()
    wait_until(lambda: pusher.status.state == "offline", what="offline")
    t = threading.Thread(target=pusher.stop)
    t.start()
    t.join(3)
    assert not t.is_alive()
    room.close()
