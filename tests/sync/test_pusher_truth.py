"""Issue 13, the room side: a sync that never stalls and a status that tells the truth.

Quarantine and old-hub refusals are tested against a small real HTTP server on loopback that answers as the hub
answers (the quarantining hub is another engineer's branch); outages against the real hub, stopped and restarted;
hung requests against a TCP listener that accepts and never answers (a blackhole).
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from roomcontrol.config.room import RoomConfig, SyncConfig
from roomcontrol.engine.runtime import start_room
from roomcontrol.store import database
from roomcontrol.store import eventlog as eventlog_module
from roomcontrol.store.errors import StoreError
from roomcontrol.store.outbox import Outbox
from roomcontrol.sync import cli_support
from roomcontrol.sync import pusher as pusher_module
from roomcontrol.sync.hub import store as hubstore
from roomcontrol.sync.hub.db import HubDB
from roomcontrol.sync.hub.server import ThreadedHub
from roomcontrol.sync.pusher import SyncPusher
from roomcontrol.sync.status import SyncStatus
from tests.sync.helpers import ROOM, T0, RoomDB, all_hub_events, all_hub_vitals, assert_exactly_once, free_port, \
    wait_until

ACTOR_LIMIT = 64


class FakeHub:
    """A hub on loopback that keeps a room's head and answers batches as the real hub does: with `quarantine`,
    events whose actor is too long are quarantined (200, `"quarantined": [{"seq", "reason"}]`, head advanced
    through them); without, such a batch is refused whole with 422 (an older hub). `batches` records each body."""

    def __init__(self, quarantine: bool):
        self.quarantine = quarantine
        self.last_seq = 0
        self.last_vitals_id = 0
        self.batches: list[dict] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hub.batches.append(body)
                status, answer = hub.answer(body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, body: dict) -> tuple[int, dict]:
        events = body["events"]
        bad = [e for e in events if len(e["actor"]) > ACTOR_LIMIT and e["seq"] > self.last_seq]
        if bad and not self.quarantine:
            return 422, {"error": "malformed", "detail": f"events.{events.index(bad[0])}.actor: String should "
                                                         f"have at most {ACTOR_LIMIT} characters"}
        new = [e for e in events if e["seq"] > self.last_seq]
        self.last_seq = max([self.last_seq] + [e["seq"] for e in events])
        self.last_vitals_id = max([self.last_vitals_id] + [v["id"] for v in body["vitals"]])
        answer = {"room_id": ROOM, "accepted_events": len(new) - len(bad), "duplicate_events": len(events) - len(new),
                  "accepted_vitals": len(body["vitals"]), "duplicate_vitals": 0, "last_seq": self.last_seq,
                  "last_vitals_id": self.last_vitals_id, "received_at": "2026-03-01T08:00:00.000Z"}
        if bad:
            answer["quarantined"] = [{"seq": e["seq"], "reason": f"actor is longer than {ACTOR_LIMIT} characters"}
                                     for e in bad]
        return 200, answer

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class Blackhole:
    """A TCP listener on loopback that accepts connections and never answers (a hung hub or proxy)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


def _room_with_a_long_actor(tmp_path: Path) -> RoomDB:
    """Events 1-5 fine, 6 logged by an actor the hub will not take (as rooms did before issue 13: today's room
    refuses to log it, so the rules are lifted for that one append), 7-10 fine."""
    room = RoomDB(tmp_path / "room.db")
    room.log_events(5)
    from roomcontrol.domain.chain import canonical_json
    from roomcontrol.domain.events import NewEvent
    with pytest.MonkeyPatch.context() as old_room:
        old_room.setattr(eventlog_module, "check_event", lambda kind, actor, sid, payload: canonical_json(payload))
        room.log.append_many([NewEvent("note.added", {"text": "x"}, "a" * 80, "s-1")], T0)
    room.log_events(4)
    room.log_vitals(3)
    return room


