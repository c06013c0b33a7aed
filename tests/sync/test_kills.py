"""Crash safety of sync, by SIGKILL: the hub in the middle of a batch, the room in the middle of a sync, 10 times
each, on SQLite and PostgreSQL. Afterwards the hub holds every event exactly once, in order."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.pusher import SyncPusher
from tests.sync.helpers import ROOM, ROOT, HubProcess, HubZygote, RoomDB, all_hub_vitals, assert_exactly_once, free_port, \
    wait_until

KILLS = 10
HOLD_S = 0.08  # the hub keeps each ingest transaction open this long, so a kill lands inside one
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def zygote():
    z = HubZygote()
    yield z
    z.close()


def _progress(hubdb, above: int) -> int:
    return wait_until(lambda: (hubstore.head(hubdb, ROOM)["last_seq"] or 0) > above and
                      hubstore.head(hubdb, ROOM)["last_seq"], timeout_s=30, what="progress at the hub")


def test_hub_killed_in_the_middle_of_a_batch(zygote, hub_url, hubdb, token, tmp_path):
    rng = random.Random(6)
    room = RoomDB(tmp_path / "room.db")
    room.log_events(150)
    room.log_vitals(60)
    hub = HubProcess(zygote, hub_url, free_port(), hold_s=HOLD_S, log_path=tmp_path / "hub.log")
    pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=10, interval_s=0.05, backoff_base_s=0.02,
                        backoff_max_s=0.1, timeout_s=5).start()
    seen, mid_batch = 0, 0
    try:
        for _ in range(KILLS):
            hub.start()
            seen = _progress(hubdb, seen)          # one batch committed; the next one is now in flight
            time.sleep(rng.uniform(0.01, HOLD_S * 0.9))
            hub.kill()
            wait_until(lambda: pusher.status.state == "offline", what="the pusher to notice")
            mid_batch += "without sending a response" in pusher.status.last_error
            room.log_events(5)                     # the room goes on logging while the hub is dead
        assert seen < 200, "the kills should interrupt the sync, not follow it"
        assert mid_batch >= KILLS // 2, f"only {mid_batch} kills landed while a batch was in flight"
        hub.start()
        try:
            wait_until(lambda: hubstore.head(hubdb, ROOM)["last_seq"] == 200 and pusher.status.backlog_vitals == 0,
                       timeout_s=30, what="the whole backlog")
        finally:
            hub.kill()
    finally:
        pusher.stop()
    assert_exactly_once(hubdb, room.path)
    assert [v["vital_id"] for v in all_hub_vitals(hubdb)] == list(range(1, 61))
    room.close()


def test_room_killed_in_the_middle_of_a_sync(hub_url, hubdb, token, tmp_path):
    rng = random.Random(7)
    room = RoomDB(tmp_path / "room.db")
    room.log_events(300)
    room.log_vitals(60)
    seen = 0
    with ThreadedHub(hubdb, hold_s=HOLD_S) as hub:
        for _ in range(KILLS):
            child = subprocess.Popen([sys.executable, "-m", "tests.sync.pusher_child", str(room.path), ROOM, hub.url,
                                      token, "10"], cwd=ROOT, stdout=subprocess.PIPE)
            try:
                seen = _progress(hubdb, seen)      # acked at least once; a batch or a cursor write is in flight
                time.sleep(rng.uniform(0.0, HOLD_S))
            finally:
                os.kill(child.pid, signal.SIGKILL)
                child.wait()
            room.log_events(5)
        assert seen < 350, "the kills should interrupt the sync, not follow it"
        pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=50)
        result = pusher.sync_now()
        pusher.stop()
    assert result.ok, result.error
    assert_exactly_once(hubdb, room.path)
    assert [v["vital_id"] for v in all_hub_vitals(hubdb)] == list(range(1, 61))
    room.close()