def test_the_room_never_logs_what_the_hub_would_quarantine(tmp_path):
    from roomcontrol.domain.errors import Refused
    from roomcontrol.domain.events import NewEvent
    room = RoomDB(tmp_path / "room.db")
    with pytest.raises(Refused, match="actor"):
        room.log.append_many([NewEvent("note.added", {"text": "x"}, "a" * 80, "s-1")], T0)
    assert room.log.last_seq == 0
    room.close()


def test_an_old_rooms_bad_event_is_quarantined_by_the_real_hub_and_the_log_goes_on(tmp_path):
    """End to end: the room's pusher against the real hub (issue 13, both sides): event 6 is quarantined at the hub
    with its reason, everything behind it arrives, and the room shows it."""
    room = _room_with_a_long_actor(tmp_path)
    hubdb = HubDB(tmp_path / "hub.db")
    token = hubstore.add_room(hubdb, ROOM)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, batch_size=4)
        result = pusher.sync_now()
        pusher.stop()
        assert result.ok and result.quarantined_events == 1, result.error
        assert [e["seq"] for e in all_hub_events(hubdb)] == [1, 2, 3, 4, 5, 7, 8, 9, 10]
        assert len(all_hub_vitals(hubdb)) == 3
        assert [q["seq"] for q in hubstore.verify_room(hubdb, ROOM)["quarantined"]] == [6]
    assert result.status.quarantined == 1 and "actor" in (result.status.quarantine_reason or "")
    assert "1 event quarantined at the hub" in result.status.headline()
    hubdb.close()
    room.close()


def test_events_the_hub_quarantines_are_recorded_and_shown_and_the_log_goes_on(tmp_path):
    room = _room_with_a_long_actor(tmp_path)
    config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url="http://unused", token="t"))
    with FakeHub(quarantine=True) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, "t", batch_size=4)
        result = pusher.sync_now()
        assert result.ok and result.quarantined_events == 1 and result.batches == 3
        assert hub.last_seq == 10 and Outbox(room.path).cursor().last_seq == 10  # nothing stalled behind seq 6
        headline = result.status.headline()
        assert headline == "Synced just now · 1 event quarantined at the hub: actor is longer than 64 characters"
        # A resend of the same batch (a lost ack, a restored hub) records the quarantined event once.
        Outbox(room.path).rewind(4)
        again = pusher.sync_now()
        pusher.stop()
    assert again.ok and again.quarantined_events == 0 and again.status.quarantined == 1
    status = cli_support.sync_status(room.path, config)
    assert status["quarantined"] == 1 and status["quarantined_seqs"] == [6]
    assert status["quarantine_reason"] == "actor is longer than 64 characters"
    assert status["headline"].endswith("1 event quarantined at the hub: actor is longer than 64 characters")
    # A new pusher (the room restarted) shows it from the database.
    fresh = SyncPusher(room.path, ROOM, hub.url, "t")
    fresh._open_outbox()
    assert fresh.status.quarantined == 1
    fresh.stop()
    # The record is the hub's word: never rewritten.
    db = database.connect(room.path)
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM sync_quarantine")
    db.conn.close()
    room.close()


def test_a_hub_that_refuses_a_batch_for_its_content_is_shown_with_the_reason(tmp_path):
    """An older hub (no quarantine) refuses the batch with 422 for ever: the room says so, naming the events and
    the reason, and retries on the slower refused back-off rather than stalling silently."""
    room = _room_with_a_long_actor(tmp_path)
    config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url="http://unused", token="t"))
    with FakeHub(quarantine=False) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, "t", batch_size=4)
        result = pusher.sync_now()
        pusher.stop()
    assert not result.ok and result.status.state == "refused" and result.batches == 1  # 1-4 went through
    assert "422 (malformed) to events 5–8" in result.error and "actor" in result.error
    assert result.status.headline().startswith("Hub refused sync — 6 events waiting: the hub answered 422 "
                                               "(malformed) to events 5–8: events.1.actor")
    status = cli_support.sync_status(room.path, config)
    assert status["state"] == "refused" and "events.1.actor" in status["headline"]
    p = SyncPusher("unused.db", ROOM, "http://127.0.0.1:9", "t")
    refused = [p._backoff("refused") for _ in range(8)]
    assert max(refused) > pusher_module.BACKOFF_MAX_S and max(refused) <= pusher_module.REFUSED_BACKOFF_MAX_S
    room.close()


def test_the_offline_backoff_is_seconds_not_minutes():
    p = SyncPusher("unused.db", ROOM, "http://127.0.0.1:9", "t")
    waits = [p._backoff() for _ in range(40)]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
    assert max(waits) <= pusher_module.BACKOFF_MAX_S < 10  # a returning hub is probed within 8 s
    assert min(waits[5:]) >= pusher_module.BACKOFF_MAX_S / 2  # the cap keeps its jitter
    assert p.waits == waits


def test_an_idle_room_catches_up_on_the_first_probe_after_the_hub_returns(hubdb, token, tmp_path):
    """The real hub stopped and restarted: while it is down the pusher probes on the seconds back-off; the first
    attempt after it returns sends the backlog (no attempt wasted, no interval of minutes)."""
    room = RoomDB(tmp_path / "room.db")
    room.log_events(20)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, interval_s=3600).start()
        try:
            wait_until(lambda: pusher.status.state == "synced", what="synced")
            hub.stop()
            room.log_events(30)  # logged while the hub is down
            room.log_vitals(10)
            pusher.notify()
            wait_until(lambda: pusher.attempts >= 3 and pusher.status.state == "offline"
                       and pusher.status.next_attempt_at is not None, what="three failed tries")
            assert pusher.waits and max(pusher.waits) <= pusher_module.BACKOFF_MAX_S
            assert pusher.status.next_attempt_at is not None
            assert pusher.status.next_attempt_at - pusher.status.last_error_at <= timedelta(seconds=8.5)
            assert "next try in" in pusher.status.headline()
            hub.start()
            tries_when_back = pusher.attempts  # one may be counted already and connect now
            wait_until(lambda: pusher.status.state == "synced" and pusher.status.backlog_vitals == 0,
                       timeout_s=20, what="the backlog at the hub")
            assert pusher.attempts <= tries_when_back + 1  # the first try after the hub's return sent it all
            assert pusher.status.last_error is None and pusher.status.headline() == "Synced just now"
        finally:
            pusher.stop()
        assert_exactly_once(hubdb, room.path)
        assert len(all_hub_vitals(hubdb)) == 10
    room.close()


def test_new_vitals_reach_the_hub_without_an_event_or_the_interval(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(2)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, interval_s=3600).start()
        try:
            wait_until(lambda: pusher.status.state == "synced", what="synced")
            room.log_vitals(5)  # committed by the engine's writer: no notify()
            wait_until(lambda: len(all_hub_vitals(hubdb)) == 5, timeout_s=10, what="the vitals at the hub")
        finally:
            pusher.stop()
    room.close()


def test_a_hung_request_shows_as_waiting_times_out_and_stop_does_not_wait_for_it(tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(3)
    default = SyncPusher(room.path, ROOM, "http://127.0.0.1:9", "t")
    timeout = default._http().timeout
    assert timeout.read <= 5 and timeout.connect <= 3  # a few seconds, not 30
    default.stop()
    with Blackhole() as hole:
        statuses: list[SyncStatus] = []
        pusher = SyncPusher(room.path, ROOM, hole.url, "t", timeout_s=1.5, on_status=statuses.append).start()
        wait_until(lambda: pusher.status.in_flight_since is not None, what="a request in flight")
        waiting = pusher.status
        assert waiting.headline(waiting.in_flight_since + timedelta(seconds=3)) == \
            "Waiting for the hub (3 s) — 3 events waiting"
        assert "Synced" not in waiting.headline(waiting.in_flight_since + timedelta(seconds=3))
        wait_until(lambda: pusher.status.state == "offline", timeout_s=10, what="the read timeout")
        assert "timed out" in pusher.status.last_error and pusher.status.in_flight_since is None
        # The next request hangs too; stop() returns within its 2 s although the drain lock is held.
        wait_until(lambda: pusher.status.in_flight_since is not None, timeout_s=10, what="the next try")
        stopper = threading.Thread(target=pusher.stop)
        stopper.start()
        stopper.join(3)
        assert not stopper.is_alive()
    assert any(s.in_flight_since for s in statuses)
    room.close()


def test_stop_with_a_final_push_sends_what_was_logged_last(hubdb, token, tmp_path):
    room = RoomDB(tmp_path / "room.db")
    room.log_events(5)
    with ThreadedHub(hubdb) as hub:
        pusher = SyncPusher(room.path, ROOM, hub.url, token, interval_s=3600, batch_size=50).start()
        wait_until(lambda: pusher.status.state == "synced", what="synced")
        room.log_events(120)  # logged at the very end, nobody notifies
        room.log_vitals(7)
        pusher.stop(final_push=True)
        assert_exactly_once(hubdb, room.path)
        assert len(all_hub_vitals(hubdb)) == 7
    room.close()


def test_the_runtime_pushes_the_rooms_last_events_on_a_clean_close(hubdb, token, tmp_path):
    """The headless runner's exit: room.close() commits the last events, then one last push sends them."""
    with ThreadedHub(hubdb) as hub:
        config = RoomConfig(room_id=ROOM, sync=SyncConfig(enabled=True, hub_url=hub.url, token=token,
                                                          interval_s=3600)).simulated()
        runtime = start_room(config, tmp_path, audio=False, staff_gate=False)
        runtime.room.submit("add_note", "rn.ada", text="last words before exit").result(5)
        runtime.close()
        events = all_hub_events(hubdb)
    assert events and events[-1]["kind"] == "note.added"
    assert_exactly_once(hubdb, tmp_path / database.DB_NAME)


def test_the_quarantine_record_needs_the_migrated_schema(tmp_path):
    path = tmp_path / "old.db"
    conn = database.open_connection(path)
    import sqlite_utils
    db = sqlite_utils.Database(conn)
    for step in database.MIGRATIONS[:2]:
        step(db)
    conn.execute("PRAGMA user_version = 2")
    conn.close()
    ob = Outbox(path)
    assert ob.quarantined().count == 0
    with pytest.raises(StoreError, match="start the room once"):
        ob.quarantine([(1, "x")], "2026-03-01T08:00:00.000Z")
    ob.close()


def test_headlines_for_waiting_next_try_and_quarantine():
    from datetime import datetime, timezone
    now = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
    s = SyncStatus("offline", backlog_events=4, next_attempt_at=now + timedelta(seconds=5.6))
    assert s.headline(now) == "Offline — 4 events waiting · next try in 6 s"
    assert replace(s, in_flight_since=now - timedelta(seconds=0.5)).headline(now).startswith("Offline")  # no flicker
    assert replace(s, in_flight_since=now - timedelta(seconds=12)).headline(now) == \
        "Waiting for the hub (12 s) — 4 events waiting"
    q = SyncStatus("synced", last_success=now, quarantined=3, quarantine_reason="kind " + "x" * 200)
    assert q.headline(now).startswith("Synced just now · 3 events quarantined at the hub: kind xxx")
    assert q.headline(now).endswith("…") and len(q.headline(now)) < 150
    assert SyncStatus("error", last_error="disk full").headline(now) == "Sync error — nothing waiting: disk full"
    assert q.to_dict()["quarantined"] == 3
